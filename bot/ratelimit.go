package bot

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// RateLimiter spaces the messages of one sender (an SMS number, a
// Telegram chat, a whole bot) at a rate, across every replica: the schedule is one
// GCRA "theoretical arrival time" in Redis, advanced by one script, timed by
// the Redis server's clock so replicas with skewed clocks agree. There is no
// burst: a number that was idle sends at once, then one message per
// interval, which is what carriers count.
//
// Replies go before bulk (status and survey messages). A reply that finds no
// token registers itself in the number's set of waiting replies (until a
// little after its turn, so a reply whose worker died stops counting) and
// is deferred to the time its token comes; a bulk message that finds any
// reply waiting is deferred even when a token is free, by one interval per
// waiting reply. So a burst of status messages never delays the answer to
// a citizen's own message by more than one interval, and bulk runs at full
// rate whenever nobody is waiting.
//
// A denied message does not hold the queue: the sender returns
// queue.Defer(wait), and the send queue goes on with other numbers.
type RateLimiter struct {
	rdb      redis.UniversalClient
	base     string // key prefix of this limiter's schedules
	interval time.Duration
	// hold is how long past its due time a waiting reply keeps bulk back:
	// the send queue needs a poll or two to hand a deferred entry back.
	hold time.Duration
}

// rateScript takes a token for one message.
//
// KEYS: schedule (TAT, µs), waiting replies (zset: member → expiry µs)
// ARGV: interval µs, kind (reply|bulk), member, hold µs
// Returns {1, 0} when sent now, {0, wait µs} when not.
var rateScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local reply = ARGV[2] == 'reply'
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local wait = tat - now
if not reply then
  local waiting = redis.call('ZCARD', KEYS[2])
  if waiting > 0 then
    return {0, wait + interval * waiting}
  end
end
if wait > 0 then
  if reply then
    local expiry = now + wait + tonumber(ARGV[4])
    redis.call('ZADD', KEYS[2], string.format('%.0f', expiry), ARGV[3])
    redis.call('PEXPIRE', KEYS[2], math.ceil((wait + tonumber(ARGV[4])) / 1000) + 1000)
  end
  return {0, wait}
end
redis.call('SET', KEYS[1], string.format('%.0f', tat + interval), 'PX', math.ceil(interval / 1000) + 1000)
if reply then redis.call('ZREM', KEYS[2], ARGV[3]) end
return {1, 0}
`)

// NewRateLimiter builds a limiter of perSecond messages per key, its
// schedules under prefix + name ("ms:sms:rate:{+86…}").
func NewRateLimiter(rdb redis.UniversalClient, prefix, name string, perSecond float64) *RateLimiter {
	if perSecond <= 0 {
		perSecond = 1
	}
	interval := time.Duration(float64(time.Second) / perSecond)
	if interval < time.Microsecond {
		interval = time.Microsecond
	}
	return &RateLimiter{rdb: rdb, base: prefix + name + ":rate:", interval: interval, hold: max(5*time.Second, 2*interval)}
}

// keys of a sender's schedule, under one hash tag (Redis Cluster).
func (l *RateLimiter) keys(sender string) []string {
	base := l.base + "{" + sender + "}"
	return []string{base, base + ":waiting"}
}

// TakeIn is Take as one command of pipe (a round trip shared with other
// work); the returned function reads the answer after pipe ran. On a
// fresh Redis the script may be missing (NOSCRIPT): Load it and run the
// pipeline again.
func (l *RateLimiter) TakeIn(ctx context.Context, pipe redis.Pipeliner, sender string, bulk bool, member string) func() (time.Duration, error) {
	cmd := rateScript.EvalSha(ctx, pipe, l.keys(sender), l.interval.Microseconds(), kindOf(bulk), member, l.hold.Microseconds())
	return func() (time.Duration, error) { return l.answer(cmd.Int64Slice()) }
}

// Load puts the limiter's script into Redis's script cache.
func (l *RateLimiter) Load(ctx context.Context) error { return rateScript.Load(ctx, l.rdb).Err() }

func kindOf(bulk bool) string {
	if bulk {
		return "bulk"
	}
	return "reply"
}

// Take asks for the token to send one message of sender now. member names
// the message (the same on every attempt). It returns 0 when the message
// may go, or how long to wait.
func (l *RateLimiter) Take(ctx context.Context, sender string, bulk bool, member string) (time.Duration, error) {
	return l.answer(rateScript.Run(ctx, l.rdb, l.keys(sender), l.interval.Microseconds(), kindOf(bulk), member, l.hold.Microseconds()).Int64Slice())
}

func (l *RateLimiter) answer(res []int64, err error) (time.Duration, error) {
	if err != nil {
		return 0, fmt.Errorf("rate limit: %w", err)
	}
	if len(res) != 2 {
		return 0, fmt.Errorf("rate limit: unexpected answer %v", res)
	}
	if res[0] == 1 {
		return 0, nil
	}
	return max(time.Duration(res[1])*time.Microsecond, time.Millisecond), nil
}
