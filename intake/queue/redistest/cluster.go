package redistest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// ClusterAddrs are the nodes of the test Redis Cluster, from
// REDIS_CLUSTER_ADDRS (comma-separated host:port; .ci/run starts one on
// 127.0.0.1:7001..7003 and sets it); nil when unset.
func ClusterAddrs() []string {
	var out []string
	for _, a := range strings.Split(os.Getenv("REDIS_CLUSTER_ADDRS"), ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// Cluster connects to the test Redis Cluster and returns a fresh key prefix,
// whose keys are deleted on every master when the test ends. Without
// REDIS_CLUSTER_ADDRS the test is skipped, saying so, unless
// REDISTEST_REQUIRE is set (CI): then it fails. A cluster that is named but
// does not answer, or whose state is not ok, fails the test.
func Cluster(t testing.TB) (*redis.ClusterClient, string) {
	t.Helper()
	addrs := ClusterAddrs()
	if len(addrs) == 0 {
		if os.Getenv("REDISTEST_REQUIRE") != "" {
			t.Fatal("REDISTEST_REQUIRE is set but REDIS_CLUSTER_ADDRS names no Redis Cluster (.ci/run starts one on 127.0.0.1:7001..7003)")
		}
		t.Skip("redistest: REDIS_CLUSTER_ADDRS unset: no Redis Cluster to run on (.ci/run starts one on 127.0.0.1:7001..7003)")
	}
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	info, err := rdb.ClusterInfo(ctx).Result()
	if err != nil {
		_ = rdb.Close()
		t.Fatalf("the Redis Cluster at %v (REDIS_CLUSTER_ADDRS) does not answer: %v", addrs, err)
	}
	if !strings.Contains(info, "cluster_state:ok") {
		_ = rdb.Close()
		t.Fatalf("the Redis Cluster at %v is not ready:\n%s", addrs, info)
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

// cleanCluster deletes every key under prefix on every master: SCAN sees
// one node only, and a DEL of several keys must keep to one slot.
func cleanCluster(ctx context.Context, rdb *redis.ClusterClient, prefix string) {
	_ = rdb.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
		iter := node.Scan(ctx, 0, prefix+"*", 500).Iterator()
		pipe := node.Pipeline()
		for iter.Next(ctx) {
			pipe.Del(ctx, iter.Val())
			if pipe.Len() == 500 {
				_, _ = pipe.Exec(ctx)
			}
		}
		_, _ = pipe.Exec(ctx)
		return iter.Err()
	})
}
