package bot

import (
	"context"
	"fmt"
	"net"
	"sync/atomic"
	"testing"

	"github.com/minsheng/minsheng/config"
	"github.com/minsheng/minsheng/dialog"
	"github.com/minsheng/minsheng/intake/queue/redistest"
	"github.com/redis/go-redis/v9"
)

// roundTrips counts every command and every pipeline sent to Redis: each is
// one network round trip.
type roundTrips struct{ n atomic.Int64 }

func (h *roundTrips) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) { return next(ctx, network, addr) }
}

func (h *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { h.n.Add(1); return next(ctx, cmd) }
}

func (h *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { h.n.Add(1); return next(ctx, cmds) }
}

func countingPipeline(tb testing.TB) (*Pipeline, *roundTrips) {
	rdb, prefix := redistest.Client(tb)
	hook := &roundTrips{}
	rdb.AddHook(hook)
	cfg := config.Default()
	tpl, _ := dialog.NewTemplates(nil)
	m := dialog.New(dialog.Settings{Location: cfg.Location()}, tpl)
	p := NewPipeline(NewStore(rdb, prefix), m, &cfg, NewMetrics(), quietLog(), PipelineOptions{Flood: cfg.Flood})
	// Load the scripts once, as a long-running process has.
	_, _ = p.Handle(context.Background(), sms("+8613900000000", "预热", "warm"))
	return p, hook
}

func TestInboundCostsAtMostThreeRoundTrips(t *testing.T) {
	p, hook := countingPipeline(t)
	ctx := context.Background()
	const n = 200
	hook.n.Store(0)
	for i := 0; i < n; i++ {
		from := fmt.Sprintf("+86139%08d", i%50)
		if _, err := p.Handle(ctx, sms(from, "小区门口的路灯坏了一个月了，晚上很黑", fmt.Sprintf("SM%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	if per := float64(hook.n.Load()) / n; per > 3 {
		t.Errorf("%.2f Redis round trips per inbound message, budget 3", per)
	}
}

// BenchmarkInbound measures one complete inbound message (record, dialog,
// commit of reply and petition) against the real Redis.
func BenchmarkInbound(b *testing.B) {
	p, hook := countingPipeline(b)
	ctx := context.Background()
	hook.n.Store(0)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		from := fmt.Sprintf("+86139%08d", i%1000)
		if _, err := p.Handle(ctx, sms(from, "小区门口的路灯坏了一个月了，晚上很黑", fmt.Sprintf("SM%d", i))); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(hook.n.Load())/float64(b.N), "roundtrips/msg")
}

// BenchmarkInboundParallel is the same with concurrent citizens.
func BenchmarkInboundParallel(b *testing.B) {
	p, hook := countingPipeline(b)
	ctx := context.Background()
	var seq atomic.Int64
	hook.n.Store(0)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := seq.Add(1)
			from := fmt.Sprintf("+86139%08d", i%1000)
			if _, err := p.Handle(ctx, sms(from, "小区门口的路灯坏了一个月了，晚上很黑", fmt.Sprintf("SM%d", i))); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(hook.n.Load())/float64(b.N), "roundtrips/msg")
}
