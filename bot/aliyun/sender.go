package aliyun

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/minsheng/minsheng/bot"
	"github.com/minsheng/minsheng/config"
	"github.com/minsheng/minsheng/dialog"
	"github.com/minsheng/minsheng/intake/queue"
)

// Sender delivers the send queue's SMS as approved templates. It is the
// channel's bot.Sender.
type Sender struct {
	api          *api
	records      *records
	limiter      *bot.RateLimiter
	country      countryGuard
	sign         string
	templates    map[string]config.AliyunTemplate
	ext          map[string]string // official's number → extension (SmsUpExtendCode)
	limit        int
	loc          *time.Location
	morning      int           // minutes after midnight deferred messages wait for
	gather       time.Duration // how long the digest waits for more to merge
	lookupSettle time.Duration // how long the provider may take to list what it took
	resend       bot.Resender
	metrics      *metrics
	log          *slog.Logger
	now          func() time.Time
}

// providerZone is the provider's day for QuerySendDetails (UTC+8).
var providerZone = time.FixedZone("CST", 8*3600)

// unverifiedAfter: an attempt older than this whose lookups fail is sent
// again anyway (better twice than never).
const unverifiedAfter = 10 * time.Minute

// owed is a message kept for the digest.
type owed struct {
	Seq      int64             `json:"s,omitempty"` // its order among the citizen's messages
	At       int64             `json:"a,omitempty"` // when it was owed (unix ms), for messages without Seq
	Template string            `json:"t"`
	Vars     map[string]string `json:"v,omitempty"`
}

// Send sends m as its reply key's approved template. nil: the provider
// took it, or it was sent before, or it is owed to the day's digest (kept
// in Redis, sent with it); bot.ErrDropped: outside
// sms.allowed_country_codes; queue.Defer: the rate limit, the day's budget
// (the next morning), the provider's flow control; queue.ErrPermanent: no
// approved template, or refused for good; any other error is retried, and
// the retry first looks up an attempt whose outcome is unknown.
func (s *Sender) Send(ctx context.Context, m bot.Outbound) error {
	if !s.country.allows(m.To) {
		s.metrics.dropped.WithLabelValues("country").Inc()
		s.log.Warn("SMS not sent: number outside sms.allowed_country_codes", "to", bot.MaskPhones(m.To), "key", bot.MaskPhones(m.Key))
		return fmt.Errorf("sms to %s: outside sms.allowed_country_codes: %w", bot.MaskPhones(m.To), bot.ErrDropped)
	}
	tpl, ok := s.templates[m.Template]
	if !ok {
		return fmt.Errorf("sms %s: no approved template for reply key %q (sms.aliyun.templates): %w", bot.MaskPhones(m.Key), m.Template, queue.ErrPermanent)
	}
	now := s.now()
	day := now.In(s.loc).Format("20060102")
	member := memberOf(m.Key, m.To)
	kind := kindNormal
	switch m.Template {
	case "survey_remind":
		kind = kindCanWait
	case DigestKey:
		kind = kindDigest
	}
	payload, _ := json.Marshal(owed{Seq: m.Seq, At: now.UnixMilli(), Template: m.Template, Vars: m.Vars})
	if wait, err := s.limiter.Take(ctx, s.sign, m.Bulk, m.Key); err != nil {
		return err
	} else if wait > 0 {
		s.metrics.rateLimited.Inc()
		return queue.Defer(wait)
	}
	b, err := s.records.begin(ctx, m.To, member, day, s.limit, now, kind, string(payload), s.gather)
	if err != nil {
		return err
	}
	switch b.outcome {
	case beginSent, beginEmpty:
		return nil
	case beginWait:
		return queue.Defer(b.wait)
	case beginDefer:
		d := s.untilMorning(now)
		s.metrics.budget.WithLabelValues("deferred").Inc()
		s.log.Info("SMS deferred to the next morning: the number's daily budget is used (sms.aliyun.daily_limit)",
			"to", bot.MaskPhones(m.To), "key", bot.MaskPhones(m.Key), "template", m.Template, "case", m.Case, "wait", d.Round(time.Minute))
		return queue.Defer(d)
	case beginOwed:
		return s.owe(ctx, m, day, now, b.queue)
	case beginPending:
		taken, err := s.settle(ctx, m, b.at, now)
		if err != nil {
			return err
		}
		if taken {
			return s.records.sent(ctx, m.To, member, "found")
		}
	}
	params, err := s.params(m, tpl, b.digest)
	if err != nil {
		return fmt.Errorf("sms %s: %w: %w", bot.MaskPhones(m.Key), err, queue.ErrPermanent)
	}
	ans, err := s.api.send(sendRequest{Phone: national(m.To), Sign: s.sign, Template: tpl.Code, Params: params, Ext: s.ext[m.From], OutID: m.Key})
	if err != nil {
		// No answer: the provider may have it. The mark stays: the retry
		// looks it up first.
		return fmt.Errorf("sms %s: no answer from SendSms: %s", bot.MaskPhones(m.Key), bot.MaskPhones(err.Error()))
	}
	if ans.Code == "OK" {
		s.metrics.sent.WithLabelValues(kindLabel(m)).Inc()
		s.log.Debug("SMS sent", "to", bot.MaskPhones(m.To), "template", m.Template, "biz", ans.BizID)
		return s.records.sent(ctx, m.To, member, ans.BizID)
	}
	return s.refused(ctx, m, member, day, ans, now)
}

