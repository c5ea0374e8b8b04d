package telegram

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// What the sender keeps to send nothing twice (see dedup.go), under
// "<prefix>tg:", both keys of one id sequence in one hash slot:
//
//	ids:{b<box>}         zset: message ids the bot knows in the sequence
//	                     (sent, received), the last knownIDsKept        7 days
//	fly:{b<box>}:<chat>  hash: a part handed to Telegram with no outcome
//	                     yet ("<key>#<n>" → "<at ms> <highest known id>
//	                     <failed probes>"), "!probe" → "<until ms>
//	                     <member>" while a probe holds the chat, and the
//	                     floor of probes ("!resend" → a member sent again
//	                     after it was given up, "!floor" → its new id)   1 day
const (
	knownIDsKept = 5000
	knownIDsTTL  = 7 * 24 * time.Hour
	attemptTTL   = 24 * time.Hour
)

// attempt is an open attempt: handed to Telegram at `at`, when the
// highest id known in its sequence was lo.
type attempt struct {
	at       time.Time
	lo       int
	failures int
}

func (r records) idsKey(chat int64) string { return r.prefix + "ids:{b" + box(chat) + "}" }
func (r records) flyKey(chat int64) string {
	return r.prefix + "fly:{b" + box(chat) + "}:" + strconv.FormatInt(chat, 10)
}

// beginScript opens an attempt for member unless one is open (returned
// as 1 and its value) or a probe holds the chat (2 and the wait in ms).
// KEYS: ids, fly. ARGV: member, now ms, ttl ms.
var beginScript = redis.NewScript(`
local cur = redis.call('HGET', KEYS[2], ARGV[1])
if cur then return {1, cur} end
local now = tonumber(ARGV[2])
local p = redis.call('HGET', KEYS[2], '!probe')
if p then
  local untilms = tonumber(string.match(p, '^(%d+)'))
  if untilms and untilms > now then return {2, tostring(untilms - now)} end
end
local top = redis.call('ZREVRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local lo = '0'
if top[2] then lo = top[2] end
local v = ARGV[2] .. ' ' .. lo .. ' 0'
redis.call('HSET', KEYS[2], ARGV[1], v)
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return {0, v}`)

// Results of beginScript.
const (
	beginOpened  = 0
	beginPending = 1
	beginProbing = 2
)

// begin opens an attempt for member in chat, or says why not: an attempt
// already open (pending, to be settled), or a probe running (wait).
func (r records) begin(ctx context.Context, chat int64, member string, now time.Time) (state int, a attempt, wait time.Duration, err error) {
	res, err := beginScript.Run(ctx, r.rdb, []string{r.idsKey(chat), r.flyKey(chat)},
		member, now.UnixMilli(), attemptTTL.Milliseconds()).Slice()
	if err != nil || len(res) != 2 {
		return 0, a, 0, fmt.Errorf("open send attempt: %w", err)
	}
	state = int(res[0].(int64))
	v, _ := res[1].(string)
	if state == beginProbing {
		ms, _ := strconv.ParseInt(v, 10, 64)
		return state, a, time.Duration(ms) * time.Millisecond, nil
	}
	return state, parseAttempt(v), 0, nil
}

func parseAttempt(v string) attempt {
	f := strings.Fields(v)
	var a attempt
	if len(f) == 3 {
		ms, _ := strconv.ParseInt(f[0], 10, 64)
		a.at = time.UnixMilli(ms)
		lo, _ := strconv.ParseFloat(f[1], 64)
		a.lo = int(lo)
		a.failures, _ = strconv.Atoi(f[2])
	}
	return a
}

