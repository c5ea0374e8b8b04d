package sms

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/minsheng/minsheng/bot"
	"github.com/minsheng/minsheng/bot/twilio"
	"github.com/minsheng/minsheng/dialog"
	"github.com/minsheng/minsheng/intake/queue"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"
)

// Sender delivers the send queue's SMS through Twilio. It is the channel's
// bot.Sender; the send queue keeps each citizen's messages in order and
// retries what it returns an ordinary error for.
type Sender struct {
	api              *twilio.Client
	limiter          *bot.RateLimiter
	records          *records
	country          countryGuard
	messagingService string
	statusCallback   string
	metrics          *metrics
	log              *slog.Logger
	now              func() time.Time
	lookupSettle     time.Duration // see defaultLookupSettle
}

// Send sends m, in several messages when it is longer than MaxBody. It
// returns nil when Twilio took every part; an error wrapping bot.ErrDropped
// when a guard refused it; bot.ErrOptedOut when the recipient unsubscribed
// (21610); queue.Defer when the sending number has to wait its turn; an
// error wrapping queue.ErrPermanent when Twilio refused it for good; any
// other error to be retried. A retry resumes after the parts
// already sent, and first asks Twilio about a part whose last attempt had
// no answer (see settle).
func (s *Sender) Send(ctx context.Context, m bot.Outbound) error {
	kind := kindOf(m)
	if !s.country.allows(m.To) {
		s.metrics.dropped.WithLabelValues("country").Inc()
		s.log.Warn("SMS not sent: number outside sms.allowed_country_codes",
			"to", bot.MaskPhones(m.To), "key", bot.MaskPhones(m.Key), "kind", kind)
		return fmt.Errorf("sms to %s: outside sms.allowed_country_codes: %w", bot.MaskPhones(m.To), bot.ErrDropped)
	}
	from := m.From
	if s.messagingService != "" {
		from = s.messagingService
	}
	if from == "" {
		return fmt.Errorf("sms %s: no number to send from: %w", bot.MaskPhones(m.Key), queue.ErrPermanent)
	}
	parts := Split(m.Text)
	if len(parts) == 0 {
		return fmt.Errorf("sms %s: empty message: %w", bot.MaskPhones(m.Key), queue.ErrPermanent)
	}
	stored, err := s.records.stored(m)
	if err != nil {
		return fmt.Errorf("sms %s: %w: %w", bot.MaskPhones(m.Key), err, queue.ErrPermanent)
	}
	now := s.now()
	prog, err := s.records.begin(ctx, m, stored, len(parts), now, s.limiter, from)
	if err != nil {
		return err
	}
	if prog.looping {
		s.metrics.dropped.WithLabelValues("loop").Inc()
		s.log.Warn("SMS not sent: the same text to this number more than 3 times in 10 minutes (reply loop?)",
			"to", bot.MaskPhones(m.To), "key", bot.MaskPhones(m.Key), "template", m.Template)
		return fmt.Errorf("sms to %s: same text %d times in %s: %w", bot.MaskPhones(m.To), loopMax+1, loopWindow, bot.ErrDropped)
	}
	if wait := prog.notBefore.Sub(now); wait > 0 {
		return queue.Defer(wait) // a re-send after a transient failure
	}
	if prog.marked && prog.wait > 0 {
		// No token: the part was not handed over after all.
		if err := s.records.unattempt(ctx, m, prog.partsSent, now); err != nil {
			return fmt.Errorf("sms %s: clear the attempt of a part that waits its turn: %w", bot.MaskPhones(m.Key), err)
		}
		s.metrics.rateLimited.WithLabelValues(kind).Inc()
		return queue.Defer(prog.wait)
	}
	for n := prog.partsSent; n < len(parts); n++ {
		if n == prog.partsSent && !prog.pending.IsZero() {
			taken, err := s.settle(ctx, m, stored, n, len(parts), parts[n], prog.pending, prog.lookupFailures)
			if err != nil {
				return err
			}
			if taken {
				s.metrics.segments.WithLabelValues(kind).Add(float64(dialog.Segments(parts[n])))
				continue
			}
		}
		// The first part begin marked has its token; any other takes one.
		marked := n == prog.partsSent && prog.marked
		if !marked {
			wait, err := s.limiter.Take(ctx, from, m.Bulk, fmt.Sprintf("%s#%d", m.Key, n))
			if err != nil {
				return err
			}
			if wait > 0 {
				s.metrics.rateLimited.WithLabelValues(kind).Inc()
				return queue.Defer(wait)
			}
		}
		if err := s.sendPart(ctx, m, stored, n, len(parts), parts[n], marked, now); err != nil {
			return err
		}
		s.metrics.segments.WithLabelValues(kind).Add(float64(dialog.Segments(parts[n])))
	}
	return nil
}

