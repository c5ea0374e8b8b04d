package bot

import (
	"context"
	"fmt"
	"runtime"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/minsheng/minsheng/config"
	"github.com/minsheng/minsheng/intake/queue"
	"github.com/redis/go-redis/v9"
)

// DefaultPrefix is the prefix of every key minsheng writes.
const DefaultPrefix = "ms:"

// Store is the Redis that holds everything that must survive a restart.
type Store struct {
	Redis  redis.UniversalClient
	Prefix string
	mini   *miniredis.Miniredis // the embedded store, when no Redis is configured
}

// NewStore wraps an existing client (tests: a per-test prefix).
func NewStore(rdb redis.UniversalClient, prefix string) *Store {
	return &Store{Redis: rdb, Prefix: prefix}
}

// OpenStore connects to the configured Redis (one node, Sentinel or Cluster),
// or starts the embedded store when none is configured (Embedded tells; the
// caller says so to the user, each command in its own way).
func OpenStore(ctx context.Context, cfg config.Redis) (*Store, error) {
	opts := &redis.UniversalOptions{
		Addrs:      cfg.Addrs,
		MasterName: cfg.MasterName,
		Username:   cfg.Username,
		Password:   cfg.Password,
		DB:         cfg.DB,
	}
	if len(cfg.Addrs) > 0 && cfg.MasterName == "" {
		// addrs without master_name is a Cluster, even when it names one
		// seed node (go-redis would take a lone address for a plain server).
		opts.IsClusterMode = true
		opts.PoolSize = clusterPoolSize()
	}
	var mini *miniredis.Miniredis
	if cfg.Embedded() {
		mini = miniredis.NewMiniRedis()
		mini.ClockTTL(true) // without it keys never expire in real time
		if err := mini.StartAddr("127.0.0.1:0"); err != nil {
			return nil, fmt.Errorf("start embedded store: %w", err)
		}
		opts.Addrs = []string{mini.Addr()}
	} else if cfg.Addr != "" {
		opts.Addrs = []string{cfg.Addr}
	}
	rdb := redis.NewUniversalClient(opts)
	prefix := cfg.Prefix
	if prefix == "" {
		prefix = DefaultPrefix
	}
	s := &Store{Redis: rdb, Prefix: prefix, mini: mini}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := s.Ping(pctx); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("connect to redis %v: %w", opts.Addrs, err)
	}
	return s, nil
}

// clusterQueues are the queues a runtime reads (sendq, sendbulk, outbox,
// callbacks).
const clusterQueues = 4

// clusterPoolSize is the connection pool per Cluster node. A queue cannot
// read streams of several slots in one XREADGROUP there, so it blocks one
// connection per shard (intake/queue, Run); up to every shard may live on
// one node. go-redis's default pool (10 per CPU) is what is left for all
// other commands: without the readers' share, ingest and commit scripts
// waited for a free connection until their deadline.
func clusterPoolSize() int {
	return 10*runtime.GOMAXPROCS(0) + clusterQueues*queue.Shards
}

// Embedded reports whether this is the in-process store.
func (s *Store) Embedded() bool { return s.mini != nil }

// Ping checks that Redis answers.
func (s *Store) Ping(ctx context.Context) error { return s.Redis.Ping(ctx).Err() }

// Close disconnects and stops the embedded store.
func (s *Store) Close() error {
	err := s.Redis.Close()
	if s.mini != nil {
		s.mini.Close()
	}
	return err
}
