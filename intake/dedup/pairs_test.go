package dedup

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/minsheng/minsheng/intake/textnorm"
	"github.com/minsheng/minsheng/internal/appealstest"
)

// dice is the Dice coefficient of two texts' character bigram multisets.
func dice(a, b string) float64 {
	grams := func(s string) map[string]int {
		r := []rune(s)
		m := map[string]int{}
		for i := 0; i+1 < len(r); i++ {
			m[string(r[i:i+2])]++
		}
		return m
	}
	ga, gb := grams(a), grams(b)
	common, total := 0, 0
	for g, n := range ga {
		common += min(n, gb[g])
		total += n
	}
	for _, n := range gb {
		total += n
	}
	if total == 0 {
		return 0
	}
	return 2 * float64(common) / float64(total)
}

// hotFile is the shared set of real appeals with resubmissions (see
// shared/data/README.md).
const hotFile = appealstest.HotFile

type labelledPair struct {
	a, b string
	same bool
}

func readPairs(t *testing.T) []labelledPair {
	t.Helper()
	f, err := os.Open("testdata/pairs.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []labelledPair
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		col := strings.Split(line, "\t")
		if len(col) < 3 || (col[2] != "same" && col[2] != "other") {
			t.Fatalf("testdata/pairs.tsv: bad line %q", line)
		}
		out = append(out, labelledPair{a: col[0], b: col[1], same: col[2] == "same"})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// readHot returns the texts of appeals-hot by id.
func readHot(t testing.TB) map[string]string {
	t.Helper()
	texts := map[string]string{}
	for _, a := range appealstest.Read(t, hotFile) {
		texts[a.ID] = a.Text
	}
	return texts
}

// TestHandLabelledPairs measures precision and recall of "same matter" at
// Threshold on 200 pairs of one user's appeals, labelled by reading both
// texts (testdata/pairs.tsv), and prints them at other thresholds, the
// evidence Threshold was chosen from. Run with -v for the table.
func TestHandLabelledPairs(t *testing.T) {
	texts := readHot(t)
	pairs := readPairs(t)
	if len(pairs) != 200 {
		t.Fatalf("%d labelled pairs, want 200", len(pairs))
	}
	sims := make([]float64, len(pairs))
	for i, p := range pairs {
		ta, oka := texts[p.a]
		tb, okb := texts[p.b]
		if !oka || !okb {
			t.Fatalf("pair %s/%s: id not in %s", p.a, p.b, hotFile)
		}
		sa, _ := Sign(ta)
		sb, _ := Sign(tb)
		sims[i] = Similarity(sa, sb)
	}
	score := func(th float64) (prec, rec float64, tp, fp, fn int) {
		for i, p := range pairs {
			switch linked := sims[i] >= th; {
			case linked && p.same:
				tp++
			case linked:
				fp++
			case p.same:
				fn++
			}
		}
		return float64(tp) / float64(max(1, tp+fp)), float64(tp) / float64(max(1, tp+fn)), tp, fp, fn
	}
	var table strings.Builder
	for th := 0.2; th < 0.95; th += 0.05 {
		p, r, tp, fp, fn := score(th)
		fmt.Fprintf(&table, "threshold %.2f: precision %.3f recall %.3f (tp %d fp %d fn %d)\n", th, p, r, tp, fp, fn)
	}
	t.Logf("MinHash (%d hashes, %d-character shingles) on %d pairs:\n%s", Hashes, Shingle, len(pairs), table.String())
	// The dialog's rule inside one conversation (dialog.similarity: Dice of
	// character bigrams ≥ 0.8), on the same pairs, for comparison.
	dtp, dfp, dfn := 0, 0, 0
	for _, p := range pairs {
		switch linked := dice(textnorm.Compact(texts[p.a]), textnorm.Compact(texts[p.b])) >= 0.8; {
		case linked && p.same:
			dtp++
		case linked:
			dfp++
		case p.same:
			dfn++
		}
	}
	t.Logf("the dialog's Dice ≥ 0.8: precision %.3f recall %.3f (tp %d fp %d fn %d)",
		float64(dtp)/float64(max(1, dtp+dfp)), float64(dtp)/float64(max(1, dtp+dfn)), dtp, dfp, dfn)
	// An SMS is 70 characters: the first 70 of each text.
	first70 := func(s string) string {
		if r := []rune(s); len(r) > 70 {
			return string(r[:70])
		}
		return s
	}
	stp, sfp, sfn := 0, 0, 0
	for _, p := range pairs {
		sa, _ := Sign(first70(texts[p.a]))
		sb, _ := Sign(first70(texts[p.b]))
		switch linked := Similarity(sa, sb) >= Threshold; {
		case linked && p.same:
			stp++
		case linked:
			sfp++
		case p.same:
			sfn++
		}
	}
	t.Logf("first 70 characters at Threshold: precision %.3f recall %.3f (tp %d fp %d fn %d)",
		float64(stp)/float64(max(1, stp+sfp)), float64(stp)/float64(max(1, stp+sfn)), stp, sfp, sfn)
	prec, rec, tp, fp, fn := score(Threshold)
	t.Logf("at Threshold %.2f: precision %.3f, recall %.3f (tp %d fp %d fn %d)", Threshold, prec, rec, tp, fp, fn)
	if prec < 0.95 || rec < 0.88 {
		t.Errorf("at Threshold %.2f: precision %.3f (want ≥ 0.95), recall %.3f (want ≥ 0.88)", Threshold, prec, rec)
	}
}
