package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/outbox"
	"github.com/minsheng/minsheng/internal/contracttest"
)

// brokenCases is a case store that does not answer (Redis unreachable).
type brokenCases struct{}

func (brokenCases) Lookup(context.Context, string) (outbox.Delivered, bool, error) {
	return outbox.Delivered{}, false, errors.New("redis: connection refused")
}

// Every answer the events endpoint gives — 200 (recorded, duplicate), 202
// (spooled), 400, 403, 404, 413, 503 — is one docs/backend-openapi.yaml
// describes, status, Content-Type and body (kin-openapi's response
// validation; postRaw checks each answer, serve below the others).
func TestEventsAnswersFollowTheContract(t *testing.T) {
	w, _ := submittedWorld(t, nil)
	at := time.Date(2026, 3, 12, 9, 30, 0, 0, time.FixedZone("CST", 8*3600))
	good, _ := json.Marshal(event("assigned", at))
	seen := map[int]bool{}
	post := func(what, caseID string, body []byte, sign string, want int) {
		t.Helper()
		if got := w.postRaw(caseID, body, sign); got != want {
			t.Errorf("%s: %d, want %d", what, got, want)
		}
		seen[want] = true
	}
	post("recorded", "CASE-A", good, "", 200)
	post("duplicate", "CASE-A", good, "", 200)
	post("bad JSON", "CASE-A", []byte(`{"status":`), "", 400)
	post("bad signature", "CASE-A", good, "otherkey", 403)
	post("unknown case", "CASE-Z", good, "", 404)
	post("too big", "CASE-A", []byte(`{"note":"`+strings.Repeat("x", MaxBody)+`"}`), "", 413)

	// The case store unreachable: 503 without a spool, 202 with one.
	serve := func(what string, h *Events, want int) {
		t.Helper()
		path := "/api/v1/cases/CASE-A/events"
		req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(good))
		req.SetPathValue("case_id", "CASE-A")
		req.Header.Set(intake.SignatureHeader, intake.Sign([]byte(w.secret), good))
		rr := httptest.NewRecorder()
		h.ServeHTTP(rr, req)
		if rr.Code != want {
			t.Errorf("%s: %d %s, want %d", what, rr.Code, rr.Body, want)
		}
		if err := contracttest.CheckEventAnswer(path, rr.Code, rr.Header(), rr.Body.Bytes()); err != nil {
			t.Errorf("%s: %v\nanswer: %s", what, err, rr.Body)
		}
		seen[want] = true
	}
	serve("store down, no spool", NewEvents(w.secret, brokenCases{}, w.p, quietLog()), 503)
	if w.rt.spooled == nil {
		t.Fatal("no local spool with redis.spool set")
	}
	spooling := NewEvents(w.secret, brokenCases{}, w.p, quietLog())
	spooling.spool = w.rt.spooled
	serve("store down, spooled", spooling, 202)

	var got []int
	for s := range seen {
		got = append(got, s)
	}
	sort.Ints(got)
	if want := []int{200, 202, 400, 403, 404, 413, 503}; !slices.Equal(got, want) {
		t.Errorf("answers checked %v, want %v", got, want)
	}
}
