package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/minsheng/minsheng/bot/officials"
	"github.com/minsheng/minsheng/config"
	"github.com/minsheng/minsheng/dialog"
	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/outbox"
	"github.com/minsheng/minsheng/intake/queue"
	"github.com/minsheng/minsheng/intake/report"
	"github.com/minsheng/minsheng/intake/textnorm"
	"github.com/redis/go-redis/v9"
)

// Pipeline takes in every inbound message, whatever the channel, and runs
// the conversations. It is safe for concurrent use, also across replicas.
type Pipeline struct {
	store     *Store
	machine   *dialog.Machine
	officials map[string]dialog.Official
	loc       *time.Location
	opt       PipelineOptions
	metrics   *Metrics
	log       *slog.Logger
	streams   streamKeys
	reserved  *idMarks
	// shardWake is, per shard, the earliest timer this process knows of
	// (one its commits set, or one a scan found; unix ms, 0 = none): the
	// scheduler reads only the shards that have one due. wake tells the
	// scheduler an earlier one was set.
	shardWake [queue.Shards]atomic.Int64
	wake      chan struct{}
	// handling counts the messages inside Handle now; burstUntil (unix
	// ns) is when the last burst, more than InlineLimit of them at once,
	// counts as over (see inBurst).
	handling   atomic.Int64
	burstUntil atomic.Int64
	// burstLane lets one scheduled dialog run at a time during a burst.
	burstLane sync.Mutex
}

// burstCalm is how long after the last moment with more than InlineLimit
// messages in Handle the pipeline still leaves messages to the scheduler:
// a burst is answered in one mode, not flipping per message.
const burstCalm = time.Second

// inBurst says whether a message that makes n in Handle is left to the
// scheduler: always with a negative InlineLimit; beyond the limit, and
// for burstCalm after, otherwise. It uses the wall clock, not Now: it is
// about this process's load.
func (p *Pipeline) inBurst(n int64) bool {
	if p.opt.InlineLimit < 0 {
		return true
	}
	now := time.Now().UnixNano()
	if n > int64(p.opt.InlineLimit) {
		p.burstUntil.Store(now + int64(burstCalm))
		return true
	}
	return now < p.burstUntil.Load()
}

// bursting says whether webhooks are taking messages in faster than the
// dialogs run: the scheduler then runs one dialog at a time, so that
// answering the providers comes first and the replies catch up after.
func (p *Pipeline) bursting() bool {
	return p.opt.InlineLimit >= 0 && time.Now().UnixNano() < p.burstUntil.Load()
}

// wakeGranularity batches timers: the scheduler wakes on multiples of it,
// taking all that fell due meanwhile in one read per shard. Timers are
// coalescing windows and reminders of seconds to days: a quarter second
// late is nothing, and it saves a read per timer.
const wakeGranularity = 250 * time.Millisecond

// PipelineOptions tune the pipeline; zero values take the defaults.
type PipelineOptions struct {
	LockTTL  time.Duration // how long a worker may hold a conversation (default 30s)
	StateTTL time.Duration // how long an idle conversation is kept (default 180 days)
	Flood    config.Flood  // per-sender message limit
	// Concurrency is how many due conversations the scheduler ticks at
	// once (default 1; serve: workers.scheduler).
	Concurrency int
	Now         func() time.Time // default time.Now (tests use a fake clock)
	// Away works out whether the official of a number can answer now,
	// from their busy period as the ingest script read it (nil: always
	// available).
	Away func(number string, busy []byte, now time.Time) *dialog.Away
	// Report records the office's figures in each commit (nil: none).
	Report *report.Recorder
	// InlineLimit is how many messages Handle runs the dialog for at once,
	// inside the caller's request (default 4 per CPU). Beyond it, and for a
	// second after (a burst), a message is only taken in (one round trip:
	// recorded, id reserved, timer set to now) and the scheduler runs its
	// dialog moments later, one at a time while the burst lasts: the
	// provider's webhook is answered at once and the replies follow, in
	// the same order, as the burst passes. Negative: every message is left
	// to the scheduler.
	InlineLimit int
}

