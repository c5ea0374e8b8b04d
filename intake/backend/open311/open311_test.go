package open311

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/backend"
	"github.com/minsheng/minsheng/intake/backend/file"
)

var cst = time.FixedZone("CST", 8*3600)

// fakeServer speaks enough GeoReport v2: it records form posts and status
// queries, answers POSTs with the scripted answer, serves requests it knows
// and tokens it has resolved.
type fakeServer struct {
	mu        sync.Mutex
	posts     []url.Values
	postCT    []string
	queries   []url.Values // GET requests.json
	tokenGets []string     // escaped paths of GET tokens/…
	answer    func(w http.ResponseWriter)
	requests  map[string]map[string]any // service_request_id → request
	tokens    map[string]string         // token → service_request_id ("" = pending)
	failBatch string                    // an id whose batch gets a 500
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/v2/requests.json":
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		f.posts = append(f.posts, r.PostForm)
		f.postCT = append(f.postCT, r.Header.Get("Content-Type"))
		// GeoReport v2, POST Service Request, required arguments: "A full
		// location parameter must be submitted. One of lat & long or
		// address_string or address_id".
		if loc := r.PostForm; loc.Get("address_string") == "" && loc.Get("address_id") == "" && (loc.Get("lat") == "" || loc.Get("long") == "") {
			w.WriteHeader(400)
			fmt.Fprint(w, `[{"code":400,"description":"A full location parameter must be submitted: lat & long, address_string or address_id"}]`)
			return
		}
		f.answer(w)
	case r.Method == http.MethodGet && r.URL.Path == "/v2/requests.json":
		q := r.URL.Query()
		f.queries = append(f.queries, q)
		ids := strings.Split(q.Get("service_request_id"), ",")
		if f.failBatch != "" && slices.Contains(ids, f.failBatch) {
			w.WriteHeader(500)
			fmt.Fprint(w, `[{"code":500,"description":"database down"}]`)
			return
		}
		out := []map[string]any{}
		for _, id := range ids {
			if req, ok := f.requests[id]; ok {
				out = append(out, req)
			}
		}
		json.NewEncoder(w).Encode(out)
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/v2/tokens/"):
		f.tokenGets = append(f.tokenGets, r.URL.EscapedPath())
		tok := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/v2/tokens/"), ".json")
		id, ok := f.tokens[tok]
		if !ok {
			w.WriteHeader(404)
			fmt.Fprint(w, `[{"code":404,"description":"token not found"}]`)
			return
		}
		fmt.Fprintf(w, `[{"service_request_id":%q,"token":%q}]`, id, tok)
	default:
		http.NotFound(w, r)
	}
}

func answer(status int, body string, hdr ...string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		for i := 0; i+1 < len(hdr); i += 2 {
			w.Header().Set(hdr[i], hdr[i+1])
		}
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}
}

func setup(t *testing.T, opts Options) (*Client, *fakeServer) {
	t.Helper()
	f := &fakeServer{
		answer:   answer(201, `[{"service_request_id":"638344","service_notice":""}]`),
		requests: map[string]map[string]any{},
		tokens:   map[string]string{},
	}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	opts.Endpoint = srv.URL + "/v2/"
	if opts.DefaultAddress == "" && opts.DefaultLat == 0 && opts.DefaultLong == 0 {
		opts.DefaultAddress = "安徽省亳州市人民政府"
	}
	if opts.ServiceCodes == nil {
		opts.ServiceCodes = map[string]string{"urban": "001", "traffic": "002"}
	}
	if opts.Ledger == nil {
		opts.Ledger = ledger(t)
	}
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c, f
}

func petition() *intake.Petition {
	return &intake.Petition{
		SchemaVersion: 1, ID: "MS-20260311-K7Q2P", ReceivedAt: time.Date(2026, 3, 11, 14, 5, 0, 0, cst),
		Citizen:     intake.Citizen{Phone: "+8613912345678", Name: "王女士"},
		Description: "小区门口路灯坏了三个月",
		Location:    intake.Location{Text: "谯城区汤陵街道某某小区", County: "谯城区", Town: "汤陵街道"},
		Category:    intake.Category{Code: "urban", Name: "城乡建设"},
		Attachments: []intake.Attachment{{Kind: "audio", URL: "https://m/1.amr"}, {Kind: "image", URL: "https://m/2.jpg"}},
	}
}

