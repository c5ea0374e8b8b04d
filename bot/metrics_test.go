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
	rdb, prefix := redistest.Client(t)
	hook := &roundTrips{}
	rdb.AddHook(hook)
	m := NewMetrics()
	m.WatchQueue(queue.New(rdb, prefix, "depths", nil, queue.Options{}))
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
	first := hook.n.Load()
	if first == 0 {
		t.Fatal("the first scrape read nothing")
	}
	testwait.For(t, "a read while scraped", func() bool { return hook.n.Load() > first })
	before := hook.n.Load()
	scrape()
	if n := hook.n.Load() - before; n != 0 {
		t.Errorf("a scrape cost %d round trips, want none", n)
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
