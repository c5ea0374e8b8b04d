package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"sort"
	"time"

	"github.com/minsheng/minsheng/bot/officeauth"
	"github.com/minsheng/minsheng/bot/officepage"
	"github.com/minsheng/minsheng/bot/officials"
	"github.com/minsheng/minsheng/bot/publicpage"
	"github.com/minsheng/minsheng/config"
	"github.com/minsheng/minsheng/dialog"
	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/outbox"
	"github.com/minsheng/minsheng/intake/queue"
	"github.com/minsheng/minsheng/intake/report"
)

// The office's figures (intake/report) are written by the conversation
// commit itself: what a dialog step did becomes report writes in the same
// script as the state, so they cost no round trip and are never counted
// without the state they describe, nor twice when a commit is redone.

// NewRecorder builds the report recorder from the configuration.
func NewRecorder(cfg *config.Config, prefix string, loc *time.Location) *report.Recorder {
	units := map[string]string{}
	for _, c := range cfg.Intake.Categories {
		if c.Unit != "" {
			units[c.Code] = c.Unit
		}
	}
	return &report.Recorder{Prefix: prefix, Loc: loc, Retention: cfg.Report.Retention, Units: units}
}

// reportBatch starts a commit's report writes (nil when reports are off).
func (p *Pipeline) reportBatch(shard int) *report.Batch {
	if p.opt.Report == nil {
		return nil
	}
	return p.opt.Report.Batch(queue.Tag(p.store.Prefix, shard))
}

// reportBefore is what the report needs of the state before a step.
type reportBefore struct {
	reason *dialog.ReasonWait // a rating whose reason is awaited
	rating string             // the rating of the case a status event is about
}

func beforeStep(st *dialog.State, it item) reportBefore {
	var b reportBefore
	if st.Reason != nil {
		w := *st.Reason
		b.reason = &w
	}
	if it.Status != nil {
		if c := caseOf(st, it.Status.PetitionID); c != nil {
			b.rating = c.Rating
		}
	}
	return b
}

func caseOf(st *dialog.State, id string) *dialog.Case {
	for i := len(st.Cases) - 1; i >= 0; i-- {
		if c := &st.Cases[i]; c.ID == id || (c.CaseID != "" && c.CaseID == id) {
			return c
		}
	}
	return nil
}

// recordStep adds to the commit's figures what one dialog step did: a
// message received, petitions, statuses, ratings, auto-replies and
// call-back items. What concerns a petition of another shard (a case
// handed over to this conversation) goes to that shard (figures.of).
func recordStep(f *figures, st *dialog.State, it item, before reportBefore, out dialog.Output, now time.Time) {
	b := f.batch()
	if b == nil {
		return
	}
	if it.Kind == dialog.KindMessage && it.In != nil {
		b.Message(it.In.At, it.In.Channel, it.In.To)
		if out.NoMatter > 0 {
			b.NoMatter(it.In.At, it.In.Channel, it.In.To, out.NoMatter)
		}
		for _, r := range out.Replies {
			if dialog.IsAutoReply(r.Template) {
				b.AutoReply(now, it.In.Channel, it.In.To)
			}
		}
	}
	for _, r := range out.Replies {
		if r.Template == dialog.RevisitTemplate && r.Case != "" {
			f.of(r.Case).RevisitSent(r.Case, now) // 回头看, when it goes (after quiet hours)
		}
	}
	if it.Status != nil {
		ev := it.Status.Event
		if ev.At.IsZero() {
			ev.At = now
		}
		sent := false
		if c := caseOf(st, it.Status.PetitionID); c != nil && len(c.History) > 0 {
			last := c.History[len(c.History)-1]
			sent = ev.Status == intake.StatusResolved && last.Status == ev.Status && last.Sent
		}
		if it.Status.Case != nil {
			// Handed over: the conversation that has the case counted the
			// status; the survey is this conversation's to count.
			if sent {
				f.of(it.Status.PetitionID).SurveySent(it.Status.PetitionID, ev.At, ev.Unit)
			}
		} else {
			b.Status(it.Status.PetitionID, ev, before.rating, sent)
		}
	}
	for _, ev := range out.Events {
		switch {
		case ev.Submit != nil:
			b.Petition(ev.Submit, firstReply(ev.Submit, len(out.Replies) > 0, now))
		case ev.Rating != nil && ev.Rating.Revisit:
			f.of(ev.Rating.PetitionID).RevisitAnswer(ev.Rating)
		case ev.Rating != nil:
			prev, prevSolved := "", (*bool)(nil)
			if w := before.reason; w != nil && w.PetitionID == ev.Rating.PetitionID {
				prev, prevSolved = w.Rating, w.Solved
			}
			f.of(ev.Rating.PetitionID).Answer(ev.Rating, prev, prevSolved)
		case ev.Callback != nil:
			b.Callback(now, ev.Callback.Official, ev.Callback.Reason)
		}
	}
}

