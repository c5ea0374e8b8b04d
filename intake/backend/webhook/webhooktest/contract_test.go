package webhooktest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/backend/webhook"
	"github.com/minsheng/minsheng/intake/backend/webhook/webhooktest"
	"github.com/minsheng/minsheng/internal/contracttest"
)

var t0 = time.Date(2026, 3, 11, 14, 5, 0, 0, time.FixedZone("CST", 8*3600))

// full is a petition with every field set, so that the body the client
// sends has every field the contract may be asked about.
func full() *intake.Petition {
	return &intake.Petition{
		SchemaVersion: 1, Type: "petition", CaseID: "MS-20260311-K7Q2P", ID: "MS-20260311-K7Q2P", ReceivedAt: t0, Channel: "telegram_group",
		Citizen:     intake.Citizen{Phone: "+8613912345678", Name: "李大爷", Anonymous: true, TelegramUser: 9001},
		ReportedBy:  &intake.Reporter{Name: "王网格员", TelegramUser: 4242, Chat: -100777, ChatTitle: "幸福小区业主群"},
		AddressedTo: intake.Addressee{Number: "+8613800000001", Name: "张三", Title: "区长"},
		Description: "幸福小区3号楼门口的路灯坏了一个月了 <晚上很黑> & 危险",
		Location:    intake.Location{Text: "幸福小区3号楼", County: "谯城区", Town: "汤陵街道"},
		Category:    intake.Category{Code: "urban", Name: "城乡建设", Confidence: 0.82, Subcategory: "市政设施"},
		Urgency:     intake.UrgencyUrgent,
		AppealType:  "help",
		Contacts:    []string{"+8613912345678"},
		Attachments: []intake.Attachment{{Kind: "image", URL: "https://example.org/a.jpg", Type: "image/jpeg", FileID: "AgAD"}},
		Transcript:  []intake.Turn{{At: t0, From: "citizen", Text: "路灯坏了"}},
		DuplicateOf: "MS-20260310-AAAAA",
		HotIssue:    &intake.HotIssue{ID: "hot-MS-20260310-BBBBB", Title: "幸福小区·路灯", Size: 3},
		Deadlines:   intake.Deadlines{AssignBy: t0.Add(24 * time.Hour), ContactBy: t0.Add(72 * time.Hour), ResolveBy: t0.Add(120 * time.Hour)},
		Flags:       []string{intake.FlagIncomplete, intake.FlagCallbackRequested, intake.FlagOfficialBusy, intake.FlagCategoryUncertain, intake.FlagEmergency},
	}
}

// zeroFields names the fields of v (a struct, through pointers and into
// nested structs and slices) left at their zero value.
func zeroFields(v reflect.Value, path string) []string {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return []string{path}
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			break
		}
		var out []string
		for i := 0; i < v.NumField(); i++ {
			out = append(out, zeroFields(v.Field(i), path+"."+v.Type().Field(i).Name)...)
		}
		return out
	case reflect.Slice:
		if v.Len() == 0 {
			return []string{path}
		}
		var out []string
		for i := 0; i < v.Len(); i++ {
			out = append(out, zeroFields(v.Index(i), path)...)
		}
		return out
	}
	if v.IsZero() {
		return []string{path}
	}
	return nil
}

// records are one record of each kind, every field set.
func records(t *testing.T) (*intake.Petition, *intake.Supplement, *intake.Rating, *intake.ReopenRequest) {
	t.Helper()
	p := full()
	s := &intake.Supplement{Type: "supplement", PetitionID: p.ID, CaseID: "CASE-A", Text: "又坏了一盏", At: t0.Add(time.Hour),
		Attachments: p.Attachments, Urgency: intake.UrgencyUrgent, Emergency: true}
	solved := true
	r := &intake.Rating{Type: "rating", PetitionID: p.ID, CaseID: "CASE-A", Rating: intake.RatingUnsatisfied, Comment: "路灯还是不亮",
		At: t0.Add(48 * time.Hour), RecordedBy: p.ReportedBy, Solved: &solved, Revisit: true}
	o := &intake.ReopenRequest{Type: "reopen_requested", PetitionID: p.ID, CaseID: "CASE-A", Reason: "路灯还是不亮", RequestedBy: "office", At: t0.Add(50 * time.Hour)}
	for name, v := range map[string]any{"Petition": p, "Supplement": s, "Rating": r, "ReopenRequest": o} {
		if z := zeroFields(reflect.ValueOf(v), name); len(z) > 0 {
			t.Fatalf("set every field of the test's records: %v are empty", z)
		}
	}
	return p, s, r, o
}

// recordingTB is a test that records its failures instead of failing.
type recordingTB struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, strings.TrimSpace(fmt.Sprintf(format, args...)))
}

func (r *recordingTB) failures() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errors...)
}