// sentScript closes member's attempt (and the chat's probe, if
// ARGV[5] is 1) and keeps the id it was sent as. A member sent again after
// it was given up raises the chat's floor to that id: its lost copy, if
// any, is below, and no probe may edit it.
// KEYS: ids, fly. ARGV: member, id, kept, ids ttl ms, release.
var sentScript = redis.NewScript(`
redis.call('HDEL', KEYS[2], ARGV[1])
if redis.call('HGET', KEYS[2], '!resend') == ARGV[1] then
  redis.call('HDEL', KEYS[2], '!resend')
  if tonumber(ARGV[2]) > tonumber(redis.call('HGET', KEYS[2], '!floor') or '0') then
    redis.call('HSET', KEYS[2], '!floor', ARGV[2])
  end
end
if ARGV[5] == '1' then
  local p = redis.call('HGET', KEYS[2], '!probe')
  if p and string.sub(p, -#ARGV[1] - 1) == ' ' .. ARGV[1] then redis.call('HDEL', KEYS[2], '!probe') end
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[2])
local n = redis.call('ZCARD', KEYS[1])
local kept = tonumber(ARGV[3])
if n > kept then redis.call('ZREMRANGEBYRANK', KEYS[1], 0, n - kept - 1) end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1`)

// sent records that member went out as message id in chat; probed: found
// by this sender's probe, which lets the chat go.
func (r records) sent(ctx context.Context, chat int64, member string, id int, probed bool) error {
	release := "0"
	if probed {
		release = "1"
	}
	if err := sentScript.Run(ctx, r.rdb, []string{r.idsKey(chat), r.flyKey(chat)},
		member, id, knownIDsKept, knownIDsTTL.Milliseconds(), release).Err(); err != nil {
		return fmt.Errorf("record message %d as sent: %w", id, err)
	}
	return nil
}

// knownScript keeps an id of the sequence. KEYS: ids. ARGV: id, kept, ttl ms.
var knownScript = redis.NewScript(`
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[1])
local n = redis.call('ZCARD', KEYS[1])
local kept = tonumber(ARGV[2])
if n > kept then redis.call('ZREMRANGEBYRANK', KEYS[1], 0, n - kept - 1) end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`)

// known keeps the id of a message the bot received in chat.
func (r records) known(ctx context.Context, chat int64, id int) error {
	return knownScript.Run(ctx, r.rdb, []string{r.idsKey(chat)}, id, knownIDsKept, knownIDsTTL.Milliseconds()).Err()
}

// closeAttempt forgets member's attempt: Telegram refused it.
func (r records) closeAttempt(ctx context.Context, chat int64, member string) error {
	if err := r.rdb.HDel(ctx, r.flyKey(chat), member).Err(); err != nil {
		return fmt.Errorf("close send attempt: %w", err)
	}
	return nil
}

// giveUpScript closes member's attempt and notes that the part goes again
// although a copy may be at Telegram. KEYS: fly. ARGV: member.
var giveUpScript = redis.NewScript(`
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[1], '!resend', ARGV[1])
return 1`)

// giveUp closes member's attempt without knowing whether it was sent: the
// part goes again, and its new id becomes the chat's floor (see
// sentScript).
func (r records) giveUp(ctx context.Context, chat int64, member string) error {
	if err := giveUpScript.Run(ctx, r.rdb, []string{r.flyKey(chat)}, member).Err(); err != nil {
		return fmt.Errorf("close send attempt: %w", err)
	}
	return nil
}

// lockScript lets member's probe hold the chat when no other attempt to
// it is open. It returns {0, known ids above lo, floor} when held; {1, wait ms}
// while another probe holds it or another attempt younger than in-flight
// may still be answered; {2} when another attempt is open with no known
// outcome.
// KEYS: ids, fly. ARGV: member, now ms, lease ms, in-flight ms, lo, wait ms.
var lockScript = redis.NewScript(`
local now = tonumber(ARGV[2])
local p = redis.call('HGET', KEYS[2], '!probe')
if p then
  local untilms = tonumber(string.match(p, '^(%d+)'))
  if untilms and untilms > now then return {1, tostring(untilms - now)} end
end
local all = redis.call('HGETALL', KEYS[2])
local busy, stale = false, false
for i = 1, #all, 2 do
  if all[i] ~= ARGV[1] and string.sub(all[i], 1, 1) ~= '!' then
    local at = tonumber(string.match(all[i + 1], '^(%d+)'))
    if at and now - at < tonumber(ARGV[4]) then busy = true else stale = true end
  end
end
if busy then return {1, ARGV[6]} end
if stale then return {2, '0'} end
redis.call('HSET', KEYS[2], '!probe', tostring(now + tonumber(ARGV[3])) .. ' ' .. ARGV[1])
local floor = redis.call('HGET', KEYS[2], '!floor') or '0'
local from = math.max(tonumber(ARGV[5]), tonumber(floor))
return {0, redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. from, '+inf', 'LIMIT', 0, 1024), floor}`)

