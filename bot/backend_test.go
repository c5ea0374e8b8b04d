package bot

import (
	"context"
	"encoding/json"
	"github.com/minsheng/minsheng/intake/backend/webhook/webhooktest"
	"github.com/minsheng/minsheng/internal/testproc"
	"github.com/minsheng/minsheng/internal/testwait"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/backend/webhook"
	"github.com/minsheng/minsheng/intake/outbox"
	"github.com/minsheng/minsheng/intake/queue"
	"github.com/minsheng/minsheng/intake/queue/redistest"
	"github.com/minsheng/minsheng/intake/report"
	"github.com/redis/go-redis/v9"
)

func webhookTo(t *testing.T, f *webhooktest.Fake) intake.Backend {
	t.Helper()
	c, err := webhook.New(webhook.Options{URL: f.URL, Secret: "hooksecret", Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The backend answers 500 three times: the petition arrives exactly once,
// with the same Idempotency-Key and a valid signature on all four tries.
func TestPetitionReachesFailingWebhookOnce(t *testing.T) {
	f := webhooktest.NewFake(t, "hooksecret")
	f.FailNext(3)
	w := newWorld(t, worldOptions{backend: webhookTo(t, f)})
	w.run()
	w.say("幸福小区3号楼门口的路灯坏了一个月了")
	testwait.For(t, "taken", func() bool { return f.Taken() == 1 })
	testwait.For(t, "case id noted", func() bool {
		st := w.state()
		return len(st.Cases) == 1 && st.Cases[0].CaseID == "CASE-A"
	})
	reqs := f.Requests()
	if len(reqs) != 4 {
		t.Fatalf("want 4 tries, got %d", len(reqs))
	}
	for i, r := range reqs {
		if r.Path != "/petitions" || r.Key != reqs[0].Key || !r.SigOK || r.Body != reqs[0].Body {
			t.Errorf("try %d: %+v", i, r)
		}
	}
	if !intake.IsPetitionID(reqs[0].Key) {
		t.Errorf("Idempotency-Key should be the petition id: %q", reqs[0].Key)
	}
	var p intake.Petition
	if err := json.Unmarshal([]byte(reqs[0].Body), &p); err != nil || p.ID != reqs[0].Key || p.SchemaVersion != 1 {
		t.Errorf("body %s: %v", reqs[0].Body, err)
	}
	// 查询 shows the id the receipt gave, whatever the backend calls it.
	id := w.state().Cases[0].ID
	w.say("查询")
	testwait.For(t, "query answered", func() bool { return w.lastSent().Template == "query" })
	if !strings.Contains(w.lastSent().Text, id) {
		t.Errorf("query %q lacks %s", w.lastSent().Text, id)
	}
}

func TestDeadLetterAfterMaxAttemptsAndOnRefusal(t *testing.T) {
	f := webhooktest.NewFake(t, "hooksecret")
	f.AnswerAll(500)
	w := newWorld(t, worldOptions{backend: webhookTo(t, f), attempts: 3})
	w.run()
	w.say("幸福小区3号楼门口的路灯坏了一个月了")
	testwait.For(t, "dead letter", func() bool { st, _ := w.box.Queue().Stats(context.Background()); return st.Dead == 1 && st.Empty() })
	if n := len(f.Requests()); n != 3 {
		t.Errorf("want 3 attempts, got %d", n)
	}
	f.AnswerAll(422)
	w.sayAs("+8613912345679", "人民路公交站牌被撞倒了")
	testwait.For(t, "second dead letter", func() bool { st, _ := w.box.Queue().Stats(context.Background()); return st.Dead == 2 })
	dl, _ := w.box.Queue().DeadLetters(context.Background(), 10)
	found := false
	for _, d := range dl {
		if strings.Contains(d.Error, "422") && d.Attempts == 1 {
			found = true
		}
	}
	if !found {
		t.Errorf("a 422 should be parked at once with the response: %+v", dl)
	}
}

// TestDeliveredOnceDespiteFailuresAndAKilledWorker: the backend fails five
// times; on the sixth the worker process is killed after the backend took
// the petition and before the outbox recorded it. Another worker delivers
// it again with the same Idempotency-Key: the backend keeps one petition.
func TestDeliveredOnceDespiteFailuresAndAKilledWorker(t *testing.T) {
	if os.Getenv("OUTBOX_CHILD") != "" {
		return
	}
	f := webhooktest.NewFake(t, "hooksecret")
	f.FailNext(5)
	rdb, prefix := redistest.Client(t)
	took := make(chan struct{}, 1)
	release := make(chan struct{})
	f.Hold(func(r webhooktest.Request) {
		select {
		case took <- struct{}{}:
			<-release // the answer reaches a dead worker
		default:
		}
	})
	p := &intake.Petition{SchemaVersion: 1, ID: "MS-20260311-K7Q2P", Channel: "sms", Description: "路灯坏了",
		Urgency: intake.UrgencyNormal, ReceivedAt: time.Now()}
	rec := outbox.Record{Type: outbox.TypePetition, Conversation: "sms:+8613912345678", Petition: p}
	q := queue.New(rdb, prefix, outbox.QueueName, nil, queue.Options{})
	if err := q.Enqueue(context.Background(), rec.Key(), rec); err != nil {
		t.Fatal(err)
	}
	child := testproc.Child("^TestOutboxChild$", "OUTBOX_CHILD=1", "OUTBOX_PREFIX="+prefix, "OUTBOX_URL="+f.URL)
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-took:
	case <-time.After(20 * time.Second):
		_ = child.Process.Kill()
		t.Fatal("the backend never took the petition")
	}
	_ = child.Process.Signal(syscall.SIGKILL)
	_ = child.Wait()
	close(release)

	box := outbox.New(rdb, prefix, webhookTo(t, f), queue.Options{Block: 50 * time.Millisecond, Poll: 20 * time.Millisecond,
		ClaimIdle: 300 * time.Millisecond, Consumer: "survivor", Logger: quietLog()})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = box.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	testwait.For(t, "delivered", func() bool { id, _ := box.CaseID(context.Background(), p.ID); return id != "" })
	reqs := f.Requests()
	if len(reqs) != 7 || f.Taken() != 1 {
		t.Errorf("want 5 failures, the killed delivery and one more (7 requests, 1 petition); got %d requests, %d petitions", len(reqs), f.Taken())
	}
	for _, r := range reqs {
		if r.Key != p.ID || !r.SigOK {
			t.Errorf("request %+v", r)
		}
	}
}

// TestOutboxChild is the worker killed by the test above.
func TestOutboxChild(t *testing.T) {
	if os.Getenv("OUTBOX_CHILD") == "" {
		t.Skip("run by TestDeliveredOnceDespiteFailuresAndAKilledWorker")
	}
	rdb := redis.NewClient(redistest.Options())
	c, _ := webhook.New(webhook.Options{URL: os.Getenv("OUTBOX_URL"), Secret: "hooksecret", Timeout: time.Minute})
	box := outbox.New(rdb, os.Getenv("OUTBOX_PREFIX"), c, queue.Options{Block: 50 * time.Millisecond, Poll: 20 * time.Millisecond,
		Backoff: func(int) time.Duration { return 20 * time.Millisecond }, Consumer: "doomed", Logger: quietLog()})
	_ = box.Run(context.Background())
}

func TestSupplementFollowsItsPetition(t *testing.T) {
	f := webhooktest.NewFake(t, "hooksecret")
	f.FailNext(2)
	w := newWorld(t, worldOptions{backend: webhookTo(t, f)})
	w.say("幸福小区3号楼门口的路灯坏了一个月了")
	w.say("是北边那盏，晚上很黑")
	w.run()
	testwait.For(t, "both delivered", func() bool {
		n := 0
		for _, r := range f.Requests() {
			if r.Response == 200 {
				n++
			}
		}
		return n == 2
	})
	var paths []string
	for _, r := range f.Requests() {
		if r.Response == 200 {
			paths = append(paths, r.Path)
		}
	}
	if !strings.HasSuffix(paths[0], "/petitions") || !strings.HasSuffix(paths[1], "/supplements") {
		t.Errorf("order: %v", paths)
	}
}

// The office's record of a petition gets its case id when the backend
// takes it, though the conversation takes no step after that.
func TestOfficeRecordHasTheCaseIDAtDelivery(t *testing.T) {
	f := webhooktest.NewFake(t, "hooksecret")
	w := newWorld(t, worldOptions{backend: webhookTo(t, f)})
	w.run()
	w.say("幸福小区3号楼门口的路灯坏了一个月了")
	testwait.For(t, "taken", func() bool { return f.Taken() == 1 })
	r := &report.Reader{Redis: w.store.Redis, Prefix: w.store.Prefix, Loc: w.cfg.Location()}
	testwait.For(t, "case id in the office's record", func() bool {
		items, err := r.Recent(context.Background(), 5)
		return err == nil && len(items) == 1 && items[0].CaseID != ""
	})
}
