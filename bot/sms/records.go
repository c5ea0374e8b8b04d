package sms

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/minsheng/minsheng/bot"
	"github.com/redis/go-redis/v9"
)

// What the channel keeps in Redis, every key under the store's prefix and
// with a TTL:
//
//	sms:out:{key}        hash: parts (parts of the message already sent),
//	                     nb (not before, unix ms: a re-send waits), ap, at
//	                     (part ap was handed to Twilio at at, unix ms:
//	                     unresolved while ap = parts; removed once it is
//	                     sent), lf (failed lookups of that attempt), and from
//	                     the first attempt's mark the Outbound (bot.CompactJSON, without
//	                     what its key tells: see storedOutbound) for a
//	                     re-send after a failure callback, in chunks b1…bN
//	                     of 60 bytes (N in bn: a value over 64 bytes would
//	                     make Redis store the hash in its large encoding);
//	                     from status callbacks y<n>:<status> (seen) and c<n>
//	                     (the re-send of part n claimed)                   1 day
//	x<sid's last 12> fields of the recipient's conversation hash
//	                     (bot.ConversationHashKey of sms:<To>): "<member>|<part>|<unix s>",
//	                     what a MessageSid was sent for (member: the key
//	                     after the conversation, ":3", or the whole key
//	                     when it is not under it): for lookups before a
//	                     re-send, and callbacks whose URL does not name
//	                     the part (see callbackURL); dropped by the loop
//	                     guard after a day                                 1 day
//	l<member> fields of the citizen's conversation hash: the loop guard,
//	                     messages with this text lately                    10 min
//	sms:rate:{from}      the number's send schedule (see bot.RateLimiter)
//
// Read, no longer written (kept by earlier versions, gone within a day):
//
//	sms:ob:{key}         string: the Outbound
//	sms:msg:{sid}        hash: k, n (or ob and part): what a sid was sent for
//
// No key per sid: a key costs Redis ≈ 90 bytes in its tables besides
// what it holds, and the sid's entry in the conversation hash ≈ 30.
//
// Each command touches one key, so they work in Redis Cluster; the few sent
// together go in one pipelined round trip.
type records struct {
	rdb    redis.UniversalClient
	prefix string
	now    func() time.Time
}

// recordTTL is how long a sent message is remembered for its callbacks.
const recordTTL = 24 * time.Hour

// Loop guard: never the same text to the same number more than loopMax
// times in loopWindow (an auto-reply ping-pong with another bot).
const (
	loopMax    = 3
	loopWindow = 10 * time.Minute
)

func (s *records) outKey(key string) string { return s.prefix + "sms:out:" + key }
func (s *records) msgKey(sid string) string { return s.prefix + "sms:msg:" + sid }
func (s *records) obKey(key string) string  { return s.prefix + "sms:ob:" + key }

// loopArgs name a message for the loop guard: the conversation hash it is
// kept in (bot.ConversationHashKey), the message within it and its text.
func (s *records) loopArgs(m bot.Outbound) (key, member, text string) {
	conv := m.Conversation
	if conv == "" {
		conv = bot.ConversationKey(bot.ChannelSMS, m.To)
	}
	member = strings.TrimPrefix(m.Key, conv) // ":3", ":3#r1": short, the hash stays compact
	sum := sha256.Sum256([]byte(m.To + "\x00" + m.Text))
	return bot.ConversationHashKey(s.prefix, conv), member, hex.EncodeToString(sum[:6])
}

// loopScript counts one message (member: its key, the same on every
// attempt) with this text to this number in the sliding window, in fields
// "l<member>" = "<text hash>:<ms>" of the citizen's conversation hash (no
// key of its own: a key costs Redis more than the entry). It returns 0 when
// the message would be one too many; it forgets entries older than the
// window as it goes, and the sids of messages older than recordTTL
// (fields x…, see sidField).
//
// KEYS: conversation hash. ARGV: now ms, window ms, member, max, text hash,
// recordTTL s.
var loopScript = redis.NewScript(`
local now, win = tonumber(ARGV[1]), tonumber(ARGV[2])
local all = redis.call('HGETALL', KEYS[1])
local same, mine = 0, false
for i = 1, #all, 2 do
  local f = all[i]
  if string.sub(f, 1, 1) == 'l' then
    local h, t = string.match(all[i + 1], '^(%w+):(%d+)$')
    if not t or now - tonumber(t) > win then
      redis.call('HDEL', KEYS[1], f)
    elseif f == 'l' .. ARGV[3] then
      mine = true
    elseif h == ARGV[5] then
      same = same + 1
    end
  elseif string.sub(f, 1, 1) == 'x' then
    local t = tonumber(string.match(all[i + 1], '|(%d+)$') or '0')
    if now / 1000 - t > tonumber(ARGV[6]) then redis.call('HDEL', KEYS[1], f) end
  end
end
if mine then return 1 end
if same >= tonumber(ARGV[4]) then return 0 end
redis.call('HSET', KEYS[1], 'l' .. ARGV[3], ARGV[5] .. ':' .. ARGV[1])
if redis.call('TTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1
`)

