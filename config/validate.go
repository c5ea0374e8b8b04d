package config

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/minsheng/minsheng/intake/gazetteer"
)

var (
	e164        = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
	countryCode = regexp.MustCompile(`^\+[1-9][0-9]{0,3}$`)
	clock       = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)
	alnum       = regexp.MustCompile(`^[A-Za-z0-9]+$`)
)

// What Telegram's setWebhook takes (https://core.telegram.org/bots/api#setwebhook):
// secret_token "1-256 characters. Only characters A-Z, a-z, 0-9, _ and -
// are allowed"; url an HTTPS URL, and "Ports currently supported for
// webhooks: 443, 80, 88, 8443".
var (
	telegramSecretChar   = regexp.MustCompile(`^[A-Za-z0-9_-]$`)
	telegramWebhookPorts = []string{"443", "80", "88", "8443"}
)

// Statuses are the case statuses the backend may report.
var Statuses = []string{"accepted", "assigned", "contacted", "in_progress", "resolved", "reopened", "closed"}

// Ratings are the survey answers.
var Ratings = []string{"satisfied", "understood", "unsatisfied"}

// IsE164 reports whether s is a phone number in E.164 form (+8613800138000).
func IsE164(s string) bool { return e164.MatchString(s) }

// Validate lists every problem, "key: reason", in key order.
func (c *Config) Validate() Problems {
	var p problemList
	if c.Timezone == "" {
		p.add("timezone", "must not be empty (e.g. Asia/Shanghai)")
	} else if _, err := time.LoadLocation(c.Timezone); err != nil {
		p.add("timezone", fmt.Sprintf("unknown time zone %q", c.Timezone))
	}
	p.oneOf("log.level", c.Log.Level, "debug", "info", "warn", "error")
	p.oneOf("log.format", c.Log.Format, "text", "json")
	c.validateHTTP(&p)
	c.validateRedis(&p)
	c.validateSMS(&p)
	if !IsMandarinVoice(c.Voice.SayVoice) {
		p.add("voice.say_voice", fmt.Sprintf("%q is not a voice Twilio documents for Mandarin (cmn-CN), e.g. %s or %s: Twilio would fail the <Say> and callers hear nothing",
			c.Voice.SayVoice, DefaultSayVoice, "Polly.Zhiyu"))
	}
	c.validateAliyun(&p)
	c.validateTelegram(&p)
	c.validateOfficials(&p)
	p.positive("callbacks.remind_after", c.Callbacks.RemindAfter)
	p.positive("report.retention", c.Report.Retention)
	if c.Report.RankMin < 1 {
		p.add("report.rank_min", "must be at least 1")
	}
	p.nonNegative("dialog.coalesce_window", c.Dialog.CoalesceWindow)
	p.positive("dialog.supplement_window", c.Dialog.SupplementWindow)
	p.positive("dialog.idle_submit_after", c.Dialog.IdleSubmitAfter)
	if (c.QuietHours.Start == "") != (c.QuietHours.End == "") {
		p.add("quiet_hours", "set both start and end, or neither (no quiet hours)")
	} else if c.QuietHours.Start != "" {
		p.clock("quiet_hours.start", c.QuietHours.Start)
		p.clock("quiet_hours.end", c.QuietHours.End)
	}
	if c.Flood.MaxMessages < 1 {
		p.add("flood.max_messages", "must be at least 1")
	}
	p.positive("flood.per", c.Flood.Per)
	for _, s := range c.Notify.Statuses {
		p.oneOf("notify.statuses", s, Statuses...)
	}
	c.validateOffice(&p)
	c.validateIntake(&p)
	c.validateBackend(&p)
	c.validateWorkers(&p)
	p.positive("survey.remind_after", c.Survey.RemindAfter)
	p.positive("survey.expire_after", c.Survey.ExpireAfter)
	if c.Survey.ExpireAfter > 0 && c.Survey.RemindAfter >= c.Survey.ExpireAfter {
		p.add("survey.remind_after", "must be shorter than survey.expire_after")
	}
	for w, r := range c.Survey.Words {
		p.oneOf("survey.words."+w, r, Ratings...)
	}
	if s := c.Survey.RevisitShare; s < 0 || s > 1 {
		p.add("survey.revisit_share", "a share of the satisfied cases: 0 (none) to 1 (all)")
	}
	if c.Survey.RevisitShare > 0 {
		p.positive("survey.revisit_after", c.Survey.RevisitAfter)
	}
	return p.list
}

