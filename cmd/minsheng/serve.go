package main

import (
	"context"
	"time"

	"github.com/minsheng/minsheng/bot"
	"github.com/minsheng/minsheng/bot/sms"
	"github.com/minsheng/minsheng/config"
	"github.com/spf13/cobra"
)

// channelKind is a channel serve can run: on when its configuration is
// there, built on what the runtime lends it. A new channel is one more
// entry (docs/ARCHITECTURE.md, "Adding a channel").
type channelKind struct {
	name string
	// off says why the channel stays off ("" = on).
	off   func(cfg *config.Config) string
	build func(cfg *config.Config, env bot.ChannelEnv) (bot.Channel, error)
}

var channelKinds = []channelKind{
	{
		name: bot.ChannelSMS,
		off: func(cfg *config.Config) string {
			if cfg.SMS.Twilio.Enabled() {
				return ""
			}
			return "sms.twilio.account_sid and auth_token are not set"
		},
		build: func(cfg *config.Config, env bot.ChannelEnv) (bot.Channel, error) {
			return sms.New(sms.Options{Twilio: cfg.SMS.Twilio, AllowedCountryCodes: cfg.SMS.AllowedCountryCodes, PublicURL: cfg.HTTP.PublicURL}, env)
		},
	},
	{
		name: bot.ChannelTelegram,
		off: func(cfg *config.Config) string {
			if cfg.Telegram.Token != "" {
				return "not built yet"
			}
			return "telegram.token is not set"
		},
	},
}

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
			rt, err := bot.NewRuntime(ctx, cfg, log, bot.RuntimeOptions{})
			if err != nil {
				return err
			}
			defer rt.Close()
			for _, k := range channelKinds {
				if why := k.off(cfg); why != "" {
					log.Info(k.name+" off", "why", why)
					continue
				}
				ch, err := k.build(cfg, rt.Env())
				if err != nil {
					return err
				}
				rt.Add(ch)
			}
			// Workers get their own context: on a signal the HTTP server stops
			// taking requests first, then the workers finish what they hold.
			wctx, stopWorkers := context.WithCancel(context.WithoutCancel(ctx))
			wait := rt.Run(wctx, time.Second)
			log.Info("minsheng serving", "listen", cfg.HTTP.Listen, "version", version, "backend", cfg.Backend.Kind)
			err = rt.Server.Serve(ctx, cfg.HTTP.Listen, nil)
			stopWorkers()
			wait()
			log.Info("minsheng stopped")
			return err
		},
	}
}
