package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/minsheng/minsheng/bot"
	"github.com/minsheng/minsheng/config"
	"github.com/minsheng/minsheng/dialog"
	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/backend/file"
	"github.com/minsheng/minsheng/intake/backend/open311"
	"github.com/minsheng/minsheng/intake/backend/webhook"
	"github.com/minsheng/minsheng/intake/classify"
	"github.com/minsheng/minsheng/intake/outbox"
	"github.com/minsheng/minsheng/intake/queue"
	"github.com/minsheng/minsheng/intake/understand"
	"github.com/minsheng/minsheng/intake/workday"
)

// app is the wired runtime shared by serve and chat.
type app struct {
	cfg      *config.Config
	log      *slog.Logger
	store    *bot.Store
	metrics  *bot.Metrics
	pipeline *bot.Pipeline
	sendq    *bot.SendQueue
	outbox   *outbox.Outbox
	backend  intake.Backend
	journal  *outbox.Journal // nil when backend.journal is ""
	poller   *bot.CasePoller // Open311 only: statuses are polled
}

type appOptions struct {
	// pipeline tunes the pipeline (chat answers each line at once).
	pipeline bot.PipelineOptions
	// queuePoll is how often queues look for due retries.
	queuePoll time.Duration
	// coalesce overrides dialog.coalesce_window when set (chat answers
	// line by line unless asked to wait).
	coalesce *time.Duration
	// block bounds one blocking queue read (how long a stop may wait for
	// it); 0 = the queue's default.
	block time.Duration
	// waitForPetition is how often a supplement looks for its petition.
	waitForPetition time.Duration
	// announceEmbedded says that the embedded store is in use, instead of
	// the warning serve logs.
	announceEmbedded func()
}

// dialogSettings maps the configuration onto the dialog's knobs.
func dialogSettings(cfg *config.Config, coalesce *time.Duration) (dialog.Settings, error) {
	cal, err := workday.New(cfg.Location(), cfg.Intake.Holidays, cfg.Intake.Workdays)
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
	for _, p := range cfg.Intake.Places {
		set.Places = append(set.Places, understand.KnownPlace{County: p.County, Town: p.Town, Aliases: p.Aliases})
	}
	var defs []classify.CategoryDef
	for _, c := range cfg.Intake.Categories {
		set.Categories = append(set.Categories, dialog.CategoryInfo{Code: c.Code, Name: c.Name, Urgent: c.Urgent})
		defs = append(defs, classify.CategoryDef{Code: c.Code, Label: c.Label, Name: c.Name, Keywords: c.Keywords})
	}
	model, err := loadModel(cfg.Intake.Classifier.Model)
	if err != nil {
		return dialog.Settings{}, err
	}
	set.Categorize = classify.NewCategorizer(model, defs).Categorize
	return set, nil
}

// loadModel reads the category model of intake.classifier.model, or the
// embedded default when that is empty.
func loadModel(path string) (*classify.Model, error) {
	if path == "" {
		return classify.Default(), nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("category model: %w", err)
	}
	defer f.Close()
	m, err := classify.Read(f)
	if err != nil {
		return nil, fmt.Errorf("category model %s: %w", path, err)
	}
	return m, nil
}

