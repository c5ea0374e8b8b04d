package classify

import (
	"fmt"
	"math"
	"math/rand"
	"slices"
	"sort"
	"strings"
	"sync"

	"golang.org/x/text/width"
)

// Report is the result of CrossValidate.
type Report struct {
	Folds     int
	Algorithm Algorithm
	Features  int  // mean number of features per fold model
	Full      Eval // predictions on whole texts
	SMS       Eval // predictions on the first SMSChars characters of each text
}

// Eval scores one set of predictions, pooled over all folds.
type Eval struct {
	N        int
	Accuracy float64
	MacroF1  float64
	// ECE is the expected calibration error of the confidence: the mean gap
	// between confidence and accuracy over 10 equal-width confidence bins,
	// weighted by bin size. 0 is perfect.
	ECE     float64
	Classes []ClassScore // in Labels() order
	// Reliability is the calibration table: predictions grouped by
	// confidence in tenths, with the share that were right.
	Reliability []Bin
	// FoldF1 is the macro-F1 of each fold on its own, for the spread.
	FoldF1 []float64
}

// Bin is one row of a reliability table.
type Bin struct {
	Lo, Hi     float64 // confidence in [Lo, Hi)
	N          int
	Confidence float64 // mean confidence
	Accuracy   float64 // share of right labels
}

// ClassScore is precision, recall and F1 for one label.
type ClassScore struct {
	Label     string
	Precision float64
	Recall    float64
	F1        float64
	Support   int // texts whose true label this is
}

// CrossValidate trains on k-1 folds and tests on the remaining one, k times,
// with folds stratified by label (each fold has about the same label mix) and
// shuffled by seed. Each test text is classified whole and cut to SMSChars.
func CrossValidate(examples []Example, k int, opts Options, seed int64) (Report, error) {
	if k < 2 {
		return Report{}, fmt.Errorf("classify: cross-validation needs k >= 2, got %d", k)
	}
	if len(examples) < k {
		return Report{}, fmt.Errorf("classify: %d examples cannot make %d folds", len(examples), k)
	}
	labels, err := labelSet(examples)
	if err != nil {
		return Report{}, err
	}
	parts := stratifiedFolds(examples, k, seed)
	type result struct {
		full, sms []prediction
		feats     int
		err       error
	}
	results := make([]result, k)
	var wg sync.WaitGroup
	// Folds are independent; run them in parallel (training dominates).
	for f := range parts {
		wg.Go(func() {
			var trainSet []Example
			for g, part := range parts {
				if g != f {
					trainSet = append(trainSet, part...)
				}
			}
			m, err := Train(trainSet, opts)
			if err != nil {
				results[f].err = fmt.Errorf("fold %d: %w", f+1, err)
				return
			}
			results[f].feats = m.Features()
			for _, ex := range parts[f] {
				l, p := m.Classify(ex.Text)
				results[f].full = append(results[f].full, prediction{ex.Label, l, p})
				l, p = m.Classify(prefix(ex.Text, SMSChars))
				results[f].sms = append(results[f].sms, prediction{ex.Label, l, p})
			}
		})
	}
	wg.Wait()
	var full, sms []prediction
	var fullF1, smsF1 []float64
	feats := 0
	for _, r := range results {
		if r.err != nil {
			return Report{}, r.err
		}
		full = append(full, r.full...)
		sms = append(sms, r.sms...)
		fullF1 = append(fullF1, score(r.full, labels).MacroF1)
		smsF1 = append(smsF1, score(r.sms, labels).MacroF1)
		feats += r.feats
	}
	rep := Report{
		Folds:     k,
		Algorithm: opts.withDefaults().Algorithm,
		Features:  feats / k,
		Full:      score(full, labels),
		SMS:       score(sms, labels),
	}
	rep.Full.FoldF1, rep.SMS.FoldF1 = fullF1, smsF1
	return rep, nil
}

type prediction struct {
	truth, guess string
	conf         float64
}

// stratifiedFolds deals each label's examples, shuffled, round-robin into k
// folds. Labels are visited in sorted order so a seed always gives the same
// folds.
func stratifiedFolds(examples []Example, k int, seed int64) [][]Example {
	byLabel := map[string][]Example{}
	for _, ex := range examples {
		byLabel[ex.Label] = append(byLabel[ex.Label], ex)
	}
	labels := make([]string, 0, len(byLabel))
	for l := range byLabel {
		labels = append(labels, l)
	}
	sort.Strings(labels)
	rng := rand.New(rand.NewSource(seed))
	folds := make([][]Example, k)
	next := 0 // continue dealing where the previous label stopped, so fold sizes stay even
	for _, l := range labels {
		exs := byLabel[l]
		rng.Shuffle(len(exs), func(a, b int) { exs[a], exs[b] = exs[b], exs[a] })
		for _, ex := range exs {
			folds[next%k] = append(folds[next%k], ex)
			next++
		}
	}
	return folds
}

