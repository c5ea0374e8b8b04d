// Package telegram is the Telegram channel (github.com/go-telegram/bot):
// citizens in private chats, and grassroots staff (网格员) forwarding
// residents' complaints from group chats.
//
// In: updates arrive by polling (telegram.mode polling, the default) or at
// POST /telegram/webhook (webhook mode, X-Telegram-Bot-Api-Secret-Token
// checked in constant time before anything is read). Either way each update
// is decoded here, one at a time and in order: an update the library cannot
// decode (a forward origin of a new kind) is logged, counted and skipped,
// never retried forever. The library's own polling is not used: it confirms
// updates to Telegram before they are handled and stalls on an undecodable
// one. The poller holds a lease in Redis, so one replica polls; the offset
// lives in Redis too, advanced only after a batch was taken in.
//
//   - A private message is a citizen's, through the same dialog as SMS;
//     photos and documents become attachments (file id and a download URL).
//     A shared contact gives the petition the citizen's phone.
//   - In an intake chat (telegram.intake_chats), a staff member
//     (telegram.staff_users; everyone when empty) forwards a resident's
//     message, replies /intake to one, or writes "#诉求 …": the complaint
//     becomes a petition of channel telegram_group, reported_by the staff
//     member, about the forward's origin. Forwards of one origin within a
//     minute are one petition; the same original twice is one petition.
//     The bot answers in the group under the forwarded message; staff reply
//     to the bot's message to add what is missing. Anyone else is ignored.
//   - Survey buttons are callback queries: answered, the buttons removed,
//     the rating taken in (in a group, recorded as staff's 电话测评).
//
// Out: Sender sends with HTML parse mode (the citizen's words escaped),
// threads group answers under the complaint, offers the survey as buttons
// and a contact button when a call back is promised, splits long texts, and
// keeps Telegram's limits across replicas (1 message a second per private
// chat, 20 a minute per group, 30 a second per bot). 429 honours
// retry_after; 403 from a private chat is an opt-out (bot.ErrOptedOut). A
// part whose earlier attempt had no answer is probed for before it goes
// again, so that it is not sent twice (dedup.go).
package telegram

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	msbot "github.com/minsheng/minsheng/bot"
)

// WebhookPath is where Telegram posts updates in webhook mode.
const WebhookPath = "/telegram/webhook"

// ChannelGroup is the channel of petitions staff forwarded from a group.
const ChannelGroup = "telegram_group"

// Options configure the channel.
type Options struct {
	Token         string
	APIURL        string  // "" = https://api.telegram.org
	Mode          string  // polling | webhook
	WebhookSecret string  // webhook mode
	PublicURL     string  // webhook mode: Telegram is told PublicURL + WebhookPath
	IntakeChats   []int64 // groups where staff forward complaints
	StaffUsers    []int64 // who may; empty: every member of an intake chat
	// SMSFrom is the number status and survey messages of a group petition
	// go from by SMS when the resident's phone is known; "" = SMS is off,
	// they go to the group.
	SMSFrom string
	// ForwardWindow is how long forwards of one origin are one petition
	// (default 60s).
	ForwardWindow time.Duration
	// PollTimeout is how long one getUpdates waits (default 25s);
	// LeaseTTL how long a poller's lease lasts without renewal (default 30s).
	PollTimeout time.Duration
	LeaseTTL    time.Duration
	// HTTPClient for the Bot API (default: 15 s timeout per call, longer
	// for getUpdates).
	HTTPClient *http.Client
	// ProbeSettle: a message whose earlier attempt had no answer and is
	// not found at Telegram is sent again only once the attempt is this
	// old (default 30s; see dedup.go).
	ProbeSettle time.Duration
}

// Channel is Telegram: it is a bot.Channel and a bot.Runner.
type Channel struct {
	opt     Options
	env     msbot.ChannelEnv
	api     *bot.Bot
	me      models.User
	intake  map[int64]bool
	staff   map[int64]bool
	poll    *poller
	sender  *Sender
	records records
	metrics *metrics
	log     *slog.Logger
}

var (
	_ msbot.Channel = (*Channel)(nil)
	_ msbot.Runner  = (*Channel)(nil)
)

