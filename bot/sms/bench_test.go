package sms_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minsheng/minsheng/bot/sms"
	"github.com/minsheng/minsheng/bot/sms/smstest"
	"github.com/minsheng/minsheng/config"
	"github.com/minsheng/minsheng/intake/backend/webhook/webhooktest"
	"github.com/minsheng/minsheng/intake/queue/redistest"
	"github.com/minsheng/minsheng/internal/testwait"
	"github.com/redis/go-redis/v9"
)

// BenchmarkInboundWebhook measures one signed inbound SMS through the
// server's handler: body limit, form, signature, the real pipeline on the
// real Redis (dedup, dialog, commit of reply and petition), TwiML answer.
// Every message is a new citizen's complete petition.
func BenchmarkInboundWebhook(b *testing.B) { benchmarkInboundWebhook(b, 0) }

// BenchmarkInboundWebhookDeferred is the webhook's own cost when it only
// takes the message in (workers.inline -1; nothing runs the dialog here).
func BenchmarkInboundWebhookDeferred(b *testing.B) { benchmarkInboundWebhook(b, -1) }

func benchmarkInboundWebhook(b *testing.B, inline int) {
	h := newHarness(b, harnessOptions{configure: func(c *config.Config) { c.Workers.Inline = inline }})
	// Load the scripts once, as a running process has.
	h.inbound("+8613900000000", complaint, "SMwarm")
	type prepared struct {
		body, sig string
	}
	reqs := make([]prepared, b.N)
	for i := range reqs {
		form := smstest.InboundForm(accountSID, fmt.Sprintf("+86139%08d", i+1), official, complaint, fmt.Sprintf("SMbench%d", i))
		reqs[i] = prepared{form.Encode(), smstest.Sign(authToken, publicURL+sms.InboundPath, form)}
	}
	took := make([]time.Duration, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := httptest.NewRequest(http.MethodPost, sms.InboundPath, strings.NewReader(reqs[i].body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("X-Twilio-Signature", reqs[i].sig)
		w := httptest.NewRecorder()
		start := time.Now()
		h.handler.ServeHTTP(w, r)
		took[i] = time.Since(start)
		if w.Code != http.StatusOK {
			b.Fatalf("answer %d: %s", w.Code, w.Body)
		}
	}
	b.StopTimer()
	b.ReportMetric(percentile(took, 0.50), "p50-µs")
	b.ReportMetric(percentile(took, 0.99), "p99-µs")
}

// BenchmarkSendThroughQueue measures sends per second from the send queue
// through the sender (guards, rate limit script, records) and twilio-go to
// the fake Twilio, with the rate limit out of the way.
func BenchmarkSendThroughQueue(b *testing.B) {
	h := newHarness(b, harnessOptions{rate: 1e6})
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		if err := h.sendq.Enqueue(ctx, outbound(fmt.Sprintf("+86139%08d", i), 1, "您的诉求已受理，编号MS-20260311-K7Q2P。", false)); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	start := time.Now()
	h.start()
	h.fake.WaitForMessages(b, b.N, 10*time.Minute)
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "sends/s")
}

// BenchmarkCompleteAppeal measures the work after intake: b.N citizens
// each text a complete appeal (signed webhooks through the server's
// handler, 8 at a time), and the clock runs until every one has its
// receipt at the fake Twilio and its petition at the fake webhook
// backend. The coalescing window is 100 ms, so each receipt and petition
// comes from a scheduled tick, as in production (15 s there). It reports
// appeals/s and the Redis round trips per appeal over its whole life
// (commands and pipelines of the runtime's client; blocking reads that
// found nothing are not counted).
func BenchmarkCompleteAppeal(b *testing.B) { benchmarkCompleteAppeal(b, 0) }

// BenchmarkCompleteAppealDeferred is BenchmarkCompleteAppeal with every
// webhook only taking its message in (workers.inline -1): the scheduler
// runs every dialog.
func BenchmarkCompleteAppealDeferred(b *testing.B) { benchmarkCompleteAppeal(b, -1) }

// BenchmarkCompleteAppealOffHours is BenchmarkCompleteAppeal outside the
// official's office hours: every receipt says 会后联系 and every citizen
// goes on the official's call-back list (one item per citizen per period).
func BenchmarkCompleteAppealOffHours(b *testing.B) { benchmarkCompleteAppealAt(b, 0, false) }

func benchmarkCompleteAppeal(b *testing.B, inline int) { benchmarkCompleteAppealAt(b, inline, true) }

func benchmarkCompleteAppealAt(b *testing.B, inline int, inHours bool) {
	_, prefix := redistest.Client(b) // the keys, cleaned after
	trips := &tripCounter{}
	rdb := redis.NewClient(redistest.Options())
	rdb.AddHook(trips)
	b.Cleanup(func() { _ = rdb.Close() })
	office := webhooktest.NewFake(b, "hooksecret")
	h := newHarness(b, harnessOptions{rdb: rdb, redisPrefix: prefix, backendURL: office.URL, backendSecret: "hooksecret",
		coalesce: 100 * time.Millisecond, rate: 1e6, productionQueues: true,
		// In office hours at any time of day: off hours every appeal would
		// also go on the official's call-back list (会后联系), a path of
		// its own.
		configure: func(c *config.Config) {
			c.Officials[0].Schedule = config.Schedule{Days: []int{1, 2, 3, 4, 5, 6, 7}, From: "00:00", To: "23:59"}
			if !inHours { // in the office one minute a week
				c.Officials[0].Schedule = config.Schedule{Days: []int{1}, From: "23:58", To: "23:59"}
			}
			c.Workers.Inline = inline
		}})
	ctx, cancel := context.WithCancel(context.Background())
	wait := h.rt.Run(ctx, time.Minute)
	b.Cleanup(func() { cancel(); wait() })
	post := func(i int) {
		form := smstest.InboundForm(accountSID, fmt.Sprintf("+86139%08d", i), official, complaint, fmt.Sprintf("SMappeal%d", i))
		r := httptest.NewRequest(http.MethodPost, sms.InboundPath, strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("X-Twilio-Signature", smstest.Sign(authToken, publicURL+sms.InboundPath, form))
		w := httptest.NewRecorder()
		h.handler.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Errorf("answer %d: %s", w.Code, w.Body)
		}
	}
	done := func(n int) bool { return office.Taken() >= n && len(h.fake.Messages()) >= n }
	post(0) // warm: scripts loaded, connections open
	testwait.For(b, "the first appeal carried", func() bool { return done(1) })
	trips.reset()
	cpu0 := redisCPU(b, rdb)
	b.ResetTimer()
	start := time.Now()
	next := make(chan int)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				post(i)
			}
		}()
	}
	for i := 1; i <= b.N; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	for !done(b.N + 1) {
		if time.Since(start) > 10*time.Minute {
			b.Fatalf("after 10 min: %d petitions, %d SMS of %d", office.Taken(), len(h.fake.Messages()), b.N+1)
		}
		time.Sleep(5 * time.Millisecond) // a benchmark's clock, not a test's wait
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "appeals/s")
	b.ReportMetric(float64(trips.n.Load())/float64(b.N), "trips/appeal")
	// Redis's own CPU (its main thread, all clients: other tests sharing
	// the server count too) per appeal: Redis is one thread for all
	// replicas, so this is what bounds a deployment's appeals per second.
	b.ReportMetric((redisCPU(b, rdb)-cpu0)/float64(b.N), "redis-cpu-µs/appeal")
	if path := os.Getenv("BENCH_TRIPS"); path != "" { // where the trips go, per appeal
		_ = os.WriteFile(path, []byte(strings.Join(trips.breakdown(b.N), "\n")+"\n"), 0o644)
	}
}

