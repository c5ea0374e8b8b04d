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
// caller says so to the user, each command in its own way). workers is how
// many goroutines of this process's queues and scheduler may be in Redis at
// once (WorkConns; 0 for a command that runs none): the pool holds them
// on top of what webhooks need.
func OpenStore(ctx context.Context, cfg config.Redis, workers int) (*Store, error) {
	opts := &redis.UniversalOptions{
		Addrs:      cfg.Addrs,
		MasterName: cfg.MasterName,
		Username:   cfg.Username,
		Password:   cfg.Password,
		DB:         cfg.DB,
	}
	cluster := len(cfg.Addrs) > 0 && cfg.MasterName == ""
	if cluster {
		// addrs without master_name is a Cluster, even when it names one
		// seed node (go-redis would take a lone address for a plain server).
		opts.IsClusterMode = true
	}
	opts.PoolSize = poolSize(cluster, workers)
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

// readQueues are the queues a runtime reads (sendq, sendbulk, outbox,
// callbacks, handover).
const readQueues = 5

// poolSize is the connection pool (per node on a Cluster): go-redis's
// default (10 per CPU) for webhooks, the scheduler's reads and everything
// else, plus one connection per worker that may wait in Redis at once, plus
// the queues' blocking reads. Those hold a connection while they block:
// one per queue on one node; on a Cluster one per queue and shard, since
// an XREADGROUP cannot read streams of several slots (intake/queue, Run),
// and every shard may live on one node. With go-redis's default alone, the
// configured workers were not what ran: under load 15 of the scheduler's
// 16 waited for a free connection while the send and outbox workers held
// the pool (a goroutine dump of the load tool's drain), and ingest and
// commit scripts waited until their deadline on a Cluster.
func poolSize(cluster bool, workers int) int {
	readers := readQueues
	if cluster {
		readers *= queue.Shards
	}
	return 10*runtime.GOMAXPROCS(0) + workers + readers
}

// WorkConns is how many connections a runtime's workers may hold at once:
// the send queue's two streams (replies and bulk), the outbox, the
// scheduler, the call-back writers and the handover worker (see
// config.Workers).
func WorkConns(w config.Workers) int {
	return 2*max(w.Send, 1) + max(w.Outbox, 1) + max(w.Scheduler, 1) + max(w.Callbacks, 1) + max(w.Handover, 1)
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
