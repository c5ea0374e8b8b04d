package queue_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/minsheng/minsheng/internal/testproc"
	"github.com/minsheng/minsheng/internal/testwait"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/minsheng/minsheng/intake/queue"
	"github.com/minsheng/minsheng/intake/queue/redistest"
	"github.com/redis/go-redis/v9"
)

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// recorder keeps what handlers saw.
type recorder struct {
	mu   sync.Mutex
	seen []queue.Entry
}

func (r *recorder) add(e queue.Entry) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen = append(r.seen, e)
	n := 0
	for _, s := range r.seen {
		if s.Key == e.Key {
			n++
		}
	}
	return n
}

func (r *recorder) count(key string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, s := range r.seen {
		if s.Key == key {
			n++
		}
	}
	return n
}

func run(t *testing.T, q *queue.Queue) context.CancelFunc {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = q.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return cancel
}

func fast(o queue.Options) queue.Options {
	o.Block = 50 * time.Millisecond
	o.Poll = 20 * time.Millisecond
	return o
}

func TestEveryEntryHandledOnceInOrderPerShard(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	var rec recorder
	q := queue.New(rdb, prefix, "work", func(ctx context.Context, e queue.Entry) error {
		rec.add(e)
		return nil
	}, fast(queue.Options{}))
	ctx := context.Background()
	const n = 200
	for i := 0; i < n; i++ {
		if err := q.Enqueue(ctx, fmt.Sprintf("k%03d", i%20), map[string]int{"i": i}); err != nil {
			t.Fatal(err)
		}
	}
	run(t, q)
	testwait.For(t, "all handled", func() bool { rec.mu.Lock(); defer rec.mu.Unlock(); return len(rec.seen) == n })
	// Per key, bodies arrive in enqueue order (one key, one shard, one stream).
	last := map[string]int{}
	for _, e := range rec.seen {
		var b struct{ I int }
		if err := e.Decode(&b); err != nil {
			t.Fatal(err)
		}
		if prev, ok := last[e.Key]; ok && b.I <= prev {
			t.Errorf("key %s: %d after %d", e.Key, b.I, prev)
		}
		last[e.Key] = b.I
		if e.Attempt != 1 {
			t.Errorf("first delivery should be attempt 1, got %d", e.Attempt)
		}
	}
	testwait.For(t, "queue empty", func() bool { st, _ := q.Stats(ctx); return st.Empty() && st.Pending == 0 })
}

func TestFailureRetriedWithBackoffSameKey(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	clock := &fakeClock{now: time.Date(2026, 3, 11, 14, 5, 0, 0, time.UTC)}
	var rec recorder
	q := queue.New(rdb, prefix, "work", func(ctx context.Context, e queue.Entry) error {
		if rec.add(e) < 3 {
			return errors.New("backend down")
		}
		return nil
	}, fast(queue.Options{Now: clock.Now, Backoff: func(a int) time.Duration { return time.Duration(a) * time.Minute }}))
	ctx := context.Background()
	if err := q.Enqueue(ctx, "MS-1", "petition"); err != nil {
		t.Fatal(err)
	}
	run(t, q)
	retryKey := queue.Tag(prefix, queue.ShardOf("MS-1")) + "work:retry"

	testwait.For(t, "first failure scheduled", func() bool { return rdb.ZCard(ctx, retryKey).Val() == 1 })
	due := rdb.ZRangeWithScores(ctx, retryKey, 0, -1).Val()[0].Score
	if want := clock.Now().Add(time.Minute).UnixMilli(); int64(due) != want {
		t.Errorf("first retry due %d, want now+1m %d", int64(due), want)
	}
	time.Sleep(100 * time.Millisecond) // several polls: not due, so not retried
	if rec.count("MS-1") != 1 {
		t.Fatalf("retried before it was due: %d", rec.count("MS-1"))
	}
	clock.Add(time.Minute)
	testwait.For(t, "second failure scheduled", func() bool { return rec.count("MS-1") == 2 && rdb.ZCard(ctx, retryKey).Val() == 1 })
	due = rdb.ZRangeWithScores(ctx, retryKey, 0, -1).Val()[0].Score
	if want := clock.Now().Add(2 * time.Minute).UnixMilli(); int64(due) != want {
		t.Errorf("second retry due %d, want now+2m %d", int64(due), want)
	}
	clock.Add(2 * time.Minute)
	testwait.For(t, "third attempt", func() bool { return rec.count("MS-1") == 3 })
	testwait.For(t, "queue empty", func() bool { st, _ := q.Stats(ctx); return st.Empty() })
	for i, e := range rec.seen {
		if e.Key != "MS-1" || e.Attempt != i+1 || string(e.Body) != `"petition"` {
			t.Errorf("delivery %d: key %q attempt %d body %s", i, e.Key, e.Attempt, e.Body)
		}
	}
}

