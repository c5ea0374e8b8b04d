package report

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Shards is how many shards the counters are spread over (intake/queue.Shards).
const Shards = 16

// Reader reads the counters and records back.
type Reader struct {
	Redis  redis.UniversalClient
	Prefix string
	Loc    *time.Location
	// DeadQueues are the queue names whose dead letters are counted
	// ("sendq", "sendbulk", "outbox", "callbacks").
	DeadQueues []string
}

func (r *Reader) loc() *time.Location {
	if r.Loc == nil {
		return time.UTC
	}
	return r.Loc
}

func (r *Reader) tag(shard int) string { return r.Prefix + "{s" + strconv.Itoa(shard) + "}:" }

// Period is the days from Since to Until, both included, in the reader's
// time zone.
type Period struct{ Since, Until time.Time }

// Days of the period, as dates at midnight.
func (p Period) days(loc *time.Location) []time.Time {
	var out []time.Time
	d := date(p.Since, loc)
	end := date(p.Until, loc)
	for !d.After(end) {
		out = append(out, d)
		d = d.AddDate(0, 0, 1)
	}
	return out
}

func date(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
}

// hashesOf names the counter hashes covering the period for a dimension:
// whole months by their month hash, the rest by day.
func (r *Reader) hashesOf(p Period, dim string) []string {
	loc := r.loc()
	days := p.days(loc)
	var names []string
	for i := 0; i < len(days); {
		d := days[i]
		if d.Day() == 1 {
			last := d.AddDate(0, 1, -1)
			if j := i + last.Day() - 1; j < len(days) && days[j].Equal(last) {
				names = append(names, "m:"+d.Format("200601"))
				i = j + 1
				continue
			}
		}
		names = append(names, "d:"+d.Format("20060102"))
		i++
	}
	var keys []string
	for s := 0; s < Shards; s++ {
		for _, n := range names {
			keys = append(keys, r.tag(s)+"rep:"+n+":"+dim)
		}
	}
	return keys
}

// Sum adds up a dimension's counters over the period, by value ("" for
// the dimension "a").
func (r *Reader) Sum(ctx context.Context, p Period, dim string) (map[string]Counts, error) {
	hashes, err := r.hgetall(ctx, r.hashesOf(p, dim))
	if err != nil {
		return nil, err
	}
	out := map[string]Counts{}
	for _, h := range hashes {
		if dim == "a" {
			c := out[""]
			if c == nil {
				c = Counts{}
				out[""] = c
			}
			for k, v := range h {
				n, _ := strconv.ParseInt(v, 10, 64)
				c[k] += n
			}
			continue
		}
		split(h, out)
	}
	return out, nil
}

// Daily is the all-dimension counters of each day of the period.
func (r *Reader) Daily(ctx context.Context, p Period) ([]time.Time, []Counts, error) {
	days := p.days(r.loc())
	var keys []string
	for _, d := range days {
		for s := 0; s < Shards; s++ {
			keys = append(keys, dayKey(r.tag(s), d.Format("20060102"), "a"))
		}
	}
	hashes, err := r.hgetall(ctx, keys)
	if err != nil {
		return nil, nil, err
	}
	out := make([]Counts, len(days))
	for i := range days {
		c := Counts{}
		for s := 0; s < Shards; s++ {
			for k, v := range hashes[i*Shards+s] {
				n, _ := strconv.ParseInt(v, 10, 64)
				c[k] += n
			}
		}
		out[i] = c
	}
	return days, out, nil
}

func (r *Reader) hgetall(ctx context.Context, keys []string) ([]map[string]string, error) {
	out := make([]map[string]string, 0, len(keys))
	const chunk = 512
	for i := 0; i < len(keys); i += chunk {
		pipe := r.Redis.Pipeline()
		var cmds []*redis.MapStringStringCmd
		for _, k := range keys[i:min(i+chunk, len(keys))] {
			cmds = append(cmds, pipe.HGetAll(ctx, k))
		}
		if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
			return nil, fmt.Errorf("read report counters: %w", err)
		}
		for _, c := range cmds {
			out = append(out, c.Val())
		}
	}
	return out, nil
}

// Overdue is how many open petitions are past each deadline now.
type Overdue struct {
	Assign  int64 `json:"assign"`
	Contact int64 `json:"contact"`
	Resolve int64 `json:"resolve"`
}

// OverdueNow counts open petitions past each deadline at now.
func (r *Reader) OverdueNow(ctx context.Context, now time.Time) (Overdue, error) {
	pipe := r.Redis.Pipeline()
	cmds := map[string][]*redis.IntCmd{}
	max := strconv.FormatInt(now.Unix()-1, 10)
	for _, s := range dueStatuses {
		for sh := 0; sh < Shards; sh++ {
			cmds[s] = append(cmds[s], pipe.ZCount(ctx, r.tag(sh)+dueIndex[s], "-inf", max))
		}
	}
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return Overdue{}, fmt.Errorf("count overdue petitions: %w", err)
	}
	sum := func(cs []*redis.IntCmd) (n int64) {
		for _, c := range cs {
			n += c.Val()
		}
		return n
	}
	return Overdue{Assign: sum(cmds[dueStatuses[0]]), Contact: sum(cmds[dueStatuses[1]]), Resolve: sum(cmds[dueStatuses[2]])}, nil
}