// sendPart sends part n (of total) of m and records it: the attempt
// before the call (unless begin marked it at markedAt), so that a retry
// after a timeout or a crash looks the part up before sending it again,
// and its sid after.
func (s *Sender) sendPart(ctx context.Context, m bot.Outbound, stored []any, n, total int, part string, marked bool, markedAt time.Time) error {
	at := markedAt
	if !marked {
		at = s.now()
		if err := s.records.attempt(ctx, m, n, at); err != nil {
			return err // nothing sent
		}
	}
	p := &openapi.CreateMessageParams{}
	p.SetTo(m.To)
	if s.messagingService != "" {
		p.SetMessagingServiceSid(s.messagingService)
	} else {
		p.SetFrom(m.From)
	}
	p.SetBody(part)
	if cb := s.callbackURL(m, n); cb != "" {
		p.SetStatusCallback(cb)
	}
	msg, ans, err := s.api.CreateMessage(ctx, p)
	sid := ""
	if msg != nil && msg.Sid != nil {
		sid = *msg.Sid
	}
	if err != nil && ans.Status >= 200 && ans.Status < 300 {
		// Twilio took it but the answer did not decode: sending again
		// would deliver it twice, so count it sent, without a sid.
		s.log.Warn("Twilio accepted an SMS with an unreadable answer", "key", bot.MaskPhones(m.Key), "err", bot.MaskPhones(err.Error()))
		err = nil
	}
	if err != nil {
		return s.failed(ctx, m, n, at, err, ans)
	}
	if rerr := s.records.sent(ctx, m, stored, n, n == total-1, sid); rerr != nil {
		// Twilio has it; the retry finds it there through the attempt.
		return fmt.Errorf("sms %s part %d/%d sent as %s but not recorded: %w", bot.MaskPhones(m.Key), n+1, total, sid, rerr)
	}
	s.log.Debug("SMS sent", "sid", sid, "to", bot.MaskPhones(m.To), "part", n+1, "of", total, "kind", kindOf(m))
	return nil
}

// callbackURL is where Twilio posts part n's delivery status: the status
// path, naming the part (m: its key after the recipient's conversation, n:
// the part) so that the callback goes straight to the part's record. A key
// not under the recipient's SMS conversation is left out (it could carry a
// phone number into access logs): its callback finds the part through the
// sid (a second round trip).
func (s *Sender) callbackURL(m bot.Outbound, n int) string {
	member := memberOf(m.Key, m.To)
	if s.statusCallback == "" || !strings.HasPrefix(member, ":") {
		return s.statusCallback
	}
	sep := "?"
	if strings.Contains(s.statusCallback, "?") {
		sep = "&"
	}
	return s.statusCallback + sep + url.Values{"m": {member}, "n": {strconv.Itoa(n)}}.Encode()
}

// failed turns a failed call for part n, attempted at `at`, into the send
// queue's outcome.
func (s *Sender) failed(ctx context.Context, m bot.Outbound, n int, at time.Time, err error, ans twilio.Answer) error {
	reason := bot.MaskPhones(err.Error())
	what, code := classify(err, ans)
	if what == failRetry && (ans.Status == http.StatusTooManyRequests || code == codeTooMany) {
		// Twilio said no: the retry need not look the part up. No answer
		// or a 5xx (a gateway's, perhaps after Twilio took it) proves
		// nothing, and keeps the attempt.
		if uerr := s.records.unattempt(ctx, m, n, at); uerr != nil {
			s.log.Warn("refused SMS attempt not cleared; the retry looks it up first", "key", bot.MaskPhones(m.Key), "err", uerr)
		}
	}
	switch what {
	case failUnsubscribed:
		// The send queue records the opt-out.
		s.metrics.optOuts.WithLabelValues("send").Inc()
		s.log.Info("citizen opted out: Twilio reports the recipient unsubscribed (21610)", "to", bot.MaskPhones(m.To))
		return fmt.Errorf("sms %s: recipient unsubscribed (21610): %w", bot.MaskPhones(m.Key), bot.ErrOptedOut)
	case failPermanent:
		return fmt.Errorf("sms %s refused by Twilio (HTTP %d, code %d): %s: %w", bot.MaskPhones(m.Key), ans.Status, code, reason, queue.ErrPermanent)
	}
	err = fmt.Errorf("sms %s: Twilio (HTTP %d): %s", bot.MaskPhones(m.Key), ans.Status, reason)
	if d, ok := parseRetryAfter(ans.RetryAfter, s.now()); ok {
		return queue.RetryAfter(err, d)
	}
	return err
}

// kindOf is the metric label of a message: a reply to the citizen's own
// message, or bulk (status and survey).
func kindOf(m bot.Outbound) string {
	if m.Bulk {
		return "bulk"
	}
	return "reply"
}

var _ bot.Sender = (*Sender)(nil)
