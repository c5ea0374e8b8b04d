package hot

import (
	"os"
	"testing"

	"github.com/minsheng/minsheng/intake/classify"
	"github.com/minsheng/minsheng/internal/appealstest"
)

// hotFile is the shared set of real unlabelled appeals (see
// shared/data/README.md). The repository does not ship it.
var hotFile = appealstest.Path(appealstest.HotFile)

// readHotItems reads appeals-hot as items in time order (place from the
// title, else the text; category from the default model), or skips the test
// when the file is absent.
func readHotItems(t testing.TB) []Item {
	t.Helper()
	f, err := os.Open(hotFile)
	if os.IsNotExist(err) {
		t.Skipf("%s not found: the real appeals are not part of the repository", hotFile)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	items, err := ReadAppeals(f, classify.Default(), nil)
	if err != nil {
		t.Fatalf("%s: %v", hotFile, err)
	}
	return items
}

// TestHotAppeals clusters the 4,326 real appeals of appeals-hot and prints
// the ten largest clusters by distinct citizens, each with three members.
func TestHotAppeals(t *testing.T) {
	items := readHotItems(t)
	c := New(DefaultWindow)
	latest := map[string]Cluster{}
	placed := 0
	for _, it := range items {
		k, ok := c.Add(it)
		if !ok {
			continue
		}
		placed++
		latest[k.ID] = k
	}
	all := make([]Cluster, 0, len(latest))
	for _, k := range latest {
		all = append(all, k)
	}
	SortBySize(all)
	t.Logf("%d texts, %d with a place finer than a region, %d clusters", len(items), placed, len(all))
	for i, k := range all[:min(10, len(all))] {
		t.Logf("%2d. %s  (%d citizens, %d texts, %s – %s)", i+1, k.Title, k.Citizens, len(k.Members),
			k.First.Format("2006-01-02"), k.Last.Format("2006-01-02"))
		for _, m := range k.Members[:min(3, len(k.Members))] {
			t.Logf("      %s", first(m.Text, 60))
		}
		if placeKey(k.Place) == "" {
			t.Errorf("cluster %d's place %q is a bare region", i+1, k.Place)
		}
	}
	// The two campaigns of the year (a bundled parking space at one estate,
	// a concrete plant next to another) have about 50 citizens each; the
	// floor catches a clusterer that splits them.
	if len(all) < 2 || all[1].Citizens < 30 {
		t.Fatalf("the two largest clusters have fewer than 30 citizens")
	}
	top := all[:min(10, len(all))]
	for i, a := range top {
		for _, b := range top[i+1:] {
			if a.Matter == b.Matter && samePlace(a.Place, b.Place) {
				t.Errorf("%s and %s are one place and matter, split in two", a.Title, b.Title)
			}
		}
	}
}

func first(s string, n int) string {
	rs := []rune(s)
	return string(rs[:min(n, len(rs))])
}

// BenchmarkAdd clusters appeals-hot's 4,326 real appeals once per iteration
// (place and category already found: only the clusterer is timed).
func BenchmarkAdd(b *testing.B) {
	items := readHotItems(b)
	b.ResetTimer()
	for range b.N {
		c := New(DefaultWindow)
		for _, it := range items {
			c.Add(it)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(items)), "µs/petition")
}
