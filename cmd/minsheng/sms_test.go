package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/minsheng/minsheng/bot/sms/smstest"
)

// TestServeTakesSignedSMSAndRepliesThroughTwilio runs `minsheng serve` with
// Twilio configured from the environment and pointed at a fake: a signed
// inbound SMS is answered with TwiML and the reply reaches Twilio from the
// number written to; a wrongly signed one is refused.
func TestServeTakesSignedSMSAndRepliesThroughTwilio(t *testing.T) {
	isolate(t)
	const (
		sid, token = "AC0123456789abcdef0123456789abcdef", "authtoken0123456789abcdef"
		public     = "https://hotline.example.org"
		official   = "+8613800000001"
		citizen    = "+8613912345678"
	)
	fake := smstest.NewFake(t, sid, token)
	t.Setenv("MINSHENG_HTTP_PUBLIC_URL", public)
	t.Setenv("MINSHENG_SMS_TWILIO_ACCOUNT_SID", sid)
	t.Setenv("MINSHENG_SMS_TWILIO_AUTH_TOKEN", token)
	t.Setenv("MINSHENG_SMS_TWILIO_API_BASE_URL", fake.URL)
	t.Setenv("MINSHENG_DIALOG_COALESCE_WINDOW", "0s") // answer at once, not after a burst window

	srv := startServe(t)
	base, errb := srv.base, srv.log
	form := smstest.InboundForm(sid, citizen, official, "谯城区汤陵街道幸福小区门口的路灯坏了一个月了，晚上很黑", "SMserve1")
	req, err := smstest.SignedRequest(token, base, public+"/sms/twilio", form)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/xml") || !strings.Contains(string(body), "<Response/>") {
		t.Fatalf("signed inbound: %d %q %q\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), body, errb.String())
	}
	m := fake.WaitForMessages(t, 1, 15*time.Second)[0]
	if m.From != official || m.To != citizen || !idRe.MatchString(m.Body) || m.StatusCallback != public+"/sms/twilio/status?m=%3A1&n=0" {
		t.Errorf("reply at Twilio: %+v", m)
	}

	forged := smstest.InboundForm(sid, citizen, official, "假的", "SMforged")
	req, _ = smstest.SignedRequest("wrongtoken", base, public+"/sms/twilio", forged)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("wrongly signed inbound: %d, want 403", resp.StatusCode)
	}

	if code := srv.stop(); code != 0 {
		t.Errorf("serve exited %d:\n%s", code, errb.String())
	}
	if strings.Contains(errb.String(), token) || strings.Contains(errb.String(), "13912345678") {
		t.Errorf("the log shows a secret or a phone number:\n%s", errb.String())
	}
}
