// Package redistest gives tests a Redis: REDIS_URL, else 127.0.0.1:6379.
// Each test gets its own key prefix and its keys are deleted when it ends,
// so packages can run their tests in parallel on one server.
//
// On a machine with no Redis at all (REDIS_URL unset and nothing answering
// on 127.0.0.1:6379) the tests fall back to the embedded store the bot
// itself uses without Redis (miniredis, in this test process) and say so in
// one line, so that `go test ./...` passes with Go alone. CI sets
// REDISTEST_REQUIRE=1: there, a missing Redis fails the tests instead.
package redistest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

const defaultAddr = "127.0.0.1:6379"

var (
	once     sync.Once
	embedded *miniredis.Miniredis
)

// resolve decides once per test process which server the tests use.
func resolve() {
	once.Do(func() {
		// REDISTEST_EMBEDDED=1 takes the embedded store even where a Redis
		// answers: how the README's test command runs on a fresh machine
		// with Go alone, measurable on one that has a Redis.
		// A child process of a crash test finds its parent's store in
		// REDIS_URL, forced or not.
		forced := os.Getenv("REDISTEST_EMBEDDED") != "" && os.Getenv("REDIS_URL") == ""
		if !forced && (os.Getenv("REDIS_URL") != "" || os.Getenv("REDISTEST_REQUIRE") != "" || answers(defaultAddr)) {
			return
		}
		m := miniredis.NewMiniRedis()
		m.ClockTTL(true) // TTLs pass in real time, as on a server
		if err := m.StartAddr("127.0.0.1:0"); err != nil {
			return // the tests fail below, naming the default address
		}
		embedded = m
		// Child processes of crash tests find it the same way.
		os.Setenv("REDIS_URL", "redis://"+m.Addr())
		fmt.Fprintf(os.Stderr, "redistest: no Redis at %s and REDIS_URL unset: running on the embedded store (miniredis) instead\n", defaultAddr)
	})
}

func answers(addr string) bool {
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: time.Second})
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	return rdb.Ping(ctx).Err() == nil
}

// Embedded reports whether the tests run on the embedded store.
func Embedded() bool { resolve(); return embedded != nil }

// Addr is the server tests use.
func Addr() string {
	resolve()
	if u := os.Getenv("REDIS_URL"); u != "" {
		if opt, err := redis.ParseURL(u); err == nil {
			return opt.Addr
		}
		return u
	}
	return defaultAddr
}

// Options are the client options tests use.
func Options() *redis.Options {
	resolve()
	if u := os.Getenv("REDIS_URL"); u != "" {
		if opt, err := redis.ParseURL(u); err == nil {
			return opt
		}
	}
	return &redis.Options{Addr: Addr()}
}

// Client connects to the test Redis and returns a fresh key prefix
// ("mstest:<random>:"). The test fails at once if Redis does not answer.
func Client(t testing.TB) (redis.UniversalClient, string) {
	t.Helper()
	rdb := redis.NewClient(Options())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatalf("tests need a Redis at %s (set REDIS_URL, or start redis-server): %v", Addr(), err)
	}
	prefix := fmt.Sprintf("mstest:%x:", rand.Uint64())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		Clean(ctx, rdb, prefix)
		_ = rdb.Close()
	})
	return rdb, prefix
}

// Clean deletes every key under prefix (on every master of a cluster).
func Clean(ctx context.Context, rdb redis.UniversalClient, prefix string) {
	if c, ok := rdb.(*redis.ClusterClient); ok {
		cleanCluster(ctx, c, prefix)
		return
	}
	iter := rdb.Scan(ctx, 0, prefix+"*", 500).Iterator()
	var batch []string
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 500 {
			rdb.Del(ctx, batch...)
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		rdb.Del(ctx, batch...)
	}
}
