package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/minsheng/minsheng/bot/officeauth"
	"github.com/minsheng/minsheng/bot/officials"
	"github.com/minsheng/minsheng/config"
	"github.com/minsheng/minsheng/dialog"
	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/backend/file"
	"github.com/minsheng/minsheng/intake/backend/open311"
	"github.com/minsheng/minsheng/intake/backend/webhook"
	"github.com/minsheng/minsheng/intake/classify"
	"github.com/minsheng/minsheng/intake/dedup"
	"github.com/minsheng/minsheng/intake/gazetteer"
	"github.com/minsheng/minsheng/intake/hot/live"
	"github.com/minsheng/minsheng/intake/outbox"
	"github.com/minsheng/minsheng/intake/queue"
	"github.com/minsheng/minsheng/intake/spool"
	"github.com/minsheng/minsheng/intake/understand"
	"github.com/minsheng/minsheng/intake/workday"
	"github.com/redis/go-redis/v9"
)

// Runtime is minsheng wired together from a configuration: the store, the
// pipeline and its dialog, the send queue, the outbox to the case backend,
// the scheduler, the HTTP server, and the channels added to it. `serve`,
// `chat` and the tests all run on it, so what happens when the backend
// takes a petition (the conversation learns the case id, Open311 starts
// polling it) is written once, here.
type Runtime struct {
	Config    *config.Config
	Log       *slog.Logger
	Store     *Store
	Metrics   *Metrics
	Pipeline  *Pipeline
	SendQueue *SendQueue
	Outbox    *outbox.Outbox
	Backend   intake.Backend
	Server    *Server

	journal  *outbox.Journal
	hot      *live.Index // hot issues, shared with the other replicas through Redis
	spooled  *Spooled    // nil: no redis.spool, or the embedded store
	spool    *spool.Spool
	poller   *CasePoller       // Open311 only: statuses are polled
	office   *officials.Office // nil without officials
	door     *officeauth.Door  // the office page's accounts, sessions and audit trail
	calls    *queue.Queue      // call-back items into the officials' lists
	handover *queue.Queue      // status events for the conversation that reaches the citizen (handover.go)
	channels []Channel
	now      func() time.Time
	ownStore bool
	present  bool // stamp presence while running (RuntimeOptions.Present)
}

// RuntimeOptions adjust a runtime to its command or test; zero values take
// the configuration as it is.
type RuntimeOptions struct {
	// Store is used instead of opening config redis (tests: a prefix of
	// their own); the runtime does not close it.
	Store *Store
	// Backend is used instead of building config backend (tests).
	Backend intake.Backend
	// Now is the clock (tests: a fake one). Default time.Now.
	Now func() time.Time
	// Queue tunes the send queue and the outbox (Block, Poll, Backoff,
	// MaxAttempts; MaxAttempts of the outbox defaults to backend.max_attempts).
	Queue queue.Options
	// Coalesce overrides dialog.coalesce_window (chat answers line by line).
	Coalesce *time.Duration
	// Pipeline tunes the pipeline (lock and state lifetimes).
	Pipeline PipelineOptions
	// WaitForPetition is how often a supplement looks for its petition.
	WaitForPetition time.Duration
	// AnnounceEmbedded says that the embedded store is in use, instead of
	// the warning logged by default.
	AnnounceEmbedded func()
	// Present stamps this replica's presence in Redis while it runs
	// (serve): a chat started on the same Redis and prefix refuses to
	// share its queues (bot/presence.go).
	Present bool
}

