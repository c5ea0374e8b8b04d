package aliyun

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/minsheng/minsheng/bot"
	"github.com/minsheng/minsheng/config"
)

// Paths of the pushes (README, "SMS in mainland China"); the provider is
// configured with http.public_url + these + "?token=" + push_token.
const (
	UpPath     = "/sms/aliyun/up"
	ReportPath = "/sms/aliyun/report"
)

// Options configure the channel.
type Options struct {
	Aliyun              config.Aliyun     // sms.aliyun.*
	AllowedCountryCodes []string          // sms.allowed_country_codes
	Officials           []config.Official // their sms_ext
	// DialogTemplates are dialog.templates: the reply keys' texts.
	DialogTemplates map[string]string
	// Location is the configured time zone: the budget's day.
	Location *time.Location
	// Morning is when messages deferred to the next day go ("07:00",
	// quiet_hours.end; "" = 08:00).
	Morning string
	// DigestAfter is how long the day's last SMS waits for more to merge
	// after the first thing owed to it. Default 2 minutes; negative: none.
	DigestAfter time.Duration
	// RequestTimeout bounds one API call. Default DefaultTimeout.
	RequestTimeout time.Duration
	// LookupSettle is how long the provider's records may take to show
	// an SMS it took. Default 30 s; negative: none.
	LookupSettle time.Duration
}

// Channel is SMS on Alibaba Cloud: the pushes and the sender. Its name is
// bot.ChannelSMS (see the package doc).
type Channel struct {
	up     *upHandler
	report *reportHandler
	sender *Sender
}

var _ bot.Channel = (*Channel)(nil)

// New builds the channel on what the runtime lends it. It refuses
// configured templates that do not cover every reply key.
func New(opt Options, env bot.ChannelEnv) (*Channel, error) {
	if env.Intake == nil || env.Resend == nil || env.Redis == nil || env.Metrics == nil {
		return nil, errors.New("aliyun: the runtime's intake, resender, redis and metrics are required")
	}
	a := opt.Aliyun
	if !a.Enabled() || a.SignName == "" {
		return nil, errors.New("aliyun: sms.aliyun.access_key_id, access_key_secret and sign_name are required")
	}
	if probs := CheckTemplates(a.Templates, ReplyKeys(opt.DialogTemplates)); len(probs) > 0 {
		return nil, fmt.Errorf("aliyun: the approved templates do not cover every reply (minsheng templates --channel aliyun):\n  %s", strings.Join(probs, "\n  "))
	}
	api, err := newAPI(a.AccessKeyID, a.AccessKeySecret, a.APIURL, opt.RequestTimeout)
	if err != nil {
		return nil, fmt.Errorf("aliyun: %w", err)
	}
	log := env.Log
	if log == nil {
		log = slog.Default()
	}
	log = log.With("channel", bot.ChannelSMS, "provider", "aliyun")
	now := env.Now
	if now == nil {
		now = time.Now
	}
	loc := opt.Location
	if loc == nil {
		loc = providerZone
	}
	morning := 8 * 60
	if t, err := time.Parse("15:04", opt.Morning); err == nil {
		morning = t.Hour()*60 + t.Minute()
	}
	gather := opt.DigestAfter
	switch {
	case gather == 0:
		gather = 2 * time.Minute
	case gather < 0:
		gather = 0
	}
	settle := opt.LookupSettle
	switch {
	case settle == 0:
		settle = 30 * time.Second
	case settle < 0:
		settle = 0
	}
	exts, byNumber := extensions{}, map[string]string{}
	for _, o := range opt.Officials {
		if o.SMSExt != "" {
			exts[o.SMSExt], byNumber[o.Number] = o.Number, o.SMSExt
		}
	}
	country := countryGuard{codes: opt.AllowedCountryCodes}
	if len(country.codes) == 0 {
		log.Warn("sms.allowed_country_codes is empty: no SMS will be sent")
	}
	m := newMetrics(env.Metrics)
	recs := &records{rdb: env.Redis, prefix: env.Prefix}
	return &Channel{
		up:     &upHandler{token: a.PushToken, intake: env.Intake, exts: exts, country: country, metrics: m, log: log, now: now},
		report: &reportHandler{token: a.PushToken, records: recs, intake: env.Intake, metrics: m, log: log},
		sender: &Sender{
			api: api, records: recs, limiter: bot.NewRateLimiter(env.Redis, env.Prefix, "ali", a.RatePerSecond),
			country: country, sign: a.SignName, templates: a.Templates, ext: byNumber, limit: a.DailyLimit,
			loc: loc, morning: morning, gather: gather, lookupSettle: settle, resend: env.Resend, metrics: m, log: log, now: now,
		},
	}, nil
}

// Name is bot.ChannelSMS: the mainland gateway carries the SMS channel.
func (c *Channel) Name() string { return bot.ChannelSMS }

// Routes are the two pushes.
func (c *Channel) Routes() []bot.Route {
	return []bot.Route{{Pattern: "POST " + UpPath, Handler: c.up}, {Pattern: "POST " + ReportPath, Handler: c.report}}
}

// Sender is the channel's sender.
func (c *Channel) Sender() bot.Sender { return c.sender }
