package sms_test

import (
	"context"
	"fmt"
	"testing"
	"time"
)

func TestZZMemory(t *testing.T) {
	h := newHarness(t, harnessOptions{coalesce: 0})
	h.start()
	h.inbound("+8613912340000", "你好，我要反映一个问题", "SMmem1")
	h.fake.WaitForMessages(t, 1, 10*time.Second)
	h.drained()
	time.Sleep(300 * time.Millisecond)
	ctx := context.Background()
	total := int64(0)
	for _, k := range h.keys() {
		n, _ := h.rdb.MemoryUsage(ctx, k).Result()
		typ, _ := h.rdb.Type(ctx, k).Result()
		ttl, _ := h.rdb.TTL(ctx, k).Result()
		total += n
		fmt.Printf("%6d %-6s %-10s %s\n", n, typ, ttl, k)
		if typ == "string" {
			v, _ := h.rdb.Get(ctx, k).Result()
			fmt.Printf("        %s\n", v)
		}
		if typ == "hash" {
			v, _ := h.rdb.HGetAll(ctx, k).Result()
			fmt.Printf("        %v\n", v)
		}
	}
	fmt.Println("total", total)
}