// NewRuntime wires everything but the channels (Add them) from cfg.
func NewRuntime(ctx context.Context, cfg *config.Config, log *slog.Logger, opt RuntimeOptions) (rt *Runtime, err error) {
	if log == nil {
		log = slog.Default()
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	rt = &Runtime{Config: cfg, Log: log, Store: opt.Store, Backend: opt.Backend, now: opt.Now, present: opt.Present}
	defer func() {
		if err != nil {
			rt.Close()
		}
	}()
	workers := workersOf(cfg, opt)
	if rt.Store == nil {
		if rt.Store, err = OpenStore(ctx, cfg.Redis, WorkConns(workers)); err != nil {
			return nil, err
		}
		rt.ownStore = true
		switch {
		case rt.Store.Embedded() && opt.AnnounceEmbedded != nil:
			opt.AnnounceEmbedded()
		case rt.Store.Embedded():
			log.Warn("no redis.addr configured: using an in-process store; all state is lost on exit")
		}
	}
	if rt.Backend == nil {
		if rt.Backend, err = NewBackend(cfg, log); err != nil {
			return nil, err
		}
	}
	tpl, problems := dialog.NewTemplates(cfg.Dialog.Templates)
	for _, p := range problems {
		log.Warn("template problem, using the default", "problem", p)
	}
	set, err := DialogSettings(cfg, opt.Coalesce)
	if err != nil {
		return nil, err
	}
	switch y := opt.Now().In(cfg.Location()).Year(); {
	case !set.Calendar.Covers(y):
		log.Warn("no public holidays known for this year: deadlines skip weekends only; list them under intake.holidays and intake.workdays",
			"year", y)
	case workday.Provisional(y, cfg.Intake.Holidays, cfg.Intake.Workdays):
		log.Warn("the State Council's holiday notice for this year is not built in: deadlines skip weekends and the statutory holidays only, without 调休; list the notice's days under intake.holidays and intake.workdays",
			"year", y)
	}
	rt.Metrics = NewMetrics()
	popt := opt.Pipeline
	popt.Flood, popt.Now = cfg.Flood, opt.Now
	popt.Concurrency = workers.Scheduler
	if popt.InlineLimit == 0 {
		popt.InlineLimit = cfg.Workers.Inline
	}
	popt.Report = NewRecorder(cfg, rt.Store.Prefix, set.Location) // the office's figures
	if rt.office = newOffice(rt, set.Calendar); rt.office != nil {
		popt.Away = awayOf(rt.office)
	}
	rt.Pipeline = NewPipeline(rt.Store, dialog.New(set, tpl), cfg, rt.Metrics, log, popt)
	if fb, ok := rt.Backend.(*file.Backend); ok {
		// The store may be new (the embedded one of `chat`) while the file
		// holds earlier runs' petitions: new ids go above theirs.
		rt.Pipeline.SeedIDs(fb.PetitionIDs())
	}
	if cfg.Backend.Journal != "" {
		if rt.journal, err = outbox.OpenJournal(outbox.JournalOptions{Path: cfg.Backend.Journal, Logger: log, Now: opt.Now}); err != nil {
			return nil, err
		}
	}
	qopt := opt.Queue
	qopt.Logger, qopt.Now = log, opt.Now
	sopt := qopt
	sopt.Concurrency = workers.Send
	rt.SendQueue = NewSendQueue(rt.Store.Redis, rt.Store.Prefix, rt.Metrics, log, sopt)
	rt.SendQueue.OnOptOut(rt.Pipeline.OptOut)
	oopt := qopt
	oopt.Concurrency = workers.Outbox
	if oopt.MaxAttempts == 0 {
		oopt.MaxAttempts = cfg.Backend.MaxAttempts
	}
	oopt.Done = func(e queue.Entry, out queue.Outcome, err error) {
		rt.Metrics.Deliveries.WithLabelValues(string(out)).Inc()
	}
	rt.hot = live.New(rt.Store.Redis, rt.Store.Prefix, live.Options{Window: cfg.Intake.HotWindow, Retention: cfg.Report.Retention, Logger: log})
	rt.Outbox = outbox.New(rt.Store.Redis, rt.Store.Prefix, rt.Backend, oopt, outbox.Options{
		Journal: rt.journal, WaitForPetition: opt.WaitForPetition, Logger: log,
		OnStoreLost: rt.Metrics.StoreLost.Inc, Ephemeral: rt.Store.Embedded(),
		Duplicates: dedup.NewIndex(rt.Store.Redis, rt.Store.Prefix, cfg.Intake.DedupWindow),
		HotIssues:  rt.hot,
	})
	rt.Metrics.WatchQueue(rt.Outbox.Queue())
	hopt := qopt
	hopt.Concurrency, hopt.Group = workers.Handover, handoverGroup
	rt.handover = queue.New(rt.Store.Redis, rt.Store.Prefix, HandoverQueueName, rt.Pipeline.HandOver, hopt)
	rt.Metrics.WatchQueue(rt.handover)
	if src, ok := rt.Backend.(StatusSource); ok && cfg.Backend.Kind == "open311" {
		rt.poller = NewCasePoller(rt.Store.Redis, rt.Store.Prefix, src, rt.Outbox, rt.Pipeline, log)
	}
	rt.Outbox.OnDelivered = rt.delivered
	rt.Server = NewServer(rt.Store, rt.Metrics, log)
	events := NewEvents(cfg.Backend.Webhook.Secret, rt.Outbox, rt.Pipeline, log)
	if cfg.Redis.Spool != "" && !rt.Store.Embedded() {
		var dropped int64
		if rt.spool, dropped, err = spool.OpenSlot(cfg.Redis.Spool, spool.Options{}); err != nil {
			return nil, fmt.Errorf("redis.spool: %w", err)
		}
		if dropped > 0 {
			log.Warn("local spool: a record torn by a crash while being written was cut off", "path", rt.spool.Path(), "bytes", dropped)
		}
		if n := rt.spool.Depth(); n > 0 {
			log.Warn("local spool holds records from an earlier run: replaying them", "path", rt.spool.Path(), "records", n)
		}
		rt.spooled = NewSpooled(rt.Pipeline, rt.spool, rt.Store.Ping, rt.Metrics.Registry, log)
		rt.spooled.events, events.spool, rt.Server.spool = events, rt.spooled, rt.spooled
	}
	rt.Server.Handle("POST /api/v1/cases/{case_id}/events", events)
	rt.door = NewDoor(cfg, rt.Store, opt.Now, log)
	for pattern, h := range rt.officePage(popt.Report).Routes() { // the office's page (bot/report.go)
		rt.Server.Handle(pattern, h)
	}
	if cfg.Report.PublicPage {
		for pattern, h := range rt.publicPage(popt.Report).Routes() { // the public page (bot/report.go)
			rt.Server.Handle(pattern, h)
		}
	}
	if rt.office != nil {
		copt := qopt
		copt.Concurrency = workers.Callbacks
		rt.calls = rt.office.Worker(copt)
		rt.Metrics.WatchQueue(rt.calls)
		api := officials.NewAPI(rt.office, cfg.HTTP.AdminToken)
		api.OnDone = func(r *http.Request, number string, it officials.Item) { // 已回电 by the API: in the audit trail
			_ = rt.door.Audit(r, officeauth.Record{Action: officeauth.ActionCallbackDone, Official: number, Item: it.ID, Case: it.PetitionID})
		}
		for pattern, h := range api.Routes() {
			rt.Server.Handle(pattern, h)
		}
	}
	return rt, nil
}

// workersOf is how much work this runtime does at once: the configuration's
// workers, or the options' where a test sets them. The queues run these, and
// the Redis pool holds a connection for each (WorkConns).
func workersOf(cfg *config.Config, opt RuntimeOptions) config.Workers {
	w := cfg.Workers
	w.Scheduler = or(opt.Pipeline.Concurrency, w.Scheduler)
	w.Send = or(opt.Queue.Concurrency, w.Send)
	w.Outbox = or(opt.Queue.Concurrency, w.Outbox)
	w.Callbacks = or(opt.Queue.Concurrency, w.Callbacks)
	w.Handover = or(opt.Queue.Concurrency, w.Handover)
	return w
}

// or is a if set, else b.
func or(a, b int) int {
	if a > 0 {
		return a
	}
	return b
}

// delivered is what follows the backend taking a petition, written with
// the outbox's record of it: Open311 cases start being polled, and the
// conversation learns the case id (so 查询 and status events use it).
func (rt *Runtime) delivered(ctx context.Context, pipe redis.Pipeliner, d outbox.Delivered) {
	if rt.poller != nil {
		rt.poller.TrackIn(ctx, pipe, d.CaseID)
	}
	if err := rt.Pipeline.NoteDelivered(ctx, pipe, d.Conversation, d.PetitionID, d.CaseID); err != nil {
		rt.Log.Warn("could not note the case id in the conversation", "petition", d.PetitionID, "err", err)
	}
	if rec := rt.Pipeline.opt.Report; rec != nil {
		// The office's record gets its case id now, not at the
		// conversation's next step (there may be none).
		b, err := rec.BatchFor(d.PetitionID)
		if err != nil {
			rt.Log.Warn("a delivered petition not noted in the figures", "petition", d.PetitionID, "err", err)
			return
		}
		b.Delivered(d.PetitionID, d.CaseID)
		if d.Linked != "" {
			b.Linked(d.PetitionID, d.Linked, d.ReceivedAt) // a duplicate found across conversations: counted as one
		}
		b.Queue(ctx, pipe)
	}
}

// Intake is where channels hand messages: the pipeline, behind the local
// spool when there is one.
func (rt *Runtime) Intake() Intake {
	if rt.spooled != nil {
		return rt.spooled
	}
	return rt.Pipeline
}

// Env is what the runtime lends a channel.
func (rt *Runtime) Env() ChannelEnv {
	env := ChannelEnv{
		Intake: rt.Intake(), Resend: rt.SendQueue, Redis: rt.Store.Redis, Prefix: rt.Store.Prefix,
		Metrics: rt.Metrics.Registry, Log: rt.Log, Now: rt.now,
	}
	if rt.office != nil {
		env.Officials = officeChannels{office: rt.office, log: rt.Log}
	}
	return env
}

// Add plugs a channel in: its sender takes the channel's outbound
// messages, its routes join the server, and a Runner runs with the workers.
func (rt *Runtime) Add(ch Channel) {
	if s := ch.Sender(); s != nil { // nil: a channel that only takes in (calls)
		rt.SendQueue.Register(ch.Name(), s)
	}
	for _, r := range ch.Routes() {
		rt.Server.Handle(r.Pattern, r.Handler)
	}
	rt.channels = append(rt.channels, ch)
}

// Run starts the send queue, the outbox, the handover worker, the scheduler, the Open311 poller,
// the officials' lists and the channels that run; the returned function
// waits for them after ctx is done. The scheduler wakes for the timers this
// process sets and sweeps for other replicas' at least every tick.
func (rt *Runtime) Run(ctx context.Context, tick time.Duration) (wait func()) {
	var wg sync.WaitGroup
	start := func(name string, f func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(ctx); err != nil && !errors.Is(err, context.Canceled) {
				rt.Log.Error("worker stopped", "worker", name, "err", err)
				if ctx.Err() == nil {
					// Stopped for good while the rest goes on: not ready.
					rt.Server.Stopped(name, err)
				}
			}
		}()
	}
	if rt.spooled != nil {
		start("spool", rt.spooled.Run)
	}
	if rt.present && !rt.Store.Embedded() {
		start("presence", func(ctx context.Context) error {
			rt.Store.KeepPresent(ctx, ReplicaName(), PresenceEvery, func(err error) { rt.Log.Warn("presence not stamped", "err", err) })
			return nil
		})
	}
	start("sendq", rt.SendQueue.Run)
	start("hot issues", func(ctx context.Context) error {
		// Read before the first petition needs it (it would read it then).
		if err := rt.hot.Load(ctx); err != nil && ctx.Err() == nil {
			rt.Log.Warn("hot issues not loaded yet: the first petition will", "err", err)
		}
		return nil
	})
	start("outbox", rt.Outbox.Run)
	start("handover", rt.handover.Run)
	start("scheduler", func(ctx context.Context) error { rt.Pipeline.RunScheduler(ctx, tick); return nil })
	start("metrics", func(ctx context.Context) error {
		// Queue depths for /metrics, read in the background while it is
		// scraped: a scrape costs Redis nothing.
		rt.Metrics.KeepQueueDepths(ctx, rt.Store.Redis, DepthsEvery, func(err error) { rt.Log.Warn("queue depths not read", "err", err) })
		return nil
	})
	if rt.office != nil {
		start("callbacks", rt.calls.Run)
		// Busy periods end within 10 s of their time; /free ends one at once.
		start("officials", func(ctx context.Context) error {
			repeat(ctx, min(tick, 10*time.Second), func() { rt.office.Tick(ctx) })
			return nil
		})
	}
	if rt.poller != nil {
		start("open311 poller", func(ctx context.Context) error { rt.poller.Run(ctx, rt.Config.Backend.Open311.PollEvery); return nil })
	}
	for _, ch := range rt.channels {
		if r, ok := ch.(Runner); ok {
			// A channel whose start fails (Telegram refusing setWebhook)
			// returns its error: /readyz then says "channel <name> stopped".
			start("channel "+ch.Name(), r.Run)
		}
	}
	return wg.Wait
}

