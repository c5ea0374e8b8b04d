package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/minsheng/minsheng/intake/queue"
	"github.com/redis/go-redis/v9"
)

// Names of the outbound streams: replies to a citizen's own message, and
// bulk (status and survey messages), which yield to replies.
const (
	SendQueueName = "sendq"
	BulkQueueName = "sendbulk"
)

// orderGrace is how long a message waits for an earlier message to the same
// citizen that is still being retried before it goes anyway.
const orderGrace = 2 * time.Minute

// SendQueue drains outbound messages to the channel senders. Messages wait
// in Redis until a sender took them; a failed send is retried with backoff,
// and a worker killed mid-send leaves the message to be taken over (sent at
// most once more). Messages to one citizen go out in the order the dialog
// wrote them (their Seq), across replicas.
type SendQueue struct {
	rdb     redis.UniversalClient
	prefix  string
	replies *queue.Queue
	bulk    *queue.Queue
	mu      sync.RWMutex
	senders map[string]Sender
	optOut  func(ctx context.Context, conversation string) error
	order   sentOrder
	metrics *Metrics
	log     *slog.Logger
}

// conversationOfKey is the conversation of an Outbound key (conversation:seq).
func conversationOfKey(key string) string {
	if i := strings.LastIndexByte(key, ':'); i > 0 {
		return key[:i]
	}
	return key
}

// NewSendQueue builds the queues' worker side. Register senders before Run.
func NewSendQueue(rdb redis.UniversalClient, prefix string, metrics *Metrics, log *slog.Logger, opt queue.Options) *SendQueue {
	sq := &SendQueue{rdb: rdb, prefix: prefix, senders: map[string]Sender{}, metrics: metrics, log: log}
	if opt.MaxAttempts == 0 {
		opt.MaxAttempts = 10
	}
	opt.Logger = log
	opt.Done = sq.done
	opt.Group = conversationOfKey // a citizen's messages one at a time, in order
	sq.replies = queue.New(rdb, prefix, SendQueueName, sq.handle, opt)
	sq.bulk = queue.New(rdb, prefix, BulkQueueName, sq.handle, opt)
	metrics.WatchQueue(sq.replies)
	metrics.WatchQueue(sq.bulk)
	return sq
}

// OnOptOut sets what records an opt-out when a sender returns ErrOptedOut
// (the pipeline's OptOut).
func (sq *SendQueue) OnOptOut(f func(ctx context.Context, conversation string) error) { sq.optOut = f }

// Has reports whether a channel has a sender.
func (sq *SendQueue) Has(channel string) bool {
	sq.mu.RLock()
	defer sq.mu.RUnlock()
	_, ok := sq.senders[channel]
	return ok
}

// Register sets the sender of a channel.
func (sq *SendQueue) Register(channel string, s Sender) {
	sq.mu.Lock()
	sq.senders[channel] = s
	sq.mu.Unlock()
}

// Queue is the queue of replies (bulk has its own).
func (sq *SendQueue) Queue() *queue.Queue { return sq.replies }

// Bulk is the queue of status and survey messages.
func (sq *SendQueue) Bulk() *queue.Queue { return sq.bulk }

// Enqueue puts one message in the right queue. The pipeline normally
// appends messages atomically with the conversation's state instead.
func (sq *SendQueue) Enqueue(ctx context.Context, m Outbound) error {
	q := sq.replies
	if m.Bulk {
		q = sq.bulk
	}
	return q.Enqueue(ctx, m.Key, m)
}

// Stats sums both queues.
func (sq *SendQueue) Stats(ctx context.Context) (queue.Stats, error) {
	a, err := sq.replies.Stats(ctx)
	if err != nil {
		return a, err
	}
	b, err := sq.bulk.Stats(ctx)
	return queue.Stats{Ready: a.Ready + b.Ready, Pending: a.Pending + b.Pending, Retry: a.Retry + b.Retry, Dead: a.Dead + b.Dead}, err
}