// progress is how far a message got.
type progress struct {
	looping   bool      // the loop guard refuses it
	partsSent int       // parts Twilio already took
	notBefore time.Time // a re-send waits until then
	// pending is when part partsSent was handed to Twilio without its
	// outcome being recorded (a timeout, a crash): zero when it was not.
	pending        time.Time
	lookupFailures int // failed lookups of that attempt
	// marked: begin recorded the attempt of part partsSent at its now
	// (nothing pending, nothing to wait for, parts left).
	marked bool
	// wait is how long the rate limit asks the next part to wait (0: it
	// may go now; the token was taken).
	wait time.Duration
}

// beginScript reads a message's progress and, when its next part may go
// now, marks that part attempted at now: the mark is written before the
// part is handed to Twilio, in the same round trip as the read. A mark at
// this very now is this attempt's own, made by a try that had to be
// repeated (a script missing after a Redis restart): marked, not pending.
// It returns {parts, nb, ap, at, lf, marked}.
//
// Marking, it also writes the Outbound's chunks (ARGV[4]…): a status
// callback may come before the part's "sent" is recorded, and a re-send
// needs the message.
//
// KEYS: out hash. ARGV: now ms, parts in all, ttl ms, chunk fields….
var beginScript = redis.NewScript(`
local v = redis.call('HMGET', KEYS[1], 'parts', 'nb', 'ap', 'at', 'lf')
local parts = tonumber(v[1] or '0')
local nb = tonumber(v[2] or '0')
local pending = v[3] and tonumber(v[3]) == parts
if pending and v[4] == ARGV[1] then
  -- this very attempt, marked by a try whose answer was lost (NOSCRIPT)
  return {parts, nb, '', '', '', 1}
end
local marked = 0
if not pending and nb <= tonumber(ARGV[1]) and parts < tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[1], 'ap', parts, 'at', ARGV[1], 'lf', 0, unpack(ARGV, 4))
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  marked = 1
end
return {parts, nb, v[3] or '', v[4] or '', v[5] or '', marked}
`)

// begin passes a message through the loop guard, reads its progress, marks
// its next part attempted when it may go, and takes that part's token
// from limiter: one round trip.
func (s *records) begin(ctx context.Context, m bot.Outbound, stored []any, parts int, now time.Time, limiter *bot.RateLimiter, from string) (progress, error) {
	for try := 0; ; try++ {
		p, err := s.tryBegin(ctx, m, stored, parts, now, limiter, from)
		// EVALSHA in a pipeline cannot fall back to EVAL by itself: load
		// the scripts (a fresh or flushed Redis) and try once more.
		if try == 0 && redis.HasErrorPrefix(err, "NOSCRIPT") {
			lerr := errors.Join(loopScript.Load(ctx, s.rdb).Err(), beginScript.Load(ctx, s.rdb).Err(), limiter.Load(ctx))
			if lerr != nil {
				return progress{}, fmt.Errorf("load send scripts: %w", lerr)
			}
			continue
		}
		return p, err
	}
}

func (s *records) tryBegin(ctx context.Context, m bot.Outbound, stored []any, parts int, now time.Time, limiter *bot.RateLimiter, from string) (progress, error) {
	pipe := s.rdb.Pipeline()
	loopKey, member, textSum := s.loopArgs(m)
	loop := loopScript.EvalSha(ctx, pipe, []string{loopKey}, now.UnixMilli(), loopWindow.Milliseconds(), member, loopMax, textSum, int64(recordTTL.Seconds()))
	st := beginScript.EvalSha(ctx, pipe, []string{s.outKey(m.Key)}, append([]any{now.UnixMilli(), parts, recordTTL.Milliseconds()}, stored...)...)
	// The token of the next part, taken in the same trip. Wasted when the
	// part turns out not to go now (a loop, a pending attempt, a re-send
	// waiting): rare, and it costs one interval of the number's rate.
	take := limiter.TakeIn(ctx, pipe, from, m.Bulk, m.Key+"#next")
	if _, err := pipe.Exec(ctx); err != nil {
		for _, c := range []redis.Cmder{loop, st} {
			if redis.HasErrorPrefix(c.Err(), "NOSCRIPT") {
				return progress{}, c.Err()
			}
		}
		if _, terr := take(); redis.HasErrorPrefix(errors.Unwrap(terr), "NOSCRIPT") {
			return progress{}, errors.Unwrap(terr)
		}
		return progress{}, fmt.Errorf("read send progress: %w", err)
	}
	var p progress
	ok, _ := loop.Int()
	p.looping = ok == 0
	vals, err := st.Slice()
	if err != nil || len(vals) != 6 {
		return progress{}, fmt.Errorf("read send progress: unexpected answer %v: %w", vals, err)
	}
	n, _ := vals[0].(int64)
	p.partsSent = int(n)
	if nb, _ := vals[1].(int64); nb > 0 {
		p.notBefore = time.UnixMilli(nb)
	}
	// An attempt of an earlier part is settled by that part's "sent".
	if ap, _ := vals[2].(string); ap == strconv.Itoa(p.partsSent) {
		if at, err := strconv.ParseInt(vals[3].(string), 10, 64); err == nil {
			p.pending = time.UnixMilli(at)
		}
		p.lookupFailures, _ = strconv.Atoi(vals[4].(string))
	}
	p.marked = vals[5] == int64(1)
	if p.wait, err = take(); err != nil {
		return progress{}, err
	}
	return p, nil
}

