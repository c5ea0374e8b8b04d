package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/outbox"
)

// CaseLookup finds the petition and the citizen's conversation of a backend
// case id (the outbox stored them when the backend took the petition).
type CaseLookup interface {
	Lookup(ctx context.Context, caseID string) (outbox.Delivered, bool, error)
}

// Events receives the case backend's status changes:
// POST /api/v1/cases/{case_id}/events, signed with X-Minsheng-Signature.
type Events struct {
	secret   []byte
	cases    CaseLookup
	pipeline *Pipeline
	spool    *Spooled // nil: no spool, a store failure is answered 503
	log      *slog.Logger
}

// NewEvents builds the handler; an empty secret refuses every event (the
// endpoint is closed until backend.webhook.secret is set: the secret
// authenticates the events, whatever backend.kind; with the file backend
// too, whose office posts its statuses here).
func NewEvents(secret string, cases CaseLookup, p *Pipeline, log *slog.Logger) *Events {
	return &Events{secret: []byte(secret), cases: cases, pipeline: p, log: log}
}

var knownStatus = map[string]bool{
	intake.StatusAccepted: true, intake.StatusAssigned: true, intake.StatusContacted: true,
	intake.StatusInProgress: true, intake.StatusResolved: true, intake.StatusReopened: true, intake.StatusClosed: true,
}

// eventBody is the JSON the backend posts.
type eventBody struct {
	Status  string          `json:"status"`
	Unit    string          `json:"unit"`
	Handler *intake.Handler `json:"handler"`
	Note    string          `json:"note"`
	At      string          `json:"at"`
}

func (h *Events) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, ok := ReadBody(w, r)
	if !ok {
		return
	}
	if len(h.secret) == 0 {
		h.log.Warn("status event refused: backend.webhook.secret is not set", "case", r.PathValue("case_id"))
		Error(w, http.StatusForbidden, closedReason)
		return
	}
	if !intake.VerifySignature(h.secret, body, r.Header.Get(intake.SignatureHeader)) {
		Error(w, http.StatusForbidden, "bad or missing "+intake.SignatureHeader)
		return
	}
	caseID := r.PathValue("case_id")
	ev, err := parseEvent(body, caseID)
	if err != nil {
		Error(w, http.StatusBadRequest, err.Error())
		return
	}
	d, found, err := h.cases.Lookup(r.Context(), caseID)
	if errors.Is(err, outbox.ErrRecording) {
		h.log.Warn("status event for a case still being recorded", "case", caseID)
		h.spoolOr503(w, caseID, ev, "case "+caseID+" is being recorded, retry in a moment")
		return
	}
	if err != nil {
		h.log.Error("case lookup failed", "case", caseID, "err", err)
		h.spoolOr503(w, caseID, ev, "case store unavailable, retry later")
		return
	}
	if !found {
		Error(w, http.StatusNotFound, "unknown case "+caseID)
		return
	}
	res, err := h.pipeline.Status(r.Context(), d, ev)
	if err != nil {
		h.log.Error("status event not recorded", "case", caseID, "err", err)
		h.spoolOr503(w, caseID, ev, "could not record the event, retry later")
		return
	}
	answer := map[string]string{"case_id": caseID, "petition_id": d.PetitionID, "result": "recorded"}
	if res.Duplicate {
		answer["result"] = "duplicate"
	}
	if !res.HeldUntil.IsZero() {
		// quiet hours hold the citizen's message: say until when
		answer["held_until"] = res.HeldUntil.In(h.pipeline.loc).Format(time.RFC3339)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(answer)
}

// closedReason is the refusal of every event while no secret is set: what
// to set, whatever backend.kind.
const closedReason = "status events are refused: backend.webhook.secret is not set. Set it (or MINSHENG_BACKEND_WEBHOOK_SECRET) " +
	"to the key the case system signs X-Minsheng-Signature with, with backend.kind file too, and restart serve"

// spoolOr503 keeps an event the store could not take in the local spool
// (202, result "spooled"), or answers 503 so the backend retries.
func (h *Events) spoolOr503(w http.ResponseWriter, caseID string, ev intake.StatusEvent, reason string) {
	if h.spool == nil {
		Error(w, http.StatusServiceUnavailable, reason)
		return
	}
	if err := h.spool.spoolEvent(caseID, ev); err != nil {
		h.log.Error("status event not spooled", "case", caseID, "err", err)
		Error(w, http.StatusServiceUnavailable, reason)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_ = json.NewEncoder(w).Encode(map[string]string{"case_id": caseID, "result": "spooled"})
}

// parseEvent validates the event; the error is the one-line reason for 400.
func parseEvent(body []byte, caseID string) (intake.StatusEvent, error) {
	var b eventBody
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return intake.StatusEvent{}, fmt.Errorf("malformed JSON: %s", oneLine(err.Error()))
	}
	if dec.More() {
		return intake.StatusEvent{}, fmt.Errorf("malformed JSON: more than one object")
	}
	if strings.TrimSpace(caseID) == "" {
		return intake.StatusEvent{}, fmt.Errorf("case_id missing in the path")
	}
	if !knownStatus[b.Status] {
		return intake.StatusEvent{}, fmt.Errorf("status %q is not one of accepted, assigned, contacted, in_progress, resolved, reopened, closed", b.Status)
	}
	if b.At == "" {
		return intake.StatusEvent{}, fmt.Errorf("at is required (RFC 3339 time of the change)")
	}
	at, err := time.Parse(time.RFC3339, b.At)
	if err != nil {
		return intake.StatusEvent{}, fmt.Errorf("at %q is not an RFC 3339 time like 2026-03-12T09:30:00+08:00", b.At)
	}
	ev := intake.StatusEvent{CaseID: caseID, Status: b.Status, Unit: b.Unit, Note: b.Note, At: at}
	if b.Handler != nil {
		ev.Handler = *b.Handler
	}
	if b.Status == intake.StatusAssigned && ev.Unit == "" {
		return intake.StatusEvent{}, fmt.Errorf("assigned needs unit: the citizen must learn who handles the case")
	}
	return ev, nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