func (c *Config) validateHTTP(p *problemList) {
	if c.HTTP.Listen == "" {
		p.add("http.listen", "must not be empty (e.g. :8080)")
	} else if _, _, err := net.SplitHostPort(c.HTTP.Listen); err != nil {
		p.add("http.listen", fmt.Sprintf("%q is not host:port", c.HTTP.Listen))
	}
	if c.HTTP.PublicURL != "" {
		p.url("http.public_url", c.HTTP.PublicURL)
	}
	if c.SMS.Twilio.Enabled() && c.HTTP.PublicURL == "" {
		p.add("http.public_url", "required with Twilio: signatures are computed over the public URL")
	}
}

func (c *Config) validateRedis(p *problemList) {
	if c.Redis.Addr != "" && len(c.Redis.Addrs) > 0 {
		p.add("redis", "set addr or addrs, not both")
	}
	for _, a := range append([]string{c.Redis.Addr}, c.Redis.Addrs...) {
		if a == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(a); err != nil {
			p.add("redis.addr", fmt.Sprintf("%q is not host:port", a))
		}
	}
	if c.Redis.MasterName != "" && len(c.Redis.Addrs) == 0 && c.Redis.Addr == "" {
		p.add("redis.master_name", "needs the sentinel addresses in redis.addrs")
	}
	if c.Redis.Prefix == "" || strings.ContainsAny(c.Redis.Prefix, "{} \t\n") {
		p.add("redis.prefix", "must be non-empty, without spaces or braces (e.g. ms:)")
	}
	if c.Redis.DB < 0 {
		p.add("redis.db", "must not be negative")
	}
}

func (c *Config) validateSMS(p *problemList) {
	for _, cc := range c.SMS.AllowedCountryCodes {
		if !countryCode.MatchString(cc) {
			p.add("sms.allowed_country_codes", fmt.Sprintf("%q is not a country code like +86", cc))
		}
	}
	t := c.SMS.Twilio
	if (t.AccountSID == "") != (t.AuthToken == "") {
		p.add("sms.twilio", "set both account_sid and auth_token, or neither (SMS off)")
	}
	if t.AccountSID != "" && (!strings.HasPrefix(t.AccountSID, "AC") || !alnum.MatchString(t.AccountSID)) {
		p.add("sms.twilio.account_sid", "must look like AC followed by letters and digits")
	}
	if t.AuthToken != "" && !alnum.MatchString(t.AuthToken) {
		p.add("sms.twilio.auth_token", "must be letters and digits")
	}
	if t.MessagingServiceSID != "" && !strings.HasPrefix(t.MessagingServiceSID, "MG") {
		p.add("sms.twilio.messaging_service_sid", "must start with MG")
	}
	if t.APIBaseURL != "" {
		p.url("sms.twilio.api_base_url", t.APIBaseURL)
	}
	if t.RatePerSecond <= 0 {
		p.add("sms.twilio.rate_per_second", "must be more than 0")
	}
	if o := strings.TrimPrefix(t.WebhookOverrides, "#"); o != "" {
		q, err := url.ParseQuery(o)
		known := map[string]bool{"ct": true, "rt": true, "tt": true, "rc": true, "rp": true, "e": true, "sni": true}
		for k := range q {
			if !known[k] {
				err = fmt.Errorf("unknown override %q", k)
			}
		}
		if err != nil {
			p.add("sms.twilio.webhook_overrides", "must be Twilio connection overrides like rc=3&rp=all (ct, rt, tt, rc, rp, e, sni): "+err.Error())
		}
	}
}

var (
	digits     = regexp.MustCompile(`^[0-9]+$`)
	varName    = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)
	smsTplCode = regexp.MustCompile(`^[A-Za-z0-9_]+$`)
)

