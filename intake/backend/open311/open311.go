// Package open311 is the case backend for city systems that speak Open311
// GeoReport v2 (https://wiki.open311.org/GeoReport_v2): a petition becomes a
// service request (POST requests.json) and its status is polled (GET
// requests.json).
//
// Limits of the protocol, and what is done about them:
//
//   - No idempotency key. GeoReport v2 has no field for one and no way to
//     look a request up by our id, so when a POST was taken but its answer
//     was lost (a timeout), the outbox's retry creates a second service
//     request. Dedupe is best-effort: the outbox persists the id (or token)
//     of every POST that answered, so an answered POST is never repeated,
//     and the description ends with our petition id ("民声编号 MS-…") so
//     staff can spot the rare duplicate.
//   - Tokens. A server may answer a POST with a token instead of an id while
//     it queues the request. Submit then returns the case id "token:<token>"
//     (TokenPrefix); ResolveToken turns it into the service_request_id, and
//     Statuses resolves such ids by itself, reporting events under the id it
//     was given, so the caller's bookkeeping does not depend on when the
//     server made up its mind.
//   - No supplements, no ratings. GeoReport v2 has no endpoint for either and
//     there is no common extension, so Supplement and Rate hand the record to
//     Options.Ledger (serve uses the file backend at backend.file.path), where
//     staff find the citizen's additions and survey answers.
//   - Two statuses. A request is only "open" or "closed"; see Statuses for
//     how they become the bot's statuses.
//   - A location on every request. GeoReport v2 requires lat & long,
//     address_string or address_id; a petition about a pension names no
//     place (the dialog rightly does not ask), so it goes with the
//     jurisdiction's default place (Options.DefaultAddress, DefaultLat,
//     DefaultLong) and its description says the citizen named none
//     (NoPlaceNote), instead of being refused into the dead letters.
package open311

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/backend"
)

// TokenPrefix marks a case id that is still a GeoReport token.
const TokenPrefix = "token:"

// MaxBatch is how many service_request_ids one status request carries, to
// keep the URL well below common server limits.
const MaxBatch = 50

// MaxDescription is GeoReport v2's limit on description, in characters.
const MaxDescription = 4000

// Options configure a Client.
type Options struct {
	Endpoint       string // base URL: {Endpoint}/requests.json
	APIKey         string // sent on POST only; GET needs none and URLs end up in logs
	JurisdictionID string // omitted when empty
	// ServiceCodes maps a category code (intake.Category.Code) to the
	// server's service_code; DefaultServiceCode serves categories not
	// listed. A petition with neither is refused for good.
	ServiceCodes       map[string]string
	DefaultServiceCode string
	Timeout            time.Duration  // per request; 0 = backend.DefaultTimeout
	Client             *http.Client   // copied with redirects turned off; nil = a new one
	Loc                *time.Location // zone of server timestamps that carry no offset; nil = UTC
	// Ledger takes the supplements and ratings GeoReport cannot carry.
	// Required: a citizen's words are never dropped.
	Ledger intake.Backend
	// DefaultAddress and DefaultLat/DefaultLong (both 0: none) are the
	// jurisdiction's place, sent for a petition whose citizen named none:
	// GeoReport v2 refuses a request without a location.
	DefaultAddress          string
	DefaultLat, DefaultLong float64
}

// NoPlaceNote ends the description of a petition sent with the default
// place: the citizen named none.
const NoPlaceNote = "（群众未说明地点，所填位置为本辖区默认位置）"

// Client talks GeoReport v2 to one endpoint. Safe for concurrent use.
type Client struct {
	base     string
	defAddr  string  // the default place (Options.DefaultAddress…)
	defLat   float64 // with defLong; both 0: none
	defLong  float64
	apiKey   string
	juris    string
	codes    map[string]string
	defCode  string
	timeout  time.Duration
	hc       *http.Client
	loc      *time.Location
	now      func() time.Time
	resolved sync.Map // token → service_request_id, once the server knows it
	ledger   intake.Backend
}

var _ intake.Backend = (*Client)(nil)

