package main

import (
	"context"
	"time"

	"github.com/minsheng/minsheng/bot"
	"github.com/minsheng/minsheng/bot/sms"
	"github.com/spf13/cobra"
)

func newServe(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Run everything: HTTP server, channels, send queue, outbox, schedulers (Ctrl-C drains and stops)",
		Args:  noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cfg, err := g.load()
			if err != nil {
				return err
			}
			log := bot.NewLogger(g.stderr, cfg.Log.Level, cfg.Log.Format)
			ctx := c.Context()
			a, err := newApp(ctx, cfg, log, appOptions{})
			if err != nil {
				return err
			}
			defer a.close()
			srv := bot.NewServer(a.store, a.metrics, log)
			a.routes(srv)
			if cfg.SMS.Twilio.Enabled() {
				ch, err := sms.New(sms.Options{Config: cfg, Store: a.store, Pipeline: a.pipeline, SendQueue: a.sendq, Metrics: a.metrics, Logger: log})
				if err != nil {
					return err
				}
				ch.Register(srv)
				a.sendq.Register(bot.ChannelSMS, ch.Sender())
			} else {
				log.Info("SMS off: sms.twilio.account_sid and auth_token are not set")
			}
			if cfg.Telegram.Token == "" {
				log.Info("Telegram off: telegram.token is not set")
			}
			// Workers get their own context: on a signal the HTTP server stops
			// taking requests first, then the workers finish what they hold.
			wctx, stopWorkers := context.WithCancel(context.WithoutCancel(ctx))
			wait := a.runWorkers(wctx, time.Second)
			log.Info("minsheng serving", "listen", cfg.HTTP.Listen, "version", version, "backend", cfg.Backend.Kind)
			err = srv.Serve(ctx, cfg.HTTP.Listen, nil)
			stopWorkers()
			wait()
			log.Info("minsheng stopped")
			return err
		},
	}
}
