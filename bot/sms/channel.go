package sms

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/minsheng/minsheng/bot"
	"github.com/minsheng/minsheng/bot/twilio"
	"github.com/minsheng/minsheng/config"
)

// Paths of the webhooks (README, "SMS through Twilio"); Twilio is configured with
// http.public_url + these.
const (
	InboundPath = "/sms/twilio"
	StatusPath  = "/sms/twilio/status"
)

// Options configure the channel.
type Options struct {
	Twilio              config.Twilio // sms.twilio.*
	AllowedCountryCodes []string      // sms.allowed_country_codes
	PublicURL           string        // http.public_url: Twilio signs over the URL it calls
	// ResendAfter is how long a message that failed with a transient
	// carrier error waits before it is sent again (doubling for the
	// second re-send). Default 2 minutes; negative: at once.
	ResendAfter time.Duration
	// RequestTimeout bounds one call to Twilio. Default
	// twilio.RequestTimeout.
	RequestTimeout time.Duration
	// LookupSettle is how long Twilio's message list may take to show a
	// message it took: a part whose unanswered attempt is younger and not
	// listed is looked up again later rather than sent. Default 30 s.
	LookupSettle time.Duration
}

// Channel is SMS on Twilio: the webhooks and the sender. It is a bot.Channel.
type Channel struct {
	inbound *inboundHandler
	status  *statusHandler
	sender  *Sender
}

var _ bot.Channel = (*Channel)(nil)

// New builds the channel (sms.twilio must be enabled and http.public_url
// set) on what the runtime lends it.
func New(opt Options, env bot.ChannelEnv) (*Channel, error) {
	if env.Intake == nil || env.Resend == nil || env.Redis == nil || env.Metrics == nil {
		return nil, errors.New("sms: the runtime's intake, resender, redis and metrics are required")
	}
	tw := opt.Twilio
	if err := twilio.CheckCredentials(tw.AccountSID, tw.AuthToken); err != nil {
		return nil, fmt.Errorf("sms: %w", err)
	}
	if opt.PublicURL == "" {
		return nil, errors.New("sms: http.public_url is required: Twilio signs its webhooks over the URL it calls")
	}
	api, err := twilio.NewClient(tw.AccountSID, tw.AuthToken, tw.APIBaseURL)
	if err != nil {
		return nil, fmt.Errorf("sms: %w", err)
	}
	api.SetTimeout(opt.RequestTimeout)
	settle := opt.LookupSettle
	if settle <= 0 {
		settle = defaultLookupSettle
	}
	log := env.Log
	if log == nil {
		log = slog.Default()
	}
	log = log.With("channel", bot.ChannelSMS)
	now := env.Now
	if now == nil {
		now = time.Now
	}
	resendAfter := opt.ResendAfter
	switch {
	case resendAfter == 0:
		resendAfter = 2 * time.Minute
	case resendAfter < 0:
		resendAfter = 0
	}
	m := newMetrics(env.Metrics)
	recs := &records{rdb: env.Redis, prefix: env.Prefix, now: now}
	country := countryGuard{codes: opt.AllowedCountryCodes}
	verify := twilio.NewVerifier(opt.PublicURL, tw.AuthToken, tw.WebhookOverrides)
	if len(country.codes) == 0 {
		log.Warn("sms.allowed_country_codes is empty: no SMS will be sent")
	}
	return &Channel{
		inbound: &inboundHandler{verify: verify, intake: env.Intake, country: country, metrics: m, log: log, now: now, apiHost: hostOf(tw.APIBaseURL)},
		status: &statusHandler{verify: verify, records: recs, intake: env.Intake, resender: env.Resend,
			resendAfter: resendAfter, metrics: m, log: log, now: now},
		sender: &Sender{
			api: api, limiter: bot.NewRateLimiter(env.Redis, env.Prefix, "sms", tw.RatePerSecond),
			records: recs, country: country,
			messagingService: tw.MessagingServiceSID,
			statusCallback:   strings.TrimSuffix(opt.PublicURL, "/") + StatusPath,
			metrics:          m, log: log, now: now, lookupSettle: settle,
		},
	}, nil
}

// Name is bot.ChannelSMS.
func (c *Channel) Name() string { return bot.ChannelSMS }

// Routes are the inbound and status webhooks.
func (c *Channel) Routes() []bot.Route {
	return []bot.Route{{Pattern: "POST " + InboundPath, Handler: c.inbound}, {Pattern: "POST " + StatusPath, Handler: c.status}}
}

// Sender is the channel's sender.
func (c *Channel) Sender() bot.Sender { return c.sender }

// hostOf is the host (and port) of a base URL, "" when none.
func hostOf(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return ""
	}
	return u.Host
}