func score(preds []prediction, labels []string) Eval {
	e := Eval{N: len(preds)}
	tp := map[string]int{}
	predicted := map[string]int{}
	support := map[string]int{}
	var bins [10]struct{ n, correct, conf float64 }
	for _, p := range preds {
		support[p.truth]++
		predicted[p.guess]++
		ok := p.truth == p.guess
		if ok {
			tp[p.truth]++
		}
		b := min(int(p.conf*10), 9)
		bins[b].n++
		bins[b].conf += p.conf
		if ok {
			bins[b].correct++
		}
	}
	correct := 0
	for _, l := range labels {
		cs := ClassScore{Label: l, Support: support[l]}
		cs.Precision = ratio(tp[l], predicted[l])
		cs.Recall = ratio(tp[l], support[l])
		if cs.Precision+cs.Recall > 0 {
			cs.F1 = 2 * cs.Precision * cs.Recall / (cs.Precision + cs.Recall)
		}
		e.MacroF1 += cs.F1 / float64(len(labels))
		e.Classes = append(e.Classes, cs)
		correct += tp[l]
	}
	e.Accuracy = ratio(correct, len(preds))
	for i, b := range bins {
		if b.n > 0 {
			e.ECE += b.n / float64(len(preds)) * math.Abs(b.correct/b.n-b.conf/b.n)
			e.Reliability = append(e.Reliability, Bin{Lo: float64(i) / 10, Hi: float64(i+1) / 10,
				N: int(b.n), Confidence: b.conf / b.n, Accuracy: b.correct / b.n})
		}
	}
	return e
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// String prints the report as a table: one row per label with precision,
// recall and F1 on whole texts and on SMS-length prefixes.
func (r Report) String() string {
	if len(r.Full.Classes) != len(r.SMS.Classes) {
		return "classify: malformed report"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d-fold cross-validation, %s, %d texts, ~%d features per model\n",
		r.Folds, r.Algorithm, r.Full.N, r.Features)
	fmt.Fprintf(&b, "%s %7s   %-20s   %-20s\n", pad("", 14), "", "whole text", fmt.Sprintf("first %d chars", SMSChars))
	fmt.Fprintf(&b, "%s %7s   %6s %6s %6s   %6s %6s %6s\n", pad("label", 14), "support", "P", "R", "F1", "P", "R", "F1")
	for i, c := range r.Full.Classes {
		s := r.SMS.Classes[i]
		fmt.Fprintf(&b, "%s %7d   %6.3f %6.3f %6.3f   %6.3f %6.3f %6.3f\n",
			pad(c.Label, 14), c.Support, c.Precision, c.Recall, c.F1, s.Precision, s.Recall, s.F1)
	}
	// Four decimals: changes worth making are a few thousandths.
	fmt.Fprintf(&b, "%s %7s   %20.4f   %20.4f\n", pad("macro-F1", 14), "", r.Full.MacroF1, r.SMS.MacroF1)
	fmt.Fprintf(&b, "%s %7s   %20.3f   %20.3f\n", pad("accuracy", 14), "", r.Full.Accuracy, r.SMS.Accuracy)
	fmt.Fprintf(&b, "%s %7s   %20.3f   %20.3f\n", pad("calib. error", 14), "", r.Full.ECE, r.SMS.ECE)
	fmt.Fprintf(&b, "%s %7s   %20s   %20s\n", pad("fold macro-F1", 14), "", spread(r.Full.FoldF1), spread(r.SMS.FoldF1))
	fmt.Fprintf(&b, "\nreliability (held-out confidence → share right)\n")
	fmt.Fprintf(&b, "%-10s   %-22s   %-22s\n", "confidence", "whole text: n  conf  acc", fmt.Sprintf("first %d: n  conf  acc", SMSChars))
	for i := 0; i < 10; i++ {
		lo := float64(i) / 10
		fmt.Fprintf(&b, "%.1f–%.1f      %s   %s\n", lo, lo+0.1, binRow(r.Full.Reliability, lo), binRow(r.SMS.Reliability, lo))
	}
	return b.String()
}

// spread prints min–max of per-fold scores.
func spread(f1 []float64) string {
	if len(f1) == 0 {
		return ""
	}
	return fmt.Sprintf("%.3f–%.3f", slices.Min(f1), slices.Max(f1))
}

func binRow(bins []Bin, lo float64) string {
	for _, b := range bins {
		if math.Abs(b.Lo-lo) < 1e-9 {
			return fmt.Sprintf("%5d %5.2f %5.2f         ", b.N, b.Confidence, b.Accuracy)
		}
	}
	return fmt.Sprintf("%5d %5s %5s         ", 0, "", "")
}

// pad right-pads s with spaces to n terminal columns, counting wide (CJK)
// characters as two, so the table lines up in a terminal.
func pad(s string, n int) string {
	w := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			w += 2
		default:
			w++
		}
	}
	if w >= n {
		return s
	}
	return s + strings.Repeat(" ", n-w)
}