// New checks the options.
func New(opts Options) (*Client, error) {
	base, err := backend.BaseURL("open311: endpoint", opts.Endpoint)
	if err != nil {
		return nil, err
	}
	if opts.Timeout < 0 {
		return nil, fmt.Errorf("open311: negative timeout %v", opts.Timeout)
	}
	if opts.Ledger == nil {
		return nil, errors.New("open311: no ledger for the supplements and ratings GeoReport cannot carry")
	}
	opts.DefaultAddress = strings.TrimSpace(opts.DefaultAddress)
	if opts.DefaultAddress == "" && opts.DefaultLat == 0 && opts.DefaultLong == 0 {
		return nil, errors.New("open311: no default place (backend.open311.default_address or default_lat/default_long): GeoReport v2 refuses a petition that names none")
	}
	if !(opts.DefaultLat >= -90 && opts.DefaultLat <= 90 && opts.DefaultLong >= -180 && opts.DefaultLong <= 180) {
		return nil, fmt.Errorf("open311: default place %v, %v is not a WGS84 latitude and longitude", opts.DefaultLat, opts.DefaultLong)
	}
	c := &Client{
		base:    base,
		defAddr: opts.DefaultAddress,
		defLat:  opts.DefaultLat,
		defLong: opts.DefaultLong,
		apiKey:  opts.APIKey,
		juris:   opts.JurisdictionID,
		codes:   make(map[string]string, len(opts.ServiceCodes)),
		defCode: opts.DefaultServiceCode,
		timeout: opts.Timeout,
		hc:      backend.HTTPClient(opts.Client),
		loc:     opts.Loc,
		now:     time.Now,
		ledger:  opts.Ledger,
	}
	for k, v := range opts.ServiceCodes {
		c.codes[k] = v
	}
	if c.timeout == 0 {
		c.timeout = backend.DefaultTimeout
	}
	if c.loc == nil {
		c.loc = time.UTC
	}
	return c, nil
}

