package live

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/hot"
	"github.com/minsheng/minsheng/intake/queue/redistest"
	"github.com/redis/go-redis/v9"
)

var t0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

// places and matters of the synthetic petitions: each pair is a hot issue
// when several citizens write about it inside the window.
var (
	places  = []string{"A2区丽发新城小区", "梅溪湖壹号御湾", "A市伊景园滨河苑", "幸福小区门口", "金域蓝湾"}
	matters = []string{
		"%s旁边建了搅拌站，日夜轰鸣，粉尘很大，严重影响居民休息",
		"%s停水三天了，几百户人家没有水用，请尽快处理",
		"%s的车位捆绑销售，不买车位不给交房，开发商太霸道",
		"%s楼下饭店油烟直排，熏得家里窗户都不敢开",
	}
)

// synthetic is n petitions of 8 citizens about the places and matters,
// every few hours over days, in time order (seeded: the same every run).
func synthetic(n int, days int, seed uint64) []hot.Item {
	rng := rand.New(rand.NewPCG(seed, 1))
	var out []hot.Item
	for i := range n {
		place := places[rng.IntN(len(places))]
		text := fmt.Sprintf(matters[rng.IntN(len(matters))], strings.TrimPrefix(strings.TrimPrefix(place, "A2区"), "A市"))
		at := t0.Add(time.Duration(rng.Int64N(int64(days) * int64(24*time.Hour))))
		if rng.IntN(10) == 0 {
			place = "A市A3区" // no place finer than a region
		}
		out = append(out, hot.Item{ID: fmt.Sprintf("MS-%04d", i), Citizen: fmt.Sprintf("u%d", rng.IntN(8)), Time: at.Truncate(time.Millisecond),
			Text: text, Place: place, Category: "城乡建设"})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out
}

// add gives an item to a replica, as the outbox does (one pipeline).
func add(t testing.TB, x *Index, it hot.Item) (hot.Issue, bool) {
	t.Helper()
	ctx := context.Background()
	pipe := x.rdb.Pipeline()
	finish := x.queue(ctx, pipe, it)
	if finish == nil {
		return hot.Issue{}, false
	}
	_, _ = pipe.Exec(ctx)
	is, err := finish(ctx)
	if err != nil {
		t.Errorf("item %s: %v", it.ID, err) // not Fatal: goroutines call it too
		return hot.Issue{}, false
	}
	return is, true
}

// offline is what the pure clusterer says of each item, in the same order.
func offline(items []hot.Item, window time.Duration) ([]hot.Issue, *hot.Clusterer) {
	c := hot.New(window)
	out := make([]hot.Issue, len(items))
	for i, it := range items {
		out[i], _ = c.Join(it)
	}
	return out, c
}

// state is a replica's live clusters, comparable: id, citizens, members.
func state(t testing.TB, x *Index) []string {
	t.Helper()
	if err := x.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	return describe(x.r.c.Clusters(1))
}

func describe(ks []hot.Cluster) []string {
	var out []string
	for _, k := range ks {
		var ms []string
		for _, m := range k.Members {
			ms = append(ms, m.ID)
		}
		out = append(out, fmt.Sprintf("%s %s %d [%s]", k.ID, k.Title, k.Citizens, strings.Join(ms, " ")))
	}
	slices.Sort(out)
	return out
}

func newIndex(rdb redis.UniversalClient, prefix string) *Index {
	return New(rdb, prefix, Options{Window: 7 * 24 * time.Hour, Retention: 3650 * 24 * time.Hour})
}

func TestReplicasAgreeWithEachOtherAndTheClusterer(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	replicasAgree(t, rdb, prefix)
}

// On a Redis Cluster too: the stream and its keys share one hash slot.
func TestReplicasAgreeOnRedisCluster(t *testing.T) {
	rdb, prefix := redistest.Cluster(t)
	replicasAgree(t, rdb, prefix)
}

// On the embedded store `chat` runs on (miniredis) too.
func TestReplicasAgreeOnTheEmbeddedStore(t *testing.T) {
	m := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: m.Addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	replicasAgree(t, rdb, "ms:")
}

func replicasAgree(t *testing.T, rdb redis.UniversalClient, prefix string) {
	items := synthetic(400, 60, 1)
	want, c := offline(items, 7*24*time.Hour)
	a, b := newIndex(rdb, prefix), newIndex(rdb, prefix)
	for i, it := range items {
		x := a
		if i%3 == 1 { // interleaved, unevenly
			x = b
		}
		got, ok := add(t, x, it)
		if ok != (want[i] != hot.Issue{}) || got != want[i] {
			t.Fatalf("item %d (%s): %+v, want %+v", i, it.ID, got, want[i])
		}
	}
	offlineLive := describe(c.Live(items[len(items)-1].Time))
	if len(offlineLive) < 10 {
		t.Fatalf("only %d clusters live at the end: the test needs more", len(offlineLive))
	}
	for name, x := range map[string]*Index{"A": a, "B": b, "a new replica": newIndex(rdb, prefix)} {
		if got := state(t, x); !slices.Equal(got, offlineLive) {
			t.Errorf("%s holds\n%s\nwant\n%s", name, strings.Join(got, "\n"), strings.Join(offlineLive, "\n"))
		}
	}
}

// TestALateReplicaCatchesUpOverDeletions: a replica that took petitions
// early, then none for weeks while another ended clusters and deleted
// their entries (some of which it holds), reads the rest and answers what
// the clusterer does.
func TestALateReplicaCatchesUpOverDeletions(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	items := synthetic(400, 60, 5)
	want, _ := offline(items, 7*24*time.Hour)
	a, b := newIndex(rdb, prefix), newIndex(rdb, prefix)
	for i, it := range items {
		x := a
		if i < 40 || i >= 360 {
			x = b
		}
		if got, _ := add(t, x, it); got != want[i] {
			t.Fatalf("item %d on %s: %+v, want %+v", i, map[*Index]string{a: "A", b: "B"}[x], got, want[i])
		}
	}
	if sa, sb := state(t, a), state(t, b); !slices.Equal(sa, sb) {
		t.Errorf("A holds\n%s\nB holds\n%s", strings.Join(sa, "\n"), strings.Join(sb, "\n"))
	}
}

// TestLateDeliveriesAndALateReplica: petitions delivered out of their time
// order (up to three days late), a replica away for weeks while the other
// deletes ended clusters: every answer is the one a single replica gives
// the same petitions in the same order.
func TestLateDeliveriesAndALateReplica(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	items := synthetic(600, 60, 6)
	rng := rand.New(rand.NewPCG(6, 3))
	for i := range items {
		if rng.IntN(3) == 0 {
			items[i].Time = items[i].Time.Add(-time.Duration(rng.Int64N(int64(72 * time.Hour)))).Truncate(time.Millisecond)
		}
	}
	one := newIndex(rdb, prefix+"one:")
	a, b := newIndex(rdb, prefix), newIndex(rdb, prefix)
	for i, it := range items {
		want, _ := add(t, one, it)
		x := a
		if i < 60 || i >= 540 || i%50 == 0 {
			x = b
		}
		if got, _ := add(t, x, it); got != want {
			t.Fatalf("item %d: %+v, one replica alone %+v", i, got, want)
		}
	}
	if sa, sb, so := state(t, a), state(t, b), state(t, one); !slices.Equal(sa, so) || !slices.Equal(sb, so) {
		t.Errorf("A holds\n%s\nB holds\n%s\none replica alone\n%s", strings.Join(sa, "\n"), strings.Join(sb, "\n"), strings.Join(so, "\n"))
	}
}

// TestTheClockIsTheStreams: the entry that ended a cluster may be deleted
// before a replica that was away reads it; a late petition after it must
// not join that cluster there. B takes C's first petition, then A takes
// X (8 days on: C ends), Y about C's matter received a week before (late:
// a cluster of its own), Y2 and Y3 joining Y, Z and W (X's cluster ends and
// is deleted); then B reads what it missed. Were clusters ended at each
// petition's own time, B would put Y and what follows it in C.
func TestTheClockIsTheStreams(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	day := func(d float64) time.Time { return t0.Add(time.Duration(d * float64(24*time.Hour))) }
	it := func(id, citizen string, d float64, place string, matter int) hot.Item {
		return hot.Item{ID: id, Citizen: citizen, Time: day(d), Place: place, Category: "城乡建设",
			Text: fmt.Sprintf(matters[matter], strings.TrimPrefix(place, "A2区"))}
	}
	steps := []struct {
		on   string
		item hot.Item
	}{
		{"B", it("C", "u1", 0, places[0], 0)},
		{"A", it("X", "u2", 8, places[1], 1)},
		{"A", it("Y", "u3", 1, places[0], 0)},
		{"A", it("Y2", "u4", 8, places[0], 0)},
		{"A", it("Y3", "u8", 15, places[0], 0)},
		{"A", it("Z", "u5", 16, places[4], 2)},
		{"A", it("W", "u6", 16.1, places[3], 3)},
		{"B", it("V", "u7", 17, places[2], 2)},
	}
	one := newIndex(rdb, prefix+"one:")
	replicas := map[string]*Index{"A": newIndex(rdb, prefix), "B": newIndex(rdb, prefix)}
	for _, st := range steps {
		want, _ := add(t, one, st.item)
		if got, _ := add(t, replicas[st.on], st.item); got != want {
			t.Errorf("%s on %s: %+v, one replica alone %+v", st.item.ID, st.on, got, want)
		}
	}
	so := state(t, one)
	if !slices.ContainsFunc(so, func(k string) bool { return strings.HasPrefix(k, "hot-Y ") && strings.HasSuffix(k, " 3 [Y Y2 Y3]") }) {
		t.Fatalf("one replica holds %q: the steps do not make Y, Y2 and Y3 one cluster", so)
	}
	for name, x := range map[string]*Index{"A": replicas["A"], "B": replicas["B"], "a new replica": newIndex(rdb, prefix)} {
		if got := state(t, x); !slices.Equal(got, so) {
			t.Errorf("%s holds\n%s\nwant\n%s", name, strings.Join(got, "\n"), strings.Join(so, "\n"))
		}
	}
}

func TestARestartedReplicaContinuesTheSameIDs(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	items := synthetic(200, 30, 2)
	want, _ := offline(items, 7*24*time.Hour)
	x := newIndex(rdb, prefix)
	for i, it := range items {
		if i == len(items)/2 {
			x = newIndex(rdb, prefix) // the process restarted: it knows nothing
		}
		if got, _ := add(t, x, it); got != want[i] {
			t.Fatalf("item %d after the restart: %+v, want %+v", i, got, want[i])
		}
	}
}

// TestTrimmingKeepsWhatLiveClustersNeed: the stream loses ended clusters
// only, whole; a live cluster keeps every entry, its first above all, and
// an ended one of two citizens or more is listed from its summary.
func TestTrimmingKeepsWhatLiveClustersNeed(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	ctx := context.Background()
	items := synthetic(300, 90, 3)
	x := newIndex(rdb, prefix)
	for _, it := range items {
		add(t, x, it)
	}
	msgs, err := rdb.XRange(ctx, x.keys[0], "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	inStream := map[string]bool{}
	for _, m := range msgs {
		inStream[m.Values[fieldID].(string)] = true
	}
	x.mu.Lock()
	live := x.r.c.Clusters(1)
	leaving := map[string]bool{} // entries of ended clusters, deleted with this process's next petition
	for _, g := range x.r.ended {
		for _, id := range g.ids {
			leaving[id.String()] = true
		}
	}
	x.mu.Unlock()
	ofLive := map[string]bool{}
	for _, k := range live {
		for _, m := range k.Members {
			ofLive[m.ID] = true
			if !inStream[m.ID] {
				t.Errorf("live cluster %s lost %s (its first: %s)", k.ID, m.ID, k.Members[0].ID)
			}
		}
	}
	for _, m := range msgs {
		if pid := m.Values[fieldID].(string); !ofLive[pid] && !leaving[m.ID] {
			t.Errorf("entry %s (%s) is no live cluster's and not on its way out", m.ID, pid)
		}
	}
	if len(msgs) >= len(items)/2 {
		t.Errorf("the stream holds %d of %d entries after 90 days with a 7-day window: not trimmed", len(msgs), len(items))
	}
	// Every cluster of two citizens or more is listed, ended or not.
	all := map[string]hot.Cluster{}
	ref := hot.New(7 * 24 * time.Hour)
	for _, it := range items {
		if k, ok := ref.Add(it); ok {
			all[k.ID] = k
		}
	}
	listed, err := x.List(ctx, t0, t0.Add(91*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var want []hot.Cluster
	for _, k := range all {
		if k.Citizens >= 2 {
			want = append(want, k)
		}
	}
	if g, w := describe(listed), describe(want); !slices.Equal(g, w) {
		t.Errorf("listed\n%s\nwant\n%s", strings.Join(g, "\n"), strings.Join(w, "\n"))
	}
	ended := 0
	for _, k := range want {
		if !slices.ContainsFunc(live, func(l hot.Cluster) bool { return l.ID == k.ID }) {
			ended++
		}
	}
	if ended == 0 {
		t.Errorf("no cluster of two citizens ended: the test shows nothing")
	}
}

func TestADeliveryAgainCountsOnce(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	ctx := context.Background()
	items := []hot.Item{
		{ID: "MS-1", Citizen: "u1", Time: t0, Place: "丽发新城小区", Text: fmt.Sprintf(matters[0], "丽发新城小区")},
		{ID: "MS-2", Citizen: "u2", Time: t0.Add(time.Hour), Place: "丽发新城", Text: fmt.Sprintf(matters[0], "丽发新城")},
	}
	a := newIndex(rdb, prefix)
	first, _ := add(t, a, items[0])
	second, _ := add(t, a, items[1])
	if first.ID != "hot-MS-1" || second.ID != "hot-MS-1" || second.Citizens != 2 {
		t.Fatalf("two citizens: %+v then %+v", first, second)
	}
	// Again on the same replica, then on one that never saw it (it adds
	// the petition to the stream a second time).
	for name, x := range map[string]*Index{"the same replica": a, "another replica": newIndex(rdb, prefix)} {
		if got, _ := add(t, x, items[1]); got != second {
			t.Errorf("MS-2 again on %s: %+v, want %+v", name, got, second)
		}
	}
	if n := rdb.XLen(ctx, a.keys[0]).Val(); n != 3 {
		t.Errorf("the stream holds %d entries, want 3 (MS-2 twice)", n)
	}
	for name, x := range map[string]*Index{"A": a, "a new replica": newIndex(rdb, prefix)} {
		if got := state(t, x); !slices.Equal(got, []string{second.ID + " " + second.Title + " 2 [MS-1 MS-2]"}) {
			t.Errorf("%s holds %q", name, got)
		}
	}
}

func TestConcurrentReplicasAgreeOnEveryPetition(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	ctx := context.Background()
	items := synthetic(240, 5, 4) // inside one window: nothing ends, the stream keeps all
	rng := rand.New(rand.NewPCG(4, 2))
	rng.Shuffle(len(items), func(i, j int) { // out of time order, as deliveries come
		if j-i < 5 && i-j < 5 {
			items[i], items[j] = items[j], items[i]
		}
	})
	replicas := []*Index{newIndex(rdb, prefix), newIndex(rdb, prefix)}
	got := make([]hot.Issue, len(items))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				got[i], _ = add(t, replicas[w%2], items[i])
			}
		}()
	}
	for i := range items {
		next <- i
	}
	close(next)
	wg.Wait()
	// What each entry got, replayed from the stream in its order.
	r := newReplay(7 * 24 * time.Hour)
	want := map[string]hot.Issue{}
	msgs, err := rdb.XRange(ctx, replicas[0].keys[0], "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		id, _ := parseID(m.ID)
		e := entryOf(id, func(f string) string { s, _ := m.Values[f].(string); return s })
		if is, ok := r.apply(e); ok {
			want[e.item.ID] = is
		}
	}
	for i, it := range items {
		if w := want[it.ID]; got[i] != w {
			t.Errorf("%s got %+v, the stream's order gives %+v", it.ID, got[i], w)
		}
	}
	a, b := state(t, replicas[0]), state(t, replicas[1])
	if !slices.Equal(a, b) || len(a) == 0 {
		t.Errorf("replicas differ:\n%s\n--\n%s", strings.Join(a, "\n"), strings.Join(b, "\n"))
	}
}

func TestRedisLosingTheStreamStartsOver(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	ctx := context.Background()
	lost := 0
	var logged bytes.Buffer
	x := New(rdb, prefix, Options{OnLost: func() { lost++ }, Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	p := func(id, citizen string) *intake.Petition {
		return &intake.Petition{ID: id, ReceivedAt: t0, Citizen: intake.Citizen{Phone: citizen},
			Description: fmt.Sprintf(matters[1], "梅溪湖壹号御湾"), Location: intake.Location{Text: "梅溪湖壹号御湾"}}
	}
	for _, id := range []string{"MS-1", "MS-2"} {
		if _, err := x.Issue(ctx, p(id, "+86139"+id[3:])); err != nil {
			t.Fatal(err)
		}
	}
	redistest.Clean(ctx, rdb, prefix) // Redis restarted without its data
	h, err := x.Issue(ctx, p("MS-3", "+86139000"))
	if err != nil {
		t.Fatal(err)
	}
	if h.ID != "hot-MS-3" || h.Size != 1 || lost != 1 {
		t.Errorf("after the loss: %+v, losses seen %d; want hot-MS-3 of 1, one loss", h, lost)
	}
	if !strings.Contains(logged.String(), "level=ERROR") || !strings.Contains(logged.String(), "lost the stream") {
		t.Errorf("the loss was not logged as an error: %q", logged.String())
	}
	if got := state(t, newIndex(rdb, prefix)); !slices.Equal(got, state(t, x)) {
		t.Errorf("a new replica holds %q, the old one %q", got, state(t, x))
	}
	if h, _ := x.Issue(ctx, &intake.Petition{ID: "MS-4", Location: intake.Location{Text: "A市"}}); h != nil {
		t.Errorf("a petition naming a region only got %+v", h)
	}
}

// A replica far behind is sent a few entries with its petition's answer
// (inlinePage, not a page of 256 to every concurrent delivery) and reads
// the rest once, one caller at a time; it then holds what the other does.
func TestAReplicaBehindGetsAFewEntriesThenReadsTheRest(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	ctx := context.Background()
	items := synthetic(120, 60, 7)
	want, _ := offline(items, 7*24*time.Hour)
	a, b := newIndex(rdb, prefix), newIndex(rdb, prefix)
	if err := b.Load(ctx); err != nil {
		t.Fatal(err)
	}
	last := len(items) - 1
	for _, it := range items[:last] {
		add(t, a, it)
	}
	b.mu.Lock()
	epoch, after := b.epoch, b.r.last
	b.mu.Unlock()
	args, err := b.scriptArgs(epoch, after, nil, &items[last])
	if err != nil {
		t.Fatal(err)
	}
	reply, err := addScript.Eval(ctx, rdb, b.keys, args...).Slice()
	if err != nil {
		t.Fatal(err)
	}
	_, added, es, err := parseReply(reply)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != inlinePage {
		t.Errorf("the answer to a replica 100 entries behind holds %d entries, want %d", len(es), inlinePage)
	}
	b.absorb(epoch, epoch, after, es)
	if err := b.syncTo(ctx, &added); err != nil {
		t.Fatal(err)
	}
	b.mu.Lock()
	got, ok := b.r.c.Lookup(items[last].ID)
	b.mu.Unlock()
	if hot.HasPlace(items[last].Place) && (!ok || got != want[last]) {
		t.Errorf("the last petition on the replica behind: %+v (%v), want %+v", got, ok, want[last])
	}
	if sa, sb := state(t, a), state(t, b); !slices.Equal(sa, sb) {
		t.Errorf("A holds\n%s\nB holds\n%s", strings.Join(sa, "\n"), strings.Join(sb, "\n"))
	}
}