// NewPipeline wires a pipeline. The dialog machine decides; the pipeline
// only records, orders and commits.
func NewPipeline(store *Store, machine *dialog.Machine, cfg *config.Config, metrics *Metrics, log *slog.Logger, opt PipelineOptions) *Pipeline {
	if opt.LockTTL <= 0 {
		opt.LockTTL = 30 * time.Second
	}
	if opt.StateTTL <= 0 {
		opt.StateTTL = 180 * 24 * time.Hour
	}
	if opt.Concurrency <= 0 {
		opt.Concurrency = 1
	}
	if opt.InlineLimit == 0 {
		opt.InlineLimit = 4 * runtime.GOMAXPROCS(0)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if metrics == nil {
		metrics = NewMetrics()
	}
	if log == nil {
		log = slog.Default()
	}
	byNumber := map[string]dialog.Official{}
	for _, o := range cfg.Officials {
		byNumber[o.Number] = dialog.Official{Number: o.Number, Name: o.Name, Title: o.Title, County: o.County}
	}
	return &Pipeline{
		store: store, machine: machine, officials: byNumber, loc: cfg.Location(), opt: opt,
		metrics: metrics, log: log, reserved: newIDMarks(), wake: make(chan struct{}, 1),
		streams: streamKeys{
			sendq:    queue.New(store.Redis, store.Prefix, SendQueueName, nil, queue.Options{}).StreamKey,
			outbox:   queue.New(store.Redis, store.Prefix, outbox.QueueName, nil, queue.Options{}).StreamKey,
			bulk:     queue.New(store.Redis, store.Prefix, BulkQueueName, nil, queue.Options{}).StreamKey,
			calls:    queue.New(store.Redis, store.Prefix, officials.QueueName, nil, queue.Options{}).StreamKey,
			handover: queue.New(store.Redis, store.Prefix, HandoverQueueName, nil, queue.Options{}).StreamKey,
		},
	}
}

// Result says what became of one input.
type Result struct {
	Duplicate bool // the provider id was seen before: nothing was done
	Processed bool // this call ran the dialog; otherwise the worker holding the conversation did, or the scheduler will
	Deferred  bool // taken in for the scheduler (InlineLimit reached): its dialog runs moments later
	// Waiting: taken in to wait for the rest of its burst (its answer
	// comes when the coalescing window ends, whoever runs the dialog): the
	// scheduler runs the dialog once then, for the whole burst.
	Waiting   bool
	Replies   int  // replies this call queued (all conversations' inputs it processed)
	Petitions int  // petitions this call submitted
	Spooled   bool // Redis could not take it: kept in the local spool, replayed later
	// HeldUntil: a status or survey message this call produced is held
	// through quiet hours until then (the earliest, when several).
	HeldUntil time.Time
}

// item is one entry of a conversation's inbox.
type item struct {
	Kind      dialog.Kind            `json:"k"`
	In        *Inbound               `json:"in,omitempty"`
	Status    *dialog.StatusInput    `json:"st,omitempty"`
	Delivered *dialog.DeliveredInput `json:"dl,omitempty"`
	// Reply is how to reach the citizen, as the case recorded it: it fills
	// a conversation whose state was lost.
	Reply json.RawMessage `json:"reply,omitempty"`
	At    time.Time       `json:"at"`
}

// record is the stored conversation: where to reach the citizen, and the
// dialog's own state.
type record struct {
	// Reply is where answers go: the address of the last message.
	Reply Address `json:"reply"`
	// Notify is where status and survey messages go when not to Reply.
	Notify *Address `json:"notify,omitempty"`
	// Official is the published number (or bot) last written to.
	Official string       `json:"official,omitempty"`
	Seq      int64        `json:"seq"` // last outbound sequence number
	Dialog   dialog.State `json:"d"`
	// Written by versions before Address: read into Reply by upgrade.
	LegacyChannel string `json:"ch,omitempty"`
	LegacyAddress string `json:"addr,omitempty"`
	LegacyVia     string `json:"via,omitempty"`
}

// upgrade reads a record written before addresses.
func (r *record) upgrade() {
	if r.Reply.Channel == "" && r.LegacyChannel != "" {
		r.Reply = Address{Channel: r.LegacyChannel, To: r.LegacyAddress, From: r.LegacyVia}
		r.Official = r.LegacyVia
	}
	r.LegacyChannel, r.LegacyAddress, r.LegacyVia = "", "", ""
}

// notify is where status and survey messages go.
func (r *record) notify() Address {
	if r.Notify != nil {
		return *r.Notify
	}
	return r.Reply
}

// caseAddress is where the case's status and survey go, for the outbox
// to keep with the case.
func (r *record) caseAddress() json.RawMessage {
	a := r.notify()
	if a.Channel == "" {
		return nil
	}
	b, _ := json.Marshal(a)
	return b
}

// Handle takes in one message: at most three Redis round trips (in practice
// two: record + commit) whatever the channel.
func (p *Pipeline) Handle(ctx context.Context, in Inbound) (Result, error) {
	start := time.Now()
	defer func() { p.metrics.HandleSeconds.WithLabelValues(in.Channel).Observe(time.Since(start).Seconds()) }()
	if in.Conversation == "" || in.Channel == "" {
		return Result{}, fmt.Errorf("%w: no channel or conversation", errBadInbound)
	}
	if in.At.IsZero() {
		in.At = p.opt.Now()
	}
	in.Text = textnorm.Clean(in.Text) // what is stored has no control characters
	p.metrics.Inbound.WithLabelValues(in.Channel).Inc()
	dedup := ""
	if in.ProviderID != "" {
		dedup = in.Channel + ":" + in.ProviderID
	}
	n := p.handling.Add(1)
	defer p.handling.Add(-1)
	deferred := p.inBurst(n)
	// A plain message whose answer waits for its burst anyway is left to
	// the scheduler until the window ends, where the state allows it
	// (dialog.Machine.Waits): one write now, one dialog run for the burst.
	var waitUntil time.Time
	if w := p.machine.BurstWindow(&dialog.Message{Text: in.Text, Call: in.Call, ReportedBy: in.ReportedBy, For: in.For, Window: in.Window}); w > 0 {
		waitUntil = in.At.Add(w) // when the dialog answers it (its reply is due w after its time)
	}
	res, err := p.deliver(ctx, in.Conversation, item{Kind: dialog.KindMessage, In: &in, At: in.At}, dedup, true, p.opt.Flood.Per, deferred, waitUntil)
	if res.Waiting {
		p.noteWake(queue.ShardOf(in.Conversation), waitUntil.UnixMilli())
	} else if deferred && err == nil && !res.Duplicate {
		res.Deferred = true
		p.metrics.Deferred.WithLabelValues(in.Channel).Inc()
		p.noteWake(queue.ShardOf(in.Conversation), p.opt.Now().UnixMilli())
	}
	if res.Duplicate {
		p.metrics.Duplicates.WithLabelValues(in.Channel).Inc()
	}
	return res, err
}

// Flush submits whatever the conversation has open now (the console closing).
func (p *Pipeline) Flush(ctx context.Context, conv string) (Result, error) {
	return p.deliver(ctx, conv, item{Kind: dialog.KindFlush, At: p.opt.Now()}, "", false, 0, false, time.Time{})
}

// Status hands a case status event to the citizen's conversation (d, as
// the outbox recorded the case). The same event (case, status, time)
// delivered twice is applied once: Result.Duplicate.
func (p *Pipeline) Status(ctx context.Context, d outbox.Delivered, ev intake.StatusEvent) (Result, error) {
	if d.Conversation == "" {
		return Result{}, fmt.Errorf("%w: status of case %s for no conversation", errBadInbound, ev.CaseID)
	}
	key := "event:" + ev.CaseID + ":" + ev.Status + ":" + strconv.FormatInt(ev.At.UnixNano(), 36)
	return p.status(ctx, d.Conversation, d.Reply, &dialog.StatusInput{PetitionID: d.PetitionID, Event: ev}, key)
}

// status hands a status input to a conversation, taken once by key; reply
// is how the conversation reaches the citizen if its state is gone.
func (p *Pipeline) status(ctx context.Context, conv string, reply json.RawMessage, s *dialog.StatusInput, key string) (Result, error) {
	return p.deliver(ctx, conv, item{Kind: dialog.KindStatus, At: p.opt.Now(), Reply: reply, Status: s}, key, false, 0, false, time.Time{})
}

// NoteDelivered adds to pipe the writes that tell the conversation the
// backend's case id of a petition: an item appended to its inbox, taken in
// by its next step (the citizen's next message, a status event, a timer),
// before anything that step does. The case id matters only to such a
// step, so it costs no step of its own; the inbox lives as long as a
// state would.
func (p *Pipeline) NoteDelivered(ctx context.Context, pipe redis.Pipeliner, conv, petitionID, caseID string) error {
	raw, err := json.Marshal(item{Kind: dialog.KindDelivered, At: p.opt.Now(),
		Delivered: &dialog.DeliveredInput{PetitionID: petitionID, CaseID: caseID}})
	if err != nil {
		return fmt.Errorf("encode input: %w", err)
	}
	inbox := p.store.conv(conv).inbox
	pipe.RPush(ctx, inbox, raw)
	pipe.Expire(ctx, inbox, p.opt.StateTTL)
	return nil
}

// OptOut records that the citizen must get no more status or survey
// messages (e.g. the carrier reported them unsubscribed: Twilio 21610,
// or a sender returned ErrOptedOut).
func (p *Pipeline) OptOut(ctx context.Context, conv string) error {
	_, err := p.deliver(ctx, conv, item{Kind: dialog.KindOptOut, At: p.opt.Now()}, "", false, 0, false, time.Time{})
	return err
}

func (p *Pipeline) deliver(ctx context.Context, conv string, it item, dedup string, reserve bool, floodWin time.Duration, deferred bool, waitUntil time.Time) (Result, error) {
	raw, err := json.Marshal(it)
	if err != nil {
		return Result{}, fmt.Errorf("encode input: %w", err)
	}
	now := p.opt.Now()
	token := newToken()
	local := it.At.In(p.loc)
	day, shard := local.Format("20060102"), queue.ShardOf(conv)
	var floor int64
	if reserve {
		floor = max(intake.IDClock(local), p.reserved.next(day, shard))
	}
	official := ""
	if it.In != nil {
		official = it.In.To
	}
	ing, err := p.store.ingest(ctx, ingestArgs{
		conv: conv, item: raw, dedupID: dedup, reserve: reserve, day: day, token: token,
		lockTTL: p.opt.LockTTL, stateTTL: p.opt.StateTTL, now: now, floodWin: floodWin, idFloor: floor, official: official,
		deferred: deferred, waitUntil: waitUntil, floodMax: p.opt.Flood.MaxMessages,
	})
	if err != nil {
		return Result{}, err
	}
	if d, n, ok := parseReserved(ing.reserved); ok {
		p.reserved.note(d, shard, n)
	}
	switch ing.status {
	case 0:
		return Result{Duplicate: true}, nil
	case 2:
		return Result{}, nil // the worker holding the conversation takes it
	case 3:
		return Result{Waiting: true}, nil
	}
	return p.process(ctx, conv, token, ing.state, ing.items)
}

// process runs the dialog over inbox items and commits, until the inbox is
// empty. The context of the commit outlives a cancelled caller: the work
// was done, writing it down beats redoing it.
func (p *Pipeline) process(ctx context.Context, conv, token, rawState string, items []string) (Result, error) {
	var rec record
	if rawState != "" {
		if err := decodeRecord(rawState, &rec); err != nil {
			// Never drop the citizen's inbox over a bad state: start afresh, loudly.
			p.log.Error("conversation state unreadable, starting afresh", "conv", conv, "err", err)
			rec = record{}
		}
		rec.upgrade()
	}
	shard := queue.ShardOf(conv)
	var res Result
	res.Processed = true
	for {
		now := p.opt.Now()
		var sends, bulk, boxes, calls, hands []string
		var held []dialog.Held // what quiet hours held in this round, for the log once committed
		var heldUntil time.Time
		submitted := 0
		fig := p.figuresFor(shard) // office figures: written by the commit (bot/report.go, handover.go)
		for _, raw := range items {
			reserved, flood, busy, body := splitItem(raw)
			var it item
			if err := json.Unmarshal(body, &it); err != nil {
				p.log.Error("inbox item unreadable, skipped", "conv", conv, "err", err)
				continue
			}
			in := p.input(&rec, it, reserved, busy, shard, now)
			in.Flood = flood
			if it.Kind == dialog.KindStatus {
				in.HandOver = rec.handOver(conv) // the citizen is reached elsewhere (handover.go)
			}
			before := beforeStep(&rec.Dialog, it)
			out := p.machine.Step(&rec.Dialog, in)
			recordStep(fig, &rec.Dialog, it, before, out, now)
			if !out.HeldUntil.IsZero() && len(rec.Dialog.Held) > 0 {
				held = append(held, rec.Dialog.Held[len(rec.Dialog.Held)-1])
				if heldUntil.IsZero() || out.HeldUntil.Before(heldUntil) {
					heldUntil = out.HeldUntil
				}
			}
			for _, r := range out.Replies {
				rec.Seq++
				to := rec.Reply
				if r.Bulk {
					to = rec.notify()
				}
				ob := Outbound{
					Key: conv + ":" + strconv.FormatInt(rec.Seq, 10), Seq: rec.Seq,
					Channel: to.Channel, Conversation: conv, To: to.To, From: to.From, Thread: to.Thread,
					Text: r.Text, Template: r.Template, Bulk: r.Bulk, Buttons: r.Buttons, Case: r.Case, AskContact: r.AskContact,
					Vars: r.Vars,
				}
				env, err := queue.NewEnvelope(ob.Key, ob, now)
				if err != nil {
					return res, err
				}
				if r.Bulk {
					bulk = append(bulk, env.Encode())
				} else {
					sends = append(sends, env.Encode())
				}
			}
			for _, ev := range out.Events {
				r := outbox.Record{Conversation: conv, Reply: rec.caseAddress()}
				switch {
				case ev.Submit != nil:
					r.Type, r.Petition = outbox.TypePetition, ev.Submit
					submitted++
				case ev.Supplement != nil:
					r.Type, r.Supplement = outbox.TypeSupplement, ev.Supplement
				case ev.Rating != nil:
					r.Type, r.Rating = outbox.TypeRating, ev.Rating
				case ev.Callback != nil:
					env, err := queue.NewEnvelope(conv+":cb:"+strconv.FormatInt(now.UnixNano(), 36)+":"+strconv.Itoa(len(calls)),
						officials.Record{Conversation: conv, Callback: *ev.Callback}, now)
					if err != nil {
						return res, err
					}
					calls = append(calls, env.Encode())
					continue
				case ev.Handover != nil:
					e, err := handoverEntry(ev.Handover, now)
					if err != nil {
						p.log.Error("status event not handed over", "conv", redactConv(conv), "err", err)
						continue
					}
					hands = append(hands, e)
					continue
				default:
					continue
				}
				env, err := outbox.Envelope(r, now)
				if err != nil {
					return res, err
				}
				boxes = append(boxes, env.Encode())
			}
		}
		figs, err := fig.entries(now) // figures of petitions kept on other shards
		if err != nil {
			return res, err
		}
		hands = append(hands, figs...)
		state, err := encodeRecord(&rec)
		if err != nil {
			return res, err
		}
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		wake := p.machine.WakeAt(&rec.Dialog)
		more, err := p.store.commit(cctx, commitArgs{
			conv: conv, token: token, n: len(items), state: state, stateTTL: p.opt.StateTTL,
			wake: wake, waits: p.machine.Waits(&rec.Dialog, now), lockTTL: p.opt.LockTTL, now: now,
			sends: sends, outbox: boxes, bulk: bulk, calls: calls, handover: hands, report: fig.batch(),
		}, p.streams)
		cancel()
		if errors.Is(err, errLockLost) {
			p.log.Warn("conversation taken over by another worker; it redoes the work", "conv", conv)
			res.Processed = false
			return res, nil
		}
		if err != nil {
			return res, err
		}
		if !wake.IsZero() {
			p.noteWake(queue.ShardOf(conv), wake.UnixMilli()) // this process's scheduler wakes for it
		}
		res.Replies += len(sends) + len(bulk)
		res.Petitions += submitted
		if !heldUntil.IsZero() {
			if res.HeldUntil.IsZero() || heldUntil.Before(res.HeldUntil) {
				res.HeldUntil = heldUntil
			}
			until := heldUntil.In(p.loc)
			for _, h := range held {
				p.log.Info("status or survey message held until "+until.Format("15:04")+" (quiet_hours)",
					"conv", redactConv(conv), "case", h.Case, "template", h.Template, "held_until", until.Format(time.RFC3339))
			}
		}
		p.metrics.Petitions.Add(float64(submitted))
		if len(more) == 0 {
			return res, nil
		}
		items = more
	}
}

// input turns an inbox item into the dialog's input.
func (p *Pipeline) input(rec *record, it item, reserved string, busy []byte, shard int, now time.Time) dialog.Input {
	in := dialog.Input{Kind: it.Kind, Now: now, Status: it.Status, Delivered: it.Delivered}
	if rec.Reply.Channel == "" && len(it.Reply) > 0 {
		// A conversation whose state was lost: the case knows the way.
		var a Address
		if err := json.Unmarshal(it.Reply, &a); err == nil {
			rec.Reply = a
		}
	}
	if it.In == nil {
		in.Official = p.official(rec.Official)
		return in
	}
	m := it.In
	// A message is the dialog's as of its arrival, however late it runs (a
	// burst left to its window's end, webhooks beyond InlineLimit, a redo
	// after a crash): it does what it would have done at once, and the
	// tick that follows answers the burst.
	if !m.At.IsZero() && m.At.Before(now) {
		now, in.Now = m.At, m.At
	}
	rec.Reply, rec.Notify, rec.Official = m.Reply, m.Notify, m.To
	msg := &dialog.Message{
		Channel: m.Channel, Citizen: m.Citizen, Text: m.Text,
		Attachments: m.Attachments, At: m.At.In(p.loc), ReportedBy: m.ReportedBy,
		For: m.For, Source: m.Source, WrittenAt: m.WrittenAt, Window: m.Window, Call: m.Call,
	}
	if day, n, ok := parseReserved(reserved); ok {
		if d, err := time.ParseInLocation("20060102", day, p.loc); err == nil {
			msg.PetitionID = intake.PetitionID(d, shard, n)
		}
	}
	in.Message = msg
	in.Official = p.official(m.To)
	if p.opt.Away != nil {
		in.Official.Away = p.opt.Away(m.To, busy, now)
	}
	return in
}

func (p *Pipeline) official(number string) dialog.Official {
	if o, ok := p.officials[number]; ok {
		return o
	}
	return dialog.Official{Number: number}
}

// RunScheduler ticks conversations whose timers are due, until ctx is done.
// It sleeps until the earliest timer it knows of: one its own commits set
// (they wake it), or one a sweep found; it sweeps at least every sweep, for
// the timers other replicas set. Several replicas may run it: a due timer
// is handed to one of them.
func (p *Pipeline) RunScheduler(ctx context.Context, sweep time.Duration) {
	nextSweep := time.Now()
	for {
		wake := nextSweep
		if due := p.earliestWake(); due != 0 {
			// Up to the next multiple of wakeGranularity.
			g := wakeGranularity.Milliseconds()
			if at := time.UnixMilli((due + g - 1) / g * g); at.Before(wake) {
				wake = at
			}
		}
		t := time.NewTimer(max(time.Until(wake), 0))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-p.wake:
			t.Stop()
			continue
		case <-t.C:
		}
		all := !time.Now().Before(nextSweep)
		p.runDue(ctx, all)
		if all {
			nextSweep = time.Now().Add(sweep)
		}
	}
}

