// Package officials is the officials' side of minsheng (会后联系): whether
// an official who published their number can answer now (available, busy
// until a time, or off hours by their schedule), and the call-back list
// (回电清单) of the citizens who wrote or called while they could not.
//
// The state lives in Redis, so every replica sees it at once. A busy period
// is written to a copy under each conversation shard's hash tag, so that
// the pipeline reads it in the script that takes a message in, with no
// round trip of its own (see Office.BusyKey). Call-back items come from the
// dialog through a durable queue (Worker) and from missed calls. When a
// busy period ends (/free, the admin API, or its time passing) the official
// and their office chat get the list of who wrote or called meanwhile.
//
// The package does not import bot: the runtime wires it in, and sends its
// messages (Notifier).
package officials

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/minsheng/minsheng/intake/queue"
	"github.com/minsheng/minsheng/intake/workday"
	"github.com/redis/go-redis/v9"
)

// States of an official.
const (
	Available = "available"
	Busy      = "busy"
	OffHours  = "off_hours"
)

// MaxBusy caps a busy period set without an end.
const MaxBusy = 12 * time.Hour

// Official is one published number and the person behind it.
type Official struct {
	Number       string
	Name, Title  string
	ForwardTo    string // their own phone: calls are forwarded to it
	TelegramUser int64  // their Telegram account: commands, lists
	StaffChat    int64  // their office's Telegram chat
	Hours        workday.Hours
}

// Who is how the official is named to citizens: 市长张三.
func (o *Official) Who() string { return o.Title + o.Name }

// State is an official's availability at a moment.
type State struct {
	Number string    `json:"number"`
	State  string    `json:"state"`            // available | busy | off_hours
	Since  time.Time `json:"since,omitempty"`  // when the busy or off-hours period began
	Until  time.Time `json:"until,omitempty"`  // busy: when it ends; off hours: when hours begin
	Reason string    `json:"reason,omitempty"` // 开会…
	Period string    `json:"-"`                // identifies the period: "b<since ms>", "o<since ms>"
}

// busyRecord is what is stored of a busy period.
type busyRecord struct {
	Since  int64  `json:"since"` // unix ms
	Until  int64  `json:"until"`
	Reason string `json:"reason,omitempty"`
}

// Options configure an Office.
type Options struct {
	Officials   []Official
	Calendar    *workday.Calendar
	RemindAfter time.Duration // callbacks.remind_after (default 24h)
	Notifier    Notifier      // where lists and reminders go
	Now         func() time.Time
	Logger      *slog.Logger
	// Done is told each item marked done (the office's figures count it);
	// nil: nobody.
	Done func(ctx context.Context, number string, at time.Time) error
}

// Office is the officials' state and lists. Safe for concurrent use, also
// across replicas.
type Office struct {
	rdb      redis.UniversalClient
	prefix   string
	byNumber map[string]*Official
	list     []*Official
	cal      *workday.Calendar
	remind   time.Duration
	notify   Notifier
	now      func() time.Time
	log      *slog.Logger
	done     func(ctx context.Context, number string, at time.Time) error
	listed   sync.Map // number → the off-hours period this process listed
	slowMu   sync.Mutex
	slowAt   time.Time // when mornings and reminders were last looked at
}

// New builds an Office on Redis under prefix ("ms:").
func New(rdb redis.UniversalClient, prefix string, opt Options) *Office {
	o := &Office{rdb: rdb, prefix: prefix, byNumber: map[string]*Official{}, cal: opt.Calendar,
		remind: opt.RemindAfter, notify: opt.Notifier, now: opt.Now, log: opt.Logger, done: opt.Done}
	if o.remind <= 0 {
		o.remind = 24 * time.Hour
	}
	if o.now == nil {
		o.now = time.Now
	}
	if o.log == nil {
		o.log = slog.Default()
	}
	if o.cal == nil {
		o.cal = &workday.Calendar{}
	}
	for i := range opt.Officials {
		off := opt.Officials[i]
		if off.Hours.From == 0 && off.Hours.To == 0 {
			off.Hours = workday.DefaultHours
		}
		o.byNumber[off.Number] = &off
		o.list = append(o.list, &off)
	}
	return o
}

