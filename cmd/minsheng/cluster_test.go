package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/minsheng/minsheng/bot"
	"github.com/minsheng/minsheng/bot/sms/smstest"
	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/backend/webhook/webhooktest"
	"github.com/minsheng/minsheng/intake/queue"
	"github.com/minsheng/minsheng/intake/queue/redistest"
	"github.com/minsheng/minsheng/internal/appealstest"
	"github.com/minsheng/minsheng/internal/testproc"
	"github.com/minsheng/minsheng/internal/testwait"
)

// The must-show of scale-out: two `serve` replicas, each its own process,
// on a 3-master Redis Cluster (REDIS_CLUSTER_ADDRS), with a fake Twilio
// and a webhook backend that takes each Idempotency-Key once. Real appeals
// (the first 70 characters, one SMS each) from citizens spread over all 16
// shards are posted to the two replicas in turn. Every citizen is told one
// petition id and the backend has exactly that petition for them; no SMS
// goes twice; both replicas did part of the work. Then the crash: while
// replica A holds backend deliveries in hand, it is killed (SIGKILL); B
// takes over A's work and every appeal of the second batch also reaches the
// backend once and its citizen once.
func TestServeReplicasShareWorkOnRedisCluster(t *testing.T) {
	isolate(t)
	rdb, prefix := redistest.Cluster(t)
	const (
		sid, token = "AC0123456789abcdef0123456789abcdef", "authtoken0123456789abcdef"
		public     = "https://hotline.example.org"
		official   = "+8613800000001"
		secret     = "hooksecret"
		batch      = 64 // citizens per phase; 4 a shard on average
	)
	twilio := smstest.NewFake(t, sid, token)
	office := webhooktest.NewFake(t, secret)
	for k, v := range map[string]string{
		"MINSHENG_REDIS_ADDRS": strings.Join(redistest.ClusterAddrs(), ","), "MINSHENG_REDIS_PREFIX": prefix,
		"MINSHENG_HTTP_PUBLIC_URL": public, "MINSHENG_SMS_TWILIO_ACCOUNT_SID": sid,
		"MINSHENG_SMS_TWILIO_AUTH_TOKEN": token, "MINSHENG_SMS_TWILIO_API_BASE_URL": twilio.URL,
		"MINSHENG_SMS_TWILIO_RATE_PER_SECOND": "1000", "MINSHENG_DIALOG_COALESCE_WINDOW": "0s",
		// A draft still missing a place is submitted (incomplete) soon, by
		// the scheduler of either replica.
		"MINSHENG_DIALOG_IDLE_SUBMIT_AFTER": "3s",
		"MINSHENG_QUIET_HOURS_START":        "", "MINSHENG_QUIET_HOURS_END": "",
		"MINSHENG_BACKEND_KIND": "webhook", "MINSHENG_BACKEND_WEBHOOK_SECRET": secret,
	} {
		t.Setenv(k, v)
	}
	// Each replica calls the backend under its own path, so the fake can
	// tell whose delivery it holds.
	a := startReplica(t, "a", "MINSHENG_BACKEND_WEBHOOK_URL="+office.URL+"/a")
	b := startReplica(t, "b", "MINSHENG_BACKEND_WEBHOOK_URL="+office.URL+"/b")

	texts := appealTexts(t, 2*batch)
	for i := 7; i < len(texts); i += 8 {
		// No place: the bot asks where, and the scheduler submits the
		// draft (incomplete) after dialog.idle_submit_after.
		texts[i] = "小区门口的路灯坏了一个月了，晚上很黑"
	}
	// A hot issue: six citizens, posted to both replicas, write about one
	// place and matter; each petition's size is the citizens so far, so
	// the six sizes are 1…6 only when both replicas applied one order.
	hotMixer := []string{"丽发新城小区旁边建了搅拌站，日夜轰鸣，粉尘很大，严重影响居民休息",
		"投诉丽发新城小区附近的搅拌站噪音扰民，晚上睡不着觉", "丽发新城小区搅拌站灰尘太大了，请管一管",
		"丽发新城小区边上的搅拌站半夜还在作业，吵得没法睡", "丽发新城小区旁搅拌站粉尘污染严重，窗户都不敢开",
		"丽发新城小区的居民反映搅拌站噪音和粉尘问题，希望尽快处理"}
	hotAt := []int{2, 5, 10, 13, 20, 29} // both parities: both replicas
	for k, i := range hotAt {
		texts[i] = hotMixer[k]
	}
	citizen := func(i int) string { return fmt.Sprintf("+86139%08d", i) }
	for from := 0; from < 2*batch; from += batch {
		shards := map[int]bool{}
		for i := from; i < from+batch; i++ {
			shards[queue.ShardOf(bot.ConversationKey(bot.ChannelSMS, citizen(i)))] = true
		}
		if len(shards) != queue.Shards {
			t.Fatalf("citizens %d..%d cover %d shards, want all %d", from, from+batch-1, len(shards), queue.Shards)
		}
	}
	post := func(r *replica, i int) {
		t.Helper()
		form := smstest.InboundForm(sid, citizen(i), official, texts[i], fmt.Sprintf("SMcluster%d", i))
		req, err := smstest.SignedRequest(token, r.base, public+"/sms/twilio", form)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("inbound %d to replica %s: %v", i, r.name, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("inbound %d to replica %s: %d\n%s", i, r.name, resp.StatusCode, r.log.String())
		}
	}
	logs := func() string { return "replica a:\n" + a.log.String() + "\nreplica b:\n" + b.log.String() }
	t.Cleanup(func() {
		if t.Failed() {
			o := outcomeOf(office, twilio)
			t.Logf("%d citizens with a petition, %d told an id, %d SMS, deliveries %v\n%s",
				len(o.petitions), len(o.told), len(twilio.Messages()), o.deliveredBy, logs())
		}
	})

	// Phase 1: both replicas share the work.
	t0 := time.Now()
	for i := 0; i < batch; i++ {
		post([]*replica{a, b}[i%2], i)
	}
	testwait.Until(t, time.Minute, "every appeal of the first batch delivered and its citizen told", func() bool {
		return outcomeOf(office, twilio).complete(citizen, 0, batch)
	})
	shared := time.Since(t0)
	out := outcomeOf(office, twilio)
	out.check(t, citizen, 0, batch)
	if out.deliveredBy["a"] == 0 || out.deliveredBy["b"] == 0 {
		t.Errorf("backend deliveries by replica: %v; want both at work", out.deliveredBy)
	}
	sentA, sentB := a.metric(t, `minsheng_outbound_messages_total{channel="sms",result="sent"}`), b.metric(t, `minsheng_outbound_messages_total{channel="sms",result="sent"}`)
	if sentA == 0 || sentB == 0 {
		t.Errorf("SMS sent by replica: a %v, b %v; want both at work", sentA, sentB)
	}
	if out.asked == 0 {
		t.Error("no citizen was asked where: the scheduler's timers were not tried")
	}
	checkHotIssue(t, office, citizen, hotAt)
	t.Logf("phase 1: %d appeals (%d asked where, then submitted incomplete) over 2 replicas and 3 masters in %s: %d SMS (a %v, b %v), backend deliveries %v",
		batch, out.asked, shared.Round(time.Millisecond), len(twilio.Messages()), sentA, sentB, out.deliveredBy)

	// Phase 2: A dies (SIGKILL) holding backend deliveries; some SMS are
	// answered late by Twilio, so a send may be in flight when it dies.
	release := make(chan struct{})
	var releaseOnce sync.Once
	free := func() { releaseOnce.Do(func() { close(release) }) }
	t.Cleanup(free) // before the fake closes: it waits for its handlers
	var heldA atomic.Int32
	office.Hold(func(r webhooktest.Request) {
		if strings.HasPrefix(r.Path, "/a/") {
			heldA.Add(1)
			<-release
		}
	})
	late := make([]smstest.Failure, 8)
	for i := range late {
		late[i] = smstest.AcceptLate(2 * time.Second)
	}
	twilio.FailNext(late...)
	for i := batch; i < 2*batch; i++ {
		post([]*replica{a, b}[i%2], i)
	}
	testwait.For(t, "replica a to hold a backend delivery", func() bool { return heldA.Load() > 0 })
	held := pendingOf(t, rdb, prefix, a.consumer())
	a.kill()
	killed := time.Now()
	free()
	t.Logf("phase 2: replica a killed holding %v (pending stream entries), %d backend requests held", held, heldA.Load())
	// B takes A's stream entries over after queue.Options.ClaimIdle (60 s,
	// looked for as often) and its conversations after their lock expires.
	testwait.Until(t, 4*time.Minute, "every appeal of the second batch delivered and its citizen told after the crash", func() bool {
		return outcomeOf(office, twilio).complete(citizen, 0, 2*batch)
	})
	t.Logf("phase 2: replica b finished everything %s after the kill; its SMS retries looked up at Twilio: found %v, not found %v",
		time.Since(killed).Round(time.Millisecond), b.metric(t, `minsheng_sms_dedup_total{result="found"}`),
		b.metric(t, `minsheng_sms_dedup_total{result="not_found"}`))
	out = outcomeOf(office, twilio)
	out.check(t, citizen, 0, 2*batch)
	for _, s := range []string{"CROSSSLOT", "MOVED", "connection pool timeout", "panic"} {
		if strings.Contains(a.log.String()+b.log.String(), s) {
			t.Errorf("a replica's log says %q:\n%s", s, logs())
		}
	}
	if code := b.stop(); code != 0 {
		t.Errorf("replica b exited %d after SIGTERM:\n%s", code, b.log.String())
	}
}