// Run sends until ctx is done.
func (sq *SendQueue) Run(ctx context.Context) error {
	errs := make(chan error, 2)
	go func() { errs <- sq.replies.Run(ctx) }()
	go func() { errs <- sq.bulk.Run(ctx) }()
	return errors.Join(<-errs, <-errs)
}

// The Seq of the last message to a citizen that needs no waiting for is
// field o of the conversation's hash (convKeys). Earlier versions kept it
// in a sorted set of its own (legacySentKey), read until it expires.
func (sq *SendQueue) legacySentKey(conv string) string {
	return queue.Tag(sq.prefix, queue.ShardOf(conv)) + "sento:" + conv
}

// markSentScript raises a conversation's send order to ARGV[1]; a hash it
// creates (the state expired meanwhile) lives ARGV[2] seconds. Sent as EVAL, not EVALSHA: it rides in the acknowledgement's
// pipeline, where a script missing from the cache could not be loaded.
//
// KEYS: conversation hash. ARGV: seq, ttl s.
var markSentScript = redis.NewScript(`
if tonumber(ARGV[1]) > tonumber(redis.call('HGET', KEYS[1], 'o') or '0') then
  redis.call('HSET', KEYS[1], 'o', ARGV[1])
end
if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return 1`)

// sentOrderTTL is how long a send order outlives its conversation's state.
const sentOrderTTL = 30 * 24 * time.Hour

// markSent records, with e's acknowledgement, that m.Seq (and all before
// it) need not be waited for.
func (sq *SendQueue) markSent(ctx context.Context, e queue.Entry, m Outbound) error {
	if m.Seq <= 0 || m.Conversation == "" {
		return nil
	}
	key := convHashKey(sq.prefix, m.Conversation)
	err := e.OnAck(ctx, sq.rdb, func(p redis.Pipeliner) {
		markSentScript.Eval(ctx, p, []string{key}, m.Seq, int64(sentOrderTTL/time.Second))
	})
	sq.order.sent(m.Conversation, m.Seq)
	return err
}

// sentSeq reads how far a citizen's messages were sent, in one round trip.
func (sq *SendQueue) sentSeq(ctx context.Context, conv string) (int64, error) {
	pipe := sq.rdb.Pipeline()
	o := pipe.HGet(ctx, convHashKey(sq.prefix, conv), "o")
	legacy := pipe.ZScore(ctx, sq.legacySentKey(conv), "s")
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return 0, fmt.Errorf("read send order: %w", err)
	}
	done, _ := o.Int64()
	return max(done, int64(legacy.Val())), nil
}

// sentOrder remembers, per conversation, the last Seq this process sent,
// so that the next message to the same citizen (Seq one more, first
// delivery) goes without reading the order from Redis. Bounded: when full
// it starts afresh, which only costs reads.
type sentOrder struct {
	mu   sync.Mutex
	last map[string]int64
}

const sentOrderMax = 100_000

func (o *sentOrder) sent(conv string, seq int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.last == nil || len(o.last) >= sentOrderMax {
		o.last = make(map[string]int64)
	}
	o.last[conv] = seq // the latest: after Redis lost its data, Seq starts again
}

// next reports whether m is known, without Redis, to be the next message
// to its citizen: the first (Seq 1) of a conversation this process has
// not sent to, or the one after the last it sent. Only for a first
// delivery: a takeover or a retry may find its message sent by another
// replica. Never "sent already" from memory: after Redis lost its data a
// conversation's Seq starts again at 1.
func (o *sentOrder) next(e queue.Entry, m Outbound) bool {
	if e.Attempt > 1 {
		return false
	}
	o.mu.Lock()
	last, ok := o.last[m.Conversation]
	o.mu.Unlock()
	if ok {
		return last == m.Seq-1
	}
	return m.Seq == 1
}

