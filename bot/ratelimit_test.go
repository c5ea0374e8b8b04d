package bot

import (
	"context"
	"testing"
	"time"

	"github.com/minsheng/minsheng/intake/queue/redistest"
)

func TestRateLimitSpacesOneNumberNotOthers(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	l := NewRateLimiter(rdb, prefix, "sms", 10) // one per 100 ms
	ctx := context.Background()
	if w, err := l.Take(ctx, "+8613800000001", false, "a"); err != nil || w != 0 {
		t.Fatalf("idle number: wait %v err %v", w, err)
	}
	w, err := l.Take(ctx, "+8613800000001", false, "b")
	if err != nil || w <= 50*time.Millisecond || w > 100*time.Millisecond {
		t.Fatalf("second message at once: wait %v (want ~100ms) err %v", w, err)
	}
	// Another number is not held back.
	if w, _ := l.Take(ctx, "+8613800000002", false, "c"); w != 0 {
		t.Fatalf("other number waits %v", w)
	}
	time.Sleep(w)
	if w, _ := l.Take(ctx, "+8613800000001", false, "b"); w != 0 {
		t.Fatalf("after its wait: still %v", w)
	}
}

func TestRateLimitBulkYieldsToWaitingReplies(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	l := NewRateLimiter(rdb, prefix, "sms", 10)
	ctx := context.Background()
	const num = "+8613800000001"
	if w, _ := l.Take(ctx, num, true, "bulk1"); w != 0 {
		t.Fatal("idle number refused bulk")
	}
	// Two replies arrive while the token is taken: both wait.
	w1, _ := l.Take(ctx, num, false, "reply1")
	w2, _ := l.Take(ctx, num, false, "reply2")
	if w1 == 0 || w2 == 0 {
		t.Fatal("replies should wait for the token")
	}
	time.Sleep(w1)
	// The token is free, but replies wait: bulk yields, by an interval per waiting reply.
	wb, _ := l.Take(ctx, num, true, "bulk2")
	if wb < 2*l.interval {
		t.Fatalf("bulk went (or waits only %v) with two replies waiting", wb)
	}
	if w, _ := l.Take(ctx, num, false, "reply1"); w != 0 {
		t.Fatalf("waiting reply refused a free token: %v", w)
	}
	time.Sleep(l.interval)
	if w, _ := l.Take(ctx, num, false, "reply2"); w != 0 {
		t.Fatalf("second reply: %v", w)
	}
	time.Sleep(l.interval)
	if w, _ := l.Take(ctx, num, true, "bulk2"); w != 0 {
		t.Fatalf("bulk after the replies went: %v", w)
	}
}

func TestRateLimitForgetsAReplyThatNeverCameBack(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	l := NewRateLimiter(rdb, prefix, "sms", 10)
	l.hold = 100 * time.Millisecond
	ctx := context.Background()
	const num = "+8613800000001"
	_, _ = l.Take(ctx, num, false, "reply1")
	if w, _ := l.Take(ctx, num, false, "lost"); w == 0 {
		t.Fatal("second reply should wait")
	}
	// "lost" was deferred and its worker died: it holds bulk back only
	// until its turn plus hold.
	time.Sleep(l.interval + l.hold + 20*time.Millisecond)
	if w, _ := l.Take(ctx, num, true, "bulk"); w != 0 {
		t.Fatalf("a vanished reply still holds bulk back: %v", w)
	}
}
