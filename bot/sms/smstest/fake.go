package smstest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Message is one message the fake accepted, as Twilio received it.
type Message struct {
	SID                 string
	To                  string
	From                string
	MessagingServiceSID string
	Body                string
	StatusCallback      string
	At                  time.Time
}

// Failure is how the fake answers one request instead of at once and
// successfully: an error answer, a late answer or none at all.
type Failure struct {
	Status     int    // HTTP status (0: no error, the request succeeds)
	Code       int    // Twilio error code in the JSON body (0: no JSON body)
	Message    string // Twilio's message
	RetryAfter string // Retry-After header, if any
	// Delay holds the answer back. A send without an error status is
	// taken at once and only its answer is late: past the client's
	// timeout, Twilio has the message and the client cannot know.
	Delay time.Duration
	// Hang never answers, until the client gives up or the fake stops
	// (a send without an error status is taken first).
	Hang bool
	// Drop closes the connection without an answer, before anything was
	// taken: the request failed on its way to Twilio.
	Drop bool
}

// Failures Twilio answers with.
var (
	Accept = Failure{} // no failure: for FailNext(Accept, ServerError)
	// NoAnswer takes the message and never answers: the client times out.
	NoAnswer = Failure{Hang: true}
	// Dropped loses the request before Twilio took it.
	Dropped       = Failure{Drop: true}
	ServerError   = Failure{Status: 500, Code: 20500, Message: "Internal Server Error"}
	Unsubscribed  = Failure{Status: 400, Code: 21610, Message: "Attempt to send to unsubscribed recipient"}
	InvalidNumber = Failure{Status: 400, Code: 21211, Message: "The 'To' number is not a valid phone number."}
)

// AcceptLate takes the message and answers 201 only after d.
func AcceptLate(d time.Duration) Failure { return Failure{Delay: d} }

// TooManyRequests is Twilio's 429, with a Retry-After in seconds ("" for none).
func TooManyRequests(retryAfter string) Failure {
	return Failure{Status: 429, Code: 20429, Message: "Too Many Requests", RetryAfter: retryAfter}
}

// Fake is a local Twilio REST API with basic auth, answering like Twilio
// does: POST /2010-04-01/Accounts/{sid}/Messages.json sends a message, GET
// on the same path lists them (To, From and DateSent filters, paged).
//
// Every request is first validated against Twilio's OpenAPI
// (ValidateTwilioRequest): one that breaks it fails the test and is
// answered 400 (code 20001) without being taken, so the bot cannot drift
// from the API it pays for.
type Fake struct {
	URL        string
	tb         testing.TB
	accountSID string
	authToken  string
	srv        *httptest.Server
	stop       chan struct{} // closed when the test ends: hanging answers give up

	mu           sync.Mutex
	violations   []string // requests that broke Twilio's OpenAPI
	messages     []Message
	attempts     int
	lists        []url.Values
	failures     []Failure
	listFailures []Failure
	listDelay    time.Duration
	changed      chan struct{} // closed and replaced whenever a request was answered
}

// NewFake starts a fake Twilio for the account; it stops with the test.
func NewFake(tb testing.TB, accountSID, authToken string) *Fake {
	tb.Helper()
	f := &Fake{tb: tb, accountSID: accountSID, authToken: authToken, changed: make(chan struct{}), stop: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2010-04-01/Accounts/{sid}/Messages.json", f.createMessage)
	mux.HandleFunc("GET /2010-04-01/Accounts/{sid}/Messages.json", f.listMessages)
	f.srv = httptest.NewServer(mux)
	f.URL = f.srv.URL
	// Close waits for every request: release the hanging ones first.
	tb.Cleanup(func() { close(f.stop); f.srv.Close() })
	return f
}

// FailNext makes the next send requests fail, one failure per request, in
// order; Accept in the list lets that request through.
func (f *Fake) FailNext(fs ...Failure) {
	f.mu.Lock()
	f.failures = append(f.failures, fs...)
	f.mu.Unlock()
}

// FailNextList does the same for the next list requests.
func (f *Fake) FailNextList(fs ...Failure) {
	f.mu.Lock()
	f.listFailures = append(f.listFailures, fs...)
	f.mu.Unlock()
}

// SetListDelay makes an accepted message show in the list only d after it
// was taken: Twilio's list is eventually consistent.
func (f *Fake) SetListDelay(d time.Duration) {
	f.mu.Lock()
	f.listDelay = d
	f.mu.Unlock()
}

// Lists are the queries of every authenticated list request, failed ones
// included, in order.
func (f *Fake) Lists() []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]url.Values(nil), f.lists...)
}

