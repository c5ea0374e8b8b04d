package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/minsheng/minsheng/bot/aliyun"
	"github.com/minsheng/minsheng/bot/aliyun/aliyuntest"
	"github.com/minsheng/minsheng/internal/testwait"
)

// aliyunConfigFile writes a configuration with sms.aliyun pointed at fake,
// every reply key approved there, and one official on extension 01.
func aliyunConfigFile(t *testing.T, fake *aliyuntest.Fake, token string) (path string, codes map[string]string) {
	t.Helper()
	codes = map[string]string{}
	var b strings.Builder
	fmt.Fprintf(&b, "sms:\n  aliyun:\n    access_key_id: %s\n    access_key_secret: %s\n    sign_name: %s\n    api_url: %s\n    push_token: %s\n    templates:\n",
		fake.KeyID, fake.Secret, fake.Sign, fake.URL(), token)
	for i, k := range aliyun.ReplyKeys(nil) {
		code := "SMS_" + strconv.Itoa(200000+i)
		codes[k.Name] = code
		fake.Approve(code, k.Text)
		fmt.Fprintf(&b, "      %s: { code: %s, params: [%s] }\n", k.Name, code, strings.Join(k.Vars, ", "))
	}
	b.WriteString("officials:\n  - { number: \"+8613800000001\", name: 张三, title: 市长, sms_ext: \"01\" }\n")
	path = filepath.Join(t.TempDir(), "aliyun.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, codes
}

// TestServeTakesPushedSMSAndRepliesThroughAliyun runs `minsheng serve` with
// the mainland gateway pointed at its fake: a citizen's SMS pushed as SmsUp
// becomes a petition, the receipt goes out as SendSms with the receipt's
// template code, the signature and the petition id; the same push
// delivered twice makes one petition and one receipt; a push without the
// token is refused.
func TestServeTakesPushedSMSAndRepliesThroughAliyun(t *testing.T) {
	petitions := isolate(t)
	const token = "push-token-0123456789"
	fake := aliyuntest.New("LTAI5tServeTest01", "serveSecret0123456789", "某某市长热线")
	t.Cleanup(fake.Close)
	cfgPath, codes := aliyunConfigFile(t, fake, token)
	t.Setenv("MINSHENG_DIALOG_COALESCE_WINDOW", "0s")
	t.Setenv("MINSHENG_QUIET_HOURS_START", "")
	t.Setenv("MINSHENG_QUIET_HOURS_END", "")

	srv := startServeWith(t, "--config", cfgPath)
	up := aliyuntest.Up{Phone: "13912345678", Content: "谯城区汤陵街道幸福小区门口的路灯坏了一个月了，晚上很黑", DestCode: "01", SequenceID: 880001}
	ctx := context.Background()
	if status, _, err := aliyuntest.PushUp(ctx, srv.base+aliyun.UpPath, up); err != nil || status != http.StatusUnauthorized {
		t.Fatalf("push without the token: %d %v, want 401", status, err)
	}
	url := srv.base + aliyun.UpPath + "?token=" + token
	for i := 0; i < 2; i++ {
		if status, code, err := aliyuntest.PushUp(ctx, url, up); err != nil || status != http.StatusOK || code != 0 {
			t.Fatalf("push %d: %d code %d %v\n%s", i, status, code, err, srv.log.String())
		}
	}
	testwait.For(t, "the receipt at the provider", func() bool { return len(fake.Messages()) >= 1 })
	testwait.For(t, "the petition", func() bool {
		_, err := os.Stat(petitions)
		return err == nil && len(readPetitions(t, petitions)) >= 1
	})
	if code := srv.stop(); code != 0 {
		t.Errorf("serve exited %d:\n%s", code, srv.log.String())
	}
	got := fake.Messages()
	if len(got) != 1 {
		t.Fatalf("SMS at the provider: %d, want one receipt: %+v", len(got), got)
	}
	m := got[0]
	// receipt, or receipt_off_hours outside the official's office hours.
	if m.TemplateCode != codes["receipt"] && m.TemplateCode != codes["receipt_off_hours"] {
		t.Errorf("the receipt went as %s, want %s or %s", m.TemplateCode, codes["receipt"], codes["receipt_off_hours"])
	}
	if m.Sign != "某某市长热线" || m.Phone != "13912345678" || !idRe.MatchString(m.Params["id"]) || m.Ext != "01" {
		t.Errorf("receipt: %+v", m)
	}
	ps := readPetitions(t, petitions)
	if len(ps) != 1 {
		t.Fatalf("petitions: %d, want 1", len(ps))
	}
	if ps[0]["id"] != m.Params["id"] {
		t.Errorf("the receipt names %s, the petition is %v", m.Params["id"], ps[0]["id"])
	}
	if log := srv.log.String(); strings.Contains(log, "13912345678") || strings.Contains(log, fake.Secret) || strings.Contains(log, token) {
		t.Errorf("the log shows a phone number or a secret:\n%s", log)
	}
}
