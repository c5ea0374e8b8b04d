package outbox_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/backend/file"
	"github.com/minsheng/minsheng/intake/outbox"
	"github.com/minsheng/minsheng/intake/queue"
	"github.com/minsheng/minsheng/intake/queue/redistest"
)

// recordingBackend remembers calls in order and fails petitions a number of times.
type recordingBackend struct {
	mu        sync.Mutex
	calls     []string
	failFirst int
	permanent bool
}

func (b *recordingBackend) Submit(ctx context.Context, p *intake.Petition, key string) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls = append(b.calls, "submit "+key)
	if b.permanent {
		return "", &intake.PermanentError{Status: 422, Body: "no"}
	}
	if b.failFirst > 0 {
		b.failFirst--
		return "", errors.New("backend 500")
	}
	return "CASE-" + p.ID, nil
}

func (b *recordingBackend) Supplement(ctx context.Context, s *intake.Supplement, key string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls = append(b.calls, "supplement "+s.CaseID+" "+s.Text)
	return nil
}

func (b *recordingBackend) Rate(ctx context.Context, r *intake.Rating, key string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls = append(b.calls, "rate "+r.CaseID+" "+r.Rating)
	return nil
}

func (b *recordingBackend) snapshot() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.calls...)
}

func fast() queue.Options {
	return queue.Options{Block: 50 * time.Millisecond, Poll: 20 * time.Millisecond,
		Backoff: func(int) time.Duration { return 30 * time.Millisecond }}
}

func start(t *testing.T, o *outbox.Outbox) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = o.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func petition(id string) *intake.Petition {
	return &intake.Petition{SchemaVersion: 1, ID: id, Channel: "sms", Description: "路灯坏了",
		ReceivedAt: time.Date(2026, 3, 11, 14, 5, 0, 0, time.FixedZone("CST", 8*3600))}
}

func enqueue(t *testing.T, o *outbox.Outbox, r outbox.Record) {
	t.Helper()
	if err := o.Queue().Enqueue(context.Background(), r.Key(), r); err != nil {
		t.Fatal(err)
	}
}

func TestSupplementAndRatingWaitForTheirPetition(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	be := &recordingBackend{failFirst: 3}
	o := outbox.New(rdb, prefix, be, fast())
	var delivered []outbox.Delivered
	var mu sync.Mutex
	o.OnDelivered = func(_ context.Context, d outbox.Delivered) { mu.Lock(); delivered = append(delivered, d); mu.Unlock() }
	at := time.Now()
	enqueue(t, o, outbox.Record{Type: outbox.TypePetition, Conversation: "sms:+8613912345678", Petition: petition("MS-20260311-AAAAA")})
	enqueue(t, o, outbox.Record{Type: outbox.TypeSupplement, Conversation: "sms:+8613912345678",
		Supplement: &intake.Supplement{PetitionID: "MS-20260311-AAAAA", Text: "在3号楼", At: at}})
	enqueue(t, o, outbox.Record{Type: outbox.TypeRating, Conversation: "sms:+8613912345678",
		Rating: &intake.Rating{PetitionID: "MS-20260311-AAAAA", Rating: intake.RatingSatisfied, At: at.Add(time.Second)}})
	start(t, o)
	waitFor(t, "all delivered", func() bool { return len(be.snapshot()) == 6 })
	calls := be.snapshot()
	want := []string{
		"submit MS-20260311-AAAAA", "submit MS-20260311-AAAAA", "submit MS-20260311-AAAAA", "submit MS-20260311-AAAAA",
	}
	for i, w := range want {
		if calls[i] != w {
			t.Fatalf("call %d = %q, want %q (all: %q)", i, calls[i], w, calls)
		}
	}
	rest := map[string]bool{calls[4]: true, calls[5]: true}
	if !rest["supplement CASE-MS-20260311-AAAAA 在3号楼"] || !rest["rate CASE-MS-20260311-AAAAA satisfied"] {
		t.Errorf("after the petition: %q", calls[4:])
	}
	d, ok, err := o.Lookup(context.Background(), "CASE-MS-20260311-AAAAA")
	if err != nil || !ok || d.PetitionID != "MS-20260311-AAAAA" || d.Conversation != "sms:+8613912345678" {
		t.Errorf("lookup: %+v %v %v", d, ok, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(delivered) != 1 || delivered[0].CaseID != "CASE-MS-20260311-AAAAA" {
		t.Errorf("OnDelivered: %+v", delivered)
	}
}

func TestPetitionRedeliveredIsNotSubmittedTwice(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	be := &recordingBackend{}
	o := outbox.New(rdb, prefix, be, fast())
	r := outbox.Record{Type: outbox.TypePetition, Conversation: "sms:+8613912345678", Petition: petition("MS-20260311-BBBBB")}
	enqueue(t, o, r)
	enqueue(t, o, r) // e.g. a worker died after the backend took it, before the ack
	start(t, o)
	waitFor(t, "drained", func() bool { st, _ := o.Queue().Stats(context.Background()); return st.Empty() })
	if calls := be.snapshot(); len(calls) != 1 {
		t.Errorf("want one submit, got %q", calls)
	}
}

func TestSupplementOfADeadPetitionIsDeadToo(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	be := &recordingBackend{permanent: true}
	o := outbox.New(rdb, prefix, be, fast())
	enqueue(t, o, outbox.Record{Type: outbox.TypePetition, Conversation: "sms:+8613912345678", Petition: petition("MS-20260311-CCCCC")})
	enqueue(t, o, outbox.Record{Type: outbox.TypeSupplement, Conversation: "sms:+8613912345678",
		Supplement: &intake.Supplement{PetitionID: "MS-20260311-CCCCC", Text: "补充", At: time.Now()}})
	start(t, o)
	waitFor(t, "both dead", func() bool { st, _ := o.Queue().Stats(context.Background()); return st.Dead == 2 && st.Empty() })
	dl, _ := o.Queue().DeadLetters(context.Background(), 10)
	for _, d := range dl {
		if d.Key == "MS-20260311-CCCCC" && d.Attempts != 1 {
			t.Errorf("a 422 should not be retried: %+v", d)
		}
	}
}

func TestFileBackendGetsEachRecordOnce(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	path := filepath.Join(t.TempDir(), "petitions.jsonl")
	fb, err := file.New(file.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer fb.Close()
	o := outbox.New(rdb, prefix, fb, fast())
	for i := 0; i < 5; i++ {
		p := petition(fmt.Sprintf("MS-20260311-D%04d", i))
		enqueue(t, o, outbox.Record{Type: outbox.TypePetition, Conversation: "sms:+86139", Petition: p})
		enqueue(t, o, outbox.Record{Type: outbox.TypePetition, Conversation: "sms:+86139", Petition: p})
	}
	start(t, o)
	waitFor(t, "drained", func() bool { st, _ := o.Queue().Stats(context.Background()); return st.Empty() })
	f, _ := os.Open(path)
	defer f.Close()
	ids := map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m struct {
			ID     string `json:"id"`
			Type   string `json:"type"`
			CaseID string `json:"case_id"`
		}
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		ids[m.ID]++
		if m.Type != "petition" || m.CaseID != m.ID {
			t.Errorf("line %s", sc.Text())
		}
	}
	if len(ids) != 5 {
		t.Errorf("want 5 petitions, got %v", ids)
	}
	for id, n := range ids {
		if n != 1 {
			t.Errorf("%s written %d times", id, n)
		}
	}
}
