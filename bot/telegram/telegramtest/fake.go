package telegramtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The bot the fake impersonates.
const (
	botID        = 777000111
	botUsername  = "minsheng_test_bot"
	botFirstName = "民声"
)

// DefaultHold is how long getUpdates waits for an update before answering [].
const DefaultHold = 200 * time.Millisecond

// Call is one Bot API call the fake received.
type Call struct {
	Method string            // canonical name, e.g. "sendMessage"
	Params map[string]string // every field; nested objects as their JSON text, uploads as "upload:<filename>"
	At     time.Time
	Failed bool   // answered with an error (injected or from the fake's checks), or not at all
	Error  string // the error's description
}

// Sent is a sendMessage call the fake accepted, decoded.
type Sent struct {
	ChatID    int64
	Text      string
	ParseMode string
	ReplyTo   int             // reply_parameters.message_id (or legacy reply_to_message_id), 0 if none
	Markup    json.RawMessage // reply_markup as sent, nil if none
	MessageID int             // the message_id the fake gave the message
	At        time.Time
}

// Failure is how the fake answers one call instead of at once and
// successfully: an error answer (Code, both the HTTP status and
// error_code; RetryAfter, if not 0, goes into parameters.retry_after), or,
// with Code 0, a call served but answered late or never, or lost before it
// was served.
type Failure struct {
	Code        int
	Description string
	RetryAfter  int
	// Delay serves the call and holds the answer back: past the client's
	// timeout, Telegram has done it and the client cannot know.
	Delay time.Duration
	// Hang serves the call and never answers, until the client gives up
	// or the fake stops.
	Hang bool
	// Cut serves the call and closes the connection without an answer.
	Cut bool
	// Drop closes the connection before the call was served.
	Drop bool
	// invalid: the call breaks the Bot API (the fake's answer to it, not
	// an injected failure); the test fails.
	invalid bool
}

// Accept is no failure: FailNext("sendMessage", Accept, Blocked()) lets the
// first call through and fails the second.
var Accept = Failure{}

// Failures of the connection rather than of the call.
var (
	// NoAnswer serves the call (a sendMessage is sent) and drops the
	// connection without an answer.
	NoAnswer = Failure{Cut: true}
	// Hang serves the call and never answers: the client times out.
	Hang = Failure{Hang: true}
	// Dropped loses the call before Telegram served it.
	Dropped = Failure{Drop: true}
)

// AcceptLate serves the call and answers only after d.
func AcceptLate(d time.Duration) Failure { return Failure{Delay: d} }

// TooManyRequests is Telegram's flood-control answer; the library turns it
// into *bot.TooManyRequestsError with RetryAfter set.
func TooManyRequests(retryAfterSeconds int) Failure {
	return Failure{Code: 429, Description: fmt.Sprintf("Too Many Requests: retry after %d", retryAfterSeconds), RetryAfter: retryAfterSeconds}
}

// Blocked is the answer to a message for a user who blocked the bot; the
// library turns it into an error wrapping bot.ErrorForbidden.
func Blocked() Failure {
	return Failure{Code: 403, Description: "Forbidden: bot was blocked by the user"}
}

func badRequest(format string, args ...any) *Failure {
	return &Failure{Code: 400, Description: "Bad Request: " + fmt.Sprintf(format, args...)}
}

// Fake is a local Telegram Bot API server for one bot token.
type Fake struct {
	URL   string // base URL for bot.WithServerURL / telegram.api_url (no trailing slash)
	tb    testing.TB
	token string
	srv   *httptest.Server

	mu           sync.Mutex
	hold         time.Duration
	calls        []Call
	sent         []Sent
	failures     map[string][]Failure
	queue        []queued // unconfirmed updates, in update_id order
	nextUpdateID int64
	offsets      []int64
	lastMsgID    map[string]int // by id sequence (see box)
	msgs         map[msgKey]*botMessage
	files        map[string][]byte
	webhookURL   string
	poller       chan struct{} // closed to end the running long poll with 409
	changed      chan struct{} // closed and replaced on every change
	stop         chan struct{} // closed when the test ends: held answers give up
}

type queued struct {
	id  int64
	raw json.RawMessage
}

