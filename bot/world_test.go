package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/minsheng/minsheng/config"
	"github.com/minsheng/minsheng/dialog"
	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/outbox"
	"github.com/minsheng/minsheng/intake/queue"
	"github.com/minsheng/minsheng/intake/queue/redistest"
	"github.com/minsheng/minsheng/internal/contracttest"
	"github.com/redis/go-redis/v9"
)

// world is the whole runtime on a real Redis: pipeline, outbox to a
// backend, send queue to a recording channel, the events endpoint.
type world struct {
	t       *testing.T
	cfg     config.Config
	clk     *clock
	rt      *Runtime
	store   *Store
	p       *Pipeline
	box     *outbox.Outbox
	sq      *SendQueue
	srv     *httptest.Server
	secret  string
	mu      sync.Mutex
	sent    []Outbound
	stopped bool
	// noHandover: run does not start the handover worker (a test runs
	// its own).
	noHandover bool
}

type worldOptions struct {
	backend  intake.Backend
	clock    *clock // nil: real time
	attempts int
	// configure adjusts the configuration before the runtime is built.
	configure func(*config.Config)
	onCluster bool // on the test Redis Cluster (skipped when there is none)
	// noHandover: run leaves the handover stream to the test.
	noHandover bool
	// log takes the runtime's log as JSON lines (nil: none).
	log io.Writer
}

func newWorld(t *testing.T, o worldOptions) *world {
	t.Helper()
	var rdb redis.UniversalClient
	var prefix string
	if o.onCluster {
		rdb, prefix = redistest.Cluster(t)
	} else {
		rdb, prefix = redistest.Client(t)
	}
	w := &world{t: t, cfg: config.Default(), secret: "s3cret", noHandover: o.noHandover}
	w.cfg.Backend.Webhook.Secret = w.secret
	dir := t.TempDir()
	w.cfg.Backend.File.Path, w.cfg.Backend.Journal = dir+"/petitions.jsonl", dir+"/cases.jsonl"
	w.cfg.Redis.Spool = dir + "/spool"
	if o.clock == nil {
		// On the real clock a test must not depend on the hour: quiet
		// hours (22:00–07:00 by default) would hold its status and survey
		// messages at night. Tests of quiet hours use a fake clock.
		w.cfg.QuietHours = config.QuietHours{}
	}
	if o.configure != nil {
		o.configure(&w.cfg)
	}
	now := time.Now
	if o.clock != nil {
		w.clk, now = o.clock, o.clock.Now
	}
	answerEach := time.Duration(0)
	logger := quietLog()
	if o.log != nil {
		logger = slog.New(slog.NewJSONHandler(o.log, nil))
	}
	rt, err := NewRuntime(context.Background(), &w.cfg, logger, RuntimeOptions{
		Store: NewStore(rdb, prefix), Backend: o.backend, Now: now, Coalesce: &answerEach,
		Queue: queue.Options{Block: 50 * time.Millisecond, Poll: 20 * time.Millisecond,
			Backoff: func(int) time.Duration { return 30 * time.Millisecond }, MaxAttempts: o.attempts},
		WaitForPetition: 50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rt.Close)
	w.rt, w.store, w.p, w.sq = rt, rt.Store, rt.Pipeline, rt.SendQueue
	rt.Add(recorder{w})
	if o.backend != nil {
		w.box = rt.Outbox
		w.srv = httptest.NewServer(rt.Server.Handler())
		t.Cleanup(w.srv.Close)
	}
	return w
}

// recorder is the world's SMS channel: it records what was sent.
type recorder struct{ w *world }

func (r recorder) Name() string    { return ChannelSMS }
func (r recorder) Sender() Sender  { return r }
func (r recorder) Routes() []Route { return nil }
func (r recorder) Send(_ context.Context, m Outbound) error {
	r.w.mu.Lock()
	r.w.sent = append(r.w.sent, m)
	r.w.mu.Unlock()
	return nil
}

// run starts the workers until the test ends.
func (w *world) run() {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = w.sq.Run(ctx) }()
	if w.box != nil {
		wg.Add(1)
		go func() { defer wg.Done(); _ = w.box.Run(ctx) }()
	}
	if w.rt.calls != nil {
		wg.Add(1)
		go func() { defer wg.Done(); _ = w.rt.calls.Run(ctx) }()
	}
	if !w.noHandover {
		wg.Add(1)
		go func() { defer wg.Done(); _ = w.rt.handover.Run(ctx) }()
	}
	w.t.Cleanup(func() { cancel(); wg.Wait() })
}

func (w *world) say(text string) {
	w.t.Helper()
	w.sayAs("+8613912345678", text)
}

// sayAs sends text from another citizen.
func (w *world) sayAs(from, text string) {
	w.t.Helper()
	in := sms(from, text, "SM"+text+time.Now().String())
	if w.clk != nil {
		in.At = w.clk.Now()
	}
	if _, err := w.p.Handle(context.Background(), in); err != nil {
		w.t.Fatal(err)
	}
}

// texts are the templates sent to the citizen so far.
func (w *world) templates() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for _, m := range w.sent {
		out = append(out, m.Template)
	}
	return out
}

func (w *world) lastSent() Outbound {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.sent) == 0 {
		return Outbound{}
	}
	return w.sent[len(w.sent)-1]
}

// postEvent posts a status event, signed with sign (the world's secret
// unless another is given), and returns the status code.
func (w *world) postEvent(caseID string, ev map[string]any, sign string) int {
	w.t.Helper()
	body, _ := json.Marshal(ev)
	return w.postRaw(caseID, body, sign)
}

func (w *world) postRaw(caseID string, body []byte, sign string) int {
	w.t.Helper()
	code, _ := w.postRawAnswer(caseID, body, sign)
	return code
}

// postRawAnswer posts an event and returns the status and the answer,
// checked against the contract.
func (w *world) postRawAnswer(caseID string, body []byte, sign string) (int, []byte) {
	w.t.Helper()
	req, _ := http.NewRequest("POST", w.srv.URL+"/api/v1/cases/"+caseID+"/events", bytes.NewReader(body))
	if sign != "-" {
		if sign == "" {
			sign = w.secret
		}
		req.Header.Set(intake.SignatureHeader, intake.Sign([]byte(sign), body))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		w.t.Fatal(err)
	}
	if err := contracttest.CheckEventAnswer(req.URL.EscapedPath(), resp.StatusCode, resp.Header, answer); err != nil {
		w.t.Errorf("events endpoint: %v\nanswer: %s", err, answer)
	}
	return resp.StatusCode, answer
}

// state is the citizen's dialog state with the case ids noted since its
// last step, as staff tools see it.
func (w *world) state() dialog.State {
	w.t.Helper()
	st, err := w.p.State(context.Background(), "sms:+8613912345678")
	if err != nil {
		w.t.Fatal(err)
	}
	return st
}
