package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/backend"
)

const secret = "s3cret"

var t0 = time.Date(2026, 3, 11, 14, 5, 0, 0, time.FixedZone("CST", 8*3600))

// recorded is one request as the fake backend saw it.
type recorded struct {
	Method, Path string // Path is the escaped path
	Header       http.Header
	Body         []byte
}

// fake is a case backend: it records every request and answers with the
// next scripted response (the last one repeats).
type fake struct {
	mu      sync.Mutex
	reqs    []recorded
	answers []func(w http.ResponseWriter)
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.reqs = append(f.reqs, recorded{r.Method, r.URL.EscapedPath(), r.Header.Clone(), body})
	i := min(len(f.reqs), len(f.answers)) - 1
	answer := f.answers[i]
	f.mu.Unlock()
	answer(w)
}

func (f *fake) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.reqs...)
}

func reply(status int, body string, hdr ...string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		for i := 0; i+1 < len(hdr); i += 2 {
			w.Header().Set(hdr[i], hdr[i+1])
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

func setup(t *testing.T, answers ...func(w http.ResponseWriter)) (*Client, *fake, *httptest.Server) {
	t.Helper()
	f := &fake{answers: answers}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c, err := New(Options{URL: srv.URL + "/api/", Secret: secret, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c, f, srv
}

func petition() *intake.Petition {
	return &intake.Petition{
		SchemaVersion: 1, ID: "MS-20260311-K7Q2P", Type: "petition", ReceivedAt: t0, Channel: "sms",
		Citizen:     intake.Citizen{Phone: "+8613912345678"},
		Description: "路灯坏了 <三个月>",
		Category:    intake.Category{Code: "urban", Name: "城乡建设", Confidence: 0.82},
		Urgency:     intake.UrgencyNormal,
		Flags:       []string{intake.FlagOfficialBusy},
	}
}

func checkCommon(t *testing.T, r recorded, wantPath, wantKey string) {
	t.Helper()
	if r.Method != http.MethodPost || r.Path != wantPath {
		t.Errorf("request %s %s, want POST %s", r.Method, r.Path, wantPath)
	}
	for h, want := range map[string]string{
		"Content-Type":    "application/json",
		"Idempotency-Key": wantKey,
		"User-Agent":      "minsheng/1",
	} {
		if got := r.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	sig := r.Header.Get("X-Minsheng-Signature")
	if !intake.VerifySignature([]byte(secret), r.Body, sig) {
		t.Errorf("X-Minsheng-Signature %q does not verify over the body %s", sig, r.Body)
	}
	if intake.VerifySignature([]byte("other"), r.Body, sig) {
		t.Error("signature verifies under another secret")
	}
}

func TestSubmitRequest(t *testing.T) {
	c, f, _ := setup(t, reply(201, `{"case_id":"CASE-42"}`))
	id, err := c.Submit(context.Background(), petition(), "MS-20260311-K7Q2P")
	if err != nil || id != "CASE-42" {
		t.Fatalf("Submit = %q, %v; want CASE-42", id, err)
	}
	reqs := f.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	checkCommon(t, reqs[0], "/api/petitions", "MS-20260311-K7Q2P")

	var got map[string]any
	if err := json.Unmarshal(reqs[0].Body, &got); err != nil {
		t.Fatalf("body is not JSON: %v", err)
	}
	if _, ok := got["type"]; ok {
		t.Error(`body has "type"; the webhook petition carries none`)
	}
	if got["id"] != "MS-20260311-K7Q2P" || got["schema_version"] != 1.0 || got["description"] != "路灯坏了 <三个月>" {
		t.Errorf("body = %s", reqs[0].Body)
	}
	for _, k := range []string{"contacts", "attachments", "transcript", "flags"} {
		if _, ok := got[k].([]any); !ok {
			t.Errorf("%s = %#v, want an array", k, got[k])
		}
	}
	var back intake.Petition
	if err := json.Unmarshal(reqs[0].Body, &back); err != nil || !back.ReceivedAt.Equal(t0) {
		t.Errorf("body does not decode to the petition: %v, received_at %v", err, back.ReceivedAt)
	}
	if p := petition(); p.Type != "petition" {
		t.Error("Submit modified the caller's petition")
	}
}

func TestSubmitAnswers(t *testing.T) {
	tests := []struct {
		name, answer string
		status       int
		want         string
	}{
		{"case id", `{"case_id":"CASE-7"}`, 200, "CASE-7"},
		{"case id with spaces", `{"case_id":" CASE-7 "}`, 202, "CASE-7"},
		{"empty body: taken, petition id", ``, 204, "MS-20260311-K7Q2P"},
		{"not JSON: taken, petition id", `ok`, 200, "MS-20260311-K7Q2P"},
		{"empty case id: taken, petition id", `{"case_id":""}`, 201, "MS-20260311-K7Q2P"},
		{"case id not a string: taken, petition id", `{"case_id":42}`, 201, "MS-20260311-K7Q2P"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, _ := setup(t, reply(tt.status, tt.answer))
			id, err := c.Submit(context.Background(), petition(), "k")
			if err != nil || id != tt.want {
				t.Errorf("Submit = %q, %v; want %q", id, err, tt.want)
			}
		})
	}
}

func TestSameKeyAndBodyOnRetries(t *testing.T) {
	c, f, _ := setup(t, reply(503, "busy"), reply(500, "oops"), reply(201, `{"case_id":"C1"}`))
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if _, err := c.Submit(ctx, petition(), "MS-20260311-K7Q2P"); err == nil {
			t.Fatalf("attempt %d succeeded against a failing server", i+1)
		}
	}
	if id, err := c.Submit(ctx, petition(), "MS-20260311-K7Q2P"); err != nil || id != "C1" {
		t.Fatalf("third attempt = %q, %v", id, err)
	}
	reqs := f.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3", len(reqs))
	}
	for i, r := range reqs[1:] {
		if r.Header.Get("Idempotency-Key") != reqs[0].Header.Get("Idempotency-Key") ||
			r.Header.Get("X-Minsheng-Signature") != reqs[0].Header.Get("X-Minsheng-Signature") ||
			string(r.Body) != string(reqs[0].Body) {
			t.Errorf("retry %d differs from the first attempt", i+1)
		}
	}
}

func TestEmptyKeyFallsBack(t *testing.T) {
	c, f, _ := setup(t, reply(200, `{}`))
	ctx := context.Background()
	if _, err := c.Submit(ctx, petition(), ""); err != nil {
		t.Fatal(err)
	}
	s := &intake.Supplement{PetitionID: "P1", Text: "x", At: t0}
	for i := 0; i < 2; i++ {
		if err := c.Supplement(ctx, s, ""); err != nil {
			t.Fatal(err)
		}
	}
	reqs := f.requests()
	if got := reqs[0].Header.Get("Idempotency-Key"); got != "MS-20260311-K7Q2P" {
		t.Errorf("petition key = %q, want the petition id", got)
	}
	k1, k2 := reqs[1].Header.Get("Idempotency-Key"), reqs[2].Header.Get("Idempotency-Key")
	if k1 == "" || k1 != k2 {
		t.Errorf("supplement keys %q, %q: want the same non-empty derived key", k1, k2)
	}
}

func TestSupplementAndRatingRequests(t *testing.T) {
	c, f, _ := setup(t, reply(200, ``))
	ctx := context.Background()
	id := "MS/2026 11?x" // escaped in the path, not split into segments
	s := &intake.Supplement{Type: "supplement", PetitionID: id, CaseID: "C9", Text: "补充", At: t0}
	if err := c.Supplement(ctx, s, "sk"); err != nil {
		t.Fatal(err)
	}
	r := &intake.Rating{Type: "rating", PetitionID: id, CaseID: "C9", Rating: intake.RatingUnsatisfied, Comment: "没修好", At: t0}
	if err := c.Rate(ctx, r, "rk"); err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	checkCommon(t, reqs[0], "/api/petitions/MS%2F2026%2011%3Fx/supplements", "sk")
	checkCommon(t, reqs[1], "/api/petitions/MS%2F2026%2011%3Fx/rating", "rk")

	var sup map[string]any
	json.Unmarshal(reqs[0].Body, &sup)
	if _, ok := sup["type"]; ok || sup["text"] != "补充" || sup["petition_id"] != id {
		t.Errorf("supplement body = %s", reqs[0].Body)
	}
	if _, ok := sup["attachments"].([]any); !ok {
		t.Errorf("supplement attachments = %#v, want an array", sup["attachments"])
	}
	var rat map[string]any
	json.Unmarshal(reqs[1].Body, &rat)
	var ks []string
	for k := range rat {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	if !reflect.DeepEqual(ks, []string{"at", "comment", "rating"}) || rat["rating"] != "unsatisfied" || rat["comment"] != "没修好" {
		t.Errorf("rating body = %s, want exactly rating, comment, at", reqs[1].Body)
	}
}

// A rating staff recorded (电话测评 in a group chat) names them in
// recorded_by, as the contract and the file backend have it.
func TestRatingRecordedByStaff(t *testing.T) {
	c, f, _ := setup(t, reply(200, ``))
	by := &intake.Reporter{Name: "王网格员", TelegramUser: 4242, Chat: -100777, ChatTitle: "幸福小区业主群"}
	r := &intake.Rating{PetitionID: "MS-20260311-K7Q2P", CaseID: "C9", Rating: intake.RatingSatisfied, At: t0, RecordedBy: by}
	if err := c.Rate(context.Background(), r, "rk"); err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	checkCommon(t, reqs[0], "/api/petitions/MS-20260311-K7Q2P/rating", "rk")
	var body struct {
		Rating     string           `json:"rating"`
		RecordedBy *intake.Reporter `json:"recorded_by"`
	}
	if err := json.Unmarshal(reqs[0].Body, &body); err != nil {
		t.Fatal(err)
	}
	if body.Rating != "satisfied" || body.RecordedBy == nil || *body.RecordedBy != *by {
		t.Errorf("rating body = %s, want recorded_by %+v", reqs[0].Body, *by)
	}
}

func TestStatusClassification(t *testing.T) {
	long := strings.Repeat("错", 400) // 1200 bytes of 3-byte characters
	tests := []struct {
		status    int
		body      string
		hdr       []string
		permanent bool
		retry     time.Duration // expected Retry-After; 0 = none
		mention   string
	}{
		{status: 400, body: `{"error":"bad category"}`, permanent: true, mention: "bad category"},
		{status: 401, body: "unauthorized", permanent: true},
		{status: 403, body: "bad signature", permanent: true},
		{status: 404, body: "no such route", permanent: true},
		{status: 410, permanent: true},
		{status: 413, permanent: true},
		{status: 422, body: long, permanent: true},
		{status: 408, body: "slow", mention: "408"},
		{status: 409, body: "in flight", mention: "in flight"},
		{status: 429, body: "slow down", hdr: []string{"Retry-After", "120"}, retry: 2 * time.Minute},
		{status: 429, body: "slow down"},
		{status: 500, body: "oops", mention: "oops"},
		{status: 500, hdr: []string{"Retry-After", "30"}}, // only 429 and 503 carry it
		{status: 502},
		{status: 503, hdr: []string{"Retry-After", "Wed, 11 Mar 2026 06:10:00 GMT"}, retry: 5 * time.Minute},
		{status: 504},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			c, _, _ := setup(t, reply(tt.status, tt.body, tt.hdr...))
			c.now = func() time.Time { return time.Date(2026, 3, 11, 6, 5, 0, 0, time.UTC) }
			_, err := c.Submit(context.Background(), petition(), "k")
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.HasPrefix(err.Error(), "webhook petition MS-20260311-K7Q2P: ") {
				t.Errorf("error %q lacks context", err)
			}
			if tt.mention != "" && !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("error %q does not mention %q", err, tt.mention)
			}
			if got := errors.Is(err, intake.ErrPermanent); got != tt.permanent {
				t.Fatalf("permanent = %v, want %v (%v)", got, tt.permanent, err)
			}
			if tt.permanent {
				var pe *intake.PermanentError
				if !errors.As(err, &pe) || pe.Status != tt.status {
					t.Fatalf("want *PermanentError with status %d, got %v", tt.status, err)
				}
				if len(pe.Body) > backend.MaxErrorBody+len("…") || !utf8.ValidString(pe.Body) {
					t.Errorf("PermanentError.Body is %d bytes (valid UTF-8: %v), want ≤ 512 and valid", len(pe.Body), utf8.ValidString(pe.Body))
				}
				if tt.body != "" && !strings.HasPrefix(tt.body, strings.TrimSuffix(pe.Body, "…")) {
					t.Errorf("Body %q is not the start of the answer", pe.Body)
				}
			}
			d, ok := backend.RetryAfter(err)
			if ok != (tt.retry != 0) || d != tt.retry {
				t.Errorf("RetryAfter = %v, %v; want %v", d, ok, tt.retry)
			}
		})
	}
}

