package aliyun

import (
	"github.com/minsheng/minsheng/bot"
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the channel's figures.
type metrics struct {
	inbound     *prometheus.CounterVec // pushed SMS by result (taken, duplicate, malformed)
	reports     *prometheus.CounterVec // delivery receipts by result (delivered, failed, opted_out)
	sent        *prometheus.CounterVec // SMS the provider took, by kind (reply, bulk)
	refused     *prometheus.CounterVec // SendSms answers other than OK, by code
	dropped     *prometheus.CounterVec // not sent by a guard, by reason
	budget      *prometheus.CounterVec // the daily budget at work (merged, digest, deferred)
	dedup       *prometheus.CounterVec // lookups of attempts without outcome, by result
	rateLimited prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	return &metrics{
		inbound: bot.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "minsheng_aliyun_inbound_total", Help: "SMS pushed by the mainland gateway (SmsUp), by result (taken, duplicate, malformed).",
		}, []string{"result"})),
		reports: bot.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "minsheng_aliyun_reports_total", Help: "Delivery receipts pushed by the mainland gateway (SmsReport), by result (delivered, failed, opted_out).",
		}, []string{"result"})),
		sent: bot.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "minsheng_aliyun_sent_total", Help: "SMS the mainland gateway took, by kind (reply, bulk).",
		}, []string{"kind"})),
		refused: bot.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "minsheng_aliyun_refused_total", Help: "SendSms answers other than OK, by the provider's code (isv.BUSINESS_LIMIT_CONTROL: its flow control per number).",
		}, []string{"code"})),
		dropped: bot.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "minsheng_aliyun_dropped_total", Help: "SMS not sent by a guard, by reason (country: outside sms.allowed_country_codes).",
		}, []string{"reason"})),
		budget: bot.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "minsheng_aliyun_budget_total",
			Help: "The daily budget per number at work, by result (merged: kept for the day's last SMS; digest: a last SMS queued; deferred: held to the next morning).",
		}, []string{"result"})),
		dedup: bot.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "minsheng_aliyun_dedup_total",
			Help: "QuerySendDetails lookups of an SMS whose earlier SendSms had no known outcome, by result (found: not sent again; not_found: sent; deferred: too recent to tell; lookup_failed; unverified: sent without an answer).",
		}, []string{"result"})),
		rateLimited: bot.Register(reg, prometheus.NewCounter(prometheus.CounterOpts{
			Name: "minsheng_aliyun_rate_limited_total", Help: "SendSms calls deferred by sms.aliyun.rate_per_second.",
		})),
	}
}
