package sms

import (
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/minsheng/minsheng/bot"
	"github.com/minsheng/minsheng/config"
)

// Paths of the webhooks (DESIGN.md); Twilio is configured with
// http.public_url + these.
const (
	InboundPath = "/sms/twilio"
	StatusPath  = "/sms/twilio/status"
)

// Options wire the channel into the runtime.
type Options struct {
	Config    *config.Config // sms.*, http.public_url
	Store     *bot.Store     // the channel's records live next to the conversations
	Pipeline  *bot.Pipeline  // where inbound messages and opt-outs go
	SendQueue *bot.SendQueue // where re-sends go
	Metrics   *bot.Metrics   // the channel's metrics join its registry
	Logger    *slog.Logger
	// ResendAfter is how long a message that failed with a transient
	// carrier error waits before it is sent again (doubling for the
	// second re-send). Default 2 minutes; negative: at once.
	ResendAfter time.Duration
	// Now is the clock of the loop guard and re-sends (tests). Default time.Now.
	Now func() time.Time
}

// Channel is SMS on Twilio: the webhooks and the sender.
type Channel struct {
	inbound *inboundHandler
	status  *statusHandler
	sender  *Sender
}

// alnum is what twilio-go accepts in credentials; anything else it refuses
// on every call (21222/21224), so it is refused here, once, at start.
var alnum = regexp.MustCompile(`^[A-Za-z0-9]+$`)

// New builds the channel from the configuration (sms.twilio must be
// enabled and http.public_url set).
func New(opt Options) (*Channel, error) {
	if opt.Config == nil || opt.Store == nil || opt.Pipeline == nil || opt.SendQueue == nil || opt.Metrics == nil {
		return nil, errors.New("sms: config, store, pipeline, send queue and metrics are required")
	}
	cfg := opt.Config
	tw := cfg.SMS.Twilio
	if !alnum.MatchString(tw.AccountSID) || !alnum.MatchString(tw.AuthToken) {
		return nil, errors.New("sms: sms.twilio.account_sid and auth_token must be set, letters and digits only")
	}
	if cfg.HTTP.PublicURL == "" {
		return nil, errors.New("sms: http.public_url is required: Twilio signs its webhooks over the URL it calls")
	}
	api, err := newTwilioAPI(tw.AccountSID, tw.AuthToken, tw.APIBaseURL)
	if err != nil {
		return nil, fmt.Errorf("sms: %w", err)
	}
	log := opt.Logger
	if log == nil {
		log = slog.Default()
	}
	log = log.With("channel", bot.ChannelSMS)
	now := opt.Now
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
	m := newMetrics(opt.Metrics.Registry)
	recs := &records{rdb: opt.Store.Redis, prefix: opt.Store.Prefix}
	country := countryGuard{codes: cfg.SMS.AllowedCountryCodes}
	verify := newVerifier(cfg.HTTP.PublicURL, tw.AuthToken)
	if len(country.codes) == 0 {
		log.Warn("sms.allowed_country_codes is empty: no SMS will be sent")
	}
	return &Channel{
		inbound: &inboundHandler{verify: verify, pipeline: opt.Pipeline, country: country, metrics: m, log: log, now: now},
		status: &statusHandler{verify: verify, records: recs, pipeline: opt.Pipeline, sendq: opt.SendQueue,
			resendAfter: resendAfter, metrics: m, log: log, now: now},
		sender: &Sender{
			api: api, limiter: newRateLimiter(opt.Store.Redis, opt.Store.Prefix, tw.RatePerSecond),
			records: recs, country: country, pipeline: opt.Pipeline,
			messagingService: tw.MessagingServiceSID,
			statusCallback:   strings.TrimSuffix(cfg.HTTP.PublicURL, "/") + StatusPath,
			metrics:          m, log: log, now: now,
		},
	}, nil
}

// Register adds the webhooks to the server (POST only; bodies limited).
func (c *Channel) Register(srv *bot.Server) {
	srv.Handle("POST "+InboundPath, c.inbound)
	srv.Handle("POST "+StatusPath, c.status)
}

// Sender is the channel's sender, for SendQueue.Register(bot.ChannelSMS, …).
func (c *Channel) Sender() *Sender { return c.sender }
