package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/minsheng/minsheng/bot/sms/smstest"
	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/backend/webhook/webhooktest"
	"github.com/minsheng/minsheng/intake/queue/redistest"
)

// The must-show of lost state in production: `serve` on a real Redis with
// a webhook backend that de-duplicates by Idempotency-Key; Redis loses
// everything between two batches of appeals. Every appeal of both batches
// reaches the backend as its own petition, each citizen is told the id the
// backend got for them, and a status event for a first-batch case reaches
// the first-batch citizen (the case map is written back from the journal).
func TestServeKeepsEveryAppealAcrossRedisLosingItsData(t *testing.T) {
	isolate(t)
	const (
		sid, token = "AC0123456789abcdef0123456789abcdef", "authtoken0123456789abcdef"
		public     = "https://hotline.example.org"
		official   = "+8613800000001"
		secret     = "hooksecret"
		batch      = 8
	)
	rdb, prefix := redistest.Client(t)
	twilio := smstest.NewFake(t, sid, token)
	office := webhooktest.NewFake(t, secret)
	for k, v := range map[string]string{
		"MINSHENG_REDIS_ADDR": redistest.Addr(), "MINSHENG_REDIS_PREFIX": prefix,
		"MINSHENG_HTTP_PUBLIC_URL": public, "MINSHENG_SMS_TWILIO_ACCOUNT_SID": sid,
		"MINSHENG_SMS_TWILIO_AUTH_TOKEN": token, "MINSHENG_SMS_TWILIO_API_BASE_URL": twilio.URL,
		"MINSHENG_DIALOG_COALESCE_WINDOW": "0s", "MINSHENG_QUIET_HOURS_START": "", "MINSHENG_QUIET_HOURS_END": "",
		"MINSHENG_BACKEND_KIND": "webhook", "MINSHENG_BACKEND_WEBHOOK_URL": office.URL,
		"MINSHENG_BACKEND_WEBHOOK_SECRET": secret, "MINSHENG_SMS_TWILIO_RATE_PER_SECOND": "1000",
	} {
		t.Setenv(k, v)
	}
	srv := startServe(t)
	citizen := func(i int) string { return fmt.Sprintf("+86139%08d", i) }
	send := func(from, to int) {
		t.Helper()
		for i := from; i < to; i++ {
			form := smstest.InboundForm(sid, citizen(i), official, fmt.Sprintf("幸福小区%d号楼门口的路灯坏了一个月了，晚上很黑", i+1), fmt.Sprintf("SMlost%d", i))
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
				t.Fatalf("inbound %d: %d", i, resp.StatusCode)
			}
		}
	}
	waitTaken := func(n int) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for office.Taken() < n || len(twilio.Messages()) < n {
			if time.Now().After(deadline) {
				t.Fatalf("backend took %d, %d SMS sent; want %d\n%s", office.Taken(), len(twilio.Messages()), n, srv.log.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	t0 := time.Now()
	send(0, batch)
	waitTaken(batch)
	t.Logf("batch 1: %s", time.Since(t0))
	redistest.Clean(t.Context(), rdb, prefix) // what FLUSHALL (or a failover to an empty replica) does
	send(batch, 2*batch)
	waitTaken(2 * batch)
	t.Logf("batch 2: %s", time.Since(t0))

	// Every petition its own, about its own citizen, with the id its citizen was told.
	told := map[string]string{} // phone → id in the receipt
	for _, m := range twilio.Messages() {
		told[m.To] = idRe.FindString(m.Body)
	}
	ps := office.Petitions()
	if len(ps) != 2*batch {
		t.Fatalf("%d petitions at the backend, want %d", len(ps), 2*batch)
	}
	caseOf := map[string]string{} // phone → case id
	for caseID, p := range ps {
		phone := p.Citizen.Phone
		if _, dup := caseOf[phone]; dup {
			t.Errorf("two cases for %s", phone)
		}
		caseOf[phone] = caseID
		if told[phone] != p.ID {
			t.Errorf("%s was told %s, the backend has %s", phone, told[phone], p.ID)
		}
	}

	// A status event for a first-batch case reaches the first-batch citizen.
	first := citizen(0)
	body, _ := json.Marshal(map[string]any{"status": "assigned", "unit": "谯城区住建局",
		"handler": map[string]string{"name": "李明", "phone": "0558-5123456"}, "at": time.Now().Format(time.RFC3339)})
	req, _ := http.NewRequest("POST", srv.base+"/api/v1/cases/"+caseOf[first]+"/events", bytes.NewReader(body))
	req.Header.Set(intake.SignatureHeader, intake.Sign([]byte(secret), body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status event for a first-batch case: %d\n%s", resp.StatusCode, srv.log.String())
	}
	msgs := twilio.WaitForMessages(t, 2*batch+1, 20*time.Second)
	last := msgs[len(msgs)-1]
	if last.To != first || !strings.Contains(last.Body, "谯城区住建局") || last.From != official {
		t.Errorf("the status message went %+v, want to %s", last, first)
	}
	if !strings.Contains(srv.log.String(), "redis lost its data") {
		t.Errorf("the loss was not reported loudly:\n%s", srv.log.String())
	}
}