func newApp(ctx context.Context, cfg *config.Config, log *slog.Logger, opt appOptions) (*app, error) {
	store, err := bot.OpenStore(ctx, cfg.Redis)
	if err != nil {
		return nil, err
	}
	if store.Embedded() && opt.announceEmbedded != nil {
		opt.announceEmbedded()
	} else if store.Embedded() {
		log.Warn("no redis.addr configured: using an in-process store; all state is lost on exit")
	}
	backend, err := newBackend(cfg, log)
	if err != nil {
		_ = store.Close()
		return nil, err
	}
	tpl, problems := dialog.NewTemplates(cfg.Dialog.Templates)
	for _, p := range problems {
		log.Warn("template problem, using the default", "problem", p)
	}
	set, err := dialogSettings(cfg, opt.coalesce)
	if err != nil {
		_ = store.Close()
		return nil, err
	}
	machine := dialog.New(set, tpl)
	metrics := bot.NewMetrics()
	opt.pipeline.Flood = cfg.Flood
	a := &app{cfg: cfg, log: log, store: store, metrics: metrics, backend: backend}
	a.pipeline = bot.NewPipeline(store, machine, cfg, metrics, log, opt.pipeline)
	if fb, ok := backend.(*file.Backend); ok {
		// The store may be new (the embedded one of `chat`) while the file
		// holds earlier runs' petitions: new ids go above theirs.
		a.pipeline.SeedIDs(fb.PetitionIDs())
	}
	if cfg.Backend.Journal != "" {
		if a.journal, err = outbox.OpenJournal(outbox.JournalOptions{Path: cfg.Backend.Journal, Logger: log}); err != nil {
			a.close()
			return nil, err
		}
	}
	a.sendq = bot.NewSendQueue(store.Redis, store.Prefix, metrics, log, queue.Options{Poll: opt.queuePoll, Block: opt.block})
	a.outbox = outbox.New(store.Redis, store.Prefix, backend, queue.Options{
		MaxAttempts: cfg.Backend.MaxAttempts, Poll: opt.queuePoll, Block: opt.block, Logger: log,
		Done: func(e queue.Entry, out queue.Outcome, err error) {
			metrics.Deliveries.WithLabelValues(string(out)).Inc()
		},
	}, outbox.Options{
		Journal: a.journal, WaitForPetition: opt.waitForPetition, Logger: log, OnStoreLost: metrics.StoreLost.Inc,
		Ephemeral: store.Embedded(),
	})
	metrics.WatchQueue(a.outbox.Queue())
	if src, ok := backend.(bot.StatusSource); ok && cfg.Backend.Kind == "open311" {
		a.poller = bot.NewCasePoller(store.Redis, store.Prefix, src, a.outbox, a.pipeline, log)
	}
	// When the backend took a petition: the conversation learns the case id
	// (so 查询 and status events use it), and Open311 cases start being polled.
	a.outbox.OnDelivered = func(ctx context.Context, d outbox.Delivered) {
		if err := a.pipeline.Delivered(ctx, d.Conversation, d.PetitionID, d.CaseID); err != nil {
			log.Warn("could not note the case id in the conversation", "petition", d.PetitionID, "err", err)
		}
		if a.poller != nil {
			if err := a.poller.Track(ctx, d.CaseID); err != nil {
				log.Warn("could not start polling a case", "case", d.CaseID, "err", err)
			}
		}
	}
	return a, nil
}

// routes registers the endpoints every deployment has (channels add theirs).
func (a *app) routes(srv *bot.Server) {
	srv.Handle("POST /api/v1/cases/{case_id}/events", bot.NewEvents(a.cfg.Backend.Webhook.Secret, a.outbox, a.pipeline, a.log))
}

// newBackend builds the configured case backend.
func newBackend(cfg *config.Config, log *slog.Logger) (intake.Backend, error) {
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

// runWorkers starts the send queue, the outbox and the scheduler; the
// returned function waits for them after ctx is done.
func (a *app) runWorkers(ctx context.Context, tick time.Duration) (wait func()) {
	var wg sync.WaitGroup
	start := func(name string, f func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(ctx); err != nil && !errors.Is(err, context.Canceled) {
				a.log.Error("worker stopped", "worker", name, "err", err)
			}
		}()
	}
	start("sendq", a.sendq.Run)
	start("outbox", a.outbox.Run)
	start("scheduler", func(ctx context.Context) error { a.pipeline.RunScheduler(ctx, tick); return nil })
	if a.poller != nil {
		start("open311 poller", func(ctx context.Context) error { a.poller.Run(ctx, a.cfg.Backend.Open311.PollEvery); return nil })
	}
	return wg.Wait
}

// drain waits until the send queue and the outbox have nothing left to do,
// or timeout passes. It reports what is left.
func (a *app) drain(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		sst, err1 := a.sendq.Stats(ctx)
		ost, err2 := a.outbox.Queue().Stats(ctx)
		if err := errors.Join(err1, err2); err != nil {
			return err
		}
		if sst.Empty() && ost.Empty() {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("still waiting after %s: %d replies, %d deliveries", timeout, sst.Ready+sst.Retry, ost.Ready+ost.Retry)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (a *app) close() {
	if c, ok := a.backend.(io.Closer); ok {
		_ = c.Close()
	}
	if a.journal != nil {
		_ = a.journal.Close()
	}
	_ = a.store.Close()
}
