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
	Since    string `json:"since"` // first day, in the time zone
	Until    string `json:"until"` // last day, included
	Timezone string `json:"timezone"`
	// Period names the period when it was asked by name (week, month,
	// quarter: the last full one; this-week, this-month, this-quarter: to
	// date), "" for days given.
	Period      string      `json:"period,omitempty"`
	Totals      Figures     `json:"totals"`
	By          string      `json:"by,omitempty"`
	Groups      []Group     `json:"groups,omitempty"`
	OverdueNow  Overdue     `json:"overdue_now"`
	DeadLetters DeadLetters `json:"dead_letters"`
	Ranking     Ranking     `json:"ranking"`
	// Counties is the counties' ranking (top and bottom CountyRankN), from
	// the county each petition names (location.county).
	Counties Ranking `json:"county_ranking"`
	// Before is the period the streaks compare with: the month(s) before a
	// period of whole months, else as many days before.
	Before struct {
		Since string `json:"since"`
		Until string `json:"until"`
	} `json:"streak_period"`
}

// CountyRankN is how many counties the county ranking shows at each end
// (Fuyang publishes its counties' top and bottom 3 every month).
const CountyRankN = 3

// Dimensions a report may be broken down by, and their counter dimension.
var byDims = map[string]string{"official": "o", "unit": "u", "category": "c", "channel": "ch", "urgency": "g", "type": "t", "county": "cy"}

// ByOptions are the breakdowns a report accepts.
var ByOptions = []string{"official", "unit", "category", "channel", "urgency", "type", "county", "day", "week"}

// Build reads a period's report: the totals, a breakdown (by: "" for
// none), the rankings of units (top and bottom n with at least min) and
// counties (CountyRankN), each bottom place held in the period before too
// marked, what is overdue at now and the dead letters. Open petitions past
// a deadline that fell in the period count as not on time for that step.
func (r *Reader) Build(ctx context.Context, p Period, by string, n, rankMin int, now time.Time) (*Report, error) {
	loc := r.loc()
	rep := &Report{Since: date(p.Since, loc).Format("2006-01-02"), Until: date(p.Until, loc).Format("2006-01-02"), Timezone: loc.String(), By: by}
	dim := ""
	switch by {
	case "", "day", "week":
	default:
		var ok bool
		if dim, ok = byDims[by]; !ok {
			return nil, fmt.Errorf("unknown breakdown %q (one of %v)", by, ByOptions)
		}
	}
	od, err := r.overdue(ctx, p, now)
	if err != nil {
		return nil, err
	}
	all, err := r.Sum(ctx, p, "a")
	if err != nil {
		return nil, err
	}
	od.addTo(all, "a")
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
			for _, e := range od.entries {
				if e.day.Equal(d) {
					groups[k][OverdueMetric(e.status)]++
				}
			}
		}
		for _, k := range keys {
			rep.Groups = append(rep.Groups, Group{Key: k, Figures: FiguresOf(groups[k])})
		}
	default:
		vals, err := r.Sum(ctx, p, dim)
		if err != nil {
			return nil, err
		}
		od.addTo(vals, dim)
		keys := make([]string, 0, len(vals))
		for k := range vals {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			rep.Groups = append(rep.Groups, Group{Key: k, Figures: FiguresOf(vals[k])})
		}
	}
	rank := func(p Period, od *overdue) (units, counties Ranking, err error) {
		u, err := r.Sum(ctx, p, "u")
		if err != nil {
			return units, counties, err
		}
		od.addTo(u, "u")
		cy, err := r.Sum(ctx, p, "cy")
		if err != nil {
			return units, counties, err
		}
		od.addTo(cy, "cy")
		return Rank(u, n, rankMin), Rank(cy, CountyRankN, rankMin), nil
	}
	if rep.Ranking, rep.Counties, err = rank(p, od); err != nil {
		return nil, err
	}
	before := p.before(loc)
	rep.Before.Since, rep.Before.Until = before.Since.Format("2006-01-02"), before.Until.Format("2006-01-02")
	odBefore, err := r.overdue(ctx, before, now)
	if err != nil {
		return nil, err
	}
	units, counties, err := rank(before, odBefore)
	if err != nil {
		return nil, err
	}
	rep.Ranking.MarkStreaks(units)
	rep.Counties.MarkStreaks(counties)
	if rep.OverdueNow, err = r.OverdueNow(ctx, now); err != nil {
		return nil, err
	}
	if rep.DeadLetters, err = r.Dead(ctx, p); err != nil {
		return nil, err
	}
	return rep, nil
}

