// Package config loads minsheng's configuration: a YAML file and MINSHENG_*
// environment variables over embedded defaults, validated all at once.
//
// Every key has a default (see Default), so every key can be overridden from
// the environment: MINSHENG_ + the key path in capitals with "_" for "."
// (MINSHENG_SMS_TWILIO_AUTH_TOKEN). example.yaml documents every key.
package config

import (
	"time"
	_ "time/tzdata" // zone data for fresh machines and containers without it
)

// Config is the whole configuration. The mapstructure names are the contract
// (docs/ARCHITECTURE.md, config/example.yaml); yaml tags let `config check` print it back in the same shape.
type Config struct {
	Timezone   string     `mapstructure:"timezone" yaml:"timezone"`
	Log        Log        `mapstructure:"log" yaml:"log"`
	HTTP       HTTP       `mapstructure:"http" yaml:"http"`
	Redis      Redis      `mapstructure:"redis" yaml:"redis"`
	SMS        SMS        `mapstructure:"sms" yaml:"sms"`
	Voice      Voice      `mapstructure:"voice" yaml:"voice"`
	Telegram   Telegram   `mapstructure:"telegram" yaml:"telegram"`
	Officials  []Official `mapstructure:"officials" yaml:"officials"`
	Callbacks  Callbacks  `mapstructure:"callbacks" yaml:"callbacks"`
	Dialog     Dialog     `mapstructure:"dialog" yaml:"dialog"`
	QuietHours QuietHours `mapstructure:"quiet_hours" yaml:"quiet_hours"`
	Flood      Flood      `mapstructure:"flood" yaml:"flood"`
	Notify     Notify     `mapstructure:"notify" yaml:"notify"`
	Intake     Intake     `mapstructure:"intake" yaml:"intake"`
	Backend    Backend    `mapstructure:"backend" yaml:"backend"`
	Survey     Survey     `mapstructure:"survey" yaml:"survey"`
	Workers    Workers    `mapstructure:"workers" yaml:"workers"`
	Report     Report     `mapstructure:"report" yaml:"report"`
	Office     Office     `mapstructure:"office" yaml:"office"`
}

// Log selects log verbosity and format.
type Log struct {
	Level  string `mapstructure:"level" yaml:"level"`   // debug | info | warn | error
	Format string `mapstructure:"format" yaml:"format"` // text | json
}

// HTTP is the server of `serve`.
type HTTP struct {
	Listen     string `mapstructure:"listen" yaml:"listen"`
	PublicURL  string `mapstructure:"public_url" yaml:"public_url"`
	AdminToken string `mapstructure:"admin_token" yaml:"admin_token" secret:"true"`
}

// Redis is the store. An empty Addr and Addrs means the embedded store.
type Redis struct {
	Addr       string   `mapstructure:"addr" yaml:"addr"`
	Addrs      []string `mapstructure:"addrs" yaml:"addrs"`
	MasterName string   `mapstructure:"master_name" yaml:"master_name"`
	Username   string   `mapstructure:"username" yaml:"username"`
	Password   string   `mapstructure:"password" yaml:"password" secret:"true"`
	DB         int      `mapstructure:"db" yaml:"db"`
	Prefix     string   `mapstructure:"prefix" yaml:"prefix"` // of every key
	// Spool is the local write-ahead file for messages and status events
	// that arrive while Redis cannot take them ("" = off: they are
	// answered 500/503 instead).
	Spool string `mapstructure:"spool" yaml:"spool"`
}

// Embedded reports whether the in-process store is to be used.
func (r Redis) Embedded() bool { return r.Addr == "" && len(r.Addrs) == 0 }

// SMS holds the SMS channel settings.
type SMS struct {
	AllowedCountryCodes []string `mapstructure:"allowed_country_codes" yaml:"allowed_country_codes"`
	Twilio              Twilio   `mapstructure:"twilio" yaml:"twilio"`
	// Aliyun is the mainland gateway (Alibaba Cloud SMS): set it or
	// Twilio, not both.
	Aliyun Aliyun `mapstructure:"aliyun" yaml:"aliyun"`
}