// earliestWake is the earliest timer known over all shards (0 = none).
func (p *Pipeline) earliestWake() int64 {
	var e int64
	for s := range p.shardWake {
		if d := p.shardWake[s].Load(); d != 0 && (e == 0 || d < e) {
			e = d
		}
	}
	return e
}

// noteWake tells the scheduler a timer of shard falls due at t (unix ms).
func (p *Pipeline) noteWake(shard int, t int64) {
	w := &p.shardWake[shard]
	for {
		cur := w.Load()
		if cur != 0 && cur <= t {
			return
		}
		if w.CompareAndSwap(cur, t) {
			break
		}
	}
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// repeat calls f every interval until ctx is done.
func repeat(ctx context.Context, every time.Duration, f func()) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		f()
	}
}

// RunDue ticks every conversation whose timer is due now.
func (p *Pipeline) RunDue(ctx context.Context) int {
	return p.runDue(ctx, true)
}

// runDue ticks the due conversations of every shard (all), or of the
// shards with a timer known to be due. Due conversations are ticked
// Concurrency at a time: each is a different conversation, and a tick
// holds its conversation's lock.
func (p *Pipeline) runDue(ctx context.Context, all bool) int {
	var (
		n  atomic.Int64
		wg sync.WaitGroup
	)
	now := p.opt.Now()
	slots := make(chan struct{}, p.opt.Concurrency)
	for s := 0; s < queue.Shards && ctx.Err() == nil; s++ {
		if d := p.shardWake[s].Load(); !all && (d == 0 || d > now.UnixMilli()) {
			continue
		}
		p.shardWake[s].Store(0) // a commit meanwhile notes its timer again
		tick, err := json.Marshal(item{Kind: dialog.KindTick, At: now})
		if err != nil {
			p.log.Error("encode tick", "err", err)
			continue
		}
		due, next, err := p.store.dueConversations(ctx, s, now, 2*p.opt.LockTTL, p.opt.LockTTL, 100, tick)
		if err != nil {
			p.log.Warn("scheduler could not read timers", "shard", s, "err", err)
			p.noteWake(s, now.Add(time.Second).UnixMilli()) // try again soon
			continue
		}
		if next > 0 {
			p.noteWake(s, next)
		}
		for _, d := range due {
			if d.token == "" {
				n.Add(1) // its lock holder takes the tick
				continue
			}
			slots <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() { <-slots; wg.Done() }()
				if p.bursting() {
					p.burstLane.Lock()
					defer p.burstLane.Unlock()
				}
				if _, err := p.process(ctx, d.conv, d.token, d.state, d.items); err != nil {
					p.log.Warn("scheduled tick failed", "conv", d.conv, "err", err)
				}
				n.Add(1)
			}()
		}
	}
	wg.Wait()
	return int(n.Load())
}