// Submit creates a service request and returns its service_request_id, or
// "token:<token>" when the server only handed out a token. The key is not
// sent: GeoReport v2 has nowhere to put it (see the package doc).
//
// Fields: service_code from the category, description (with our petition id
// appended), address_string from the location (none named: the default
// place, address_string and/or lat & long, and NoPlaceNote in the
// description), phone, first_name (not for anonymous citizens), media_url
// (the first image, else the first attachment). A 2xx that names neither an id nor a token is refused for good
// rather than retried: the request was probably created, and a retry would
// create another, so a person has to look (dead letter).
func (c *Client) Submit(ctx context.Context, p *intake.Petition, _ string) (string, error) {
	if p == nil || p.ID == "" {
		return "", fmt.Errorf("open311: %w", &intake.PermanentError{Body: "petition without id"})
	}
	op := "petition " + p.ID
	code := c.codes[p.Category.Code]
	if code == "" {
		code = c.defCode
	}
	if code == "" {
		return "", fmt.Errorf("open311 %s: %w", op, &intake.PermanentError{
			Body: fmt.Sprintf("no service code for category %q and no default", p.Category.Code)})
	}
	form := c.form(p, code)

	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/requests.json", strings.NewReader(form.Encode()))
	if err != nil {
		return "", fmt.Errorf("open311 %s: %w", op, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	body, status, err := c.do(req)
	if err != nil {
		return "", fmt.Errorf("open311 %s: %w", op, err)
	}
	var ans []struct {
		ID    flexString `json:"service_request_id"`
		Token flexString `json:"token"`
	}
	if err := decodeList(body, &ans); err == nil && len(ans) > 0 {
		switch {
		case ans[0].ID != "":
			return string(ans[0].ID), nil
		case ans[0].Token != "":
			return TokenPrefix + string(ans[0].Token), nil
		}
	}
	return "", fmt.Errorf("open311 %s: %w", op, &intake.PermanentError{
		Status: status,
		Body:   "taken without service_request_id or token; check the server before resending: " + backend.Shorten(string(body), backend.MaxErrorBody),
	})
}

func (c *Client) form(p *intake.Petition, code string) url.Values {
	f := url.Values{}
	set := func(k, v string) {
		if v = strings.TrimSpace(v); v != "" {
			f.Set(k, v)
		}
	}
	set("api_key", c.apiKey)
	set("jurisdiction_id", c.juris)
	f.Set("service_code", code)
	addr := strings.TrimSpace(p.Location.Text)
	if addr == "" {
		addr = strings.TrimSpace(p.Location.County + p.Location.Town)
	}
	noPlace := addr == ""
	set("description", description(p, noPlace))
	if noPlace {
		addr = c.defAddr
		if c.defLat != 0 || c.defLong != 0 {
			f.Set("lat", strconv.FormatFloat(c.defLat, 'f', -1, 64))
			f.Set("long", strconv.FormatFloat(c.defLong, 'f', -1, 64))
		}
	}
	set("address_string", addr)
	set("phone", p.Citizen.Phone)
	if !p.Citizen.Anonymous {
		set("first_name", p.Citizen.Name)
	}
	set("media_url", mediaURL(p.Attachments))
	return f
}

// description is the citizen's text with our reference appended (after
// NoPlaceNote when noPlace), cut to GeoReport's 4,000 characters without
// losing either.
func description(p *intake.Petition, noPlace bool) string {
	ref := "民声编号 " + p.ID
	if noPlace {
		ref = NoPlaceNote + "\n" + ref
	}
	text := strings.TrimSpace(p.Description)
	if text == "" {
		return ref
	}
	room := MaxDescription - utf8.RuneCountInString(ref) - 3 // "…\n\n"
	if utf8.RuneCountInString(text) > room {
		r := []rune(text)
		text = string(r[:max(room, 0)]) + "…"
	}
	return text + "\n\n" + ref
}

func mediaURL(as []intake.Attachment) string {
	for _, a := range as {
		if a.Kind == "image" && a.URL != "" {
			return a.URL
		}
	}
	for _, a := range as {
		if a.URL != "" {
			return a.URL
		}
	}
	return ""
}

// Supplement goes to the ledger: GeoReport v2 cannot receive it.
func (c *Client) Supplement(ctx context.Context, s *intake.Supplement, key string) error {
	return c.ledger.Supplement(ctx, s, key)
}

// Close closes the ledger when it holds a file.
func (c *Client) Close() error {
	if cl, ok := c.ledger.(io.Closer); ok {
		return cl.Close()
	}
	return nil
}

// Rate goes to the ledger, as Supplement does.
func (c *Client) Rate(ctx context.Context, r *intake.Rating, key string) error {
	return c.ledger.Rate(ctx, r, key)
}

// ResolveToken asks GET {endpoint}/tokens/{token}.json which service request
// a token became. ok is false while the server does not know yet. token may
// carry TokenPrefix. An error wrapping intake.ErrPermanent (such as a 404)
// means the server refuses the token; asking again will not help.
func (c *Client) ResolveToken(ctx context.Context, token string) (serviceRequestID string, ok bool, err error) {
	token = strings.TrimPrefix(token, TokenPrefix)
	if token == "" {
		return "", false, fmt.Errorf("open311: %w", &intake.PermanentError{Body: "empty token"})
	}
	if id, found := c.resolved.Load(token); found {
		return id.(string), true, nil
	}
	u := c.base + "/tokens/" + url.PathEscape(token) + ".json" + c.query(nil)
	body, err := c.get(ctx, u)
	if err != nil {
		return "", false, fmt.Errorf("open311 token %s: %w", token, err)
	}
	var ans []struct {
		ID flexString `json:"service_request_id"`
	}
	if err := decodeList(body, &ans); err != nil {
		return "", false, fmt.Errorf("open311 token %s: unreadable answer: %w", token, err)
	}
	for _, a := range ans {
		if a.ID != "" {
			c.resolved.Store(token, string(a.ID))
			return string(a.ID), true, nil
		}
	}
	return "", false, nil
}

// request is the part of a GeoReport service request that Statuses reads.
type request struct {
	ID      flexString `json:"service_request_id"`
	Status  flexString `json:"status"`
	Notes   flexString `json:"status_notes"`
	Agency  flexString `json:"agency_responsible"`
	Updated flexString `json:"updated_datetime"`
}

// Statuses fetches the current state of the given cases and returns one
// event per case the server reported, with CaseID as given. The caller keeps
// the last status it saw to find transitions.
//
// Ids go out in batches of MaxBatch. "token:" ids are resolved first (once
// per process); a token the server does not know yet gives no event.
// Events found are returned even when err is not nil, so one failing batch
// or token does not hide the others; err joins every failure.
//
// Mapping: "closed" → resolved (which starts the survey). "open" → assigned
// when agency_responsible names a unit (the citizen is told who handles
// it), else in_progress when there are status_notes (someone worked on it),
// else accepted. A status that is already one of the bot's (some servers
// extend the two) passes through; anything else counts as open.
// Unit = agency_responsible, Note = status_notes, At = updated_datetime
// (zero when missing or unreadable).
func (c *Client) Statuses(ctx context.Context, ids []string) ([]intake.StatusEvent, error) {
	var errs []error
	asked := map[string][]string{} // service_request_id → case ids as given
	var order []string
	for _, id := range ids {
		srid := id
		if strings.HasPrefix(id, TokenPrefix) {
			r, ok, err := c.ResolveToken(ctx, id)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if !ok {
				continue
			}
			srid = r
		}
		if srid == "" || slices.Contains(asked[srid], id) {
			continue
		}
		if _, seen := asked[srid]; !seen {
			order = append(order, srid)
		}
		asked[srid] = append(asked[srid], id)
	}

	var events []intake.StatusEvent
	for batch := range slices.Chunk(order, MaxBatch) {
		if err := ctx.Err(); err != nil {
			errs = append(errs, fmt.Errorf("open311 statuses: %w", err))
			break
		}
		reqs, err := c.fetch(ctx, batch)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, r := range reqs {
			ev := intake.StatusEvent{
				Status: mapStatus(string(r.Status), string(r.Agency), string(r.Notes)),
				Unit:   string(r.Agency),
				Note:   string(r.Notes),
				At:     c.parseTime(string(r.Updated)),
			}
			for _, caseID := range asked[string(r.ID)] {
				ev.CaseID = caseID
				events = append(events, ev)
			}
		}
	}
	return events, errors.Join(errs...)
}

func (c *Client) fetch(ctx context.Context, ids []string) ([]request, error) {
	u := c.base + "/requests.json" + c.query(url.Values{"service_request_id": {strings.Join(ids, ",")}})
	body, err := c.get(ctx, u)
	if err != nil {
		return nil, fmt.Errorf("open311 statuses of %d requests: %w", len(ids), err)
	}
	var reqs []request
	if err := decodeList(body, &reqs); err != nil {
		return nil, fmt.Errorf("open311 statuses of %d requests: unreadable answer: %w", len(ids), err)
	}
	return reqs, nil
}

var botStatuses = []string{
	intake.StatusAccepted, intake.StatusAssigned, intake.StatusContacted, intake.StatusInProgress,
	intake.StatusResolved, intake.StatusReopened, intake.StatusClosed,
}

func mapStatus(status, agency, notes string) string {
	s := strings.ToLower(strings.TrimSpace(status))
	switch {
	case s == "closed":
		return intake.StatusResolved
	case s != "open" && slices.Contains(botStatuses, s):
		return s
	case strings.TrimSpace(agency) != "":
		return intake.StatusAssigned
	case strings.TrimSpace(notes) != "":
		return intake.StatusInProgress
	default:
		return intake.StatusAccepted
	}
}

// timeLayouts are the ISO 8601 shapes GeoReport servers are seen to send.
// Fractional seconds are accepted by time.Parse after the seconds field
// without being in the layout.
var timeLayouts = []string{
	time.RFC3339,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05Z07",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05Z0700",
}

// zoneless layouts are read in Options.Loc.
var zonelessLayouts = []string{
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
}

func (c *Client) parseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t
		}
	}
	for _, l := range zonelessLayouts {
		if t, err := time.ParseInLocation(l, s, c.loc); err == nil {
			return t
		}
	}
	return time.Time{}
}

