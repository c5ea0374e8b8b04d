package bot

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/minsheng/minsheng/config"
	"github.com/minsheng/minsheng/dialog"
	"github.com/minsheng/minsheng/intake/outbox"
	"github.com/minsheng/minsheng/intake/queue/redistest"
)

// burstEnv is a pipeline with a 15 s coalescing window, a clock the test
// moves and a count of its Redis round trips.
func burstEnv(t *testing.T) (*testEnv, *roundTrips, *time.Time) {
	rdb, prefix := redistest.Client(t)
	hook := &roundTrips{}
	rdb.AddHook(hook)
	cfg := config.Default()
	tpl, _ := dialog.NewTemplates(nil)
	m := dialog.New(dialog.Settings{Location: cfg.Location(), CoalesceWindow: 15 * time.Second,
		SupplementWindow: 30 * time.Minute, FloodMax: 20, FloodWindow: time.Minute}, tpl)
	now := time.Date(2026, 3, 11, 14, 5, 0, 0, cfg.Location())
	store := NewStore(rdb, prefix)
	log := quietLog()
	p := NewPipeline(store, m, &cfg, NewMetrics(), log, PipelineOptions{Flood: config.Flood{MaxMessages: 20, Per: time.Minute},
		Now: func() time.Time { return now }})
	return &testEnv{store: store, cfg: &cfg, log: log, p: p}, hook, &now
}

// A plain message whose answer waits for its burst is taken in with one
// round trip and no dialog run; the scheduler runs the dialog once, when
// the window ends, for the whole burst, and the citizen gets what the
// dialog gives a burst: one answer. A message the state may answer at once
// (after a receipt: a supplement) or a command runs the dialog at once.
func TestABurstWaitsForItsWindowWithoutTheDialog(t *testing.T) {
	env, hook, now := burstEnv(t)
	ctx := context.Background()
	start := *now
	handle := func(in Inbound) Result {
		t.Helper()
		in.At = *now
		hook.n.Store(0)
		res, err := env.p.Handle(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	const citizen = "+8613912345678"
	for i, text := range []string{"书记您好", "幸福小区门口的路灯坏了一个月了", "晚上很黑，老人出门不方便"} {
		*now = start.Add(time.Duration(i*5) * time.Second)
		res := handle(sms(citizen, text, "SMb"+text))
		if !res.Waiting || res.Processed || res.Deferred {
			t.Fatalf("message %d: %+v, want it waiting for its burst", i, res)
		}
		if n := hook.n.Load(); n != 1 {
			t.Errorf("message %d took %d round trips, want 1", i, n)
		}
	}
	if got := outcomeOf(t, env); len(got.replies)+len(got.records) > 0 {
		t.Fatalf("answered before the window ended: %+v", got)
	}
	*now = start.Add(20 * time.Second) // 15 s after the first: the burst's answer is due 15 s after its last
	env.p.RunDue(ctx)
	if got := outcomeOf(t, env); len(got.replies)+len(got.records) > 0 {
		t.Fatalf("answered before the burst was quiet: %+v", got)
	}
	*now = start.Add(25 * time.Second)
	if n := env.p.RunDue(ctx); n != 1 {
		t.Fatalf("the scheduler ran %d conversations, want 1", n)
	}
	got := outcomeOf(t, env)
	if len(got.replies) != 1 || len(got.records) != 1 {
		t.Fatalf("after the window: %+v, want one receipt and one petition", got)
	}
	recs := streamRecords[outbox.Record](t, env.store, outbox.QueueName)
	if p := recs[0].Petition; p == nil || p.Description != "幸福小区门口的路灯坏了一个月了；晚上很黑，老人出门不方便" {
		t.Errorf("petition %+v: want the burst's two descriptions", p)
	}

	// After the receipt a message is a supplement, answered at once.
	*now = start.Add(time.Minute)
	if res := handle(sms(citizen, "是3号楼南边那盏", "SMb-s")); res.Waiting || !res.Processed || res.Replies != 1 {
		t.Errorf("a supplement after the receipt: %+v, want it answered at once", res)
	}
	// A command never waits, even from a new citizen.
	if res := handle(sms("+8613900000009", "帮助", "SMb-h")); res.Waiting || !res.Processed || res.Replies != 1 {
		t.Errorf("a command: %+v, want it answered at once", res)
	}
	// Nothing is left for the scheduler to say.
	before := len(streamRecords[Outbound](t, env.store, SendQueueName))
	*now = start.Add(time.Hour)
	env.p.RunDue(ctx)
	if after := len(streamRecords[Outbound](t, env.store, SendQueueName)); after != before {
		t.Errorf("the scheduler sent %d more replies", after-before)
	}
}

// Over the flood limit the notice is not held back for a window: the
// message runs the dialog at once.
func TestAFloodIsNotHeldBackByTheWindow(t *testing.T) {
	env, _, now := burstEnv(t)
	ctx := context.Background()
	for i := 0; i < 21; i++ {
		in := sms("+8613912345678", "路灯坏了", "SMf"+time.Duration(i).String())
		in.At = *now
		res, err := env.p.Handle(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if wait := i < 20; res.Waiting != wait {
			t.Fatalf("message %d: %+v, want waiting %v", i+1, res, wait)
		}
	}
	var flood int
	for _, ob := range streamRecords[Outbound](t, env.store, SendQueueName) {
		if ob.Template == "flood" {
			flood++
		}
	}
	if flood != 1 {
		t.Errorf("%d flood notices sent at the 21st message, want 1", flood)
	}
}

// A conversation kept by an earlier version (its state under the legacy
// key, no hash, so no w) may answer at once: its message runs the dialog
// at once, as before, and the commit marks it for the next.
func TestALegacyConversationRunsAtOnceThenWaits(t *testing.T) {
	env, _, now := burstEnv(t)
	ctx := context.Background()
	const citizen = "+8613912345679"
	conv := ConversationKey(ChannelSMS, citizen)
	raw, err := json.Marshal(record{Reply: Address{Channel: ChannelSMS, To: citizen, From: "+8613800000001"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := env.store.Redis.Set(ctx, env.store.conv(conv).legacyState, raw, time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	in := sms(citizen, "幸福小区门口的路灯坏了一个月了", "SMl1")
	in.At = *now
	if res, err := env.p.Handle(ctx, in); err != nil || res.Waiting || !res.Processed {
		t.Fatalf("first message after the upgrade: %+v %v, want the dialog run at once", res, err)
	}
	in = sms(citizen, "晚上很黑", "SMl2")
	*now = now.Add(5 * time.Second)
	in.At = *now
	if res, err := env.p.Handle(ctx, in); err != nil || !res.Waiting {
		t.Fatalf("second message of the burst: %+v %v, want it waiting", res, err)
	}
}
