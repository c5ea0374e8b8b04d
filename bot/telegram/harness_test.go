package telegram_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/minsheng/minsheng/bot"
	"github.com/minsheng/minsheng/bot/telegram"
	"github.com/minsheng/minsheng/bot/telegram/telegramtest"
	"github.com/minsheng/minsheng/config"
	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/backend/webhook/webhooktest"
	"github.com/minsheng/minsheng/intake/queue"
	"github.com/minsheng/minsheng/intake/queue/redistest"
	"github.com/redis/go-redis/v9"
)

const (
	token     = "123456:TESTtoken"
	secret    = "webhook-secret-1"
	publicURL = "https://hotline.example.org"
	group     = int64(-100777)
	staffID   = int64(4242)
	citizenID = int64(9001)
	// webhookSecret signs the requests to a webhooktest fake backend.
	webhookSecret = "hooksecret"
)

// harness is the real runtime on the real Redis with the Telegram channel
// on a fake Bot API: pipeline, dialog, send queue, outbox to the file
// backend, scheduler, and the channel's poller or webhook.
type harness struct {
	tb      testing.TB
	cfg     config.Config
	rt      *bot.Runtime
	ch      *telegram.Channel
	fake    *telegramtest.Fake
	srv     *httptest.Server
	path    string // the file backend's petitions
	cancel  context.CancelFunc
	stopped chan struct{}
}

type harnessOptions struct {
	mode  string  // polling (default) | webhook
	staff []int64 // telegram.staff_users
	fake  *telegramtest.Fake
	store *bot.Store // share one with another replica
	// smsFrom turns status messages of group petitions with a phone into SMS.
	smsFrom string
	// officials are configured (会后联系).
	officials []config.Official
	// requestTimeout bounds one Bot API call (default the channel's 15 s);
	// probeSettle is the channel's ProbeSettle; claimIdle the queue's
	// takeover (default 60 s).
	requestTimeout, probeSettle, claimIdle time.Duration
	// redisPrefix and apiURL, when set, join another process's store and
	// fake (a worker in a child process).
	redisPrefix, apiURL string
	// webhook, when set, is the case backend (backend.kind webhook)
	// instead of the file backend.
	webhook *webhooktest.Fake
}

func newHarness(tb testing.TB, o harnessOptions) *harness {
	tb.Helper()
	if o.fake == nil && o.apiURL == "" {
		o.fake = telegramtest.NewFake(tb, token)
		o.fake.SetHold(50 * time.Millisecond)
	}
	if o.apiURL == "" {
		o.apiURL = o.fake.URL
	}
	switch {
	case o.redisPrefix != "":
		o.store = bot.NewStore(redis.NewClient(redistest.Options()), o.redisPrefix)
	case o.store == nil:
		rdb, prefix := redistest.Client(tb)
		o.store = bot.NewStore(rdb, prefix)
	}
	var client *http.Client
	if o.requestTimeout > 0 {
		client = &http.Client{Timeout: o.requestTimeout}
	}
	h := &harness{tb: tb, cfg: config.Default(), fake: o.fake}
	dir := tb.TempDir()
	h.path = filepath.Join(dir, "petitions.jsonl")
	h.cfg.Backend.File.Path, h.cfg.Backend.Journal = h.path, filepath.Join(dir, "cases.jsonl")
	h.cfg.Redis.Spool = filepath.Join(dir, "spool")
	h.cfg.QuietHours.Start, h.cfg.QuietHours.End = "", ""
	h.cfg.Officials = o.officials
	if o.webhook != nil {
		h.cfg.Backend.Kind = "webhook"
		h.cfg.Backend.Webhook.URL, h.cfg.Backend.Webhook.Secret = o.webhook.URL, webhookSecret
	}
	answerEach := time.Duration(0)
	rt, err := bot.NewRuntime(context.Background(), &h.cfg, quietLog(), bot.RuntimeOptions{
		Store: o.store, Coalesce: &answerEach, WaitForPetition: 50 * time.Millisecond,
		Queue: queue.Options{Block: 50 * time.Millisecond, Poll: 20 * time.Millisecond, ClaimIdle: o.claimIdle,
			Backoff: func(int) time.Duration { return 50 * time.Millisecond }},
	})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(rt.Close)
	h.rt = rt
	ch, err := telegram.New(context.Background(), telegram.Options{
		Token: token, APIURL: o.apiURL, Mode: o.mode, HTTPClient: client, ProbeSettle: o.probeSettle, WebhookSecret: secret, PublicURL: publicURL,
		IntakeChats: []int64{group}, StaffUsers: o.staff, SMSFrom: o.smsFrom,
		ForwardWindow: 300 * time.Millisecond, PollTimeout: time.Second, LeaseTTL: 3 * time.Second,
	}, rt.Env())
	if err != nil {
		tb.Fatal(err)
	}
	h.ch = ch
	rt.Add(ch)
	h.srv = httptest.NewServer(rt.Server.Handler())
	tb.Cleanup(h.srv.Close)
	return h
}

// start runs the workers and the channel until the test ends (or stop).
func (h *harness) start() {
	ctx, cancel := context.WithCancel(context.Background())
	wait := h.rt.Run(ctx, 20*time.Millisecond)
	h.cancel, h.stopped = cancel, make(chan struct{})
	go func() { wait(); close(h.stopped) }()
	h.tb.Cleanup(h.stop)
}

// stop stops the workers and the channel, as a replica that goes away.
func (h *harness) stop() {
	if h.cancel != nil {
		h.cancel()
		<-h.stopped
		h.cancel = nil
	}
}

// petitions are the petitions in the file backend.
func (h *harness) petitions() []intake.Petition {
	h.tb.Helper()
	f, err := os.Open(h.path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		h.tb.Fatal(err)
	}
	defer f.Close()
	var out []intake.Petition
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var p intake.Petition
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			h.tb.Fatal(err)
		}
		if p.Type == "petition" {
			out = append(out, p)
		}
	}
	return out
}

// lines are every record in the file backend, as maps.
func (h *harness) lines() []map[string]any {
	h.tb.Helper()
	b, err := os.ReadFile(h.path)
	if err != nil {
		return nil
	}
	var out []map[string]any
	sc := bufio.NewScanner(bytesReader(b))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err == nil {
			out = append(out, m)
		}
	}
	return out
}

// drained waits until the send queue and the outbox are empty.
func (h *harness) drained() {
	h.tb.Helper()
	if err := h.rt.Drain(context.Background(), 15*time.Second); err != nil {
		h.tb.Fatal(err)
	}
}

// get is a GET of path on the runtime's server: the status and the body.
func (h *harness) get(path string) (int, string) {
	h.tb.Helper()
	resp, err := http.Get(h.srv.URL + path)
	if err != nil {
		h.tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
