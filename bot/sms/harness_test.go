package sms_test

import (
	"context"
	"encoding/json"
	"github.com/minsheng/minsheng/internal/testwait"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/minsheng/minsheng/bot"
	"github.com/minsheng/minsheng/bot/sms"
	"github.com/minsheng/minsheng/bot/sms/smstest"
	"github.com/minsheng/minsheng/config"
	"github.com/minsheng/minsheng/intake/outbox"
	"github.com/minsheng/minsheng/intake/queue"
	"github.com/minsheng/minsheng/intake/queue/redistest"
	"github.com/redis/go-redis/v9"
)

const (
	accountSID = "AC0123456789abcdef0123456789abcdef"
	authToken  = "authtoken0123456789abcdef"
	// publicURL is what Twilio calls; the server under test listens
	// elsewhere (httptest), as behind a proxy: signatures must be checked
	// over this, not over the local address.
	publicURL = "https://hotline.example.org"
	official  = "+8613800000001"
	citizen   = "+8613912345678"
	complaint = "谯城区汤陵街道幸福小区门口的路灯坏了一个月了，晚上很黑"
)

// harness is the real runtime on the real Redis: pipeline, send queue and
// the SMS channel behind bot.Server, with Twilio faked at the wire.
type harness struct {
	tb       testing.TB
	rdb      redis.UniversalClient
	prefix   string
	store    *bot.Store
	cfg      *config.Config
	metrics  *bot.Metrics
	pipeline *bot.Pipeline
	sendq    *bot.SendQueue
	channel  *sms.Channel
	fake     *smstest.Fake
	local    string       // where the server listens
	handler  http.Handler // the server's handler (benchmarks call it directly)
	rt       *bot.Runtime
	log      *slog.Logger
}

type harnessOptions struct {
	rate             float64 // sms.twilio.rate_per_second (default 1000: no waiting)
	messagingService string
	resendAfter      time.Duration // default: at once
	logTo            io.Writer     // the runtime's log (masked by bot.NewLogger)
	// channelLog, when set, gets the channel's own log through a plain
	// handler, to check the channel masks numbers itself.
	channelLog io.Writer
	// requestTimeout bounds one call to Twilio (default: the client's 15 s).
	requestTimeout time.Duration
	// lookupSettle is sms.Options.LookupSettle (default 300 ms: retries
	// after an ambiguous failure do not wait 30 s).
	lookupSettle time.Duration
	claimIdle    time.Duration // queue takeover (default the queue's 60 s)
	// redisPrefix and apiBase, when set, join another harness's store and
	// fake Twilio (a child process of a crash test).
	redisPrefix string
	apiBase     string
	// backendURL, when set, is a webhook backend (webhooktest) instead of
	// the file backend; coalesce is dialog.coalesce_window (default 0:
	// every message answered at once).
	backendURL, backendSecret string
	coalesce                  time.Duration
	// productionQueues: the queues' default timings (a benchmark's),
	// not the fast polling tests use.
	productionQueues bool
	// rdb, when set, is the client the runtime uses (a benchmark's,
	// counting round trips); prefix then names its keys.
	rdb redis.UniversalClient
	// configure adjusts the configuration before the runtime is built.
	configure func(*config.Config)
}

