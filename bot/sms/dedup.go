package sms

import (
	"context"
	"fmt"
	"time"

	"github.com/minsheng/minsheng/bot"
	"github.com/minsheng/minsheng/bot/twilio"
	"github.com/minsheng/minsheng/intake/queue"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"
)

// Sending a part again whose earlier attempt has no known outcome.
//
// Twilio may take a message and answer after the client gave up (a
// timeout), and a worker may die between Twilio's answer and the record of
// it. Each part is therefore marked "attempted at T" before it is handed to
// Twilio, and "sent" after. A retry that finds the mark without "sent"
// asks Twilio's message list whether it has the part, and sends it only
// when it does not.

// Defaults of the lookup.
const (
	// defaultLookupSettle is how long Twilio's list may lag behind a
	// message it took: an attempt younger than this and not listed is
	// looked up again later, not concluded unsent.
	defaultLookupSettle = 30 * time.Second
	// lookupTrustAfter: an attempt this old whose lookups keep failing is
	// sent anyway. Better twice than never.
	lookupTrustAfter = 10 * time.Minute
	// lookupMaxFailures: failed lookups of one attempt before the part is
	// sent anyway.
	lookupMaxFailures = 5
	// lookupSkew: our clock against Twilio's date_created (whole seconds).
	lookupSkew = time.Minute
	// lookupPage and lookupLimit bound what one lookup reads: one
	// citizen's latest messages from one number, newest first.
	lookupPage  = 50
	lookupLimit = 200
)

// settle decides about part n of m, attempted at `at` with no recorded
// outcome. It returns true when Twilio has the part (recorded as sent now),
// false when the part is to be sent, or an error: queue.Defer while the
// attempt is too recent to conclude, a retryable error when the lookup
// failed.
func (s *Sender) settle(ctx context.Context, m bot.Outbound, stored []any, n, total int, part string, at time.Time, failures int) (bool, error) {
	age := s.now().Sub(at)
	sid, ans, err := s.lookup(ctx, m, n, part, at)
	switch {
	case err != nil:
		s.metrics.dedup.WithLabelValues("lookup_failed").Inc()
		count, cerr := s.records.lookupFailed(ctx, m)
		if cerr != nil {
			count = failures + 1
		}
		if count < lookupMaxFailures && age < lookupTrustAfter {
			err = fmt.Errorf("sms %s part %d/%d: an earlier attempt may have reached Twilio, and looking it up failed (HTTP %d): %s",
				bot.MaskPhones(m.Key), n+1, total, ans.Status, bot.MaskPhones(err.Error()))
			if d, ok := parseRetryAfter(ans.RetryAfter, s.now()); ok {
				return false, queue.RetryAfter(err, d)
			}
			return false, err
		}
		s.metrics.dedup.WithLabelValues("unverified").Inc()
		s.log.Warn("sending an SMS part again although Twilio could not tell whether it took the earlier attempt: it may arrive twice",
			"key", bot.MaskPhones(m.Key), "part", n+1, "of", total, "attempted", at, "failed_lookups", count, "err", bot.MaskPhones(err.Error()))
		s.concluded(ctx, m, n, at)
		return false, nil
	case sid != "":
		s.metrics.dedup.WithLabelValues("found").Inc()
		if err := s.records.sent(ctx, m, stored, n, n == total-1, sid); err != nil {
			// The next retry finds it again.
			return false, fmt.Errorf("sms %s part %d/%d found at Twilio as %s but not recorded: %w", bot.MaskPhones(m.Key), n+1, total, sid, err)
		}
		s.log.Info("SMS part already taken by Twilio in an earlier attempt: not sent again",
			"sid", sid, "key", bot.MaskPhones(m.Key), "part", n+1, "of", total, "attempted", at)
		return true, nil
	case age < s.lookupSettle:
		// Not listed yet proves nothing: look again once it would be.
		s.metrics.dedup.WithLabelValues("deferred").Inc()
		return false, queue.Defer(min(s.lookupSettle-age, s.lookupSettle)) // a replica's clock ahead defers in steps
	}
	s.metrics.dedup.WithLabelValues("not_found").Inc()
	s.log.Info("SMS part not at Twilio after an attempt with no answer: sending it", "key", bot.MaskPhones(m.Key), "part", n+1, "of", total, "attempted", at)
	s.concluded(ctx, m, n, at)
	return false, nil
}

// concluded forgets an attempt once it is decided that the part goes
// again: should the rate limit defer the send, the retry need not ask
// Twilio a second time. Sending records an attempt of its own.
func (s *Sender) concluded(ctx context.Context, m bot.Outbound, n int, at time.Time) {
	if err := s.records.unattempt(ctx, m, n, at); err != nil {
		s.log.Warn("settled SMS attempt not cleared; a deferred retry looks it up again", "key", bot.MaskPhones(m.Key), "err", err)
	}
}

// lookup finds part n of m at Twilio among the messages created since the
// attempt at `at`, and returns its sid ("" when Twilio has none).
//
// The list filters by To and From, not by Messaging Service:
// through a service only To is filtered and the service is compared here.
// Body and creation time are compared here too. A message of the same
// text recorded for another message or part is not this one (the same
// receipt twice to one citizen within a minute).
func (s *Sender) lookup(ctx context.Context, m bot.Outbound, n int, part string, at time.Time) (string, twilio.Answer, error) {
	since := at.Add(-lookupSkew)
	p := &openapi.ListMessageParams{}
	p.SetTo(m.To)
	if s.messagingService == "" {
		p.SetFrom(m.From)
	}
	// No DateSent filter: date_sent stays empty while a message waits in
	// Twilio's queue (behind a Messaging Service's throughput, say), and
	// such a message is exactly one that must be found. Creation time is
	// compared below; one citizen's messages from one number are few.
	p.SetPageSize(lookupPage)
	p.SetLimit(lookupLimit)
	msgs, ans, err := s.api.ListMessages(ctx, p)
	if err != nil {
		return "", ans, err
	}
	var candidates []string // oldest first: the earliest after the attempt is the attempt's
	for i := len(msgs) - 1; i >= 0; i-- {
		msg := msgs[i]
		if msg.Sid == nil || msg.Body == nil || *msg.Body != part {
			continue
		}
		if s.messagingService != "" && msg.MessagingServiceSid != nil && *msg.MessagingServiceSid != s.messagingService {
			continue
		}
		if created, ok := twilioTime(msg.DateCreated); !ok || created.Before(since) {
			continue
		}
		candidates = append(candidates, *msg.Sid)
	}
	if len(candidates) == 0 {
		return "", ans, nil
	}
	owners, err := s.records.owners(ctx, m.To, candidates)
	if err != nil {
		return "", ans, err
	}
	for _, sid := range candidates {
		o, known := owners[sid]
		if !known || (o.key == m.Key && (o.n == n || o.n < 0)) {
			return sid, ans, nil
		}
	}
	return "", ans, nil
}

// twilioTime reads one of Twilio's RFC 2822 timestamps.
func twilioTime(v *string) (time.Time, bool) {
	if v == nil {
		return time.Time{}, false
	}
	for _, layout := range []string{time.RFC1123Z, time.RFC1123} {
		if t, err := time.Parse(layout, *v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
