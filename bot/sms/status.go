package sms

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/minsheng/minsheng/bot"
	"github.com/minsheng/minsheng/bot/twilio"
)

// deliveryState is where a sent message is, in our words.
type deliveryState string

// Delivery states.
const (
	statePending   deliveryState = "pending"   // Twilio has it: accepted, scheduled, queued, sending
	stateSent      deliveryState = "sent"      // handed to the carrier
	stateDelivered deliveryState = "delivered" // on the handset (read, where reported)
	stateFailed    deliveryState = "failed"    // failed or undelivered
	stateCanceled  deliveryState = "canceled"  // a scheduled message canceled
	stateUnknown   deliveryState = "unknown"   // a status we do not know
)

// deliveryStateOf maps Twilio's MessageStatus.
func deliveryStateOf(status string) deliveryState {
	switch strings.ToLower(status) {
	case "accepted", "scheduled", "queued", "sending":
		return statePending
	case "sent":
		return stateSent
	case "delivered", "read":
		return stateDelivered
	case "failed", "undelivered":
		return stateFailed
	case "canceled":
		return stateCanceled
	}
	return stateUnknown
}

// retryableCodes are the carrier errors of a failed or undelivered message
// worth sending again, later (from Twilio's error reference):
//
//	30001 queue overflow: too much was queued on the sender; it drains
//	30003 unreachable destination handset: off, no signal, roaming; Twilio
//	      advises a retry, a one-time downstream issue is common
//	30008 unknown error: the carrier gave no reason; Twilio advises a retry
//	30017 carrier network congestion
//	30500 Twilio internal error: "try sending the message again"
//
// Not retried: 30005 unknown destination (the number is inactive or out of
// service: it will not come back), 30006 landline or unreachable carrier,
// 30007 filtered as spam (the same text is filtered again, and repeats hurt
// the sender's reputation), 30004 blocked, 30002 account suspended, 21610
// unsubscribed (an opt-out instead).
var retryableCodes = map[int]bool{30001: true, 30003: true, 30008: true, 30017: true, 30500: true}

// maxResends bounds how often one message is sent again after failures.
const maxResends = 2

// statusHandler takes Twilio's delivery status callbacks:
// POST /sms/twilio/status.
type statusHandler struct {
	verify      *twilio.Verifier
	records     *records
	intake      bot.Intake
	resender    bot.Resender
	resendAfter time.Duration
	metrics     *metrics
	log         *slog.Logger
	now         func() time.Time
}

