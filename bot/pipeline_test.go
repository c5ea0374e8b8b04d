package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minsheng/minsheng/config"
	"github.com/minsheng/minsheng/dialog"
	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/outbox"
	"github.com/minsheng/minsheng/intake/queue"
	"github.com/minsheng/minsheng/intake/queue/redistest"
)

type testEnv struct {
	store *Store
	cfg   *config.Config
	p     *Pipeline
	log   *slog.Logger
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newTestEnv(t *testing.T, opt PipelineOptions) *testEnv {
	t.Helper()
	rdb, prefix := redistest.Client(t)
	store := NewStore(rdb, prefix)
	cfg := config.Default()
	tpl, _ := dialog.NewTemplates(nil)
	m := dialog.New(dialog.Settings{Location: cfg.Location()}, tpl)
	log := quietLog()
	return &testEnv{store: store, cfg: &cfg, log: log, p: NewPipeline(store, m, &cfg, NewMetrics(), log, opt)}
}

func sms(from, text, sid string) Inbound {
	return Inbound{Channel: ChannelSMS, Conversation: ConversationKey(ChannelSMS, from),
		Reply: Address{Channel: ChannelSMS, To: from, From: "+8613800000001"}, To: "+8613800000001",
		Citizen: intake.Citizen{Phone: from}, Text: text, ProviderID: sid}
}

// streamRecords reads every envelope body of a queue, all shards.
func streamRecords[T any](t *testing.T, s *Store, name string) []T {
	t.Helper()
	q := queue.New(s.Redis, s.Prefix, name, nil, queue.Options{})
	var out []T
	for sh := 0; sh < queue.Shards; sh++ {
		msgs, err := s.Redis.XRange(context.Background(), q.StreamKey(sh), "-", "+").Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			var env queue.Envelope
			if err := json.Unmarshal([]byte(m.Values["e"].(string)), &env); err != nil {
				t.Fatal(err)
			}
			var v T
			if err := json.Unmarshal(env.Body, &v); err != nil {
				t.Fatal(err)
			}
			out = append(out, v)
		}
	}
	return out
}

