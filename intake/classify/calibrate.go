package classify

import (
	"math"
	"sort"
)

// calibrate fits what turns scores into confidences that mean what they
// say, on held-out predictions (3-fold, on both whole texts and their first
// SMSChars characters): first the softmax temperature that minimises their
// log-loss, then (unless opts.NoIsotonic) an isotonic map from the top
// label's probability under that temperature to the share of such
// predictions that were right. Naive Bayes treats overlapping n-grams as
// independent evidence and is wildly overconfident without the temperature;
// the SVM needs it because its scores are margins, not log-odds. The
// temperature alone leaves a bend (too sure near 0.9–1, not sure enough
// around 0.3) that the isotonic map takes out. Too few examples to hold any
// out → temperature 1 and no map; too few to fit a curve (minIsotonic) → no
// map.
func calibrate(examples []Example, labels []string, opts Options) (temp float64, isoX, isoY []float64) {
	const folds = 3
	if len(examples) < 10*folds {
		return 1, nil, nil
	}
	inner := opts
	inner.NoCalibrate = true
	labelIdx := make(map[string]int, len(labels))
	for i, l := range labels {
		labelIdx[l] = i
	}
	var scores [][]float64
	var truth []int
	parts := stratifiedFolds(examples, folds, opts.Seed)
	for f, test := range parts {
		trainSet := make([]Example, 0, len(examples))
		for g, part := range parts {
			if g != f {
				trainSet = append(trainSet, part...)
			}
		}
		m, err := train(trainSet, labels, inner)
		if err != nil {
			return 1, nil, nil
		}
		for _, ex := range test {
			scores = append(scores, m.scores(ex.Text), m.scores(prefix(ex.Text, SMSChars)))
			truth = append(truth, labelIdx[ex.Label], labelIdx[ex.Label])
		}
	}
	temp = fitTemperature(scores, truth)
	if opts.NoIsotonic {
		return temp, nil, nil
	}
	conf := make([]float64, len(scores))
	right := make([]bool, len(scores))
	for i, s := range scores {
		p := softmax(s, temp)
		best := argmax(p)
		conf[i], right[i] = p[best], best == truth[i]
	}
	wrong := 0
	for _, r := range right {
		if !r {
			wrong++
		}
	}
	if len(conf) < minIsotonic || wrong < minIsotonicWrong {
		return temp, nil, nil
	}
	isoX, isoY = fitIsotonic(conf, right)
	return temp, isoX, isoY
}

// An isotonic curve is only fitted on at least minIsotonic held-out
// predictions of which minIsotonicWrong or more were wrong: on fewer, or on
// a set the model gets all but right, the curve would be a few steps that say
// "always right", sure of texts it knows nothing about.
const (
	minIsotonic      = 1000
	minIsotonicWrong = 50
)

// fitTemperature returns the softmax temperature that minimises the
// log-loss of the scores against the true label indices.
func fitTemperature(scores [][]float64, truth []int) float64 {
	nll := func(logT float64) float64 {
		t := math.Exp(logT)
		var sum float64
		for i, s := range scores {
			sum -= math.Log(math.Max(softmax(s, t)[truth[i]], 1e-12))
		}
		return sum
	}
	// Golden-section search on log T in [ln 0.1, ln 1000]; the loss is
	// unimodal in T for a fixed set of scores.
	lo, hi := math.Log(0.1), math.Log(1000)
	const phi = 0.6180339887498949
	a, b := hi-phi*(hi-lo), lo+phi*(hi-lo)
	fa, fb := nll(a), nll(b)
	for hi-lo > 1e-3 {
		if fa < fb {
			hi, b, fb = b, a, fa
			a = hi - phi*(hi-lo)
			fa = nll(a)
		} else {
			lo, a, fa = a, b, fb
			b = lo + phi*(hi-lo)
			fb = nll(b)
		}
	}
	return math.Exp((lo + hi) / 2)
}