// NewFake starts a fake Telegram for the bot token; it stops with the test.
func NewFake(tb testing.TB, token string) *Fake {
	tb.Helper()
	f := &Fake{
		tb: tb, token: token, hold: DefaultHold, nextUpdateID: 1,
		failures: map[string][]Failure{}, lastMsgID: map[string]int{},
		msgs: map[msgKey]*botMessage{}, files: map[string][]byte{}, changed: make(chan struct{}), stop: make(chan struct{}),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/{bot}/{method}", f.serveAPI)
	mux.HandleFunc("GET /file/{bot}/{path...}", f.serveFile)
	f.srv = httptest.NewServer(mux)
	f.URL = f.srv.URL
	tb.Cleanup(f.srv.Close)
	tb.Cleanup(func() { close(f.stop) }) // runs first: a held answer must not hold up Close
	return f
}

// BotUsername is the bot's username, without "@".
func (f *Fake) BotUsername() string { return botUsername }

// SetHold sets how long getUpdates may wait for an update when none is
// pending (default DefaultHold; never longer than the call's timeout).
func (f *Fake) SetHold(d time.Duration) {
	f.mu.Lock()
	f.hold = d
	f.mu.Unlock()
}

// FailNext makes the next calls of method (e.g. "sendMessage") fail, one
// failure per call, in order; Accept in the list lets that call through.
func (f *Fake) FailNext(method string, fs ...Failure) {
	method = canonical(method)
	f.mu.Lock()
	f.failures[method] = append(f.failures[method], fs...)
	f.mu.Unlock()
}

// SetFile sets the content getFile reports and the file URL serves for
// fileID. Without it a file's content is "fake file <file_id>".
func (f *Fake) SetFile(fileID string, data []byte) {
	f.mu.Lock()
	f.files[fileID] = append([]byte(nil), data...)
	f.mu.Unlock()
}

// Calls are the calls of method so far (all methods for ""), in order of
// arrival, failed ones included.
func (f *Fake) Calls(method string) []Call {
	method = canonical(method)
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Call
	for _, c := range f.calls {
		if method == "" || c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// Sent are the messages sendMessage accepted so far, in order.
func (f *Fake) Sent() []Sent {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Sent(nil), f.sent...)
}

// Offsets are the offsets of the getUpdates calls the fake served, in
// order (0 when the call gave none); calls failed by FailNext or by a set
// webhook are not in it.
func (f *Fake) Offsets() []int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]int64(nil), f.offsets...)
}

// WaitForSent waits until at least n messages were sent and returns them;
// the test fails after timeout.
func (f *Fake) WaitForSent(tb testing.TB, n int, timeout time.Duration) []Sent {
	tb.Helper()
	if !f.waitFor(timeout, func() bool { return len(f.sent) >= n }) {
		tb.Fatalf("fake Telegram: %d messages sent after %s, want %d: %+v", len(f.Sent()), timeout, n, f.Sent())
	}
	return f.Sent()
}

// WaitForCalls waits until method (any method for "") was called at least
// n times, failed calls included, and returns those calls; the test fails
// after timeout.
func (f *Fake) WaitForCalls(tb testing.TB, method string, n int, timeout time.Duration) []Call {
	tb.Helper()
	m := canonical(method)
	count := func() int {
		c := 0
		for _, x := range f.calls {
			if m == "" || x.Method == m {
				c++
			}
		}
		return c
	}
	if !f.waitFor(timeout, func() bool { return count() >= n }) {
		tb.Fatalf("fake Telegram: %d %s calls after %s, want %d: %+v", len(f.Calls(m)), m, timeout, n, f.Calls(""))
	}
	return f.Calls(m)
}

// waitFor waits until cond, checked with f.mu held, is true; false on timeout.
func (f *Fake) waitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		f.mu.Lock()
		ok, changed := cond(), f.changed
		f.mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-changed:
		case <-deadline.C:
			return false
		}
	}
}

func (f *Fake) notify() {
	close(f.changed)
	f.changed = make(chan struct{})
}

// methods maps the lower-cased name of each served method to its canonical
// name; Telegram's method names are case-insensitive.
var methods = map[string]string{}

func init() {
	for _, m := range []string{"getMe", "getUpdates", "sendMessage", "editMessageText", "editMessageReplyMarkup",
		"answerCallbackQuery", "setWebhook", "deleteWebhook", "getWebhookInfo", "getFile"} {
		methods[strings.ToLower(m)] = m
	}
}

