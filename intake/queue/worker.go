package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Handler does the work of one entry. nil: done. An error wrapping
// ErrPermanent: dead letter. Defer(d): again after d, not counted. Any other
// error: retried with backoff until Options.MaxAttempts.
type Handler func(ctx context.Context, e Entry) error

// Options tune a queue; zero values take the defaults.
type Options struct {
	MaxAttempts int                             // default 50
	Backoff     func(attempt int) time.Duration // default Backoff
	ClaimIdle   time.Duration                   // take over entries idle this long (default 60s); looked for as often
	Block       time.Duration                   // how long one read waits (default 5s: a stop waits as long)
	Batch       int                             // entries per read (default 16)
	// Concurrency is how many entries are handled at once (default 1).
	// Entries of one group are handled one after another, in stream
	// order; entries of different groups in parallel.
	Concurrency int
	// Group names an entry's group from its key (default: the key): a
	// citizen's replies, a petition and its supplements.
	Group func(key string) string
	// Poll is the longest the queue goes without looking at its retries
	// (default 60s, as ClaimIdle: a dead replica's retries wait as long as
	// its entries in hand). Retries this process scheduled are moved when
	// due, whatever Poll says; the sweep catches those of a replica that died.
	Poll          time.Duration
	HandleTimeout time.Duration    // per entry (default 30s)
	Consumer      string           // default hostname-pid
	Now           func() time.Time // default time.Now (tests use a fake clock)
	Logger        *slog.Logger
	// Done is called after each entry with its outcome, for metrics.
	Done func(e Entry, outcome Outcome, err error)
}

// Outcome is what became of an entry after its handler ran.
type Outcome string

// Outcomes.
const (
	Delivered Outcome = "delivered"
	Retrying  Outcome = "retrying"
	Deferred  Outcome = "deferred"
	Dead      Outcome = "dead"
)

// Queue is one named, sharded stream queue with its consumer group.
type Queue struct {
	rdb     redis.UniversalClient
	prefix  string
	name    string
	group   string
	handler Handler
	opt     Options

	mu      sync.Mutex
	created bool // the consumer groups exist
	// nextDue is the earliest retry this process knows of (unix ms, 0 =
	// none); wake tells the mover it changed.
	nextDue atomic.Int64
	wake    chan struct{}
}