// Every request the webhook client makes, each record with every field
// set, is one docs/backend-openapi.yaml describes; the fake takes them.
func TestEveryRequestFollowsTheContract(t *testing.T) {
	f := webhooktest.NewFake(t, "hooksecret")
	c, err := webhook.New(webhook.Options{URL: f.URL, Secret: "hooksecret", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	p, s, r, o := records(t)
	ctx := context.Background()
	if _, err := c.Submit(ctx, p, p.ID); err != nil {
		t.Errorf("petition: %v", err)
	}
	if err := c.Supplement(ctx, s, "s1"); err != nil {
		t.Errorf("supplement: %v", err)
	}
	if err := c.Rate(ctx, r, "r1"); err != nil {
		t.Errorf("rating: %v", err)
	}
	if err := c.RequestReopen(ctx, o, "o1"); err != nil {
		t.Errorf("reopen request: %v", err)
	}
	var paths []string
	for _, req := range f.Requests() {
		paths = append(paths, req.Path)
		if req.Response != http.StatusOK || req.Contract != "" {
			t.Errorf("%s answered %d: %s", req.Path, req.Response, req.Contract)
		}
		if strings.HasSuffix(req.Path, "/rating") && !strings.Contains(req.Body, `"recorded_by":{"name":"王网格员"`) {
			t.Errorf("the rating staff recorded lost recorded_by: %s", req.Body)
		}
	}
	if want := "/petitions /petitions/MS-20260311-K7Q2P/supplements /petitions/MS-20260311-K7Q2P/rating /petitions/MS-20260311-K7Q2P/reopen_requests"; strings.Join(paths, " ") != want {
		t.Errorf("paths %v, want %s", paths, want)
	}
}

// A request gaining a field the document does not declare is refused by
// the validator (additionalProperties: false), at the top of a body and
// inside it, for every kind of request: the bodies are the client's own,
// with one field added.
func TestAnExtraFieldBreaksTheContract(t *testing.T) {
	f := webhooktest.NewFake(t, "hooksecret")
	c, err := webhook.New(webhook.Options{URL: f.URL, Secret: "hooksecret", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	p, s, r, o := records(t)
	ctx := context.Background()
	_, _ = c.Submit(ctx, p, p.ID)
	_ = c.Supplement(ctx, s, "s1")
	_ = c.Rate(ctx, r, "r1")
	_ = c.RequestReopen(ctx, o, "o1")
	reqs := f.Requests()
	if len(reqs) != 4 {
		t.Fatalf("%d requests, want 4", len(reqs))
	}
	// where to add the field in each body: "" is the top
	places := map[string][]string{
		"/petitions": {"", "citizen", "reported_by", "addressed_to", "location", "category", "attachments.0",
			"transcript.0", "hot_issue", "deadlines"},
		"/petitions/MS-20260311-K7Q2P/supplements":     {"", "attachments.0"},
		"/petitions/MS-20260311-K7Q2P/rating":          {"", "recorded_by"},
		"/petitions/MS-20260311-K7Q2P/reopen_requests": {""},
	}
	header := http.Header{}
	header.Set("Content-Type", "application/json")
	header.Set("Idempotency-Key", "k")
	header.Set("X-Minsheng-Signature", "sha256="+strings.Repeat("ab", 32))
	for _, req := range reqs {
		if err := contracttest.CheckWebhook("POST", req.Path, header, []byte(req.Body)); err != nil {
			t.Fatalf("the client's own %s: %v", req.Path, err)
		}
		if len(places[req.Path]) == 0 {
			t.Errorf("no place to try for %s", req.Path)
		}
		for _, at := range places[req.Path] {
			body := withField(t, req.Body, at, "shoe_size", 42)
			err := contracttest.CheckWebhook("POST", req.Path, header, body)
			if err == nil || !strings.Contains(err.Error(), "shoe_size") {
				t.Errorf("%s with shoe_size in %q: %v, want refused naming the field", req.Path, at, err)
			}
		}
	}

	// Through the fake: the request is answered 400, as a backend built
	// from the document would, and the test fails.
	rec := &recordingTB{TB: t}
	strict := webhooktest.NewFake(rec, "hooksecret")
	body := withField(t, reqs[2].Body, "", "stars", 5)
	req, _ := http.NewRequest("POST", strict.URL+reqs[2].Path, strings.NewReader(string(body)))
	req.Header = header.Clone()
	req.Header.Set("X-Minsheng-Signature", intake.Sign([]byte("hooksecret"), body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("the fake answered %d, want 400", resp.StatusCode)
	}
	if fs := rec.failures(); len(fs) != 1 || !strings.Contains(fs[0], "stars") {
		t.Errorf("the fake failed the test with %q, want one failure naming the field", fs)
	}
}

// withField adds name: value to the object at path (dot-separated keys and
// array indexes; "" the top) of the JSON body.
func withField(t *testing.T, body, path, name string, value any) []byte {
	t.Helper()
	var doc any
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	at := doc
	if path != "" {
		for _, k := range strings.Split(path, ".") {
			switch x := at.(type) {
			case map[string]any:
				at = x[k]
			case []any:
				at = x[int(k[0]-'0')]
			}
		}
	}
	obj, ok := at.(map[string]any)
	if !ok {
		t.Fatalf("%q is not an object in %s", path, body)
	}
	obj[name] = value
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
