package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	goredis "github.com/redis/go-redis/v9"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/minsheng/minsheng/bot/sms/smstest"
	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/backend/webhook/webhooktest"
	"github.com/minsheng/minsheng/intake/queue/redistest"
	"github.com/minsheng/minsheng/internal/testwait"
)

// The must-show of the local spool: `serve` on a Redis of its own, a fake
// Twilio, a webhook backend that de-duplicates. Redis is stopped; signed
// SMS are posted (one of them twice, as Twilio redelivers) and a status
// event arrives; all are answered as taken; /readyz stays 200 and says
// what is spooled. Redis is started again: every SMS reaches the backend
// exactly once, every citizen gets exactly one receipt, the status event
// reaches its citizen, and the spool is empty.
func TestServeKeepsSMSWhileRedisIsDown(t *testing.T) {
	isolate(t)
	const (
		sid, token = "AC0123456789abcdef0123456789abcdef", "authtoken0123456789abcdef"
		public     = "https://hotline.example.org"
		official   = "+8613800000001"
		secret     = "hooksecret"
		before     = 3
		during     = 12
	)
	redis := redistest.NewServer(t)
	twilio := smstest.NewFake(t, sid, token)
	office := webhooktest.NewFake(t, secret)
	for k, v := range map[string]string{
		"MINSHENG_REDIS_ADDR": redis.Addr, "MINSHENG_HTTP_PUBLIC_URL": public,
		"MINSHENG_SMS_TWILIO_ACCOUNT_SID": sid, "MINSHENG_SMS_TWILIO_AUTH_TOKEN": token,
		"MINSHENG_SMS_TWILIO_API_BASE_URL": twilio.URL, "MINSHENG_SMS_TWILIO_RATE_PER_SECOND": "1000",
		"MINSHENG_DIALOG_COALESCE_WINDOW": "0s", "MINSHENG_QUIET_HOURS_START": "", "MINSHENG_QUIET_HOURS_END": "",
		"MINSHENG_BACKEND_KIND": "webhook", "MINSHENG_BACKEND_WEBHOOK_URL": office.URL,
		"MINSHENG_BACKEND_WEBHOOK_SECRET": secret, "MINSHENG_LOG_LEVEL": "debug",
	} {
		t.Setenv(k, v)
	}
	srv := startServe(t)
	citizen := func(i int) string { return fmt.Sprintf("+86139%08d", i) }
	post := func(i int) {
		t.Helper()
		form := smstest.InboundForm(sid, citizen(i), official, fmt.Sprintf("幸福小区%d号楼门口的路灯坏了一个月了，晚上很黑", i+1), fmt.Sprintf("SMspool%d", i))
		req, err := smstest.SignedRequest(token, srv.base, public+"/sms/twilio", form)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("inbound %d: %d\n%s", i, resp.StatusCode, srv.log.String())
		}
	}
	get := func(path string) (int, string) {
		resp, err := http.Get(srv.base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for i := 0; i < before; i++ {
		post(i)
	}
	testwait.For(t, "the first appeals delivered", func() bool { return office.Taken() == before })
	var firstCase string
	for id, p := range office.Petitions() {
		if p.Citizen.Phone == citizen(0) {
			firstCase = id
		}
	}

	redis.Stop()
	t0 := time.Now()
	for i := before; i < before+during; i++ {
		post(i)
	}
	post(before) // Twilio's redelivery of one of them
	// A status event for a case delivered before: kept too (202).
	body, _ := json.Marshal(map[string]any{"status": "assigned", "unit": "谯城区住建局", "at": time.Now().Format(time.RFC3339)})
	req, _ := http.NewRequest("POST", srv.base+"/api/v1/cases/"+firstCase+"/events", bytes.NewReader(body))
	req.Header.Set(intake.SignatureHeader, intake.Sign([]byte(secret), body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("status event while Redis is down: %d, want 202", resp.StatusCode)
	}
	if code, b := get("/readyz"); code != http.StatusOK || !strings.Contains(b, fmt.Sprintf("local spool: %d", during+2)) {
		t.Errorf("/readyz while Redis is down: %d %q", code, b)
	}
	if office.Taken() != before {
		t.Fatalf("the backend took %d while Redis was down", office.Taken())
	}

	t.Logf("posted while down in %s", time.Since(t0))
	redis.Start()
	t0 = time.Now()
	t.Cleanup(func() {
		if t.Failed() {
			var to []string
			for _, m := range twilio.Messages() {
				to = append(to, m.To[len(m.To)-2:]+":"+m.Body[:min(12, len(m.Body))])
			}
			t.Logf("backend took %d, %d SMS sent %v\n%s", office.Taken(), len(twilio.Messages()), to, srv.log.String())
			dbg := goredis.NewClient(&goredis.Options{Addr: redis.Addr})
			for sh := 0; sh < 16; sh++ {
				k := fmt.Sprintf("ms:{s%d}:sendq", sh)
				n, _ := dbg.XLen(context.Background(), k).Result()
				pe, _ := dbg.XPending(context.Background(), k, "workers").Result()
				r, _ := dbg.ZCard(context.Background(), k+":retry").Result()
				if r > 0 {
					zs, _ := dbg.ZRangeWithScores(context.Background(), k+":retry", 0, -1).Result()
					t.Logf("DBG now %d retry %v", time.Now().UnixMilli(), zs[0].Score)
				}
				d, _ := dbg.XLen(context.Background(), k+":dead").Result()
				if n+r+d > 0 || (pe != nil && pe.Count > 0) {
					t.Logf("DBG %s len %d pending %+v retry %d dead %d", k, n, pe, r, d)
				}
			}
		}
	})
	testwait.For(t, "every appeal delivered and answered", func() bool {
		return office.Taken() >= before+during && len(twilio.Messages()) >= before+during+1
	})
	testwait.For(t, "the spool replayed", func() bool {
		_, b := get("/metrics")
		return strings.Contains(b, "minsheng_spool_depth 0")
	})
	t.Logf("replayed and delivered in %s after Redis started", time.Since(t0))
	ps := office.Petitions()
	if len(ps) != before+during {
		t.Errorf("%d petitions at the backend, want %d", len(ps), before+during)
	}
	perCitizen := map[string]int{}
	for _, p := range ps {
		perCitizen[p.Citizen.Phone]++
	}
	receipts := map[string]int{}
	var status []string
	for _, m := range twilio.Messages() {
		if strings.Contains(m.Body, "谯城区住建局") {
			status = append(status, m.To)
			continue
		}
		receipts[m.To]++
	}
	for i := 0; i < before+during; i++ {
		if perCitizen[citizen(i)] != 1 || receipts[citizen(i)] != 1 {
			t.Errorf("citizen %d: %d petitions, %d receipts; want 1 and 1", i, perCitizen[citizen(i)], receipts[citizen(i)])
		}
	}
	if len(status) != 1 || status[0] != citizen(0) {
		t.Errorf("the status event reached %v, want %s", status, citizen(0))
	}
	if code, b := get("/readyz"); code != http.StatusOK || strings.TrimSpace(b) != "ready" {
		t.Errorf("/readyz after the replay: %d %q", code, b)
	}
}
