package bot

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/minsheng/minsheng/config"
	"github.com/minsheng/minsheng/intake/queue"
	"github.com/minsheng/minsheng/intake/queue/redistest"
	"github.com/minsheng/minsheng/internal/testwait"
)

func TestEmbeddedStoreExpiresKeysInRealTime(t *testing.T) {
	s, err := OpenStore(context.Background(), config.Redis{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !s.Embedded() {
		t.Fatal("empty redis config should give the embedded store")
	}
	ctx := context.Background()
	if err := s.Redis.Set(ctx, "k", "v", 200*time.Millisecond).Err(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(400 * time.Millisecond)
	if n := s.Redis.Exists(ctx, "k").Val(); n != 0 {
		t.Error("a TTL did not pass in the embedded store (ClockTTL off?)")
	}
}

func TestRealStore(t *testing.T) {
	redistest.Client(t) // fails clearly if no Redis
	s, err := OpenStore(context.Background(), config.Redis{Addr: redistest.Addr()}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Embedded() {
		t.Error("configured address should not give the embedded store")
	}
	if err := s.Ping(context.Background()); err != nil {
		t.Error(err)
	}
}

func TestOpenStoreFailsWhenRedisDoesNotAnswer(t *testing.T) {
	_, err := OpenStore(context.Background(), config.Redis{Addr: "127.0.0.1:1"}, 0)
	if err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Errorf("want a connection error naming the address, got %v", err)
	}
}

func TestReadyzFollowsRedis(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	up := NewServer(NewStore(rdb, prefix), NewMetrics(), quietLog())
	down := NewServer(NewStore(redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1}), prefix), NewMetrics(), quietLog())
	for name, c := range map[string]struct {
		srv  *Server
		code int
	}{"up": {up, 200}, "down": {down, 503}} {
		rr := httptest.NewRecorder()
		c.srv.Handler().ServeHTTP(rr, httptest.NewRequest("GET", "/readyz", nil))
		if rr.Code != c.code {
			t.Errorf("%s: /readyz = %d, want %d", name, rr.Code, c.code)
		}
		rr = httptest.NewRecorder()
		c.srv.Handler().ServeHTTP(rr, httptest.NewRequest("GET", "/healthz", nil))
		if rr.Code != 200 {
			t.Errorf("%s: /healthz = %d", name, rr.Code)
		}
	}
}

func TestBodyLimitAndMetrics(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	m := NewMetrics()
	srv := NewServer(NewStore(rdb, prefix), m, quietLog())
	srv.Handle("POST /echo", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := ReadBody(w, r)
		if ok {
			_, _ = w.Write(b)
		}
	}))
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()

	big := strings.Repeat("x", MaxBody+1)
	resp, err := http.Post(ts.URL+"/echo", "text/plain", strings.NewReader(big))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("declared oversize body: %d", resp.StatusCode)
	}
	// A chunked body (no Content-Length) is cut off while reading.
	req, _ := http.NewRequest("POST", ts.URL+"/echo", io.MultiReader(strings.NewReader(big)))
	req.ContentLength = -1
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("chunked oversize body: %d", resp.StatusCode)
	}
	resp, _ = http.Post(ts.URL+"/echo", "text/plain", strings.NewReader("ok"))
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("small body: %d", resp.StatusCode)
	}

	m.Inbound.WithLabelValues("sms").Inc()
	m.WatchQueue(NewSendQueue(rdb, prefix, NewMetrics(), quietLog(), fastQueue(queue.Options{})).Queue())
	resp, err = http.Get(ts.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`minsheng_inbound_messages_total{channel="sms"} 1`, `minsheng_queue_depth{queue="sendq",state="ready"} 0`, "go_goroutines"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// redis.addrs is a Cluster even when it names one seed node, and a
// replica's queue readers (one XREADGROUP blocked per shard and queue in a
// cluster) leave connections for everything else: a command to any shard
// answers at once while they block.
func TestOpenStoreOnClusterFromOneSeed(t *testing.T) {
	_, prefix := redistest.Cluster(t)
	ctx := context.Background()
	s, err := OpenStore(ctx, config.Redis{Addrs: redistest.ClusterAddrs()[:1], Prefix: prefix}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cluster, ok := s.Redis.(*redis.ClusterClient)
	if !ok {
		t.Fatalf("redis.addrs with one address gave a %T, want a cluster client", s.Redis)
	}
	const block = 3 * time.Second
	readers := 0
	var wg sync.WaitGroup
	for _, name := range []string{SendQueueName, BulkQueueName, "outbox", "callbacks", HandoverQueueName} {
		q := queue.New(s.Redis, prefix, name, nil, queue.Options{})
		for sh := 0; sh < queue.Shards; sh++ {
			stream := q.StreamKey(sh)
			if err := s.Redis.XGroupCreateMkStream(ctx, stream, "workers", "$").Err(); err != nil {
				t.Fatal(err)
			}
			readers++
			wg.Add(1)
			go func() {
				defer wg.Done()
				_ = s.Redis.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "workers", Consumer: "c",
					Streams: []string{stream, ">"}, Block: block}).Err()
			}()
		}
	}
	defer wg.Wait()
	testwait.For(t, fmt.Sprintf("all %d readers to hold a connection, as serve's queues do (a pool too small for them starves every other command)", readers), func() bool {
		st := cluster.PoolStats()
		return int(st.TotalConns-st.IdleConns) >= readers
	})
	t0 := time.Now()
	for sh := 0; sh < queue.Shards; sh++ {
		if err := s.Redis.Set(ctx, queue.Tag(prefix, sh)+"probe", "1", time.Minute).Err(); err != nil {
			t.Fatalf("shard %d while %d readers block: %v", sh, readers, err)
		}
	}
	if d := time.Since(t0); d > block/3 {
		t.Errorf("a command to each shard took %s in all while %d readers blocked: it waited for a connection", d, readers)
	}
}