// Lookup finds the official of a published number.
func (o *Office) Lookup(number string) (*Official, bool) {
	off, ok := o.byNumber[number]
	return off, ok
}

// Officials are all of them, in the configured order.
func (o *Office) Officials() []*Official { return o.list }

// BusyKey is the copy of number's busy period in a shard: the pipeline's
// ingest script reads it beside the conversation's own keys.
func BusyKey(prefix string, shard int, number string) string {
	return queue.Tag(prefix, shard) + "busy:" + number
}

func (o *Office) endsKey() string { return o.prefix + "busy:ends" }

// StateOf works out an official's state from a stored busy period (as
// BusyKey holds it, nil when none) and the schedule: pure, for the
// pipeline, which read the busy period already.
func (o *Office) StateOf(number string, busy []byte, now time.Time) State {
	st := State{Number: number, State: Available}
	off, ok := o.byNumber[number]
	if !ok {
		return st
	}
	var b busyRecord
	if len(busy) > 0 && json.Unmarshal(busy, &b) == nil && b.Until > now.UnixMilli() {
		return State{Number: number, State: Busy, Since: time.UnixMilli(b.Since), Until: time.UnixMilli(b.Until),
			Reason: b.Reason, Period: "b" + strconv.FormatInt(b.Since, 10)}
	}
	if since := o.cal.OffSince(off.Hours, now); !since.IsZero() {
		return State{Number: number, State: OffHours, Since: since, Until: o.cal.NextOpen(off.Hours, now),
			Period: "o" + strconv.FormatInt(since.UnixMilli(), 10)}
	}
	return st
}

// State reads an official's state now.
func (o *Office) State(ctx context.Context, number string) (State, error) {
	raw, err := o.rdb.Get(ctx, BusyKey(o.prefix, 0, number)).Bytes()
	if err != nil && err != redis.Nil {
		return State{}, fmt.Errorf("read availability of %s: %w", number, err)
	}
	return o.StateOf(number, raw, o.now()), nil
}

// SetBusy marks an official busy until a time (zero: MaxBusy from now),
// with an optional reason. Busy already, the period goes on (the same
// period: citizens who got the auto-reply do not get it again) with the new
// end.
func (o *Office) SetBusy(ctx context.Context, number string, until time.Time, reason string) (State, error) {
	if _, ok := o.byNumber[number]; !ok {
		return State{}, ErrUnknown
	}
	now := o.now()
	if until.IsZero() {
		until = now.Add(MaxBusy)
	}
	if !until.After(now) {
		return State{}, fmt.Errorf("%w: until %s is not in the future", ErrBadRequest, until.Format(time.RFC3339))
	}
	cur, err := o.State(ctx, number)
	if err != nil {
		return State{}, err
	}
	since := now
	if cur.State == Busy {
		since = cur.Since
	}
	rec := busyRecord{Since: since.UnixMilli(), Until: until.UnixMilli(), Reason: reason}
	raw, _ := json.Marshal(rec)
	ttl := until.Sub(now) + time.Minute
	pipe := o.rdb.Pipeline()
	for s := 0; s < queue.Shards; s++ {
		pipe.Set(ctx, BusyKey(o.prefix, s, number), raw, ttl)
	}
	if cur.State == Busy {
		pipe.ZRem(ctx, o.endsKey(), endMember(number, cur.Period))
	}
	pipe.ZAdd(ctx, o.endsKey(), redis.Z{Score: float64(rec.Until), Member: endMember(number, "b"+strconv.FormatInt(rec.Since, 10))})
	if _, err := pipe.Exec(ctx); err != nil {
		return State{}, fmt.Errorf("set %s busy: %w", number, err)
	}
	o.log.Info("official busy", "official", number, "until", until.Format(time.RFC3339), "reason", reason)
	return o.StateOf(number, raw, now), nil
}

