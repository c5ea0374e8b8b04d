// Package backend holds what the case backends share: the classification of
// HTTP answers into taken / refused for good / retry later, the Retry-After
// hint the outbox honours, and the record keys used to drop repeats.
//
// The backends themselves are the subpackages file, webhook and open311;
// each implements intake.Backend.
package backend

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/minsheng/minsheng/intake"
)

// MaxResponseBody is how much of a backend's answer is read; the rest is
// ignored, so a misbehaving server cannot make us buffer without bound.
const MaxResponseBody = 64 << 10

// MaxErrorBody is how much of an answer is kept in an error for the logs and
// the dead-letter list.
const MaxErrorBody = 512

// DefaultTimeout bounds one HTTP request when the options leave it zero.
const DefaultTimeout = 10 * time.Second

// HTTPError is a retryable failure of one HTTP exchange: a 5xx, a 408, 409
// or 429, or a redirect we refused to follow. Refusals for good are
// *intake.PermanentError instead.
type HTTPError struct {
	Status int    // HTTP status
	Body   string // the answer (or the server's error description), shortened
	Reason string // why it failed when the status alone does not say it

	retryAfter    time.Duration
	hasRetryAfter bool
}

func (e *HTTPError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "status %d", e.Status)
	if e.Reason != "" {
		b.WriteString(": ")
		b.WriteString(e.Reason)
	}
	if e.Body != "" {
		b.WriteString(": ")
		b.WriteString(e.Body)
	}
	if e.hasRetryAfter {
		fmt.Fprintf(&b, " (retry after %s)", e.retryAfter)
	}
	return b.String()
}

// RetryAfter returns the wait a backend asked for with a Retry-After header
// on a 429 or 503, anywhere in err's chain. ok is false when it asked for
// nothing; the outbox then uses its own backoff. The duration is never
// negative (an HTTP date in the past is 0) and is not capped: the caller
// decides how long it is willing to wait.
func RetryAfter(err error) (d time.Duration, ok bool) {
	var he *HTTPError
	if errors.As(err, &he) && he.hasRetryAfter {
		return he.retryAfter, true
	}
	return 0, false
}

// Classify turns an HTTP answer into the error the outbox acts on:
//   - 2xx: nil, taken;
//   - 4xx except 408, 409 and 429: *intake.PermanentError, since the same
//     request will be refused again (bad data, wrong credentials);
//   - anything else — 5xx, 408 (timeout), 409 (a concurrent request with
//     the same key), 429 (rate limit), a 3xx we did not follow, 1xx: a
//     retryable *HTTPError, carrying Retry-After on 429 and 503.
//
// detail is what to keep of the answer in the error (a server's parsed error
// description); when empty, the start of body is kept.
func Classify(resp *http.Response, body []byte, detail string, now time.Time) error {
	st := resp.StatusCode
	if st >= 200 && st <= 299 {
		return nil
	}
	if detail == "" {
		detail = Shorten(string(body), MaxErrorBody)
	} else {
		detail = Shorten(detail, MaxErrorBody)
	}
	if st >= 400 && st <= 499 && st != http.StatusRequestTimeout && st != http.StatusConflict && st != http.StatusTooManyRequests {
		return &intake.PermanentError{Status: st, Body: detail}
	}
	he := &HTTPError{Status: st, Body: detail}
	if st >= 300 && st <= 399 {
		// Following a redirect would resend a signed body to a place nobody
		// configured; an operator has to fix the URL instead.
		he.Reason = fmt.Sprintf("redirect to %q not followed; fix the configured URL", resp.Header.Get("Location"))
		he.Body = ""
	}
	if st == http.StatusTooManyRequests || st == http.StatusServiceUnavailable {
		he.retryAfter, he.hasRetryAfter = ParseRetryAfter(resp.Header.Get("Retry-After"), now)
	}
	return he
}

// ParseRetryAfter reads a Retry-After value: delay-seconds or an HTTP date.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		// Clamp before multiplying so a huge value cannot overflow.
		const maxSecs = int64((1<<63 - 1) / time.Second)
		return time.Duration(min(secs, maxSecs)) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// ReadBody reads at most MaxResponseBody bytes of an answer.
func ReadBody(r io.Reader) ([]byte, error) {
	return io.ReadAll(io.LimitReader(r, MaxResponseBody))
}

// Shorten cuts s to at most n bytes without splitting a UTF-8 character,
// since server answers here are often Chinese.
func Shorten(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// HTTPClient returns a copy of c (or a new client) that does not follow
// redirects, so Classify sees the 3xx. The caller's client is not modified.
// Without a transport of its own it keeps up to 128 idle connections to the
// backend: the outbox delivers workers.outbox petitions at once, and the
// default two would open and close a connection per request.
func HTTPClient(c *http.Client) *http.Client {
	var cp http.Client
	if c != nil {
		cp = *c
	}
	if cp.Transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 128
		cp.Transport = t
	}
	cp.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cp
}

// NormalizePetition returns a shallow copy of p whose list fields are empty
// lists instead of nil, so backends receive [] as in the contract, never
// null. reported_by stays null when there is no reporter, as documented.
func NormalizePetition(p *intake.Petition) intake.Petition {
	cp := *p
	if cp.Contacts == nil {
		cp.Contacts = []string{}
	}
	if cp.Attachments == nil {
		cp.Attachments = []intake.Attachment{}
	}
	if cp.Transcript == nil {
		cp.Transcript = []intake.Turn{}
	}
	if cp.Flags == nil {
		cp.Flags = []string{}
	}
	return cp
}

// PetitionKey is the record key of a petition: its id.
func PetitionKey(p *intake.Petition) string { return "petition:" + p.ID }

// SupplementKey identifies a supplement by its content, for backends that
// must recognise a repeat without the outbox's key (the file backend after a
// restart): petition, instant, and a digest of text and attachment URLs.
func SupplementKey(s *intake.Supplement) string {
	parts := []string{s.Text}
	for _, a := range s.Attachments {
		parts = append(parts, a.URL)
	}
	return "supplement:" + s.PetitionID + ":" + s.At.UTC().Format(time.RFC3339Nano) + ":" + digest(parts...)
}

// RatingKey identifies a rating by petition, instant, rating and comment.
func RatingKey(r *intake.Rating) string {
	return "rating:" + r.PetitionID + ":" + r.At.UTC().Format(time.RFC3339Nano) + ":" + digest(r.Rating, r.Comment)
}

// digest hashes parts unambiguously (length-prefixed), shortened to 128 bits:
// enough to tell records of one petition at one instant apart.
func digest(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s;", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// BaseURL checks a backend's base URL (absolute http(s), no query or
// fragment) and returns it without a trailing slash, ready for base+path.
// what names the setting in errors ("webhook: url").
func BaseURL(what, raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("%s: %w", what, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("%s %q: want an absolute http(s) URL", what, raw)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%s %q: want a base URL without query or fragment", what, raw)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// ReopenKey is the idempotency key of a reopen request.
func ReopenKey(r *intake.ReopenRequest) string {
	return "reopen:" + r.PetitionID + ":" + r.At.UTC().Format(time.RFC3339Nano) + ":" + digest(r.Reason, r.RequestedBy)
}
