package bot

import (
	"context"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/minsheng/minsheng/dialog"
	"github.com/minsheng/minsheng/intake/outbox"
)

// outcome is what a run of inputs left in the queues, without ids and
// times: the petitions' types and texts, the replies' templates in order.
type outcome struct {
	records []string
	replies []string
}

var idPattern = regexp.MustCompile(`MS-\d{8}-[0-9A-Z]+`)

func outcomeOf(t *testing.T, env *testEnv) outcome {
	t.Helper()
	var o outcome
	for _, r := range streamRecords[outbox.Record](t, env.store, outbox.QueueName) {
		switch {
		case r.Petition != nil:
			o.records = append(o.records, r.Type+":"+r.Conversation+":"+r.Petition.Description)
		case r.Supplement != nil:
			o.records = append(o.records, r.Type+":"+r.Conversation+":"+r.Supplement.Text)
		default:
			o.records = append(o.records, r.Type+":"+r.Conversation)
		}
	}
	for _, ob := range streamRecords[Outbound](t, env.store, SendQueueName) {
		o.replies = append(o.replies, ob.Conversation+":"+ob.Template+":"+idPattern.ReplaceAllString(ob.Text, "ID"))
	}
	slices.Sort(o.records) // two citizens: their streams interleave by shard
	slices.Sort(o.replies)
	return o
}

// A message beyond the inline limit is only taken in; the scheduler runs
// its dialog, and the citizen gets exactly what an inline run gives:
// same petitions, same replies, in the same order, a redelivery once.
func TestDeferredMessagesGetWhatInlineOnesGet(t *testing.T) {
	inputs := []Inbound{
		sms("+8613912345678", "幸福小区门口的路灯坏了一个月了", "SMd1"),
		sms("+8613912345678", "幸福小区门口的路灯坏了一个月了", "SMd1"), // Twilio's retry
		sms("+8613900000002", "人民路的下水道堵了，污水漫到路上", "SMd2"),
		sms("+8613912345678", "解放路8号门口的下水道也堵了", "SMd3"),
	}
	run := func(limit int) (*testEnv, []Result) {
		env := newTestEnv(t, PipelineOptions{InlineLimit: limit})
		var rs []Result
		for _, in := range inputs {
			res, err := env.p.Handle(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			rs = append(rs, res)
		}
		return env, rs
	}
	inline, _ := run(0)
	want := outcomeOf(t, inline)
	if len(want.records) == 0 || len(want.replies) == 0 {
		t.Fatalf("the inline run left nothing: %+v", want)
	}

	deferred, rs := run(-1)
	for i, r := range rs {
		if r.Processed || r.Replies > 0 {
			t.Errorf("input %d ran the dialog in Handle: %+v", i, r)
		}
		if dup := i == 1; r.Deferred == dup || r.Duplicate != dup {
			t.Errorf("input %d: %+v, want deferred (or a duplicate, the retry)", i, r)
		}
	}
	if got := outcomeOf(t, deferred); len(got.records)+len(got.replies) > 0 {
		t.Fatalf("before the scheduler ran: %+v", got)
	}
	if n := deferred.p.RunDue(context.Background()); n != 2 {
		t.Errorf("the scheduler ran %d conversations, want 2", n)
	}
	got := outcomeOf(t, deferred)
	if !slices.Equal(got.records, want.records) || !slices.Equal(got.replies, want.replies) {
		t.Errorf("deferred run:\n%q\n%q\ninline run:\n%q\n%q", got.records, got.replies, want.records, want.replies)
	}
	if n := deferred.p.RunDue(context.Background()); n != 0 {
		t.Errorf("a second pass ran %d conversations, want none", n)
	}
}

// A deferred message and a later inline one of the same citizen (two
// replicas, one busy): the inline one takes the conversation and runs
// both, the earlier first; the scheduler then finds nothing left to say.
func TestInlineMessageRunsTheDeferredOneBeforeIt(t *testing.T) {
	busy := newTestEnv(t, PipelineOptions{InlineLimit: -1})
	tpl, _ := dialog.NewTemplates(nil)
	idle := NewPipeline(busy.store, dialog.New(dialog.Settings{Location: busy.cfg.Location()}, tpl), busy.cfg, NewMetrics(), busy.log, PipelineOptions{})
	ctx := context.Background()
	if res, err := busy.p.Handle(ctx, sms("+8613912345678", "幸福小区门口的路灯坏了一个月了", "SMa")); err != nil || !res.Deferred {
		t.Fatalf("first: %+v %v, want deferred", res, err)
	}
	res, err := idle.Handle(ctx, sms("+8613912345678", "解放路8号门口的下水道也堵了", "SMb"))
	if err != nil || !res.Processed || res.Replies != 2 {
		t.Fatalf("second: %+v %v, want it to run both messages", res, err)
	}
	// No coalescing window here: each message is answered on its own.
	recs := streamRecords[outbox.Record](t, busy.store, outbox.QueueName)
	if len(recs) != 2 || recs[0].Petition == nil || recs[0].Petition.Description != "幸福小区门口的路灯坏了一个月了" ||
		recs[1].Petition == nil || recs[1].Petition.Description != "解放路8号门口的下水道也堵了" {
		t.Fatalf("records %+v: want the first message's, then the second's", recs)
	}
	before := len(streamRecords[Outbound](t, busy.store, SendQueueName))
	busy.p.RunDue(ctx) // the deferred message's timer: a tick with nothing to do
	if after := len(streamRecords[Outbound](t, busy.store, SendQueueName)); after != before {
		t.Errorf("the scheduler sent %d more replies after the inline run answered everything", after-before)
	}
}

// A burst starts when more than InlineLimit messages are in Handle at
// once and lasts burstCalm after the last such moment; meanwhile messages
// are deferred even below the limit, and the scheduler runs one at a time.
func TestBurstLastsACalmSecondAfterTheLimit(t *testing.T) {
	env := newTestEnv(t, PipelineOptions{InlineLimit: 2})
	p := env.p
	if p.inBurst(1) || p.inBurst(2) || p.bursting() {
		t.Fatal("within the limit: no burst")
	}
	if !p.inBurst(3) || !p.bursting() {
		t.Fatal("beyond the limit: a burst")
	}
	if !p.inBurst(1) {
		t.Error("right after the burst, a lone message is still deferred")
	}
	p.burstUntil.Store(time.Now().Add(-time.Millisecond).UnixNano()) // the calm second has passed
	if p.inBurst(1) || p.bursting() {
		t.Error("after the calm second: inline again")
	}
	always := newTestEnv(t, PipelineOptions{InlineLimit: -1}).p
	if !always.inBurst(1) || always.bursting() {
		t.Error("InlineLimit -1 defers every message and never narrows the scheduler")
	}
}
