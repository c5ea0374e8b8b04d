package twilio

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/twilio/twilio-go/client"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"
)

// RequestTimeout bounds one call to Twilio (the SDK's own default is lost
// with a custom HTTP client).
const RequestTimeout = 15 * time.Second

// Client calls Twilio's REST API through twilio-go.
//
// twilio-go sends every request with context.Background() and drops the
// response of a failed call (only the decoded error body survives), so
// each call gets its own small SDK client: its transport carries the
// call's context (a shutdown or the queue's handling timeout cancels it),
// points the request at api_base_url when set, and keeps the status and
// Retry-After of the answer for the retry decision. The connections are
// shared.
type Client struct {
	creds      *client.Credentials
	accountSID string
	base       *url.URL // nil: Twilio itself
	transport  http.RoundTripper
	timeout    time.Duration
}

// NewClient builds a client for the account. baseURL ("" for Twilio) is
// sms.twilio.api_base_url: a proxy or a fake; its path, if any, is put
// before the API's paths.
func NewClient(accountSID, authToken, baseURL string) (*Client, error) {
	c := &Client{creds: client.NewCredentials(accountSID, authToken), accountSID: accountSID, timeout: RequestTimeout}
	if baseURL != "" {
		u, err := url.Parse(baseURL)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return nil, fmt.Errorf("sms.twilio.api_base_url %q is not an absolute URL", baseURL)
		}
		c.base = u
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 32 // one host, many calls
	c.transport = t
	return c, nil
}

// SetTimeout bounds each call (RequestTimeout by default; d <= 0 keeps
// it). Tests shorten it to meet a late answer without waiting 15 s.
func (c *Client) SetTimeout(d time.Duration) {
	if d > 0 {
		c.timeout = d
	}
}

// Answer is what came back from Twilio, besides the SDK's result.
type Answer struct {
	Status     int    // HTTP status, 0 when no answer came
	RetryAfter string // the Retry-After header
}

// API is the 2010-04-01 REST API for one call (or a few, in sequence)
// under ctx; ans holds the last answer's status once a call returned.
func (c *Client) API(ctx context.Context) (api *openapi.ApiService, ans *Answer) {
	ans = &Answer{}
	sdk := &client.Client{
		Credentials: c.creds,
		HTTPClient: &http.Client{
			Transport: &callTransport{ctx: ctx, base: c.base, next: c.transport, answer: ans},
			Timeout:   c.timeout,
			// Twilio does not redirect API calls; a redirect is a misconfigured
			// proxy, and following it would resend credentials elsewhere.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
	sdk.SetAccountSid(c.accountSID)
	return openapi.NewApiServiceWithClient(sdk), ans
}

// CreateMessage sends one message.
func (c *Client) CreateMessage(ctx context.Context, p *openapi.CreateMessageParams) (*openapi.ApiV2010Message, Answer, error) {
	api, ans := c.API(ctx)
	msg, err := api.CreateMessage(p)
	return msg, *ans, err
}

// ListMessages reads the account's messages matching p, every page up to
// p's Limit (twilio-go follows next_page_uri until then).
func (c *Client) ListMessages(ctx context.Context, p *openapi.ListMessageParams) ([]openapi.ApiV2010Message, Answer, error) {
	api, ans := c.API(ctx)
	msgs, err := api.ListMessage(p)
	// A failed GET names its URL, whose query holds the phone numbers
	// filtered by: keep them out of errors, which are logged.
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil && u.RawQuery != "" {
			u.RawQuery = "…"
			ue.URL = u.String()
		}
	}
	return msgs, *ans, err
}

// callTransport is the transport of one call.
type callTransport struct {
	ctx    context.Context
	base   *url.URL
	next   http.RoundTripper
	answer *Answer
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
		t.answer.Status = resp.StatusCode
		t.answer.RetryAfter = resp.Header.Get("Retry-After")
	}
	return resp, err
}
