package bot

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/minsheng/minsheng/intake/queue"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"
)

// Metrics are the figures /metrics exposes. Each process has its own
// registry, so tests can run several pipelines side by side.
type Metrics struct {
	Registry      *prometheus.Registry
	Inbound       *prometheus.CounterVec   // by channel
	Duplicates    *prometheus.CounterVec   // redelivered provider ids, by channel
	Deferred      *prometheus.CounterVec   // messages left to the scheduler (InlineLimit), by channel
	Outbound      *prometheus.CounterVec   // by channel and result
	Petitions     prometheus.Counter       // petitions submitted to the outbox
	Deliveries    *prometheus.CounterVec   // backend deliveries by type and result
	HandleSeconds *prometheus.HistogramVec // inbound handling latency, by channel
	StoreLost     prometheus.Counter       // times Redis was found to have lost its data
	mu            sync.Mutex
	queues        []*queue.Queue
	depths        []queue.Stats    // as last read, by queue; nil: not yet
	readAt        time.Time        // when depths were read
	scraped       atomic.Int64     // unix ns of the last scrape of the depths
	every         atomic.Int64     // how often the depths are read while scraped (ns)
	stale         chan struct{}    // a scrape found the depths older than every
	now           func() time.Time // the clock of the scrapes and reads (tests set it)
}

// DepthsEvery is how often the queue depths are read while /metrics is
// scraped.
const DepthsEvery = 15 * time.Second

// NewMetrics registers minsheng's metrics and the Go runtime's.
func NewMetrics() *Metrics {
	m := &Metrics{
		stale:    make(chan struct{}, 1),
		Registry: prometheus.NewRegistry(),
		Inbound: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "minsheng_inbound_messages_total", Help: "Messages received from citizens.",
		}, []string{"channel"}),
		Duplicates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "minsheng_inbound_duplicates_total", Help: "Redelivered messages handled once.",
		}, []string{"channel"}),
		Deferred: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "minsheng_inbound_deferred_total", Help: "Messages taken in for the scheduler to run their dialog, because the process was handling workers.inline messages already.",
		}, []string{"channel"}),
		Outbound: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "minsheng_outbound_messages_total", Help: "Messages to citizens by result (sent, retry, failed).",
		}, []string{"channel", "result"}),
		Petitions: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "minsheng_petitions_submitted_total", Help: "Petitions submitted to the outbox.",
		}),
		Deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "minsheng_backend_deliveries_total", Help: "Outbox deliveries to the case backend by result.",
		}, []string{"result"}),
		HandleSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "minsheng_inbound_handle_seconds", Help: "Time to take in one inbound message.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"channel"}),
		StoreLost: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "minsheng_store_lost_total", Help: "Times Redis was found to have lost its data (the case map was written back from the journal).",
		}),
	}
	m.Registry.MustRegister(m.Inbound, m.Duplicates, m.Deferred, m.Outbound, m.Petitions, m.Deliveries, m.HandleSeconds, m.StoreLost,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		queueCollector{m})
	return m
}

// WatchQueue adds a queue's depth to /metrics.
func (m *Metrics) WatchQueue(q *queue.Queue) {
	m.mu.Lock()
	m.queues = append(m.queues, q)
	m.depths = nil
	m.mu.Unlock()
}

// RefreshQueues reads the watched queues' depths into the gauges /metrics
// serves: 16 Redis commands for all of them, so a scrape costs none. The
// runtime calls it in the background (RunMetrics).
func (m *Metrics) RefreshQueues(ctx context.Context, rdb redis.UniversalClient) error {
	m.mu.Lock()
	qs := append([]*queue.Queue(nil), m.queues...)
	m.mu.Unlock()
	st, err := queue.StatsOf(ctx, rdb, qs)
	if err != nil {
		return err
	}
	m.mu.Lock()
	if len(m.queues) == len(qs) {
		m.depths, m.readAt = st, m.clock()
	}
	m.mu.Unlock()
	return nil
}

// KeepQueueDepths reads the queue depths every `every` (DepthsEvery) while
// /metrics is scraped (within the last 4 × every), and at once when a
// scrape finds them older; a serve nobody scrapes reads none (idle is
// idle). A scrape after a quiet spell gets the depths as last read, and the
// next one fresh ones.
func (m *Metrics) KeepQueueDepths(ctx context.Context, rdb redis.UniversalClient, every time.Duration, onError func(error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	m.keepQueueDepths(ctx, rdb, every, t.C, onError)
}

// keepQueueDepths is KeepQueueDepths on the ticks given (a test sends
// its own, with its own clock).
func (m *Metrics) keepQueueDepths(ctx context.Context, rdb redis.UniversalClient, every time.Duration, ticks <-chan time.Time, onError func(error)) {
	m.every.Store(int64(every))
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticks:
			if m.clock().Sub(time.Unix(0, m.scraped.Load())) > 4*every {
				continue
			}
		case <-m.stale:
		}
		if err := m.RefreshQueues(ctx, rdb); err != nil && ctx.Err() == nil {
			onError(err)
		}
	}
}

func (m *Metrics) clock() time.Time {
	if m.now != nil {
		return m.now()
	}
	return time.Now()
}

// queueCollector serves the queue depths last read; before the first
// refresh it reads them itself, once.
type queueCollector struct{ m *Metrics }

var queueDepthDesc = prometheus.NewDesc("minsheng_queue_depth",
	"Entries in a durable queue by state (ready, pending, retry, dead), as last read (every 15 s while scraped).", []string{"queue", "state"}, nil)

func (c queueCollector) Describe(ch chan<- *prometheus.Desc) { ch <- queueDepthDesc }

func (c queueCollector) Collect(ch chan<- prometheus.Metric) {
	m := c.m
	m.scraped.Store(m.clock().UnixNano())
	m.mu.Lock()
	qs, depths, readAt := m.queues, m.depths, m.readAt
	m.mu.Unlock()
	if every := time.Duration(m.every.Load()); depths != nil && every > 0 && m.clock().Sub(readAt) > every {
		select {
		case m.stale <- struct{}{}:
		default:
		}
	}
	if depths == nil && len(qs) > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		var err error
		if depths, err = queue.StatsOf(ctx, qs[0].Redis(), qs); err != nil {
			return
		}
	}
	for i, q := range qs {
		if i >= len(depths) {
			break
		}
		st := depths[i]
		for state, v := range map[string]int64{"ready": st.Ready, "pending": st.Pending, "retry": st.Retry, "dead": st.Dead} {
			ch <- prometheus.MustNewConstMetric(queueDepthDesc, prometheus.GaugeValue, float64(v), q.Name(), state)
		}
	}
}

// Register adds a channel's collector c to reg, or returns the collector
// already registered under its name (two instances of a channel on one
// registry share the counters).
func Register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		panic(err)
	}
	return c
}