func newHarness(tb testing.TB, o harnessOptions) *harness {
	tb.Helper()
	var rdb redis.UniversalClient
	var prefix string
	switch {
	case o.rdb != nil:
		rdb, prefix = o.rdb, o.redisPrefix
	case o.redisPrefix != "":
		rdb, prefix = redis.NewClient(redistest.Options()), o.redisPrefix
	default:
		rdb, prefix = redistest.Client(tb)
	}
	fake := smstest.NewFake(tb, accountSID, authToken)
	if o.apiBase == "" {
		o.apiBase = fake.URL
	}
	if o.lookupSettle == 0 {
		o.lookupSettle = 300 * time.Millisecond
	}
	cfg := config.Default()
	cfg.HTTP.PublicURL = publicURL
	if o.rate == 0 {
		o.rate = 1000
	}
	if o.resendAfter == 0 {
		o.resendAfter = -1
	}
	cfg.SMS.Twilio = config.Twilio{AccountSID: accountSID, AuthToken: authToken, MessagingServiceSID: o.messagingService,
		APIBaseURL: o.apiBase, RatePerSecond: o.rate}
	cfg.Officials = []config.Official{{Number: official, Name: "张三", Title: "市长"}}
	if o.logTo == nil {
		o.logTo = io.Discard
	}
	log := bot.NewLogger(o.logTo, "debug", "text")
	dir := tb.TempDir()
	cfg.Backend.File.Path, cfg.Backend.Journal = dir+"/petitions.jsonl", dir+"/cases.jsonl"
	cfg.Redis.Spool = dir + "/spool"
	if o.backendURL != "" {
		cfg.Backend.Kind, cfg.Backend.Webhook.URL, cfg.Backend.Webhook.Secret = "webhook", o.backendURL, o.backendSecret
	}
	if o.configure != nil {
		o.configure(&cfg)
	}
	answerEach := o.coalesce
	qopt := queue.Options{Block: 50 * time.Millisecond, Poll: 20 * time.Millisecond, ClaimIdle: o.claimIdle,
		Backoff: func(int) time.Duration { return 50 * time.Millisecond }}
	if o.productionQueues {
		qopt = queue.Options{}
	}
	rt, err := bot.NewRuntime(context.Background(), &cfg, log, bot.RuntimeOptions{
		Store: bot.NewStore(rdb, prefix), Coalesce: &answerEach, Queue: qopt,
	})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(rt.Close)
	env := rt.Env()
	if o.channelLog != nil {
		env.Log = slog.New(slog.NewTextHandler(o.channelLog, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	ch, err := sms.New(sms.Options{Twilio: cfg.SMS.Twilio, AllowedCountryCodes: cfg.SMS.AllowedCountryCodes,
		PublicURL: cfg.HTTP.PublicURL, ResendAfter: o.resendAfter, RequestTimeout: o.requestTimeout, LookupSettle: o.lookupSettle}, env)
	if err != nil {
		tb.Fatal(err)
	}
	rt.Add(ch)
	hs := httptest.NewServer(rt.Server.Handler())
	tb.Cleanup(hs.Close)
	return &harness{tb: tb, rdb: rdb, prefix: prefix, store: rt.Store, cfg: &cfg, metrics: rt.Metrics, pipeline: rt.Pipeline,
		sendq: rt.SendQueue, channel: ch, fake: fake, local: hs.URL, handler: rt.Server.Handler(), log: log, rt: rt}
}

// start runs the send queue until the test ends.
func (h *harness) start() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = h.sendq.Run(ctx); close(done) }()
	h.tb.Cleanup(func() { cancel(); <-done })
}

// post sends a form to path as Twilio would, signed.
func (h *harness) post(path string, form url.Values) *http.Response {
	h.tb.Helper()
	req, err := smstest.SignedRequest(authToken, h.local, publicURL+path, form)
	if err != nil {
		h.tb.Fatal(err)
	}
	return h.do(req)
}

func (h *harness) do(req *http.Request) *http.Response {
	h.tb.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.tb.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(strings.NewReader(string(body)))
	return resp
}

// inbound posts an SMS from a citizen to the official and wants 200.
func (h *harness) inbound(from, body, sid string) {
	h.tb.Helper()
	resp := h.post(sms.InboundPath, smstest.InboundForm(accountSID, from, official, body, sid))
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		h.tb.Fatalf("inbound %s: %d %s", sid, resp.StatusCode, b)
	}
}

// petitions reads the outbox: every record the pipeline submitted.
func (h *harness) petitions() []outbox.Record {
	h.tb.Helper()
	q := queue.New(h.rdb, h.prefix, outbox.QueueName, nil, queue.Options{})
	var out []outbox.Record
	for s := 0; s < queue.Shards; s++ {
		msgs, err := h.rdb.XRange(context.Background(), q.StreamKey(s), "-", "+").Result()
		if err != nil {
			h.tb.Fatal(err)
		}
		for _, m := range msgs {
			var env queue.Envelope
			if err := json.Unmarshal([]byte(m.Values["e"].(string)), &env); err != nil {
				h.tb.Fatal(err)
			}
			var r outbox.Record
			if err := json.Unmarshal(env.Body, &r); err != nil {
				h.tb.Fatal(err)
			}
			if r.Type == outbox.TypePetition {
				out = append(out, r)
			}
		}
	}
	return out
}

// drained waits until the send queue has nothing left to do (dead letters aside).
func (h *harness) drained() {
	h.tb.Helper()
	testwait.For(h.tb, "send queue drained", func() bool {
		st, err := h.sendq.Stats(context.Background())
		return err == nil && st.Empty() && st.Pending == 0
	})
}

// keys lists every key the test wrote.
func (h *harness) keys() []string {
	h.tb.Helper()
	keys, err := h.rdb.Keys(context.Background(), h.prefix+"*").Result()
	if err != nil {
		h.tb.Fatal(err)
	}
	return keys
}

// optedOut reads the citizen's conversation state.
func (h *harness) optedOut(conv string) bool {
	h.tb.Helper()
	st, err := h.pipeline.State(context.Background(), conv)
	if err != nil {
		h.tb.Fatalf("state of %s: %v", conv, err)
	}
	return st.OptedOut
}

// deadLetters of both send streams.
func (h *harness) deadLetters() []queue.DeadLetter {
	h.tb.Helper()
	a, err := h.sendq.Queue().DeadLetters(context.Background(), 100)
	if err != nil {
		h.tb.Fatal(err)
	}
	b, err := h.sendq.Bulk().DeadLetters(context.Background(), 100)
	if err != nil {
		h.tb.Fatal(err)
	}
	return append(a, b...)
}

// outbound builds a message for the send queue as the pipeline would.
func outbound(to string, seq int64, text string, bulk bool) bot.Outbound {
	conv := "sms:" + to
	return bot.Outbound{Key: conv + ":" + strconv.FormatInt(seq, 10), Channel: bot.ChannelSMS, Conversation: conv, To: to, From: official,
		Text: text, Bulk: bulk, Seq: seq}
}
