// Package queue is a durable work queue on Redis Streams: consumer groups so
// that each entry is handled by one worker, retries with exponential backoff
// and jitter, takeover (XAUTOCLAIM) of entries held by a worker that died, and
// a dead-letter stream for entries that failed too often or for good.
//
// A queue is sharded: one stream per shard, each under the hash tag of its
// shard ("{s3}"), so that a Lua script touching a conversation's keys can also
// append to that shard's streams in Redis Cluster. Work for one key (one
// conversation, one petition) always lands in the same shard, in order.
//
// Delivery is at least once: an entry is removed only after its handler
// returned. A worker killed between handling and acknowledging makes the
// entry be handled once more by another worker; handlers therefore carry an
// idempotency key (Entry.Key) that is the same on every attempt.
package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Shards is the number of shards of every queue and of the conversation
// key space. It is part of the key layout: changing it moves conversations.
const Shards = 16

// ShardOf is the shard of a key (a conversation key, a petition id).
func ShardOf(key string) int {
	h := fnv.New32a()
	h.Write([]byte(key))
	return int(h.Sum32() % Shards)
}

// Tag is the key prefix of a shard, with its hash tag: "ms:{s3}:".
func Tag(prefix string, shard int) string {
	return prefix + "{s" + strconv.Itoa(shard) + "}:"
}

// Envelope is what one stream entry carries, in its single field "e".
type Envelope struct {
	Key     string          `json:"k"`           // idempotency key, the same on every attempt
	Attempt int             `json:"a"`           // attempts made before this one
	Body    json.RawMessage `json:"b"`           // the work, JSON
	Nonce   string          `json:"n,omitempty"` // makes a retry's sorted-set member unique
	Err     string          `json:"err,omitempty"`
	At      int64           `json:"t,omitempty"` // unix ms when first enqueued
}

// Encode renders the envelope for XADD ... e <encoded>.
func (e Envelope) Encode() string {
	b, err := json.Marshal(e)
	if err != nil {
		// Body is a RawMessage produced by json.Marshal: it cannot fail.
		panic(fmt.Sprintf("queue: encode envelope: %v", err))
	}
	return string(b)
}

// NewEnvelope builds the envelope of fresh work.
func NewEnvelope(key string, body any, now time.Time) (Envelope, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return Envelope{}, fmt.Errorf("encode %s: %w", key, err)
	}
	return Envelope{Key: key, Body: raw, At: now.UnixMilli()}, nil
}

// Entry is one piece of work handed to a Handler.
type Entry struct {
	ID      string // stream entry id
	Shard   int
	Key     string
	Body    json.RawMessage
	Attempt int // 1 on the first delivery
	At      time.Time

	acks *[]func(redis.Pipeliner) // see OnAck
}

// OnAck adds writes to the round trip that acknowledges the entry, ahead of
// the acknowledgement: what a handler records about the work it did (a
// message sent, a petition delivered) costs no round trip of its own, and
// a crash before that trip leaves the entry pending, to be redone. The
// writes run only when the handler returns nil. Outside a queue's handler
// (an Entry built by hand) they run at once, on rdb.
func (e Entry) OnAck(ctx context.Context, rdb redis.Cmdable, f func(redis.Pipeliner)) error {
	if e.acks != nil {
		*e.acks = append(*e.acks, f)
		return nil
	}
	_, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error { f(p); return nil })
	return err
}

// Decode unmarshals the body into v.
func (e Entry) Decode(v any) error {
	if err := json.Unmarshal(e.Body, v); err != nil {
		return fmt.Errorf("decode entry %s: %w", e.Key, err)
	}
	return nil
}

// ErrPermanent, wrapped by a handler's error, sends the entry to the dead
// letters at once: retrying cannot help.
var ErrPermanent = errors.New("permanent failure")

// deferral asks for the entry to be handled again later without counting a
// failed attempt (the work is waiting for something, e.g. its petition).
type deferral struct{ after time.Duration }

func (d deferral) Error() string { return fmt.Sprintf("deferred for %s", d.after) }

// Defer returns an error that makes the queue hand the entry back after d,
// without counting an attempt.
func Defer(d time.Duration) error { return deferral{after: d} }

// retryAfter asks for the next attempt no sooner than after (e.g. HTTP 429
// with Retry-After).
type retryAfter struct {
	err   error
	after time.Duration
}

func (r retryAfter) Error() string { return r.err.Error() }
func (r retryAfter) Unwrap() error { return r.err }

// RetryAfter wraps a failure with the earliest time to try again.
func RetryAfter(err error, d time.Duration) error { return retryAfter{err: err, after: d} }

// Backoff is exponential with jitter: about 1 s after the first failure,
// doubling, capped at 10 minutes; the jitter spreads retries of many entries
// that failed together (a backend outage).
func Backoff(attempt int) time.Duration {
	const base, limit = time.Second, 10 * time.Minute
	d := limit
	if attempt < 20 {
		d = min(base<<max(attempt-1, 0), limit)
	}
	// Between 3/4 and 5/4 of d.
	return d*3/4 + time.Duration(rand.Int64N(int64(d)/2+1))
}
