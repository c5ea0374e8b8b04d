package aliyun

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/minsheng/minsheng/bot"
	"github.com/redis/go-redis/v9"
)

// recordTTL is how long a number's hash outlives its last write: the
// day's count, attempts to resolve, what is owed to the digest.
const recordTTL = 3 * 24 * time.Hour

// records are the channel's Redis state, one hash per recipient number
// (ms:ali:{+86…}, one hash tag, so every script runs on one Redis Cluster
// node):
//
//	d, n          the day (yyyyMMdd, timezone) and the SMS it counted
//	a:<m>         message m attempted at (unix ms), not known to be sent
//	s:<m>         m sent (its BizId, or "found" by a lookup)
//	r:<m>         m's delivery receipt: "1|DELIVERED", "0|W-BLACK"
//	o:<m>         m owed to the day's digest (template and variables);
//	              once the digest claims it, s:<m> = "digest"
//	oq            the digest is queued: "<day>|<unix ms>"
//	b:<m>, dg     digest m's items once claimed; the day a digest claimed
//
// <m> is the message key after the recipient's conversation ("sms:+86…"),
// the whole key otherwise (an office's list: "office:…").
type records struct {
	rdb    redis.UniversalClient
	prefix string
}

func (r *records) key(to string) string { return r.prefix + "ali:{" + to + "}" }

// memberOf is a message key as a field of its recipient's hash.
func memberOf(key, to string) string {
	if rest, ok := strings.CutPrefix(key, bot.ConversationKey(bot.ChannelSMS, to)); ok && strings.HasPrefix(rest, ":") {
		return rest
	}
	return key
}

// Outcomes of beginScript.
const (
	beginSent    = 1 // sent before: nothing to do
	beginPending = 2 // attempted before without a known outcome: look it up
	beginGo      = 3 // a slot of the day taken, the attempt marked: send
	beginDefer   = 4 // the day's budget is used: the next morning
	beginOwed    = 5 // kept for the day's digest
	beginWait    = 6 // a digest waits for more to merge
	beginEmpty   = 7 // a digest with nothing to merge
)

// Budget kinds.
const (
	kindNormal  = "n"
	kindCanWait = "w" // survey reminders: the next morning rather than the digest
	kindDigest  = "d"
)

// beginScript decides a message's fate in one round trip: sent already, an
// attempt to resolve, a slot of the day's budget (the last one is the
// digest's), owed to the digest, or the next day. A message is marked
// attempted in the same step that counts it, so a crash after SendSms
// leaves the mark for the retry's lookup.
//
// KEYS: the recipient's hash. ARGV: member, day, daily limit, now ms,
// kind (n, w, d), ttl s, the owed payload (JSON), the digest's gathering ms.
var beginScript = redis.NewScript(`
local h, m, day = KEYS[1], ARGV[1], ARGV[2]
local limit, now, kind, ttl = tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5], tonumber(ARGV[6])
if redis.call('HEXISTS', h, 's:' .. m) == 1 then return {1} end
local a = redis.call('HGET', h, 'a:' .. m)
if a then return {2, tonumber(a), redis.call('HGET', h, 'b:' .. m) or ''} end
local function queued()
  local q = redis.call('HGET', h, 'oq') or ''
  if string.sub(q, 1, #day) == day then return 0 end
  return 1
end
if redis.call('HEXISTS', h, 'o:' .. m) == 1 then return {5, queued()} end
if redis.call('HGET', h, 'd') ~= day then redis.call('HSET', h, 'd', day, 'n', 0) end
local n = tonumber(redis.call('HGET', h, 'n') or '0')
if kind == 'd' then
  local prev = redis.call('HGET', h, 'b:' .. m)
  if n >= limit or (redis.call('HGET', h, 'dg') == day and not prev) then return {4} end
  if not prev then
    local q = redis.call('HGET', h, 'oq') or ''
    local wait = tonumber(string.match(q, '|(%d+)$') or '0') + tonumber(ARGV[8]) - now
    if wait > 0 then return {6, wait} end
  end
  local items = {}
  if prev and #prev > 2 then items[1] = string.sub(prev, 2, -2) end
  local all = redis.call('HGETALL', h)
  for i = 1, #all, 2 do
    if string.sub(all[i], 1, 2) == 'o:' then
      items[#items + 1] = all[i + 1]
      redis.call('HDEL', h, all[i])
      redis.call('HSET', h, 's:' .. string.sub(all[i], 3), 'digest')
    end
  end
  if #items == 0 then return {7} end
  local b = '[' .. table.concat(items, ',') .. ']'
  redis.call('HSET', h, 'n', n + 1, 'a:' .. m, now, 'b:' .. m, b, 'dg', day)
  redis.call('HDEL', h, 'oq')
  redis.call('EXPIRE', h, ttl)
  return {3, now, b}
end
if n < limit - 1 then
  redis.call('HSET', h, 'n', n + 1, 'a:' .. m, now)
  redis.call('EXPIRE', h, ttl)
  return {3, now, ''}
end
if kind == 'w' or n >= limit or redis.call('HGET', h, 'dg') == day then return {4} end
redis.call('HSET', h, 'o:' .. m, ARGV[7])
redis.call('EXPIRE', h, ttl)
return {5, queued()}
`)

