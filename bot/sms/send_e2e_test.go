package sms_test

import (
	"context"
	"fmt"
	"github.com/minsheng/minsheng/internal/testwait"
	"strings"
	"testing"
	"time"

	"github.com/minsheng/minsheng/bot/sms/smstest"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestTooManyRequestsThenSuccessIsOneMessageAfterRetryAfter(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.fake.FailNext(smstest.TooManyRequests("1"))
	h.start()
	start := time.Now()
	h.inbound(citizen, complaint, "SM429")
	msgs := h.fake.WaitForMessages(t, 1, 10*time.Second)
	if waited := msgs[0].At.Sub(start); waited < time.Second {
		t.Errorf("sent again after %v, before Twilio's Retry-After of 1s", waited)
	}
	h.drained()
	time.Sleep(100 * time.Millisecond)
	if n, a := len(h.fake.Messages()), h.fake.Attempts(); n != 1 || a != 2 {
		t.Errorf("messages %d attempts %d, want 1 and 2", n, a)
	}
	// Twilio said no: the retry need not ask whether it took the message.
	if l := len(h.fake.Lists()); l != 0 {
		t.Errorf("%d lookups after a 429", l)
	}
	if r := testutil.ToFloat64(h.metrics.Outbound.WithLabelValues("sms", "retry")); r != 1 {
		t.Errorf("retry metric %v", r)
	}
}

func TestServerErrorsAndOutagesAreRetried(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.fake.FailNext(smstest.ServerError, smstest.Failure{Status: 502}) // the second: a proxy's HTML page
	h.start()
	h.inbound(citizen, complaint, "SM500")
	h.fake.WaitForMessages(t, 1, 10*time.Second)
	h.drained()
	if n, a := len(h.fake.Messages()), h.fake.Attempts(); n != 1 || a != 3 {
		t.Errorf("messages %d attempts %d, want 1 and 3", n, a)
	}
}

func TestUnsubscribedRecipientAtSendIsOptedOutAndNotRetried(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.fake.FailNext(smstest.Unsubscribed)
	h.start()
	h.inbound(citizen, complaint, "SM21610")
	testwait.For(t, "dead letter", func() bool { return len(h.deadLetters()) == 1 })
	dl := h.deadLetters()[0]
	if !strings.Contains(dl.Error, "21610") || dl.Attempts != 1 || strings.Contains(dl.Error, citizen) {
		t.Errorf("dead letter %+v", dl)
	}
	if !h.optedOut("sms:" + citizen) {
		t.Error("citizen not opted out")
	}
	if h.fake.Attempts() != 1 || len(h.fake.Messages()) != 0 {
		t.Errorf("attempts %d messages %d", h.fake.Attempts(), len(h.fake.Messages()))
	}
}

func TestInvalidNumberIsAFailureRecordedOnce(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.fake.FailNext(smstest.InvalidNumber)
	h.start()
	h.inbound(citizen, complaint, "SM21211")
	testwait.For(t, "dead letter", func() bool { return len(h.deadLetters()) == 1 })
	if dl := h.deadLetters()[0]; !strings.Contains(dl.Error, "21211") || dl.Attempts != 1 {
		t.Errorf("dead letter %+v", dl)
	}
	if h.fake.Attempts() != 1 {
		t.Errorf("attempts %d", h.fake.Attempts())
	}
	if f := testutil.ToFloat64(h.metrics.Outbound.WithLabelValues("sms", "failed")); f != 1 {
		t.Errorf("failed metric %v", f)
	}
}

func TestLongBodyGoesAsTwoMessagesInOrder(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	text := strings.Repeat("路", 1000) + "。" + strings.Repeat("灯", 699) // 1,700 characters
	if err := h.sendq.Enqueue(context.Background(), outbound(citizen, 1, text, false)); err != nil {
		t.Fatal(err)
	}
	h.start()
	msgs := h.fake.WaitForMessages(t, 2, 10*time.Second)
	h.drained()
	if len(h.fake.Messages()) != 2 || msgs[0].Body+msgs[1].Body != text || len([]rune(msgs[0].Body)) > 1600 ||
		!strings.HasPrefix(text, msgs[0].Body) {
		t.Fatalf("parts %d/%d chars", len([]rune(msgs[0].Body)), len([]rune(msgs[1].Body)))
	}
	// 1,600 UCS-2 characters are 24 segments, 100 more are 2.
	if s := testutil.ToFloat64(registryCounter(t, h, "minsheng_sms_segments_total", "kind", "reply")); s != 24+2 {
		t.Errorf("segments %v", s)
	}
}

func TestFailureAfterTheFirstPartResumesWithTheSecond(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	text := strings.Repeat("a", 1600) + strings.Repeat("b", 10)
	if err := h.sendq.Enqueue(context.Background(), outbound(citizen, 1, text, false)); err != nil {
		t.Fatal(err)
	}
	h.fake.FailNext(smstest.Accept, smstest.ServerError) // the first part goes, the second fails once
	h.start()
	h.fake.WaitForMessages(t, 2, 10*time.Second)
	h.drained()
	msgs := h.fake.Messages()
	if len(msgs) != 2 || msgs[0].Body+msgs[1].Body != text || h.fake.Attempts() != 3 {
		t.Errorf("want each part once in order after 3 attempts, got %d messages, %d attempts", len(msgs), h.fake.Attempts())
	}
}

func TestSameTextToOneNumberAFourthTimeIsDropped(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	ctx := context.Background()
	for i := int64(1); i <= 5; i++ {
		if err := h.sendq.Enqueue(ctx, outbound(citizen, i, "收到，谢谢", false)); err != nil {
			t.Fatal(err)
		}
	}
	// Another text to the same number is not affected.
	if err := h.sendq.Enqueue(ctx, outbound(citizen, 6, "另一条", false)); err != nil {
		t.Fatal(err)
	}
	h.start()
	h.drained()
	if n := len(h.fake.Messages()); n != 4 {
		t.Errorf("want 3 of the same text and the other, got %d", n)
	}
	if d := testutil.ToFloat64(registryCounter(t, h, "minsheng_sms_dropped_total", "reason", "loop")); d != 2 {
		t.Errorf("loop guard metric %v", d)
	}
}

func TestMessagingServiceSendsWithoutFrom(t *testing.T) {
	h := newHarness(t, harnessOptions{messagingService: "MG0123456789abcdef0123456789abcdef"})
	h.start()
	h.inbound(citizen, complaint, "SMmg")
	m := h.fake.WaitForMessages(t, 1, 10*time.Second)[0]
	if m.From != "" || m.MessagingServiceSID != "MG0123456789abcdef0123456789abcdef" || m.To != citizen {
		t.Errorf("message %+v", m)
	}
}

// TestRateLimitHoldsPerNumber: N messages from one number at rate r take
// at least (N-1)/r; another number's message is not held up behind them.
func TestRateLimitHoldsPerNumber(t *testing.T) {
	const rate, n = 10.0, 11
	h := newHarness(t, harnessOptions{rate: rate})
	ctx := context.Background()
	for i := 0; i < n; i++ {
		if err := h.sendq.Enqueue(ctx, outbound(fmt.Sprintf("+86139000000%02d", i), 1, "您的诉求已受理", false)); err != nil {
			t.Fatal(err)
		}
	}
	other := outbound("+8613900000099", 1, "另一个号码", false)
	other.From = "+8613800000002"
	if err := h.sendq.Enqueue(ctx, other); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	h.start()
	msgs := h.fake.WaitForMessages(t, n+1, 20*time.Second)
	var first, last, otherAt time.Time
	for _, m := range msgs {
		if m.From == other.From {
			otherAt = m.At
			continue
		}
		if first.IsZero() {
			first = m.At
		}
		last = m.At
	}
	min := time.Duration(float64(n-1) / rate * float64(time.Second))
	if took := last.Sub(start); took < min {
		t.Errorf("%d messages from one number took %v, want at least %v", n, took, min)
	}
	// From Twilio's side: the first and the last at least (N-1)/r apart,
	// less the jitter of one HTTP call.
	if spread := last.Sub(first); spread < min-50*time.Millisecond {
		t.Errorf("Twilio saw %d messages within %v", n, spread)
	}
	if wait := otherAt.Sub(start); wait > min/2 {
		t.Errorf("the other number's message waited %v behind the busy number", wait)
	}
}

// TestRepliesGoBeforeBulkOnOneNumber: status messages queued before the
// replies, on the same number, let the replies pass.
func TestRepliesGoBeforeBulkOnOneNumber(t *testing.T) {
	h := newHarness(t, harnessOptions{rate: 5})
	ctx := context.Background()
	for i := 0; i < 4; i++ {
		if err := h.sendq.Enqueue(ctx, outbound(fmt.Sprintf("+86139100000%02d", i), 1, "您的诉求已办结，请回复1满意2理解3不满意", true)); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 3; i++ {
		if err := h.sendq.Enqueue(ctx, outbound(fmt.Sprintf("+86139200000%02d", i), 1, "您的诉求已受理", false)); err != nil {
			t.Fatal(err)
		}
	}
	h.start()
	msgs := h.fake.WaitForMessages(t, 7, 20*time.Second)
	bulkBefore, replies := 0, 0
	for _, m := range msgs {
		if strings.HasPrefix(m.Body, "您的诉求已受理") {
			replies++
			if replies == 3 {
				break
			}
		} else {
			bulkBefore++
		}
	}
	// Both streams start together, so one bulk message may win the first
	// token; after that every reply goes first.
	if bulkBefore > 1 {
		t.Errorf("%d status messages went before the last reply", bulkBefore)
	}
	if r := testutil.ToFloat64(registryCounter(t, h, "minsheng_sms_rate_limited_total", "kind", "bulk")); r < 1 {
		t.Errorf("bulk was never held back: %v", r)
	}
}
