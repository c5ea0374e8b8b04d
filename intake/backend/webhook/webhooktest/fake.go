// Package webhooktest is an office's case system speaking minsheng's
// webhook contract (docs/backend-openapi.yaml), for tests: it checks
// signatures, takes each Idempotency-Key once — answering a repeated key
// with the case id it gave the first time, as a backend honouring the
// contract does — records every request, and can be told to fail.
//
// Every request is validated against the document
// (internal/contracttest.CheckWebhook): one it does not describe — a path
// it has no webhook for, a field it does not declare, a case id where the
// petition id belongs — is answered as a backend built from the document
// would (404 for the path, 400 otherwise, so the record becomes a dead
// letter) and fails the test.
package webhooktest

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/internal/contracttest"
)

// Fake is the case system. Its URL is the backend.webhook.url to use.
type Fake struct {
	*httptest.Server
	tb     testing.TB
	secret []byte

	mu       sync.Mutex
	requests []Request
	taken    map[string]string // idempotency key → case id
	failNext int               // answer 500 to this many requests
	status   int               // when set, answer this to every request
	hold     func(r Request)
}

// Request is one request the fake received, and what it answered.
type Request struct {
	Path     string
	Key      string // Idempotency-Key
	SigOK    bool   // X-Minsheng-Signature checked out
	Body     string
	Response int
	CaseID   string // the case id answered to a petition
	// Contract is why docs/backend-openapi.yaml does not describe the
	// request ("" when it does); the test has failed with it.
	Contract string
}

// NewFake starts a fake checking signatures with secret; it stops when
// the test ends.
func NewFake(t testing.TB, secret string) *Fake {
	f := &Fake{tb: t, secret: []byte(secret), taken: map[string]string{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

// FailNext makes the next n requests answer 500.
func (f *Fake) FailNext(n int) { f.mu.Lock(); f.failNext = n; f.mu.Unlock() }

// AnswerAll makes every request answer status (0: back to normal).
func (f *Fake) AnswerAll(status int) { f.mu.Lock(); f.status = status; f.mu.Unlock() }

// Hold calls fn with each request taken, before the answer goes out (a
// test may block in it, or kill something).
func (f *Fake) Hold(fn func(Request)) { f.mu.Lock(); f.hold = fn; f.mu.Unlock() }

// caseName is the n-th case id given: CASE-A … CASE-Z, then CASE-27 ….
func caseName(n int) string {
	if n < 26 {
		return "CASE-" + string(rune('A'+n))
	}
	return "CASE-" + strconv.Itoa(n+1)
}

func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	req := Request{Path: r.URL.Path, Key: r.Header.Get("Idempotency-Key"), Body: string(body),
		SigOK: intake.VerifySignature(f.secret, body, r.Header.Get(intake.SignatureHeader))}
	// The contract's paths are relative to backend.webhook.url, which may
	// have a path of its own (two backends on one fake: /a, /b).
	path := r.URL.EscapedPath()
	if i := strings.Index(path, "/petitions"); i > 0 {
		path = path[i:]
	}
	contract := contracttest.CheckWebhook(r.Method, path, r.Header, body)
	if contract != nil {
		req.Contract = contract.Error()
		f.tb.Errorf("webhooktest: the bot sent a request %s does not describe: %v\nbody: %s", contracttest.Document, contract, body)
	}
	f.mu.Lock()
	switch {
	case !req.SigOK:
		req.Response = http.StatusUnauthorized
	case errors.Is(contract, contracttest.ErrNoWebhook):
		req.Response = http.StatusNotFound
	case contract != nil:
		req.Response = http.StatusBadRequest
	case f.status != 0:
		req.Response = f.status
	case f.failNext > 0:
		f.failNext--
		req.Response = http.StatusInternalServerError
	default:
		req.Response = http.StatusOK
	}
	if req.Response == http.StatusOK && strings.HasSuffix(req.Path, "/petitions") {
		if id, ok := f.taken[req.Key]; ok {
			req.CaseID = id
		} else {
			req.CaseID = caseName(len(f.taken))
			f.taken[req.Key] = req.CaseID
		}
	}
	f.requests = append(f.requests, req)
	hold := f.hold
	f.mu.Unlock()
	if hold != nil && req.Response == http.StatusOK {
		hold(req)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(req.Response)
	switch {
	case req.CaseID != "":
		_ = json.NewEncoder(w).Encode(map[string]string{"case_id": req.CaseID})
	case req.Contract != "":
		_ = json.NewEncoder(w).Encode(map[string]string{"error": req.Contract})
	default:
		_, _ = io.WriteString(w, `{"error":"as configured"}`)
	}
}

// Requests are the requests so far, in order.
func (f *Fake) Requests() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Request(nil), f.requests...)
}

// Taken is how many distinct petitions (Idempotency-Keys) were taken.
func (f *Fake) Taken() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.taken)
}

// Petitions are the petitions taken, by case id: the first body posted
// under each key.
func (f *Fake) Petitions() map[string]intake.Petition {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]intake.Petition{}
	for _, r := range f.requests {
		if r.CaseID == "" {
			continue
		}
		if _, ok := out[r.CaseID]; ok {
			continue
		}
		var p intake.Petition
		if json.Unmarshal([]byte(r.Body), &p) == nil {
			out[r.CaseID] = p
		}
	}
	return out
}