// New builds the channel and asks Telegram who the bot is (getMe): a wrong
// token fails here, at start.
func New(ctx context.Context, opt Options, env msbot.ChannelEnv) (*Channel, error) {
	if opt.Token == "" {
		return nil, errors.New("telegram: telegram.token is required")
	}
	if env.Intake == nil || env.Redis == nil || env.Metrics == nil {
		return nil, errors.New("telegram: the runtime's intake, redis and metrics are required")
	}
	switch opt.Mode {
	case "", "polling":
		opt.Mode = "polling"
	case "webhook":
		if opt.WebhookSecret == "" || opt.PublicURL == "" {
			return nil, errors.New("telegram: webhook mode needs telegram.webhook_secret and http.public_url")
		}
	default:
		return nil, fmt.Errorf("telegram: mode %q is not polling or webhook", opt.Mode)
	}
	if opt.ForwardWindow <= 0 {
		opt.ForwardWindow = time.Minute
	}
	if opt.PollTimeout <= 0 {
		opt.PollTimeout = 25 * time.Second
	}
	if opt.LeaseTTL <= 0 {
		opt.LeaseTTL = 30 * time.Second
	}
	if opt.HTTPClient == nil {
		opt.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	if opt.ProbeSettle <= 0 {
		opt.ProbeSettle = defaultProbeSettle
	}
	if env.Now == nil {
		env.Now = time.Now
	}
	log := env.Log
	if log == nil {
		log = slog.Default()
	}
	log = log.With("channel", msbot.ChannelTelegram)
	bopts := []bot.Option{
		bot.WithSkipGetMe(),
		bot.WithHTTPClient(opt.PollTimeout+10*time.Second, opt.HTTPClient),
		// The library logs whole updates and errors with the standard
		// logger; nothing goes through it unmasked.
		bot.WithErrorsHandler(func(err error) { log.Warn("telegram client", "err", msbot.MaskPhones(err.Error())) }),
		bot.WithDefaultHandler(func(context.Context, *bot.Bot, *models.Update) {}),
	}
	if opt.APIURL != "" {
		bopts = append(bopts, bot.WithServerURL(strings.TrimRight(opt.APIURL, "/")))
	}
	api, err := bot.New(opt.Token, bopts...)
	if err != nil {
		return nil, fmt.Errorf("telegram: %w", err)
	}
	gctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	me, err := api.GetMe(gctx)
	if err != nil {
		return nil, fmt.Errorf("telegram: getMe (is telegram.token right?): %w", err)
	}
	c := &Channel{
		opt: opt, env: env, api: api, me: *me, intake: set(opt.IntakeChats), staff: set(opt.StaffUsers),
		records: records{rdb: env.Redis, prefix: env.Prefix + "tg:"},
		metrics: newMetrics(env.Metrics), log: log,
	}
	c.sender = newSender(c)
	c.poll = &poller{c: c}
	return c, nil
}

func set(ids []int64) map[int64]bool {
	m := make(map[int64]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// Name is bot.ChannelTelegram.
func (c *Channel) Name() string { return msbot.ChannelTelegram }

// Sender is the channel's sender.
func (c *Channel) Sender() msbot.Sender { return c.sender }

// Routes: the files citizens sent, when http.public_url is set; the
// webhook in webhook mode.
func (c *Channel) Routes() []msbot.Route {
	var rs []msbot.Route
	if c.opt.PublicURL != "" {
		rs = append(rs, msbot.Route{Pattern: "GET " + FilesPath + "{file_id}", Handler: &files{c: c}})
	}
	if c.opt.Mode == "webhook" {
		rs = append(rs, msbot.Route{Pattern: "POST " + WebhookPath, Handler: &webhook{c: c}})
	}
	return rs
}

// Run tells Telegram how updates are to come (setWebhook, or deleteWebhook
// for polling) and, in polling mode, polls while this replica holds the
// poller's lease, until ctx is done.
//
// A refusal of setWebhook or deleteWebhook (Telegram answered 4xx: a URL
// or secret it does not take, a wrong token) stops the channel with the
// error, which the runtime shows on /readyz; a failure that proves nothing
// (no answer, 5xx, 429) is tried again until it works or ctx ends, so a
// blip at Telegram during a deploy does not leave the replicas without it.
func (c *Channel) Run(ctx context.Context) error {
	if c.opt.Mode == "webhook" {
		url := strings.TrimRight(c.opt.PublicURL, "/") + WebhookPath
		err := c.untilAnswered(ctx, "setWebhook", func() error {
			_, err := c.api.SetWebhook(ctx, &bot.SetWebhookParams{URL: url, SecretToken: c.opt.WebhookSecret,
				AllowedUpdates: allowedUpdates})
			return err
		})
		if err != nil {
			return err
		}
		c.log.Info("telegram webhook registered", "url", url)
		<-ctx.Done()
		return nil
	}
	// Polling and a webhook exclude each other at Telegram: switching to
	// polling removes the webhook (its pending updates stay to be polled).
	err := c.untilAnswered(ctx, "deleteWebhook", func() error {
		_, err := c.api.DeleteWebhook(ctx, &bot.DeleteWebhookParams{})
		return err
	})
	if err != nil {
		return err
	}
	return c.poll.run(ctx)
}

// untilAnswered calls the Bot API method until it succeeds (nil), Telegram
// refuses it (its error, wrapped with the method), or ctx ends (nil: the
// channel is being stopped). Other failures wait 1 s, doubling to 30 s,
// or the retry_after of a 429.
func (c *Channel) untilAnswered(ctx context.Context, method string, call func() error) error {
	wait := time.Second
	for attempt := 1; ; attempt++ {
		err := call()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return nil
		}
		var tooMany *bot.TooManyRequestsError
		d := wait
		switch {
		case errors.As(err, &tooMany):
			d = max(time.Duration(tooMany.RetryAfter)*time.Second, time.Second)
		case definite(err):
			return fmt.Errorf("telegram: %s: %w", method, err)
		default:
			wait = min(2*wait, 30*time.Second)
		}
		c.log.Warn("telegram "+method+" failed: trying again", "err", msbot.MaskPhones(err.Error()), "attempt", attempt, "in", d)
		sleep(ctx, d)
	}
}

// allowedUpdates are the kinds of update the channel reads.
var allowedUpdates = []string{models.AllowedUpdateMessage, models.AllowedUpdateCallbackQuery}

// BotUsername is the bot's @username (without @).
func (c *Channel) BotUsername() string { return c.me.Username }
