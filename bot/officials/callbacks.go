package officials

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/queue"
	"github.com/redis/go-redis/v9"
)

// Errors the admin API and commands turn into answers.
var (
	ErrUnknown    = errors.New("unknown official")
	ErrBadRequest = errors.New("bad request")
	ErrNoItem     = errors.New("no such call-back item")
)

// QueueName is the queue of call-back items from the dialog.
const QueueName = "callbacks"

// Item is one entry of an official's call-back list (回电清单).
type Item struct {
	ID           string    `json:"id"`
	Official     string    `json:"official"`
	Period       string    `json:"period,omitempty"`
	Conversation string    `json:"cv,omitempty"`
	Phone        string    `json:"phone,omitempty"`
	Name         string    `json:"name,omitempty"`
	At           time.Time `json:"at"`
	PetitionID   string    `json:"petition_id,omitempty"` // "" = 未形成诉求
	Summary      string    `json:"summary,omitempty"`
	Text         string    `json:"text,omitempty"`      // the matter in the citizen's words (intake.Callback.Text)
	Emergency    string    `json:"emergency,omitempty"` // the numbers the citizen was told to call now ("119")
	Reasons      []string  `json:"reasons"`
	ContactBy    time.Time `json:"contact_by"`
	State        string    `json:"state"` // open | done
	DoneBy       string    `json:"done_by,omitempty"`
	DoneAt       time.Time `json:"done_at,omitempty"`
	Reminded     bool      `json:"reminded,omitempty"`
}

// Item states.
const (
	Open = "open"
	Done = "done"
)

// Record is what the dialog's call-back event becomes in the queue: the
// item and the citizen's conversation.
type Record struct {
	Conversation string          `json:"cv"`
	Callback     intake.Callback `json:"callback"`
}

// itemID identifies an item: one per citizen per busy period; without a
// period (an unclear petition), one per petition.
func itemID(cb intake.Callback, conv string) string {
	key := cb.Official + "|" + cb.Period + "|" + conv
	if cb.Period == "" {
		key = cb.Official + "||" + cb.PetitionID
	}
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:5])
}

func (o *Office) itemsKey(number string) string { return o.prefix + "cb:{" + number + "}" }

// casScript writes an item if it is still what was read (ARGV[2], "" for
// none). KEYS: items hash  ARGV: id, old, new. Returns 1 when written.
var casScript = redis.NewScript(`
local cur = redis.call('HGET', KEYS[1], ARGV[1]) or ''
if cur ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1`)

// update applies change to an item, atomically against other replicas.
func (o *Office) update(ctx context.Context, number, id string, change func(it *Item, exists bool) error) (Item, error) {
	key := o.itemsKey(number)
	for attempt := 0; attempt < 10; attempt++ {
		// The first attempt takes the item to be new (most are: one a
		// citizen a period) and writes it only if it is: one round trip.
		old := ""
		if attempt > 0 {
			var err error
			if old, err = o.rdb.HGet(ctx, key, id).Result(); err != nil && !errors.Is(err, redis.Nil) {
				return Item{}, fmt.Errorf("read call-back item: %w", err)
			}
		}
		var it Item
		exists := old != ""
		if exists {
			var err error
			if it, err = decodeItem(number, id, old, o.loc()); err != nil {
				return Item{}, err
			}
		}
		if err := change(&it, exists); err != nil {
			if attempt == 0 {
				continue // it may exist: read it
			}
			return Item{}, err
		}
		ok, err := casScript.Run(ctx, o.rdb, []string{key}, id, old, encodeItem(it)).Int()
		if err != nil {
			return Item{}, fmt.Errorf("write call-back item: %w", err)
		}
		if ok == 1 {
			return it, nil
		}
	}
	return Item{}, fmt.Errorf("call-back item %s: changed under us too often", id)
}

// Add puts a citizen on an official's call-back list, or fills in the item
// they have there for this period (a petition that followed a message or a
// missed call). An item done stays done.
func (o *Office) Add(ctx context.Context, cb intake.Callback, conv string) (Item, error) {
	if _, ok := o.byNumber[cb.Official]; !ok {
		return Item{}, nil // a number that is no official's (the hotline): nobody's list
	}
	id := itemID(cb, conv)
	return o.update(ctx, cb.Official, id, func(it *Item, exists bool) error {
		if !exists {
			*it = Item{ID: id, Official: cb.Official, Period: cb.Period, Conversation: conv, At: cb.At, State: Open, ContactBy: cb.ContactBy}
		}
		if it.Phone == "" {
			it.Phone = cb.Phone
		}
		if it.Name == "" {
			it.Name = cb.Name
		}
		if cb.PetitionID != "" && it.PetitionID == "" {
			it.PetitionID = cb.PetitionID
			it.Summary, it.Text = cb.Summary, cb.Text
		}
		if it.Summary == "" {
			it.Summary = cb.Summary
		}
		if it.Text == "" {
			it.Text = cb.Text
		}
		if cb.Emergency != "" {
			it.Emergency = cb.Emergency
		}
		if !cb.At.IsZero() && (it.At.IsZero() || cb.At.Before(it.At)) {
			it.At = cb.At
		}
		if !cb.ContactBy.IsZero() && (it.ContactBy.IsZero() || cb.ContactBy.Before(it.ContactBy)) {
			it.ContactBy = cb.ContactBy
		}
		if !contains(it.Reasons, cb.Reason) {
			it.Reasons = append(it.Reasons, cb.Reason)
		}
		return nil
	})
}

