package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minsheng/minsheng/bot/sms/smstest"
)

// TestServeAnswersACallToABusyOfficial runs `minsheng serve` with an
// official from a config file and Twilio from the environment, pointed at
// a fake: the official is set busy through the admin API, and a signed
// call to their number is told so (no forwarding) and texted the
// 会后联系 auto-reply from that number.
func TestServeAnswersACallToABusyOfficial(t *testing.T) {
	isolate(t)
	const (
		sid, token = "AC0123456789abcdef0123456789abcdef", "authtoken0123456789abcdef"
		admin      = "admin0123456789"
		public     = "https://hotline.example.org"
		official   = "+8613800000001"
		citizen    = "+8613912345678"
	)
	fake := smstest.NewFake(t, sid, token)
	t.Setenv("MINSHENG_HTTP_PUBLIC_URL", public)
	t.Setenv("MINSHENG_SMS_TWILIO_ACCOUNT_SID", sid)
	t.Setenv("MINSHENG_SMS_TWILIO_AUTH_TOKEN", token)
	t.Setenv("MINSHENG_SMS_TWILIO_API_BASE_URL", fake.URL)
	t.Setenv("MINSHENG_DIALOG_COALESCE_WINDOW", "0s")
	t.Setenv("MINSHENG_VOICE_SAY_VOICE", "Google.cmn-CN-Wavenet-A") // voice.say_voice reaches the TwiML
	// Officials are a list, which the environment cannot express.
	path := filepath.Join(t.TempDir(), "minsheng.yaml")
	yaml := "http:\n  admin_token: " + admin + "\nofficials:\n" +
		"  - number: \"" + official + "\"\n    name: 张三\n    title: 市长\n    forward_to: \"+8613900000001\"\n"
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := startServeWith(t, "--config", path)
	base, errb := srv.base, srv.log

	busy := func(bearer string) int {
		body, _ := json.Marshal(map[string]string{"state": "busy", "until": time.Now().Add(time.Hour).Format(time.RFC3339), "reason": "开会"})
		req, _ := http.NewRequest(http.MethodPut, base+"/api/v1/officials/"+official+"/availability", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+bearer)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := busy("wrong"); got != http.StatusUnauthorized {
		t.Fatalf("PUT busy with a wrong token: %d", got)
	}
	if got := busy(admin); got != http.StatusOK {
		t.Fatalf("PUT busy: %d\n%s", got, errb.String())
	}

	req, err := smstest.SignedRequest(token, base, public+"/voice/twilio", smstest.CallForm(sid, citizen, official, "CAserve1"))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/xml") ||
		!strings.Contains(string(body), `<Say voice="Google.cmn-CN-Wavenet-A" language="cmn-CN">`) || !strings.Contains(string(body), "正在开会") ||
		strings.Contains(string(body), "<Dial") {
		t.Fatalf("call: %d %q %q\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), body, errb.String())
	}
	if err := smstest.ValidateVoiceTwiML(string(body)); err != nil {
		t.Errorf("TwiML Twilio would not play as meant: %v\n%s", err, body)
	}
	m := fake.WaitForMessages(t, 1, 15*time.Second)[0]
	if m.From != official || m.To != citizen || !strings.Contains(m.Body, "会后联系") {
		t.Errorf("SMS at Twilio: %+v", m)
	}

	if code := srv.stop(); code != 0 {
		t.Errorf("serve exited %d:\n%s", code, errb.String())
	}
	if strings.Contains(errb.String(), token) || strings.Contains(errb.String(), "13912345678") {
		t.Errorf("the log shows a secret or a phone number:\n%s", errb.String())
	}
}
