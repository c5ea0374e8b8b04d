package report

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Item is a petition as the office's lists show it: the compact record,
// the citizen's number masked.
type Item struct {
	ID          string    `json:"id"`
	CaseID      string    `json:"case_id,omitempty"`
	Received    time.Time `json:"received"`
	Official    string    `json:"official"`
	Unit        string    `json:"unit,omitempty"`
	Category    string    `json:"category"`
	CategoryNm  string    `json:"category_name,omitempty"`
	Channel     string    `json:"channel"`
	Urgency     string    `json:"urgency"`
	Flags       []string  `json:"flags,omitempty"`
	DuplicateOf string    `json:"duplicate_of,omitempty"`
	Citizen     string    `json:"citizen"` // masked
	Summary     string    `json:"summary"`
	Status      string    `json:"status"`
	History     []Event   `json:"history,omitempty"`
	AssignBy    time.Time `json:"assign_by,omitzero"`
	ContactBy   time.Time `json:"contact_by,omitzero"`
	ResolveBy   time.Time `json:"resolve_by,omitzero"`
	Rating      string    `json:"rating,omitempty"`
	RatedAt     time.Time `json:"rated_at,omitzero"`
	Reason      string    `json:"reason,omitempty"` // the citizen's comment with the rating
	RecheckAt   time.Time `json:"recheck_requested_at,omitzero"`
	FirstReplyS int64     `json:"first_reply_seconds"`
}

// Event is a status of a case's history.
type Event struct {
	Status string    `json:"status"`
	At     time.Time `json:"at"`
}

func itemOf(id string, h map[string]string, loc *time.Location) Item {
	unix := func(f string) time.Time {
		n, err := strconv.ParseInt(h[f], 10, 64)
		if err != nil || n == 0 {
			return time.Time{}
		}
		return time.Unix(n, 0).In(loc)
	}
	it := Item{ID: id, CaseID: h["k"], Received: unix("r"), Official: h["o"], Unit: h["u"], Category: h["c"], CategoryNm: h["cn"],
		Channel: h["ch"], Urgency: h["g"], DuplicateOf: h["d"], Citizen: h["m"], Summary: h["s"], Status: h["st"],
		AssignBy: unix("da"), ContactBy: unix("dc"), ResolveBy: unix("dr"), Rating: h["rt"], RatedAt: unix("ra"),
		RecheckAt: unix("rq")}
	it.FirstReplyS, _ = strconv.ParseInt(h["ftr"], 10, 64)
	if h["f"] != "" {
		it.Flags = strings.Split(h["f"], ",")
	}
	for _, e := range strings.Split(h["h"], ";") {
		if len(e) < 2 {
			continue
		}
		n, err := strconv.ParseInt(e[1:], 10, 64)
		if err != nil {
			continue
		}
		it.History = append(it.History, Event{Status: statusOf[e[:1]], At: time.Unix(n, 0).In(loc)})
	}
	return it
}

// statusOf reads the history's one-letter codes.
var statusOf = func() map[string]string {
	m := map[string]string{}
	for s, c := range statusCodes {
		m[c] = s
	}
	return m
}()

// Items reads the records of petitions (those past retention are left out).
func (r *Reader) Items(ctx context.Context, ids []string) ([]Item, error) {
	pipe := r.Redis.Pipeline()
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	reasons := make([]*redis.StringCmd, len(ids))
	for i, id := range ids {
		b, err := (&Recorder{Prefix: r.Prefix}).BatchFor(id)
		if err != nil {
			return nil, err
		}
		cmds[i] = pipe.HGetAll(ctx, recordKey(b.tag, id))
		reasons[i] = pipe.Get(ctx, reasonKey(recordKey(b.tag, id)))
	}
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return nil, fmt.Errorf("read petition records: %w", err)
	}
	out := make([]Item, 0, len(ids))
	for i, c := range cmds {
		if len(c.Val()) == 0 {
			continue
		}
		it := itemOf(ids[i], c.Val(), r.loc())
		it.Reason = reasons[i].Val()
		out = append(out, it)
	}
	return out, nil
}