func TestDeadLetters(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	var rec recorder
	q := queue.New(rdb, prefix, "work", func(ctx context.Context, e queue.Entry) error {
		rec.add(e)
		if e.Key == "bad" {
			return fmt.Errorf("400 from backend: %w", queue.ErrPermanent)
		}
		return errors.New("still down")
	}, fast(queue.Options{MaxAttempts: 3, Backoff: func(int) time.Duration { return 0 }}))
	ctx := context.Background()
	_ = q.Enqueue(ctx, "bad", 1)
	_ = q.Enqueue(ctx, "flaky", 2)
	run(t, q)
	testwait.For(t, "both dead", func() bool { st, _ := q.Stats(ctx); return st.Dead == 2 && st.Empty() })
	if rec.count("bad") != 1 || rec.count("flaky") != 3 {
		t.Errorf("attempts: bad %d (want 1), flaky %d (want 3)", rec.count("bad"), rec.count("flaky"))
	}
	dl, err := q.DeadLetters(ctx, 10)
	if err != nil || len(dl) != 2 {
		t.Fatalf("dead letters %v %v", dl, err)
	}
	for _, d := range dl {
		switch d.Key {
		case "bad":
			if d.Attempts != 1 || !strings.Contains(d.Error, "400") {
				t.Errorf("bad: %+v", d)
			}
		case "flaky":
			if d.Attempts != 3 || !strings.Contains(d.Error, "still down") || string(d.Body) != "2" {
				t.Errorf("flaky: %+v", d)
			}
		}
	}
}

