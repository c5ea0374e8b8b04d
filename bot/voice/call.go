package voice

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/minsheng/minsheng/bot"
	"github.com/minsheng/minsheng/bot/twilio"
	"github.com/minsheng/minsheng/config"
	"github.com/minsheng/minsheng/intake"
	"github.com/prometheus/client_golang/prometheus"
)

// States of bot.Availability (bot/officials), as the channel reads them.
const (
	stateAvailable = "available"
	stateBusy      = "busy"
	stateOffHours  = "off_hours"
)

// handler takes both webhooks.
type handler struct {
	verify    *twilio.Verifier
	intake    bot.Intake
	officials bot.Officials // nil: none configured
	who       map[string]string
	sayVoice  string // <Say voice=…>, a Mandarin one
	afterURL  string
	calls     *prometheus.CounterVec
	log       *slog.Logger
	now       func() time.Time
}

// call is what a voice webhook says.
type call struct {
	sid, from, to string
	dialStatus    string // the <Dial> action only
}

// parseCall reads Twilio's voice webhook form. From is the caller, To the
// official's published number, CallSid the call (the same on the dial's
// action callback).
func parseCall(form url.Values) (call, error) {
	c := call{sid: strings.TrimSpace(form.Get("CallSid")), from: strings.TrimSpace(form.Get("From")),
		to: strings.TrimSpace(form.Get("To")), dialStatus: strings.ToLower(strings.TrimSpace(form.Get("DialCallStatus")))}
	switch {
	case c.sid == "":
		return call{}, errors.New("missing CallSid")
	case c.from == "":
		return call{}, errors.New("missing From")
	case c.to == "":
		return call{}, errors.New("missing To")
	}
	return c, nil
}

// inbound is the missed call as the pipeline takes it: an SMS-channel
// message from the caller to the number called, so the dialog's answer
// goes by SMS from that number and what the caller texts next is the same
// conversation.
func (c call) inbound(providerID string, at time.Time) bot.Inbound {
	return bot.Inbound{
		Channel: bot.ChannelSMS, Conversation: bot.ConversationKey(bot.ChannelSMS, c.from),
		Reply: bot.Address{Channel: bot.ChannelSMS, To: c.from, From: c.to}, To: c.to,
		Citizen: intake.Citizen{Phone: c.from}, Call: true, ProviderID: providerID, At: at,
	}
}

// read verifies and parses a webhook, answering 403 or 400 itself.
func (h *handler) read(w http.ResponseWriter, r *http.Request) (call, bool) {
	if !h.verify.VerifiedForm(w, r) {
		return call{}, false
	}
	c, err := parseCall(r.PostForm)
	if err != nil {
		bot.Error(w, http.StatusBadRequest, err.Error())
		return call{}, false
	}
	return c, true
}

// call answers an incoming call: forwarded to an available official's
// phone, else the message and the SMS.
func (h *handler) call(w http.ResponseWriter, r *http.Request) {
	c, ok := h.read(w, r)
	if !ok {
		return
	}
	a := h.availability(r.Context(), c)
	if a.Known && a.State == stateAvailable && a.ForwardTo != "" {
		h.calls.WithLabelValues("forwarded").Inc()
		h.log.Info("call forwarded to the official", "sid", c.sid, "from", bot.MaskPhones(c.from), "to", bot.MaskPhones(c.to))
		callerID := ""
		if config.IsE164(c.from) {
			callerID = c.from // a withheld number ("anonymous") would fail the dial
		}
		twilio.WriteTwiML(w, dialTwiML(a.ForwardTo, callerID, h.afterURL))
		return
	}
	h.missed(w, r, c, a, "call:"+c.sid)
}

// after takes the <Dial>'s action: a forwarded call the official took ends
// there; one nobody took becomes a missed call.
func (h *handler) after(w http.ResponseWriter, r *http.Request) {
	c, ok := h.read(w, r)
	if !ok {
		return
	}
	switch c.dialStatus {
	case "":
		bot.Error(w, http.StatusBadRequest, "missing DialCallStatus")
		return
	case "completed", "answered":
		h.calls.WithLabelValues("connected").Inc()
		twilio.WriteTwiML(w, twilio.EmptyTwiML)
		return
	}
	// no-answer, busy, failed, canceled, and any status Twilio adds later:
	// the caller did not get through, so they are invited to text.
	h.missed(w, r, c, h.availability(r.Context(), c), "call:"+c.sid+"/after")
}

// missed hands the call in as a missed call (the SMS auto-reply, the
// call-back item) and tells the caller. The caller hears the message even
// when the call could not be taken in: Twilio does not retry a voice
// webhook, and an error would have them hear "application error".
func (h *handler) missed(w http.ResponseWriter, r *http.Request, c call, a bot.Availability, providerID string) {
	h.calls.WithLabelValues("message").Inc()
	switch {
	case !config.IsE164(c.from):
		// A withheld number: nobody to text or call back.
		h.log.Info("missed call from a withheld number: message only", "sid", c.sid, "to", bot.MaskPhones(c.to))
	default:
		res, err := h.intake.Handle(r.Context(), c.inbound(providerID, h.now()))
		switch {
		case err != nil:
			h.log.Error("missed call not taken in: no SMS, no call-back item", "sid", c.sid,
				"from", bot.MaskPhones(c.from), "to", bot.MaskPhones(c.to), "err", bot.MaskPhones(err.Error()))
		case !res.Duplicate:
			h.log.Info("missed call taken in", "sid", c.sid, "id", providerID, "from", bot.MaskPhones(c.from),
				"to", bot.MaskPhones(c.to), "state", a.State, "dial", c.dialStatus)
		}
	}
	twilio.WriteTwiML(w, sayTwiML(h.sayVoice, message(a, h.who[c.to])))
}

// availability asks about the official of the number called. Without
// officials, or when the store does not answer, the call is not forwarded.
func (h *handler) availability(ctx context.Context, c call) bot.Availability {
	if h.officials == nil {
		return bot.Availability{}
	}
	a, err := h.officials.Availability(ctx, c.to)
	if err != nil {
		h.log.Error("official's availability unknown: the call is not forwarded", "sid", c.sid,
			"to", bot.MaskPhones(c.to), "err", bot.MaskPhones(err.Error()))
		return bot.Availability{}
	}
	return a
}