// owe keeps m for the day's digest (the last SMS of the day), and queues
// the digest when m is the first thing owed.
func (s *Sender) owe(ctx context.Context, m bot.Outbound, day string, now time.Time, queueDigest bool) error {
	s.metrics.budget.WithLabelValues("merged").Inc()
	s.log.Info("SMS merged into the day's last one: the number's daily budget is nearly used (sms.aliyun.daily_limit)",
		"to", bot.MaskPhones(m.To), "key", bot.MaskPhones(m.Key), "template", m.Template, "case", m.Case)
	if !queueDigest {
		return nil
	}
	conv := m.Conversation
	if conv == "" {
		conv = bot.ConversationKey(bot.ChannelSMS, m.To)
	}
	d := bot.Outbound{Key: conv + ":digest:" + day, Channel: bot.ChannelSMS, Conversation: conv, To: m.To, From: m.From, Template: DigestKey,
		Text: "今日短信已达上限，剩余消息合并发送。"}
	if err := s.resend.Enqueue(ctx, d); err != nil {
		return fmt.Errorf("queue the day's digest for %s: %w", bot.MaskPhones(m.To), err)
	}
	s.metrics.budget.WithLabelValues("digest").Inc()
	return s.records.digestQueued(ctx, m.To, day, now)
}

// untilMorning is how long from now to the next day's morning (the end of
// quiet hours) in the configured time zone.
func (s *Sender) untilMorning(now time.Time) time.Duration {
	t := now.In(s.loc)
	next := time.Date(t.Year(), t.Month(), t.Day()+1, s.morning/60, s.morning%60, 0, 0, s.loc)
	return next.Sub(now)
}

// params is the TemplateParam JSON: each of the template's variables from
// the message (or, for the digest, from what it merges), within limits.
func (s *Sender) params(m bot.Outbound, tpl config.AliyunTemplate, digest string) (string, error) {
	vars := m.Vars
	if m.Template == DigestKey {
		var items []owed
		if err := json.Unmarshal([]byte(digest), &items); err != nil {
			return "", fmt.Errorf("the digest's items: %w", err)
		}
		sort.SliceStable(items, func(i, j int) bool {
			if items[i].At != items[j].At {
				return items[i].At < items[j].At
			}
			return items[i].Seq < items[j].Seq
		})
		vars = digestVars(items)
	}
	out := make(map[string]string, len(tpl.Params))
	for _, p := range tpl.Params {
		out[p] = value(p, vars[p])
	}
	b, err := json.Marshal(out)
	if err != nil {
		return "", fmt.Errorf("template params: %w", err)
	}
	return string(b), nil
}

// digestVars says what a digest merges: how many messages, and as many
// of them in brief as 35 characters hold ("MS-…已受理；MS-…已办结等").
func digestVars(items []owed) map[string]string {
	var b strings.Builder
	for i, it := range items {
		part := brief(it)
		sep := ""
		if i > 0 {
			sep = "；"
		}
		if len([]rune(b.String()+sep+part)) > maxVar-1 {
			b.WriteString("等")
			break
		}
		b.WriteString(sep + part)
	}
	return map[string]string{"count": strconv.Itoa(len(items)), "items": b.String()}
}

// brief is a merged message in a few words: its case and what happened.
func brief(it owed) string {
	t := it.Template
	var what string
	switch {
	case strings.HasPrefix(t, "receipt"), strings.HasPrefix(t, "supplement"), t == "human", t == "after_receipt":
		what = "已登记"
	case strings.HasPrefix(t, "status_"):
		what = dialog.StatusWord(strings.TrimPrefix(t, "status_"))
	case strings.HasPrefix(t, "survey"):
		what = "已办结待评价"
	case strings.HasPrefix(t, "office_"):
		what = "办公提醒"
	case strings.HasPrefix(t, "ask_"), strings.HasPrefix(t, "prompt"):
		what = "请补充问题和地点"
	default:
		what = "新消息"
	}
	if id := it.Vars["id"]; id != "" {
		return id + what
	}
	return what
}

