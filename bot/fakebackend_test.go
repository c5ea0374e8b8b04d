package bot

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/minsheng/minsheng/intake"
)

// fakeBackend is an office's case system speaking the webhook contract
// (DESIGN.md): it checks signatures, takes each Idempotency-Key once, and
// can be told to fail.
type fakeBackend struct {
	*httptest.Server
	secret []byte

	mu       sync.Mutex
	requests []backendRequest
	taken    map[string]string // idempotency key → case id
	failNext int               // answer 500 to this many requests
	status   int               // when set, answer this to every request
	hold     func(r backendRequest)
}

type backendRequest struct {
	Path     string
	Key      string
	SigOK    bool
	Body     string
	Response int
}

func newFakeBackend(t *testing.T, secret string) *fakeBackend {
	f := &fakeBackend{secret: []byte(secret), taken: map[string]string{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeBackend) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	req := backendRequest{Path: r.URL.Path, Key: r.Header.Get("Idempotency-Key"), Body: string(body),
		SigOK: intake.VerifySignature(f.secret, body, r.Header.Get(intake.SignatureHeader))}
	f.mu.Lock()
	switch {
	case !req.SigOK:
		req.Response = http.StatusUnauthorized
	case f.status != 0:
		req.Response = f.status
	case f.failNext > 0:
		f.failNext--
		req.Response = http.StatusInternalServerError
	default:
		req.Response = http.StatusOK
	}
	caseID := ""
	if req.Response == http.StatusOK && strings.HasSuffix(req.Path, "/petitions") {
		if id, ok := f.taken[req.Key]; ok {
			caseID = id
		} else {
			caseID = "CASE-" + string(rune('A'+len(f.taken)))
			f.taken[req.Key] = caseID
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
	if caseID != "" {
		_ = json.NewEncoder(w).Encode(map[string]string{"case_id": caseID})
	} else {
		_, _ = io.WriteString(w, `{"error":"as configured"}`)
	}
}

func (f *fakeBackend) snapshot() []backendRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]backendRequest(nil), f.requests...)
}

func (f *fakeBackend) distinctTaken() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.taken)
}
