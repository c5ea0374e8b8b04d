package classify

import (
	"math"
	"math/rand"
)

// trainSVM fits one-vs-rest linear SVMs (L2-regularised squared hinge loss)
// by dual coordinate descent, the method of LIBLINEAR (Hsieh et al. 2008),
// on L2-normalised vectors. The bias is the weight of a constant feature
// (value 1), regularised like the others, as LIBLINEAR does. Each example's
// cost is C times its class weight (Options.Unbalanced), so a small class
// is not outvoted by the rest.
func trainSVM(docs []doc, nFeat, k int, opts Options) ([]float32, []float32) {
	x := unitVectors(docs)
	cw := classWeights(docs, k, opts.Unbalanced)
	w := make([]float32, nFeat*k)
	bias := make([]float32, k)
	order := make([]int, len(docs))
	alpha := make([]float64, len(docs))
	wc := make([]float64, nFeat)
	for c := range k {
		clear(alpha)
		clear(wc)
		var b float64
		rng := rand.New(rand.NewSource(opts.Seed + int64(c)))
		for i := range order {
			order[i] = i
		}
		for range opts.Epochs {
			rng.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
			maxPG, minPG := math.Inf(-1), math.Inf(1)
			for _, i := range order {
				d := docs[i]
				y := -1.0
				if d.label == c {
					y = 1
				}
				diag := 1 / (2 * opts.C * cw[d.label])
				dot := b
				for j, id := range d.ids {
					dot += wc[id] * x[i][j]
				}
				g := y*dot - 1 + diag*alpha[i]
				pg := g
				if alpha[i] == 0 {
					pg = math.Min(g, 0)
				}
				maxPG, minPG = math.Max(maxPG, pg), math.Min(minPG, pg)
				if pg == 0 {
					continue
				}
				old := alpha[i]
				// x is a unit vector plus the constant bias feature: ‖x‖² = 2.
				alpha[i] = math.Max(old-g/(2+diag), 0)
				delta := (alpha[i] - old) * y
				for j, id := range d.ids {
					wc[id] += delta * x[i][j]
				}
				b += delta
			}
			// LIBLINEAR's stopping rule: the projected gradient's spread is small.
			if maxPG-minPG < 0.01 {
				break
			}
		}
		for f := range nFeat {
			w[f*k+c] = float32(wc[f])
		}
		bias[c] = float32(b)
	}
	return w, bias
}

// unitVectors returns each doc's values divided by their L2 norm.
func unitVectors(docs []doc) [][]float64 {
	x := make([][]float64, len(docs))
	for i, d := range docs {
		var ss float64
		for _, v := range d.vals {
			ss += float64(v) * float64(v)
		}
		x[i] = make([]float64, len(d.vals))
		for j, v := range d.vals {
			x[i][j] = float64(v) / math.Sqrt(ss)
		}
	}
	return x
}

// classWeights returns N/(K·n_c) per class, or all ones when unbalanced.
func classWeights(docs []doc, k int, unbalanced bool) []float64 {
	cw := make([]float64, k)
	for c := range cw {
		cw[c] = 1
	}
	if unbalanced {
		return cw
	}
	n := make([]float64, k)
	for _, d := range docs {
		n[d.label]++
	}
	for c := range cw {
		if n[c] > 0 {
			cw[c] = float64(len(docs)) / (float64(k) * n[c])
		}
	}
	return cw
}