// New describes queue name under prefix ("ms:"). handler may be nil for a
// queue that is only written to or inspected.
func New(rdb redis.UniversalClient, prefix, name string, handler Handler, opt Options) *Queue {
	if opt.MaxAttempts <= 0 {
		opt.MaxAttempts = 50
	}
	if opt.Backoff == nil {
		opt.Backoff = Backoff
	}
	if opt.ClaimIdle <= 0 {
		opt.ClaimIdle = time.Minute
	}
	if opt.Block <= 0 {
		opt.Block = 5 * time.Second
	}
	if opt.Batch <= 0 {
		opt.Batch = 16
	}
	if opt.Poll <= 0 {
		opt.Poll = time.Minute
	}
	if opt.Concurrency <= 0 {
		opt.Concurrency = 1
	}
	if opt.Group == nil {
		opt.Group = func(key string) string { return key }
	}
	if opt.HandleTimeout <= 0 {
		opt.HandleTimeout = 30 * time.Second
	}
	if opt.Consumer == "" {
		host, _ := os.Hostname()
		opt.Consumer = host + "-" + strconv.Itoa(os.Getpid())
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	return &Queue{rdb: rdb, prefix: prefix, name: name, group: "workers", handler: handler, opt: opt, wake: make(chan struct{}, 1)}
}

// noteDue tells the mover a retry falls due at t (unix ms): it wakes then,
// not at its next sweep. An idle queue costs Redis nothing but its reads.
func (q *Queue) noteDue(t int64) {
	for {
		cur := q.nextDue.Load()
		if cur != 0 && cur <= t {
			return
		}
		if q.nextDue.CompareAndSwap(cur, t) {
			break
		}
	}
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// Name is the queue's name.
func (q *Queue) Name() string { return q.name }

// Redis is the client the queue works on.
func (q *Queue) Redis() redis.UniversalClient { return q.rdb }

// StreamKey is the stream of a shard: "ms:{s3}:sendq".
func (q *Queue) StreamKey(shard int) string { return Tag(q.prefix, shard) + q.name }

func (q *Queue) retryKey(shard int) string { return Tag(q.prefix, shard) + q.name + ":retry" }

// DeadKey is the dead-letter stream of a shard.
func (q *Queue) DeadKey(shard int) string { return Tag(q.prefix, shard) + q.name + ":dead" }

// Enqueue appends work for key to its shard's stream. Work produced together
// with other state changes is appended by the caller's own script instead
// (XADD StreamKey(shard) * e envelope), so that both happen or neither.
func (q *Queue) Enqueue(ctx context.Context, key string, body any) error {
	env, err := NewEnvelope(key, body, q.opt.Now())
	if err != nil {
		return err
	}
	if err := q.rdb.XAdd(ctx, &redis.XAddArgs{Stream: q.StreamKey(ShardOf(key)), Values: []any{"e", env.Encode()}}).Err(); err != nil {
		return fmt.Errorf("enqueue %s on %s: %w", key, q.name, err)
	}
	return nil
}

// ensureGroups creates the consumer group on every shard stream, once
// unless recreate (the streams vanished: FLUSHALL, failover to an empty replica).
func (q *Queue) ensureGroups(ctx context.Context, recreate bool) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.created && !recreate {
		return nil
	}
	for s := 0; s < Shards; s++ {
		err := q.rdb.XGroupCreateMkStream(ctx, q.StreamKey(s), q.group, "0").Err()
		if err != nil && !strings.Contains(err.Error(), "BUSYGROUP") {
			return fmt.Errorf("create group on %s: %w", q.StreamKey(s), err)
		}
	}
	q.created = true
	return nil
}

// Run handles entries until ctx is done. Entries being handled when ctx
// ends are finished (with a context that lives HandleTimeout longer) and
// acknowledged, so a graceful stop loses and repeats nothing; entries read
// but not begun stay pending and are taken over after ClaimIdle.
func (q *Queue) Run(ctx context.Context) error {
	if q.handler == nil {
		return errors.New("queue " + q.name + ": no handler")
	}
	if err := q.ensureGroups(ctx, false); err != nil {
		return err
	}
	ls := newHandOff(ctx, q, q.opt.Concurrency)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); q.maintain(ctx, ls) }()
	if _, cluster := q.rdb.(*redis.ClusterClient); cluster {
		// Streams of several shards cannot be read in one command in a cluster.
		for s := 0; s < Shards; s++ {
			wg.Add(1)
			go func() { defer wg.Done(); q.readLoop(ctx, ls, []int{s}) }()
		}
	} else {
		all := make([]int, Shards)
		for i := range all {
			all[i] = i
		}
		wg.Add(1)
		go func() { defer wg.Done(); q.readLoop(ctx, ls, all) }()
	}
	wg.Wait()
	ls.close()
	return nil
}

// job is one stream entry on its way to a worker, decoded.
type job struct {
	shard int
	id    string
	env   Envelope
	bad   error // the entry could not be decoded: it goes to the dead letters
	extra int   // deliveries not counted in the envelope (a takeover)
	group string
}

// newJob decodes a stream entry.
func newJob(shard int, m redis.XMessage, extra int) job {
	raw, _ := m.Values["e"].(string)
	j := job{shard: shard, id: m.ID, extra: extra}
	if err := json.Unmarshal([]byte(raw), &j.env); err != nil {
		j.bad = err
		j.env = Envelope{Key: "unreadable:" + m.ID, Body: json.RawMessage(strconv.Quote(raw))}
	}
	return j
}

// handOff hands entries to Concurrency workers, one group at a time: an
// entry whose group (a citizen's replies, a petition's records) has one in
// hand waits behind it and goes on, in stream order, when it is done;
// any other entry goes to the next free worker. So a citizen's replies or
// a petition's records keep their order while every worker stays busy (a
// fixed lane per group would leave the busiest lane the bottleneck). At
// most 16 entries per worker are in hand: a full hand makes the reader
// wait, so a backlog stays in Redis, not in memory.
type handOff struct {
	q     *Queue
	work  chan job
	slots chan struct{}
	mu    sync.Mutex
	// waiting holds, per group with an entry in hand, the entries behind it.
	waiting map[string][]job
	wg      sync.WaitGroup
}

