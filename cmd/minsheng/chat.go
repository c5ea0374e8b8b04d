package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/minsheng/minsheng/bot"
	"github.com/minsheng/minsheng/bot/console"
	"github.com/minsheng/minsheng/config"
	"github.com/minsheng/minsheng/intake/queue"
	"github.com/spf13/cobra"
)

func newChat(g *globals) *cobra.Command {
	var from, to string
	var asJSON bool
	var window time.Duration
	cmd := &cobra.Command{
		Use:   "chat",
		Short: "Talk to the bot as a citizen from the terminal (one line = one message)",
		Long: `Talk to the bot as a citizen, through the same pipeline as SMS.
Each input line is one message; the bot's replies are printed before the next
line is read. Works with no config, no Redis and no network.

A line starting with "/" plays the office (the case backend) instead, on the
citizen's latest petition, or on the one named first (MS-…); it goes the way
a backend's status event goes, so what is printed is what a citizen gets:

  /交办 [单位]   assigned, to the unit given, else the category's configured
                unit, else 承办单位 (/assign)
  /办结 [说明]   resolved, with the note: the citizen gets the satisfaction
                survey; answer it as the citizen ("1是": satisfied and solved) (/resolve)
  /帮助          these commands (/help)

What the commands did is printed as "办理> …" (with --json: on stderr, so
stdout holds the bot's replies only). At a terminal each line is asked for
with "你> "; piped input gets no prompt.

With a redis.addr where a serve runs on the same redis.prefix, chat refuses
to start (exit 1): they would share the send queue.`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cfg, err := g.load()
			if err != nil {
				return err
			}
			if to == "" {
				to = "12345"
				if len(cfg.Officials) > 0 {
					to = cfg.Officials[0].Number
				}
			}
			log := bot.NewLogger(g.stderr, "warn", cfg.Log.Format)
			// Whatever logs through the default logger or the Redis
			// client's own is masked, and JSON with log.format json.
			slog.SetDefault(log)
			bot.UseForRedis(log)
			ctx := c.Context()
			rt, err := bot.NewRuntime(ctx, cfg, log, bot.RuntimeOptions{
				Coalesce: &window,
				// Stopping waits for one blocking read: keep it short, so
				// chat exits as soon as the last reply is printed.
				Queue:            queue.Options{Poll: 100 * time.Millisecond, Block: 20 * time.Millisecond},
				WaitForPetition:  50 * time.Millisecond,
				AnnounceEmbedded: func() { fmt.Fprintln(g.stderr, embeddedBanner(cfg)) },
			})
			if err != nil {
				return err
			}
			defer rt.Close()
			if err := refuseRunningServe(ctx, rt); err != nil {
				return err
			}
			prompt := ""
			if !asJSON && interactive(g.stdin) {
				prompt = "你> "
			}
			session := console.New(rt.Pipeline, g.stdout, console.Options{From: from, To: to, JSON: asJSON,
				Cases: rt.Outbox, Unit: unitOf(cfg), Notes: g.stderr, Prompt: prompt})
			rt.Add(session)
			wctx, stop := context.WithCancel(context.WithoutCancel(ctx))
			wait := rt.Run(wctx, 200*time.Millisecond)
			runErr := session.Run(ctx, g.stdin)
			if err := rt.Drain(ctx, 15*time.Second); err != nil {
				log.Warn("not everything was delivered before exit", "err", err)
			}
			stop()
			wait()
			return runErr
		},
	}
	cmd.Flags().StringVar(&from, "from", "+8613800138000", "the citizen's phone number")
	cmd.Flags().StringVar(&to, "to", "", "the number written to (default: the first official's number, else 12345)")
	cmd.Flags().BoolVar(&asJSON, "json", false, `print one {"to":"…","text":"…"} object per reply`)
	cmd.Flags().DurationVar(&window, "window", 0, "answer messages within this window once, like SMS (dialog.coalesce_window); 0 = each line")
	return cmd
}

// interactive reports whether in is a terminal, where a person types and a
// prompt helps: a character device, but not /dev/null (no input at all).
// Piped and redirected input is read as it is, without prompts: tests and
// scripts parse what chat prints.
func interactive(in io.Reader) bool {
	f, ok := in.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	null, err := os.Stat(os.DevNull)
	return err != nil || !os.SameFile(st, null)
}

// unitOf names the unit a category's cases usually go to
// (intake.categories[].unit), for /交办 without one.
func unitOf(cfg *config.Config) func(category string) string {
	units := map[string]string{}
	for _, c := range cfg.Intake.Categories {
		units[c.Code] = c.Unit
	}
	return func(category string) string { return units[category] }
}

// refuseRunningServe stops chat on a Redis and prefix a running serve
// uses: they would share the queues, and serve's send worker would take
// chat's replies (it has no console: each a dead letter). A separate key
// space of chat's own would not do: petition ids come from counters in the
// key space, so chat would issue ids serve issues too.
func refuseRunningServe(ctx context.Context, rt *bot.Runtime) error {
	if rt.Store.Embedded() {
		return nil // in this process only
	}
	running, err := rt.Store.Running(ctx)
	if err != nil {
		return fmt.Errorf("check for a serve on this Redis: %w", err)
	}
	if len(running) == 0 {
		return nil
	}
	r := running[0]
	return fmt.Errorf("a minsheng serve (%s, seen %s ago) uses this Redis with redis.prefix %q, and chat would lose its replies to it: run chat without redis.addr, or with another redis.prefix",
		r.Name, r.Age.Round(time.Second), rt.Store.Prefix)
}

// embeddedBanner is chat's first line on the embedded store: it is for
// trying the bot, and says what is kept and what is not.
func embeddedBanner(cfg *config.Config) string {
	kept := "petitions go to the " + cfg.Backend.Kind + " backend"
	if cfg.Backend.Kind == "file" {
		kept = "petitions are kept in " + cfg.Backend.File.Path
	}
	return "minsheng chat: trying the bot on the embedded store (no redis.addr): conversations are forgotten on exit; " + kept + "."
}