// firstReply is the time from the citizen's first message to the bot's
// first answer: a bot turn of the transcript, else this step's replies
// (the receipt); -1 when neither.
func firstReply(p *intake.Petition, replied bool, now time.Time) time.Duration {
	var first time.Time
	for _, t := range p.Transcript {
		switch {
		case t.From == "citizen" && first.IsZero():
			first = t.At
		case t.From == "bot" && !first.IsZero():
			return max(0, t.At.Sub(first))
		}
	}
	if first.IsZero() || !replied {
		return -1
	}
	return max(0, now.Truncate(time.Second).Sub(first))
}

// QueueNames are the durable queues, whose dead letters reports count.
var QueueNames = []string{SendQueueName, BulkQueueName, outbox.QueueName, officials.QueueName, HandoverQueueName}

// NewDoor builds the office page's door (bot/officeauth) over store:
// accounts, sessions and the audit trail in its Redis.
func NewDoor(cfg *config.Config, store *Store, now func() time.Time, log *slog.Logger) *officeauth.Door {
	proxies, _ := cfg.Office.Proxies() // validated
	return officeauth.New(officeauth.Options{Redis: store.Redis, Prefix: store.Prefix, Token: cfg.HTTP.AdminToken,
		SessionIdle: cfg.Office.SessionIdle, SessionMax: cfg.Office.SessionMax, AuditRetention: cfg.Office.AuditRetention,
		TrustedProxies: proxies, Now: now, Log: log})
}

// Door is the office page's door: serve announces what opens it.
func (rt *Runtime) Door() *officeauth.Door { return rt.door }

// officePage builds the office's page (/office/) over the runtime.
func (rt *Runtime) officePage(rec *report.Recorder) *officepage.Page {
	cfg := rt.Config
	rd := &report.Reader{Redis: rt.Store.Redis, Prefix: rt.Store.Prefix, Loc: rec.Loc, DeadQueues: QueueNames}
	opt := officepage.Options{Reader: rd, Door: rt.door, Loc: rec.Loc, Now: rt.now, RankMin: cfg.Report.RankMin, Log: rt.Log,
		Recheck: func(ctx context.Context, id, reason string) error { return rt.requestRecheck(ctx, rec, id, reason) }}
	opt.HotIssues = officepage.HotIssuesFrom(rt.hot.List)
	opt.Categories = map[string]string{}
	for _, c := range cfg.Intake.Categories {
		opt.Categories[c.Code] = c.Name
	}
	opt.Failed, opt.Retry = rt.failedDeliveries()
	if rt.office != nil {
		opt.Officials = map[string]string{}
		for _, off := range rt.office.Officials() {
			opt.Officials[off.Number] = off.Who()
		}
		opt.CallbackDone = func(ctx context.Context, official, item, by string) error {
			_, err := rt.office.MarkDone(ctx, official, item, by)
			if errors.Is(err, officials.ErrNoItem) || errors.Is(err, officials.ErrUnknown) {
				return fmt.Errorf("%w: %w", officepage.ErrNoCallback, err)
			}
			return err
		}
		opt.Callbacks = func(ctx context.Context) ([]officepage.Callbacks, error) {
			var out []officepage.Callbacks
			for _, off := range rt.office.Officials() {
				items, err := rt.office.Items(ctx, off.Number, true, "")
				if err != nil {
					return nil, err
				}
				l := officepage.Callbacks{Official: off.Number, Who: off.Who()}
				for _, it := range items {
					l.Items = append(l.Items, officepage.Callback{ID: it.ID, At: it.At.In(rec.Loc), Phone: it.Phone, Name: it.Name,
						PetitionID: it.PetitionID, Summary: it.Summary, Text: it.Text, Reasons: it.Reasons, Emergency: it.Emergency,
						ContactBy: it.ContactBy.In(rec.Loc)})
				}
				out = append(out, l)
			}
			return out, nil
		}
	}
	return officepage.New(opt)
}

// failedPerShard is how many dead letters of each shard of each queue
// the office page reads.
const failedPerShard = 50