// redisCPU is the CPU time of the Redis server's main thread so far, in µs.
func redisCPU(tb testing.TB, rdb *redis.Client) float64 {
	info, err := rdb.Info(context.Background(), "cpu").Result()
	if err != nil {
		tb.Fatal(err)
	}
	var total float64
	for _, line := range strings.Split(info, "\r\n") {
		k, v, _ := strings.Cut(line, ":")
		if k == "used_cpu_user_main_thread" || k == "used_cpu_sys_main_thread" {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				tb.Fatalf("INFO cpu %s: %v", k, err)
			}
			total += f * 1e6
		}
	}
	return total
}

// tripCounter counts a client's round trips: one per command, one per
// pipeline; a blocking read that timed out empty is idle, not counted.
type tripCounter struct {
	n      atomic.Int64
	mu     sync.Mutex
	byName map[string]int
}

func (c *tripCounter) note(name string) {
	c.mu.Lock()
	if c.byName == nil {
		c.byName = map[string]int{}
	}
	c.byName[name]++
	c.mu.Unlock()
}

func (c *tripCounter) reset() {
	c.mu.Lock()
	c.n.Store(0)
	c.byName = nil
	c.mu.Unlock()
}

// breakdown is the trips so far by name, per appeal, most first.
func (c *tripCounter) breakdown(appeals int) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var lines []string
	for k, v := range c.byName {
		lines = append(lines, fmt.Sprintf("%8.3f %s", float64(v)/float64(appeals), k))
	}
	slices.Sort(lines)
	slices.Reverse(lines)
	return lines
}

func (c *tripCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *tripCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		if !(errors.Is(err, redis.Nil) && cmd.Name() == "xreadgroup") {
			c.n.Add(1)
			c.note(tripName(cmd))
		}
		return err
	}
}

func (c *tripCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.n.Add(1)
		names := make([]string, len(cmds))
		for i, x := range cmds {
			names[i] = tripName(x)
		}
		c.note("pipeline: " + strings.Join(names, ", "))
		return next(ctx, cmds)
	}
}

// tripName names a command for the breakdown by the shape of its first
// key (the test's prefix cut, digits and capitals folded), which says whose
// it is; a script also by its hash.
func tripName(cmd redis.Cmder) string {
	args, name := cmd.Args(), cmd.Name()
	at := 1
	switch name {
	case "evalsha", "eval":
		at = 3
	case "xreadgroup", "xgroup", "client", "hello", "info", "multi", "exec":
		return name
	}
	if len(args) <= at {
		return name
	}
	key := fmt.Sprint(args[at])
	if rest, ok := strings.CutPrefix(key, "mstest:"); ok {
		_, key, _ = strings.Cut(rest, ":")
	}
	key = strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' {
			return '#'
		}
		return r
	}, key)
	if name == "evalsha" {
		return fmt.Sprintf("evalsha %.8s (%s)", args[1], key)
	}
	return name + " (" + key + ")"
}

// percentile of durations, in microseconds.
func percentile(ds []time.Duration, p float64) float64 {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s)-1) * p)
	return float64(s[i].Nanoseconds()) / 1e3
}
