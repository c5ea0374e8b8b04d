// Package hot finds hot issues (热点): many different citizens raising the
// same matter at the same place (a noisy construction site, a stinking
// canal), which offices rank and act on first.
//
// A Clusterer takes petitions one by one, in time order, and puts each in
// the cluster of an earlier one about the same place and matter, or in a
// new one. Places match fuzzily: regions before them are dropped (A市A3区
// 幸福小区 is 幸福小区; a county alone is no place for a hot issue), and two
// places are one when one contains the other or they share four characters
// in a row (伊景园滨河苑, 景园滨河苑). Matters match when the texts' MinHash
// signatures (intake/dedup) are close enough, or when both have the same
// category and name the same matter word (噪音, 油烟, 车位…). A cluster
// whose last petition is older than the window expires. Its size is the
// number of distinct citizens, not of texts: one citizen writing five times
// is not a hot issue.
//
// The package is pure: time and input are arguments, nothing is stored.
package hot

import (
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/minsheng/minsheng/intake/dedup"
	"github.com/minsheng/minsheng/intake/textnorm"
)

// DefaultWindow is how long a cluster waits for its next petition.
const DefaultWindow = 7 * 24 * time.Hour

// MatterSimilarity is the estimated Jaccard similarity of two texts' character
// pairs from which they are about the same matter (when they are at the same
// place). It is lower than dedup.Threshold, which links one citizen's
// repeats: different citizens describe one matter in their own words.
const MatterSimilarity = 0.15

// maxCompared is how many of a cluster's latest members a petition is
// compared with: a campaign of thousands of identical texts (or a load
// test) must not make each new petition cost thousands of comparisons.
// The largest real cluster (appeals-hot) has 56 members, so on that data
// it changes nothing.
const maxCompared = 64

// titleRunes is the longest a cluster's title may be.
const titleRunes = 20

// TextRunes is as much of a petition's text as a store of items keeps for
// the clusterer: a letter often names its place or matter late. On
// appeals-hot, cut at 140 characters 77 of 3,341 clusters change (the
// largest loses a citizen), at 2,000 a title still does; the longest
// appeal there has 7,021.
const TextRunes = 8000

// Item is one petition as the clusterer sees it.
type Item struct {
	ID       string
	Citizen  string // who wrote it (phone, chat account, user code): size counts these
	Time     time.Time
	Text     string
	Place    string // where, as understand.Place found it
	Category string // first-level category, "" if unknown
}

// Member is a petition in a cluster.
type Member struct {
	ID, Citizen string
	Time        time.Time
	Text        string
}

// Cluster is a hot issue so far.
type Cluster struct {
	ID       string // "hot-" and the id of its first petition
	Title    string // "<place>·<matter words>", at most 20 characters
	Place    string // the place, regions dropped
	Matter   string // the matter word most members name, or their category
	Category string
	Citizens int // distinct citizens: the size
	Members  []Member
	First    time.Time
	Last     time.Time
}

// Clusterer groups petitions into hot issues incrementally. It is not safe
// for concurrent use.
type Clusterer struct {
	window time.Duration
	live   []*cluster
	byItem map[string]*cluster
	// byRun finds the live clusters a petition may join without comparing
	// it with all of them: each cluster under every three-character run of
	// its places (a place of two characters under itself). Two places that
	// samePlace joins share such a run, and so do a text and a place it names.
	byRun map[string][]*cluster
	seq   int
}

type cluster struct {
	id, category string
	seq          int // creation order: ties go to the older cluster
	members      []Member
	sigs         []dedup.Signature
	citizens     map[string]bool
	places       map[string]int // place key → members naming it
	matters      map[string]int // matter word → members naming it
	first, last  time.Time
}

// New returns a clusterer whose clusters expire window after their last
// petition (DefaultWindow when window <= 0).
func New(window time.Duration) *Clusterer {
	if window <= 0 {
		window = DefaultWindow
	}
	return &Clusterer{window: window, byItem: map[string]*cluster{}, byRun: map[string][]*cluster{}}
}

