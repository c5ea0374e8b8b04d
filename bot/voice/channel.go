package voice

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/minsheng/minsheng/bot"
	"github.com/minsheng/minsheng/bot/twilio"
	"github.com/minsheng/minsheng/config"
	"github.com/prometheus/client_golang/prometheus"
)

// Paths of the webhooks: the number's voice URL is http.public_url +
// CallPath; AfterPath is the <Dial>'s action.
const (
	CallPath  = "/voice/twilio"
	AfterPath = "/voice/twilio/after"
)

// Name is the channel's name in serve's list and the logs. Its messages
// are SMS ones: the answer to a call goes by SMS.
const Name = "voice"

// Options configure the channel.
type Options struct {
	Twilio    config.Twilio // sms.twilio.*: the auth token signs the webhooks
	PublicURL string        // http.public_url: Twilio signs over the URL it calls
	// Officials, when given, name the official in the busy message
	// (市长张三); without them it says 领导.
	Officials []config.Official
	// SayVoice is the voice the message is spoken in (voice.say_voice):
	// one of config.MandarinVoices; "" = config.DefaultSayVoice.
	SayVoice string
}

// Channel is the voice channel: two webhooks, no sender. It is a
// bot.Channel.
type Channel struct {
	h *handler
}

var _ bot.Channel = (*Channel)(nil)

// New builds the channel (sms.twilio enabled, http.public_url set) on what
// the runtime lends it. env.Officials may be nil: then no call is
// forwarded, every caller hears the message and gets the SMS.
func New(opt Options, env bot.ChannelEnv) (*Channel, error) {
	if env.Intake == nil || env.Metrics == nil {
		return nil, errors.New("voice: the runtime's intake and metrics are required")
	}
	if err := twilio.CheckCredentials(opt.Twilio.AccountSID, opt.Twilio.AuthToken); err != nil {
		return nil, fmt.Errorf("voice: %w", err)
	}
	if opt.PublicURL == "" {
		return nil, errors.New("voice: http.public_url is required: Twilio signs its webhooks over the URL it calls")
	}
	if opt.SayVoice == "" {
		opt.SayVoice = config.DefaultSayVoice
	}
	if !config.IsMandarinVoice(opt.SayVoice) {
		return nil, fmt.Errorf("voice: voice.say_voice %q is not a voice Twilio documents for Mandarin (cmn-CN)", opt.SayVoice)
	}
	log := env.Log
	if log == nil {
		log = slog.Default()
	}
	now := env.Now
	if now == nil {
		now = time.Now
	}
	who := map[string]string{}
	for _, o := range opt.Officials {
		who[o.Number] = o.Title + o.Name
	}
	return &Channel{h: &handler{
		verify:    twilio.NewVerifier(opt.PublicURL, opt.Twilio.AuthToken, opt.Twilio.WebhookOverrides),
		intake:    env.Intake,
		officials: env.Officials,
		who:       who,
		sayVoice:  opt.SayVoice,
		// Absolute, so that a public URL with a path (a proxy's mount
		// point) is kept: Twilio would resolve "/voice/twilio/after"
		// against the host alone.
		afterURL: strings.TrimSuffix(opt.PublicURL, "/") + AfterPath,
		calls: bot.Register(env.Metrics, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "minsheng_voice_calls_total",
			Help: "Calls to the published numbers by answer (forwarded: dialed to the official; message: told to text, SMS auto-reply queued; connected: a forwarded call was taken).",
		}, []string{"answer"})),
		log: log.With("channel", Name),
		now: now,
	}}, nil
}

// Name is "voice".
func (c *Channel) Name() string { return Name }

// Sender is nil: the channel only takes in; its answers go by SMS.
func (c *Channel) Sender() bot.Sender { return nil }

// Routes are the call webhook and the dial's action.
func (c *Channel) Routes() []bot.Route {
	return []bot.Route{
		{Pattern: "POST " + CallPath, Handler: http.HandlerFunc(c.h.call)},
		{Pattern: "POST " + AfterPath, Handler: http.HandlerFunc(c.h.after)},
	}
}
