package outbox_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/dedup"
	"github.com/minsheng/minsheng/intake/hot/live"
	"github.com/minsheng/minsheng/intake/outbox"
	"github.com/minsheng/minsheng/intake/queue"
	"github.com/minsheng/minsheng/intake/queue/redistest"
	"github.com/minsheng/minsheng/internal/testwait"
)

// keepingBackend keeps the petitions it took.
type keepingBackend struct {
	recordingBackend
	mu    sync.Mutex
	taken []intake.Petition
}

func (b *keepingBackend) Submit(ctx context.Context, p *intake.Petition, key string) (string, error) {
	b.mu.Lock()
	b.taken = append(b.taken, *p)
	b.mu.Unlock()
	return "CASE-" + p.ID, nil
}

func (b *keepingBackend) petitions() []intake.Petition {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]intake.Petition(nil), b.taken...)
}

func mixer(id, phone string, at time.Time) *intake.Petition {
	p := petition(id)
	p.ReceivedAt = at
	p.Citizen.Phone = phone
	p.Description = "丽发新城小区旁边建了搅拌站，日夜轰鸣，粉尘很大，严重影响居民休息"
	p.Location.Text = "A2区丽发新城小区"
	return p
}

func TestDeliveredPetitionsCarryTheirHotIssue(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	be := &keepingBackend{}
	o := outbox.New(rdb, prefix, be, fast(), outbox.Options{
		Duplicates: dedup.NewIndex(rdb, prefix, 72*time.Hour),
		HotIssues:  live.New(rdb, prefix, live.Options{})})
	at := time.Date(2026, 3, 11, 9, 0, 0, 0, time.UTC)
	first := mixer("MS-20260311-HOT01", "+8613900000001", at)
	enqueue(t, o, outbox.Record{Type: outbox.TypePetition, Conversation: "sms:+8613900000001", Petition: first})
	start(t, o)
	testwait.For(t, "the first petition", func() bool { return len(be.petitions()) == 1 })
	second := mixer("MS-20260311-HOT02", "+8613900000002", at.Add(time.Hour))
	second.Description = "投诉丽发新城附近的搅拌站噪音扰民，晚上睡不着觉"
	enqueue(t, o, outbox.Record{Type: outbox.TypePetition, Conversation: "sms:+8613900000002", Petition: second})
	region := petition("MS-20260311-HOT03") // names a district only
	region.Location.Text = "A2区"
	enqueue(t, o, outbox.Record{Type: outbox.TypePetition, Conversation: "sms:+8613900000003", Petition: region})
	testwait.For(t, "three petitions", func() bool { return len(be.petitions()) == 3 })
	got := map[string]*intake.HotIssue{}
	for _, p := range be.petitions() {
		got[p.ID] = p.HotIssue
	}
	if h := got[first.ID]; h == nil || h.ID != "hot-"+first.ID || h.Size != 1 || !strings.HasPrefix(h.Title, "丽发新城小区·") {
		t.Errorf("first: %+v", h)
	}
	if h := got[second.ID]; h == nil || h.ID != "hot-"+first.ID || h.Size != 2 || h.Title != "丽发新城小区·搅拌站" {
		t.Errorf("second, another citizen: %+v, want hot-%s of 2, 丽发新城小区·搅拌站", h, first.ID)
	}
	if h := got[region.ID]; h != nil {
		t.Errorf("a petition naming a district only: %+v, want none", h)
	}
	if first.HotIssue != nil || second.HotIssue != nil {
		t.Errorf("the queued petitions were changed")
	}
}

func TestAFailingHotIssueDoesNotHoldDeliveryBack(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	be := &keepingBackend{}
	var mu sync.Mutex
	var outcomes []queue.Outcome
	opt := fast()
	opt.Done = func(_ queue.Entry, out queue.Outcome, _ error) {
		mu.Lock()
		outcomes = append(outcomes, out)
		mu.Unlock()
	}
	o := outbox.New(rdb, prefix, be, opt, outbox.Options{HotIssues: live.New(rdb, prefix, live.Options{})})
	// The stream's key holds something else: every script fails.
	if err := rdb.Set(context.Background(), prefix+"{hot}:items", "not a stream", 0).Err(); err != nil {
		t.Fatal(err)
	}
	enqueue(t, o, outbox.Record{Type: outbox.TypePetition, Conversation: "sms:+8613900000001",
		Petition: mixer("MS-20260311-HOT01", "+8613900000001", time.Now())})
	start(t, o)
	testwait.For(t, "the petition", func() bool { return len(be.petitions()) == 1 })
	if h := be.petitions()[0].HotIssue; h != nil {
		t.Errorf("hot issue %+v from a failing store", h)
	}
	testwait.For(t, "the outcome", func() bool { mu.Lock(); defer mu.Unlock(); return len(outcomes) == 3 })
	mu.Lock()
	defer mu.Unlock()
	if want := []queue.Outcome{queue.Retrying, queue.Retrying, queue.Delivered}; !slices.Equal(outcomes, want) {
		t.Errorf("outcomes %q, want %q: retried twice, then delivered without", outcomes, want)
	}
}