// Add puts the petition in its cluster and returns the cluster as it is now.
// It returns false when the petition names no place more precise than a
// region: it belongs to no hot issue. Adding a petition already added
// returns its cluster unchanged.
func (c *Clusterer) Add(p Item) (Cluster, bool) {
	k, ok := c.add(p)
	if !ok {
		return Cluster{}, false
	}
	return k.snapshot(), true
}

// Issue is a cluster as a petition joining it learns of it: without its
// members, which a large cluster would copy on every petition.
type Issue struct {
	ID       string
	Title    string
	Citizens int
}

// Join is Add, returning the cluster's id, title and size only.
func (c *Clusterer) Join(p Item) (Issue, bool) {
	k, ok := c.add(p)
	if !ok {
		return Issue{}, false
	}
	return k.issue(), true
}

// Lookup returns the live cluster a petition was added to, if any.
func (c *Clusterer) Lookup(id string) (Issue, bool) {
	k, ok := c.byItem[id]
	if !ok {
		return Issue{}, false
	}
	return k.issue(), true
}

func (c *Clusterer) add(p Item) (*cluster, bool) {
	if k, ok := c.byItem[p.ID]; ok {
		return k, true
	}
	key := placeKey(p.Place)
	if key == "" {
		return nil, false
	}
	c.Expire(p.Time)
	sig, _ := dedup.Sign(p.Text)
	text := textnorm.Compact(p.Text)
	words := matterWords(text)
	best, bestScore := (*cluster)(nil), 0.0
	for _, k := range c.candidates(key, text) {
		if s := k.score(key, text, sig, p.Category, words); s > bestScore {
			best, bestScore = k, s
		}
	}
	if best == nil {
		c.seq++
		best = &cluster{id: "hot-" + p.ID, seq: c.seq, category: p.Category, citizens: map[string]bool{},
			places: map[string]int{}, matters: map[string]int{}, first: p.Time}
		c.live = append(c.live, best)
	}
	if best.places[key] == 0 {
		for _, r := range runs(key) {
			c.byRun[r] = append(c.byRun[r], best)
		}
	}
	best.add(p, key, sig, words)
	c.byItem[p.ID] = best
	return best, true
}

// Clusters returns the live clusters of at least minCitizens citizens, as
// they are, without expiring any (Live does, at a time of its caller's).
func (c *Clusterer) Clusters(minCitizens int) []Cluster {
	var out []Cluster
	for _, k := range c.live {
		if len(k.citizens) >= minCitizens {
			out = append(out, k.snapshot())
		}
	}
	return out
}

// Live returns the clusters not expired at now, the largest (most distinct
// citizens) first.
func (c *Clusterer) Live(now time.Time) []Cluster {
	c.Expire(now)
	out := make([]Cluster, 0, len(c.live))
	for _, k := range c.live {
		out = append(out, k.snapshot())
	}
	SortBySize(out)
	return out
}

// SortBySize orders clusters by distinct citizens, then members, then the
// earliest first petition, then id: the same input always gives the same order.
func SortBySize(cs []Cluster) {
	sort.SliceStable(cs, func(i, j int) bool {
		a, b := cs[i], cs[j]
		if a.Citizens != b.Citizens {
			return a.Citizens > b.Citizens
		}
		if len(a.Members) != len(b.Members) {
			return len(a.Members) > len(b.Members)
		}
		if !a.First.Equal(b.First) {
			return a.First.Before(b.First)
		}
		return a.ID < b.ID
	})
}

