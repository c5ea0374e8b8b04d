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
// scrape itself once read, and not at all when nobody scrapes.
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
	m.WatchQueue(queue.New(qrdb, prefix, "depths", nil, queue.Options{}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const every = 20 * time.Millisecond
	go m.KeepQueueDepths(ctx, rdb, every, func(err error) { t.Error(err) })

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
	testwait.For(t, "a read while scraped", func() bool {
		m.mu.Lock()
		defer m.mu.Unlock()
		return hook.n.Load() > 0 && m.depths != nil
	})
	scrape()
	if n := scrapes.n.Load() - first; n != 0 {
		t.Errorf("a later scrape cost %d round trips, want none", n)
	}
	// Nobody scrapes: after 4 × every the reads stop.
	testwait.For(t, "reads stopped", func() bool {
		n := hook.n.Load()
		time.Sleep(3 * every)
		return hook.n.Load() == n
	})
	quiet := hook.n.Load()
	time.Sleep(10 * every) // a window in which nothing may happen
	if n := hook.n.Load() - quiet; n != 0 {
		t.Errorf("%d reads while nobody scraped", n)
	}
	// A scrape after the quiet spell asks for fresh depths at once.
	scrape()
	testwait.For(t, "a read after the scrape", func() bool { return hook.n.Load() > quiet })
}
