package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/minsheng/minsheng/bot"
	"github.com/minsheng/minsheng/config"
	"github.com/minsheng/minsheng/dialog"
	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/backend/file"
	"github.com/minsheng/minsheng/intake/backend/open311"
	"github.com/minsheng/minsheng/intake/backend/webhook"
	"github.com/minsheng/minsheng/intake/outbox"
	"github.com/minsheng/minsheng/intake/queue"
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
}

type appOptions struct {
	// pipeline tunes the pipeline (chat answers each line at once).
	pipeline bot.PipelineOptions
	// queuePoll is how often queues look for due retries.
	queuePoll time.Duration
}

func newApp(ctx context.Context, cfg *config.Config, log *slog.Logger, opt appOptions) (*app, error) {
	store, err := bot.OpenStore(ctx, cfg.Redis, log)
	if err != nil {
		return nil, err
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
	machine := dialog.New(dialog.Settings{Location: cfg.Location(), FloodMax: cfg.Flood.MaxMessages}, tpl)
	metrics := bot.NewMetrics()
	opt.pipeline.Flood = cfg.Flood
	a := &app{cfg: cfg, log: log, store: store, metrics: metrics, backend: backend}
	a.pipeline = bot.NewPipeline(store, machine, cfg, metrics, log, opt.pipeline)
	a.sendq = bot.NewSendQueue(store.Redis, store.Prefix, metrics, log, queue.Options{Poll: opt.queuePoll})
	a.outbox = outbox.New(store.Redis, store.Prefix, backend, queue.Options{
		MaxAttempts: cfg.Backend.MaxAttempts, Poll: opt.queuePoll, Logger: log,
		Done: func(e queue.Entry, out queue.Outcome, err error) {
			metrics.Deliveries.WithLabelValues(string(out)).Inc()
		},
	})
	metrics.WatchQueue(a.outbox.Queue())
	return a, nil
}

// newBackend builds the configured case backend.
func newBackend(cfg *config.Config, log *slog.Logger) (intake.Backend, error) {
	b := cfg.Backend
	switch b.Kind {
	case "webhook":
		return webhook.New(webhook.Options{URL: b.Webhook.URL, Secret: b.Webhook.Secret, Timeout: b.Webhook.Timeout})
	case "open311":
		return open311.New(open311.Options{
			Endpoint: b.Open311.Endpoint, APIKey: b.Open311.APIKey, JurisdictionID: b.Open311.JurisdictionID,
			ServiceCodes: b.Open311.ServiceCodes, Timeout: b.Webhook.Timeout, Loc: cfg.Location(),
		})
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
	_ = a.store.Close()
}
