package sms

import (
	"github.com/minsheng/minsheng/bot"
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the channel's figures, on the process registry.
type metrics struct {
	status      *prometheus.CounterVec // delivery states from status callbacks
	segments    *prometheus.CounterVec // billed segments sent, by kind (reply, bulk)
	dropped     *prometheus.CounterVec // messages not sent by a guard, by reason (country, loop)
	foreign     prometheus.Counter     // inbound messages from outside the allowed countries
	rateLimited *prometheus.CounterVec // sends deferred by the rate limit, by kind
	resends     prometheus.Counter     // messages sent again after a transient failure
	optOuts     *prometheus.CounterVec // carrier unsubscribes (21610), by source (send, callback)
	dedup       *prometheus.CounterVec // lookups of parts whose earlier attempt is unresolved, by result
}

func newMetrics(reg prometheus.Registerer) *metrics {
	return &metrics{
		status: bot.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "minsheng_sms_status_total", Help: "SMS delivery status callbacks by delivery state (pending, sent, delivered, failed, canceled, unknown).",
		}, []string{"status"})),
		segments: bot.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "minsheng_sms_segments_total", Help: "Billed SMS segments sent, by kind (reply, bulk).",
		}, []string{"kind"})),
		dropped: bot.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "minsheng_sms_dropped_total", Help: "SMS not sent by a guard, by reason (country: outside sms.allowed_country_codes; loop: same text to the same number too often).",
		}, []string{"reason"})),
		foreign: bot.Register(reg, prometheus.NewCounter(prometheus.CounterOpts{
			Name: "minsheng_sms_foreign_senders_total", Help: "Inbound SMS from numbers outside sms.allowed_country_codes (taken in, not answered).",
		})),
		rateLimited: bot.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "minsheng_sms_rate_limited_total", Help: "SMS sends deferred by the per-number rate limit, by kind (reply, bulk).",
		}, []string{"kind"})),
		resends: bot.Register(reg, prometheus.NewCounter(prometheus.CounterOpts{
			Name: "minsheng_sms_resends_total", Help: "SMS sent again after a transient delivery failure.",
		})),
		optOuts: bot.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "minsheng_sms_opt_outs_total", Help: "Citizens opted out because the carrier reported them unsubscribed (21610), by source (send, callback).",
		}, []string{"source"})),
		dedup: bot.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "minsheng_sms_dedup_total",
			Help: "Lookups at Twilio of an SMS part whose earlier send had no known outcome (a timeout, a crash), by result (found: not sent again; not_found: sent; deferred: too recent to tell, looked up later; lookup_failed: retried; unverified: sent without an answer after repeated failures).",
		}, []string{"result"})),
	}
}
