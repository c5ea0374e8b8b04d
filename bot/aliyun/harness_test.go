package aliyun_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/minsheng/minsheng/bot"
	"github.com/minsheng/minsheng/bot/aliyun"
	"github.com/minsheng/minsheng/bot/aliyun/aliyuntest"
	"github.com/minsheng/minsheng/config"
	"github.com/minsheng/minsheng/intake/outbox"
	"github.com/minsheng/minsheng/intake/queue"
	"github.com/minsheng/minsheng/intake/queue/redistest"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

const (
	keyID     = "LTAI5tTestKeyId0001"
	keySecret = "testSecret0123456789abcdef"
	signName  = "某某市长热线"
	pushToken = "push-token-0123456789"
	official  = "+8613800000001"
	ext       = "01"
	citizen   = "+8613912345678"
	complaint = "谯城区汤陵街道幸福小区门口的路灯坏了一个月了，晚上很黑"
)

// approved is a templates block covering every reply key, each with all
// its variables, and the fake approving the same texts.
func approved(fake *aliyuntest.Fake) map[string]config.AliyunTemplate {
	out := map[string]config.AliyunTemplate{}
	for i, k := range aliyun.ReplyKeys(nil) {
		code := "SMS_" + strconv.Itoa(100000+i)
		out[k.Name] = config.AliyunTemplate{Code: code, Params: k.Vars}
		fake.Approve(code, k.Text)
	}
	return out
}

func aliyunConfig(fake *aliyuntest.Fake, limit int) config.Aliyun {
	return config.Aliyun{AccessKeyID: keyID, AccessKeySecret: keySecret, SignName: signName, APIURL: fake.URL(),
		PushToken: pushToken, DailyLimit: limit, RatePerSecond: 1e6, Templates: approved(fake)}
}

// clock is a fixed clock the test moves.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// resends records what the channel puts back in the send queue.
type resends struct {
	mu  sync.Mutex
	got []bot.Outbound
}

func (r *resends) Enqueue(_ context.Context, m bot.Outbound) error {
	r.mu.Lock()
	r.got = append(r.got, m)
	r.mu.Unlock()
	return nil
}

func (r *resends) all() []bot.Outbound {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bot.Outbound(nil), r.got...)
}

// intakeStub is the pipeline as the push handlers see it.
type intakeStub struct {
	mu      sync.Mutex
	in      []bot.Inbound
	optOuts []string
	failAt  int // fail the failAt-th Handle (1-based), once
	calls   int
}

func (s *intakeStub) Handle(_ context.Context, in bot.Inbound) (bot.Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.calls == s.failAt {
		return bot.Result{}, io.ErrUnexpectedEOF
	}
	for _, seen := range s.in {
		if seen.ProviderID == in.ProviderID {
			return bot.Result{Duplicate: true}, nil
		}
	}
	s.in = append(s.in, in)
	return bot.Result{}, nil
}

func (s *intakeStub) OptOut(_ context.Context, conv string) error {
	s.mu.Lock()
	s.optOuts = append(s.optOuts, conv)
	s.mu.Unlock()
	return nil
}

// unit is the channel alone on the real Redis, with a stub intake, a
// recording resender and a fixed clock: the sender is called directly.
type unit struct {
	tb      testing.TB
	rdb     redis.UniversalClient
	prefix  string
	fake    *aliyuntest.Fake
	clock   *clock
	intake  *intakeStub
	resends *resends
	ch      *aliyun.Channel
	server  *httptest.Server
}

type unitOptions struct {
	limit          int
	requestTimeout time.Duration
	countryCodes   []string
}

func newUnit(tb testing.TB, o unitOptions) *unit {
	tb.Helper()
	rdb, prefix := redistest.Client(tb)
	fake := aliyuntest.New(keyID, keySecret, signName)
	tb.Cleanup(fake.Close)
	clk := &clock{t: time.Date(2026, 12, 8, 10, 0, 0, 0, loc)}
	fake.SetNow(clk.Now)
	if o.limit == 0 {
		o.limit = 50
	}
	if o.countryCodes == nil {
		o.countryCodes = []string{"+86"}
	}
	u := &unit{tb: tb, rdb: rdb, prefix: prefix, fake: fake, clock: clk, intake: &intakeStub{}, resends: &resends{}}
	ch, err := aliyun.New(aliyun.Options{
		Aliyun: aliyunConfig(fake, o.limit), AllowedCountryCodes: o.countryCodes,
		Officials: []config.Official{{Number: official, Name: "张三", Title: "市长", SMSExt: ext}},
		Location:  loc, Morning: "07:00", DigestAfter: -1, LookupSettle: -1, RequestTimeout: o.requestTimeout,
	}, bot.ChannelEnv{Intake: u.intake, Resend: u.resends, Redis: rdb, Prefix: prefix, Metrics: prometheus.NewRegistry(), Now: clk.Now,
		Log: bot.NewLogger(io.Discard, "debug", "text")})
	if err != nil {
		tb.Fatal(err)
	}
	u.ch = ch
	mux := http.NewServeMux()
	for _, r := range ch.Routes() {
		mux.Handle(r.Pattern, r.Handler)
	}
	u.server = httptest.NewServer(mux)
	tb.Cleanup(u.server.Close)
	return u
}

var loc, _ = time.LoadLocation("Asia/Shanghai")

func (u *unit) send(m bot.Outbound) error { return u.ch.Sender().Send(context.Background(), m) }

// msg is a message to the citizen as the pipeline writes it.
func msg(seq int64, template string, vars map[string]string) bot.Outbound {
	conv := "sms:" + citizen
	return bot.Outbound{Key: conv + ":" + strconv.FormatInt(seq, 10), Channel: bot.ChannelSMS, Conversation: conv, To: citizen, From: official,
		Template: template, Vars: vars, Seq: seq, Text: "(text never sent)"}
}

// petitions reads the outbox: every petition the pipeline submitted.
func petitions(tb testing.TB, rdb redis.UniversalClient, prefix string) []outbox.Record {
	tb.Helper()
	q := queue.New(rdb, prefix, outbox.QueueName, nil, queue.Options{})
	var out []outbox.Record
	for s := 0; s < queue.Shards; s++ {
		msgs, err := rdb.XRange(context.Background(), q.StreamKey(s), "-", "+").Result()
		if err != nil {
			tb.Fatal(err)
		}
		for _, m := range msgs {
			var env queue.Envelope
			if err := json.Unmarshal([]byte(m.Values["e"].(string)), &env); err != nil {
				tb.Fatal(err)
			}
			var r outbox.Record
			if err := json.Unmarshal(env.Body, &r); err != nil {
				tb.Fatal(err)
			}
			if r.Type == outbox.TypePetition {
				out = append(out, r)
			}
		}
	}
	return out
}