// Aliyun is an Alibaba Cloud SMS account (短信服务, dysmsapi): citizens text
// its 106 number (official by extension, officials[].sms_ext), replies go
// as approved templates under an approved signature (bot/aliyun).
type Aliyun struct {
	AccessKeyID     string `mapstructure:"access_key_id" yaml:"access_key_id"`
	AccessKeySecret string `mapstructure:"access_key_secret" yaml:"access_key_secret" secret:"true"`
	// SignName is the approved signature, without 【】.
	SignName string `mapstructure:"sign_name" yaml:"sign_name"`
	// APIURL is the API endpoint (a test points it at a fake).
	APIURL string `mapstructure:"api_url" yaml:"api_url"`
	// PushToken authenticates the SmsUp and SmsReport pushes (?token=…):
	// the provider signs neither.
	PushToken string `mapstructure:"push_token" yaml:"push_token" secret:"true"`
	// DailyLimit is how many SMS one number gets a day at most, across
	// replicas; the last one says what is left.
	DailyLimit    int     `mapstructure:"daily_limit" yaml:"daily_limit"`
	RatePerSecond float64 `mapstructure:"rate_per_second" yaml:"rate_per_second"`
	// Templates are the approved templates by reply key (a dialog
	// template name, office_…, digest): `minsheng templates --channel
	// aliyun` prints the texts to submit.
	Templates map[string]AliyunTemplate `mapstructure:"templates" yaml:"templates"`
}

// AliyunTemplate is one approved template: its code (SMS_…) and the
// variables it has, by name (id, unit…).
type AliyunTemplate struct {
	Code   string   `mapstructure:"code" yaml:"code"`
	Params []string `mapstructure:"params" yaml:"params,flow"`
}

// Enabled reports whether credentials are configured.
func (a Aliyun) Enabled() bool { return a.AccessKeyID != "" && a.AccessKeySecret != "" }

// Twilio is the Twilio account that owns the published numbers.
type Twilio struct {
	AccountSID          string  `mapstructure:"account_sid" yaml:"account_sid"`
	AuthToken           string  `mapstructure:"auth_token" yaml:"auth_token" secret:"true"`
	MessagingServiceSID string  `mapstructure:"messaging_service_sid" yaml:"messaging_service_sid"`
	APIBaseURL          string  `mapstructure:"api_base_url" yaml:"api_base_url"`
	RatePerSecond       float64 `mapstructure:"rate_per_second" yaml:"rate_per_second"`
	// WebhookOverrides are the connection overrides added to the webhook
	// URLs in Twilio as a fragment ("rc=3&rp=all"): signatures over the
	// URL with them are accepted too.
	WebhookOverrides string `mapstructure:"webhook_overrides" yaml:"webhook_overrides"`
}

// Enabled reports whether credentials are configured.
func (t Twilio) Enabled() bool { return t.AccountSID != "" && t.AuthToken != "" }

// Voice is the voice channel: calls to the published numbers, on with
// sms.twilio.
type Voice struct {
	// SayVoice is the voice callers hear the message in (<Say voice=…
	// language="cmn-CN">): one of MandarinVoices (voices.go).
	SayVoice string `mapstructure:"say_voice" yaml:"say_voice"`
}

// Telegram is the Telegram bot.
type Telegram struct {
	Token         string  `mapstructure:"token" yaml:"token" secret:"true"`
	APIURL        string  `mapstructure:"api_url" yaml:"api_url"`
	Mode          string  `mapstructure:"mode" yaml:"mode"` // polling | webhook
	WebhookSecret string  `mapstructure:"webhook_secret" yaml:"webhook_secret" secret:"true"`
	IntakeChats   []int64 `mapstructure:"intake_chats" yaml:"intake_chats"`
	StaffUsers    []int64 `mapstructure:"staff_users" yaml:"staff_users"`
	// ForwardWindow: forwards of one resident's messages within it are one petition.
	ForwardWindow time.Duration `mapstructure:"forward_window" yaml:"forward_window"`
}

// Official is one published number and the person behind it.
type Official struct {
	Number       string   `mapstructure:"number" yaml:"number"`
	Name         string   `mapstructure:"name" yaml:"name"`
	Title        string   `mapstructure:"title" yaml:"title"`
	Duties       []string `mapstructure:"duties" yaml:"duties"`
	County       string   `mapstructure:"county" yaml:"county"`
	ForwardTo    string   `mapstructure:"forward_to" yaml:"forward_to"`
	TelegramUser int64    `mapstructure:"telegram_user" yaml:"telegram_user"`
	StaffChat    int64    `mapstructure:"staff_chat" yaml:"staff_chat"`
	Schedule     Schedule `mapstructure:"schedule" yaml:"schedule"`
	// SMSExt is the extension of the official's number on the mainland
	// gateway's 106 number (sms.aliyun): the SmsUp push's dest_code.
	SMSExt string `mapstructure:"sms_ext" yaml:"sms_ext"`
}

