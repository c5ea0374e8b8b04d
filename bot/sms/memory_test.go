package sms_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/minsheng/minsheng/intake/queue/redistest"
)

// What one open draft costs Redis: a citizen's incomplete appeal, asked a
// question, leaves its conversation hash (with the loop guard's entry and
// the question's MessageSid) and the question's progress hash (with the
// Outbound in it). No key per MessageSid. Shared keys (streams, timers,
// counters, the office's figures) are not the draft's. Measured with Redis
// 7's default encodings: 1,024 bytes in 4 keys, 952 in 3 once the Outbound
// moved into the progress hash, 624 in 2 without the sid's key. The
// figure moves by a jemalloc size class with the state's deflated bytes
// (the conversation hash's listpack of ≈400 bytes is allocated 448 or
// 512): 784 on 2026-12-08 with the same code that measured 624, so the
// ceiling is the floor itself, 1 KiB. The load harness's figure adds the
// keys' entries in Redis's tables (≈ 90 bytes a key), the timer and the
// shared keys' growth.
func TestADraftIsSmall(t *testing.T) {
	if redistest.Embedded() {
		t.Skip("the embedded store has no MEMORY USAGE")
	}
	h := newHarness(t, harnessOptions{})
	h.start()
	h.inbound("+8613912340000", "你好，我要反映一个问题", "SMmem1")
	h.fake.WaitForMessages(t, 1, 10*time.Second)
	h.drained()
	ctx := context.Background()
	var total int64
	seen := map[string]bool{}
	for _, k := range h.keys() {
		name := strings.TrimPrefix(k, h.prefix)
		if strings.HasPrefix(name, "sms:msg:") {
			t.Errorf("a key per MessageSid: %s", name)
		}
		if !strings.Contains(name, "+8613912340000") {
			continue // shared
		}
		n, err := h.rdb.MemoryUsage(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, kind := range []string{":c:sms:", "sms:out:"} {
			if strings.Contains(name, kind) {
				seen[kind] = true
			}
		}
		total += n
		t.Logf("%5d B  %s", n, name)
	}
	if total > 1024 {
		t.Errorf("one open draft costs %d bytes of Redis, want at most 1 KiB", total)
	}
	for _, want := range []string{":c:sms:", "sms:out:"} {
		if !seen[want] {
			t.Errorf("no %s key: %v", want, seen)
		}
	}
}