// attempt records that part n of m is about to be handed to Twilio, in one
// round trip: until sent records the outcome, a retry must first ask
// Twilio whether it has the part.
func (s *records) attempt(ctx context.Context, m bot.Outbound, n int, at time.Time) error {
	pipe := s.rdb.Pipeline()
	out := s.outKey(m.Key)
	pipe.HSet(ctx, out, "ap", n, "at", at.UnixMilli(), "lf", 0)
	pipe.Expire(ctx, out, recordTTL)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("record send attempt: %w", err)
	}
	return nil
}

// unattemptScript forgets an attempt Twilio is known not to have taken,
// unless a later attempt replaced it.
//
// KEYS: out hash. ARGV: part, attempt ms.
var unattemptScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], 'ap') == ARGV[1] and redis.call('HGET', KEYS[1], 'at') == ARGV[2] then
  redis.call('HDEL', KEYS[1], 'ap', 'at', 'lf')
end
return 1
`)

// unattempt forgets the attempt of part n at at, known not to have been
// taken by Twilio (it refused it, or the lookup did not find it), so a
// retry need not look it up.
func (s *records) unattempt(ctx context.Context, m bot.Outbound, n int, at time.Time) error {
	return unattemptScript.Run(ctx, s.rdb, []string{s.outKey(m.Key)}, strconv.Itoa(n), strconv.FormatInt(at.UnixMilli(), 10)).Err()
}

// lookupFailed counts a failed lookup of the pending attempt and returns
// how many failed so far.
func (s *records) lookupFailed(ctx context.Context, m bot.Outbound) (int, error) {
	n, err := s.rdb.HIncrBy(ctx, s.outKey(m.Key), "lf", 1).Result()
	return int(n), err
}

// stored is how m is kept in its progress hash (storedOutbound, deflated,
// in chunks): the fields begin and sent write.
func (s *records) stored(m bot.Outbound) ([]any, error) {
	ob, err := bot.CompactJSON(storedOutbound(m))
	if err != nil {
		return nil, fmt.Errorf("encode outbound: %w", err)
	}
	return outboundChunks(ob), nil
}

// sent records that part n of m went out as sid: with the send queue's
// acknowledgement when it is the last part (bot.OnSent), else at once (a
// later part may fail, and the retry must start after this one). The
// Outbound's chunks (stored) go again: begin wrote them unless an earlier
// version marked the attempt.
func (s *records) sent(ctx context.Context, m bot.Outbound, stored []any, n int, last bool, sid string) error {
	var err error
	fields := append([]any{"parts", n + 1}, stored...)
	write := func(pipe redis.Pipeliner) {
		out := s.outKey(m.Key)
		pipe.HSet(ctx, out, fields...)
		pipe.HDel(ctx, out, "ap", "at", "lf") // settled
		pipe.Expire(ctx, out, recordTTL)
		if sid != "" {
			conv := s.convHash(m.To)
			pipe.HSet(ctx, conv, sidField(sid), sidValue(memberOf(m.Key, m.To), n, s.now()))
			// A conversation's hash lives months; one made here (a number
			// with no conversation) or by the loop guard lives a day.
			pipe.ExpireNX(ctx, conv, recordTTL)
			pipe.ExpireGT(ctx, conv, recordTTL)
		}
	}
	if last {
		err = bot.OnSent(ctx, s.rdb, write)
	} else {
		_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error { write(p); return nil })
	}
	if err != nil {
		return fmt.Errorf("record sent message: %w", err)
	}
	return nil
}

// delay makes a message wait until at before it is sent (a re-send).
func (s *records) delay(ctx context.Context, key string, at time.Time) error {
	pipe := s.rdb.Pipeline()
	pipe.HSet(ctx, s.outKey(key), "nb", at.UnixMilli())
	pipe.Expire(ctx, s.outKey(key), recordTTL)
	_, err := pipe.Exec(ctx)
	return err
}
