package bot

import (
	"bytes"
	"context"
	"encoding/json"
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
)

// world is the whole runtime on a real Redis: pipeline, outbox to a
// backend, send queue to a recording channel, the events endpoint.
type world struct {
	t       *testing.T
	cfg     config.Config
	clk     *clock
	store   *Store
	p       *Pipeline
	box     *outbox.Outbox
	sq      *SendQueue
	srv     *httptest.Server
	secret  string
	mu      sync.Mutex
	sent    []Outbound
	stopped bool
}

type worldOptions struct {
	backend  intake.Backend
	clock    *clock // nil: real time
	attempts int
}

func newWorld(t *testing.T, o worldOptions) *world {
	t.Helper()
	rdb, prefix := redistest.Client(t)
	w := &world{t: t, cfg: config.Default(), store: NewStore(rdb, prefix), secret: "s3cret"}
	now := time.Now
	if o.clock != nil {
		w.clk, now = o.clock, o.clock.Now
	}
	q, _ := dialog.ParseQuietHours(w.cfg.QuietHours.Start, w.cfg.QuietHours.End)
	set := dialog.Settings{Location: w.cfg.Location(), SupplementWindow: 30 * time.Minute, IdleSubmitAfter: 30 * time.Minute,
		DedupWindow: 72 * time.Hour, FloodMax: 20, Quiet: q,
		Notify:            map[string]bool{intake.StatusAssigned: true, intake.StatusResolved: true},
		SurveyRemindAfter: 24 * time.Hour, SurveyExpireAfter: 72 * time.Hour}
	w.p = NewPipeline(w.store, dialog.New(set, nil), &w.cfg, NewMetrics(), quietLog(), PipelineOptions{Now: now, Flood: w.cfg.Flood})
	fast := queue.Options{Block: 50 * time.Millisecond, Poll: 20 * time.Millisecond, Now: now,
		Backoff: func(int) time.Duration { return 30 * time.Millisecond }, MaxAttempts: o.attempts, Logger: quietLog()}
	w.sq = NewSendQueue(rdb, prefix, NewMetrics(), quietLog(), fast)
	w.sq.Register(ChannelSMS, SenderFunc(func(ctx context.Context, m Outbound) error {
		w.mu.Lock()
		w.sent = append(w.sent, m)
		w.mu.Unlock()
		return nil
	}))
	if o.backend != nil {
		w.box = outbox.New(rdb, prefix, o.backend, fast)
		w.box.OnDelivered = func(ctx context.Context, d outbox.Delivered) {
			_ = w.p.Delivered(ctx, d.Conversation, d.PetitionID, d.CaseID)
		}
		srv := NewServer(w.store, NewMetrics(), quietLog())
		srv.Handle("POST /api/v1/cases/{case_id}/events", NewEvents(w.secret, w.box, w.p, quietLog()))
		w.srv = httptest.NewServer(srv.Handler())
		t.Cleanup(w.srv.Close)
	}
	return w
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
	w.t.Cleanup(func() { cancel(); wg.Wait() })
}

func (w *world) say(text string) {
	w.t.Helper()
	in := sms("+8613912345678", text, "SM"+text+time.Now().String())
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
	resp.Body.Close()
	return resp.StatusCode
}

func (w *world) state() dialog.State {
	return loadRecord(w.t, w.store, "sms:+8613912345678").Dialog
}