// TestARequeuedDeadLetterIsTriedAgain: a dead letter put back by Requeue
// is handled again as fresh work (attempt 1, the same key and body) and
// leaves the dead letters; it is moved once, however many ask at once.
func TestARequeuedDeadLetterIsTriedAgain(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	var rec recorder
	var fixed atomic.Bool
	q := queue.New(rdb, prefix, "work", func(ctx context.Context, e queue.Entry) error {
		rec.add(e)
		if !fixed.Load() {
			return fmt.Errorf("400 from backend: %w", queue.ErrPermanent)
		}
		return nil
	}, fast(queue.Options{MaxAttempts: 3}))
	ctx := context.Background()
	before := time.Now().Add(-time.Second)
	if err := q.Enqueue(ctx, "MS-1", map[string]string{"id": "MS-1"}); err != nil {
		t.Fatal(err)
	}
	run(t, q)
	testwait.For(t, "a dead letter", func() bool { st, _ := q.Stats(ctx); return st.Dead == 1 && st.Empty() })
	dl, err := q.DeadLetters(ctx, 10)
	if err != nil || len(dl) != 1 {
		t.Fatalf("dead letters %v %v", dl, err)
	}
	d := dl[0]
	if d.Shard != queue.ShardOf("MS-1") || d.Parked.Before(before) || d.Parked.After(time.Now().Add(time.Second)) {
		t.Errorf("dead letter's shard %d (want %d), parked %s", d.Shard, queue.ShardOf("MS-1"), d.Parked)
	}
	for _, bad := range []struct {
		shard int
		id    string
	}{{d.Shard, "not-an-id"}, {d.Shard, "0-1"}, {-1, d.ID}, {queue.Shards, d.ID}, {(d.Shard + 1) % queue.Shards, d.ID}} {
		if err := q.Requeue(ctx, bad.shard, bad.id, nil); !errors.Is(err, queue.ErrNoDeadLetter) {
			t.Errorf("Requeue(%d, %q): %v, want ErrNoDeadLetter", bad.shard, bad.id, err)
		}
	}
	fixed.Store(true)
	var moved atomic.Int32
	var wg sync.WaitGroup
	for range 4 { // four clerks press 重试 at once
		wg.Add(1)
		go func() {
			defer wg.Done()
			edit := func(b json.RawMessage) (json.RawMessage, error) {
				return json.RawMessage(strings.Replace(string(b), "MS-1", "MS-1b", 1)), nil
			}
			switch err := q.Requeue(ctx, d.Shard, d.ID, edit); {
			case err == nil:
				moved.Add(1)
			case !errors.Is(err, queue.ErrNoDeadLetter):
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if moved.Load() != 1 {
		t.Fatalf("requeued %d times, want once", moved.Load())
	}
	testwait.For(t, "handled again", func() bool { return rec.count("MS-1") == 2 })
	testwait.For(t, "no dead letter left", func() bool { st, _ := q.Stats(ctx); return st.Dead == 0 && st.Empty() && st.Pending == 0 })
	rec.mu.Lock()
	again := rec.seen[1]
	rec.mu.Unlock()
	if again.Attempt != 1 || again.Key != "MS-1" || string(again.Body) != `{"id":"MS-1b"}` {
		t.Errorf("tried again as attempt %d, key %s, with %s (want the body edited)", again.Attempt, again.Key, again.Body)
	}
	if err := q.Requeue(ctx, d.Shard, d.ID, nil); !errors.Is(err, queue.ErrNoDeadLetter) {
		t.Errorf("a dead letter requeued twice: %v", err)
	}
}

func TestDeferDoesNotCountAttempts(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	var rec recorder
	q := queue.New(rdb, prefix, "work", func(ctx context.Context, e queue.Entry) error {
		if rec.add(e) <= 5 {
			return queue.Defer(0)
		}
		return nil
	}, fast(queue.Options{MaxAttempts: 2}))
	ctx := context.Background()
	_ = q.Enqueue(ctx, "supplement", 1)
	run(t, q)
	testwait.For(t, "delivered after deferrals", func() bool { return rec.count("supplement") == 6 })
	testwait.For(t, "empty", func() bool { st, _ := q.Stats(ctx); return st.Empty() && st.Dead == 0 })
	for _, e := range rec.seen {
		if e.Attempt != 1 {
			t.Errorf("deferral counted as an attempt: %d", e.Attempt)
		}
	}
}

func TestShutdownFinishesTheEntryInHand(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	started := make(chan struct{})
	var rec recorder
	q := queue.New(rdb, prefix, "work", func(ctx context.Context, e queue.Entry) error {
		close(started)
		time.Sleep(200 * time.Millisecond) // still working when the stop comes
		if ctx.Err() != nil {
			return ctx.Err()
		}
		rec.add(e)
		return nil
	}, fast(queue.Options{}))
	ctx, cancel := context.WithCancel(context.Background())
	_ = q.Enqueue(ctx, "k", 1)
	done := make(chan struct{})
	go func() { _ = q.Run(ctx); close(done) }()
	<-started
	cancel()
	<-done
	if rec.count("k") != 1 {
		t.Fatal("the entry in hand was not finished on shutdown")
	}
	st, _ := q.Stats(context.Background())
	if !st.Empty() || st.Pending != 0 {
		t.Errorf("entry left behind after a graceful stop: %+v", st)
	}
}

// TestCrashBetweenHandleAndAck kills a worker process (SIGKILL) after its
// handler did the work and before the acknowledgement. Another worker takes
// the entry over: it is done exactly once more, never again.
func TestCrashBetweenHandleAndAck(t *testing.T) {
	if os.Getenv("QUEUE_CRASH_CHILD") != "" {
		return
	}
	rdb, prefix := redistest.Client(t)
	ctx := context.Background()
	out := filepath.Join(t.TempDir(), "done.log")
	if err := queue.New(rdb, prefix, "work", nil, queue.Options{}).Enqueue(ctx, "MS-crash", "x"); err != nil {
		t.Fatal(err)
	}
	child := testproc.Child("^TestCrashChild$", "QUEUE_CRASH_CHILD=1", "QUEUE_PREFIX="+prefix, "QUEUE_OUT="+out)
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	testwait.For(t, "child did the work", func() bool { b, _ := os.ReadFile(out); return len(b) > 0 })
	_ = child.Process.Signal(syscall.SIGKILL)
	_ = child.Wait()

	q := queue.New(rdb, prefix, "work", func(ctx context.Context, e queue.Entry) error {
		return appendLine(out, fmt.Sprintf("%s attempt=%d", e.Key, e.Attempt))
	}, fast(queue.Options{ClaimIdle: 300 * time.Millisecond, Consumer: "survivor"}))
	run(t, q)
	testwait.For(t, "taken over", func() bool { st, _ := q.Stats(ctx); return st.Empty() && st.Pending == 0 })
	time.Sleep(time.Second) // more takeover rounds: nothing more may happen
	b, _ := os.ReadFile(out)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 2 || lines[0] != "MS-crash attempt=1" || lines[1] != "MS-crash attempt=2" {
		t.Errorf("want the work done by the crashed worker and once more, got %q", lines)
	}
}

// TestCrashChild is the worker process killed by TestCrashBetweenHandleAndAck.
func TestCrashChild(t *testing.T) {
	if os.Getenv("QUEUE_CRASH_CHILD") == "" {
		t.Skip("run by TestCrashBetweenHandleAndAck")
	}
	rdb := redis.NewClient(redistest.Options())
	out := os.Getenv("QUEUE_OUT")
	q := queue.New(rdb, os.Getenv("QUEUE_PREFIX"), "work", func(ctx context.Context, e queue.Entry) error {
		if err := appendLine(out, fmt.Sprintf("%s attempt=%d", e.Key, e.Attempt)); err != nil {
			return err
		}
		select {} // killed here, before the acknowledgement
	}, fast(queue.Options{Consumer: "doomed"}))
	_ = q.Run(context.Background())
}

func appendLine(path, line string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.WriteString(line + "\n")
	return err
}

// With Concurrency n, n entries of different keys are in the handler at
// once, while the entries of one key still come one at a time, in order.
func TestConcurrencyParallelKeysSerialKey(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	const lanes = 8
	var (
		mu       sync.Mutex
		inFlight = map[string]int{}
		most     int
		now      int
		last     = map[string]int{}
		problems []string
		handled  int
	)
	release := make(chan struct{})
	q := queue.New(rdb, prefix, "work", func(ctx context.Context, e queue.Entry) error {
		var b struct{ I int }
		if err := e.Decode(&b); err != nil {
			return err
		}
		mu.Lock()
		inFlight[e.Key]++
		now++
		most = max(most, now)
		if inFlight[e.Key] > 1 {
			problems = append(problems, "two entries of "+e.Key+" at once")
		}
		if prev, ok := last[e.Key]; ok && b.I <= prev {
			problems = append(problems, fmt.Sprintf("%s: %d after %d", e.Key, b.I, prev))
		}
		last[e.Key] = b.I
		mu.Unlock()
		if strings.HasPrefix(e.Key, "slow") {
			<-release // held until every lane is busy
		}
		mu.Lock()
		inFlight[e.Key]--
		now--
		handled++
		mu.Unlock()
		return nil
	}, fast(queue.Options{Concurrency: lanes}))
	ctx := context.Background()
	run(t, q)
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { close(release) }) }) // before the queue stops
	// First the held entries alone: eight keys over 8 lanes (a seeded hash
	// of the key picks one); that all share one lane has a chance of 8^-7.
	slow := []string{"slow0", "slow1", "slow2", "slow3", "slow4", "slow5", "slow6", "slow7"}
	for i, k := range slow {
		if err := q.Enqueue(ctx, k, map[string]int{"i": 1000 + i}); err != nil {
			t.Fatal(err)
		}
	}
	testwait.For(t, "several held entries in hand at once", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return now >= 2
	})
	once.Do(func() { close(release) })
	// Then a mix: one key's entries keep their order.
	for i := 0; i < 200; i++ {
		key := "seq"
		if i%2 == 1 {
			key = fmt.Sprintf("k%d", i%7)
		}
		if err := q.Enqueue(ctx, key, map[string]int{"i": i}); err != nil {
			t.Fatal(err)
		}
	}
	testwait.For(t, "all handled", func() bool { mu.Lock(); defer mu.Unlock(); return handled == 200+len(slow) })
	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems {
		t.Error(p)
	}
	if most < 2 {
		t.Errorf("at most %d entries in hand at once, want parallel handling", most)
	}
}