func newHandOff(ctx context.Context, q *Queue, n int) *handOff {
	ls := &handOff{q: q, work: make(chan job, 16*n), slots: make(chan struct{}, 16*n), waiting: map[string][]job{}}
	for range n {
		ls.wg.Add(1)
		go func() {
			defer ls.wg.Done()
			for j := range ls.work {
				// After a stop, entries not begun stay pending in Redis
				// (taken over after ClaimIdle): a stop waits for the
				// entries in hand only, not for the backlog.
				if ctx.Err() == nil {
					q.handle(j)
				}
				ls.done(j)
			}
		}()
	}
	return ls
}

// put hands an entry on: to a worker, or behind its group's entry in hand.
func (ls *handOff) put(shard int, m redis.XMessage, extra int) {
	j := newJob(shard, m, extra)
	j.group = ls.q.opt.Group(j.env.Key)
	ls.slots <- struct{}{}
	ls.mu.Lock()
	if queued, busy := ls.waiting[j.group]; busy {
		ls.waiting[j.group] = append(queued, j)
		ls.mu.Unlock()
		return
	}
	ls.waiting[j.group] = nil
	ls.mu.Unlock()
	ls.work <- j // never blocks: work holds as many as slots
}

// done releases an entry's slot and hands on the next of its group.
func (ls *handOff) done(j job) {
	ls.mu.Lock()
	queued := ls.waiting[j.group]
	if len(queued) == 0 {
		delete(ls.waiting, j.group)
		ls.mu.Unlock()
		<-ls.slots
		return
	}
	next := queued[0]
	ls.waiting[j.group] = queued[1:]
	ls.mu.Unlock()
	<-ls.slots
	ls.work <- next
}

// close lets the workers finish what they hold and waits for them.
func (ls *handOff) close() {
	for range cap(ls.slots) {
		ls.slots <- struct{}{} // every entry in hand is done
	}
	close(ls.work)
	ls.wg.Wait()
}

func (q *Queue) readLoop(ctx context.Context, ls *handOff, shards []int) {
	streams := make([]string, 0, 2*len(shards))
	for _, s := range shards {
		streams = append(streams, q.StreamKey(s))
	}
	for range shards {
		streams = append(streams, ">")
	}
	for ctx.Err() == nil {
		res, err := q.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
			Group: q.group, Consumer: q.opt.Consumer, Streams: streams,
			Count: int64(q.opt.Batch), Block: q.opt.Block,
		}).Result()
		if err != nil {
			if errors.Is(err, redis.Nil) || ctx.Err() != nil {
				continue
			}
			if strings.Contains(err.Error(), "NOGROUP") {
				_ = q.ensureGroups(ctx, true)
			}
			q.opt.Logger.Warn("queue read failed", "queue", q.name, "err", err)
			sleep(ctx, time.Second)
			continue
		}
		// Everything read is handed on; during a stop the handOff leave
		// what they have not begun pending.
		for _, st := range res {
			shard := q.shardOfStream(st.Stream)
			for _, m := range st.Messages {
				ls.put(shard, m, 0)
			}
		}
	}
}

func (q *Queue) shardOfStream(key string) int {
	i := strings.Index(key, "{s")
	j := strings.Index(key, "}")
	if i < 0 || j < i {
		return 0
	}
	n, _ := strconv.Atoi(key[i+2 : j])
	return n
}

// handle runs the handler for one message and records the outcome.
// extra counts deliveries that were not recorded in the envelope (a takeover).
func (q *Queue) handle(j job) {
	if j.bad != nil {
		q.opt.Logger.Error("queue entry unreadable: dead letter", "queue", q.name, "id", j.id, "err", j.bad)
		q.finish(j.shard, j.id, j.env, Entry{ID: j.id, Shard: j.shard, Key: j.env.Key}, fmt.Errorf("%w: unreadable entry: %v", ErrPermanent, j.bad))
		return
	}
	env := j.env
	var acks []func(redis.Pipeliner)
	e := Entry{ID: j.id, Shard: j.shard, Key: env.Key, Body: env.Body, Attempt: env.Attempt + 1 + j.extra, At: time.UnixMilli(env.At), acks: &acks}
	// The handler outlives a shutdown by HandleTimeout: finishing the work
	// beats doing it twice.
	hctx, cancel := context.WithTimeout(context.Background(), q.opt.HandleTimeout)
	err := q.safeHandle(hctx, e)
	cancel()
	q.finish(j.shard, j.id, env, e, err)
}

