package classify

import (
	"errors"
	"fmt"
	"math"
	"math/rand"
	"sort"
	"unicode/utf8"
)

// SMSChars is the length of one SMS segment of Chinese text. Calibration and
// CrossValidate look at texts cut to this length because that is what the
// model mostly sees in production.
const SMSChars = 70

// doc is a text as sparse n-gram counts over the training vocabulary.
type doc struct {
	ids   []int32
	vals  []float32
	label int
}

// Train fits a model on examples. Every example needs a non-empty Label; at
// least two distinct labels are required.
func Train(examples []Example, opts Options) (*Model, error) {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	labels, err := labelSet(examples)
	if err != nil {
		return nil, err
	}
	m, err := train(examples, labels, opts)
	if err != nil {
		return nil, err
	}
	if !opts.NoCalibrate {
		m.temp, m.isoX, m.isoY = calibrate(examples, labels, opts)
	}
	return m, nil
}

// labelSet returns the sorted distinct labels, checking every example has one.
func labelSet(examples []Example) ([]string, error) {
	set := map[string]bool{}
	for i, ex := range examples {
		if ex.Label == "" {
			return nil, fmt.Errorf("classify: example %d (id %q) has no label", i, ex.ID)
		}
		set[ex.Label] = true
	}
	if len(set) < 2 {
		return nil, fmt.Errorf("classify: need at least 2 labels to train, got %d from %d examples", len(set), len(examples))
	}
	labels := make([]string, 0, len(set))
	for l := range set {
		labels = append(labels, l)
	}
	sort.Strings(labels)
	return labels, nil
}

// train fits a model with temperature 1 for the given label order.
func train(examples []Example, labels []string, opts Options) (*Model, error) {
	labelIdx := make(map[string]int, len(labels))
	for i, l := range labels {
		labelIdx[l] = i
	}
	nOrig := len(examples)
	if !opts.NoAugment {
		examples = augment(examples)
	}
	feats, docs := extract(examples, labelIdx, opts)
	feats, docs = prune(feats, docs, nOrig, len(labels), opts)
	if len(feats) == 0 {
		return nil, errors.New("classify: no features left after pruning; lower MinCount or add text")
	}
	var nbrDocs []nbrDoc
	if opts.Neighbours > 0 {
		if len(labels) > math.MaxUint8+1 {
			return nil, fmt.Errorf("classify: %d labels; the neighbour vote handles at most %d", len(labels), math.MaxUint8+1)
		}
		n := nOrig
		if opts.NeighbourPrefixes {
			n = len(docs)
		}
		nbrDocs = make([]nbrDoc, n)
		for i, d := range docs[:n] {
			nd := nbrDoc{ids: d.ids, counts: make([]uint8, len(d.ids)), label: d.label}
			for j, v := range d.vals {
				nd.counts[j] = uint8(min(v, math.MaxUint8))
			}
			nbrDocs[i] = nd
		}
	}
	m := &Model{
		Normalize: opts.Normalize,
		labels:    labels,
		maxN:      opts.MaxN,
		algo:      opts.Algorithm,
		temp:      1,
		feats:     feats,
	}
	switch opts.Algorithm {
	case NaiveBayes:
		m.binary = opts.Binary
		m.weights, m.bias = trainNB(docs, len(feats), len(labels), opts)
	case LogReg, SVM:
		m.l2norm = true
		m.sublin = opts.Sublinear
		if opts.IDF {
			m.idf = idfWeights(docs[:nOrig], len(feats))
		}
		transform(docs, m.sublin, m.idf)
		if opts.Algorithm == SVM {
			m.weights, m.bias = trainSVM(docs, len(feats), len(labels), opts)
		} else {
			m.weights, m.bias = trainLogReg(docs, len(feats), len(labels), opts)
		}
	}
	if nbrDocs != nil {
		m.nbr = buildNeighbours(m, nbrDocs, docs[:nOrig], opts.Neighbours, opts.NeighbourWeight, opts.NeighbourMaxDF)
	}
	m.buildIndex()
	return m, nil
}

func (m *Model) buildIndex() {
	m.index = make(map[string]int32, len(m.feats))
	for i, f := range m.feats {
		m.index[f] = int32(i)
	}
}