// Options.Group: entries whose keys differ but share a group (a citizen's
// replies "conv:1", "conv:2", …) go one at a time, in stream order.
func TestGroupKeepsOrderAcrossKeys(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	var (
		mu       sync.Mutex
		inFlight = map[string]int{}
		last     = map[string]int{}
		problems []string
		handled  int
	)
	group := func(key string) string { g, _, _ := strings.Cut(key, ":"); return g }
	q := queue.New(rdb, prefix, "work", func(ctx context.Context, e queue.Entry) error {
		var b struct{ I int }
		if err := e.Decode(&b); err != nil {
			return err
		}
		g := group(e.Key)
		mu.Lock()
		inFlight[g]++
		if inFlight[g] > 1 {
			problems = append(problems, "two entries of "+g+" at once")
		}
		if prev, ok := last[g]; ok && b.I <= prev {
			problems = append(problems, fmt.Sprintf("%s: %d after %d", g, b.I, prev))
		}
		last[g] = b.I
		mu.Unlock()
		time.Sleep(time.Millisecond) // a send takes a while: gives a wrong lane the chance to overtake
		mu.Lock()
		inFlight[g]--
		handled++
		mu.Unlock()
		return nil
	}, fast(queue.Options{Concurrency: 8, Group: group}))
	ctx := context.Background()
	// One group's entries share a stream, as a conversation's replies do
	// (the commit script adds them to the conversation's shard): keys are
	// picked whose shard is the group's.
	next := map[int]int{}
	for i := 0; i < 120; i++ {
		g := i % 3
		for ; ; next[g]++ {
			if queue.ShardOf(fmt.Sprintf("c%d:%d", g, next[g])) == queue.ShardOf(fmt.Sprintf("c%d:0", g)) {
				break
			}
		}
		key := fmt.Sprintf("c%d:%d", g, next[g])
		next[g]++
		if err := q.Enqueue(ctx, key, map[string]int{"i": i}); err != nil {
			t.Fatal(err)
		}
	}
	run(t, q)
	testwait.For(t, "all handled", func() bool { mu.Lock(); defer mu.Unlock(); return handled == 120 })
	for _, p := range problems {
		t.Error(p)
	}
}