// Schedule is an official's regular availability.
type Schedule struct {
	Days []int  `mapstructure:"days" yaml:"days"` // 1 = Monday … 7 = Sunday
	From string `mapstructure:"from" yaml:"from"` // "08:00"
	To   string `mapstructure:"to" yaml:"to"`     // "18:00"
}

// Callbacks is the officials' call-back list.
type Callbacks struct {
	RemindAfter time.Duration `mapstructure:"remind_after" yaml:"remind_after"`
}

// Dialog tunes the intake conversation.
type Dialog struct {
	CoalesceWindow   time.Duration     `mapstructure:"coalesce_window" yaml:"coalesce_window"`
	SupplementWindow time.Duration     `mapstructure:"supplement_window" yaml:"supplement_window"`
	IdleSubmitAfter  time.Duration     `mapstructure:"idle_submit_after" yaml:"idle_submit_after"`
	AskName          bool              `mapstructure:"ask_name" yaml:"ask_name"`
	AskCategory      bool              `mapstructure:"ask_category" yaml:"ask_category"`
	Templates        map[string]string `mapstructure:"templates" yaml:"templates"`
}

// QuietHours is when no status or survey message is sent. Empty start and
// end turn quiet hours off.
type QuietHours struct {
	Start string `mapstructure:"start" yaml:"start"`
	End   string `mapstructure:"end" yaml:"end"`
}

// Flood limits how many messages one sender may send in a window.
type Flood struct {
	MaxMessages int           `mapstructure:"max_messages" yaml:"max_messages"`
	Per         time.Duration `mapstructure:"per" yaml:"per"`
}

// Notify chooses which case statuses are sent to the citizen.
type Notify struct {
	Statuses []string `mapstructure:"statuses" yaml:"statuses"`
}

// Intake is the understanding of petitions.
type Intake struct {
	DedupWindow time.Duration `mapstructure:"dedup_window" yaml:"dedup_window"`
	// HotWindow is how long a hot issue (热点) waits for its next petition
	// before it ends (intake/hot): every replica must have the same.
	HotWindow  time.Duration `mapstructure:"hot_window" yaml:"hot_window"`
	Classifier Classifier    `mapstructure:"classifier" yaml:"classifier"`
	Categories []Category    `mapstructure:"categories" yaml:"categories"`
	Places     []Place       `mapstructure:"places" yaml:"places"`
	// UrgentWords are the deployment's own danger words, added to the
	// built-in ones (understand.NewUrgencyRules).
	UrgentWords []string `mapstructure:"urgent_words" yaml:"urgent_words"`
	// PlacesFile is a gazetteer of more counties and towns, one a line
	// (intake/gazetteer; config/places.example.txt): "" = none.
	PlacesFile string   `mapstructure:"places_file" yaml:"places_file"`
	Holidays   []string `mapstructure:"holidays" yaml:"holidays"`
	Workdays   []string `mapstructure:"workdays" yaml:"workdays"`
	SLA        SLA      `mapstructure:"sla" yaml:"sla"`
}

// Classifier selects the category model.
type Classifier struct {
	Model string `mapstructure:"model" yaml:"model"` // "" = embedded default
	// MinConfidence: a suggested category less sure than this flags the
	// petition category_uncertain (0 = never).
	MinConfidence float64 `mapstructure:"min_confidence" yaml:"min_confidence"`
}

// Category is one category of petitions and the unit that usually handles it.
type Category struct {
	Code     string   `mapstructure:"code" yaml:"code"`
	Label    string   `mapstructure:"label" yaml:"label"` // the classifier's label
	Name     string   `mapstructure:"name" yaml:"name"`   // shown to people
	Keywords []string `mapstructure:"keywords" yaml:"keywords"`
	Unit     string   `mapstructure:"unit" yaml:"unit"`
	Urgent   bool     `mapstructure:"urgent" yaml:"urgent"`
}

// Place is a county or town of the deployment, so places are recognised.
type Place struct {
	County  string   `mapstructure:"county" yaml:"county"`
	Town    string   `mapstructure:"town" yaml:"town"`
	Aliases []string `mapstructure:"aliases" yaml:"aliases"`
}

// SLA is the handling promise, in working days unless named days.
type SLA struct {
	AssignNextWorkdays    int `mapstructure:"assign_next_workdays" yaml:"assign_next_workdays"`
	ContactDays           int `mapstructure:"contact_days" yaml:"contact_days"`
	ResolveWorkdaysUrgent int `mapstructure:"resolve_workdays_urgent" yaml:"resolve_workdays_urgent"`
	ResolveWorkdays       int `mapstructure:"resolve_workdays" yaml:"resolve_workdays"`
}