func canonical(method string) string {
	if m, ok := methods[strings.ToLower(method)]; ok {
		return m
	}
	return method
}

func (f *Fake) authorized(seg string) bool {
	tok, ok := strings.CutPrefix(seg, "bot")
	return ok && tok == f.token
}

func (f *Fake) serveAPI(w http.ResponseWriter, r *http.Request) {
	if !f.authorized(r.PathValue("bot")) {
		writeFailure(w, Failure{Code: 401, Description: "Unauthorized"})
		return
	}
	method := canonical(r.PathValue("method"))
	params, uploads, perr := readParams(r)
	if perr == nil {
		perr = checkCall(method, params, uploads)
	}
	f.mu.Lock()
	idx := len(f.calls)
	f.calls = append(f.calls, Call{Method: method, Params: params, At: time.Now()})
	f.notify()
	fail := perr
	var conn Failure // a failure of the connection, not of the call
	if fail == nil && len(f.failures[method]) > 0 {
		next := f.failures[method][0]
		f.failures[method] = f.failures[method][1:]
		switch {
		case next.Code != 0:
			fail = &next
		case next != Accept:
			conn = next
		}
	}
	if conn.Drop {
		f.calls[idx].Failed = true
		f.notify()
		f.mu.Unlock()
		closeConnection(w)
		return
	}
	var result any
	switch {
	case fail != nil:
	case method == "getUpdates":
		f.mu.Unlock()
		result, fail = f.getUpdates(r.Context(), params)
		f.mu.Lock()
	default:
		result, fail = f.dispatch(method, params)
	}
	if fail != nil || conn.Cut || conn.Hang {
		f.calls[idx].Failed = true // as the client sees it
		if fail != nil {
			f.calls[idx].Error = fail.Description
		}
		f.notify()
	}
	f.mu.Unlock()
	if fail != nil && fail.invalid {
		f.tb.Errorf("fake Telegram: %s breaks the Bot API (%s): %d %s\nparameters: %s", method, SpecVersion(), fail.Code, fail.Description, shortParams(params))
	}
	if !f.held(w, r, conn) {
		return
	}
	if fail != nil {
		writeFailure(w, *fail)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "result": result})
}

// held delays or withholds the answer to a call already served as conn
// says; false when no answer is to be written.
func (f *Fake) held(w http.ResponseWriter, r *http.Request, conn Failure) bool {
	var late <-chan time.Time
	switch {
	case conn.Cut:
		closeConnection(w)
		return false
	case conn.Hang:
		// late stays nil: never
	case conn.Delay > 0:
		late = time.After(conn.Delay)
	default:
		return true
	}
	select {
	case <-late:
		return true
	case <-r.Context().Done(): // the client gave up
	case <-f.stop:
	}
	return false
}

// closeConnection closes the call's connection without an answer.
func closeConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler) // closes the connection without an answer
}

// dispatch serves every method but getUpdates, with f.mu held.
func (f *Fake) dispatch(method string, p map[string]string) (any, *Failure) {
	switch method {
	case "getMe":
		return map[string]any{
			"id": botID, "is_bot": true, "first_name": botFirstName, "username": botUsername,
			"can_join_groups": true, "can_read_all_group_messages": false, "supports_inline_queries": false,
		}, nil
	case "sendMessage":
		return f.sendMessage(p)
	case "editMessageText":
		return f.editMessage(p, true)
	case "editMessageReplyMarkup":
		return f.editMessage(p, false)
	case "answerCallbackQuery":
		if p["callback_query_id"] == "" {
			return nil, badRequest("query is too old and response timeout expired or query ID is invalid")
		}
		return true, nil
	case "setWebhook":
		return f.setWebhook(p)
	case "deleteWebhook":
		f.webhookURL = ""
		if p["drop_pending_updates"] == "true" {
			f.queue = nil
		}
		return true, nil
	case "getWebhookInfo":
		return map[string]any{"url": f.webhookURL, "has_custom_certificate": false, "pending_update_count": len(f.queue)}, nil
	case "getFile":
		id := p["file_id"]
		if id == "" {
			return nil, badRequest("invalid file_id")
		}
		return map[string]any{
			"file_id": id, "file_unique_id": "u-" + id, "file_size": len(f.fileData(id)),
			"file_path": "documents/" + id + ".bin",
		}, nil
	}
	return nil, &Failure{Code: 404, Description: "Not Found: method not found"}
}