// An idle queue's sweep (retries due, entries of stopped workers) is one
// script per shard: no XAUTOCLAIM of its own, and an entry a stopped worker
// left is still taken over through it.
func TestAnIdleSweepIsOneCommandPerShard(t *testing.T) {
	if redistest.Embedded() {
		t.Skip("the embedded store has no XAUTOCLAIM in scripts")
	}
	rdb, prefix := redistest.Client(t)
	ctx := context.Background()
	// An entry read by a worker that stopped without finishing it.
	doomed := queue.New(rdb, prefix, "idle", nil, queue.Options{})
	if err := doomed.Enqueue(ctx, "MS-left", "x"); err != nil {
		t.Fatal(err)
	}
	left := doomed.StreamKey(queue.ShardOf("MS-left"))
	if err := rdb.XGroupCreateMkStream(ctx, left, "workers", "0").Err(); err != nil && !strings.Contains(err.Error(), "BUSYGROUP") {
		t.Fatal(err)
	}
	if err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "workers", Consumer: "gone", Streams: []string{left, ">"}, Count: 1}).Err(); err != nil {
		t.Fatal(err)
	}
	counted := redis.NewClient(redistest.Options())
	t.Cleanup(func() { _ = counted.Close() })
	cc := &redistest.Commands{}
	counted.AddHook(cc)
	var handled atomic.Int32
	q := queue.New(counted, prefix, "idle", func(ctx context.Context, e queue.Entry) error {
		handled.Add(1)
		return nil
	}, queue.Options{Block: time.Second, Poll: 50 * time.Millisecond, ClaimIdle: 100 * time.Millisecond, Consumer: "survivor"})
	run(t, q)
	testwait.For(t, "the left entry taken over", func() bool { return handled.Load() == 1 })
	testwait.For(t, "three more sweeps", func() bool { return cc.Count("evalsha")+cc.Count("eval") >= 4*queue.Shards })
	if n := cc.Count("xautoclaim"); n != 0 {
		t.Errorf("%d XAUTOCLAIM commands of their own, want none", n)
	}
	if n := handled.Load(); n != 1 {
		t.Errorf("handled %d times", n)
	}
}
