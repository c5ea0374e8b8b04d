package sms

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/minsheng/minsheng/bot/twilio"
	"github.com/twilio/twilio-go/client"
)

// The REST client (context, timeout, api_base_url, no redirects) is
// bot/twilio's, shared with the voice channel; what a failed send means
// is SMS's own, here.

// parseRetryAfter reads Retry-After: seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// Twilio REST error codes the sender acts on.
const (
	codeUnsubscribed  = 21610 // the recipient replied STOP to this sender
	codeInvalidNumber = 21211 // the To number is not a valid phone number
	codeTooMany       = 20429 // too many requests
)

// failure is how a failed call is handled.
type failure int

const (
	failRetry        failure = iota // 429, 5xx, network: try again with backoff
	failPermanent                   // 4xx: dead letter with the reason
	failUnsubscribed                // 21610: opt the citizen out, then permanent
)

// classify decides what a failed call means. The HTTP status comes from
// the answer when there was one (a proxy's HTML error page decodes to no
// Twilio error at all), else from Twilio's error body.
func classify(err error, ans twilio.Answer) (failure, int) {
	var tre *client.TwilioRestError
	code, status := 0, ans.Status
	if errors.As(err, &tre) {
		code = tre.Code
		if status == 0 {
			status = tre.Status
		}
	}
	switch {
	case code == codeUnsubscribed:
		return failUnsubscribed, code
	case code == codeInvalidNumber:
		return failPermanent, code
	case status == http.StatusTooManyRequests || code == codeTooMany:
		return failRetry, code
	case status >= 500:
		return failRetry, code
	case status >= 400:
		return failPermanent, code
	case tre != nil && status == 0:
		// An error the SDK made up without calling (bad credentials
		// characters): retrying cannot help.
		return failPermanent, code
	}
	return failRetry, code // no answer: network error or timeout
}
