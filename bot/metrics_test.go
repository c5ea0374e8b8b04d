package bot

import (
	"context"
	"testing"
	"time"

	"github.com/minsheng/minsheng/intake/queue"
	"github.com/minsheng/minsheng/intake/queue/redistest"
	"github.com/minsheng/minsheng/internal/testwait"
)

// The queue depths are read while /metrics is scraped, never by the
// scrape itself once read, and not at all when nobody scrapes. On a fixed
// clock and ticks the test sends: each tick is taken (an unbuffered send)
// and the next send waits until its read is done.
func TestQueueDepthsAreReadWhileScraped(t *testing.T) {
	// The scrape reads through the queue's client (scrapes), the
	// background through its own (hook).
	rdb, prefix := redistest.Client(t)
	hook := &roundTrips{}
	rdb.AddHook(hook)
	qrdb, _ := redistest.Client(t)
	scrapes := &roundTrips{}
	qrdb.AddHook(scrapes)
	m := NewMetrics()
	clk := &clock{now: time.Date(2026, 3, 11, 10, 0, 0, 0, time.UTC)}
	m.now = clk.Now
	m.WatchQueue(queue.New(qrdb, prefix, "depths", nil, queue.Options{}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const every = 15 * time.Second
	ticks := make(chan time.Time)
	done := make(chan struct{})
	go func() {
		defer close(done)
		m.keepQueueDepths(ctx, rdb, every, ticks, func(err error) { t.Error(err) })
	}()
	defer func() { cancel(); <-done }()
	// tick advances the clock one period and hands the keeper a tick; the
	// second send returns once the first tick's work is done.
	tick := func() {
		clk.Set(clk.Now().Add(every))
		ticks <- clk.Now()
		ticks <- clk.Now()
	}
	scrape := func() {
		if _, err := m.Registry.Gather(); err != nil {
			t.Fatal(err)
		}
	}
	scrape() // the first reads them itself, once
	first := scrapes.n.Load()
	if first == 0 {
		t.Fatal("the first scrape read nothing")
	}
	clk.Set(clk.Now().Add(-every)) // the scrape was just now
	tick()
	if hook.n.Load() == 0 {
		t.Fatal("no read while scraped")
	}
	scrape()
	if n := scrapes.n.Load() - first; n != 0 {
		t.Errorf("a later scrape cost %d round trips, want none", n)
	}
	// Nobody scrapes: beyond 4 × every the reads stop.
	for i := 0; i < 5; i++ {
		tick()
	}
	quiet := hook.n.Load()
	for i := 0; i < 10; i++ {
		tick()
	}
	if n := hook.n.Load() - quiet; n != 0 {
		t.Errorf("%d reads while nobody scraped", n)
	}
	// A scrape after the quiet spell asks for fresh depths at once,
	// without waiting for a tick.
	scrape()
	testwait.For(t, "a read after the scrape", func() bool { return hook.n.Load() > quiet })
}