// before is the period the streaks compare with: as many whole months
// before a period of whole months, else as many days before.
func (p Period) before(loc *time.Location) Period {
	s, u := date(p.Since, loc), date(p.Until, loc)
	if s.Day() == 1 && u.AddDate(0, 0, 1).Day() == 1 {
		months := (u.Year()-s.Year())*12 + int(u.Month()-s.Month()) + 1
		first := s.AddDate(0, -months, 0)
		return Period{Since: first, Until: s.AddDate(0, 0, -1)}
	}
	days := int(u.Sub(s).Hours()/24+0.5) + 1
	return Period{Since: s.AddDate(0, 0, -days), Until: s.AddDate(0, 0, -1)}
}

// overdue is the open petitions whose deadline for a step fell in a
// period and has passed: each with the record's dimension values.
type overdue struct {
	entries []overdueEntry
}

type overdueEntry struct {
	status string
	day    time.Time // the deadline's day
	dims   map[string]string
}

// addTo counts the overdue petitions into counters by dim's value.
func (o *overdue) addTo(vals map[string]Counts, dim string) {
	for _, e := range o.entries {
		v := ""
		if dim != "a" {
			if v = e.dims[dim]; v == "" {
				continue
			}
		}
		c := vals[v]
		if c == nil {
			c = Counts{}
			vals[v] = c
		}
		c[OverdueMetric(e.status)]++
	}
}

// recordDims are the record fields of the dimensions other than all.
var recordDims = []string{"o", "u", "c", "ch", "g", "t", "cy"}

// overdue reads the open petitions whose deadline for each step fell in
// the period before now: the due indexes' entries, the records' dimension
// values (one pipeline each).
func (r *Reader) overdue(ctx context.Context, p Period, now time.Time) (*overdue, error) {
	loc := r.loc()
	from := date(p.Since, loc).Unix()
	to := min(date(p.Until, loc).AddDate(0, 0, 1).Unix(), now.Unix()) // exclusive
	out := &overdue{}
	if to <= from {
		return out, nil
	}
	pipe := r.Redis.Pipeline()
	type q struct {
		status string
		cmd    *redis.ZSliceCmd
	}
	var qs []q
	for _, s := range dueStatuses {
		for sh := 0; sh < Shards; sh++ {
			qs = append(qs, q{s, pipe.ZRangeByScoreWithScores(ctx, r.tag(sh)+dueIndex[s],
				&redis.ZRangeBy{Min: strconv.FormatInt(from, 10), Max: "(" + strconv.FormatInt(to, 10)})})
		}
	}
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return nil, fmt.Errorf("read overdue petitions: %w", err)
	}
	type pending struct {
		status string
		day    time.Time
		cmd    *redis.SliceCmd
	}
	var ps []pending
	pipe = r.Redis.Pipeline()
	for _, x := range qs {
		for _, z := range x.cmd.Val() {
			id := z.Member.(string)
			b, err := (&Recorder{Prefix: r.Prefix}).BatchFor(id)
			if err != nil {
				continue
			}
			ps = append(ps, pending{x.status, date(time.Unix(int64(z.Score), 0), loc), pipe.HMGet(ctx, recordKey(b.tag, id), recordDims...)})
		}
	}
	if len(ps) == 0 {
		return out, nil
	}
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return nil, fmt.Errorf("read overdue petitions' records: %w", err)
	}
	for _, x := range ps {
		dims := map[string]string{}
		for i, v := range x.cmd.Val() {
			if s, ok := v.(string); ok {
				dims[recordDims[i]] = s
			}
		}
		out.entries = append(out.entries, overdueEntry{status: x.status, day: x.day, dims: dims})
	}
	return out, nil
}

// weekStart is the Monday of d's week.
func weekStart(d time.Time) time.Time {
	wd := (int(d.Weekday()) + 6) % 7
	return d.AddDate(0, 0, -wd)
}