// The pool holds every worker the configuration runs, each waiting in
// Redis at once, with the queues' blocking reads, and still has room for a
// webhook's command: with go-redis's default pool (10 per CPU) the
// configured workers were not what ran.
func TestStorePoolHoldsTheConfiguredWorkers(t *testing.T) {
	_, prefix := redistest.Client(t)
	ctx := context.Background()
	workers := WorkConns(config.Default().Workers)
	s, err := OpenStore(ctx, config.Redis{Addr: redistest.Addr()}, workers)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	client, ok := s.Redis.(*redis.Client)
	if !ok {
		t.Fatalf("redis.addr gave a %T, want a single-node client", s.Redis)
	}
	const block = 3 * time.Second
	key := prefix + "nothing"
	held := workers + readQueues
	var wg sync.WaitGroup
	for range held {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = s.Redis.BLPop(ctx, block, key).Err()
		}()
	}
	defer wg.Wait()
	testwait.For(t, fmt.Sprintf("%d workers and readers to wait in Redis", held), func() bool {
		st := client.PoolStats()
		return int(st.TotalConns-st.IdleConns) >= held
	})
	t0 := time.Now()
	if err := s.Redis.Set(ctx, key+":probe", "1", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(t0); d > block/3 {
		t.Errorf("a webhook's command took %s while %d workers waited in Redis: the pool had no connection for it", d, held)
	}
}

// A record is kept in 60-byte chunks of the conversation's hash: written
// longer, shorter, empty and longer again, it reads back as written, and
// the hash holds exactly its chunks, their count and a channel's own field
// (a shorter record's stale chunks and an earlier version's whole-record
// field "s" are deleted).
func TestStateChunksFollowTheRecord(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	ctx := context.Background()
	write := redis.NewScript(stateLua + `write_state(KEYS[1], ARGV[1]) return 1`)
	h, legacy := prefix+"c:sms:+8613912345678", prefix+"state:sms:+8613912345678"
	if err := rdb.HSet(ctx, h, "s", "a record written whole", "l1", "a channel's field").Err(); err != nil {
		t.Fatal(err)
	}
	for _, st := range []string{strings.Repeat("a", 250), strings.Repeat("b", 70), "", strings.Repeat("c", 130)} {
		if err := write.Run(ctx, rdb, []string{h}, st).Err(); err != nil {
			t.Fatal(err)
		}
		got, err := readStateScript.Run(ctx, rdb, []string{h, legacy}).Text()
		if err != nil {
			t.Fatal(err)
		}
		if got != st {
			t.Errorf("wrote %d bytes, read back %q", len(st), got)
		}
		fields, err := rdb.HKeys(ctx, h).Result()
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"l1", "sn"}
		for j := 1; j <= (len(st)+59)/60; j++ {
			want = append(want, fmt.Sprintf("s%d", j))
		}
		slices.Sort(fields)
		slices.Sort(want)
		if !slices.Equal(fields, want) {
			t.Errorf("after writing %d bytes the hash holds %v, want %v", len(st), fields, want)
		}
	}
}
