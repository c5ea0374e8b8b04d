package understand

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

type typeLabel struct{ id, label, text string }

func readTypeLabels(t *testing.T) []typeLabel {
	t.Helper()
	f, err := os.Open("testdata/appeal_type_labels.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []typeLabel
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := sc.Text()
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		p := strings.SplitN(l, "\t", 3)
		if len(p) != 3 || AppealTypeNames[p[1]] == "" {
			t.Fatalf("bad label line %q", l)
		}
		out = append(out, typeLabel{p[0], p[1], p[2]})
	}
	return out
}

// typeScore is accuracy and per-type precision and recall of AppealType on
// labelled texts.
type typeScore struct {
	n, right    int
	tp, fp, fn  map[string]int
	confusion   map[[2]string]int
	wrongSample []string
}

func scoreTypes(ls []typeLabel) typeScore {
	s := typeScore{tp: map[string]int{}, fp: map[string]int{}, fn: map[string]int{}, confusion: map[[2]string]int{}}
	for _, l := range ls {
		got := AppealType(l.text)
		s.n++
		if got == l.label {
			s.right++
			s.tp[got]++
			continue
		}
		s.fp[got]++
		s.fn[l.label]++
		s.confusion[[2]string{l.label, got}]++
		s.wrongSample = append(s.wrongSample, l.label+"→"+got+" "+l.text)
	}
	return s
}

func (s typeScore) accuracy() float64 { return float64(s.right) / float64(s.n) }

func (s typeScore) log(t *testing.T, name string) {
	t.Logf("%s: %d texts, accuracy %.3f", name, s.n, s.accuracy())
	for _, k := range AppealTypes {
		p, r := 0.0, 0.0
		if s.tp[k]+s.fp[k] > 0 {
			p = float64(s.tp[k]) / float64(s.tp[k]+s.fp[k])
		}
		if s.tp[k]+s.fn[k] > 0 {
			r = float64(s.tp[k]) / float64(s.tp[k]+s.fn[k])
		}
		t.Logf("  %s %s: labelled %d, found %d, right %d: precision %.2f recall %.2f", k, AppealTypeNames[k],
			s.tp[k]+s.fn[k], s.tp[k]+s.fp[k], s.tp[k], p, r)
	}
}

// TestAppealTypeOnHandLabelled measures AppealType on 200 real appeals'
// first 70 characters labelled by hand before the rules were written
// (testdata/appeal_type_labels.tsv). The rules were tuned on the odd rows
// only; the even rows were never looked at for tuning, and their accuracy
// is the figure the README gives. The floors hold both.
//
//	go test ./intake/understand -run AppealTypeOnHandLabelled -v
func TestAppealTypeOnHandLabelled(t *testing.T) {
	ls := readTypeLabels(t)
	if len(ls) != 200 {
		t.Fatalf("%d labels, want 200", len(ls))
	}
	var tune, held []typeLabel
	for i, l := range ls {
		if i%2 == 0 { // rows 1, 3, 5… of the file
			tune = append(tune, l)
		} else {
			held = append(held, l)
		}
	}
	all, tn, hd := scoreTypes(ls), scoreTypes(tune), scoreTypes(held)
	all.log(t, "all 200")
	tn.log(t, "tuned on (odd rows)")
	hd.log(t, "held out (even rows)")
	if testing.Verbose() { // only the rows one may tune on
		for _, w := range tn.wrongSample {
			t.Logf("  tuning rows, wrong: %s", w)
		}
	}
	// The floors: a little under what was measured, so that a change that
	// makes the rules worse fails here.
	if a := hd.accuracy(); a < heldOutFloor {
		t.Errorf("held-out accuracy %.3f < %.2f", a, heldOutFloor)
	}
	if a := all.accuracy(); a < allFloor {
		t.Errorf("accuracy on all 200 %.3f < %.2f", a, allFloor)
	}
}

// Measured: before any tuning 0.725 on all 200 (held-out half 0.730);
// after tuning on the odd rows 0.740 (odd 0.750, held-out 0.730). Always
// "complaint" would score 0.635 (held-out half 0.670).
const heldOutFloor, allFloor = 0.70, 0.72

func TestAppealTypeExamples(t *testing.T) {
	for text, want := range map[string]string{
		"请问城乡居民医保在哪里缴费？":          AppealConsult,
		"楼下饭店夜里噪音太大，吵得睡不着":        AppealComplaint,
		"公司拖欠工资三个月了":              AppealComplaint,
		"建议在幸福小区门口增设一个公交站":        AppealSuggestion,
		"感谢城管局为我们解决了路灯问题，特此表扬":    AppealPraise,
		"门口的路灯坏了一个月了，晚上很黑，请帮忙修一下": AppealHelp,
		"首先感谢您，我要投诉物业乱收费":         AppealComplaint,
	} {
		if got := AppealType(text); got != want {
			t.Errorf("AppealType(%q) = %s, want %s", text, got, want)
		}
	}
}
