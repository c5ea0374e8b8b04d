package telegram

import (
	msbot "github.com/minsheng/minsheng/bot"
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the channel's figures, on the process registry.
type metrics struct {
	updates     *prometheus.CounterVec // by kind
	rateLimited *prometheus.CounterVec // sends deferred by a limit, by which
	dedup       *prometheus.CounterVec // settled attempts with no known outcome, by result
}

func newMetrics(reg prometheus.Registerer) *metrics {
	return &metrics{
		updates: msbot.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "minsheng_telegram_updates_total",
			Help: "Telegram updates by kind (private, complaint, staff_reply, callback, not_staff, ignored, undecodable).",
		}, []string{"kind"})),
		rateLimited: msbot.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "minsheng_telegram_rate_limited_total",
			Help: "Telegram sends deferred by a limit, by limit (chat, group, bot, telegram: a 429).",
		}, []string{"limit"})),
		dedup: msbot.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "minsheng_telegram_dedup_total",
			Help: "Telegram messages whose earlier attempt had no answer, by what probing found (found, not_found, deferred, waiting, probe_failed, unverified, unsafe, no_references, edited).",
		}, []string{"result"})),
	}
}