func TestRedirectNotFollowed(t *testing.T) {
	var hit atomic.Bool
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hit.Store(true) }))
	defer target.Close()
	for _, status := range []int{301, 302, 307, 308} {
		c, _, _ := setup(t, reply(status, "", "Location", target.URL+"/petitions"))
		_, err := c.Submit(context.Background(), petition(), "k")
		if err == nil || errors.Is(err, intake.ErrPermanent) {
			t.Fatalf("%d: err = %v, want a retryable error", status, err)
		}
		if !strings.Contains(err.Error(), "redirect") || !strings.Contains(err.Error(), target.URL) {
			t.Errorf("%d: error %q should say a redirect to %s was not followed", status, err, target.URL)
		}
	}
	if hit.Load() {
		t.Error("the redirect target was requested")
	}
}

func TestCallerClientNotModified(t *testing.T) {
	hc := &http.Client{}
	if _, err := New(Options{URL: "http://x", Secret: "s", Client: hc}); err != nil {
		t.Fatal(err)
	}
	if hc.CheckRedirect != nil {
		t.Error("New changed the caller's http.Client")
	}
}

func TestTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	c, err := New(Options{URL: srv.URL, Secret: secret, Timeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = c.Submit(context.Background(), petition(), "k")
	if err == nil || errors.Is(err, intake.ErrPermanent) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want a retryable deadline error", err)
	}
	if el := time.Since(start); el > time.Second {
		t.Errorf("took %v with a 50ms timeout", el)
	}
}

