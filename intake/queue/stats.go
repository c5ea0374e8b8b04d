package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Stats is how much work a queue holds, summed over shards.
type Stats struct {
	Ready   int64 // in the streams, not yet read or being handled
	Pending int64 // read by a worker, not yet finished (part of Ready)
	Retry   int64 // waiting for their next attempt
	Dead    int64 // dead letters
}

// Empty reports whether no work is left to do (dead letters aside).
func (s Stats) Empty() bool { return s.Ready == 0 && s.Retry == 0 }

// Stats counts the queue's work in one pipelined round trip.
func (q *Queue) Stats(ctx context.Context) (Stats, error) {
	pipe := q.rdb.Pipeline()
	var lens, retries, deads [Shards]*redis.IntCmd
	var pend [Shards]*redis.XPendingCmd
	for s := 0; s < Shards; s++ {
		lens[s] = pipe.XLen(ctx, q.StreamKey(s))
		retries[s] = pipe.ZCard(ctx, q.retryKey(s))
		deads[s] = pipe.XLen(ctx, q.DeadKey(s))
		pend[s] = pipe.XPending(ctx, q.StreamKey(s), q.group)
	}
	_, _ = pipe.Exec(ctx) // NOGROUP on a queue never run is not an error here
	var st Stats
	for s := 0; s < Shards; s++ {
		if err := lens[s].Err(); err != nil && err != redis.Nil {
			return st, fmt.Errorf("stats of %s: %w", q.name, err)
		}
		st.Ready += lens[s].Val()
		st.Retry += retries[s].Val()
		st.Dead += deads[s].Val()
		if pend[s].Err() == nil {
			st.Pending += pend[s].Val().Count
		}
	}
	return st, nil
}

// DeadLetter is an entry that will not be tried again (unless Requeue
// puts it back).
type DeadLetter struct {
	ID       string          `json:"id"`
	Queue    string          `json:"queue"`
	Shard    int             `json:"shard"`
	Key      string          `json:"key"`
	Attempts int             `json:"attempts"`
	Error    string          `json:"error"`
	At       time.Time       `json:"at"`     // when first enqueued
	Parked   time.Time       `json:"parked"` // when it became a dead letter (its stream id's time)
	Body     json.RawMessage `json:"body"`
}

// DeadLetters lists up to limit dead letters per shard, oldest first.
func (q *Queue) DeadLetters(ctx context.Context, limit int64) ([]DeadLetter, error) {
	var out []DeadLetter
	for s := 0; s < Shards; s++ {
		msgs, err := q.rdb.XRangeN(ctx, q.DeadKey(s), "-", "+", limit).Result()
		if err != nil {
			return nil, fmt.Errorf("dead letters of %s: %w", q.name, err)
		}
		for _, m := range msgs {
			raw, _ := m.Values["e"].(string)
			var env Envelope
			_ = json.Unmarshal([]byte(raw), &env)
			out = append(out, DeadLetter{ID: m.ID, Queue: q.name, Shard: s, Key: env.Key, Attempts: env.Attempt,
				Error: env.Err, At: time.UnixMilli(env.At), Parked: streamTime(m.ID), Body: env.Body})
		}
	}
	return out, nil
}

// streamTime is the time in a stream entry id ("1712345678901-0").
func streamTime(id string) time.Time {
	ms, _, _ := strings.Cut(id, "-")
	n, err := strconv.ParseInt(ms, 10, 64)
	if err != nil {
		return time.Time{}
	}
	return time.UnixMilli(n)
}

// ErrNoDeadLetter: the dead letter is not there (tried again already, or
// never was).
var ErrNoDeadLetter = errors.New("no such dead letter")

// requeueScript moves a dead letter back into its queue's stream, once.
// KEYS: dead-letter stream, stream (one shard: one hash tag)
// ARGV: the dead letter's id, the envelope to enqueue
// Returns 1 when moved, 0 when the dead letter was not there.
var requeueScript = redis.NewScript(`
if redis.call('XDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('XADD', KEYS[2], '*', 'e', ARGV[2])
return 1`)

