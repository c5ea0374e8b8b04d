package sms

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/twilio/twilio-go/client"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"
)

// requestTimeout bounds one call to Twilio (the SDK's own default is lost
// with a custom HTTP client).
const requestTimeout = 15 * time.Second

// twilioAPI calls Twilio's REST API through twilio-go.
//
// twilio-go sends every request with context.Background() and drops the
// response of a failed call (only the decoded error body survives), so
// each send gets its own small client: its transport carries the send's
// context (a shutdown or the queue's handling timeout cancels the call),
// points the request at api_base_url when set, and keeps the status and
// Retry-After of the answer for the retry decision.
type twilioAPI struct {
	creds      *client.Credentials
	accountSID string
	base       *url.URL // nil: Twilio itself
	transport  http.RoundTripper
}

func newTwilioAPI(accountSID, authToken, baseURL string) (*twilioAPI, error) {
	creds := client.NewCredentials(accountSID, authToken)
	api := &twilioAPI{creds: creds, accountSID: accountSID}
	if baseURL != "" {
		u, err := url.Parse(baseURL)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return nil, fmt.Errorf("sms.twilio.api_base_url %q is not an absolute URL", baseURL)
		}
		api.base = u
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 32 // one host, many sends
	api.transport = t
	return api, nil
}

// answer is what came back from Twilio, besides the SDK's result.
type answer struct {
	status     int    // HTTP status, 0 when no answer came
	retryAfter string // Retry-After header
}

// createMessage sends one message.
func (a *twilioAPI) createMessage(ctx context.Context, p *openapi.CreateMessageParams) (*openapi.ApiV2010Message, answer, error) {
	var ans answer
	c := &client.Client{
		Credentials: a.creds,
		HTTPClient: &http.Client{
			Transport: &callTransport{ctx: ctx, base: a.base, next: a.transport, answer: &ans},
			Timeout:   requestTimeout,
			// Twilio does not redirect API calls; a redirect is a misconfigured
			// proxy, and following it would resend credentials elsewhere.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
	c.SetAccountSid(a.accountSID)
	msg, err := openapi.NewApiServiceWithClient(c).CreateMessage(p)
	return msg, ans, err
}

// callTransport is the transport of one call.
type callTransport struct {
	ctx    context.Context
	base   *url.URL
	next   http.RoundTripper
	answer *answer
}

func (t *callTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(t.ctx)
	if t.base != nil {
		// Scheme and host of the configured base; its path (a proxy's
		// mount point) before the API path, which is kept.
		r.URL.Scheme, r.URL.Host = t.base.Scheme, t.base.Host
		if p := strings.TrimSuffix(t.base.Path, "/"); p != "" {
			r.URL.Path = p + r.URL.Path
			r.URL.RawPath = ""
		}
		r.Host = ""
	}
	resp, err := t.next.RoundTrip(r)
	if resp != nil {
		t.answer.status = resp.StatusCode
		t.answer.retryAfter = resp.Header.Get("Retry-After")
	}
	return resp, err
}

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
func classify(err error, ans answer) (failure, int) {
	var tre *client.TwilioRestError
	code, status := 0, ans.status
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
