package live

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/minsheng/minsheng/intake/hot"
	"github.com/redis/go-redis/v9"
)

// summaryTextRunes is how much of each member's text an ended hot issue
// keeps: enough to see what it was about.
const summaryTextRunes = 140

// summary is an ended hot issue as {hot}:done keeps it.
type summary struct {
	ID       string          `json:"id"`
	Title    string          `json:"title"`
	Place    string          `json:"place"`
	Matter   string          `json:"matter"`
	Category string          `json:"category"`
	Citizens int             `json:"citizens"`
	First    int64           `json:"first"` // ms
	Last     int64           `json:"last"`
	Members  []summaryMember `json:"members"`
}

type summaryMember struct {
	ID   string `json:"id"`
	At   int64  `json:"t"`
	Text string `json:"x"`
}

func summaryOf(k hot.Cluster) summary {
	s := summary{ID: k.ID, Title: k.Title, Place: k.Place, Matter: k.Matter, Category: k.Category, Citizens: k.Citizens,
		First: k.First.UnixMilli(), Last: k.Last.UnixMilli()}
	for _, m := range k.Members {
		text := m.Text
		if rs := []rune(text); len(rs) > summaryTextRunes {
			text = string(rs[:summaryTextRunes])
		}
		s.Members = append(s.Members, summaryMember{ID: m.ID, At: m.Time.UnixMilli(), Text: text})
	}
	return s
}

func (s summary) cluster() hot.Cluster {
	k := hot.Cluster{ID: s.ID, Title: s.Title, Place: s.Place, Matter: s.Matter, Category: s.Category, Citizens: s.Citizens,
		First: time.UnixMilli(s.First), Last: time.UnixMilli(s.Last)}
	for _, m := range s.Members {
		k.Members = append(k.Members, hot.Member{ID: m.ID, Time: time.UnixMilli(m.At), Text: m.Text})
	}
	return k
}

// List returns the hot issues of two citizens or more with a petition in
// [since, until), largest first: the live ones (this process catches up
// with the stream first) and those ended within the retention. Members'
// citizens are not given.
func (x *Index) List(ctx context.Context, since, until time.Time) ([]hot.Cluster, error) {
	if err := x.syncTo(ctx, nil); err != nil {
		return nil, err
	}
	byID := map[string]hot.Cluster{}
	x.mu.Lock()
	for _, k := range x.r.c.Clusters(minKept) {
		byID[k.ID] = k
	}
	for _, g := range x.r.ended { // ended here, not yet written
		if g.cluster != nil {
			byID[g.cluster.ID] = *g.cluster
		}
	}
	x.mu.Unlock()
	ids, err := x.rdb.ZRangeByScore(ctx, x.keys[3], &redis.ZRangeBy{Min: strconv.FormatInt(since.UnixMilli(), 10), Max: "+inf"}).Result()
	if err != nil {
		return nil, fmt.Errorf("ended hot issues: %w", err)
	}
	for len(ids) > 0 {
		n := min(len(ids), 500)
		raws, err := x.rdb.HMGet(ctx, x.keys[2], ids[:n]...).Result()
		if err != nil {
			return nil, fmt.Errorf("ended hot issues: %w", err)
		}
		for _, raw := range raws {
			var s summary
			if str, ok := raw.(string); ok && json.Unmarshal([]byte(str), &s) == nil {
				byID[s.ID] = s.cluster() // whole, where this process may hold a part
			}
		}
		ids = ids[n:]
	}
	out := make([]hot.Cluster, 0, len(byID))
	for _, k := range byID {
		if inPeriod(k, since, until) {
			k.Members = withoutCitizens(k.Members)
			out = append(out, k)
		}
	}
	hot.SortBySize(out)
	return out, nil
}

// inPeriod: a member received in [since, until).
func inPeriod(k hot.Cluster, since, until time.Time) bool {
	for _, m := range k.Members {
		if !m.Time.Before(since) && m.Time.Before(until) {
			return true
		}
	}
	return false
}

func withoutCitizens(ms []hot.Member) []hot.Member {
	out := make([]hot.Member, len(ms))
	for i, m := range ms {
		m.Citizen = ""
		out[i] = m
	}
	return out
}