// Backend is where petitions go.
type Backend struct {
	Kind        string `mapstructure:"kind" yaml:"kind"` // file | webhook | open311
	MaxAttempts int    `mapstructure:"max_attempts" yaml:"max_attempts"`
	// Journal is the case map on local disk, written back when Redis lost
	// its data ("" = off: status events for cases delivered before such a
	// loss are then answered 404).
	Journal string  `mapstructure:"journal" yaml:"journal"`
	File    File    `mapstructure:"file" yaml:"file"`
	Webhook Webhook `mapstructure:"webhook" yaml:"webhook"`
	Open311 Open311 `mapstructure:"open311" yaml:"open311"`
}

// File is the file backend.
type File struct {
	Path string `mapstructure:"path" yaml:"path"`
}

// Webhook is the JSON webhook backend.
type Webhook struct {
	URL     string        `mapstructure:"url" yaml:"url"`
	Secret  string        `mapstructure:"secret" yaml:"secret" secret:"true"`
	Timeout time.Duration `mapstructure:"timeout" yaml:"timeout"`
}

// Open311 is the GeoReport v2 backend.
type Open311 struct {
	Endpoint       string            `mapstructure:"endpoint" yaml:"endpoint"`
	APIKey         string            `mapstructure:"api_key" yaml:"api_key" secret:"true"`
	JurisdictionID string            `mapstructure:"jurisdiction_id" yaml:"jurisdiction_id"`
	ServiceCodes   map[string]string `mapstructure:"service_codes" yaml:"service_codes"`
	PollEvery      time.Duration     `mapstructure:"poll_every" yaml:"poll_every"`
	// DefaultAddress and DefaultLat/DefaultLong (both 0: none) are the
	// jurisdiction's place, sent for a petition that names none (a pension
	// question): GeoReport v2 refuses a request without a location.
	DefaultAddress string  `mapstructure:"default_address" yaml:"default_address"`
	DefaultLat     float64 `mapstructure:"default_lat" yaml:"default_lat"`
	DefaultLong    float64 `mapstructure:"default_long" yaml:"default_long"`
}

// Survey is the satisfaction survey (回访).
type Survey struct {
	RemindAfter time.Duration     `mapstructure:"remind_after" yaml:"remind_after"`
	ExpireAfter time.Duration     `mapstructure:"expire_after" yaml:"expire_after"`
	Words       map[string]string `mapstructure:"words" yaml:"words"`
	// RevisitShare of the cases rated 满意 are asked again RevisitAfter
	// later whether the problem stayed solved (回头看); 0: none.
	RevisitShare float64       `mapstructure:"revisit_share" yaml:"revisit_share"`
	RevisitAfter time.Duration `mapstructure:"revisit_after" yaml:"revisit_after"`
}

// Workers is how much work after intake each process does at once. Entries
// with the same key (a citizen's replies, a petition's records) stay in
// order whatever the numbers; replicas multiply them.
type Workers struct {
	Send      int `mapstructure:"send" yaml:"send"`           // replies and bulk messages being sent
	Outbox    int `mapstructure:"outbox" yaml:"outbox"`       // deliveries to the backend in flight
	Scheduler int `mapstructure:"scheduler" yaml:"scheduler"` // conversations ticked at once
	Callbacks int `mapstructure:"callbacks" yaml:"callbacks"` // call-back items written
	// Handover is how many status events are handed at once to the
	// conversation that reaches the citizen (a resident's SMS for a
	// complaint forwarded from a Telegram group).
	Handover int `mapstructure:"handover" yaml:"handover"`
	// Inline is how many inbound messages a process runs the dialog for
	// inside the provider's webhook request at once; beyond that a message
	// is only taken in and the scheduler's workers run its dialog moments
	// later. 0: 4 per CPU; -1: always the scheduler.
	Inline int `mapstructure:"inline" yaml:"inline"`
}

// Report is what the office's figures keep and how units are ranked.
type Report struct {
	Retention time.Duration `mapstructure:"retention" yaml:"retention"` // counters and petition records kept
	RankMin   int           `mapstructure:"rank_min" yaml:"rank_min"`   // answers (resolved cases) a unit needs to be ranked
	// PublicPage serves the month's figures, rankings and answered hot
	// issues at /public/, to anyone: no personal data (bot/publicpage).
	PublicPage bool `mapstructure:"public_page" yaml:"public_page"`
}

