package queue

import (
	"context"
	"encoding/json"
	"fmt"
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

// DeadLetter is an entry that will not be tried again.
type DeadLetter struct {
	ID       string          `json:"id"`
	Queue    string          `json:"queue"`
	Key      string          `json:"key"`
	Attempts int             `json:"attempts"`
	Error    string          `json:"error"`
	At       time.Time       `json:"at"` // when first enqueued
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
			out = append(out, DeadLetter{ID: m.ID, Queue: q.name, Key: env.Key, Attempts: env.Attempt,
				Error: env.Err, At: time.UnixMilli(env.At), Body: env.Body})
		}
	}
	return out, nil
}
