package bot

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/minsheng/minsheng/intake/queue"
	"github.com/redis/go-redis/v9"
)

// timerEntries is where conv's timer is kept: by set, its score.
func timerEntries(t *testing.T, env *testEnv, conv string) map[string]float64 {
	t.Helper()
	ctx := context.Background()
	tag := queue.Tag(env.store.Prefix, queue.ShardOf(conv))
	sets := []string{tag + "timers"}
	for b := 0; b < timerBuckets; b++ {
		sets = append(sets, fmt.Sprintf("%st%d", tag, b))
	}
	found := map[string]float64{}
	for _, set := range sets {
		if score, err := env.store.Redis.ZScore(ctx, set, conv).Result(); err == nil {
			found[set] = score
		}
	}
	return found
}

// Timers are spread over small sorted sets that keep Redis's compact
// encoding; the due script finds a conversation's bucket as Go names it
// (one entry per conversation, in its bucket, through ingest, the lease
// and the commit), and a timer in the one set of earlier versions still
// fires, and moves to its bucket.
func TestTimersAreKeptInCompactBuckets(t *testing.T) {
	env, _, now := burstEnv(t)
	ctx := context.Background()
	start := *now
	var convs []string
	for i := 0; i < 200; i++ {
		phone := fmt.Sprintf("+86139%08d", 12345000+i*7919)
		convs = append(convs, ConversationKey(ChannelSMS, phone))
		in := sms(phone, "小区门口的路灯坏了", fmt.Sprintf("SMt%d", i))
		in.At = *now
		if res, err := env.p.Handle(ctx, in); err != nil || !res.Waiting {
			t.Fatalf("message %d: %+v %v, want it waiting", i, res, err)
		}
	}
	// One conversation's timer as an earlier version kept it.
	legacy := convs[0]
	tag := queue.Tag(env.store.Prefix, queue.ShardOf(legacy))
	bucket := timerKey(tag, legacy)
	score := env.store.Redis.ZScore(ctx, bucket, legacy).Val()
	if score == 0 {
		t.Fatalf("no timer of %s in %s: %v", legacy, bucket, timerEntries(t, env, legacy))
	}
	env.store.Redis.ZRem(ctx, bucket, legacy)
	env.store.Redis.ZAdd(ctx, tag+"timers", redis.Z{Score: score, Member: legacy})

	for _, c := range convs[1:] {
		if got := timerEntries(t, env, c); len(got) != 1 || got[timerKey(queue.Tag(env.store.Prefix, queue.ShardOf(c)), c)] == 0 {
			t.Fatalf("timer of %s kept as %v, want one entry in its bucket", c, got)
		}
	}
	for s := 0; s < queue.Shards; s++ {
		for b := 0; b < timerBuckets; b++ {
			key := fmt.Sprintf("%st%d", queue.Tag(env.store.Prefix, s), b)
			if enc := env.store.Redis.ObjectEncoding(ctx, key).Val(); enc != "" && enc != "listpack" && enc != "ziplist" {
				t.Errorf("%s encoded as %s", key, enc)
			}
		}
	}
	*now = start.Add(16 * time.Second)
	ran := 0
	for n := env.p.RunDue(ctx); n > 0; n = env.p.RunDue(ctx) {
		ran += n
	}
	if ran != len(convs) {
		t.Errorf("the scheduler ran %d conversations, want %d", ran, len(convs))
	}
	got := outcomeOf(t, env)
	if len(got.replies) != len(convs) {
		t.Errorf("%d replies, want %d", len(got.replies), len(convs))
	}
	for _, c := range convs {
		entries := timerEntries(t, env, c)
		if _, ok := entries[tag+"timers"]; ok && c == legacy {
			t.Errorf("the earlier version's timer of %s is still there: %v", c, entries)
		}
		if len(entries) > 1 {
			t.Errorf("timer of %s kept as %v, want at most one entry", c, entries)
		}
		for set := range entries {
			if set != timerKey(queue.Tag(env.store.Prefix, queue.ShardOf(c)), c) {
				t.Errorf("timer of %s in %s", c, set)
			}
		}
	}
}