// Messages are the messages accepted so far, in order of arrival.
func (f *Fake) Messages() []Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Message(nil), f.messages...)
}

// Attempts counts every authenticated send request, failed ones included.
func (f *Fake) Attempts() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.attempts
}

// WaitForMessages waits until at least n messages were accepted and returns
// them; the test fails after timeout.
func (f *Fake) WaitForMessages(tb testing.TB, n int, timeout time.Duration) []Message {
	tb.Helper()
	deadline := time.After(timeout)
	for {
		f.mu.Lock()
		got, changed := len(f.messages), f.changed
		f.mu.Unlock()
		if got >= n {
			return f.Messages()
		}
		select {
		case <-changed:
		case <-deadline:
			tb.Fatalf("fake Twilio: %d messages after %s, want %d: %+v", got, timeout, n, f.Messages())
			return nil
		}
	}
}

func (f *Fake) notify() {
	close(f.changed)
	f.changed = make(chan struct{})
}

// Violations are the requests that broke Twilio's OpenAPI, each with why.
func (f *Fake) Violations() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.violations...)
}

// conforms validates r against Twilio's OpenAPI; a request that breaks it
// fails the test and is answered 400.
func (f *Fake) conforms(w http.ResponseWriter, r *http.Request) bool {
	err := ValidateTwilioRequest(r)
	if err == nil {
		return true
	}
	f.mu.Lock()
	f.violations = append(f.violations, err.Error())
	f.mu.Unlock()
	f.tb.Errorf("fake Twilio: a request Twilio's OpenAPI does not allow: %v", err)
	writeError(w, Failure{Status: 400, Code: 20001, Message: "Not as Twilio's OpenAPI allows: " + err.Error()})
	return false
}

// authorized checks the account and its credentials, answering when not.
func (f *Fake) authorized(w http.ResponseWriter, r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	if !ok || user != f.accountSID || pass != f.authToken {
		writeError(w, Failure{Status: 401, Code: 20003, Message: "Authenticate"})
		return false
	}
	if r.PathValue("sid") != f.accountSID {
		writeError(w, Failure{Status: 404, Code: 20404, Message: "The requested resource was not found"})
		return false
	}
	return true
}

func (f *Fake) createMessage(w http.ResponseWriter, r *http.Request) {
	if !f.conforms(w, r) || !f.authorized(w, r) {
		return
	}
	if err := r.ParseForm(); err != nil {
		writeError(w, Failure{Status: 400, Code: 20001, Message: "Malformed form"})
		return
	}
	m := Message{
		To: r.PostForm.Get("To"), From: r.PostForm.Get("From"), MessagingServiceSID: r.PostForm.Get("MessagingServiceSid"),
		Body: r.PostForm.Get("Body"), StatusCallback: r.PostForm.Get("StatusCallback"), At: time.Now(),
	}
	fail, resp := f.take(m)
	f.answer(w, r, fail, http.StatusCreated, resp)
}