type entryKey struct{}

// OnSent registers writes that record a message as sent: the send queue
// runs them in the round trip that acknowledges the message (see
// queue.Entry.OnAck), so a sender's bookkeeping after a send costs no
// round trip of its own. Outside the send queue they run at once.
func OnSent(ctx context.Context, rdb redis.Cmdable, f func(redis.Pipeliner)) error {
	e, _ := ctx.Value(entryKey{}).(queue.Entry)
	return e.OnAck(ctx, rdb, f)
}

func (sq *SendQueue) handle(ctx context.Context, e queue.Entry) error {
	var m Outbound
	if err := e.Decode(&m); err != nil {
		return fmt.Errorf("%w: %v", queue.ErrPermanent, err)
	}
	sq.mu.RLock()
	s, ok := sq.senders[m.Channel]
	sq.mu.RUnlock()
	if !ok {
		// A channel switched off since the reply was queued: keep it visible.
		_ = sq.markSent(ctx, queue.Entry{}, m)
		return fmt.Errorf("%w: no sender for channel %q%s", queue.ErrPermanent, m.Channel, whyNoSender(m.Channel))
	}
	if m.Seq > 0 && m.Conversation != "" && !sq.order.next(e, m) {
		done, err := sq.sentSeq(ctx, m.Conversation)
		if err != nil {
			return err
		}
		switch {
		case m.Seq <= done:
			return nil // already sent: a takeover after the send was recorded
		case m.Seq > done+1 && time.Since(e.At) < orderGrace:
			return queue.Defer(250 * time.Millisecond) // an earlier message to this citizen goes first
		}
	}
	err := s.Send(context.WithValue(ctx, entryKey{}, e), m)
	if errors.Is(err, ErrOptedOut) {
		// The provider says the citizen does not want our messages: no
		// more status or survey messages, and this one stays visible as
		// a dead letter. If the opt-out cannot be recorded, the retry
		// meets the same answer and tries again.
		if sq.optOut != nil {
			if oerr := sq.optOut(ctx, m.Conversation); oerr != nil {
				return fmt.Errorf("%w; recording the opt-out failed: %w", err, oerr)
			}
		}
		err = fmt.Errorf("%w: %w", queue.ErrPermanent, err)
	}
	if err == nil || errors.Is(err, ErrDropped) || errors.Is(err, queue.ErrPermanent) {
		// Recorded with the acknowledgement (at once for a dead letter).
		ack := e
		if err != nil && !errors.Is(err, ErrDropped) {
			ack = queue.Entry{}
		}
		if merr := sq.markSent(ctx, ack, m); merr != nil {
			sq.log.Warn("could not record send order", "conv", m.Conversation, "err", merr)
		}
	}
	switch {
	case err == nil:
		sq.metrics.Outbound.WithLabelValues(m.Channel, "sent").Inc()
	case errors.Is(err, ErrDropped):
		sq.metrics.Outbound.WithLabelValues(m.Channel, "dropped").Inc()
		return nil
	}
	return err
}

// whyNoSender says how a message of a channel this process does not run
// got here, when that is known: a console reply is a `minsheng chat`'s on
// the same Redis and prefix (one that does not check for a running serve,
// or started before it).
func whyNoSender(channel string) string {
	if channel != ChannelConsole {
		return ""
	}
	return ` (a reply of a "minsheng chat" on this Redis and redis.prefix: the chat never gets it; run chat without redis.addr, or with another redis.prefix)`
}

// done counts failures; sends and drops are counted where they happen.
func (sq *SendQueue) done(e queue.Entry, out queue.Outcome, _ error) {
	var result string
	switch out {
	case queue.Retrying:
		result = "retry"
	case queue.Dead:
		result = "failed"
	default:
		return
	}
	var m Outbound
	_ = e.Decode(&m)
	sq.metrics.Outbound.WithLabelValues(m.Channel, result).Inc()
}
