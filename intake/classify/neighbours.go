package classify

import (
	"math"
	"sync"
)

// neighbours is the nearest-neighbour part of a model: the training texts as
// unit vectors over the model's features, kept in an inverted index (for
// each feature, the texts that have it and its value there), and the
// settings of the vote. A text's neighbours are the training texts most
// similar to it by cosine; their labels, weighted by similarity, add a vote
// to the linear scores (see Model.scores).
//
// N-grams found in more than a share of the training texts (Options.
// NeighbourMaxDF) are left out of the index: they say little about which
// text is near and they are what would make the postings long, so leaving
// them out keeps both the model and Classify small.
type neighbours struct {
	k      int     // neighbours that vote
	weight float64 // the vote's weight against the linear scores

	labels []uint8   // per text
	norms  []float32 // per text: the norm of its whole vector, before the cut
	// Postings in compressed-row form: the texts having feature f are
	// docs[start[f]:start[f+1]], in increasing order, with the count of the
	// n-gram in each (capped at 255) and the value it gives there.
	start  []int32
	docs   []int32
	counts []uint8
	vals   []float32

	pool sync.Pool // *simBuf
}

// maxNeighbours bounds Options.Neighbours (and a model file's).
const maxNeighbours = 64

// simBuf is the scratch space of one query: a similarity per training text
// and the texts touched, so only those are reset.
type simBuf struct {
	sim     []float32
	touched []int32
}

// nbrDoc is one training text for the index: its feature ids, sorted, and
// their counts.
type nbrDoc struct {
	ids    []int32
	counts []uint8
	label  int
}

// buildNeighbours indexes docs (raw counts over the model's features) for
// m, leaving out features found in more than maxDF·len(dfDocs) of dfDocs.
func buildNeighbours(m *Model, docs []nbrDoc, dfDocs []doc, k int, weight, maxDF float64) *neighbours {
	nFeat := len(m.feats)
	df := make([]int, nFeat)
	for _, d := range dfDocs {
		for _, id := range d.ids {
			df[id]++
		}
	}
	limit := int(maxDF * float64(len(dfDocs)))
	nb := &neighbours{k: k, weight: weight, labels: make([]uint8, len(docs)), norms: make([]float32, len(docs))}
	nb.start = make([]int32, nFeat+1)
	for i, d := range docs {
		nb.labels[i] = uint8(d.label)
		var ss float64
		for j, id := range d.ids {
			v := m.value(id, float64(d.counts[j]))
			ss += v * v
			if df[id] <= limit {
				nb.start[id+1]++
			}
		}
		nb.norms[i] = float32(math.Sqrt(ss))
	}
	for f := range nFeat {
		nb.start[f+1] += nb.start[f]
	}
	n := nb.start[nFeat]
	nb.docs = make([]int32, n)
	nb.counts = make([]uint8, n)
	next := append([]int32(nil), nb.start[:nFeat]...)
	for i, d := range docs {
		for j, id := range d.ids {
			if df[id] <= limit {
				at := next[id]
				nb.docs[at] = int32(i)
				nb.counts[at] = d.counts[j]
				next[id]++
			}
		}
	}
	nb.fillVals(m)
	return nb
}

// fillVals computes each posting's value from its count, the feature's
// weighting and the text's norm; Train and Read both end here, so a model
// read from a file votes exactly as the one that was written.
func (nb *neighbours) fillVals(m *Model) {
	nb.vals = make([]float32, len(nb.docs))
	for f := 0; f+1 < len(nb.start); f++ {
		for at := nb.start[f]; at < nb.start[f+1]; at++ {
			d := nb.docs[at]
			nb.vals[at] = float32(m.value(int32(f), float64(nb.counts[at])) / float64(nb.norms[d]))
		}
	}
}

// vote adds the neighbours' vote to s: for each of the k training texts most
// similar to the query, its similarity over the sum of the k similarities,
// times the weight, to its label. The query is given as the features it has
// and their values, and scaled to unit length by scale.
func (nb *neighbours) vote(s []float64, rows []int32, vals []float64, scale float64) {
	buf, _ := nb.pool.Get().(*simBuf)
	if buf == nil || len(buf.sim) != len(nb.labels) {
		buf = &simBuf{sim: make([]float32, len(nb.labels))}
	}
	sim := buf.sim
	touched := buf.touched[:0]
	for i, f := range rows {
		q := float32(vals[i] * scale)
		lo, hi := nb.start[f], nb.start[f+1]
		docs, pv := nb.docs[lo:hi], nb.vals[lo:hi]
		for j, d := range docs {
			if sim[d] == 0 {
				touched = append(touched, d)
			}
			sim[d] += q * pv[j]
		}
	}
	// The k best, kept sorted by similarity, ties to the earlier text, so
	// the result does not depend on the order texts were touched in.
	var topD [maxNeighbours]int32
	var topS [maxNeighbours]float32
	k := min(nb.k, maxNeighbours)
	n := 0
	for _, d := range touched {
		v := sim[d]
		sim[d] = 0
		if n == k && !better(v, d, topS[n-1], topD[n-1]) {
			continue
		}
		i := n
		if n < k {
			n++
		} else {
			i = k - 1
		}
		for i > 0 && better(v, d, topS[i-1], topD[i-1]) {
			topS[i], topD[i] = topS[i-1], topD[i-1]
			i--
		}
		topS[i], topD[i] = v, d
	}
	buf.touched = touched
	nb.pool.Put(buf)
	var sum float64
	for i := range n {
		sum += float64(topS[i])
	}
	if sum <= 0 {
		return
	}
	for i := range n {
		s[nb.labels[topD[i]]] += nb.weight * float64(topS[i]) / sum
	}
}

func better(s float32, d int32, s2 float32, d2 int32) bool {
	return s > s2 || s == s2 && d < d2
}