// Office is the door of the office page (/office/): its sessions, audit
// trail and the proxies in front of it.
type Office struct {
	SessionIdle time.Duration `mapstructure:"session_idle" yaml:"session_idle"` // a session unused this long ends
	SessionMax  time.Duration `mapstructure:"session_max" yaml:"session_max"`   // any session ends this long after login
	// AuditRetention is how long the audit trail keeps a record (the
	// Cybersecurity Law, art. 21: network logs at least six months).
	AuditRetention time.Duration `mapstructure:"audit_retention" yaml:"audit_retention"`
	// TrustedProxies are the addresses (CIDR or single) of the proxies in
	// front of serve: behind them the client's address is read from
	// X-Forwarded-For, for login throttling and the audit trail.
	TrustedProxies []string `mapstructure:"trusted_proxies" yaml:"trusted_proxies"`
}

// Default is the embedded configuration: it runs with no file, no Redis and
// no accounts.
func Default() Config {
	return Config{
		Timezone: "Asia/Shanghai",
		Log:      Log{Level: "info", Format: "text"},
		HTTP:     HTTP{Listen: ":8080"},
		Redis:    Redis{Prefix: "ms:", Spool: "./data/spool"},
		SMS: SMS{AllowedCountryCodes: []string{"+86"}, Twilio: Twilio{RatePerSecond: 1},
			Aliyun: Aliyun{APIURL: "https://dysmsapi.aliyuncs.com", DailyLimit: 50, RatePerSecond: 20, Templates: map[string]AliyunTemplate{}}},
		Voice:    Voice{SayVoice: DefaultSayVoice},
		Telegram: Telegram{Mode: "polling", ForwardWindow: time.Minute},
		Callbacks: Callbacks{
			RemindAfter: 24 * time.Hour,
		},
		Dialog: Dialog{
			CoalesceWindow:   15 * time.Second,
			SupplementWindow: 30 * time.Minute,
			IdleSubmitAfter:  30 * time.Minute,
			Templates:        map[string]string{},
		},
		QuietHours: QuietHours{Start: "22:00", End: "07:00"},
		Flood:      Flood{MaxMessages: 20, Per: 10 * time.Minute},
		Notify:     Notify{Statuses: []string{"assigned", "resolved"}},
		Intake: Intake{
			DedupWindow: 72 * time.Hour,
			HotWindow:   7 * 24 * time.Hour,
			Classifier:  Classifier{MinConfidence: 0.5},
			Categories:  DefaultCategories(),
			SLA:         SLA{AssignNextWorkdays: 1, ContactDays: 3, ResolveWorkdaysUrgent: 2, ResolveWorkdays: 5},
		},
		Backend: Backend{
			Kind:        "file",
			MaxAttempts: 50,
			Journal:     "./data/cases.jsonl",
			File:        File{Path: "./data/petitions.jsonl"},
			Webhook:     Webhook{Timeout: 10 * time.Second},
			Open311:     Open311{ServiceCodes: map[string]string{}, PollEvery: 5 * time.Minute},
		},
		Survey: Survey{
			RemindAfter:  24 * time.Hour,
			ExpireAfter:  72 * time.Hour,
			Words:        map[string]string{"基本满意": "understood"},
			RevisitAfter: 30 * 24 * time.Hour,
		},
		Workers: Workers{Send: 32, Outbox: 64, Scheduler: 16, Callbacks: 4, Handover: 4},
		Report:  Report{Retention: 400 * 24 * time.Hour, RankMin: 10},
		Office: Office{SessionIdle: 30 * time.Minute, SessionMax: 12 * time.Hour, AuditRetention: 183 * 24 * time.Hour,
			TrustedProxies: []string{"127.0.0.1/32", "::1/128"}},
	}
}

// DefaultCategories are the first-level categories of the public appeals data
// (the 2020 Teddy Cup government message-board data), with the unit that usually handles each.
func DefaultCategories() []Category {
	return []Category{
		{Code: "urban", Label: "城乡建设", Name: "城乡建设", Unit: "市住建局"},
		{Code: "environment", Label: "环境保护", Name: "环境保护", Unit: "市生态环境局"},
		{Code: "transport", Label: "交通运输", Name: "交通运输", Unit: "市交通运输局"},
		{Code: "education", Label: "教育文体", Name: "教育文体", Unit: "市教育局"},
		{Code: "labour", Label: "劳动和社会保障", Name: "劳动和社会保障", Unit: "市人社局"},
		{Code: "commerce", Label: "商贸旅游", Name: "商贸旅游", Unit: "市商务局"},
		{Code: "health", Label: "卫生计生", Name: "卫生计生", Unit: "市卫健委"},
	}
}
