package live

import (
	"time"

	"github.com/minsheng/minsheng/intake/hot"
)

// replay is a clusterer fed the stream's entries in stream order, and what
// it knows of the stream: which entries each live cluster holds, and the
// clusters that ended and are not yet removed from it.
//
// Why every replica agrees, even one that starts late or reads an entry
// after another replica deleted its neighbours: an entry's cluster is
// decided by the live clusters it could join, and the stream loses only
// whole ended clusters, at once. A replica that misses an ended cluster's
// entries has at most a part of that cluster where the others had all of
// it or none: a part scores no higher than the whole (fewer places, texts
// and matter words), so every other decision is the same. The clock is
// the entries' ids (the latest time received so far, never going back),
// so a cluster ends at the first entry past its window on every replica,
// whether or not it saw the entry that ended it elsewhere.
type replay struct {
	c       *hot.Clusterer
	last    streamID
	entries map[string][]streamID // petition id → its entries, while its cluster lives
	ended   []ended               // clusters that ended, not yet removed from the stream
}

// ended is a cluster that expired: its entries are to be deleted from the
// stream and, when it had more than one citizen, its summary kept first.
type ended struct {
	cluster *hot.Cluster // nil: nothing to keep
	ids     []streamID
}

// minKept is how many citizens an ended cluster needs to be kept as a hot
// issue of its period; one citizen's petitions are no hot issue.
const minKept = 2

func newReplay(window time.Duration) *replay {
	return &replay{c: hot.New(window), entries: map[string][]streamID{}}
}

// apply feeds the entry to the clusterer and returns the cluster it joined;
// false when it was applied before (its id is not above the last), or it
// has no place or cannot be read (then it is to be deleted).
func (r *replay) apply(e entry) (hot.Issue, bool) {
	if !r.last.less(e.id) {
		return hot.Issue{}, false
	}
	r.last = e.id
	now := e.id.time()
	for _, k := range r.c.Expire(now) {
		r.end(k)
	}
	it := e.item
	if it.Time.After(now) { // never past the clock: Add expires at it
		it.Time = now
	}
	if e.bad || !hot.HasPlace(it.Place) {
		r.ended = append(r.ended, ended{ids: []streamID{e.id}})
		return hot.Issue{}, false
	}
	is, ok := r.c.Join(it)
	if !ok {
		r.ended = append(r.ended, ended{ids: []streamID{e.id}})
		return hot.Issue{}, false
	}
	// A petition delivered again has two entries: both go with its cluster.
	r.entries[it.ID] = append(r.entries[it.ID], e.id)
	return is, true
}

func (r *replay) end(k hot.Cluster) {
	var ids []streamID
	for _, m := range k.Members {
		ids = append(ids, r.entries[m.ID]...)
		delete(r.entries, m.ID)
	}
	e := ended{ids: ids}
	if k.Citizens >= minKept {
		e.cluster = &k
	}
	r.ended = append(r.ended, e)
}

// take removes up to n ended clusters (whole: a cluster's summary goes with
// its deletion) for the store.
func (r *replay) take(n int) []ended {
	n = min(n, len(r.ended))
	out := r.ended[:n:n]
	r.ended = r.ended[n:]
	return out
}

// giveBack returns what take removed, when the store did not get it.
func (r *replay) giveBack(es []ended) {
	r.ended = append(es, r.ended...)
}
