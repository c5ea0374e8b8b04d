// Package redistest gives tests a real Redis: REDIS_URL, else
// 127.0.0.1:6379. Each test gets its own key prefix and its keys are deleted
// when it ends, so packages can run their tests in parallel on one server.
package redistest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Addr is the server tests use.
func Addr() string {
	if u := os.Getenv("REDIS_URL"); u != "" {
		if opt, err := redis.ParseURL(u); err == nil {
			return opt.Addr
		}
		return u
	}
	return "127.0.0.1:6379"
}

// Options are the client options tests use.
func Options() *redis.Options {
	if u := os.Getenv("REDIS_URL"); u != "" {
		if opt, err := redis.ParseURL(u); err == nil {
			return opt
		}
	}
	return &redis.Options{Addr: Addr()}
}

// Client connects to the test Redis and returns a fresh key prefix
// ("mstest:<random>:"). The test fails at once if Redis does not answer:
// tests run against a real server, never a stand-in.
func Client(t testing.TB) (redis.UniversalClient, string) {
	t.Helper()
	rdb := redis.NewClient(Options())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatalf("tests need a real Redis at %s (set REDIS_URL, or start redis-server): %v", Addr(), err)
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

// Clean deletes every key under prefix.
func Clean(ctx context.Context, rdb redis.UniversalClient, prefix string) {
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
