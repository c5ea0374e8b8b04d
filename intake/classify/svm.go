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
//
// With Options.LogCountRatio each class's machine is trained on x∘r_c, the
// vector scaled feature by feature by the class's log-count ratio (NBSVM,
// Wang and Manning 2012; see logCountRatio). The score w·(x∘r) is w∘r·x, so
// the weights returned are w∘r and the model scores unit vectors as before.
func trainSVM(docs []doc, nFeat, k int, opts Options) ([]float32, []float32) {
	x := unitVectors(docs)
	cw := classWeights(docs, k, opts.Unbalanced)
	w := make([]float32, nFeat*k)
	bias := make([]float32, k)
	order := make([]int, len(docs))
	alpha := make([]float64, len(docs))
	wc := make([]float64, nFeat)
	// xs is the vectors the machine of the current class sees and sq their
	// squared norms plus 1 for the bias feature: x and 2 without ratios.
	xs := x
	sq := make([]float64, len(docs))
	for i := range sq {
		sq[i] = 2
	}
	var r []float64
	if opts.LogCountRatio {
		xs = make([][]float64, len(docs))
		for i := range xs {
			xs[i] = make([]float64, len(x[i]))
		}
	}
	for c := range k {
		clear(alpha)
		clear(wc)
		if opts.LogCountRatio {
			r = logCountRatio(docs, x, nFeat, c, opts.RatioAlpha)
			for i, d := range docs {
				ss := 1.0
				for j, id := range d.ids {
					v := x[i][j] * r[id]
					xs[i][j] = v
					ss += v * v
				}
				sq[i] = ss
			}
		}
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
					dot += wc[id] * xs[i][j]
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
				alpha[i] = math.Max(old-g/(sq[i]+diag), 0)
				delta := (alpha[i] - old) * y
				for j, id := range d.ids {
					wc[id] += delta * xs[i][j]
				}
				b += delta
			}
			// LIBLINEAR's stopping rule: the projected gradient's spread is small.
			if maxPG-minPG < 0.01 {
				break
			}
		}
		for f := range nFeat {
			v := wc[f]
			if r != nil {
				v *= r[f]
			}
			w[f*k+c] = float32(v)
		}
		bias[c] = float32(b)
	}
	return w, bias
}

// logCountRatio returns, per feature, the log-count ratio of class c against
// the rest: ln((p_f/‖p‖₁)/(q_f/‖q‖₁)), with p = alpha + the sum of the unit
// vectors x of the texts of class c and q the same over the other texts.
// It is the naive Bayes log-odds of the feature, which NBSVM multiplies into
// the SVM's input so that the margin favours features that tell c apart.
func logCountRatio(docs []doc, x [][]float64, nFeat, c int, alpha float64) []float64 {
	p := make([]float64, nFeat)
	q := make([]float64, nFeat)
	for f := range nFeat {
		p[f], q[f] = alpha, alpha
	}
	for i, d := range docs {
		acc := q
		if d.label == c {
			acc = p
		}
		for j, id := range d.ids {
			acc[id] += x[i][j]
		}
	}
	var sp, sq float64
	for f := range nFeat {
		sp += p[f]
		sq += q[f]
	}
	r := make([]float64, nFeat)
	for f := range r {
		r[f] = math.Log(p[f]/sp) - math.Log(q[f]/sq)
	}
	return r
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