func loadRecord(t *testing.T, s *Store, conv string) record {
	t.Helper()
	k := s.conv(conv)
	raw, err := readStateScript.Run(context.Background(), s.Redis, []string{k.hash, k.legacyState}).Text()
	if err != nil {
		t.Fatalf("state of %s: %v", conv, err)
	}
	var r record
	if err := decodeRecord(raw, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestMessageBecomesPetitionAndReceipt(t *testing.T) {
	env := newTestEnv(t, PipelineOptions{})
	ctx := context.Background()
	res, err := env.p.Handle(ctx, sms("+8613912345678", "幸福小区门口的路灯坏了\x07一个月了", "SM1"))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Processed || res.Replies != 1 || res.Petitions != 1 {
		t.Fatalf("result %+v", res)
	}
	recs := streamRecords[outbox.Record](t, env.store, outbox.QueueName)
	if len(recs) != 1 {
		t.Fatalf("want 1 outbox record, got %d", len(recs))
	}
	p := recs[0].Petition
	if !intake.IsPetitionID(p.ID) || p.Description != "幸福小区门口的路灯坏了一个月了" || p.Citizen.Phone != "+8613912345678" ||
		p.AddressedTo.Number != "+8613800000001" || recs[0].Conversation != "sms:+8613912345678" {
		t.Errorf("petition %+v", p)
	}
	outs := streamRecords[Outbound](t, env.store, SendQueueName)
	if len(outs) != 1 || outs[0].To != "+8613912345678" || outs[0].From != "+8613800000001" ||
		outs[0].Channel != ChannelSMS || outs[0].Template != "receipt" || outs[0].Seq != 1 {
		t.Fatalf("outbound %+v", outs)
	}
	if want := p.ID; !strings.Contains(outs[0].Text, want) {
		t.Errorf("receipt %q lacks the id %s", outs[0].Text, want)
	}
}

func TestRedeliveredProviderIDHandledOnce(t *testing.T) {
	env := newTestEnv(t, PipelineOptions{})
	ctx := context.Background()
	var dup int
	for i := 0; i < 3; i++ {
		res, err := env.p.Handle(ctx, sms("+8613912345678", "幸福小区的路灯坏了", "SMdup"))
		if err != nil {
			t.Fatal(err)
		}
		if res.Duplicate {
			dup++
		}
	}
	// Same text, another id: a new message.
	if _, err := env.p.Handle(ctx, sms("+8613912345678", "幸福小区的路灯坏了", "SMother")); err != nil {
		t.Fatal(err)
	}
	if dup != 2 {
		t.Errorf("want 2 duplicates, got %d", dup)
	}
	if n := len(streamRecords[outbox.Record](t, env.store, outbox.QueueName)); n != 2 {
		t.Errorf("want 2 petitions (one per provider id), got %d", n)
	}
	if n := len(streamRecords[Outbound](t, env.store, SendQueueName)); n != 2 {
		t.Errorf("want 2 replies, got %d", n)
	}
}

func TestConcurrentMessagesOfOneCitizenAllKeptInArrivalOrder(t *testing.T) {
	env := newTestEnv(t, PipelineOptions{})
	// A second replica on the same Redis.
	tpl, _ := dialog.NewTemplates(nil)
	other := NewPipeline(env.store, dialog.New(dialog.Settings{Location: env.cfg.Location()}, tpl), env.cfg, NewMetrics(), env.log, PipelineOptions{})
	ctx := context.Background()
	const n = 40
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			p := env.p
			if i%2 == 1 {
				p = other
			}
			_, err := p.Handle(ctx, sms("+8613912345678", fmt.Sprintf("第%d条：幸福小区%d号楼的路灯坏了", i, i), fmt.Sprintf("SM%d", i)))
			errs <- err
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	// Every message became a petition, committed in arrival order: the
	// order of the ids' reservation counters (taken when each arrived).
	recs := streamRecords[outbox.Record](t, env.store, outbox.QueueName)
	if len(recs) != n {
		t.Fatalf("want %d messages to reach the dialog, got %d petitions", n, len(recs))
	}
	last := int64(0)
	shard := queue.ShardOf("sms:+8613912345678")
	for _, r := range recs {
		_, s, k, ok := intake.ParsePetitionID(r.Petition.ID)
		if !ok || s != shard {
			t.Fatalf("unexpected id %s", r.Petition.ID)
		}
		if k <= last {
			t.Errorf("message %d processed after %d: not arrival order", k, last)
		}
		last = k
	}
	outs := streamRecords[Outbound](t, env.store, SendQueueName)
	if len(outs) != n {
		t.Fatalf("want %d replies, got %d", n, len(outs))
	}
	for i, o := range outs {
		if o.Seq != int64(i+1) {
			t.Errorf("reply %d has seq %d", i, o.Seq)
		}
	}
	if exists := env.store.Redis.Exists(ctx, env.store.conv("sms:+8613912345678").lock).Val(); exists != 0 {
		t.Error("lock left behind")
	}
}

func TestWorkerDyingWithTheLockLosesNothing(t *testing.T) {
	env := newTestEnv(t, PipelineOptions{LockTTL: 300 * time.Millisecond})
	ctx := context.Background()
	conv := "sms:+8613912345678"
	// A worker records the message and takes the lock, then dies before committing.
	in := sms("+8613912345678", "幸福小区门口垃圾没人清理", "SMcrash")
	in.At = time.Now()
	raw, _ := json.Marshal(item{Kind: dialog.KindMessage, In: &in, At: in.At})
	ing, err := env.store.ingest(ctx, ingestArgs{conv: conv, item: raw, dedupID: "sms:SMcrash", reserve: true,
		day: in.At.In(env.cfg.Location()).Format("20060102"), token: "dead-worker", lockTTL: 300 * time.Millisecond,
		stateTTL: time.Hour, now: time.Now()})
	if err != nil || ing.status != 1 {
		t.Fatalf("ingest: %+v %v", ing, err)
	}
	// Its redelivery is a duplicate: the message is already in the inbox.
	if res, _ := env.p.Handle(ctx, in); !res.Duplicate {
		t.Fatal("redelivery should be a duplicate")
	}
	// Nothing happens while the dead worker's lock lives.
	if n := env.p.RunDue(ctx); n != 0 {
		t.Fatalf("ticked %d conversations before the lock expired", n)
	}
	time.Sleep(400 * time.Millisecond)
	if n := env.p.RunDue(ctx); n != 1 {
		t.Fatalf("want the scheduler to rescue 1 conversation, got %d", n)
	}
	recs := streamRecords[outbox.Record](t, env.store, outbox.QueueName)
	if len(recs) != 1 || recs[0].Petition.Description != "幸福小区门口垃圾没人清理" {
		t.Fatalf("rescued petition: %+v", recs)
	}
	// The dead worker wakes up and tries to commit: refused, nothing doubled.
	_, err = env.store.commit(ctx, commitArgs{conv: conv, token: "dead-worker", n: 1, state: []byte(`{}`),
		stateTTL: time.Hour, lockTTL: time.Second, now: time.Now(), outbox: []string{`{"k":"x","a":0,"b":{}}`}},
		env.p.streams)
	if err != errLockLost {
		t.Fatalf("stale commit: want errLockLost, got %v", err)
	}
	if got := len(streamRecords[outbox.Record](t, env.store, outbox.QueueName)); got != 1 {
		t.Errorf("stale commit wrote: %d records", got)
	}
	if n := env.p.RunDue(ctx); n != 0 {
		t.Errorf("timer left behind: %d", n)
	}
}

func TestHandleRejectsMessagesWithoutConversation(t *testing.T) {
	env := newTestEnv(t, PipelineOptions{})
	if _, err := env.p.Handle(context.Background(), Inbound{Channel: ChannelSMS, Text: "x"}); err == nil {
		t.Error("want an error for a message without conversation")
	}
}

// petitionIDs submits one complete appeal per citizen and returns the ids.
func petitionIDs(t *testing.T, s *Store, p *Pipeline, batch string, n int) []string {
	t.Helper()
	for i := 0; i < n; i++ {
		from := fmt.Sprintf("+86139%08d", i)
		if _, err := p.Handle(context.Background(), sms(from, "幸福小区3号楼门口的路灯坏了", batch+from)); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	for _, r := range streamRecords[outbox.Record](t, s, outbox.QueueName) {
		ids = append(ids, r.Petition.ID)
	}
	return ids
}

// Ids never repeat after the store lost its counters: not while the
// process that issued them runs (even on a clock that stands still), not
// for a new process a moment later.
func TestPetitionIDsDoNotRepeatAfterTheStoreLostItsState(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	clk := &clock{now: time.Date(2026, 3, 11, 9, 30, 0, 0, loc)}
	env := newTestEnv(t, PipelineOptions{Now: clk.Now})
	seen := map[string]string{}
	check := func(batch string, ids []string) {
		t.Helper()
		if len(ids) != 48 {
			t.Fatalf("%s: %d petitions, want 48", batch, len(ids))
		}
		for _, id := range ids {
			if b, ok := seen[id]; ok {
				t.Errorf("%s: id %s was issued before, in %s", batch, id, b)
			}
			seen[id] = batch
		}
	}
	check("first", petitionIDs(t, env.store, env.p, "first", 48))

	lost := func() { redistest.Clean(context.Background(), env.store.Redis, env.store.Prefix) } // FLUSHALL, for our keys
	lost()
	check("same process, same instant", petitionIDs(t, env.store, env.p, "second", 48))

	lost()
	clk.Set(clk.Now().Add(time.Second))
	tpl, _ := dialog.NewTemplates(nil)
	restarted := NewPipeline(env.store, dialog.New(dialog.Settings{Location: loc}, tpl), env.cfg, NewMetrics(), env.log, PipelineOptions{Now: clk.Now})
	check("new process, a second later", petitionIDs(t, env.store, restarted, "third", 48))

	lost()
	seeded := NewPipeline(env.store, dialog.New(dialog.Settings{Location: loc}, tpl), env.cfg, NewMetrics(), env.log, PipelineOptions{Now: clk.Now})
	var all []string
	for id := range seen {
		all = append(all, id)
	}
	seeded.SeedIDs(all) // what the file backend knows of earlier runs
	check("new process seeded with earlier ids, same instant", petitionIDs(t, env.store, seeded, "fourth", 48))
}

// A record is stored deflated against its dictionary, and one stored by an
// earlier version as plain JSON still reads.
func TestRecordCodec(t *testing.T) {
	var rec record
	rec.Seq = 7
	rec.Official = "+8613800000001"
	rec.Dialog.Draft = &dialog.Draft{ID: "MS-20261130-KSTG2", Texts: []string{"幸福小区门口的路灯坏了"}, Awaiting: "where"}
	stored, err := encodeRecord(&rec)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := json.Marshal(rec)
	if stored[0] != recordV1 || len(stored) >= len(plain)/2 {
		t.Errorf("stored %d bytes (version %#x) for %d of JSON", len(stored), stored[0], len(plain))
	}
	for name, s := range map[string]string{"deflated": string(stored), "plain JSON": string(plain)} {
		var got record
		if err := decodeRecord(s, &got); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got.Seq != 7 || got.Dialog.Draft == nil || got.Dialog.Draft.Texts[0] != "幸福小区门口的路灯坏了" {
			t.Errorf("%s: read back %+v", name, got)
		}
	}
	var got record
	if err := decodeRecord("\x09junk", &got); err == nil {
		t.Error("a record of an unknown version was read")
	}
}
