package bot

import (
	"context"
	"encoding/json"
	"github.com/minsheng/minsheng/internal/testwait"
	"net/http"
	"net/http/httptest"
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
	posted []string // descriptions
	status string   // open | closed
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
		f.posted = append(f.posted, r.Form.Get("description"))
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
	client, err := open311.New(open311.Options{Endpoint: f.URL, APIKey: "key", DefaultServiceCode: "001", Timeout: 2 * time.Second, Ledger: ledger})
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