// SetAvailable ends a busy period now, and sends its call-back list.
func (o *Office) SetAvailable(ctx context.Context, number string) (State, error) {
	if _, ok := o.byNumber[number]; !ok {
		return State{}, ErrUnknown
	}
	cur, err := o.State(ctx, number)
	if err != nil {
		return State{}, err
	}
	if cur.State == Busy {
		pipe := o.rdb.Pipeline()
		for s := 0; s < queue.Shards; s++ {
			pipe.Del(ctx, BusyKey(o.prefix, s, number))
		}
		pipe.ZRem(ctx, o.endsKey(), endMember(number, cur.Period))
		if _, err := pipe.Exec(ctx); err != nil {
			return State{}, fmt.Errorf("set %s available: %w", number, err)
		}
		o.log.Info("official available", "official", number)
		o.periodEnded(ctx, number, cur.Period, "busy")
	}
	return o.State(ctx, number)
}

func endMember(number, period string) string { return number + "|" + period }

// endsDueScript takes the busy periods that ended by now, each once.
// KEYS: ends  ARGV: now ms, limit
var endsDueScript = redis.NewScript(`
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, m in ipairs(due) do redis.call('ZREM', KEYS[1], m) end
return due`)

// Tick does what falls due: the lists of busy periods that ran out, of
// off-hours periods that ended with the morning, and the reminders of
// items left open. Several replicas may tick: each list goes once.
func (o *Office) Tick(ctx context.Context) {
	now := o.now()
	due, err := endsDueScript.Run(ctx, o.rdb, []string{o.endsKey()}, now.UnixMilli(), 100).StringSlice()
	if err != nil && ctx.Err() == nil {
		o.log.Warn("busy periods not read", "err", err)
	}
	for _, m := range due {
		number, period, ok := cut(m)
		if ok {
			o.periodEnded(ctx, number, period, "busy")
		}
	}
	// Mornings and reminders are a matter of minutes: looked at once a
	// minute, so an idle office costs Redis nothing more.
	o.slowMu.Lock()
	slow := now.Sub(o.slowAt) >= time.Minute
	if slow {
		o.slowAt = now
	}
	o.slowMu.Unlock()
	if !slow {
		return
	}
	for _, off := range o.list {
		o.morning(ctx, off, now)
	}
	o.remindDue(ctx, now)
}

// morning sends, once, the list of the off-hours period that ended when
// today's hours began.
func (o *Office) morning(ctx context.Context, off *Official, now time.Time) {
	if !o.cal.InHours(off.Hours, now) {
		return
	}
	opened := o.lastOpening(off, now)
	since := o.cal.OffSince(off.Hours, opened.Add(-time.Minute))
	if since.IsZero() {
		return
	}
	period := "o" + strconv.FormatInt(since.UnixMilli(), 10)
	if p, _ := o.listed.Load(off.Number); p == period {
		return // listed already: no Redis command a tick
	}
	o.listed.Store(off.Number, period)
	ok, err := o.rdb.SetNX(ctx, o.prefix+"busy:listed:"+off.Number+":"+period, "1", 8*24*time.Hour).Result()
	if err != nil || !ok {
		return
	}
	o.periodEnded(ctx, off.Number, period, "off_hours")
}

// lastOpening is when the hours holding now began today.
func (o *Office) lastOpening(off *Official, now time.Time) time.Time {
	t := now.In(o.loc())
	y, m, d := t.Date()
	return time.Date(y, m, d, off.Hours.From/60, off.Hours.From%60, 0, 0, o.loc())
}

func (o *Office) loc() *time.Location {
	if o.cal != nil && o.cal.Loc != nil {
		return o.cal.Loc
	}
	return time.UTC
}

func cut(member string) (number, period string, ok bool) {
	for i := len(member) - 1; i >= 0; i-- {
		if member[i] == '|' {
			return member[:i], member[i+1:], true
		}
	}
	return "", "", false
}
