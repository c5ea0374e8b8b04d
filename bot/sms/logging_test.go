package sms_test

import (
	"bytes"
	"context"
	"github.com/minsheng/minsheng/internal/testwait"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minsheng/minsheng/bot/sms/smstest"
)

// syncBuffer is a log sink written from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestChannelLogsMaskPhoneNumbers runs the paths that log (a sender abroad,
// the loop guard, an unsubscribed recipient, failed deliveries, re-sends)
// with an unmasking logger: the channel itself must mask every number and
// never log a secret.
func TestChannelLogsMaskPhoneNumbers(t *testing.T) {
	var logs syncBuffer
	h := newHarness(t, harnessOptions{channelLog: &logs})
	h.fake.FailNext(smstest.Unsubscribed)
	h.start()
	ctx := context.Background()
	h.inbound("+14155550100", complaint, "SMabroad")
	h.inbound(citizen, complaint, "SMunsub")
	testwait.For(t, "dead letter", func() bool { return len(h.deadLetters()) == 1 })
	for i := int64(1); i <= 4; i++ {
		_ = h.sendq.Enqueue(ctx, outbound("+8613700001111", i, "收到", false))
	}
	msgs := h.fake.WaitForMessages(t, 3, 10*time.Second)
	if code, _ := h.fake.SendStatus(ctx, h.local, msgs[0].SID, "failed", 30003); code != http.StatusOK {
		t.Fatalf("callback %d", code)
	}
	if code, _ := h.fake.SendStatus(ctx, h.local, msgs[1].SID, "undelivered", 21610); code != http.StatusOK {
		t.Fatalf("callback %d", code)
	}
	// The re-send is the same text a fourth time: the loop guard drops it, and logs.
	testwait.For(t, "re-send dropped", func() bool {
		return registryValue(t, h, "minsheng_sms_dropped_total", "reason", "loop") == 2
	})
	h.drained()
	out := logs.String()
	if out == "" {
		t.Fatal("nothing logged")
	}
	for _, secret := range []string{"4155550100", "13912345678", "13700001111", authToken} {
		if strings.Contains(out, secret) {
			t.Errorf("log shows %s:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, "+141****0100") {
		t.Errorf("masked number missing from the log:\n%s", out)
	}
}