// DeadLetters are the entries parked in the queues' dead-letter streams:
// in the period, and all kept now, by queue.
type DeadLetters struct {
	InPeriod int64            `json:"in_period"`
	Now      int64            `json:"now"`
	ByQueue  map[string]int64 `json:"by_queue,omitempty"` // now
}

// Dead counts dead letters (stream ids carry the time they were parked).
func (r *Reader) Dead(ctx context.Context, p Period) (DeadLetters, error) {
	d := DeadLetters{ByQueue: map[string]int64{}}
	from := date(p.Since, r.loc()).UnixMilli()
	to := date(p.Until, r.loc()).AddDate(0, 0, 1).UnixMilli() - 1
	pipe := r.Redis.Pipeline()
	type pair struct {
		q    string
		all  *redis.IntCmd
		span *redis.XMessageSliceCmd
	}
	var ps []pair
	for _, q := range r.DeadQueues {
		for s := 0; s < Shards; s++ {
			k := r.tag(s) + q + ":dead"
			ps = append(ps, pair{q, pipe.XLen(ctx, k), pipe.XRange(ctx, k, strconv.FormatInt(from, 10), strconv.FormatInt(to, 10))})
		}
	}
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return d, fmt.Errorf("count dead letters: %w", err)
	}
	for _, p := range ps {
		d.Now += p.all.Val()
		d.ByQueue[p.q] += p.all.Val()
		d.InPeriod += int64(len(p.span.Val()))
	}
	for q, n := range d.ByQueue {
		if n == 0 {
			delete(d.ByQueue, q)
		}
	}
	return d, nil
}

// Report is the figures of a period, as `minsheng report` prints them.
type Report struct {
	Since       string      `json:"since"` // first day, in the time zone
	Until       string      `json:"until"` // last day, included
	Timezone    string      `json:"timezone"`
	Totals      Figures     `json:"totals"`
	By          string      `json:"by,omitempty"`
	Groups      []Group     `json:"groups,omitempty"`
	OverdueNow  Overdue     `json:"overdue_now"`
	DeadLetters DeadLetters `json:"dead_letters"`
	Ranking     Ranking     `json:"ranking"`
}

// Dimensions a report may be broken down by, and their counter dimension.
var byDims = map[string]string{"official": "o", "unit": "u", "category": "c", "channel": "ch", "urgency": "g"}

// ByOptions are the breakdowns a report accepts.
var ByOptions = []string{"official", "unit", "category", "channel", "urgency", "day", "week"}

// Build reads a period's report: the totals, a breakdown (by: "" for
// none), the ranking of units (top and bottom n with at least min),
// what is overdue at now and the dead letters.
func (r *Reader) Build(ctx context.Context, p Period, by string, n, rankMin int, now time.Time) (*Report, error) {
	loc := r.loc()
	rep := &Report{Since: date(p.Since, loc).Format("2006-01-02"), Until: date(p.Until, loc).Format("2006-01-02"), Timezone: loc.String(), By: by}
	all, err := r.Sum(ctx, p, "a")
	if err != nil {
		return nil, err
	}
	rep.Totals = FiguresOf(all[""])
	switch by {
	case "":
	case "day", "week":
		days, daily, err := r.Daily(ctx, p)
		if err != nil {
			return nil, err
		}
		var keys []string
		groups := map[string]Counts{}
		for i, d := range days {
			k := d.Format("2006-01-02")
			if by == "week" {
				k = weekStart(d).Format("2006-01-02")
			}
			if groups[k] == nil {
				groups[k] = Counts{}
				keys = append(keys, k)
			}
			groups[k].add(daily[i])
		}
		for _, k := range keys {
			rep.Groups = append(rep.Groups, Group{Key: k, Figures: FiguresOf(groups[k])})
		}
	default:
		dim, ok := byDims[by]
		if !ok {
			return nil, fmt.Errorf("unknown breakdown %q (one of %v)", by, ByOptions)
		}
		vals, err := r.Sum(ctx, p, dim)
		if err != nil {
			return nil, err
		}
		keys := make([]string, 0, len(vals))
		for k := range vals {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			rep.Groups = append(rep.Groups, Group{Key: k, Figures: FiguresOf(vals[k])})
		}
	}
	units, err := r.Sum(ctx, p, "u")
	if err != nil {
		return nil, err
	}
	rep.Ranking = Rank(units, n, rankMin)
	if rep.OverdueNow, err = r.OverdueNow(ctx, now); err != nil {
		return nil, err
	}
	if rep.DeadLetters, err = r.Dead(ctx, p); err != nil {
		return nil, err
	}
	return rep, nil
}

// weekStart is the Monday of d's week.
func weekStart(d time.Time) time.Time {
	wd := (int(d.Weekday()) + 6) % 7
	return d.AddDate(0, 0, -wd)
}