// Results of lockChat.
const (
	lockHeld   = 0
	lockBusy   = 1
	lockUnsafe = 2
)

type chatLock struct {
	state int
	wait  time.Duration
	known map[int]bool // known ids above the attempt's mark
	floor int          // no probe at or below this id
}

// lockChat lets member's probe hold chat (see lockScript).
func (r records) lockChat(ctx context.Context, chat int64, member string, a attempt, now time.Time, inFlight time.Duration) (chatLock, error) {
	res, err := lockScript.Run(ctx, r.rdb, []string{r.idsKey(chat), r.flyKey(chat)}, member, now.UnixMilli(),
		probeLease.Milliseconds(), inFlight.Milliseconds(), a.lo, otherAttemptWait.Milliseconds()).Slice()
	if err != nil || len(res) < 2 {
		return chatLock{}, fmt.Errorf("hold chat for a probe: %w", err)
	}
	l := chatLock{state: int(res[0].(int64))}
	switch l.state {
	case lockBusy:
		s, _ := res[1].(string)
		ms, _ := strconv.ParseInt(s, 10, 64)
		l.wait = time.Duration(ms) * time.Millisecond
	case lockHeld:
		if len(res) == 3 {
			f, _ := res[2].(string)
			l.floor, _ = strconv.Atoi(f)
		}
		ids, _ := res[1].([]any)
		l.known = make(map[int]bool, len(ids))
		for _, v := range ids {
			s, _ := v.(string)
			if id, err := strconv.Atoi(s); err == nil {
				l.known[id] = true
			}
		}
	}
	return l, nil
}

// How a probe lets its chat go.
const (
	releaseKeep   = "keep"  // the attempt stays open: probed again later
	releaseFailed = "fail"  // the same, one failed probe more
	releaseClose  = "close" // the attempt is over: the part goes again (see giveUp)
)

// releaseChatScript lets the chat go if member's probe holds it and ends or
// keeps member's attempt; it returns the attempt's failed probes.
// KEYS: fly. ARGV: member, action.
var releaseChatScript = redis.NewScript(`
local p = redis.call('HGET', KEYS[1], '!probe')
if p and string.sub(p, -#ARGV[1] - 1) == ' ' .. ARGV[1] then redis.call('HDEL', KEYS[1], '!probe') end
if ARGV[2] == 'close' then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('HSET', KEYS[1], '!resend', ARGV[1])
  return 0
end
local v = redis.call('HGET', KEYS[1], ARGV[1])
if not v then return 0 end
local at, lo, f = string.match(v, '^(%S+) (%S+) (%S+)$')
f = tonumber(f)
if ARGV[2] == 'fail' then
  f = f + 1
  redis.call('HSET', KEYS[1], ARGV[1], at .. ' ' .. lo .. ' ' .. f)
end
return f`)

// releaseChat ends member's probe (see releaseChatScript).
func (r records) releaseChat(ctx context.Context, chat int64, member, action string) (int, error) {
	n, err := releaseChatScript.Run(ctx, r.rdb, []string{r.flyKey(chat)}, member, action).Int()
	if err != nil {
		return 0, fmt.Errorf("end probe: %w", err)
	}
	return n, nil
}
