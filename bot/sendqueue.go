package bot

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/minsheng/minsheng/intake/queue"
	"github.com/redis/go-redis/v9"
)

// SendQueueName is the name of the outbound stream.
const SendQueueName = "sendq"

// SendQueue drains outbound messages to the channel senders. Messages wait
// in Redis until a sender took them; a failed send is retried with backoff,
// and a worker killed mid-send leaves the message to be taken over (sent at
// most once more).
type SendQueue struct {
	q       *queue.Queue
	senders map[string]Sender
	metrics *Metrics
	log     *slog.Logger
}

// NewSendQueue builds the queue's worker side. Register senders before Run.
func NewSendQueue(rdb redis.UniversalClient, prefix string, metrics *Metrics, log *slog.Logger, opt queue.Options) *SendQueue {
	sq := &SendQueue{senders: map[string]Sender{}, metrics: metrics, log: log}
	if opt.MaxAttempts == 0 {
		opt.MaxAttempts = 10
	}
	opt.Logger = log
	opt.Done = sq.done
	sq.q = queue.New(rdb, prefix, SendQueueName, sq.handle, opt)
	metrics.WatchQueue(sq.q)
	return sq
}

// Register sets the sender of a channel.
func (sq *SendQueue) Register(channel string, s Sender) { sq.senders[channel] = s }

// Queue is the underlying queue.
func (sq *SendQueue) Queue() *queue.Queue { return sq.q }

// Run sends until ctx is done.
func (sq *SendQueue) Run(ctx context.Context) error { return sq.q.Run(ctx) }

func (sq *SendQueue) handle(ctx context.Context, e queue.Entry) error {
	var m Outbound
	if err := e.Decode(&m); err != nil {
		return fmt.Errorf("%w: %v", queue.ErrPermanent, err)
	}
	s, ok := sq.senders[m.Channel]
	if !ok {
		// A channel switched off since the reply was queued: keep it visible.
		return fmt.Errorf("%w: no sender for channel %q", queue.ErrPermanent, m.Channel)
	}
	return s.Send(ctx, m)
}

func (sq *SendQueue) done(e queue.Entry, out queue.Outcome, err error) {
	var m Outbound
	_ = e.Decode(&m)
	result := map[queue.Outcome]string{queue.Delivered: "sent", queue.Retrying: "retry", queue.Dead: "failed", queue.Deferred: "deferred"}[out]
	sq.metrics.Outbound.WithLabelValues(m.Channel, result).Inc()
}