// petitionIDIn finds the petition a dead letter is about, in its body.
var petitionIDIn = regexp.MustCompile(`MS-[0-9]{8}-[0-9A-Z]{5}`)

// failedDeliveries lists the durable queues' dead letters for the office
// page (投递失败), newest first, and puts one back (重试).
func (rt *Runtime) failedDeliveries() (func(context.Context) ([]officepage.Failed, error), func(context.Context, string, int, string) error) {
	queues := map[string]*queue.Queue{}
	for _, name := range QueueNames {
		queues[name] = queue.New(rt.Store.Redis, rt.Store.Prefix, name, nil, queue.Options{})
	}
	list := func(ctx context.Context) ([]officepage.Failed, error) {
		var out []officepage.Failed
		for _, name := range QueueNames {
			dls, err := queues[name].DeadLetters(ctx, failedPerShard)
			if err != nil {
				return nil, err
			}
			for _, d := range dls {
				out = append(out, officepage.Failed{Queue: name, Shard: d.Shard, ID: d.ID, Case: petitionIDIn.FindString(string(d.Body)),
					Error: d.Error, Attempts: d.Attempts, At: d.At, Parked: d.Parked})
			}
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Parked.After(out[j].Parked) })
		return out, nil
	}
	retry := func(ctx context.Context, name string, shard int, id string) error {
		q, ok := queues[name]
		if !ok {
			return officepage.ErrNoFailed
		}
		var edit func(json.RawMessage) (json.RawMessage, error)
		if name == SendQueueName || name == BulkQueueName {
			edit = outOfOrder
		}
		err := q.Requeue(ctx, shard, id, edit)
		if errors.Is(err, queue.ErrNoDeadLetter) {
			return fmt.Errorf("%w: %w", officepage.ErrNoFailed, err)
		}
		if err == nil {
			rt.Log.Info("dead letter requeued from the office page", "queue", name, "shard", shard, "id", id)
		}
		return err
	}
	return list, retry
}

// outOfOrder takes a message tried again by hand out of its citizen's
// order (Seq 0): the send queue recorded it as sent when it failed, so
// that the later messages went, and would skip it as sent already.
func outOfOrder(body json.RawMessage) (json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("not a message: %w", err)
	}
	delete(m, "seq")
	return json.Marshal(m)
}

// publicPage builds the public page (/public/, report.public_page): the
// figures, rankings and answered hot issues, no personal data.
func (rt *Runtime) publicPage(rec *report.Recorder) *publicpage.Page {
	rd := &report.Reader{Redis: rt.Store.Redis, Prefix: rt.Store.Prefix, Loc: rec.Loc, DeadQueues: QueueNames}
	months := int(rt.Config.Report.Retention/(31*24*time.Hour)) - 1
	return publicpage.New(publicpage.Options{Reader: rd, HotIssues: rt.hot.List, Loc: rec.Loc, Now: rt.now,
		RankMin: rt.Config.Report.RankMin, Months: months, Log: rt.Log})
}

// requestRecheck records a 复核 request and queues the reopen_requested
// record for the backend, in one script: both or neither, and once.
func (rt *Runtime) requestRecheck(ctx context.Context, rec *report.Recorder, petitionID, reason string) error {
	_, shard, _, ok := intake.ParsePetitionID(petitionID)
	if !ok {
		return fmt.Errorf("not a petition id: %q", petitionID)
	}
	now := rt.now()
	r := outbox.Record{Type: outbox.TypeReopen, Reopen: &intake.ReopenRequest{PetitionID: petitionID, Reason: reason, RequestedBy: "office", At: now.In(rec.Loc)}}
	env, err := outbox.Envelope(r, now)
	if err != nil {
		return err
	}
	b, err := rec.BatchFor(petitionID)
	if err != nil {
		return err
	}
	b.RecheckRequested(petitionID, now, rt.Outbox.Queue().StreamKey(shard), env.Encode())
	return b.Apply(ctx, rt.Store.Redis)
}

// countCallbackDone counts a call-back item marked done (report.MCallbacksDone).
func (rt *Runtime) countCallbackDone(ctx context.Context, number string, at time.Time) error {
	rec := NewRecorder(rt.Config, rt.Store.Prefix, rt.Config.Location())
	b := rec.Batch(queue.Tag(rt.Store.Prefix, queue.ShardOf(number)))
	b.CallbackDone(at, number)
	return b.Apply(ctx, rt.Store.Redis)
}
