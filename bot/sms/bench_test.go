package sms_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/minsheng/minsheng/bot/sms"
	"github.com/minsheng/minsheng/bot/sms/smstest"
)

// BenchmarkInboundWebhook measures one signed inbound SMS through the
// server's handler: body limit, form, signature, the real pipeline on the
// real Redis (dedup, dialog, commit of reply and petition), TwiML answer.
// Every message is a new citizen's complete petition.
func BenchmarkInboundWebhook(b *testing.B) {
	h := newHarness(b, harnessOptions{})
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

// percentile of durations, in microseconds.
func percentile(ds []time.Duration, p float64) float64 {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s)-1) * p)
	return float64(s[i].Nanoseconds()) / 1e3
}
