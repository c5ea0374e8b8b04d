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

// indexScript trims the citizen's set to the window and to keep entries,
// returns the entries received up to this one (with their scores), and adds
// this one. Adding the same member again (a retried delivery) changes
// nothing, so a retry sees what the first attempt saw.
//
// KEYS: the citizen's set  ARGV: received (ms), window (ms), member, ttl (s), keep
var indexScript = redis.NewScript(`
local at = tonumber(ARGV[1])
local from = at - tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. from)
local seen = redis.call('ZRANGEBYSCORE', KEYS[1], from, at, 'WITHSCORES')
redis.call('ZADD', KEYS[1], at, ARGV[3])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[5]) + 1))
redis.call('EXPIRE', KEYS[1], ARGV[4])
return seen
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
	keys := x.citizens(p)
	sig, ok := Sign(p.Description)
	if x.window <= 0 || len(keys) == 0 || !ok || strings.ContainsRune(p.ID, ' ') {
		return "", nil
	}
	at := p.ReceivedAt.UnixMilli()
	member := p.ID + " " + string(sig.Bytes())
	ttl := int64(x.window/time.Second) + 1
	pipe := x.rdb.Pipeline()
	cmds := make([]*redis.Cmd, len(keys))
	for i, k := range keys {
		cmds[i] = indexScript.Eval(ctx, pipe, []string{k}, at, x.window.Milliseconds(), member, ttl, keep)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return "", fmt.Errorf("duplicate index of %s: %w", p.ID, err)
	}
	best, bestSim := "", 0.0
	for _, c := range cmds {
		seen, err := c.StringSlice()
		if err != nil {
			return "", fmt.Errorf("duplicate index of %s: %w", p.ID, err)
		}
		for i := 0; i+1 < len(seen); i += 2 {
			id, raw, ok := strings.Cut(seen[i], " ")
			score, err := strconv.ParseInt(seen[i+1], 10, 64)
			if !ok || err != nil || id == p.ID {
				continue
			}
			// Received in the same millisecond: the smaller id is the earlier,
			// so that two petitions never repeat each other.
			if score == at && id > p.ID {
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
