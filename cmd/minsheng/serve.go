package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/minsheng/minsheng/bot"
	"github.com/minsheng/minsheng/bot/aliyun"
	"github.com/minsheng/minsheng/bot/sms"
	"github.com/minsheng/minsheng/bot/telegram"
	"github.com/minsheng/minsheng/bot/voice"
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
	build func(ctx context.Context, cfg *config.Config, env bot.ChannelEnv) (bot.Channel, error)
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
		build: func(_ context.Context, cfg *config.Config, env bot.ChannelEnv) (bot.Channel, error) {
			return sms.New(sms.Options{Twilio: cfg.SMS.Twilio, AllowedCountryCodes: cfg.SMS.AllowedCountryCodes, PublicURL: cfg.HTTP.PublicURL}, env)
		},
	},
	{
		// The SMS channel on a mainland gateway (Alibaba Cloud SMS): the
		// same channel as Twilio's for the rest of the bot; one of the two.
		name: bot.ChannelSMS + " (aliyun)",
		off: func(cfg *config.Config) string {
			if cfg.SMS.Aliyun.Enabled() {
				return ""
			}
			return "sms.aliyun.access_key_id and access_key_secret are not set"
		},
		build: func(_ context.Context, cfg *config.Config, env bot.ChannelEnv) (bot.Channel, error) {
			return aliyun.New(aliyun.Options{Aliyun: cfg.SMS.Aliyun, AllowedCountryCodes: cfg.SMS.AllowedCountryCodes,
				Officials: cfg.Officials, DialogTemplates: cfg.Dialog.Templates, Location: cfg.Location(), Morning: cfg.QuietHours.End}, env)
		},
	},
	{
		// Calls to the published numbers: on with SMS, which answers them.
		name: voice.Name,
		off: func(cfg *config.Config) string {
			if cfg.SMS.Twilio.Enabled() {
				return ""
			}
			return "sms.twilio.account_sid and auth_token are not set"
		},
		build: func(_ context.Context, cfg *config.Config, env bot.ChannelEnv) (bot.Channel, error) {
			return voice.New(voice.Options{Twilio: cfg.SMS.Twilio, PublicURL: cfg.HTTP.PublicURL, Officials: cfg.Officials, SayVoice: cfg.Voice.SayVoice}, env)
		},
	},
	{
		name: bot.ChannelTelegram,
		off: func(cfg *config.Config) string {
			if cfg.Telegram.Token != "" {
				return ""
			}
			return "telegram.token is not set"
		},
		build: func(ctx context.Context, cfg *config.Config, env bot.ChannelEnv) (bot.Channel, error) {
			t := cfg.Telegram
			return telegram.New(ctx, telegram.Options{
				Token: t.Token, APIURL: t.APIURL, Mode: t.Mode, WebhookSecret: t.WebhookSecret, PublicURL: cfg.HTTP.PublicURL,
				IntakeChats: t.IntakeChats, StaffUsers: t.StaffUsers, SMSFrom: smsFrom(cfg), ForwardWindow: t.ForwardWindow,
			}, env)
		},
	},
}

// smsFrom is the number group petitions' status messages go from by SMS,
// "" when SMS is off (they go to the group).
func smsFrom(cfg *config.Config) string {
	switch {
	case cfg.SMS.Aliyun.Enabled() && len(cfg.Officials) > 0:
		return cfg.Officials[0].Number // its extension is the one the resident sees
	case cfg.SMS.Aliyun.Enabled():
		return "aliyun" // no official: the signature's own number
	case !cfg.SMS.Twilio.Enabled():
		return ""
	case len(cfg.Officials) > 0:
		return cfg.Officials[0].Number
	}
	return cfg.SMS.Twilio.MessagingServiceSID // the sender sends through it whatever From says
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
			// Whatever logs through the default logger or the Redis
			// client's own is masked, and JSON with log.format json.
			slog.SetDefault(log)
			bot.UseForRedis(log)
			ctx := c.Context()
			// Present: a chat on this Redis and prefix would share its
			// queues; it looks for running serves and refuses.
			rt, err := bot.NewRuntime(ctx, cfg, log, bot.RuntimeOptions{Present: true})
			if err != nil {
				return err
			}
			defer rt.Close()
			rt.Door().Announce(ctx) // what opens /office/: named accounts, or http.admin_token until the first
			for _, k := range channelKinds {
				if why := k.off(cfg); why != "" {
					log.Info(k.name+" off", "why", why)
					continue
				}
				ch, err := k.build(ctx, cfg, rt.Env())
				if err != nil {
					return err
				}
				rt.Add(ch)
			}
			// Workers get their own context: on a signal the HTTP server stops
			// taking requests first, then the workers finish what they hold.
			wctx, stopWorkers := context.WithCancel(context.WithoutCancel(ctx))
			wait := rt.Run(wctx, 30*time.Second) // the scheduler sweeps for other replicas' timers
			log.Info("minsheng serving", "listen", cfg.HTTP.Listen, "version", version, "backend", cfg.Backend.Kind)
			err = rt.Server.Serve(ctx, cfg.HTTP.Listen, nil)
			stopWorkers()
			wait()
			log.Info("minsheng stopped")
			return err
		},
	}
}
