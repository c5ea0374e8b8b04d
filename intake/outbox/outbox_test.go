package outbox_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/minsheng/minsheng/internal/testwait"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/backend/file"
	"github.com/minsheng/minsheng/intake/outbox"
	"github.com/minsheng/minsheng/intake/queue"
	"github.com/minsheng/minsheng/intake/queue/redistest"
	"github.com/redis/go-redis/v9"
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
	o.OnDelivered = func(_ context.Context, _ redis.Pipeliner, d outbox.Delivered) {
		mu.Lock()
		delivered = append(delivered, d)
		mu.Unlock()
	}
	at := time.Now()
	enqueue(t, o, outbox.Record{Type: outbox.TypePetition, Conversation: "sms:+8613912345678", Petition: petition("MS-20260311-AAAAA")})
	enqueue(t, o, outbox.Record{Type: outbox.TypeSupplement, Conversation: "sms:+8613912345678",
		Supplement: &intake.Supplement{PetitionID: "MS-20260311-AAAAA", Text: "在3号楼", At: at}})
	enqueue(t, o, outbox.Record{Type: outbox.TypeRating, Conversation: "sms:+8613912345678",
		Rating: &intake.Rating{PetitionID: "MS-20260311-AAAAA", Rating: intake.RatingSatisfied, At: at.Add(time.Second)}})
	start(t, o)
	testwait.For(t, "all delivered", func() bool { return len(be.snapshot()) == 6 })
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
	// Its redelivery, as a takeover hands it on (a worker died after the
	// backend took it, before the ack): an attempt is counted. A first
	// delivery is not looked up: only a redelivery can follow a submit.
	env, err := outbox.Envelope(r, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	env.Attempt = 1
	if err := rdb.XAdd(context.Background(), &redis.XAddArgs{Stream: o.Queue().StreamKey(queue.ShardOf(r.Key())), Values: []any{"e", env.Encode()}}).Err(); err != nil {
		t.Fatal(err)
	}
	start(t, o)
	testwait.For(t, "drained", func() bool { st, _ := o.Queue().Stats(context.Background()); return st.Empty() })
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
	testwait.For(t, "both dead", func() bool { st, _ := o.Queue().Stats(context.Background()); return st.Dead == 2 && st.Empty() })
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
	testwait.For(t, "drained", func() bool { st, _ := o.Queue().Stats(context.Background()); return st.Empty() })
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

// fixedCaseBackend answers every petition with one case id, as a backend
// that de-duplicates by Idempotency-Key answers a repeated id.
type fixedCaseBackend struct{ recordingBackend }

func (b *fixedCaseBackend) Submit(ctx context.Context, p *intake.Petition, key string) (string, error) {
	_, _ = b.recordingBackend.Submit(ctx, p, key)
	return "CASE-1", nil
}

// A record under an id already delivered with other content (ids repeated
// after the store lost data) is never taken for a repeat: it is a dead
// letter that says why, and the first petition's case stays its own.
func TestConflictingRecordsAreDeadLettersNotRepeats(t *testing.T) {
	ctx := context.Background()
	t.Run("same id, other content", func(t *testing.T) {
		rdb, prefix := redistest.Client(t)
		be := &recordingBackend{}
		o := outbox.New(rdb, prefix, be, fast())
		enqueue(t, o, outbox.Record{Type: outbox.TypePetition, Conversation: "sms:+8613900000001", Petition: petition("MS-20260311-EEEEE")})
		start(t, o)
		testwait.For(t, "first delivered", func() bool { return len(be.snapshot()) == 1 })
		forged := petition("MS-20260311-EEEEE")
		forged.Description = "人民路井盖丢了"
		enqueue(t, o, outbox.Record{Type: outbox.TypePetition, Conversation: "sms:+8613900000002", Petition: forged})
		testwait.For(t, "dead letter", func() bool { st, _ := o.Queue().Stats(ctx); return st.Dead == 1 })
		dl, _ := o.Queue().DeadLetters(ctx, 10)
		if len(dl) != 1 || !strings.Contains(dl[0].Error, "other content") {
			t.Errorf("dead letters %+v", dl)
		}
		if d, _, _ := o.Lookup(ctx, "CASE-MS-20260311-EEEEE"); d.Conversation != "sms:+8613900000001" {
			t.Errorf("the case now points at %q", d.Conversation)
		}
	})
	t.Run("backend answers another petition's case", func(t *testing.T) {
		rdb, prefix := redistest.Client(t)
		be := &fixedCaseBackend{}
		o := outbox.New(rdb, prefix, be, fast())
		enqueue(t, o, outbox.Record{Type: outbox.TypePetition, Conversation: "sms:+8613900000001", Petition: petition("MS-20260311-FFFF1")})
		enqueue(t, o, outbox.Record{Type: outbox.TypePetition, Conversation: "sms:+8613900000002", Petition: petition("MS-20260311-FFFF2")})
		start(t, o)
		testwait.For(t, "one dead letter", func() bool { st, _ := o.Queue().Stats(ctx); return st.Dead == 1 && st.Empty() })
		dl, _ := o.Queue().DeadLetters(ctx, 10)
		if len(dl) != 1 || dl[0].Key != "MS-20260311-FFFF2" || !strings.Contains(dl[0].Error, "CASE-1") {
			t.Errorf("dead letters %+v", dl)
		}
		if d, _, _ := o.Lookup(ctx, "CASE-1"); d.PetitionID != "MS-20260311-FFFF1" {
			t.Errorf("CASE-1 now points at %s", d.PetitionID)
		}
	})
}

// After Redis lost its data, the journal writes the case map back: a
// lookup of a case delivered before the loss finds its conversation and
// reply route, and the loss is reported.
func TestJournalWritesTheCaseMapBackAfterRedisLostIt(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := redistest.Client(t)
	path := filepath.Join(t.TempDir(), "cases.jsonl")
	j, err := outbox.OpenJournal(outbox.JournalOptions{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	var lost sync.WaitGroup
	lost.Add(1)
	be := &recordingBackend{}
	o := outbox.New(rdb, prefix, be, fast(), outbox.Options{Journal: j, OnStoreLost: lost.Done})
	reply := json.RawMessage(`{"ch":"sms","to":"+8613900000001","from":"+8613800000001"}`)
	enqueue(t, o, outbox.Record{Type: outbox.TypePetition, Conversation: "sms:+8613900000001", Petition: petition("MS-20260311-GGGGG"), Reply: reply})
	start(t, o)
	testwait.For(t, "delivered", func() bool { _, ok, _ := o.Lookup(ctx, "CASE-MS-20260311-GGGGG"); return ok })

	redistest.Clean(ctx, rdb, prefix) // what FLUSHALL does to our keys
	d, ok, err := o.Lookup(ctx, "CASE-MS-20260311-GGGGG")
	if err != nil || !ok || d.PetitionID != "MS-20260311-GGGGG" || d.Conversation != "sms:+8613900000001" || string(d.Reply) != string(reply) {
		t.Fatalf("after the loss: %+v %v %v", d, ok, err)
	}
	lost.Wait() // reported once
	if _, ok, _ := o.Lookup(ctx, "CASE-UNKNOWN"); ok {
		t.Error("an unknown case was found")
	}
	if n := len(be.snapshot()); n != 1 {
		t.Errorf("%d submits, want 1", n)
	}
}

// Opening the journal drops lines past the retention and a torn last line.
func TestJournalCompactsOnOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cases.jsonl")
	now := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	old := `{"at":"2025-01-01T00:00:00Z","petition_id":"MS-20250101-AAAAA","case_id":"C-OLD","cv":"sms:+86139"}` + "\n"
	recent := `{"at":"2026-11-29T00:00:00Z","petition_id":"MS-20261129-AAAAA","case_id":"C-NEW","cv":"sms:+86139"}` + "\n"
	torn := `{"at":"2026-11-30T00:00:00Z","petition_id":"MS-2026`
	if err := os.WriteFile(path, []byte(old+recent+torn), 0o640); err != nil {
		t.Fatal(err)
	}
	j, err := outbox.OpenJournal(outbox.JournalOptions{Path: path, Retention: 180 * 24 * time.Hour, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	var cases []string
	if err := j.Each(func(d outbox.Delivered) error { cases = append(cases, d.CaseID); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(cases) != 1 || cases[0] != "C-NEW" {
		t.Errorf("after compaction: %v", cases)
	}
	if err := j.Append(outbox.Delivered{PetitionID: "MS-20261130-AAAAA", CaseID: "C-3", Conversation: "sms:+86139"}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if lines := strings.Count(string(b), "\n"); lines != 2 || !strings.HasSuffix(string(b), "\n") {
		t.Errorf("journal %q", b)
	}
}

// The case is mapped one round trip before its petition's record is
// written: a lookup in between is "being recorded" (ask again), never a
// case of no conversation.
func TestLookupOfACaseBeingRecorded(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	ctx := context.Background()
	o := outbox.New(rdb, prefix, &recordingBackend{}, fast())
	if err := rdb.Set(ctx, prefix+"case:{CASE-9}", "MS-20260311-HHHHH", 0).Err(); err != nil {
		t.Fatal(err)
	}
	d, ok, err := o.Lookup(ctx, "CASE-9")
	if ok || !errors.Is(err, outbox.ErrRecording) {
		t.Fatalf("lookup while recorded: %+v %v %v", d, ok, err)
	}
	if err := rdb.HSet(ctx, prefix+"p:{MS-20260311-HHHHH}", "case_id", "CASE-9", "cv", "sms:+8613900000009").Err(); err != nil {
		t.Fatal(err)
	}
	if d, ok, err := o.Lookup(ctx, "CASE-9"); !ok || err != nil || d.Conversation != "sms:+8613900000009" {
		t.Errorf("lookup once recorded: %+v %v %v", d, ok, err)
	}
}
