package live

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/minsheng/minsheng/intake/classify"
	"github.com/minsheng/minsheng/intake/hot"
	"github.com/minsheng/minsheng/intake/queue/redistest"
	"github.com/minsheng/minsheng/internal/appealstest"
)

// hotFile is the shared set of real unlabelled appeals (see
// shared/data/README.md). The repository does not ship it.
var hotFile = appealstest.Path(appealstest.HotFile)

// readAppeals reads appeals-hot as items in time order, to the millisecond
// (the stream keeps milliseconds), or skips.
func readAppeals(tb testing.TB) []hot.Item {
	tb.Helper()
	f, err := os.Open(hotFile)
	if os.IsNotExist(err) {
		tb.Skipf("%s not found: the real appeals are not part of the repository", hotFile)
	}
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	items, err := hot.ReadAppeals(f, classify.Default(), nil)
	if err != nil {
		tb.Fatal(err)
	}
	for i := range items {
		items[i].Time = items[i].Time.Truncate(time.Millisecond)
	}
	return items
}

// BenchmarkIssue gives appeals-hot's 4,326 real appeals their hot issues
// through one replica on the real Redis, once per iteration (each on keys
// of its own): one round trip and the clustering per appeal.
func BenchmarkIssue(b *testing.B) {
	items := readAppeals(b)
	rdb, prefix := redistest.Client(b)
	b.ResetTimer()
	for n := range b.N {
		x := newIndex(rdb, fmt.Sprintf("%s%d:", prefix, n))
		for _, it := range items {
			add(b, x, it)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(items)), "µs/petition")
}

// TestHotAppealsLive replays the 4,326 real appeals of appeals-hot through
// two replicas sharing one Redis, alternately, and checks that every
// appeal gets what the offline clusterer gives it, and that the listed top
// ten are the offline run's. It logs the memory the stream and the
// summaries take.
func TestHotAppealsLive(t *testing.T) {
	items := readAppeals(t)
	rdb, prefix := redistest.Client(t)
	ctx := context.Background()
	want, _ := offline(items, hot.DefaultWindow)
	replicas := []*Index{newIndex(rdb, prefix), newIndex(rdb, prefix)}
	start := time.Now()
	peak, peakLen := int64(0), int64(0)
	for i, it := range items {
		got, _ := add(t, replicas[i%2], it)
		if got != want[i] {
			t.Fatalf("appeal %d (%s): %+v, offline %+v", i, it.ID, got, want[i])
		}
		if i%500 == 0 {
			if n := rdb.XLen(ctx, replicas[0].keys[0]).Val(); n > peakLen {
				peakLen, peak = n, rdb.MemoryUsage(ctx, replicas[0].keys[0], 0).Val()
			}
		}
	}
	took := time.Since(start)

	// The offline top ten, as `minsheng hot --data` lists them.
	c := hot.New(hot.DefaultWindow)
	latest := map[string]hot.Cluster{}
	for _, it := range items {
		if k, ok := c.Add(it); ok {
			latest[k.ID] = k
		}
	}
	var all []hot.Cluster
	for _, k := range latest {
		if k.Citizens >= minKept {
			all = append(all, k)
		}
	}
	hot.SortBySize(all)
	listed, err := replicas[1].List(ctx, items[0].Time, items[len(items)-1].Time.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if len(listed) != len(all) {
		t.Errorf("listed %d hot issues of two citizens or more, offline %d", len(listed), len(all))
	}
	for i := range min(10, len(all), len(listed)) {
		w, g := all[i], listed[i]
		t.Logf("%2d. %-24s %2d citizens %2d appeals %s – %s | live: %-24s %2d %2d %s", i+1, w.Title, w.Citizens, len(w.Members),
			w.First.Format(time.DateOnly), w.Last.Format(time.DateOnly), g.Title, g.Citizens, len(g.Members), g.ID)
		if g.ID != w.ID || g.Title != w.Title || g.Citizens != w.Citizens || len(g.Members) != len(w.Members) ||
			!g.First.Equal(w.First) || !g.Last.Equal(w.Last) {
			t.Errorf("%d. live %s %q %d/%d %s–%s, offline %s %q %d/%d %s–%s", i+1, g.ID, g.Title, g.Citizens, len(g.Members), g.First, g.Last,
				w.ID, w.Title, w.Citizens, len(w.Members), w.First, w.Last)
		}
	}
	x := replicas[0]
	n := rdb.XLen(ctx, x.keys[0]).Val()
	mem := rdb.MemoryUsage(ctx, x.keys[0], 0).Val()
	sums := rdb.HLen(ctx, x.keys[2]).Val()
	sumMem := rdb.MemoryUsage(ctx, x.keys[2], 0).Val() + rdb.MemoryUsage(ctx, x.keys[3], 0).Val()
	t.Logf("%d appeals through two replicas in %s (%.0f µs each, one round trip and both replicas' clustering)", len(items), took.Round(time.Millisecond),
		float64(took.Microseconds())/float64(len(items)))
	t.Logf("stream at the end: %d entries, %d bytes (%d a petition); largest seen: %d entries, %d bytes (%d a petition)",
		n, mem, mem/max(n, 1), peakLen, peak, peak/max(peakLen, 1))
	t.Logf("ended hot issues kept: %d, %d bytes (%d each)", sums, sumMem, sumMem/max(sums, 1))

	// Every appeal in one stream, none deleted: what an entry costs where
	// no deletion leaves holes in the stream's nodes.
	probe := prefix + "probe"
	pipe := rdb.Pipeline()
	for _, it := range items {
		pipe.XAdd(ctx, &redis.XAddArgs{Stream: probe, Values: []any{fieldID, it.ID, fieldCitizen, it.Citizen,
			fieldTime, it.Time.UnixMilli(), fieldText, it.Text, fieldPlace, it.Place, fieldCategory, it.Category}})
	}
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	whole := rdb.MemoryUsage(ctx, probe, 0).Val()
	t.Logf("all %d appeals in one stream: %d bytes (%d a petition)", len(items), whole, whole/int64(len(items)))
}