// MarkDone marks an item called back, by whom.
func (o *Office) MarkDone(ctx context.Context, number, id, by string) (Item, error) {
	if _, ok := o.byNumber[number]; !ok {
		return Item{}, ErrUnknown
	}
	now := o.now()
	changed := false
	it, err := o.update(ctx, number, id, func(it *Item, exists bool) error {
		if !exists {
			return ErrNoItem
		}
		changed = it.State != Done
		if changed {
			it.State, it.DoneBy, it.DoneAt = Done, by, now
		}
		return nil
	})
	if err == nil && changed && o.done != nil {
		// counted after the mark: a failure here costs the count, loudly,
		// not the call back
		if cerr := o.done(ctx, number, now); cerr != nil {
			o.log.Error("call-back done not counted in the report", "official", number, "err", cerr)
		}
	}
	return it, err
}

// keepDone is how long items called back stay on the list.
const keepDone = 30 * 24 * time.Hour

// Items lists an official's call-back items, oldest first: the open ones,
// or all (done ones for 30 days); period, when set, keeps that period's.
func (o *Office) Items(ctx context.Context, number string, openOnly bool, period string) ([]Item, error) {
	if _, ok := o.byNumber[number]; !ok {
		return nil, ErrUnknown
	}
	all, err := o.rdb.HGetAll(ctx, o.itemsKey(number)).Result()
	if err != nil {
		return nil, fmt.Errorf("read call-back list of %s: %w", number, err)
	}
	now := o.now()
	var items []Item
	var stale []string
	for id, raw := range all {
		it, err := decodeItem(number, id, raw, o.loc())
		if err != nil {
			o.log.Error("call-back item unreadable: not listed", "official", number, "id", id, "err", err)
			continue
		}
		if it.State == Done && now.Sub(it.DoneAt) > keepDone {
			stale = append(stale, id)
			continue
		}
		if (openOnly && it.State != Open) || (period != "" && it.Period != period) {
			continue
		}
		items = append(items, it)
	}
	if len(stale) > 0 {
		o.rdb.HDel(ctx, o.itemsKey(number), stale...)
	}
	sort.Slice(items, func(i, j int) bool {
		if !items[i].At.Equal(items[j].At) {
			return items[i].At.Before(items[j].At)
		}
		return items[i].ID < items[j].ID
	})
	return items, nil
}

// DueSoon reports whether an item's 3-day contact deadline is within a day
// (临期).
func (it Item) DueSoon(now time.Time) bool {
	return it.State == Open && !it.ContactBy.IsZero() && it.ContactBy.Sub(now) < 24*time.Hour
}

// Worker takes the dialog's call-back events into the lists.
func (o *Office) Worker(opt queue.Options) *queue.Queue {
	return queue.New(o.rdb, o.prefix, QueueName, func(ctx context.Context, e queue.Entry) error {
		var r Record
		if err := e.Decode(&r); err != nil {
			return fmt.Errorf("%w: %v", queue.ErrPermanent, err)
		}
		it, err := o.Add(ctx, r.Callback, r.Conversation)
		if err != nil || r.Callback.Reason != intake.CallbackUrgent {
			return err
		}
		if it.ID == "" {
			o.log.Warn("an urgent petition has no official's office to alert: it was written to a number that is no official's",
				"petition", r.Callback.PetitionID, "number", r.Callback.Official)
			return nil
		}
		return o.alert(ctx, it, r.Callback)
	}, opt)
}

// remindDue reminds each office, once, of the items still open after
// callbacks.remind_after.
func (o *Office) remindDue(ctx context.Context, now time.Time) {
	for _, off := range o.list {
		items, err := o.Items(ctx, off.Number, true, "")
		if err != nil {
			continue
		}
		var due []Item
		for _, it := range items {
			if !it.Reminded && now.Sub(it.At) >= o.remind {
				due = append(due, it)
			}
		}
		if len(due) == 0 {
			continue
		}
		var marked []Item
		for _, it := range due {
			// Marked first: a reminder goes once even when two replicas tick.
			m, err := o.update(ctx, off.Number, it.ID, func(x *Item, _ bool) error {
				if x.Reminded {
					return errAlready
				}
				x.Reminded = true
				return nil
			})
			if err == nil {
				marked = append(marked, m)
			}
		}
		if len(marked) > 0 && o.notify != nil {
			l := o.render(off, marked, "reminder", now)
			l.ToOffice = true
			if err := o.notify.Notify(ctx, off, l); err != nil {
				o.log.Error("call-back reminder not sent", "official", off.Number, "err", err)
			}
		}
	}
}

var errAlready = errors.New("already done")

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// mask shows a phone number as 138****5678.
func mask(phone string) string {
	p := strings.TrimPrefix(phone, "+86")
	if len(p) < 7 {
		return phone
	}
	return p[:3] + "****" + p[len(p)-4:]
}