// Requeue puts the dead letter id of shard back into the queue, to be
// tried again as fresh work: its attempts count from one again and its
// error is cleared; its key (the idempotency key) is kept, and its body,
// unless edit (when not nil) changes it (the send queue's messages drop
// their place in the citizen's order: a message tried again by hand goes
// when it can). Two callers at once move it once: the other gets
// ErrNoDeadLetter.
func (q *Queue) Requeue(ctx context.Context, shard int, id string, edit func(body json.RawMessage) (json.RawMessage, error)) error {
	if shard < 0 || shard >= Shards || streamTime(id).IsZero() || strings.Count(id, "-") != 1 {
		return ErrNoDeadLetter
	}
	msgs, err := q.rdb.XRange(ctx, q.DeadKey(shard), id, id).Result()
	if err != nil {
		return fmt.Errorf("dead letter %s of %s: %w", id, q.name, err)
	}
	if len(msgs) == 0 {
		return ErrNoDeadLetter
	}
	raw, _ := msgs[0].Values["e"].(string)
	var env Envelope
	if err := json.Unmarshal([]byte(raw), &env); err != nil {
		return fmt.Errorf("dead letter %s of %s is unreadable, it cannot be tried again: %w", id, q.name, err)
	}
	env.Attempt, env.Err, env.Nonce = 0, "", ""
	if edit != nil {
		if env.Body, err = edit(env.Body); err != nil {
			return fmt.Errorf("dead letter %s of %s: %w", id, q.name, err)
		}
	}
	n, err := requeueScript.Run(ctx, q.rdb, []string{q.DeadKey(shard), q.StreamKey(shard)}, id, env.Encode()).Int()
	if err != nil {
		return fmt.Errorf("requeue dead letter %s of %s: %w", id, q.name, err)
	}
	if n == 0 {
		return ErrNoDeadLetter
	}
	return nil
}

// statsScript counts, for each queue of one shard, its stream, pending,
// retry and dead entries. KEYS: per queue stream, retry, dead.
// ARGV: the consumer group. Returns 4 counts per queue.
var statsScript = redis.NewScript(`
local out = {}
for i = 1, #KEYS, 3 do
  out[#out+1] = redis.call('XLEN', KEYS[i])
  local ok, p = pcall(redis.call, 'XPENDING', KEYS[i], ARGV[1])
  if ok and type(p) == 'table' then out[#out+1] = p[1] else out[#out+1] = 0 end
  out[#out+1] = redis.call('ZCARD', KEYS[i+1])
  out[#out+1] = redis.call('XLEN', KEYS[i+2])
end
return out`)

// StatsOf counts the work of several queues on one Redis and prefix with
// one script call per shard (16 commands in all, in one round trip),
// where Stats takes 64 commands a queue: for metrics refreshed in the
// background.
func StatsOf(ctx context.Context, rdb redis.UniversalClient, queues []*Queue) ([]Stats, error) {
	out := make([]Stats, len(queues))
	if len(queues) == 0 {
		return out, nil
	}
	pipe := rdb.Pipeline()
	cmds := make([]*redis.Cmd, Shards)
	for s := 0; s < Shards; s++ {
		keys := make([]string, 0, 3*len(queues))
		for _, q := range queues {
			keys = append(keys, q.StreamKey(s), q.retryKey(s), q.DeadKey(s))
		}
		cmds[s] = statsScript.Eval(ctx, pipe, keys, queues[0].group)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		// NOSCRIPT never happens with Eval; anything else is Redis failing.
		return nil, fmt.Errorf("queue stats: %w", err)
	}
	for s := 0; s < Shards; s++ {
		vals, err := cmds[s].Int64Slice()
		if err != nil {
			return nil, fmt.Errorf("queue stats: %w", err)
		}
		for i := range queues {
			if 4*i+3 >= len(vals) {
				break
			}
			out[i].Ready += vals[4*i]
			out[i].Pending += vals[4*i+1]
			out[i].Retry += vals[4*i+2]
			out[i].Dead += vals[4*i+3]
		}
	}
	return out, nil
}