func (f *Fake) setWebhook(p map[string]string) (any, *Failure) {
	if p["url"] != "" {
		if u, err := url.Parse(p["url"]); err != nil || u.Host == "" {
			return nil, badRequest("bad webhook: Failed to resolve host: Name or service not known")
		}
	}
	f.webhookURL = p["url"]
	if p["drop_pending_updates"] == "true" {
		f.queue = nil
	}
	return true, nil
}

func (f *Fake) fileData(id string) []byte {
	if d, ok := f.files[id]; ok {
		return d
	}
	return []byte("fake file " + id)
}

func (f *Fake) serveFile(w http.ResponseWriter, r *http.Request) {
	id, ok := strings.CutPrefix(r.PathValue("path"), "documents/")
	id, ok2 := strings.CutSuffix(id, ".bin")
	if !f.authorized(r.PathValue("bot")) || !ok || !ok2 || id == "" {
		writeFailure(w, Failure{Code: 404, Description: "Not Found"})
		return
	}
	f.mu.Lock()
	data := f.fileData(id)
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/octet-stream")
	_, _ = w.Write(data)
}

// readParams reads a call's fields from the query string and from a
// multipart, JSON or url-encoded body. Values are strings; in a JSON body,
// non-string values keep their JSON text. Files uploaded are named in
// uploads (their value is "upload:<filename>").
func readParams(r *http.Request) (p map[string]string, uploads map[string]bool, fail *Failure) {
	p, uploads = map[string]string{}, map[string]bool{}
	for k, v := range r.URL.Query() {
		p[k] = v[0]
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return p, uploads, badRequest("can't read request body")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return p, uploads, nil
	}
	mt, mp, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "multipart/form-data":
		form, err := multipart.NewReader(bytes.NewReader(body), mp["boundary"]).ReadForm(32 << 20)
		if err != nil {
			return p, uploads, badRequest("can't parse multipart body: %v", err)
		}
		for k, v := range form.Value {
			p[k] = v[0]
		}
		for k, v := range form.File {
			p[k] = "upload:" + v[0].Filename
			uploads[k] = true
		}
	case "application/json":
		var m map[string]json.RawMessage
		if err := json.Unmarshal(body, &m); err != nil {
			return p, uploads, badRequest("can't parse JSON request body: %v", err)
		}
		for k, raw := range m {
			var s string
			if json.Unmarshal(raw, &s) == nil {
				p[k] = s
			} else if !bytes.Equal(raw, []byte("null")) {
				p[k] = string(raw)
			}
		}
	case "application/x-www-form-urlencoded", "":
		v, err := url.ParseQuery(string(body))
		if err != nil {
			return p, uploads, badRequest("can't parse url-encoded body: %v", err)
		}
		for k, x := range v {
			p[k] = x[0]
		}
	default:
		return p, uploads, badRequest("unsupported Content-Type %q", mt)
	}
	return p, uploads, nil
}

// shortParams prints a call's parameters, each cut to 200 bytes.
func shortParams(p map[string]string) string {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		v := p[k]
		if len(v) > 200 {
			v = strings.ToValidUTF8(v[:200], "") + "…"
		}
		fmt.Fprintf(&b, "%s=%q ", k, v)
	}
	return strings.TrimSpace(b.String())
}

func writeFailure(w http.ResponseWriter, fl Failure) {
	body := map[string]any{"ok": false, "error_code": fl.Code, "description": fl.Description}
	if fl.RetryAfter != 0 {
		body["parameters"] = map[string]any{"retry_after": fl.RetryAfter}
		w.Header().Set("Retry-After", strconv.Itoa(fl.RetryAfter))
	}
	writeJSON(w, fl.Code, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = 500, []byte(`{"ok":false,"error_code":500,"description":"Internal Server Error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

var errNoChat = errors.New("chat not found")

func parseChatID(s string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || id == 0 {
		return 0, errNoChat
	}
	return id, nil
}