// Drain waits until the send queue, the outbox and the handover stream
// have nothing left to do, or timeout passes; the error says what is left.
func (rt *Runtime) Drain(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		sst, err1 := rt.SendQueue.Stats(ctx)
		ost, err2 := rt.Outbox.Queue().Stats(ctx)
		hst, err3 := rt.handover.Stats(ctx)
		if err := errors.Join(err1, err2, err3); err != nil {
			return err
		}
		if sst.Empty() && ost.Empty() && hst.Empty() {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("still waiting after %s: %d replies, %d deliveries, %d handovers", timeout,
				sst.Ready+sst.Retry, ost.Ready+ost.Retry, hst.Ready+hst.Retry)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Close releases the backend, the journal and a store the runtime opened.
func (rt *Runtime) Close() {
	if c, ok := rt.Backend.(io.Closer); ok {
		_ = c.Close()
	}
	if rt.journal != nil {
		_ = rt.journal.Close()
	}
	if rt.spool != nil {
		_ = rt.spool.Close()
	}
	if rt.ownStore && rt.Store != nil {
		_ = rt.Store.Close()
	}
}

// NewBackend builds the configured case backend.
func NewBackend(cfg *config.Config, log *slog.Logger) (intake.Backend, error) {
	b := cfg.Backend
	switch b.Kind {
	case "webhook":
		return webhook.New(webhook.Options{URL: b.Webhook.URL, Secret: b.Webhook.Secret, Timeout: b.Webhook.Timeout})
	case "open311":
		// GeoReport has no place for supplements and ratings: they go to
		// the file at backend.file.path, where staff find them.
		ledger, err := file.New(file.Options{Path: b.File.Path, Logger: log})
		if err != nil {
			return nil, fmt.Errorf("open311 ledger: %w", err)
		}
		c, err := open311.New(open311.Options{
			Endpoint: b.Open311.Endpoint, APIKey: b.Open311.APIKey, JurisdictionID: b.Open311.JurisdictionID,
			ServiceCodes: b.Open311.ServiceCodes, Timeout: b.Webhook.Timeout, Loc: cfg.Location(), Ledger: ledger,
			DefaultAddress: b.Open311.DefaultAddress, DefaultLat: b.Open311.DefaultLat, DefaultLong: b.Open311.DefaultLong,
		})
		if err != nil {
			ledger.Close()
			return nil, err
		}
		return c, nil
	default:
		fb, err := file.New(file.Options{Path: b.File.Path, Logger: log})
		if err != nil {
			return nil, fmt.Errorf("file backend: %w", err)
		}
		return fb, nil
	}
}

// DialogSettings maps the configuration onto the dialog's knobs; coalesce,
// when set, overrides dialog.coalesce_window.
func DialogSettings(cfg *config.Config, coalesce *time.Duration) (dialog.Settings, error) {
	cal, err := workday.NewOfficial(cfg.Location(), cfg.Intake.Holidays, cfg.Intake.Workdays)
	if err != nil {
		return dialog.Settings{}, fmt.Errorf("working-day calendar: %w", err)
	}
	set := dialog.Settings{
		Location:         cfg.Location(),
		CoalesceWindow:   cfg.Dialog.CoalesceWindow,
		SupplementWindow: cfg.Dialog.SupplementWindow,
		IdleSubmitAfter:  cfg.Dialog.IdleSubmitAfter,
		DedupWindow:      cfg.Intake.DedupWindow,
		AskName:          cfg.Dialog.AskName,
		AskCategory:      cfg.Dialog.AskCategory,
		FloodMax:         cfg.Flood.MaxMessages,
		FloodWindow:      cfg.Flood.Per,
		Calendar:         cal,
		SLA: workday.SLA{
			AssignNextWorkdays: cfg.Intake.SLA.AssignNextWorkdays, ContactDays: cfg.Intake.SLA.ContactDays,
			ResolveWorkdaysUrgent: cfg.Intake.SLA.ResolveWorkdaysUrgent, ResolveWorkdays: cfg.Intake.SLA.ResolveWorkdays,
		},
	}
	if coalesce != nil {
		set.CoalesceWindow = *coalesce
	}
	quiet, ok := dialog.ParseQuietHours(cfg.QuietHours.Start, cfg.QuietHours.End)
	if !ok {
		return dialog.Settings{}, fmt.Errorf("quiet_hours %q–%q do not parse", cfg.QuietHours.Start, cfg.QuietHours.End)
	}
	set.Quiet = quiet
	set.Notify = map[string]bool{}
	for _, s := range cfg.Notify.Statuses {
		set.Notify[s] = true
	}
	set.SurveyRemindAfter, set.SurveyExpireAfter, set.SurveyWords = cfg.Survey.RemindAfter, cfg.Survey.ExpireAfter, cfg.Survey.Words
	set.RevisitShare, set.RevisitAfter = cfg.Survey.RevisitShare, cfg.Survey.RevisitAfter
	for _, p := range cfg.Intake.Places {
		set.Places = append(set.Places, understand.KnownPlace{County: p.County, Town: p.Town, Aliases: p.Aliases})
	}
	set.UrgentWords = cfg.Intake.UrgentWords
	if cfg.Intake.PlacesFile != "" {
		gaz, err := gazetteer.Load(cfg.Intake.PlacesFile)
		if err != nil {
			return dialog.Settings{}, fmt.Errorf("intake.places_file: %w", err)
		}
		for _, p := range gaz {
			set.Places = append(set.Places, understand.KnownPlace{County: p.County, Town: p.Town, Aliases: p.Aliases})
		}
	}
	var defs []classify.CategoryDef
	for _, c := range cfg.Intake.Categories {
		set.Categories = append(set.Categories, dialog.CategoryInfo{Code: c.Code, Name: c.Name, Urgent: c.Urgent})
		defs = append(defs, classify.CategoryDef{Code: c.Code, Label: c.Label, Name: c.Name, Keywords: c.Keywords})
	}
	model, err := classify.Load(cfg.Intake.Classifier.Model)
	if err != nil {
		return dialog.Settings{}, err
	}
	set.Categorize = classify.NewCategorizer(model, defs).Categorize
	set.MinCategoryConfidence = cfg.Intake.Classifier.MinConfidence
	return set, nil
}