// SeedIDs tells the pipeline of petition ids issued before, e.g. by an
// earlier run whose store is gone (the embedded store of `chat`): ids
// reserved later on their days are above them.
func (p *Pipeline) SeedIDs(ids []string) {
	for _, id := range ids {
		if day, shard, n, ok := intake.ParsePetitionID(id); ok {
			p.reserved.note(day, shard, n)
		}
	}
}

// State reads a conversation's dialog state (for staff tools and tests),
// with the case ids noted since its last step (NoteDelivered); a
// conversation never seen has the zero state.
func (p *Pipeline) State(ctx context.Context, conv string) (dialog.State, error) {
	k := p.store.conv(conv)
	pipe := p.store.Redis.Pipeline()
	st := readStateScript.Eval(ctx, pipe, []string{k.hash, k.legacyState}) // EVAL: a pipeline cannot load a missing script
	inbox := pipe.LRange(ctx, k.inbox, 0, -1)
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return dialog.State{}, fmt.Errorf("state of %s: %w", redactConv(conv), err)
	}
	var rec record
	stored, _ := st.Text()
	if err := decodeRecord(stored, &rec); err != nil {
		return dialog.State{}, fmt.Errorf("state of %s: %w", redactConv(conv), err)
	}
	for _, raw := range inbox.Val() {
		_, _, _, body := splitItem(raw)
		var it item
		if json.Unmarshal(body, &it) == nil && it.Kind == dialog.KindDelivered && it.Delivered != nil {
			p.machine.Step(&rec.Dialog, dialog.Input{Kind: dialog.KindDelivered, Delivered: it.Delivered, Now: it.At})
		}
	}
	return rec.Dialog, nil
}
