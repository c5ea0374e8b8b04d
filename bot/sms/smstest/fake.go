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

// Failure is an error answer the fake gives instead of accepting a message.
type Failure struct {
	Status     int    // HTTP status
	Code       int    // Twilio error code in the JSON body (0: no JSON body)
	Message    string // Twilio's message
	RetryAfter string // Retry-After header, if any
}

// Failures Twilio answers with.
var (
	Accept        = Failure{} // no failure: for FailNext(Accept, ServerError)
	ServerError   = Failure{Status: 500, Code: 20500, Message: "Internal Server Error"}
	Unsubscribed  = Failure{Status: 400, Code: 21610, Message: "Attempt to send to unsubscribed recipient"}
	InvalidNumber = Failure{Status: 400, Code: 21211, Message: "The 'To' number is not a valid phone number."}
)

// TooManyRequests is Twilio's 429, with a Retry-After in seconds ("" for none).
func TooManyRequests(retryAfter string) Failure {
	return Failure{Status: 429, Code: 20429, Message: "Too Many Requests", RetryAfter: retryAfter}
}

// Fake is a local Twilio REST API: POST /2010-04-01/Accounts/{sid}/Messages.json
// with basic auth, answering like Twilio does.
type Fake struct {
	URL        string
	accountSID string
	authToken  string
	srv        *httptest.Server

	mu       sync.Mutex
	messages []Message
	attempts int
	failures []Failure
	changed  chan struct{} // closed and replaced whenever a request was answered
}

// NewFake starts a fake Twilio for the account; it stops with the test.
func NewFake(tb testing.TB, accountSID, authToken string) *Fake {
	tb.Helper()
	f := &Fake{accountSID: accountSID, authToken: authToken, changed: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2010-04-01/Accounts/{sid}/Messages.json", f.createMessage)
	f.srv = httptest.NewServer(mux)
	f.URL = f.srv.URL
	tb.Cleanup(f.srv.Close)
	return f
}

// FailNext makes the next requests fail, one failure per request, in
// order; Accept in the list lets that request through.
func (f *Fake) FailNext(fs ...Failure) {
	f.mu.Lock()
	f.failures = append(f.failures, fs...)
	f.mu.Unlock()
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

func (f *Fake) createMessage(w http.ResponseWriter, r *http.Request) {
	user, pass, ok := r.BasicAuth()
	if !ok || user != f.accountSID || pass != f.authToken {
		writeError(w, Failure{Status: 401, Code: 20003, Message: "Authenticate"})
		return
	}
	if r.PathValue("sid") != f.accountSID {
		writeError(w, Failure{Status: 404, Code: 20404, Message: "The requested resource was not found"})
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
	f.mu.Lock()
	defer f.mu.Unlock()
	defer f.notify()
	f.attempts++
	if len(f.failures) > 0 {
		fail := f.failures[0]
		f.failures = f.failures[1:]
		if fail != Accept {
			writeError(w, fail)
			return
		}
	}
	switch {
	case m.To == "":
		writeError(w, Failure{Status: 400, Code: 21604, Message: "A 'To' phone number is required."})
		return
	case m.From == "" && m.MessagingServiceSID == "":
		writeError(w, Failure{Status: 400, Code: 21603, Message: "A 'From' phone number is required."})
		return
	case m.Body == "":
		writeError(w, Failure{Status: 400, Code: 21602, Message: "Message body is required."})
		return
	case len([]rune(m.Body)) > 1600:
		writeError(w, Failure{Status: 400, Code: 21617, Message: "The concatenated message body exceeds the 1600 character limit."})
		return
	}
	m.SID = newSID("SM")
	f.messages = append(f.messages, m)
	now := time.Now().UTC().Format(time.RFC1123Z)
	uri := "/2010-04-01/Accounts/" + f.accountSID + "/Messages/" + m.SID
	resp := map[string]any{
		"account_sid": f.accountSID, "api_version": "2010-04-01", "body": m.Body,
		"date_created": now, "date_updated": now, "date_sent": nil, "direction": "outbound-api",
		"error_code": nil, "error_message": nil, "from": nullable(m.From),
		"messaging_service_sid": nullable(m.MessagingServiceSID), "num_media": "0", "num_segments": "1",
		"price": nil, "price_unit": "USD", "sid": m.SID, "status": "queued", "to": m.To,
		"subresource_uris": map[string]string{"media": uri + "/Media.json"}, "uri": uri + ".json",
	}
	if m.MessagingServiceSID != "" {
		resp["status"] = "accepted"
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(resp)
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