// TestClusterReplicaChild is one `serve` replica of
// TestServeReplicasShareWorkOnRedisCluster, in a process of its own so that
// it can be killed.
func TestClusterReplicaChild(t *testing.T) {
	if os.Getenv("CLUSTER_REPLICA_CHILD") == "" {
		t.Skip("a serve replica run by TestServeReplicasShareWorkOnRedisCluster")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if code := run(ctx, []string{"serve"}, strings.NewReader(""), io.Discard, os.Stderr); code != 0 {
		t.Fatalf("serve exited %d", code)
	}
}

// replica is `minsheng serve` in a child process (the test binary running
// TestClusterReplicaChild) with the test's environment and its own port,
// journal and spool.
type replica struct {
	name, base string
	log        *syncBuffer
	cmd        *exec.Cmd
	done       chan struct{}
	code       int
}

func startReplica(t *testing.T, name string, env ...string) *replica {
	t.Helper()
	addr, dir := freeAddr(t), t.TempDir()
	r := &replica{name: name, base: "http://" + addr, log: &syncBuffer{}, done: make(chan struct{})}
	r.cmd = testproc.Child("^TestClusterReplicaChild$", append(env, "CLUSTER_REPLICA_CHILD=1", "MINSHENG_HTTP_LISTEN="+addr,
		"MINSHENG_BACKEND_JOURNAL="+filepath.Join(dir, "cases.jsonl"), "MINSHENG_REDIS_SPOOL="+filepath.Join(dir, "spool"))...)
	r.cmd.Stdout, r.cmd.Stderr = r.log, r.log
	if err := r.cmd.Start(); err != nil {
		t.Fatalf("start replica %s: %v", name, err)
	}
	go func() {
		_ = r.cmd.Wait()
		r.code = r.cmd.ProcessState.ExitCode()
		close(r.done)
	}()
	t.Cleanup(func() { r.stop() })
	testwait.For(t, "replica "+name+" to answer", func() bool {
		select {
		case <-r.done:
			t.Fatalf("replica %s exited %d:\n%s", name, r.code, r.log.String())
		default:
		}
		resp, err := http.Get(r.base + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil
	})
	return r
}

// consumer is the replica's name in the queues' consumer groups.
func (r *replica) consumer() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s-%d", host, r.cmd.Process.Pid)
}

// kill ends the replica as a crash does: SIGKILL, nothing finished.
func (r *replica) kill() {
	_ = r.cmd.Process.Kill()
	<-r.done
}

// stop ends the replica as a deploy does (SIGTERM) and returns its exit
// code; a replica that does not stop within 20 s is killed.
func (r *replica) stop() int {
	select {
	case <-r.done:
		return r.code
	default:
	}
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.done:
	case <-time.After(20 * time.Second):
		r.kill()
	}
	return r.code
}