// validateAliyun checks sms.aliyun and the officials' extensions. That the
// templates cover every reply key is checked where the keys are known
// (bot/aliyun.CheckTemplates, by config check and serve).
func (c *Config) validateAliyun(p *problemList) {
	a := c.SMS.Aliyun
	if (a.AccessKeyID == "") != (a.AccessKeySecret == "") {
		p.add("sms.aliyun", "set both access_key_id and access_key_secret, or neither (off)")
	}
	if a.APIURL == "" {
		p.add("sms.aliyun.api_url", "must not be empty (https://dysmsapi.aliyuncs.com)")
	} else {
		p.url("sms.aliyun.api_url", a.APIURL)
	}
	if a.DailyLimit < 2 {
		p.add("sms.aliyun.daily_limit", "must be 2 or more (the last SMS of a day says what is left)")
	}
	if a.RatePerSecond <= 0 {
		p.add("sms.aliyun.rate_per_second", "must be more than 0")
	}
	for key, t := range a.Templates {
		if !smsTplCode.MatchString(t.Code) {
			p.add("sms.aliyun.templates."+key+".code", fmt.Sprintf("%q is not a template code like SMS_123456789", t.Code))
		}
		for _, v := range t.Params {
			if !varName.MatchString(v) {
				p.add("sms.aliyun.templates."+key+".params", fmt.Sprintf("%q is not a variable name", v))
			}
		}
	}
	seen := map[string]bool{}
	for i, o := range c.Officials {
		if o.SMSExt == "" {
			continue
		}
		key := fmt.Sprintf("officials[%d].sms_ext", i)
		if !digits.MatchString(o.SMSExt) || len(o.SMSExt) > 12 {
			p.add(key, fmt.Sprintf("%q is not an extension (digits)", o.SMSExt))
		} else if seen[o.SMSExt] {
			p.add(key, fmt.Sprintf("%q is another official's too", o.SMSExt))
		}
		seen[o.SMSExt] = true
	}
	if !a.Enabled() {
		return
	}
	if c.SMS.Twilio.Enabled() {
		p.add("sms", "set sms.twilio or sms.aliyun, not both: one provider carries the SMS channel")
	}
	if a.SignName == "" {
		p.add("sms.aliyun.sign_name", "required: the approved signature (【…】 without the brackets)")
	}
	if len(a.PushToken) < 16 {
		p.add("sms.aliyun.push_token", "required, 16 characters or more: it authenticates the SmsUp and SmsReport pushes")
	}
}

func (c *Config) validateTelegram(p *problemList) {
	t := c.Telegram
	p.oneOf("telegram.mode", t.Mode, "polling", "webhook")
	if t.ForwardWindow < 0 {
		p.add("telegram.forward_window", "must not be negative")
	}
	if t.APIURL != "" {
		p.url("telegram.api_url", t.APIURL)
	}
	if t.WebhookSecret != "" {
		if reason := telegramSecretProblem(t.WebhookSecret); reason != "" {
			p.add("telegram.webhook_secret", reason)
		}
	}
	if t.Token != "" && t.Mode == "webhook" {
		if t.WebhookSecret == "" {
			p.add("telegram.webhook_secret", "required in webhook mode: updates are authenticated by it")
		}
		if c.HTTP.PublicURL == "" {
			p.add("http.public_url", "required in Telegram webhook mode")
		} else if reason := telegramURLProblem(c.HTTP.PublicURL); reason != "" {
			p.add("http.public_url", reason)
		}
	}
}

// telegramSecretProblem says why setWebhook would refuse secret as its
// secret_token ("" = it would not). The secret itself is never repeated.
func telegramSecretProblem(secret string) string {
	n := utf8.RuneCountInString(secret)
	if n > 256 {
		return fmt.Sprintf("is %d characters; Telegram's setWebhook takes 1–256 of A-Z a-z 0-9 _ - and would refuse it", n)
	}
	i := 0
	for _, r := range secret {
		i++
		if !telegramSecretChar.MatchString(string(r)) {
			return fmt.Sprintf("character %d is not one of A-Z a-z 0-9 _ -, all Telegram's setWebhook takes in a secret (it would refuse it)", i)
		}
	}
	return ""
}

// telegramURLProblem says why Telegram would not call public's webhook
// ("" = it would); a URL that does not parse is reported by validateHTTP.
func telegramURLProblem(public string) string {
	u, err := url.Parse(public)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	if u.Scheme != "https" {
		return fmt.Sprintf("%q is not HTTPS: with telegram.mode webhook Telegram calls HTTPS URLs only (setWebhook would refuse it)", public)
	}
	if port := u.Port(); port != "" && !slices.Contains(telegramWebhookPorts, port) {
		return fmt.Sprintf("%q: with telegram.mode webhook Telegram calls ports 443, 80, 88, 8443 only, not %s (setWebhook would refuse it; put a proxy in front)", public, port)
	}
	return ""
}

