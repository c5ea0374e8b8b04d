// Package webhook is the case backend that POSTs JSON to the office's own
// case system, as specified in docs/backend-openapi.yaml:
//
//	POST {url}/petitions                       the petition
//	POST {url}/petitions/{id}/supplements      a supplement
//	POST {url}/petitions/{id}/rating           {"rating","comment","at"[,"recorded_by"]}
//	POST {url}/petitions/{id}/reopen_requests  {"reason","requested_by","at"}
//
// {id} is always the petition id (MS-…), never the backend's case id.
//
// Every request carries Idempotency-Key (the same on every retry of a
// record, so the backend can drop repeats) and X-Minsheng-Signature, the
// HMAC-SHA256 of the body under the shared secret (intake.Sign).
//
// A 2xx means taken. A 4xx other than 408, 409 and 429 is a refusal for good
// (*intake.PermanentError). Anything else — 5xx, 408, 409, 429, a redirect,
// a network error, a timeout — is retryable; on 429 and 503 the server's
// Retry-After is available through backend.RetryAfter(err).
package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/backend"
)

// Options configure a Client.
type Options struct {
	URL     string        // backend.webhook.url, the base: {URL}/petitions
	Secret  string        // backend.webhook.secret, signs every body
	Timeout time.Duration // per request; 0 = backend.DefaultTimeout
	// Client is used for the requests; nil = a new one. It is copied, not
	// modified, with redirects turned off.
	Client *http.Client
}

// UserAgent identifies the bot to the case backend.
const UserAgent = "minsheng/1"

// Client delivers records to the webhook backend. Safe for concurrent use.
type Client struct {
	base    string
	secret  []byte
	timeout time.Duration
	hc      *http.Client
	now     func() time.Time // for Retry-After dates
}

var _ intake.Backend = (*Client)(nil)

// New checks the options. The URL must be absolute http(s) and a secret is
// required: the backend has no other way to know a petition came from us.
func New(opts Options) (*Client, error) {
	base, err := backend.BaseURL("webhook: url", opts.URL)
	if err != nil {
		return nil, err
	}
	if opts.Secret == "" {
		return nil, errors.New("webhook: no secret (backend.webhook.secret)")
	}
	if opts.Timeout < 0 {
		return nil, fmt.Errorf("webhook: negative timeout %v", opts.Timeout)
	}
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = backend.DefaultTimeout
	}
	return &Client{
		base:    base,
		secret:  []byte(opts.Secret),
		timeout: timeout,
		hc:      backend.HTTPClient(opts.Client),
		now:     time.Now,
	}, nil
}

// Submit posts the petition. The answer's case_id is the case id; a 2xx
// without a readable case_id still means taken (the backend accepted the
// record and only failed to name it), and the petition id stands in, so
// the record is neither retried nor lost. An empty key falls back to the
// petition id, the key docs/backend-openapi.yaml specifies.
func (c *Client) Submit(ctx context.Context, p *intake.Petition, key string) (string, error) {
	if p == nil || p.ID == "" {
		return "", fmt.Errorf("webhook: %w", &intake.PermanentError{Body: "petition without id"})
	}
	body := backend.NormalizePetition(p)
	body.Type = "" // the file backend's marker, not part of the webhook body
	if key == "" {
		key = p.ID
	}
	op := "petition " + p.ID
	resp, err := c.post(ctx, op, "/petitions", key, body)
	if err != nil {
		return "", err
	}
	var ans struct {
		CaseID string `json:"case_id"`
	}
	if json.Unmarshal(resp, &ans) != nil || strings.TrimSpace(ans.CaseID) == "" {
		return p.ID, nil
	}
	return strings.TrimSpace(ans.CaseID), nil
}

// Supplement posts to {url}/petitions/{id}/supplements. An empty key falls
// back to one derived from the content, stable across retries.
func (c *Client) Supplement(ctx context.Context, s *intake.Supplement, key string) error {
	if s == nil || s.PetitionID == "" {
		return fmt.Errorf("webhook: %w", &intake.PermanentError{Body: "supplement without petition id"})
	}
	body := *s
	body.Type = ""
	if body.Attachments == nil {
		body.Attachments = []intake.Attachment{}
	}
	if key == "" {
		key = backend.SupplementKey(s)
	}
	_, err := c.post(ctx, "supplement to "+s.PetitionID, "/petitions/"+url.PathEscape(s.PetitionID)+"/supplements", key, body)
	return err
}

// ratingBody is the rating as the contract has it: the petition is in the
// path; recorded_by only when staff recorded the answer.
type ratingBody struct {
	Rating     string           `json:"rating"`
	Comment    string           `json:"comment"`
	At         time.Time        `json:"at"`
	RecordedBy *intake.Reporter `json:"recorded_by,omitempty"`
}

// Rate posts {"rating","comment","at"} to {url}/petitions/{id}/rating, with
// "recorded_by" when a staff member recorded the citizen's answer.
func (c *Client) Rate(ctx context.Context, r *intake.Rating, key string) error {
	if r == nil || r.PetitionID == "" {
		return fmt.Errorf("webhook: %w", &intake.PermanentError{Body: "rating without petition id"})
	}
	if key == "" {
		key = backend.RatingKey(r)
	}
	body := ratingBody{Rating: r.Rating, Comment: r.Comment, At: r.At, RecordedBy: r.RecordedBy}
	_, err := c.post(ctx, "rating of "+r.PetitionID, "/petitions/"+url.PathEscape(r.PetitionID)+"/rating", key, body)
	return err
}

// RequestReopen posts {"reason","requested_by","at"} to
// {url}/petitions/{id}/reopen_requests: the office asks for a 复核.
func (c *Client) RequestReopen(ctx context.Context, r *intake.ReopenRequest, key string) error {
	if r == nil || r.PetitionID == "" {
		return fmt.Errorf("webhook: %w", &intake.PermanentError{Body: "reopen request without petition id"})
	}
	if key == "" {
		key = backend.ReopenKey(r)
	}
	body := struct {
		Reason      string    `json:"reason"`
		RequestedBy string    `json:"requested_by"`
		At          time.Time `json:"at"`
	}{r.Reason, r.RequestedBy, r.At}
	_, err := c.post(ctx, "reopen request of "+r.PetitionID, "/petitions/"+url.PathEscape(r.PetitionID)+"/reopen_requests", key, body)
	return err
}

// post sends one signed request and returns the answer of a 2xx.
func (c *Client) post(ctx context.Context, op, path, key string, v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("webhook %s: %w", op, &intake.PermanentError{Body: "encode: " + err.Error()})
	}
	body := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))

	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("webhook %s: %w", op, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	req.Header.Set(intake.SignatureHeader, intake.Sign(c.secret, body))
	req.Header.Set("User-Agent", UserAgent)

	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("webhook %s: %w", op, err)
	}
	defer resp.Body.Close()
	ans, rerr := backend.ReadBody(resp.Body)
	if err := backend.Classify(resp, ans, "", c.now()); err != nil {
		return nil, fmt.Errorf("webhook %s: %w", op, err)
	}
	if rerr != nil {
		// Taken: the status said so before the body broke off.
		ans = nil
	}
	return ans, nil
}