// metric reads one sample from the replica's /metrics (0 when absent).
func (r *replica) metric(t *testing.T, sample string) float64 {
	t.Helper()
	resp, err := http.Get(r.base + "/metrics")
	if err != nil {
		t.Fatalf("metrics of replica %s: %v", r.name, err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), sample+" "); ok {
			var f float64
			fmt.Sscan(v, &f)
			return f
		}
	}
	return 0
}

// pendingOf counts the stream entries consumer holds (read, not
// acknowledged), by queue, over every shard of the cluster.
func pendingOf(t *testing.T, rdb redis.UniversalClient, prefix, consumer string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, name := range []string{bot.SendQueueName, bot.BulkQueueName, "outbox", "callbacks", bot.HandoverQueueName} {
		q := queue.New(rdb, prefix, name, nil, queue.Options{})
		for s := 0; s < queue.Shards; s++ {
			p, err := rdb.XPending(t.Context(), q.StreamKey(s), "workers").Result()
			if err != nil {
				continue // no group yet: nothing of this queue on this shard
			}
			out[name] += p.Consumers[consumer]
		}
	}
	return out
}

// appealTexts are n real appeals, the first 70 characters of each (one SMS
// segment), from the shared data; sentences of our own when it is absent.
func appealTexts(t *testing.T, n int) []string {
	t.Helper()
	var out []string
	all, err := appealstest.ReadFile(appealstest.LabeledFile)
	if err != nil {
		t.Logf("no shared appeals (%v): sending sentences of our own", err)
		for i := 0; i < n; i++ {
			out = append(out, fmt.Sprintf("幸福小区%d号楼门口的路灯坏了一个月了，晚上很黑", i+1))
		}
		return out
	}
	for row := 0; row < len(all) && len(out) < n; row += 37 { // every 37th row: a spread over the file
		text := []rune(strings.Join(strings.Fields(all[row].Text), " "))
		if len(text) > 70 {
			text = text[:70]
		}
		out = append(out, string(text))
	}
	if len(out) < n {
		t.Fatalf("%d appeals in the shared data, want %d", len(out), n)
	}
	return out
}

