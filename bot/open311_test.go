package bot

import (
	"context"
	"encoding/json"
	"github.com/minsheng/minsheng/internal/testwait"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minsheng/minsheng/config"
	"github.com/minsheng/minsheng/intake/backend/file"
	"github.com/minsheng/minsheng/intake/backend/open311"
)

// fakeOpen311 is a GeoReport v2 server: it takes requests and reports the
// status it is told to.
type fakeOpen311 struct {
	*httptest.Server
	mu     sync.Mutex
	posted []string     // descriptions
	forms  []url.Values // the requests taken
	status string       // open | closed
	notes  string
}

func newFakeOpen311(t *testing.T) *fakeOpen311 {
	f := &fakeOpen311{status: "open"}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /requests.json", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		f.mu.Lock()
		defer f.mu.Unlock()
		if r.Form.Get("api_key") != "key" || r.Form.Get("service_code") == "" {
			w.WriteHeader(400)
			_, _ = w.Write([]byte(`[{"code":400,"description":"api_key or service_code missing"}]`))
			return
		}
		// GeoReport v2: "A full location parameter must be submitted".
		if loc := r.Form; loc.Get("address_string") == "" && loc.Get("address_id") == "" && (loc.Get("lat") == "" || loc.Get("long") == "") {
			w.WriteHeader(400)
			_, _ = w.Write([]byte(`[{"code":400,"description":"A full location parameter must be submitted"}]`))
			return
		}
		f.posted = append(f.posted, r.Form.Get("description"))
		f.forms = append(f.forms, r.Form)
		_, _ = w.Write([]byte(`[{"service_request_id":"311-1"}]`))
	})
	mux.HandleFunc("GET /requests.json", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		if r.URL.Query().Get("service_request_id") != "311-1" {
			_, _ = w.Write([]byte(`[]`))
			return
		}
		_ = json.NewEncoder(w).Encode([]map[string]string{{
			"service_request_id": "311-1", "status": f.status, "status_notes": f.notes,
			"agency_responsible": "谯城区住建局", "updated_datetime": time.Now().Format(time.RFC3339),
		}})
	})
	f.Server = httptest.NewServer(mux)
	t.Cleanup(f.Close)
	return f
}

func TestOpen311SubmitThenPolledClosedStartsSurvey(t *testing.T) { testOpen311Survey(t, false) }

// On Redis Cluster the poller's bookkeeping keys live in different slots:
// recording a status must not need them in one transaction (CROSSSLOT).
func TestOpen311PolledClosedStartsSurveyOnRedisCluster(t *testing.T) { testOpen311Survey(t, true) }

func testOpen311Survey(t *testing.T, onCluster bool) {
	f := newFakeOpen311(t)
	ledger, err := file.New(file.Options{Path: filepath.Join(t.TempDir(), "ledger.jsonl")})
	if err != nil {
		t.Fatal(err)
	}
	defer ledger.Close()
	client, err := open311.New(open311.Options{Endpoint: f.URL, APIKey: "key", DefaultServiceCode: "001", Timeout: 2 * time.Second, Ledger: ledger,
		DefaultAddress: "亳州市人民政府"})
	if err != nil {
		t.Fatal(err)
	}
	w := newWorld(t, worldOptions{backend: client, onCluster: onCluster, configure: func(c *config.Config) { c.Backend.Kind = "open311" }})
	poller := w.rt.poller // the runtime tracks each case the backend took
	w.run()
	w.say("幸福小区3号楼门口的路灯坏了一个月了")
	testwait.For(t, "case id from Open311", func() bool {
		st := w.state()
		return len(st.Cases) == 1 && st.Cases[0].CaseID == "311-1"
	})
	ctx := context.Background()
	if n, err := poller.Poll(ctx); err != nil || n != 1 {
		t.Fatalf("first poll: %d %v", n, err)
	}
	if n, _ := poller.Poll(ctx); n != 0 {
		t.Errorf("an unchanged status was applied again: %d", n)
	}
	f.mu.Lock()
	f.status, f.notes = "closed", "已更换灯具"
	f.mu.Unlock()
	if n, err := poller.Poll(ctx); err != nil || n != 1 {
		t.Fatalf("poll after closing: %d %v", n, err)
	}
	testwait.For(t, "survey", func() bool { return w.lastSent().Template == "survey" })
	// The citizen sees the number their receipt gave, not the backend's.
	if id := w.state().Cases[0].ID; !strings.Contains(w.lastSent().Text, id) || strings.Contains(w.lastSent().Text, "311-1") {
		t.Errorf("survey %q, want %s", w.lastSent().Text, id)
	}
	// GeoReport has no place for the answer: it lands in the ledger, at once.
	w.say("3")
	testwait.For(t, "the rating in the ledger", func() bool {
		b, _ := os.ReadFile(ledger.Path())
		return strings.Contains(string(b), `"rating":"unsatisfied"`) && strings.Contains(string(b), `"case_id":"311-1"`)
	})
	if ids, _ := w.store.Redis.SMembers(ctx, poller.openKey()).Result(); len(ids) != 0 {
		t.Errorf("a closed case is still polled: %v", ids)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.posted) != 1 || !strings.Contains(f.posted[0], "路灯") {
		t.Errorf("posted %q", f.posted)
	}
}

// Issue 23: a petition without a place (a pension question, which the
// dialog rightly files without asking where) was refused by the GeoReport
// server (400: no location) and became a dead letter. Now it reaches the
// server with the jurisdiction's default place, the description saying
// the citizen named none, through the runtime's own backend from the
// configuration.
func TestOpen311PetitionWithoutAPlaceIsDelivered(t *testing.T) {
	f := newFakeOpen311(t)
	w := newWorld(t, worldOptions{configure: func(c *config.Config) {
		c.Backend.Kind = "open311"
		c.Backend.Open311 = config.Open311{Endpoint: f.URL, APIKey: "key", ServiceCodes: map[string]string{"labour": "007"},
			PollEvery: time.Minute, DefaultAddress: "亳州市人民政府", DefaultLat: 33.844592, DefaultLong: 115.778676}
	}})
	w.box = w.rt.Outbox
	w.run()
	w.say("我的养老金这个月没有到账，请帮忙查一下")
	ctx := context.Background()
	testwait.For(t, "the petition delivered or dead", func() bool {
		st, err := w.rt.Outbox.Queue().Stats(ctx)
		return err == nil && st.Dead > 0 || len(w.state().Cases) == 1 && w.state().Cases[0].CaseID == "311-1"
	})
	if st, err := w.rt.Outbox.Queue().Stats(ctx); err != nil || st.Dead != 0 {
		t.Fatalf("outbox %+v %v: an ordinary petition is a dead letter", st, err)
	}
	if tpl := w.templates(); len(tpl) != 1 || tpl[0] != "receipt" {
		t.Errorf("replies %v: the citizen is not asked where", tpl)
	}
	f.mu.Lock()
	form := f.forms[0]
	f.mu.Unlock()
	if form.Get("address_string") != "亳州市人民政府" || form.Get("lat") != "33.844592" || form.Get("long") != "115.778676" ||
		!strings.Contains(form.Get("description"), "养老金") || !strings.Contains(form.Get("description"), open311.NoPlaceNote) {
		t.Errorf("posted %v", form)
	}
}