func TestNetworkErrorIsRetryable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more
	c, err := New(Options{URL: url, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	err = c.Rate(context.Background(), &intake.Rating{PetitionID: "P", Rating: "satisfied", At: t0}, "k")
	if err == nil || errors.Is(err, intake.ErrPermanent) || !strings.HasPrefix(err.Error(), "webhook rating of P: ") {
		t.Errorf("err = %v, want a retryable error with context", err)
	}
}

func TestHugeAnswerIsCut(t *testing.T) {
	big := `{"case_id":"C1","pad":"` + strings.Repeat("x", 1<<20) + `"}`
	c, _, _ := setup(t, reply(200, big))
	// The answer is cut at 64 KiB, so it no longer parses; taken all the same.
	id, err := c.Submit(context.Background(), petition(), "k")
	if err != nil || id != "MS-20260311-K7Q2P" {
		t.Errorf("Submit = %q, %v; want taken under the petition id", id, err)
	}
}

func TestRefusedWithoutRequest(t *testing.T) {
	c, f, _ := setup(t, reply(200, ""))
	ctx := context.Background()
	if _, err := c.Submit(ctx, &intake.Petition{}, "k"); !errors.Is(err, intake.ErrPermanent) {
		t.Errorf("petition without id: %v", err)
	}
	if err := c.Supplement(ctx, &intake.Supplement{}, "k"); !errors.Is(err, intake.ErrPermanent) {
		t.Errorf("supplement without petition: %v", err)
	}
	if err := c.Rate(ctx, &intake.Rating{}, "k"); !errors.Is(err, intake.ErrPermanent) {
		t.Errorf("rating without petition: %v", err)
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests sent for invalid records", n)
	}
}

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		ok   bool
	}{
		{"ok", Options{URL: "https://cases.example.org/api", Secret: "s"}, true},
		{"ok with trailing slash", Options{URL: "http://127.0.0.1:9000/", Secret: "s", Timeout: time.Second}, true},
		{"empty url", Options{Secret: "s"}, false},
		{"relative url", Options{URL: "/api", Secret: "s"}, false},
		{"other scheme", Options{URL: "ftp://x/api", Secret: "s"}, false},
		{"query", Options{URL: "https://x/api?token=1", Secret: "s"}, false},
		{"no secret", Options{URL: "https://x/api"}, false},
		{"negative timeout", Options{URL: "https://x/api", Secret: "s", Timeout: -time.Second}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.opts)
			if (err == nil) != tt.ok {
				t.Errorf("New(%+v) error = %v, want ok=%v", tt.opts, err, tt.ok)
			}
		})
	}
}