func (q *Queue) safeHandle(ctx context.Context, e Entry) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("handler panic: %v", r)
		}
	}()
	return q.handler(ctx, e)
}

var (
	// later moves an entry to the retry set (acknowledged in the stream).
	laterScript = redis.NewScript(`
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
return 1`)
	// dead moves an entry to the dead-letter stream.
	deadScript = redis.NewScript(`
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', '100000', '*', 'e', ARGV[3])
return 1`)
)

// finish records the outcome. It uses a context of its own: after the
// handler ran, the outcome must be written even during shutdown.
func (q *Queue) finish(shard int, id string, env Envelope, e Entry, herr error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	stream := q.StreamKey(shard)
	var outcome Outcome
	var err error
	var d deferral
	var ra retryAfter
	switch {
	case herr == nil:
		outcome = Delivered
		err = q.ack(ctx, stream, id, *e.acks)
	case errors.As(herr, &d):
		outcome = Deferred
		env.Nonce = id
		env.Attempt = e.Attempt - 1
		due := q.opt.Now().Add(d.after).UnixMilli()
		err = laterScript.Run(ctx, q.rdb, []string{stream, q.retryKey(shard)}, q.group, id, due, env.Encode()).Err()
		q.noteDue(due)
	case errors.Is(herr, ErrPermanent) || e.Attempt >= q.opt.MaxAttempts:
		outcome = Dead
		env.Attempt = e.Attempt
		env.Err = herr.Error()
		err = deadScript.Run(ctx, q.rdb, []string{stream, q.DeadKey(shard)}, q.group, id, env.Encode()).Err()
		q.opt.Logger.Error("queue entry parked as dead letter", "queue", q.name, "key", e.Key, "attempts", e.Attempt, "err", herr)
	default:
		outcome = Retrying
		wait := q.opt.Backoff(e.Attempt)
		if errors.As(herr, &ra) && ra.after > wait {
			wait = ra.after
		}
		env.Nonce = id
		env.Attempt = e.Attempt
		env.Err = herr.Error()
		due := q.opt.Now().Add(wait).UnixMilli()
		err = laterScript.Run(ctx, q.rdb, []string{stream, q.retryKey(shard)}, q.group, id, due, env.Encode()).Err()
		q.noteDue(due)
		q.opt.Logger.Warn("queue entry failed, will retry", "queue", q.name, "key", e.Key, "attempt", e.Attempt, "in", wait.Round(time.Millisecond), "err", herr)
	}
	if err != nil {
		// The entry stays pending and is taken over after ClaimIdle.
		q.opt.Logger.Error("queue could not record outcome", "queue", q.name, "key", e.Key, "outcome", outcome, "err", err)
	}
	if q.opt.Done != nil {
		q.opt.Done(e, outcome, herr)
	}
}

// ack removes a handled entry, after the handler's writes (Entry.OnAck),
// in one round trip: a pipeline runs in order on one server. A cluster
// client would split it by node and run the parts concurrently, so there
// the handler's writes go first, in a round trip of their own.
func (q *Queue) ack(ctx context.Context, stream, id string, writes []func(redis.Pipeliner)) error {
	_, cluster := q.rdb.(*redis.ClusterClient)
	if cluster && len(writes) > 0 {
		if _, err := q.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, w := range writes {
				w(p)
			}
			return nil
		}); err != nil {
			return fmt.Errorf("handler's writes: %w", err)
		}
		writes = nil
	}
	_, err := q.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, w := range writes {
			w(p)
		}
		p.XAck(ctx, stream, q.group, id)
		p.XDel(ctx, stream, id)
		return nil
	})
	return err
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
