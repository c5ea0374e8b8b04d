package dedup

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/minsheng/minsheng/intake"
	"github.com/redis/go-redis/v9"
)

// keep is how many recent petitions of one citizen are compared with: a
// citizen with more inside the window is a flood, not a history.
const keep = 50

// indexScript adds this petition to the citizen's set, once, and returns
// the entries added before it inside the window. A score is the time
// received (ms) × 1024 plus the order of arrival within that millisecond,
// so that of two petitions received together the first added is the
// earlier; a repeated call (a retried delivery) keeps the first score, so
// it sees what the first call saw and never a later petition.
//
// KEYS: the citizen's set  ARGV: received (ms), window (ms), member, ttl (s), keep
var indexScript = redis.NewScript(`
local at = tonumber(ARGV[1])
local own = redis.call('ZSCORE', KEYS[1], ARGV[3])
if own then
  own = tonumber(own)
else
  local base = at * 1024
  local n = redis.call('ZCOUNT', KEYS[1], string.format('%.0f', base), string.format('%.0f', base + 1023))
  own = base + math.min(n, 1023)
  redis.call('ZADD', KEYS[1], string.format('%.0f', own), ARGV[3])
end
local from = string.format('%.0f', (at - tonumber(ARGV[2])) * 1024)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. from)
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[5]) + 1))
redis.call('EXPIRE', KEYS[1], ARGV[4])
return redis.call('ZRANGEBYSCORE', KEYS[1], from, '(' .. string.format('%.0f', own))
`)

// Index finds, for a petition, an earlier one of the same citizen (by phone
// or Telegram user) about the same matter inside the window.
type Index struct {
	rdb    redis.UniversalClient
	prefix string
	window time.Duration
}

// NewIndex builds an index under the key prefix; window is
// intake.dedup_window (0 turns linking off).
func NewIndex(rdb redis.UniversalClient, prefix string, window time.Duration) *Index {
	return &Index{rdb: rdb, prefix: prefix, window: window}
}

// Citizens are the index keys of a petition's citizen: one per identity the
// petition carries (its phone, its Telegram user), each its own hash tag.
func (x *Index) citizens(p *intake.Petition) []string {
	var keys []string
	if p.Citizen.Phone != "" {
		keys = append(keys, x.prefix+"dup:{p"+p.Citizen.Phone+"}")
	}
	if p.Citizen.TelegramUser != 0 {
		keys = append(keys, x.prefix+"dup:{t"+strconv.FormatInt(p.Citizen.TelegramUser, 10)+"}")
	}
	return keys
}

// Link records the petition under its citizen and returns the id of the
// earlier petition it repeats ("" when none): the most similar one at or
// above Threshold. One round trip (one script per identity, pipelined).
// The answer is the same when the same petition is linked again.
func (x *Index) Link(ctx context.Context, p *intake.Petition) (string, error) {
	pipe := x.rdb.Pipeline()
	answer := x.QueueLink(ctx, pipe, p)
	if pipe.Len() > 0 {
		_, _ = pipe.Exec(ctx) // answer reads each script's error
	}
	return answer()
}

// QueueLink is Link in a pipeline the caller sends (with other work, in
// one round trip): it queues the scripts and returns what reads the answer
// once the pipeline ran.
func (x *Index) QueueLink(ctx context.Context, pipe redis.Pipeliner, p *intake.Petition) func() (string, error) {
	keys := x.citizens(p)
	sig, ok := Sign(p.Description)
	if x.window <= 0 || len(keys) == 0 || !ok || strings.ContainsRune(p.ID, ' ') {
		return func() (string, error) { return "", nil }
	}
	at := p.ReceivedAt.UnixMilli()
	member := p.ID + " " + string(sig.Bytes())
	ttl := int64(x.window/time.Second) + 1
	cmds := make([]*redis.Cmd, len(keys))
	for i, k := range keys {
		cmds[i] = indexScript.Eval(ctx, pipe, []string{k}, at, x.window.Milliseconds(), member, ttl, keep)
	}
	return func() (string, error) {
		best, bestSim := "", 0.0
		for _, c := range cmds {
			seen, err := c.StringSlice()
			if err != nil {
				return "", fmt.Errorf("duplicate index of %s: %w", p.ID, err)
			}
			for _, m := range seen {
				id, raw, ok := strings.Cut(m, " ")
				if !ok || id == p.ID {
					continue
				}
				s, ok := ParseSignature([]byte(raw))
				if !ok {
					continue
				}
				if sim := Similarity(sig, s); sim >= Threshold && sim > bestSim {
					best, bestSim = id, sim
				}
			}
		}
		return best, nil
	}
}