// candidates returns the live clusters that share a run with the place key
// or the text, oldest first.
func (c *Clusterer) candidates(key, text string) []*cluster {
	seen := map[*cluster]bool{}
	var out []*cluster
	for _, src := range [...]string{key, text} {
		for _, r := range runs(src) {
			for _, k := range c.byRun[r] {
				if !seen[k] {
					seen[k] = true
					out = append(out, k)
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out
}

// runs returns the three-character runs of s, or s itself when shorter.
func runs(s string) []string {
	rs := []rune(s)
	if len(rs) < 3 {
		return []string{s}
	}
	out := make([]string, 0, len(rs)-2)
	for i := 0; i+3 <= len(rs); i++ {
		out = append(out, string(rs[i:i+3]))
	}
	return out
}

// Expire drops the clusters whose last petition is more than the window
// before now, and returns them as they ended, oldest first. Add expires at
// each petition's time; a store that applies petitions out of time order
// calls Expire with its own clock first.
func (c *Clusterer) Expire(now time.Time) []Cluster {
	var gone []Cluster
	kept := c.live[:0]
	for _, k := range c.live {
		if now.Sub(k.last) <= c.window {
			kept = append(kept, k)
			continue
		}
		gone = append(gone, k.snapshot())
		for _, m := range k.members {
			delete(c.byItem, m.ID)
		}
		for place := range k.places {
			for _, r := range runs(place) {
				c.byRun[r] = slices.DeleteFunc(c.byRun[r], func(x *cluster) bool { return x == k })
				if len(c.byRun[r]) == 0 {
					delete(c.byRun, r)
				}
			}
		}
	}
	clear(c.live[len(kept):])
	c.live = kept
	return gone
}

// score is how well a petition fits the cluster: 0 when it does not (another
// place, or another matter), else the best similarity to a member, raised
// to MatterSimilarity for a shared category and matter word. The petition is
// at the cluster's place when its own place is the same, or when its text
// (compacted) names one of the cluster's places of at least minShared
// characters: understand.Place picks one place per text, and a letter about
// 伊景园滨河苑 may lead with 广铁集团.
func (k *cluster) score(key, text string, sig dedup.Signature, category string, words []string) float64 {
	at := false
	for place := range k.places {
		if samePlace(key, place) || len(place) >= 3*minShared && strings.Contains(text, place) {
			at = true
			break
		}
	}
	if !at {
		return 0
	}
	best := 0.0
	for _, s := range k.sigs[max(0, len(k.sigs)-maxCompared):] {
		best = max(best, dedup.Similarity(sig, s))
	}
	if best >= MatterSimilarity {
		return best
	}
	for _, w := range words {
		if k.matters[w] > 0 {
			return MatterSimilarity
		}
	}
	return 0
}

func (k *cluster) add(p Item, key string, sig dedup.Signature, words []string) {
	k.members = append(k.members, Member{ID: p.ID, Citizen: p.Citizen, Time: p.Time, Text: p.Text})
	k.sigs = append(k.sigs, sig)
	k.citizens[p.Citizen] = true
	k.places[key]++
	for _, w := range words {
		k.matters[w]++
	}
	if p.Time.Before(k.first) {
		k.first = p.Time
	}
	if p.Time.After(k.last) {
		k.last = p.Time
	}
}

// naming is the place most members name and the matter word most of them
// name (else the category).
func (k *cluster) naming() (place, matter string) {
	place = mostNamed(k.places)
	matters := make(map[string]int, len(k.matters))
	for w, n := range k.matters {
		if !strings.Contains(place, w) { // 幸福幼儿园·幼儿园 says nothing
			matters[w] = n
		}
	}
	matter = mostNamed(matters)
	if matter == "" {
		matter = k.category
	}
	return place, matter
}

func (k *cluster) issue() Issue {
	place, matter := k.naming()
	return Issue{ID: k.id, Title: Title(place, matter), Citizens: len(k.citizens)}
}

func (k *cluster) snapshot() Cluster {
	place, matter := k.naming()
	return Cluster{
		ID:       k.id,
		Title:    Title(place, matter),
		Place:    place,
		Matter:   matter,
		Category: k.category,
		Citizens: len(k.citizens),
		Members:  append([]Member(nil), k.members...),
		First:    k.first,
		Last:     k.last,
	}
}

// mostNamed returns the key with the highest count; on a tie the shorter
// (the core two spellings share), then the first in order.
func mostNamed(counts map[string]int) string {
	best, n := "", 0
	for w, c := range counts {
		if c > n || c == n && (len(w) < len(best) || len(w) == len(best) && w < best) {
			best, n = w, c
		}
	}
	return best
}

// Title is "<place>·<matter>" cut to 20 characters: the place is shortened
// first, the matter kept whole when it can be.
func Title(place, matter string) string {
	p, m := []rune(place), []rune(matter)
	if len(m) == 0 {
		return string(p[:min(len(p), titleRunes)])
	}
	m = m[:min(len(m), titleRunes/2)]
	room := titleRunes - 1 - len(m)
	if len(p) > room {
		p = p[:room]
	}
	return string(p) + "·" + string(m)
}