// scored is an id with its index score.
type scored struct {
	id    string
	score float64
}

// fromIndex reads an index of every shard between min and max, newest
// (highest score) first, at most limit (0 = all).
func (r *Reader) fromIndex(ctx context.Context, index, min, max string, limit int) ([]string, error) {
	return r.readIndex(ctx, index, min, max, limit, true)
}

// fromIndexAsc is fromIndex, lowest score first.
func (r *Reader) fromIndexAsc(ctx context.Context, index, min, max string, limit int) ([]string, error) {
	return r.readIndex(ctx, index, min, max, limit, false)
}

// readIndex merges the shards' entries of an index between min and max,
// by score (ties by id), at most limit (0 = all).
func (r *Reader) readIndex(ctx context.Context, index, min, max string, limit int, newestFirst bool) ([]string, error) {
	pipe := r.Redis.Pipeline()
	cmds := make([]*redis.ZSliceCmd, Shards)
	for s := 0; s < Shards; s++ {
		by := &redis.ZRangeBy{Min: min, Max: max}
		if limit > 0 {
			by.Count = int64(limit)
		}
		if newestFirst {
			cmds[s] = pipe.ZRevRangeByScoreWithScores(ctx, r.tag(s)+index, by)
		} else {
			cmds[s] = pipe.ZRangeByScoreWithScores(ctx, r.tag(s)+index, by)
		}
	}
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return nil, fmt.Errorf("read %s: %w", index, err)
	}
	var all []scored
	for _, c := range cmds {
		for _, z := range c.Val() {
			all = append(all, scored{z.Member.(string), z.Score})
		}
	}
	sort.Slice(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if newestFirst {
			a, b = b, a
		}
		return a.score < b.score || a.score == b.score && a.id < b.id
	})
	if limit > 0 && len(all) > limit {
		all = all[:limit]
	}
	ids := make([]string, len(all))
	for i, s := range all {
		ids[i] = s.id
	}
	return ids, nil
}

// Recent is the last n petitions received, newest first.
func (r *Reader) Recent(ctx context.Context, n int) ([]Item, error) {
	ids, err := r.fromIndex(ctx, "rep:all", "-inf", "+inf", n)
	if err != nil {
		return nil, err
	}
	return r.Items(ctx, ids)
}

// Received is the petitions received in the period, newest first, at most
// limit (0 = all).
func (r *Reader) Received(ctx context.Context, p Period, limit int) ([]Item, error) {
	from := date(p.Since, r.loc()).UnixMilli()
	to := date(p.Until, r.loc()).AddDate(0, 0, 1).UnixMilli() - 1
	ids, err := r.fromIndex(ctx, "rep:all", strconv.FormatInt(from, 10), strconv.FormatInt(to, 10), limit)
	if err != nil {
		return nil, err
	}
	return r.Items(ctx, ids)
}

// Unsatisfied is the 不满意专区: every case rated 不满意, the latest rating
// first, at most limit (0 = all). A case rated again since (after a
// reopening) shows its latest rating.
func (r *Reader) Unsatisfied(ctx context.Context, limit int) ([]Item, error) {
	ids, err := r.fromIndex(ctx, "rep:unsat", "-inf", "+inf", limit)
	if err != nil {
		return nil, err
	}
	return r.Items(ctx, ids)
}

// Due is the open petitions whose deadline for status (assigned,
// contacted, resolved) falls in [from, until) (from zero: any time before
// until), the earliest deadline first, at most limit (0 = all).
func (r *Reader) Due(ctx context.Context, status string, from, until time.Time, limit int) ([]Item, error) {
	idx, ok := dueIndex[status]
	if !ok {
		return nil, fmt.Errorf("no deadline for status %q", status)
	}
	min := "-inf"
	if !from.IsZero() {
		min = strconv.FormatInt(from.Unix(), 10)
	}
	ids, err := r.fromIndexAsc(ctx, idx, min, "("+strconv.FormatInt(until.Unix(), 10), limit)
	if err != nil {
		return nil, err
	}
	return r.Items(ctx, ids)
}