func (h *statusHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !h.verify.VerifiedForm(w, r) {
		return
	}
	f := r.PostForm
	sid, status := f.Get("MessageSid"), f.Get("MessageStatus")
	if status == "" {
		status = f.Get("SmsStatus") // older callbacks
	}
	if sid == "" || status == "" {
		bot.Error(w, http.StatusBadRequest, "missing MessageSid or MessageStatus")
		return
	}
	code, _ := strconv.Atoi(strings.TrimSpace(f.Get("ErrorCode")))
	state := deliveryStateOf(status)
	retry := state == stateFailed && retryableCodes[code]
	ctx := r.Context()
	u, err := h.records.status(ctx, sid, f.Get("To"), partOfCallback(r, f.Get("To")), strings.ToLower(status), retry)
	if err != nil {
		h.log.Error("delivery status not recorded", "sid", sid, "err", err)
		bot.Error(w, http.StatusInternalServerError, "could not record the status; retry")
		return
	}
	if !u.known || u.first {
		h.metrics.status.WithLabelValues(string(state)).Inc()
	}
	if state == stateFailed {
		h.log.Info("SMS not delivered", "sid", sid, "status", status, "error_code", code,
			"to", bot.MaskPhones(f.Get("To")), "known", u.known)
	}
	switch {
	case state == stateFailed && code == codeUnsubscribed:
		conv := u.conversation()
		if conv == "" && f.Get("To") != "" {
			conv = bot.ConversationKey(bot.ChannelSMS, f.Get("To"))
		}
		if conv == "" {
			h.log.Warn("21610 for a message we do not know, without a To: nobody to opt out", "sid", sid)
			break
		}
		if err := h.intake.OptOut(ctx, conv); err != nil {
			h.log.Error("opt-out after 21610 not recorded", "conv", bot.MaskPhones(conv), "err", err)
			bot.Error(w, http.StatusInternalServerError, "could not record the opt-out; retry")
			return
		}
		if !u.known || u.first {
			h.metrics.optOuts.WithLabelValues("callback").Inc()
		}
		h.log.Info("citizen opted out: the carrier reports the recipient unsubscribed (21610)", "conv", bot.MaskPhones(conv))
	case retry && u.claimed && u.key != "" && generation(u.key) >= maxResends:
		h.log.Warn("failed SMS not re-sent: sent too often already", "sid", sid, "key", bot.MaskPhones(u.key))
	case retry && u.claimed:
		rec, err := h.records.message(ctx, u)
		if err == nil {
			err = h.resend(ctx, sid, rec)
		}
		if err != nil {
			h.log.Error("re-send after a delivery failure not queued", "sid", sid, "err", bot.MaskPhones(err.Error()))
			if uerr := h.records.unclaimResend(context.WithoutCancel(ctx), sid, u); uerr != nil {
				h.log.Error("re-send claim not released; this message will not be re-sent", "sid", sid, "err", uerr)
			}
			bot.Error(w, http.StatusInternalServerError, "could not queue the re-send; retry")
			return
		}
	case retry && !u.known:
		h.log.Warn("failed SMS not re-sent: not sent by us in the last day", "sid", sid)
	}
	answerTwiML(w)
}

// partOfCallback is the message part a status callback's URL names (see
// callbackURL), or nil. The URL is signed with the form: Twilio calls the
// URL it was given.
func partOfCallback(r *http.Request, to string) *partRef {
	q := r.URL.Query()
	member := q.Get("m")
	n, err := strconv.Atoi(q.Get("n"))
	if to == "" || !strings.HasPrefix(member, ":") || err != nil || n < 0 {
		return nil
	}
	return &partRef{key: keyOf(member, to), n: n}
}

// resend queues the failed part of a message again, as a message of its
// own: key root#rN (N the generation, at most maxResends), no sequence
// number (it is late by nature and must not hold the citizen's newer
// messages back), not before resendAfter × 2^(N-1).
func (h *statusHandler) resend(ctx context.Context, sid string, rec sentRecord) error {
	root, gen := resendOf(rec.Outbound.Key)
	if gen >= maxResends {
		h.log.Warn("failed SMS not re-sent: sent too often already", "sid", sid, "key", bot.MaskPhones(rec.Outbound.Key))
		return nil
	}
	m := rec.Outbound
	m.Key = resendKey(root, gen+1)
	m.Seq = 0
	if rec.Part != "" {
		m.Text = rec.Part
	}
	if d := h.resendAfter << gen; d > 0 {
		if err := h.records.delay(ctx, m.Key, h.now().Add(d)); err != nil {
			return err
		}
	}
	if err := h.resender.Enqueue(ctx, m); err != nil {
		return err
	}
	h.metrics.resends.Inc()
	h.log.Info("failed SMS queued to be sent again", "sid", sid, "key", bot.MaskPhones(m.Key), "after", h.resendAfter<<gen)
	return nil
}

// generation is how many times the message keyed key was sent again.
func generation(key string) int {
	_, gen := resendOf(key)
	return gen
}

// resendKey is the key of the gen-th re-send of the message keyed root.
func resendKey(root string, gen int) string { return root + "#r" + strconv.Itoa(gen) }

// resendOf splits a key into the original's and the re-send generation.
func resendOf(key string) (root string, gen int) {
	i := strings.LastIndex(key, "#r")
	if i < 0 {
		return key, 0
	}
	n, err := strconv.Atoi(key[i+2:])
	if err != nil || n <= 0 {
		return key, 0
	}
	return key[:i], n
}