// fitIsotonic fits a non-decreasing map from confidence to the chance of
// being right by pool-adjacent-violators and returns it as breakpoints for
// isoMap: x increasing, y non-decreasing, both in [0, 1]. Each pooled block
// gives two points, at its lowest and highest confidence, with the block's
// share right as y, so the map is flat inside a block and linear between
// blocks (as scikit-learn's IsotonicRegression), and never reaches 1 (see
// the ceiling below). Nil when there is nothing to fit.
func fitIsotonic(conf []float64, right []bool) (xs, ys []float64) {
	type point struct {
		x float64
		y float64
	}
	pts := make([]point, len(conf))
	for i, c := range conf {
		pts[i] = point{c, 0}
		if right[i] {
			pts[i].y = 1
		}
	}
	sort.SliceStable(pts, func(a, b int) bool { return pts[a].x < pts[b].x })
	type block struct {
		lo, hi float64 // confidence range
		sum, n float64 // right, total
	}
	if len(pts) == 0 {
		return nil, nil
	}
	var blocks []block
	for i := 0; i < len(pts); {
		// Equal confidences form one block from the start: the map is a
		// function of the confidence, so they must share a value.
		b := block{lo: pts[i].x, hi: pts[i].x}
		for ; i < len(pts) && pts[i].x == b.lo; i++ {
			b.sum += pts[i].y
			b.n++
		}
		for len(blocks) > 0 {
			last := blocks[len(blocks)-1]
			if last.sum/last.n < b.sum/b.n {
				break
			}
			b = block{lo: last.lo, hi: b.hi, sum: last.sum + b.sum, n: last.n + b.n}
			blocks = blocks[:len(blocks)-1]
		}
		blocks = append(blocks, b)
	}
	// The top block is often all right, which would make the most confident
	// predictions certain; no finite sample says that, so cap the curve at
	// the top block's share with one more right and one more wrong.
	top := blocks[len(blocks)-1]
	ceiling := (top.sum + 1) / (top.n + 2)
	for _, b := range blocks {
		y := min(b.sum/b.n, ceiling)
		xs, ys = append(xs, b.lo), append(ys, y)
		if b.hi > b.lo {
			xs, ys = append(xs, b.hi), append(ys, y)
		}
	}
	return xs, ys
}

// isoMap maps p through the breakpoints: linear between them, flat beyond
// the ends.
func isoMap(xs, ys []float64, p float64) float64 {
	n := len(xs)
	if n == 0 {
		return p
	}
	if !(p > xs[0]) { // NaN too: a model read from a bad file may score one
		return ys[0]
	}
	if p >= xs[n-1] {
		return ys[n-1]
	}
	i := sort.SearchFloat64s(xs, p) // xs[i-1] < p <= xs[i]
	x0, x1, y0, y1 := xs[i-1], xs[i], ys[i-1], ys[i]
	if x1 == x0 {
		return y1
	}
	return y0 + (y1-y0)*(p-x0)/(x1-x0)
}

// calibrated maps the top probability of probs through the model's isotonic
// curve and scales the others so they still sum to 1. The top label stays
// on top: its confidence is not let below what the runner-up would become.
func (m *Model) calibrated(probs []float64) []float64 {
	if m.isoX == nil {
		return probs
	}
	best := argmax(probs)
	p := probs[best]
	if p >= 1 {
		return probs
	}
	second := 0.0
	for c, q := range probs {
		if c != best {
			second = math.Max(second, q)
		}
	}
	// The runner-up becomes second·(1-p')/(1-p); p' >= that ⇔ p' >= floor.
	// A hair above it, so rounding does not make a tie.
	floor := second / (1 - p + second) * (1 + 1e-9)
	q := math.Max(isoMap(m.isoX, m.isoY, p), floor)
	rest := (1 - q) / (1 - p)
	for c := range probs {
		if c == best {
			probs[c] = q
		} else {
			probs[c] *= rest
		}
	}
	return probs
}

// argmax returns the index of the largest value, the first of equals.
func argmax(v []float64) int {
	best := 0
	for i := range v {
		if v[i] > v[best] {
			best = i
		}
	}
	return best
}
