package main

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minsheng/minsheng/bot/sms/smstest"
	"github.com/minsheng/minsheng/bot/telegram/telegramtest"
	"github.com/minsheng/minsheng/internal/testwait"
)

// The must-show of 会后联系, with `serve`, SMS through a fake Twilio and
// Telegram through a fake Bot API: the mayor is set busy by the admin API
// (401 with a wrong token); a citizen's greeting and complaint get exactly
// one 会后联系 auto-reply and the petition is flagged official_busy; a call
// to the busy number hears <Say> (no <Dial>) and gets an SMS; back to
// available, the mayor's Telegram chat gets the call-back list naming the
// citizen's case.
func TestServeMeetingAutoReplyCallAndCallBackList(t *testing.T) {
	petitions := isolate(t)
	const (
		sid, token = "AC0123456789abcdef0123456789abcdef", "authtoken0123456789abcdef"
		tgToken    = "123456:OFFICEtoken"
		admin      = "admin0123456789"
		public     = "https://hotline.example.org"
		mayor      = "+8613800000001"
		citizen    = "+8613912345678"
		caller     = "+8613912345679"
	)
	twilio := smstest.NewFake(t, sid, token)
	tg := telegramtest.NewFake(t, tgToken)
	tg.SetHold(50 * time.Millisecond)
	for k, v := range map[string]string{
		"MINSHENG_HTTP_PUBLIC_URL": public, "MINSHENG_SMS_TWILIO_ACCOUNT_SID": sid, "MINSHENG_SMS_TWILIO_AUTH_TOKEN": token,
		"MINSHENG_SMS_TWILIO_API_BASE_URL": twilio.URL, "MINSHENG_SMS_TWILIO_RATE_PER_SECOND": "100",
		"MINSHENG_DIALOG_COALESCE_WINDOW": "0s", "MINSHENG_TELEGRAM_TOKEN": tgToken, "MINSHENG_TELEGRAM_API_URL": tg.URL,
	} {
		t.Setenv(k, v)
	}
	path := filepath.Join(t.TempDir(), "minsheng.yaml")
	yaml := "http:\n  admin_token: " + admin + "\nofficials:\n  - number: \"" + mayor + "\"\n    name: 张三\n    title: 市长\n" +
		"    forward_to: \"+8613900000001\"\n    telegram_user: 111\n" +
		"    schedule: { days: [1,2,3,4,5,6,7], from: \"00:00\", to: \"23:59\" }\n" // office hours around the clock: only busy counts
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := startServeWith(t, "--config", path)
	availability := func(bearer, body string) int {
		req, _ := http.NewRequest(http.MethodPut, srv.base+"/api/v1/officials/"+mayor+"/availability", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+bearer)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	busy := `{"state":"busy","until":"` + time.Now().Add(time.Hour).Format(time.RFC3339) + `","reason":"开会"}`
	if code := availability("wrong", busy); code != 401 {
		t.Fatalf("wrong token: %d", code)
	}
	if code := availability(admin, busy); code != 200 {
		t.Fatalf("busy: %d\n%s", code, srv.log.String())
	}

	sms := func(from, text, msid string) {
		req, err := smstest.SignedRequest(token, srv.base, public+"/sms/twilio", smstest.InboundForm(sid, from, mayor, text, msid))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("SMS: %d", resp.StatusCode)
		}
	}
	sms(citizen, "书记您好", "SMoffice1")
	twilio.WaitForMessages(t, 1, 15*time.Second)
	sms(citizen, "幸福小区3号楼门口的路灯坏了一个月了，晚上很黑", "SMoffice2")
	msgs := twilio.WaitForMessages(t, 2, 15*time.Second)
	autoReplies := 0
	for _, m := range msgs {
		if m.To == citizen && strings.Contains(m.Body, "会后联系") {
			autoReplies++
		}
	}
	if autoReplies != 1 {
		t.Errorf("%d 会后联系 auto-replies, want exactly 1: %+v", autoReplies, msgs)
	}
	caseID := idRe.FindString(msgs[1].Body)
	if caseID == "" {
		t.Fatalf("no case id in the receipt %q", msgs[1].Body)
	}

	req, err := smstest.SignedRequest(token, srv.base, public+"/voice/twilio", smstest.CallForm(sid, caller, mayor, "CAoffice1"))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	twiml, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Contains(twiml, []byte("<Say")) || bytes.Contains(twiml, []byte("<Dial")) {
		t.Errorf("call to a busy official: %s", twiml)
	}
	if err := smstest.ValidateVoiceTwiML(string(twiml)); err != nil {
		t.Errorf("TwiML Twilio would not play as meant: %v\n%s", err, twiml)
	}
	msgs = twilio.WaitForMessages(t, 3, 15*time.Second)
	if m := msgs[2]; m.To != caller || m.From != mayor || !strings.Contains(m.Body, "开会") {
		t.Errorf("SMS after the call: %+v", m)
	}

	// Both citizens are on the list before the meeting ends: the call's
	// item goes through the call-back queue, and the list sent at the end
	// holds the items written by then (an item written later is on the
	// office page and its reminder, not on that message).
	testwait.For(t, "two items on the call-back list", func() bool {
		req, _ := http.NewRequest(http.MethodGet, srv.base+"/api/v1/officials/"+mayor+"/callbacks", nil)
		req.Header.Set("Authorization", "Bearer "+admin)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return strings.Count(string(b), `"id"`) >= 2
	})
	if code := availability(admin, `{"state":"available"}`); code != 200 {
		t.Fatalf("available: %d", code)
	}
	var list telegramtest.Sent
	testwait.For(t, "the call-back list in the mayor's chat", func() bool {
		for _, s := range tg.Sent() {
			if s.ChatID == 111 && strings.Contains(s.Text, caseID) {
				list = s
			}
		}
		return list.ChatID != 0
	})
	if !strings.Contains(list.Text, citizen) || !strings.Contains(list.Text, caller) {
		t.Fatalf("the mayor's chat got %+v\n%s", tg.Sent(), srv.log.String())
	}
	if code := srv.stop(); code != 0 {
		t.Fatalf("serve exited %d", code)
	}
	for _, p := range readPetitions(t, petitions) {
		if p["id"] == caseID {
			flags, _ := p["flags"].([]any)
			found := false
			for _, f := range flags {
				found = found || f == "official_busy"
			}
			if !found {
				t.Errorf("petition flags %v, want official_busy", flags)
			}
			return
		}
	}
	t.Errorf("petition %s not in the file", caseID)
}
