package config

import (
	"strings"
	"testing"
)

func TestAliyunFromFileAndEnvironment(t *testing.T) {
	p := writeFile(t, `
sms:
  aliyun:
    access_key_id: LTAI5tExample
    sign_name: 某某市长热线
    push_token: 0123456789abcdef0123
    templates:
      receipt: { code: SMS_000000001, params: [id] }
officials:
  - number: "+8613800000001"
    sms_ext: "01"
`)
	t.Setenv("MINSHENG_SMS_ALIYUN_ACCESS_KEY_SECRET", "fromenv")
	t.Setenv("MINSHENG_SMS_ALIYUN_DAILY_LIMIT", "10")
	cfg, err := Load(p)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	a := cfg.SMS.Aliyun
	if !a.Enabled() || a.AccessKeySecret != "fromenv" || a.DailyLimit != 10 || a.APIURL != "https://dysmsapi.aliyuncs.com" {
		t.Errorf("aliyun = %+v", a)
	}
	if got := a.Templates["receipt"]; got.Code != "SMS_000000001" || len(got.Params) != 1 || got.Params[0] != "id" {
		t.Errorf("templates = %+v", a.Templates)
	}
	if cfg.Officials[0].SMSExt != "01" {
		t.Errorf("sms_ext = %q", cfg.Officials[0].SMSExt)
	}
	out, _ := cfg.Redacted().YAML()
	if strings.Contains(string(out), "fromenv") || strings.Contains(string(out), "0123456789abcdef") {
		t.Errorf("a secret is printed:\n%s", out)
	}
}

func TestAliyunProblems(t *testing.T) {
	p := writeFile(t, `
http: { public_url: "https://h.example.org" }
sms:
  twilio: { account_sid: AC123, auth_token: abc }
  aliyun:
    access_key_id: LTAI5tExample
    access_key_secret: s
    push_token: short
    daily_limit: 1
    templates:
      receipt: { code: "SMS 1", params: ["1x"] }
officials:
  - { number: "+8613800000001", sms_ext: "01" }
  - { number: "+8613800000002", sms_ext: "01" }
  - { number: "+8613800000003", sms_ext: "a1" }
`)
	_, err := Load(p)
	probs, ok := err.(Problems)
	if !ok {
		t.Fatalf("Load: %v, want problems", err)
	}
	all := strings.Join(probs, "\n")
	for _, want := range []string{
		"sms: set sms.twilio or sms.aliyun, not both",
		"sms.aliyun.sign_name: required",
		"sms.aliyun.push_token: required",
		"sms.aliyun.daily_limit: must be 2 or more",
		"sms.aliyun.templates.receipt.code",
		"sms.aliyun.templates.receipt.params",
		"officials[1].sms_ext: \"01\" is another official's too",
		"officials[2].sms_ext: \"a1\" is not an extension",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("no problem %q in:\n%s", want, all)
		}
	}
}