func TestSubmitForm(t *testing.T) {
	tests := []struct {
		name   string
		opts   Options
		edit   func(p *intake.Petition)
		want   map[string]string // expected form values; "" = must be absent
		wantCT string
	}{
		{
			name: "all fields",
			opts: Options{APIKey: "k3y", JurisdictionID: "bozhou.gov.cn"},
			want: map[string]string{
				"api_key": "k3y", "jurisdiction_id": "bozhou.gov.cn", "service_code": "001",
				"description":    "小区门口路灯坏了三个月\n\n民声编号 MS-20260311-K7Q2P",
				"address_string": "谯城区汤陵街道某某小区", "phone": "+8613912345678", "first_name": "王女士",
				"media_url": "https://m/2.jpg", // the first image, before the audio
				"lat":       "", "long": "",    // the default place is for petitions without one
			},
		},
		{
			name: "no jurisdiction, no key",
			want: map[string]string{"api_key": "", "jurisdiction_id": "", "service_code": "001"},
		},
		{
			name: "anonymous: no name, phone kept",
			edit: func(p *intake.Petition) { p.Citizen.Anonymous = true },
			want: map[string]string{"first_name": "", "phone": "+8613912345678"},
		},
		{
			name: "address from county and town",
			edit: func(p *intake.Petition) { p.Location.Text = " " },
			want: map[string]string{"address_string": "谯城区汤陵街道"},
		},
		{
			// A pension question names no place, and the dialog rightly
			// does not ask for one; GeoReport refuses a request without a
			// location, so the jurisdiction's default goes, and the
			// description says the citizen gave none.
			name: "no location: the default place, and the note",
			opts: Options{DefaultAddress: "亳州市人民政府", DefaultLat: 33.844592, DefaultLong: 115.778676},
			edit: func(p *intake.Petition) {
				p.Location, p.Attachments, p.Description = intake.Location{}, nil, "我的养老金这个月没有到账"
			},
			want: map[string]string{
				"address_string": "亳州市人民政府", "lat": "33.844592", "long": "115.778676", "media_url": "",
				"description": "我的养老金这个月没有到账\n\n" + NoPlaceNote + "\n民声编号 MS-20260311-K7Q2P",
			},
		},
		{
			name: "no location, a default of coordinates only",
			opts: Options{DefaultLat: 33.844592, DefaultLong: 115.778676},
			edit: func(p *intake.Petition) { p.Location = intake.Location{} },
			want: map[string]string{"address_string": "", "lat": "33.844592", "long": "115.778676"},
		},
		{
			name: "first attachment when no image",
			edit: func(p *intake.Petition) { p.Attachments = p.Attachments[:1] },
			want: map[string]string{"media_url": "https://m/1.amr"},
		},
		{
			name: "other category mapped",
			edit: func(p *intake.Petition) { p.Category.Code = "traffic" },
			want: map[string]string{"service_code": "002"},
		},
		{
			name: "unmapped category takes the default",
			opts: Options{DefaultServiceCode: "999"},
			edit: func(p *intake.Petition) { p.Category.Code = "wages" },
			want: map[string]string{"service_code": "999"},
		},
		{
			name: "empty description is our reference",
			edit: func(p *intake.Petition) { p.Description = "" },
			want: map[string]string{"description": "民声编号 MS-20260311-K7Q2P"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, f := setup(t, tt.opts)
			p := petition()
			if tt.edit != nil {
				tt.edit(p)
			}
			id, err := c.Submit(context.Background(), p, "ignored-key")
			if err != nil || id != "638344" {
				t.Fatalf("Submit = %q, %v", id, err)
			}
			if len(f.posts) != 1 {
				t.Fatalf("%d posts", len(f.posts))
			}
			if ct := f.postCT[0]; ct != "application/x-www-form-urlencoded" {
				t.Errorf("Content-Type %q", ct)
			}
			form := f.posts[0]
			for k, want := range tt.want {
				if want == "" {
					if _, ok := form[k]; ok {
						t.Errorf("%s = %q, want absent", k, form.Get(k))
					}
				} else if got := form.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
		})
	}
}

// A long description without a place keeps both the note and the reference.
func TestLongDescriptionWithoutAPlaceKeepsTheNote(t *testing.T) {
	c, f := setup(t, Options{})
	p := petition()
	p.Location, p.Description = intake.Location{}, strings.Repeat("养", 5000)
	if _, err := c.Submit(context.Background(), p, ""); err != nil {
		t.Fatal(err)
	}
	d := f.posts[0].Get("description")
	if n := utf8.RuneCountInString(d); n > MaxDescription || !strings.HasSuffix(d, "…\n\n"+NoPlaceNote+"\n民声编号 MS-20260311-K7Q2P") {
		t.Errorf("description of %d characters ends %q", n, string([]rune(d)[utf8.RuneCountInString(d)-40:]))
	}
}

func TestLongDescriptionKeepsReference(t *testing.T) {
	c, f := setup(t, Options{})
	p := petition()
	p.Description = strings.Repeat("路", 5000)
	if _, err := c.Submit(context.Background(), p, ""); err != nil {
		t.Fatal(err)
	}
	d := f.posts[0].Get("description")
	if n := utf8.RuneCountInString(d); n > MaxDescription {
		t.Errorf("description is %d characters, limit %d", n, MaxDescription)
	}
	if !strings.HasSuffix(d, "…\n\n民声编号 MS-20260311-K7Q2P") {
		t.Errorf("description ends %q, want the cut mark and our reference", d[len(d)-60:])
	}
}

func TestSubmitWithoutServiceCodeIsPermanent(t *testing.T) {
	c, f := setup(t, Options{})
	p := petition()
	p.Category.Code = "wages"
	_, err := c.Submit(context.Background(), p, "")
	if !errors.Is(err, intake.ErrPermanent) || !strings.Contains(err.Error(), `"wages"`) {
		t.Errorf("err = %v, want a permanent error naming the category", err)
	}
	if len(f.posts) != 0 {
		t.Error("posted a request without a service code")
	}
}

func TestSubmitAnswers(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		body      string
		hdr       []string
		wantID    string
		permanent bool
		retry     time.Duration
		mention   string
	}{
		{name: "id", status: 201, body: `[{"service_request_id":"293944","service_notice":"","account_id":null}]`, wantID: "293944"},
		{name: "numeric id", status: 200, body: `[{"service_request_id":293944}]`, wantID: "293944"},
		{name: "lone object", status: 200, body: `{"service_request_id":"77"}`, wantID: "77"},
		{name: "token only", status: 201, body: `[{"token":"12345"}]`, wantID: "token:12345"},
		{name: "id wins over token", status: 201, body: `[{"service_request_id":"9","token":"12345"}]`, wantID: "9"},
		{name: "empty list", status: 201, body: `[]`, permanent: true, mention: "taken without service_request_id"},
		{name: "not JSON", status: 200, body: `<html>ok</html>`, permanent: true, mention: "<html>"},
		{name: "bad service code", status: 400, body: `[{"code":400,"description":"service_code 001 not found"}]`, permanent: true, mention: "400 service_code 001 not found"},
		{name: "bad key", status: 403, body: `[{"code":403,"description":"Invalid api_key"}]`, permanent: true, mention: "Invalid api_key"},
		{name: "several errors", status: 400, body: `[{"code":"400","description":"a"},{"code":400,"description":"b"}]`, permanent: true, mention: "400 a; 400 b"},
		{name: "server error", status: 500, body: `[{"code":500,"description":"database down"}]`, mention: "database down"},
		{name: "html 502 from a proxy", status: 502, body: `<html>Bad Gateway</html>`, mention: "Bad Gateway"},
		{name: "rate limited", status: 429, body: `[]`, hdr: []string{"Retry-After", "60"}, retry: time.Minute},
		{name: "conflict is retried", status: 409, body: `[{"code":409,"description":"busy"}]`, mention: "busy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, f := setup(t, Options{})
			f.answer = answer(tt.status, tt.body, tt.hdr...)
			id, err := c.Submit(context.Background(), petition(), "")
			if tt.wantID != "" {
				if err != nil || id != tt.wantID {
					t.Fatalf("Submit = %q, %v; want %q", id, err, tt.wantID)
				}
				return
			}
			if err == nil {
				t.Fatalf("Submit = %q, nil; want an error", id)
			}
			if got := errors.Is(err, intake.ErrPermanent); got != tt.permanent {
				t.Errorf("permanent = %v, want %v: %v", got, tt.permanent, err)
			}
			if !strings.HasPrefix(err.Error(), "open311 petition MS-20260311-K7Q2P: ") {
				t.Errorf("error %q lacks context", err)
			}
			if tt.mention != "" && !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("error %q does not mention %q", err, tt.mention)
			}
			if d, ok := backend.RetryAfter(err); ok != (tt.retry != 0) || d != tt.retry {
				t.Errorf("RetryAfter = %v, %v; want %v", d, ok, tt.retry)
			}
		})
	}
}