// unattemptScript takes a refused attempt back: the mark, and its slot of
// the day when it was counted today (the provider counts what it took).
//
// KEYS: the recipient's hash. ARGV: member, day.
var unattemptScript = redis.NewScript(`
if redis.call('HDEL', KEYS[1], 'a:' .. ARGV[1]) == 1 and redis.call('HGET', KEYS[1], 'd') == ARGV[2] then
  local n = tonumber(redis.call('HGET', KEYS[1], 'n') or '0')
  if n > 0 then redis.call('HSET', KEYS[1], 'n', n - 1) end
end
return 1`)

// begun is beginScript's answer.
type begun struct {
	outcome int
	at      time.Time // the attempt's time (pending, go)
	wait    time.Duration
	digest  string // the digest's items (JSON array)
	queue   bool   // owed: the digest is still to be queued
}

func (r *records) begin(ctx context.Context, to, member, day string, limit int, now time.Time, kind, payload string, gather time.Duration) (begun, error) {
	res, err := beginScript.Run(ctx, r.rdb, []string{r.key(to)}, member, day, limit, now.UnixMilli(), kind,
		int64(recordTTL/time.Second), payload, gather.Milliseconds()).Slice()
	if err != nil {
		return begun{}, fmt.Errorf("sms budget: %w", err)
	}
	if len(res) == 0 {
		return begun{}, errors.New("sms budget: empty answer")
	}
	b := begun{outcome: int(toInt(res[0]))}
	switch b.outcome {
	case beginPending, beginGo:
		b.at = time.UnixMilli(toInt(res[1]))
		if len(res) > 2 {
			b.digest, _ = res[2].(string)
		}
	case beginWait:
		b.wait = time.Duration(toInt(res[1])) * time.Millisecond
	case beginOwed:
		b.queue = toInt(res[1]) == 1
	}
	return b, nil
}

func toInt(v any) int64 {
	n, _ := v.(int64)
	return n
}

func (r *records) unattempt(ctx context.Context, to, member, day string) error {
	if err := unattemptScript.Run(ctx, r.rdb, []string{r.key(to)}, member, day).Err(); err != nil {
		return fmt.Errorf("take back an SMS attempt: %w", err)
	}
	return nil
}

// sent records m sent (with the send queue's acknowledgement).
func (r *records) sent(ctx context.Context, to, member, biz string) error {
	k := r.key(to)
	return bot.OnSent(ctx, r.rdb, func(p redis.Pipeliner) {
		p.HSet(ctx, k, "s:"+member, biz)
		p.HDel(ctx, k, "a:"+member)
		p.Expire(ctx, k, recordTTL)
	})
}

// digestQueued records, with the acknowledgement of the message that
// queued it, that the day's digest is queued.
func (r *records) digestQueued(ctx context.Context, to, day string, now time.Time) error {
	k := r.key(to)
	return bot.OnSent(ctx, r.rdb, func(p redis.Pipeliner) {
		p.HSet(ctx, k, "oq", fmt.Sprintf("%s|%d", day, now.UnixMilli()))
	})
}
