package sms

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/minsheng/minsheng/bot"
	"github.com/minsheng/minsheng/bot/twilio"
	"github.com/minsheng/minsheng/intake"
)

// maxMedia is the most media Twilio attaches to one MMS.
const maxMedia = 10

// inboundHandler takes Twilio's webhook for an incoming SMS or MMS:
// POST /sms/twilio.
type inboundHandler struct {
	apiHost string // api_base_url's host: media there are the fake's or the proxy's
	verify  *twilio.Verifier
	intake  bot.Intake
	country countryGuard
	metrics *metrics
	log     *slog.Logger
	now     func() time.Time
}

func (h *inboundHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !h.verify.VerifiedForm(w, r) {
		return
	}
	in, err := parseInbound(r.PostForm, h.now(), h.apiHost)
	if err != nil {
		bot.Error(w, http.StatusBadRequest, err.Error())
		return
	}
	res, err := h.intake.Handle(r.Context(), in)
	if err != nil {
		// Twilio retries on a 5xx; the MessageSid makes the retry safe.
		h.log.Error("inbound SMS not taken in", "sid", in.ProviderID, "from", bot.MaskPhones(in.Reply.To), "err", bot.MaskPhones(err.Error()))
		bot.Error(w, http.StatusInternalServerError, "could not take the message in; retry")
		return
	}
	if !res.Duplicate && !h.country.allows(in.Reply.To) {
		// Heard, not answered: the sender's guard drops the replies.
		h.metrics.foreign.Inc()
		h.log.Warn("SMS from outside sms.allowed_country_codes: petition taken, no SMS reply will be sent",
			"from", bot.MaskPhones(in.Reply.To), "sid", in.ProviderID)
	}
	answerTwiML(w)
}

// parseInbound turns Twilio's inbound webhook form into the pipeline's
// message. From is the citizen, To the official's published number; the
// MessageSid makes redeliveries one message. MMS media become attachments
// by URL (not downloaded: the backend fetches them with the account's
// credentials when it wants them).
func parseInbound(form url.Values, now time.Time, apiHost string) (bot.Inbound, error) {
	from, to, sid := strings.TrimSpace(form.Get("From")), strings.TrimSpace(form.Get("To")), strings.TrimSpace(form.Get("MessageSid"))
	switch {
	case sid == "":
		return bot.Inbound{}, errors.New("missing MessageSid")
	case from == "":
		return bot.Inbound{}, errors.New("missing From")
	case to == "":
		return bot.Inbound{}, errors.New("missing To")
	case !validNumber(from):
		// Twilio sends E.164; anything else was not a phone Twilio saw,
		// and a reply to it would go nowhere or somewhere wrong.
		return bot.Inbound{}, errors.New("From is not a valid E.164 phone number")
	}
	in := bot.Inbound{
		Channel: bot.ChannelSMS, Conversation: bot.ConversationKey(bot.ChannelSMS, from),
		Reply: bot.Address{Channel: bot.ChannelSMS, To: from, From: to}, To: to,
		Citizen: intake.Citizen{Phone: from}, Text: form.Get("Body"), ProviderID: sid, At: now,
	}
	n, _ := strconv.Atoi(strings.TrimSpace(form.Get("NumMedia")))
	for i := 0; i < min(n, maxMedia); i++ {
		u := strings.TrimSpace(form.Get("MediaUrl" + strconv.Itoa(i)))
		if u == "" {
			continue
		}
		ct := strings.TrimSpace(form.Get("MediaContentType" + strconv.Itoa(i)))
		if !validMedia(u, ct, apiHost) {
			continue // never passed on: the backend might fetch it
		}
		in.Attachments = append(in.Attachments, intake.Attachment{Kind: mediaKind(ct), URL: u, Type: ct})
	}
	return in, nil
}

// mediaKind is the attachment kind of a content type.
func mediaKind(contentType string) string {
	major, _, _ := strings.Cut(strings.ToLower(contentType), "/")
	switch major {
	case "image", "audio", "video":
		return major
	}
	return "file"
}