// take counts a send and, unless it fails, accepts the message; it
// returns the failure to answer with, or the message's JSON.
func (f *Fake) take(m Message) (Failure, any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	defer f.notify()
	f.attempts++
	var fail Failure
	if len(f.failures) > 0 {
		fail = f.failures[0]
		f.failures = f.failures[1:]
	}
	if fail.Status != 0 || fail.Drop {
		return fail, nil
	}
	var invalid Failure
	switch {
	case m.To == "":
		invalid = Failure{Status: 400, Code: 21604, Message: "A 'To' phone number is required."}
	case m.From == "" && m.MessagingServiceSID == "":
		invalid = Failure{Status: 400, Code: 21603, Message: "A 'From' phone number is required."}
	case m.Body == "":
		invalid = Failure{Status: 400, Code: 21602, Message: "Message body is required."}
	case len([]rune(m.Body)) > 1600:
		invalid = Failure{Status: 400, Code: 21617, Message: "The concatenated message body exceeds the 1600 character limit."}
	}
	if invalid.Status != 0 {
		invalid.Delay, invalid.Hang = fail.Delay, fail.Hang
		return invalid, nil
	}
	m.SID = newSID("SM")
	f.messages = append(f.messages, m)
	return fail, f.messageJSON(m, false)
}

// answer writes the answer (JSON with status, or fail's error) once fail's
// delay, if any, has passed.
func (f *Fake) answer(w http.ResponseWriter, r *http.Request, fail Failure, status int, resp any) {
	if fail.Drop {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler) // closes the connection without an answer
	}
	var late <-chan time.Time
	switch {
	case fail.Hang:
		late = nil // never
	case fail.Delay > 0:
		late = time.After(fail.Delay)
	}
	if fail.Hang || fail.Delay > 0 {
		select {
		case <-late:
		case <-r.Context().Done():
			return // the client gave up
		case <-f.stop:
			return
		}
	}
	if fail.Status != 0 {
		writeError(w, fail)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(resp)
}

// messageJSON is a message as Twilio shows it: just created, or listed
// (the fake hands every message to the carrier at once).
func (f *Fake) messageJSON(m Message, listed bool) map[string]any {
	created := m.At.UTC().Format(time.RFC1123Z)
	uri := "/2010-04-01/Accounts/" + f.accountSID + "/Messages/" + m.SID
	resp := map[string]any{
		"account_sid": f.accountSID, "api_version": "2010-04-01", "body": m.Body,
		"date_created": created, "date_updated": created, "date_sent": nil, "direction": "outbound-api",
		"error_code": nil, "error_message": nil, "from": nullable(m.From),
		"messaging_service_sid": nullable(m.MessagingServiceSID), "num_media": "0", "num_segments": "1",
		"price": nil, "price_unit": "USD", "sid": m.SID, "status": "queued", "to": m.To,
		"subresource_uris": map[string]string{"media": uri + "/Media.json"}, "uri": uri + ".json",
	}
	if m.MessagingServiceSID != "" {
		resp["status"] = "accepted"
	}
	if listed {
		resp["status"], resp["date_sent"] = "sent", created
	}
	return resp
}