// settle looks up an SMS whose earlier attempt (at) has no known outcome.
// taken: the provider has it (recorded, not sent again). Not listed while
// the attempt is younger than settle: looked up again later; older: sent.
func (s *Sender) settle(ctx context.Context, m bot.Outbound, at, now time.Time) (bool, error) {
	age := now.Sub(at)
	days := []string{at.In(providerZone).Format("20060102")}
	if d := now.In(providerZone).Format("20060102"); d != days[0] {
		days = append(days, d)
	}
	for _, day := range days {
		recs, err := s.api.sentOn(national(m.To), day)
		if err != nil {
			if age > unverifiedAfter {
				s.metrics.dedup.WithLabelValues("unverified").Inc()
				s.log.Warn("SMS sent again without a lookup: QuerySendDetails keeps failing", "key", bot.MaskPhones(m.Key), "err", bot.MaskPhones(err.Error()))
				return false, nil
			}
			s.metrics.dedup.WithLabelValues("lookup_failed").Inc()
			return false, fmt.Errorf("sms %s: look up an earlier attempt: %s", bot.MaskPhones(m.Key), bot.MaskPhones(err.Error()))
		}
		for _, r := range recs {
			if r.OutID == m.Key {
				s.metrics.dedup.WithLabelValues("found").Inc()
				s.log.Info("SMS found at the provider after an attempt without answer: not sent again", "key", bot.MaskPhones(m.Key))
				return true, nil
			}
		}
	}
	if age < s.lookupSettle {
		s.metrics.dedup.WithLabelValues("deferred").Inc()
		return false, queue.Defer(s.lookupSettle - age)
	}
	s.metrics.dedup.WithLabelValues("not_found").Inc()
	return false, nil
}

// refused turns a SendSms answer other than OK into the send queue's
// outcome (error codes: help.aliyun.com/document_detail/101346.html).
func (s *Sender) refused(ctx context.Context, m bot.Outbound, member, day string, ans sendAnswer, now time.Time) error {
	s.metrics.refused.WithLabelValues(ans.Code).Inc()
	why := fmt.Errorf("sms %s: SendSms answered %s (HTTP %d): %s", bot.MaskPhones(m.Key), ans.Code, ans.HTTP, bot.MaskPhones(ans.Message))
	undo := func() {
		if err := s.records.unattempt(ctx, m.To, member, day); err != nil {
			s.log.Warn("refused SMS attempt not taken back; the retry looks it up first", "key", bot.MaskPhones(m.Key), "err", err)
		}
	}
	switch code := ans.Code; {
	case code == "isv.BUSINESS_LIMIT_CONTROL":
		// The provider's flow control per number: try again when its
		// window has passed.
		undo()
		d := time.Minute
		switch {
		case strings.Contains(ans.Message, "天级"):
			d = s.untilMorning(now)
		case strings.Contains(ans.Message, "小时级"):
			d = time.Hour
		}
		s.log.Warn("SMS held back by the provider's flow control for this number", "to", bot.MaskPhones(m.To), "key", bot.MaskPhones(m.Key), "message", ans.Message, "wait", d)
		return queue.Defer(d)
	case strings.HasPrefix(code, "Throttling"):
		undo()
		return queue.RetryAfter(why, time.Second)
	case code == "isv.DAY_LIMIT_CONTROL", code == "isv.MONTH_LIMIT_CONTROL", code == "isv.OUT_OF_SERVICE",
		code == "isv.AMOUNT_NOT_ENOUGH", code == "isv.ACCOUNT_ABNORMAL":
		// The account's limits or balance: retried until the office
		// raises them.
		undo()
		s.log.Error("SMS account cannot send: raise the limit or top up", "code", code, "message", ans.Message)
		return why
	case strings.HasPrefix(code, "isp.") || ans.HTTP >= 500 || code == "":
		return why // the provider's side: perhaps taken; the retry looks it up
	}
	undo()
	return fmt.Errorf("%w: %w", why, queue.ErrPermanent)
}

func kindLabel(m bot.Outbound) string {
	if m.Bulk {
		return "bulk"
	}
	return "reply"
}

var _ bot.Sender = (*Sender)(nil)