func (c *Config) validateOfficials(p *problemList) {
	seen := map[string]bool{}
	for i, o := range c.Officials {
		key := fmt.Sprintf("officials[%d]", i)
		if !IsE164(o.Number) {
			p.add(key+".number", fmt.Sprintf("%q is not an E.164 number like +8613800000001", o.Number))
		} else if seen[o.Number] {
			p.add(key+".number", fmt.Sprintf("%q is listed twice", o.Number))
		}
		seen[o.Number] = true
		if o.ForwardTo != "" && !IsE164(o.ForwardTo) {
			p.add(key+".forward_to", fmt.Sprintf("%q is not an E.164 number", o.ForwardTo))
		}
		for _, d := range o.Schedule.Days {
			if d < 1 || d > 7 {
				p.add(key+".schedule.days", fmt.Sprintf("%d is not a weekday (1 = Monday … 7 = Sunday)", d))
			}
		}
		if o.Schedule.From != "" || o.Schedule.To != "" {
			p.clock(key+".schedule.from", o.Schedule.From)
			p.clock(key+".schedule.to", o.Schedule.To)
		}
	}
}

// MinAuditRetention is the shortest office.audit_retention taken: the
// Cybersecurity Law (网络安全法, art. 21) keeps network logs six months.
const MinAuditRetention = 180 * 24 * time.Hour

func (c *Config) validateOffice(p *problemList) {
	o := c.Office
	if o.SessionIdle < time.Minute {
		p.add("office.session_idle", "must be at least 1m (e.g. 30m)")
	}
	if o.SessionMax < time.Minute {
		p.add("office.session_max", "must be at least 1m (e.g. 12h)")
	} else if o.SessionIdle > o.SessionMax {
		p.add("office.session_idle", "must not be longer than office.session_max")
	}
	if o.AuditRetention < MinAuditRetention {
		p.add("office.audit_retention", "must be at least 4320h (180 days): network logs are kept six months (网络安全法 art. 21)")
	}
	if _, err := o.Proxies(); err != nil {
		p.add("office.trusted_proxies", err.Error())
	}
}