// ledger is a file backend in a temporary folder.
func ledger(t *testing.T) *file.Backend {
	t.Helper()
	l, err := file.New(file.Options{Path: filepath.Join(t.TempDir(), "ledger.jsonl")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// GeoReport cannot carry supplements and ratings: they go to the ledger,
// never to the server, and are never dropped.
func TestSupplementAndRateGoToTheLedger(t *testing.T) {
	l := ledger(t)
	c, f := setup(t, Options{Ledger: l})
	ctx := context.Background()
	if err := c.Supplement(ctx, &intake.Supplement{PetitionID: "P", CaseID: "638344", Text: "灯杆也歪了"}, "k1"); err != nil {
		t.Errorf("Supplement = %v", err)
	}
	if err := c.Rate(ctx, &intake.Rating{PetitionID: "P", CaseID: "638344", Rating: "unsatisfied", Comment: "还是不亮"}, "k2"); err != nil {
		t.Errorf("Rate = %v", err)
	}
	if len(f.posts)+len(f.queries) != 0 {
		t.Error("a request was sent")
	}
	b, err := os.ReadFile(l.Path())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"type":"supplement"`, "灯杆也歪了", `"type":"rating"`, `"rating":"unsatisfied"`, "还是不亮", `"case_id":"638344"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("ledger lacks %s:\n%s", want, b)
		}
	}
}

func TestResolveToken(t *testing.T) {
	c, f := setup(t, Options{JurisdictionID: "bozhou.gov.cn"})
	ctx := context.Background()
	f.tokens["12345"] = ""

	if id, ok, err := c.ResolveToken(ctx, "token:12345"); err != nil || ok || id != "" {
		t.Errorf("pending token = %q, %v, %v; want not yet", id, ok, err)
	}
	f.mu.Lock()
	f.tokens["12345"] = "638344"
	f.mu.Unlock()
	for i := 0; i < 2; i++ {
		if id, ok, err := c.ResolveToken(ctx, "12345"); err != nil || !ok || id != "638344" {
			t.Errorf("resolved token = %q, %v, %v", id, ok, err)
		}
	}
	if n := len(f.tokenGets); n != 2 {
		t.Errorf("%d token requests, want 2 (a resolved token is remembered)", n)
	}
	if _, _, err := c.ResolveToken(ctx, "nope/../x"); !errors.Is(err, intake.ErrPermanent) || !strings.Contains(err.Error(), "token not found") {
		t.Errorf("unknown token: %v, want permanent 'token not found'", err)
	}
	if got := f.tokenGets[len(f.tokenGets)-1]; got != "/v2/tokens/nope%2F..%2Fx.json" {
		t.Errorf("token path %q, want the token escaped", got)
	}
	if _, _, err := c.ResolveToken(ctx, "token:"); !errors.Is(err, intake.ErrPermanent) {
		t.Errorf("empty token: %v", err)
	}
}

func TestStatusMapping(t *testing.T) {
	c, f := setup(t, Options{})
	f.requests = map[string]map[string]any{
		"1": {"service_request_id": "1", "status": "open", "updated_datetime": "2026-03-11T14:05:00+08:00"},
		"2": {"service_request_id": 2, "status": "open", "agency_responsible": "市住建局", "status_notes": nil, "updated_datetime": "2026-03-12T09:00:00Z"},
		"3": {"service_request_id": "3", "status": "open", "status_notes": "已联系群众", "updated_datetime": "2026-03-12T09:00:00.250-0500"},
		"4": {"service_request_id": "4", "status": "closed", "agency_responsible": "市住建局", "status_notes": "已修复", "updated_datetime": "2026-03-13 10:00:00"},
		"5": {"service_request_id": "5", "status": "CLOSED"},
		"6": {"service_request_id": "6", "status": "in_progress", "updated_datetime": "garbage"},
		"7": {"service_request_id": "7", "status": "acknowledged"},
	}
	events, err := c.Statuses(context.Background(), []string{"1", "2", "3", "4", "5", "6", "7", "404"})
	if err != nil {
		t.Fatal(err)
	}
	type ev struct{ status, unit, note string }
	want := map[string]ev{
		"1": {intake.StatusAccepted, "", ""},
		"2": {intake.StatusAssigned, "市住建局", ""},
		"3": {intake.StatusInProgress, "", "已联系群众"},
		"4": {intake.StatusResolved, "市住建局", "已修复"},
		"5": {intake.StatusResolved, "", ""},
		"6": {intake.StatusInProgress, "", ""},
		"7": {intake.StatusAccepted, "", ""},
	}
	wantAt := map[string]time.Time{
		"1": time.Date(2026, 3, 11, 14, 5, 0, 0, cst),
		"2": time.Date(2026, 3, 12, 9, 0, 0, 0, time.UTC),
		"3": time.Date(2026, 3, 12, 14, 0, 0, 250e6, time.UTC),
		"4": time.Date(2026, 3, 13, 10, 0, 0, 0, time.UTC), // no offset: Options.Loc, UTC by default
	}
	if len(events) != len(want) {
		t.Fatalf("%d events, want %d (none for an unknown id): %+v", len(events), len(want), events)
	}
	for _, e := range events {
		w, ok := want[e.CaseID]
		if !ok {
			t.Errorf("unexpected event %+v", e)
			continue
		}
		if (ev{e.Status, e.Unit, e.Note}) != w {
			t.Errorf("%s: got %s/%q/%q, want %s/%q/%q", e.CaseID, e.Status, e.Unit, e.Note, w.status, w.unit, w.note)
		}
		if !e.At.Equal(wantAt[e.CaseID]) {
			t.Errorf("%s: At = %v, want %v", e.CaseID, e.At, wantAt[e.CaseID])
		}
	}
}

func TestZonelessTimesUseLoc(t *testing.T) {
	c, f := setup(t, Options{Loc: cst})
	f.requests["4"] = map[string]any{"service_request_id": "4", "status": "closed", "updated_datetime": "2026-03-13T10:00:00"}
	events, err := c.Statuses(context.Background(), []string{"4"})
	if err != nil || len(events) != 1 {
		t.Fatalf("Statuses = %v, %v", events, err)
	}
	if want := time.Date(2026, 3, 13, 10, 0, 0, 0, cst); !events[0].At.Equal(want) {
		t.Errorf("At = %v, want %v", events[0].At, want)
	}
}

func TestStatusesBatchesAndTokens(t *testing.T) {
	c, f := setup(t, Options{JurisdictionID: "bozhou.gov.cn"})
	var ids []string
	for i := 0; i < 120; i++ {
		id := fmt.Sprint(1000 + i)
		ids = append(ids, id)
		f.requests[id] = map[string]any{"service_request_id": id, "status": "open"}
	}
	ids = append(ids, "1000")                             // a repeat is asked once
	ids = append(ids, "token:T1", "token:T2", "token:T3") // resolved, pending, unknown
	f.tokens["T1"] = "2000"
	f.tokens["T2"] = ""
	f.requests["2000"] = map[string]any{"service_request_id": "2000", "status": "closed"}

	events, err := c.Statuses(context.Background(), ids)
	if err == nil || !strings.Contains(err.Error(), "T3") || !errors.Is(err, intake.ErrPermanent) {
		t.Errorf("err = %v, want the unknown token T3 reported", err)
	}
	if len(events) != 121 {
		t.Fatalf("%d events, want 121 (120 ids + the resolved token)", len(events))
	}
	var tokenEvent *intake.StatusEvent
	for i := range events {
		if events[i].CaseID == "token:T1" {
			tokenEvent = &events[i]
		}
	}
	if tokenEvent == nil || tokenEvent.Status != intake.StatusResolved {
		t.Errorf("token:T1 event = %+v, want resolved under the id it was given", tokenEvent)
	}
	sizes := []int{}
	for _, q := range f.queries {
		n := len(strings.Split(q.Get("service_request_id"), ","))
		if n > MaxBatch {
			t.Errorf("a batch of %d ids", n)
		}
		if q.Get("jurisdiction_id") != "bozhou.gov.cn" {
			t.Errorf("query without jurisdiction_id: %v", q)
		}
		if q.Has("api_key") {
			t.Error("api_key sent in a URL")
		}
		sizes = append(sizes, n)
	}
	if !slices.Equal(sizes, []int{50, 50, 21}) {
		t.Errorf("batch sizes %v, want [50 50 21]", sizes)
	}
}

func TestStatusesPartialFailure(t *testing.T) {
	c, f := setup(t, Options{})
	var ids []string
	for i := 0; i < 60; i++ {
		id := fmt.Sprint(i)
		ids = append(ids, id)
		f.requests[id] = map[string]any{"service_request_id": id, "status": "closed"}
	}
	f.failBatch = "0" // the first batch (ids 0..49) fails
	events, err := c.Statuses(context.Background(), ids)
	if err == nil || !strings.Contains(err.Error(), "database down") || errors.Is(err, intake.ErrPermanent) {
		t.Errorf("err = %v, want the retryable 500 reported", err)
	}
	if len(events) != 10 {
		t.Errorf("%d events, want the 10 of the batch that answered", len(events))
	}
}

func TestNewValidates(t *testing.T) {
	l := ledger(t)
	for _, tt := range []struct {
		opts Options
		ok   bool
	}{
		{Options{Endpoint: "https://311.example.org/v2", Ledger: l, DefaultAddress: "亳州市人民政府"}, true},
		{Options{Endpoint: "https://311.example.org/v2", Ledger: l, DefaultLat: 33.84, DefaultLong: 115.78}, true},
		{Options{Endpoint: "https://311.example.org/v2", DefaultAddress: "亳州市人民政府"}, false}, // nowhere for ratings
		{Options{Endpoint: "https://311.example.org/v2", Ledger: l}, false},                 // no place for a petition without one
		{Options{Endpoint: "https://311.example.org/v2", Ledger: l, DefaultAddress: " "}, false},
		{Options{Endpoint: "https://311.example.org/v2", Ledger: l, DefaultLat: 133.84, DefaultLong: 115.78}, false},
		{Options{Endpoint: "", Ledger: l, DefaultAddress: "亳州市人民政府"}, false},
		{Options{Endpoint: "311.example.org/v2", Ledger: l, DefaultAddress: "亳州市人民政府"}, false},
		{Options{Endpoint: "https://311.example.org/v2?x=1", Ledger: l, DefaultAddress: "亳州市人民政府"}, false},
		{Options{Endpoint: "https://311.example.org", Timeout: -1, Ledger: l, DefaultAddress: "亳州市人民政府"}, false},
	} {
		if _, err := New(tt.opts); (err == nil) != tt.ok {
			t.Errorf("New(%+v) = %v, want ok=%v", tt.opts, err, tt.ok)
		}
	}
	codes := map[string]string{"urban": "001"}
	c, _ := New(Options{Endpoint: "https://x", ServiceCodes: codes, Ledger: l, DefaultAddress: "亳州市人民政府"})
	codes["urban"] = "changed"
	if c.codes["urban"] != "001" {
		t.Error("New kept a reference to the caller's map")
	}
}
