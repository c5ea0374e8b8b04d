package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/minsheng/minsheng/bot/sms/smstest"
	"github.com/minsheng/minsheng/bot/telegram/telegramtest"
	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/queue/redistest"
	"github.com/minsheng/minsheng/internal/testwait"
)

// The must-show of issue 22, item 5: a survey answer is recorded whichever
// channel the petition came from. `serve` on a real Redis with Telegram
// (webhook, fake Bot API) and SMS (fake Twilio), the file backend. Staff
// forward a resident's complaint with a phone in an intake group; the
// petition reaches the backend; a signed status event `resolved` sends the
// survey by SMS to the resident, naming the petition; the resident's signed
// SMS "1" is the rating "satisfied" for that petition at the backend, and
// opens no petition. Then the designed way of adding the phone later: a
// complaint without one, delivered; staff reply to the bot's receipt with
// the resident's phone; `resolved` surveys that resident by SMS and their
// "1" is recorded the same.
func TestServeSurveysAGroupPetitionByTheResidentsSMS(t *testing.T) {
	petitions := isolate(t)
	const (
		tgToken    = "123456:HANDOVERtoken"
		hookSecret = "hook-secret-22"
		sid, token = "AC0123456789abcdef0123456789abcdef", "authtoken0123456789abcdef"
		service    = "MG0123456789abcdef0123456789abcdef"
		number     = "+8613800000001" // the Messaging Service's number residents write to
		public     = "https://hotline.example.org"
		secret     = "eventsecret"
		group      = int64(-100777)
		staff      = int64(4242)
		first      = "+8613912345678" // in the forwarded complaint
		later      = "+8613912345679" // added by a staff reply to the receipt
	)
	_, prefix := redistest.Client(t)
	tg := telegramtest.NewFake(t, tgToken)
	twilio := smstest.NewFake(t, sid, token)
	for k, v := range map[string]string{
		"MINSHENG_REDIS_ADDR": redistest.Addr(), "MINSHENG_REDIS_PREFIX": prefix, "MINSHENG_HTTP_PUBLIC_URL": public,
		"MINSHENG_TELEGRAM_TOKEN": tgToken, "MINSHENG_TELEGRAM_API_URL": tg.URL, "MINSHENG_TELEGRAM_MODE": "webhook",
		"MINSHENG_TELEGRAM_WEBHOOK_SECRET": hookSecret, "MINSHENG_TELEGRAM_INTAKE_CHATS": "-100777",
		"MINSHENG_TELEGRAM_STAFF_USERS": "4242", "MINSHENG_TELEGRAM_FORWARD_WINDOW": "200ms",
		"MINSHENG_SMS_TWILIO_ACCOUNT_SID": sid, "MINSHENG_SMS_TWILIO_AUTH_TOKEN": token,
		"MINSHENG_SMS_TWILIO_API_BASE_URL": twilio.URL, "MINSHENG_SMS_TWILIO_MESSAGING_SERVICE_SID": service,
		"MINSHENG_SMS_TWILIO_RATE_PER_SECOND": "100", "MINSHENG_BACKEND_WEBHOOK_SECRET": secret,
		"MINSHENG_DIALOG_COALESCE_WINDOW": "0s", "MINSHENG_QUIET_HOURS_START": "", "MINSHENG_QUIET_HOURS_END": "",
	} {
		t.Setenv(k, v)
	}
	srv := startServe(t)
	tg.WaitForCalls(t, "setWebhook", 1, 10*time.Second)
	ctx := context.Background()
	hook := srv.base + "/telegram/webhook"
	post := func(what string, u any) {
		t.Helper()
		testwait.For(t, what+" taken by the webhook", func() bool {
			code, err := tg.PostUpdate(ctx, hook, hookSecret, u)
			return err == nil && code == 200 // 500: a reply faster than the receipt's record, posted again
		})
	}
	updateID := int64(700)
	next := func() int64 { updateID++; return updateID }
	// delivered waits until the file backend holds the petition.
	delivered := func(id string) {
		t.Helper()
		testwait.For(t, "petition "+id+" at the backend", func() bool {
			for _, l := range records(t, petitions, "petition") {
				if l["id"] == id {
					return true
				}
			}
			return false
		})
	}
	// resolve posts the backend's signed status event until the case is
	// known: the case map is written just after the backend took the
	// petition (the file backend's line).
	resolve := func(caseID string) {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"status": "resolved", "unit": "谯城区住建局", "note": "已疏通",
			"at": time.Now().Format(time.RFC3339)})
		testwait.For(t, "the status event of "+caseID+" recorded", func() bool {
			req, _ := http.NewRequest("POST", srv.base+"/api/v1/cases/"+caseID+"/events", bytes.NewReader(body))
			req.Header.Set(intake.SignatureHeader, intake.Sign([]byte(secret), body))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			switch resp.StatusCode {
			case http.StatusOK, http.StatusAccepted: // recorded; spooled while its case was being recorded
				return true
			case http.StatusNotFound: // not delivered yet
				return false
			}
			t.Fatalf("status event: %d\n%s", resp.StatusCode, srv.log.String())
			return false
		})
	}
	// answer is the resident's SMS, signed as Twilio signs it.
	answer := func(from, body, messageSID string) {
		t.Helper()
		req, err := smstest.SignedRequest(token, srv.base, public+"/sms/twilio", smstest.InboundForm(sid, from, number, body, messageSID))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("resident's SMS: %d", resp.StatusCode)
		}
	}
	rated := func(id string) []map[string]any {
		var out []map[string]any
		for _, l := range records(t, petitions, "rating") {
			if l["petition_id"] == id {
				out = append(out, l)
			}
		}
		return out
	}
	to := func(phone string) []string {
		var out []string
		for _, m := range twilio.Messages() {
			if m.To == phone {
				out = append(out, m.Body)
			}
		}
		return out
	}

	// 1. The phone in the forwarded complaint.
	fw := telegramtest.GroupForward(group, "幸福社区居民群", staff, "王网格员", telegramtest.OriginUser(9002, "李大爷"),
		"幸福小区5栋下水道堵了好几天，臭得不行，电话13912345678")
	fw.ID = next()
	post("the forward", fw)
	receipt := tg.WaitForSent(t, 1, 15*time.Second)[0]
	id := idRe.FindString(receipt.Text)
	if receipt.ChatID != group || id == "" {
		t.Fatalf("receipt %+v", receipt)
	}
	delivered(id)
	resolve(id) // the file backend's case id is the petition id
	survey := twilio.WaitForMessages(t, 1, 15*time.Second)[0]
	if survey.To != first || survey.MessagingServiceSID != service || !strings.Contains(survey.Body, id) || !strings.Contains(survey.Body, "1满意") {
		t.Fatalf("survey %+v", survey)
	}
	answer(first, "1", "SMhandover1")
	testwait.For(t, "the rating of "+id, func() bool { return len(rated(id)) > 0 })
	if rs := rated(id); len(rs) != 1 || rs[0]["rating"] != intake.RatingSatisfied || rs[0]["recorded_by"] != nil {
		t.Errorf("ratings of %s: %v", id, rs)
	}
	testwait.For(t, "the thanks", func() bool { return len(to(first)) == 2 })
	if got := to(first); !strings.Contains(got[1], "感谢") {
		t.Errorf("to the resident: %q", got)
	}

	// 2. The phone added by a staff reply to the receipt, after delivery.
	fw2 := telegramtest.GroupForward(group, "幸福社区居民群", staff, "王网格员", telegramtest.OriginUser(9003, "赵大姐"),
		"人民路和解放路路口的红绿灯坏了两天了，很危险")
	fw2.ID = next()
	post("the second forward", fw2)
	receipt2 := tg.WaitForSent(t, 2, 15*time.Second)[1]
	id2 := idRe.FindString(receipt2.Text)
	if id2 == "" || id2 == id || !strings.Contains(receipt2.Text, "联系电话") {
		t.Fatalf("second receipt %+v", receipt2)
	}
	delivered(id2)
	bots, ok := tg.Message(group, receipt2.MessageID)
	if !ok {
		t.Fatal("the receipt is not in the fake's group")
	}
	reply := telegramtest.GroupReply(group, "幸福社区居民群", staff, "王网格员", "居民电话 13912345679", bots)
	reply.ID = next()
	post("the staff reply", reply)
	tg.WaitForSent(t, 3, 15*time.Second) // the supplement's confirmation
	resolve(id2)
	testwait.For(t, "the second survey", func() bool { return len(to(later)) == 1 })
	if s := to(later)[0]; !strings.Contains(s, id2) || !strings.Contains(s, "1满意") {
		t.Errorf("second survey %q", s)
	}
	answer(later, "1", "SMhandover2")
	testwait.For(t, "the rating of "+id2, func() bool { return len(rated(id2)) > 0 })
	if rs := rated(id2); len(rs) != 1 || rs[0]["rating"] != intake.RatingSatisfied {
		t.Errorf("ratings of %s: %v", id2, rs)
	}
	testwait.For(t, "the second thanks", func() bool { return len(to(later)) == 2 })

	if code := srv.stop(); code != 0 {
		t.Fatalf("serve exited %d:\n%s", code, srv.log.String())
	}
	if ps := records(t, petitions, "petition"); len(ps) != 2 {
		t.Errorf("%d petitions, want the two forwarded: an answer opens none", len(ps))
	}
	for _, m := range twilio.Messages() {
		if strings.Contains(m.Body, "请问") || strings.Contains(m.Body, "请直接发送") || strings.Contains(m.Body, "已收到您的诉求") {
			t.Errorf("an answer was taken as an appeal: %q", m.Body)
		}
	}
	if n := len(tg.Sent()); n != 3 {
		t.Errorf("%d messages to the group, want two receipts and the supplement's confirmation: %+v", n, tg.Sent())
	}
	if l := srv.log.String(); strings.Contains(l, "13912345678") || strings.Contains(l, "13912345679") {
		t.Errorf("the log shows a phone number:\n%s", srv.log.String())
	}
}

// records are the file backend's records of one type.
func records(t *testing.T, path, typ string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range readPetitionsIfAny(t, path) {
		if l["type"] == typ {
			out = append(out, l)
		}
	}
	return out
}

// readPetitionsIfAny reads the file backend's records as they are now:
// none while there is no file, and a last line still being written is
// left for the next look.
func readPetitionsIfAny(t *testing.T, path string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var out []map[string]any
	for _, line := range bytes.Split(b, []byte("\n")) {
		var m map[string]any
		if json.Unmarshal(line, &m) == nil {
			out = append(out, m)
		}
	}
	return out
}