// Proxies are office.trusted_proxies parsed: an address alone is a /32
// (/128).
func (o Office) Proxies() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range o.TrustedProxies {
		if pr, err := netip.ParsePrefix(s); err == nil {
			out = append(out, pr.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("%q is not an address or CIDR like 10.0.0.0/8", s)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

func (c *Config) validateIntake(p *problemList) {
	p.positive("intake.dedup_window", c.Intake.DedupWindow)
	p.positive("intake.hot_window", c.Intake.HotWindow)
	if mc := c.Intake.Classifier.MinConfidence; !(mc >= 0 && mc <= 1) {
		p.add("intake.classifier.min_confidence", fmt.Sprintf("%v is not between 0 and 1", mc))
	}
	codes := map[string]bool{}
	for i, cat := range c.Intake.Categories {
		key := fmt.Sprintf("intake.categories[%d]", i)
		switch {
		case cat.Code == "":
			p.add(key+".code", "must not be empty")
		case codes[cat.Code]:
			p.add(key+".code", fmt.Sprintf("%q is listed twice", cat.Code))
		}
		codes[cat.Code] = true
	}
	for i, w := range c.Intake.UrgentWords {
		if utf8.RuneCountInString(strings.TrimSpace(w)) < 2 {
			p.add(fmt.Sprintf("intake.urgent_words[%d]", i), fmt.Sprintf("%q: at least two characters (one would match almost every appeal)", w))
		}
	}
	if c.Intake.PlacesFile != "" {
		// Read now so that `config check` names a bad line, not the first message.
		if _, err := gazetteer.Load(c.Intake.PlacesFile); err != nil {
			p.add("intake.places_file", err.Error())
		}
	}
	for _, d := range c.Intake.Holidays {
		p.date("intake.holidays", d)
	}
	for _, d := range c.Intake.Workdays {
		p.date("intake.workdays", d)
	}
	s := c.Intake.SLA
	for k, n := range map[string]int{
		"intake.sla.assign_next_workdays": s.AssignNextWorkdays, "intake.sla.contact_days": s.ContactDays,
		"intake.sla.resolve_workdays_urgent": s.ResolveWorkdaysUrgent, "intake.sla.resolve_workdays": s.ResolveWorkdays,
	} {
		if n < 0 {
			p.add(k, "must not be negative")
		}
	}
}

func (c *Config) validateWorkers(p *problemList) {
	w := c.Workers
	for k, n := range map[string]int{
		"workers.send": w.Send, "workers.outbox": w.Outbox, "workers.scheduler": w.Scheduler, "workers.callbacks": w.Callbacks,
		"workers.handover": w.Handover,
	} {
		if n < 1 || n > 1024 {
			p.add(k, "must be between 1 and 1024")
		}
	}
	if w.Inline < -1 || w.Inline > 1024 {
		p.add("workers.inline", "must be between -1 (always the scheduler) and 1024; 0 is 4 per CPU")
	}
}

func (c *Config) validateBackend(p *problemList) {
	b := c.Backend
	p.oneOf("backend.kind", b.Kind, "file", "webhook", "open311")
	if b.MaxAttempts < 1 {
		p.add("backend.max_attempts", "must be at least 1")
	}
	switch b.Kind {
	case "file":
		if b.File.Path == "" {
			p.add("backend.file.path", "required with backend.kind file")
		}
	case "webhook":
		if b.Webhook.URL == "" {
			p.add("backend.webhook.url", "required with backend.kind webhook")
		}
		if b.Webhook.Secret == "" {
			p.add("backend.webhook.secret", "required with backend.kind webhook: requests are signed with it")
		}
	case "open311":
		if b.Open311.Endpoint == "" {
			p.add("backend.open311.endpoint", "required with backend.kind open311")
		}
		p.positive("backend.open311.poll_every", b.Open311.PollEvery)
		o := b.Open311
		if strings.TrimSpace(o.DefaultAddress) == "" && o.DefaultLat == 0 && o.DefaultLong == 0 {
			p.add("backend.open311.default_address", "required with backend.kind open311 (or default_lat and default_long): GeoReport v2 refuses a petition without a place, and a pension question names none")
		}
	}
	if o := b.Open311; o.DefaultLat != 0 || o.DefaultLong != 0 {
		switch {
		case o.DefaultLat == 0 || o.DefaultLong == 0:
			p.add("backend.open311.default_lat", "set with default_long (GeoReport sends lat and long together)")
		case o.DefaultLat < -90 || o.DefaultLat > 90:
			p.add("backend.open311.default_lat", fmt.Sprintf("%v is not a latitude (-90 to 90, WGS84)", o.DefaultLat))
		case o.DefaultLong < -180 || o.DefaultLong > 180:
			p.add("backend.open311.default_long", fmt.Sprintf("%v is not a longitude (-180 to 180, WGS84)", o.DefaultLong))
		}
	}
	if b.Webhook.URL != "" {
		p.url("backend.webhook.url", b.Webhook.URL)
	}
	if b.Open311.Endpoint != "" {
		p.url("backend.open311.endpoint", b.Open311.Endpoint)
	}
	p.positive("backend.webhook.timeout", b.Webhook.Timeout)
}

// problemList collects "key: reason" lines.
type problemList struct{ list Problems }

func (p *problemList) add(key, reason string) { p.list = append(p.list, key+": "+reason) }

func (p *problemList) oneOf(key, val string, allowed ...string) {
	for _, a := range allowed {
		if val == a {
			return
		}
	}
	p.add(key, fmt.Sprintf("%q is not one of %s", val, strings.Join(allowed, ", ")))
}

func (p *problemList) positive(key string, d time.Duration) {
	if d <= 0 {
		p.add(key, "must be a positive duration like 90s or 72h")
	}
}

func (p *problemList) nonNegative(key string, d time.Duration) {
	if d < 0 {
		p.add(key, "must not be negative")
	}
}

func (p *problemList) clock(key, s string) {
	if !clock.MatchString(s) {
		p.add(key, fmt.Sprintf("%q is not a time of day like 07:30", s))
	}
}

func (p *problemList) date(key, s string) {
	if _, err := time.Parse("2006-01-02", s); err != nil {
		p.add(key, fmt.Sprintf("%q is not a date like 2026-10-01", s))
	}
}

func (p *problemList) url(key, s string) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		p.add(key, fmt.Sprintf("%q is not an http(s) URL", s))
	}
}