// outcome is what reached the backend and the citizens.
// checkHotIssue: the petitions of the citizens at hotAt share one hot
// issue and got the sizes 1…len(hotAt), each once.
func checkHotIssue(t *testing.T, office *webhooktest.Fake, citizen func(int) string, hotAt []int) {
	t.Helper()
	ids, sizes := map[string]bool{}, map[int]int{}
	for _, p := range office.Petitions() {
		for _, i := range hotAt {
			if p.Citizen.Phone != citizen(i) {
				continue
			}
			if p.HotIssue == nil {
				t.Errorf("%s's petition has no hot issue", p.Citizen.Phone)
				continue
			}
			ids[p.HotIssue.ID] = true
			sizes[p.HotIssue.Size]++
		}
	}
	for n := 1; n <= len(hotAt); n++ {
		if sizes[n] != 1 {
			t.Errorf("hot issue sizes %v over %d issue ids: want 1…%d once each", sizes, len(ids), len(hotAt))
			break
		}
	}
	if len(ids) != 1 {
		t.Errorf("the six petitions about one place and matter are in hot issues %v, want one", ids)
	}
}

type outcome struct {
	petitions   map[string]map[string]bool // phone → petition ids at the backend
	cases       map[string]map[string]bool // phone → case ids the backend gave
	keys        map[string]map[string]bool // petition id → Idempotency-Keys it came under
	told        map[string]map[string]bool // phone → petition ids in the SMS they got
	sms         map[string]int             // "to|body" → times sent
	deliveredBy map[string]int             // replica → petitions it delivered
	asked       int                        // questions sent (where?)
}

var petitionIDRe = regexp.MustCompile(`MS-[0-9]{8}-[0-9A-Z]{5}`)

func outcomeOf(office *webhooktest.Fake, twilio *smstest.Fake) outcome {
	o := outcome{petitions: map[string]map[string]bool{}, cases: map[string]map[string]bool{}, keys: map[string]map[string]bool{},
		told: map[string]map[string]bool{}, sms: map[string]int{}, deliveredBy: map[string]int{}}
	add := func(m map[string]map[string]bool, k, v string) {
		if m[k] == nil {
			m[k] = map[string]bool{}
		}
		m[k][v] = true
	}
	for _, r := range office.Requests() {
		if r.CaseID == "" {
			continue
		}
		var p intake.Petition
		if json.Unmarshal([]byte(r.Body), &p) != nil {
			continue
		}
		add(o.petitions, p.Citizen.Phone, p.ID)
		add(o.cases, p.Citizen.Phone, r.CaseID)
		add(o.keys, p.ID, r.Key)
		replica, _, _ := strings.Cut(strings.TrimPrefix(r.Path, "/"), "/")
		o.deliveredBy[replica]++
	}
	for _, m := range twilio.Messages() {
		o.sms[m.To+"|"+m.Body]++
		if strings.HasPrefix(m.Body, "请问") {
			o.asked++
		}
		for _, id := range petitionIDRe.FindAllString(m.Body, -1) {
			add(o.told, m.To, id)
		}
	}
	return o
}

// complete says whether every citizen in [from, to) has a petition at the
// backend and was told its id.
func (o outcome) complete(citizen func(int) string, from, to int) bool {
	for i := from; i < to; i++ {
		phone := citizen(i)
		if len(o.petitions[phone]) == 0 {
			return false
		}
		for id := range o.petitions[phone] {
			if !o.told[phone][id] {
				return false
			}
		}
	}
	return true
}

// check: one petition and one case per citizen, under one key, the id the
// citizen was told; no SMS twice.
func (o outcome) check(t *testing.T, citizen func(int) string, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		phone := citizen(i)
		if len(o.petitions[phone]) != 1 || len(o.cases[phone]) != 1 || len(o.told[phone]) != 1 {
			t.Errorf("citizen %d: petitions %v, cases %v, told %v; want one each", i, o.petitions[phone], o.cases[phone], o.told[phone])
		}
		for id := range o.petitions[phone] {
			if len(o.keys[id]) != 1 || !o.told[phone][id] {
				t.Errorf("citizen %d: petition %s under keys %v, told %v", i, id, o.keys[id], o.told[phone])
			}
		}
	}
	for m, n := range o.sms {
		if n > 1 {
			t.Errorf("SMS sent %d times: %s", n, m)
		}
	}
}