// listMessages answers GET Messages.json: the messages matching To, From
// and DateSent (YYYY-MM-DD or a full timestamp, compared by GMT day as
// Twilio documents it; DateSent> is on or after, DateSent< on or before),
// most recent first, a page at a time.
func (f *Fake) listMessages(w http.ResponseWriter, r *http.Request) {
	if !f.conforms(w, r) || !f.authorized(w, r) {
		return
	}
	q := r.URL.Query()
	var after, before, on time.Time
	for key, dst := range map[string]*time.Time{"DateSent>": &after, "DateSent<": &before, "DateSent": &on} {
		v := q.Get(key)
		if v == "" {
			continue
		}
		d, err := parseDay(v)
		if err != nil {
			writeError(w, Failure{Status: 400, Code: 20001, Message: "Invalid " + key + ": " + v})
			return
		}
		*dst = d
	}
	size := 50
	if v := q.Get("PageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			writeError(w, Failure{Status: 400, Code: 20001, Message: "Invalid PageSize"})
			return
		}
		size = n
	}
	page, _ := strconv.Atoi(q.Get("Page"))

	f.mu.Lock()
	f.lists = append(f.lists, q)
	var fail Failure
	if len(f.listFailures) > 0 {
		fail = f.listFailures[0]
		f.listFailures = f.listFailures[1:]
	}
	var match []Message
	visible := time.Now().Add(-f.listDelay)
	for i := len(f.messages) - 1; i >= 0; i-- { // most recent first
		m := f.messages[i]
		day := dayOf(m.At)
		switch {
		case m.At.After(visible),
			q.Has("To") && m.To != q.Get("To"),
			q.Has("From") && m.From != q.Get("From"),
			!after.IsZero() && day.Before(after),
			!before.IsZero() && day.After(before),
			!on.IsZero() && !day.Equal(on):
			continue
		}
		match = append(match, m)
	}
	f.mu.Unlock()
	if fail.Status != 0 || fail.Drop {
		f.answer(w, r, fail, 0, nil)
		return
	}

	// A page token names the last message of the page before, so messages
	// arriving meanwhile do not shift the pages.
	start := page * size
	if tok := q.Get("PageToken"); tok != "" {
		start = len(match)
		for i, m := range match {
			if "PA"+m.SID == tok {
				start = i + 1
				break
			}
		}
	}
	start = min(start, len(match))
	end := min(start+size, len(match))
	msgs := make([]any, 0, end-start)
	for _, m := range match[start:end] {
		msgs = append(msgs, f.messageJSON(m, true))
	}
	base := "/2010-04-01/Accounts/" + f.accountSID + "/Messages.json"
	pageURI := func(p int, token string) string {
		v := url.Values{}
		for _, k := range []string{"To", "From", "DateSent>", "DateSent<", "DateSent"} {
			if q.Has(k) {
				v.Set(k, q.Get(k))
			}
		}
		v.Set("PageSize", strconv.Itoa(size))
		v.Set("Page", strconv.Itoa(p))
		if token != "" {
			v.Set("PageToken", token)
		}
		return base + "?" + v.Encode()
	}
	var next, prev any
	if end < len(match) {
		next = pageURI(page+1, "PA"+match[end-1].SID)
	}
	if page > 0 {
		prev = pageURI(page-1, "")
	}
	f.answer(w, r, fail, http.StatusOK, map[string]any{
		"messages": msgs, "page": page, "page_size": size, "start": start, "end": max(end-1, start),
		"uri": pageURI(page, q.Get("PageToken")), "first_page_uri": pageURI(0, ""),
		"next_page_uri": next, "previous_page_uri": prev,
	})
}

// parseDay reads a DateSent filter: a date, or a timestamp whose day counts.
func parseDay(v string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, err
	}
	return dayOf(t), nil
}

func dayOf(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func writeError(w http.ResponseWriter, f Failure) {
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	if f.Code == 0 {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(f.Status)
		_, _ = fmt.Fprintf(w, "<html><body>%d</body></html>", f.Status)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(f.Status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"code": f.Code, "message": f.Message, "status": f.Status,
		"more_info": "https://www.twilio.com/docs/errors/" + strconv.Itoa(f.Code),
	})
}

func newSID(prefix string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// SendStatus makes the status callback Twilio would make for an accepted
// message: signed over the message's StatusCallback URL, posted to the same
// path under localBase. errorCode 0 leaves ErrorCode out. It returns the
// HTTP status of the answer.
func (f *Fake) SendStatus(ctx context.Context, localBase, messageSID, status string, errorCode int) (int, error) {
	var m *Message
	for _, x := range f.Messages() {
		if x.SID == messageSID {
			m = &x
			break
		}
	}
	if m == nil {
		return 0, fmt.Errorf("fake Twilio: no message %s", messageSID)
	}
	if m.StatusCallback == "" {
		return 0, fmt.Errorf("fake Twilio: message %s has no StatusCallback", messageSID)
	}
	form := url.Values{
		"AccountSid": {f.accountSID}, "ApiVersion": {"2010-04-01"}, "From": {m.From}, "To": {m.To},
		"MessageSid": {m.SID}, "SmsSid": {m.SID}, "MessageStatus": {status}, "SmsStatus": {status},
	}
	if m.MessagingServiceSID != "" {
		form.Set("MessagingServiceSid", m.MessagingServiceSID)
	}
	if errorCode != 0 {
		form.Set("ErrorCode", strconv.Itoa(errorCode))
	}
	req, err := SignedRequest(f.authToken, localBase, m.StatusCallback, form)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return resp.StatusCode, nil
}
