package bot

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// A running serve says so in Redis: each replica stamps its name in one
// sorted set under the prefix every PresenceEvery, by Redis's own clock,
// and takes it out when it stops. `minsheng chat` reads it before it
// starts, because a chat sharing a serve's Redis and prefix shares its
// queues: serve's send worker takes chat's replies (and dead-letters them,
// having no console), chat's takes serve's, and chat's scheduler and outbox
// work serve's conversations. The queues' consumer groups cannot tell:
// before Redis 7.2 a consumer appears only once it was given an entry, and
// its idle time counts from the last entry, not the last read.
const (
	PresenceEvery = 10 * time.Second
	// PresenceTimeout is how long a replica counts as running after its
	// last stamp: one that was killed, and could not take its name out,
	// counts that long.
	PresenceTimeout = 35 * time.Second
)

// presenceKey is the sorted set of running replicas: member name, score
// the Redis time (ms) of its last stamp.
func presenceKey(prefix string) string { return prefix + "serving" }

// stampScript stamps ARGV[1] now and forgets stamps older than ARGV[2] ms;
// the set expires with the last replica. KEYS: presence set.
var stampScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`)

// runningScript lists the replicas stamped within ARGV[1] ms, as name, age
// in ms. KEYS: presence set.
var runningScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local r = redis.call('ZRANGEBYSCORE', KEYS[1], now - tonumber(ARGV[1]), '+inf', 'WITHSCORES')
local out = {}
for i = 1, #r, 2 do
  out[#out+1] = r[i]
  out[#out+1] = tostring(math.max(0, now - tonumber(r[i+1])))
end
return out`)

// ReplicaName names this process among the replicas: host and pid, as the
// queues name their consumers.
func ReplicaName() string {
	host, _ := os.Hostname()
	return host + "-" + strconv.Itoa(os.Getpid())
}

// Running is a replica that stamped its presence lately.
type Running struct {
	Name string
	Age  time.Duration // since its last stamp
}

// KeepPresent stamps name until ctx is done, then takes it out. A failed
// stamp is logged and tried again at the next tick: presence is for chat's
// check, never a reason to stop serving.
func (s *Store) KeepPresent(ctx context.Context, name string, every time.Duration, warn func(error)) {
	key := presenceKey(s.Prefix)
	stamp := func() {
		err := stampScript.Run(ctx, s.Redis, []string{key}, name, PresenceTimeout.Milliseconds()).Err()
		if err != nil && ctx.Err() == nil {
			warn(fmt.Errorf("stamp presence: %w", err))
		}
	}
	stamp()
	repeat(ctx, every, stamp)
	// The goodbye: a chat may start at once, not PresenceTimeout later.
	gctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	if err := s.Redis.ZRem(gctx, key, name).Err(); err != nil {
		warn(fmt.Errorf("take presence out: %w", err))
	}
}

// Running lists the replicas stamped within PresenceTimeout, by Redis's
// clock (hosts' clocks may differ).
func (s *Store) Running(ctx context.Context) ([]Running, error) {
	vals, err := runningScript.Run(ctx, s.Redis, []string{presenceKey(s.Prefix)}, PresenceTimeout.Milliseconds()).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("read running replicas: %w", err)
	}
	var out []Running
	for i := 0; i+1 < len(vals); i += 2 {
		ms, _ := strconv.ParseInt(vals[i+1], 10, 64)
		out = append(out, Running{Name: vals[i], Age: time.Duration(ms) * time.Millisecond})
	}
	return out, nil
}
