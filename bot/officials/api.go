package officials

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// API is the admin HTTP API of the officials, behind http.admin_token:
//
//	GET  /api/v1/officials/{number}/availability
//	PUT  /api/v1/officials/{number}/availability   {"state":"busy","until":"…","reason":"开会"} | {"state":"available"}
//	GET  /api/v1/officials/{number}/callbacks      (?all=1: with the items done)
//	POST /api/v1/officials/{number}/callbacks/{item}/done
//
// 401 without the token or with a wrong one (compared in constant time;
// with no token configured, every call), 404 for a number that is no
// official's or an unknown item, 400 with a one-line reason for a bad body.
type API struct {
	office *Office
	token  []byte
	// OnDone hears each item marked done (已回电) through the API, for the
	// audit trail (nil: none).
	OnDone func(r *http.Request, number string, it Item)
}

// NewAPI serves office behind token.
func NewAPI(office *Office, token string) *API { return &API{office: office, token: []byte(token)} }

// Routes are the API's ServeMux patterns and handlers.
func (a *API) Routes() map[string]http.Handler {
	return map[string]http.Handler{
		"GET /api/v1/officials/{number}/availability":           a.auth(a.getAvailability),
		"PUT /api/v1/officials/{number}/availability":           a.auth(a.putAvailability),
		"GET /api/v1/officials/{number}/callbacks":              a.auth(a.getCallbacks),
		"POST /api/v1/officials/{number}/callbacks/{item}/done": a.auth(a.postDone),
	}
}

func (a *API) auth(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if len(a.token) == 0 || !ok || subtle.ConstantTimeCompare([]byte(got), a.token) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="minsheng"`)
			fail(w, http.StatusUnauthorized, "missing or wrong Authorization: Bearer <http.admin_token>")
			return
		}
		if _, known := a.office.Lookup(r.PathValue("number")); !known {
			fail(w, http.StatusNotFound, "no official has the number "+r.PathValue("number"))
			return
		}
		h(w, r)
	})
}

func (a *API) getAvailability(w http.ResponseWriter, r *http.Request) {
	st, err := a.office.State(r.Context(), r.PathValue("number"))
	if err != nil {
		fail(w, http.StatusServiceUnavailable, "store unavailable, retry")
		return
	}
	reply(w, st)
}

// availabilityBody is the PUT's body.
type availabilityBody struct {
	State  string `json:"state"`
	Until  string `json:"until"`
	Reason string `json:"reason"`
}

func (a *API) putAvailability(w http.ResponseWriter, r *http.Request) {
	var b availabilityBody
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		fail(w, http.StatusRequestEntityTooLarge, "body too large")
		return
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		fail(w, http.StatusBadRequest, "malformed JSON: "+strings.Join(strings.Fields(err.Error()), " "))
		return
	}
	number := r.PathValue("number")
	var st State
	switch b.State {
	case Busy:
		var until time.Time
		if b.Until != "" {
			if until, err = time.Parse(time.RFC3339, b.Until); err != nil {
				fail(w, http.StatusBadRequest, fmt.Sprintf("until %q is not an RFC 3339 time like 2026-11-30T16:30:00+08:00", b.Until))
				return
			}
		}
		st, err = a.office.SetBusy(r.Context(), number, until, b.Reason)
	case Available:
		st, err = a.office.SetAvailable(r.Context(), number)
	default:
		fail(w, http.StatusBadRequest, fmt.Sprintf("state %q is not busy or available (off hours come from officials[].schedule)", b.State))
		return
	}
	switch {
	case errors.Is(err, ErrBadRequest):
		fail(w, http.StatusBadRequest, err.Error())
	case err != nil:
		fail(w, http.StatusServiceUnavailable, "store unavailable, retry")
	default:
		reply(w, st)
	}
}

// apiItem is an item as the API shows it: the number masked, and a link
// to call it.
type apiItem struct {
	ID        string    `json:"id"`
	Citizen   string    `json:"citizen"`
	Call      string    `json:"call,omitempty"`
	Name      string    `json:"name,omitempty"`
	At        time.Time `json:"at"`
	Case      string    `json:"case"`
	Summary   string    `json:"summary,omitempty"`
	Reasons   []string  `json:"reasons"`
	ContactBy time.Time `json:"contact_by"`
	DueSoon   bool      `json:"due_soon"`
	State     string    `json:"state"`
	DoneBy    string    `json:"done_by,omitempty"`
	DoneAt    time.Time `json:"done_at,omitzero"`
}

func view(it Item, now time.Time) apiItem {
	v := apiItem{ID: it.ID, Citizen: mask(it.Phone), Name: it.Name, At: it.At, Case: it.PetitionID, Summary: it.Summary,
		Reasons: it.Reasons, ContactBy: it.ContactBy, DueSoon: it.DueSoon(now), State: it.State, DoneBy: it.DoneBy, DoneAt: it.DoneAt}
	if it.Phone != "" {
		v.Call = "tel:" + it.Phone
	}
	if v.Case == "" {
		v.Case = "未形成诉求"
	}
	return v
}

func (a *API) getCallbacks(w http.ResponseWriter, r *http.Request) {
	items, err := a.office.Items(r.Context(), r.PathValue("number"), r.URL.Query().Get("all") == "", "")
	if err != nil {
		fail(w, http.StatusServiceUnavailable, "store unavailable, retry")
		return
	}
	now := a.office.now()
	out := make([]apiItem, 0, len(items))
	for _, it := range items {
		out = append(out, view(it, now))
	}
	reply(w, map[string]any{"official": r.PathValue("number"), "items": out})
}

func (a *API) postDone(w http.ResponseWriter, r *http.Request) {
	it, err := a.office.MarkDone(r.Context(), r.PathValue("number"), r.PathValue("item"), "api")
	switch {
	case errors.Is(err, ErrNoItem):
		fail(w, http.StatusNotFound, "no call-back item "+r.PathValue("item"))
	case err != nil:
		fail(w, http.StatusServiceUnavailable, "store unavailable, retry")
	default:
		if a.OnDone != nil {
			a.OnDone(r, r.PathValue("number"), it)
		}
		reply(w, view(it, a.office.now()))
	}
}

func reply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func fail(w http.ResponseWriter, status int, reason string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, reason+"\n")
}