// query encodes v plus jurisdiction_id, with the leading "?".
func (c *Client) query(v url.Values) string {
	if v == nil {
		v = url.Values{}
	}
	if c.juris != "" {
		v.Set("jurisdiction_id", c.juris)
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

func (c *Client) get(ctx context.Context, u string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	body, _, err := c.do(req)
	return body, err
}

// do sends req and returns the answer of a 2xx, or the classified error with
// the server's error descriptions in it.
func (c *Client) do(req *http.Request) (body []byte, status int, err error) {
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "minsheng/1")
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	// A read error is ignored: on a 2xx the status is what counts (the
	// callers then find the answer unreadable), otherwise the part read is
	// enough for the error.
	body, _ = backend.ReadBody(resp.Body)
	if err := backend.Classify(resp, body, errorDescription(body), c.now()); err != nil {
		return nil, resp.StatusCode, err
	}
	return body, resp.StatusCode, nil
}

// errorDescription reads GeoReport's [{"code":400,"description":"…"}].
func errorDescription(body []byte) string {
	var errs []struct {
		Code        flexString `json:"code"`
		Description flexString `json:"description"`
	}
	if decodeList(body, &errs) != nil {
		return ""
	}
	var parts []string
	for _, e := range errs {
		if e.Description == "" {
			continue
		}
		if e.Code != "" {
			parts = append(parts, string(e.Code)+" "+string(e.Description))
		} else {
			parts = append(parts, string(e.Description))
		}
	}
	return strings.Join(parts, "; ")
}

// decodeList decodes a JSON array into *[]T, accepting a lone object as a
// one-element list since some servers drop the array around one result.
func decodeList[T any](body []byte, out *[]T) error {
	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] == '{' {
		var one T
		if err := json.Unmarshal(body, &one); err != nil {
			return err
		}
		*out = []T{one}
		return nil
	}
	return json.Unmarshal(body, out)
}

// flexString reads a JSON string, number or null: servers differ on whether
// ids and codes are numbers.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*f = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(strings.TrimSpace(s))
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("want a string or number, got %s", b)
		}
		*f = flexString(n.String())
	}
	return nil
}
