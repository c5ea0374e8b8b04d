package understand

import (
	"os"
	"strings"
	"testing"
)

// urgencyLabel is one hand-checked appeal of a testdata/urgency_*.tsv file.
type urgencyLabel struct {
	id, want, why string
}

// readUrgencyLabels reads lines "id, urgent|normal, …" (tab-separated;
// the third field is the stratum or round, the fourth, if any, why).
func readUrgencyLabels(t *testing.T, name string) []urgencyLabel {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var out []urgencyLabel
	for i, line := range strings.Split(string(b), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) < 3 || (f[1] != Urgent && f[1] != Normal) {
			t.Fatalf("%s:%d: want id, urgent|normal, stratum[, why]: %q", name, i+1, line)
		}
		l := urgencyLabel{id: f[0], want: f[1]}
		if len(f) > 3 {
			l.why = f[3]
		}
		out = append(out, l)
	}
	return out
}

// readAppealTexts returns the texts of the real appeals by id, or skips.
func readAppealTexts(t *testing.T) map[string]string {
	t.Helper()
	texts := map[string]string{}
	for _, a := range readAppeals(t) {
		texts[a.ID] = a.Text
	}
	return texts
}

// confusion counts Urgency's answers against hand labels.
type confusion struct{ tp, fp, fn, tn int }

func (c confusion) precision() float64 { return ratio(c.tp, c.tp+c.fp) }
func (c confusion) recall() float64    { return ratio(c.tp, c.tp+c.fn) }

// judgeLabelled runs Urgency over the labelled appeals (the whole text, as
// the petition's description carries it) and logs each mistake.
func judgeLabelled(t *testing.T, labels []urgencyLabel, texts map[string]string) confusion {
	t.Helper()
	var c confusion
	for _, l := range labels {
		text, ok := texts[l.id]
		if !ok {
			t.Fatalf("labelled appeal %s is not in %s", l.id, appealsFile)
		}
		got, word := defaultUrgency.Judge(text)
		switch {
		case got == Urgent && l.want == Urgent:
			c.tp++
		case got == Urgent:
			c.fp++
			t.Logf("false alarm %s on %q (%s): %.40s…", l.id, word, l.why, text)
		case l.want == Urgent:
			c.fn++
			t.Logf("missed %s (%s): %.40s…", l.id, l.why, text)
		default:
			c.tn++
		}
	}
	return c
}

// TestUrgencyOnRealAppeals measures Urgency on 200 real appeals whose
// urgency was judged by hand (testdata/urgency_labels.tsv: 100 at random,
// 100 among those that mention outages, gas, fire, collapse, wages…) and
// holds the floor. Measured when the rules were written: 9 urgent by
// hand; the rules before this file: precision 0.32, recall 0.78; these:
// 0.69, 1.00 — on the appeals they were tuned on, hence the second test.
func TestUrgencyOnRealAppeals(t *testing.T) {
	labels := readUrgencyLabels(t, "urgency_labels.tsv")
	c := judgeLabelled(t, labels, readAppealTexts(t))
	t.Logf("%d appeals, %d urgent by hand: tp %d fp %d fn %d tn %d; precision %.2f recall %.2f",
		len(labels), c.tp+c.fn, c.tp, c.fp, c.fn, c.tn, c.precision(), c.recall())
	if len(labels) != 200 {
		t.Errorf("%d labelled appeals, want 200", len(labels))
	}
	if c.precision() < 0.6 || c.recall() < 0.85 {
		t.Errorf("precision %.2f, recall %.2f: below the floor 0.60, 0.85", c.precision(), c.recall())
	}
}

// TestUrgencyPrecisionUnseen holds the precision on appeals the rules were
// not written from: 50 that an earlier version flagged, judged by hand
// (testdata/urgency_flagged_checked.tsv). Long letters tell much history
// and use danger words in passing; measured 0.50 (21 of the 42 still flagged).
func TestUrgencyPrecisionUnseen(t *testing.T) {
	c := judgeLabelled(t, readUrgencyLabels(t, "urgency_flagged_checked.tsv"), readAppealTexts(t))
	t.Logf("flagged %d: precision %.2f", c.tp+c.fp, c.precision())
	if c.precision() < 0.4 {
		t.Errorf("precision %.2f on appeals the rules were not tuned on, want >= 0.40", c.precision())
	}
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