// extract turns examples into sparse count vectors over a vocabulary of every
// n-gram seen.
func extract(examples []Example, labelIdx map[string]int, opts Options) ([]string, []doc) {
	index := map[string]int32{}
	var feats []string
	docs := make([]doc, len(examples))
	for i, ex := range examples {
		counts := map[int32]float32{}
		eachGram(opts.Normalize(ex.Text), opts.MaxN, func(g string) {
			id, ok := index[g]
			if !ok {
				id = int32(len(feats))
				index[g] = id
				feats = append(feats, g)
			}
			counts[id]++
		})
		d := doc{label: labelIdx[ex.Label], ids: make([]int32, 0, len(counts))}
		for id := range counts {
			d.ids = append(d.ids, id)
		}
		// Sorted ids make training deterministic (map order is random and
		// float sums are order-sensitive).
		sort.Slice(d.ids, func(a, b int) bool { return d.ids[a] < d.ids[b] })
		d.vals = make([]float32, len(d.ids))
		for j, id := range d.ids {
			d.vals[j] = counts[id]
		}
		docs[i] = d
	}
	return feats, docs
}

// prune applies MinCount (document frequency) and MaxFeatures (information
// gain) and renumbers the surviving features in string order, so the same
// data always gives the same file. Only the first nOrig docs count for the
// statistics: the rest are prefixes of them and would count n-grams near the
// start of a text twice.
func prune(feats []string, docs []doc, nOrig, k int, opts Options) ([]string, []doc) {
	df := make([]int, len(feats))
	for _, d := range docs[:nOrig] {
		for _, id := range d.ids {
			df[id]++
		}
	}
	keep := make([]int32, 0, len(feats))
	for id := range feats {
		if df[id] >= opts.MinCount {
			keep = append(keep, int32(id))
		}
	}
	if opts.MaxFeatures > 0 && len(keep) > opts.MaxFeatures {
		ig := infoGain(docs[:nOrig], len(feats), k)
		sort.SliceStable(keep, func(a, b int) bool { return ig[keep[a]] > ig[keep[b]] })
		keep = keep[:opts.MaxFeatures]
	}
	sort.Slice(keep, func(a, b int) bool { return feats[keep[a]] < feats[keep[b]] })
	remap := make([]int32, len(feats))
	for i := range remap {
		remap[i] = -1
	}
	newFeats := make([]string, len(keep))
	for newID, oldID := range keep {
		remap[oldID] = int32(newID)
		newFeats[newID] = feats[oldID]
	}
	out := make([]doc, len(docs))
	for i, d := range docs {
		nd := doc{label: d.label}
		for j, id := range d.ids {
			if r := remap[id]; r >= 0 {
				nd.ids = append(nd.ids, r)
				nd.vals = append(nd.vals, d.vals[j])
			}
		}
		// Renumbering broke the id order; restore it for determinism.
		sort.Sort(byID(nd))
		out[i] = nd
	}
	return newFeats, out
}

type byID doc

func (d byID) Len() int           { return len(d.ids) }
func (d byID) Less(a, b int) bool { return d.ids[a] < d.ids[b] }
func (d byID) Swap(a, b int) {
	d.ids[a], d.ids[b] = d.ids[b], d.ids[a]
	d.vals[a], d.vals[b] = d.vals[b], d.vals[a]
}

// infoGain returns, per feature, the information gain of its presence in a
// text about the label.
func infoGain(docs []doc, nFeat, k int) []float64 {
	classN := make([]float64, k)
	present := make([]float64, nFeat*k) // texts of class c containing f
	for _, d := range docs {
		classN[d.label]++
		for _, id := range d.ids {
			present[int(id)*k+d.label]++
		}
	}
	n := float64(len(docs))
	hC := entropy(classN, n)
	ig := make([]float64, nFeat)
	with := make([]float64, k)
	without := make([]float64, k)
	for f := range ig {
		var nf float64
		for c := 0; c < k; c++ {
			with[c] = present[f*k+c]
			without[c] = classN[c] - with[c]
			nf += with[c]
		}
		ig[f] = hC - nf/n*entropy(with, nf) - (n-nf)/n*entropy(without, n-nf)
	}
	return ig
}

func entropy(counts []float64, total float64) float64 {
	if total == 0 {
		return 0
	}
	var h float64
	for _, c := range counts {
		if c > 0 {
			p := c / total
			h -= p * math.Log(p)
		}
	}
	return h
}

// trainNB returns log P(f|c) per feature and log P(c).
func trainNB(docs []doc, nFeat, k int, opts Options) ([]float32, []float32) {
	counts := make([]float64, nFeat*k)
	totals := make([]float64, k)
	classN := make([]float64, k)
	for _, d := range docs {
		classN[d.label]++
		for j, id := range d.ids {
			v := float64(d.vals[j])
			if opts.Binary {
				v = 1
			}
			counts[int(id)*k+d.label] += v
			totals[d.label] += v
		}
	}
	w := make([]float32, nFeat*k)
	for c := 0; c < k; c++ {
		denom := math.Log(totals[c] + opts.Alpha*float64(nFeat))
		for f := 0; f < nFeat; f++ {
			w[f*k+c] = float32(math.Log(counts[f*k+c]+opts.Alpha) - denom)
		}
	}
	bias := make([]float32, k)
	for c := range bias {
		// Add-one on the prior so a class absent from a training fold is
		// improbable rather than impossible.
		bias[c] = float32(math.Log((classN[c] + 1) / (float64(len(docs)) + float64(k))))
	}
	return w, bias
}

// trainLogReg fits softmax regression with AdaGrad on L2-normalised counts,
// weighting classes as Options.Unbalanced describes. Regularisation is applied lazily, only to the weights a text touches,
// which is the usual sparse-SGD shortcut.
func trainLogReg(docs []doc, nFeat, k int, opts Options) ([]float32, []float32) {
	w := make([]float64, nFeat*k)
	g2 := make([]float64, nFeat*k)
	b := make([]float64, k)
	bg2 := make([]float64, k)
	x := unitVectors(docs) // normalised values
	order := make([]int, len(docs))
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewSource(opts.Seed))
	s := make([]float64, k)
	const eps = 1e-8
	cw := make([]float64, k)
	for c := range cw {
		cw[c] = 1
	}
	if !opts.Unbalanced {
		n := make([]float64, k)
		for _, d := range docs {
			n[d.label]++
		}
		for c := range cw {
			if n[c] > 0 {
				cw[c] = float64(len(docs)) / (float64(k) * n[c])
			}
		}
	}
	for epoch := 0; epoch < opts.Epochs; epoch++ {
		rng.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
		for _, i := range order {
			d := docs[i]
			copy(s, b)
			for j, id := range d.ids {
				row := w[int(id)*k : int(id)*k+k]
				for c := range s {
					s[c] += x[i][j] * row[c]
				}
			}
			p := softmax(s, 1)
			for c := range p {
				grad := p[c]
				if c == d.label {
					grad--
				}
				grad *= cw[d.label]
				bg2[c] += grad * grad
				b[c] -= opts.Rate * grad / (math.Sqrt(bg2[c]) + eps)
				for j, id := range d.ids {
					at := int(id)*k + c
					gw := grad*x[i][j] + opts.L2*w[at]
					g2[at] += gw * gw
					w[at] -= opts.Rate * gw / (math.Sqrt(g2[at]) + eps)
				}
			}
		}
	}
	w32 := make([]float32, len(w))
	for i, v := range w {
		w32[i] = float32(v)
	}
	b32 := make([]float32, k)
	for i, v := range b {
		b32[i] = float32(v)
	}
	return w32, b32
}

// prefix returns the first n characters (runes) of s.
func prefix(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for range n {
		_, w := utf8.DecodeRuneInString(s[i:])
		i += w
	}
	return s[:i]
}

// augment appends the SMS-length prefix of every longer example.
func augment(examples []Example) []Example {
	out := append([]Example(nil), examples...)
	for _, ex := range examples {
		if p := prefix(ex.Text, SMSChars); len(p) < len(ex.Text) {
			out = append(out, Example{ID: ex.ID, Text: p, Label: ex.Label})
		}
	}
	return out
}

// idfWeights returns ln((1+N)/(1+df))+1 per feature (scikit-learn's smooth
// idf), with df counted over docs.
func idfWeights(docs []doc, nFeat int) []float32 {
	df := make([]float64, nFeat)
	for _, d := range docs {
		for _, id := range d.ids {
			df[id]++
		}
	}
	n := float64(len(docs))
	idf := make([]float32, nFeat)
	for f := range idf {
		idf[f] = float32(math.Log((1+n)/(1+df[f])) + 1)
	}
	return idf
}

// transform turns the docs' counts into the values the model scores with:
// 1+ln(count) when sublinear, times the feature's idf when idf is set.
func transform(docs []doc, sublinear bool, idf []float32) {
	for _, d := range docs {
		for j, id := range d.ids {
			v := d.vals[j]
			if sublinear {
				v = 1 + float32(math.Log(float64(v)))
			}
			if idf != nil {
				v *= idf[id]
			}
			d.vals[j] = v
		}
	}
}
