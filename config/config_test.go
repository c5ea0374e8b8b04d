package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "minsheng.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadDefaultsWithoutFile(t *testing.T) {
	cfg, err := Load("")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if !reflect.DeepEqual(*cfg, Default()) {
		t.Errorf("no file and no env should give the defaults:\n got %+v\nwant %+v", *cfg, Default())
	}
}

func TestExampleIsTheDefaultsAndDocumentsEveryKey(t *testing.T) {
	cfg, err := Load("example.yaml")
	if err != nil {
		t.Fatalf("example.yaml: %v", err)
	}
	got, _ := cfg.YAML()
	want, _ := Default().YAML()
	if string(got) != string(want) {
		t.Errorf("example.yaml should state the defaults:\n got %s\nwant %s", got, want)
	}
	raw, err := os.ReadFile("example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	for _, key := range Keys() {
		leaf := key[strings.LastIndex(key, ".")+1:]
		if !strings.Contains(text, leaf+":") {
			t.Errorf("example.yaml does not document %s", key)
		}
	}
}

func TestFileAndEnvironment(t *testing.T) {
	p := writeFile(t, `
timezone: Asia/Urumqi
log: { format: json }
http: { public_url: "https://h.example.org" }
sms:
  allowed_country_codes: ["+86", "+852"]
  twilio: { account_sid: AC123, auth_token: abc }
officials:
  - number: "+8613800000001"
    name: 王
    schedule: { days: [1, 2], from: "08:00", to: "12:00" }
dialog: { coalesce_window: 5s, templates: { receipt: "已收到 {{.ID}}" } }
intake: { holidays: ["2026-10-01"] }
`)
	t.Setenv("MINSHENG_SMS_TWILIO_AUTH_TOKEN", "fromenv")
	t.Setenv("MINSHENG_DIALOG_IDLE_SUBMIT_AFTER", "45m")
	t.Setenv("MINSHENG_FLOOD_MAX_MESSAGES", "7")
	t.Setenv("MINSHENG_NOTIFY_STATUSES", "assigned,resolved,closed")
	t.Setenv("MINSHENG_REDIS_ADDR", "127.0.0.1:6390")

	cfg, err := Load(p)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"timezone from file", cfg.Timezone, "Asia/Urumqi"},
		{"log.format from file", cfg.Log.Format, "json"},
		{"log.level default kept", cfg.Log.Level, "info"},
		{"country codes from file", cfg.SMS.AllowedCountryCodes, []string{"+86", "+852"}},
		{"account sid from file", cfg.SMS.Twilio.AccountSID, "AC123"},
		{"auth token env beats file", cfg.SMS.Twilio.AuthToken, "fromenv"},
		{"rate default kept", cfg.SMS.Twilio.RatePerSecond, 1.0},
		{"official", cfg.Officials[0].Number, "+8613800000001"},
		{"schedule days", cfg.Officials[0].Schedule.Days, []int{1, 2}},
		{"duration from file", cfg.Dialog.CoalesceWindow, 5 * time.Second},
		{"duration from env", cfg.Dialog.IdleSubmitAfter, 45 * time.Minute},
		{"supplement default kept", cfg.Dialog.SupplementWindow, 30 * time.Minute},
		{"template from file", cfg.Dialog.Templates["receipt"], "已收到 {{.ID}}"},
		{"int from env", cfg.Flood.MaxMessages, 7},
		{"list from env", cfg.Notify.Statuses, []string{"assigned", "resolved", "closed"}},
		{"redis from env", cfg.Redis.Addr, "127.0.0.1:6390"},
		{"holidays", cfg.Intake.Holidays, []string{"2026-10-01"}},
		{"categories default kept", len(cfg.Intake.Categories), 7},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %#v, want %#v", c.name, c.got, c.want)
		}
	}
}

func TestEmptyEnvironmentValueOverrides(t *testing.T) {
	p := writeFile(t, "redis: { addr: \"10.0.0.1:6379\" }\n")
	t.Setenv("MINSHENG_REDIS_ADDR", "")
	cfg, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Redis.Addr != "" || !cfg.Redis.Embedded() {
		t.Errorf("an empty MINSHENG_REDIS_ADDR should select the embedded store, got %q", cfg.Redis.Addr)
	}
}

func TestBadTimezoneFromEnvironmentNamesTheKey(t *testing.T) {
	t.Setenv("MINSHENG_TIMEZONE", "Mars/Base")
	_, err := Load("")
	var probs Problems
	if !errors.As(err, &probs) {
		t.Fatalf("want Problems, got %v", err)
	}
	if len(probs) != 1 || !strings.HasPrefix(probs[0], "timezone:") || !strings.Contains(probs[0], "Mars/Base") {
		t.Errorf("problems = %q", probs)
	}
}

func TestValidationListsEveryProblem(t *testing.T) {
	p := writeFile(t, `
timezone: Mars/Base
log: { level: loud }
sms: { allowed_country_codes: ["86"], twilio: { account_sid: AC1, webhook_overrides: "retries=3" } }
officials:
  - { number: "13800000001", schedule: { days: [8], from: "8am", to: "18:00" } }
dialog: { idle_submit_after: 0s }
quiet_hours: { start: "22:00", end: "" }
flood: { per: 10m, max_messages: 0 }
notify: { statuses: [assigned, done] }
intake: { holidays: ["2026-13-01"], urgent_words: [堤坝渗水, 火], classifier: { min_confidence: 1.5 }, hot_window: 0s }
backend: { kind: webhook }
survey: { words: { 还行: fine } }
dialogue: { coalesce_window: 5s }
workers: { outbox: 0 }
`)
	_, err := Load(p)
	var probs Problems
	if !errors.As(err, &probs) {
		t.Fatalf("want Problems, got %v", err)
	}
	want := []string{
		"timezone:", "log.level:", "sms.allowed_country_codes:", "sms.twilio:",
		"officials[0].number:", "officials[0].schedule.days:", "officials[0].schedule.from:",
		"dialog.idle_submit_after:", "quiet_hours:", "flood.max_messages:", "notify.statuses:",
		"intake.holidays:", "intake.urgent_words[1]:", "intake.classifier.min_confidence:", "intake.hot_window:", "backend.webhook.url:", "backend.webhook.secret:", "survey.words.还行:",
		"dialogue", "sms.twilio.webhook_overrides:", "workers.outbox:",
	}
	all := strings.Join(probs, "\n")
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("missing problem %q in:\n%s", w, all)
		}
	}
}

func TestUrgentWordsFromEnvironment(t *testing.T) {
	t.Setenv("MINSHENG_INTAKE_URGENT_WORDS", "堤坝渗水,危化品")
	c, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Intake.UrgentWords; len(got) != 2 || got[0] != "堤坝渗水" || got[1] != "危化品" {
		t.Errorf("intake.urgent_words = %q", got)
	}
}

func TestUnreadableFiles(t *testing.T) {
	dir := t.TempDir()
	bad := writeFile(t, "timezone: [unclosed\n  - : :\n")
	for name, path := range map[string]string{
		"missing": filepath.Join(dir, "nope.yaml"), "directory": dir, "not yaml": bad,
	} {
		_, err := Load(path)
		var fe *FileError
		if !errors.As(err, &fe) {
			t.Errorf("%s: want *FileError, got %v", name, err)
			continue
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error should be one line: %q", name, err)
		}
	}
}

func TestRedactedHidesEverySecret(t *testing.T) {
	cfg := Default()
	cfg.HTTP.AdminToken = "admintok"
	cfg.Redis.Password = "redispw"
	cfg.SMS.Twilio.AuthToken = "twiliotok"
	cfg.Telegram.Token = "123:tgtok"
	cfg.Telegram.WebhookSecret = "tgsecret"
	cfg.Backend.Webhook.Secret = "hooksecret"
	cfg.Backend.Open311.APIKey = "o311key"
	out, err := cfg.Redacted().YAML()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"admintok", "redispw", "twiliotok", "tgtok", "tgsecret", "hooksecret", "o311key"} {
		if strings.Contains(string(out), s) {
			t.Errorf("secret %q shown in:\n%s", s, out)
		}
	}
	if got := strings.Count(string(out), "'***'") + strings.Count(string(out), `"***"`); got != 7 {
		t.Errorf("want 7 redacted values, got %d:\n%s", got, out)
	}
	if cfg.SMS.Twilio.AuthToken != "twiliotok" {
		t.Error("Redacted must not change the original")
	}
	if !strings.Contains(string(out), "coalesce_window: 15s") {
		t.Errorf("durations should print as Go durations:\n%s", out)
	}
}

func TestPlacesFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "places.txt")
	bad := filepath.Join(dir, "bad.txt")
	os.WriteFile(good, []byte("谯城区/古井镇 古井\n"), 0o600)
	os.WriteFile(bad, []byte("谯城区\n谯城区/\n"), 0o600)
	if _, err := Load(writeFile(t, "intake: { places_file: "+good+" }\n")); err != nil {
		t.Errorf("a good gazetteer: %v", err)
	}
	for name, path := range map[string]string{"missing": filepath.Join(dir, "nope.txt"), "bad line": bad} {
		_, err := Load(writeFile(t, "intake: { places_file: "+path+" }\n"))
		var probs Problems
		if !errors.As(err, &probs) || !strings.Contains(strings.Join(probs, "\n"), "intake.places_file: ") {
			t.Errorf("%s: want an intake.places_file problem, got %v", name, err)
		}
	}
	_, err := Load(writeFile(t, "intake: { places_file: "+bad+" }\n"))
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("the problem should name the bad line: %v", err)
	}
}

func TestOfficeKeys(t *testing.T) {
	t.Setenv("MINSHENG_OFFICE_SESSION_IDLE", "10m")
	t.Setenv("MINSHENG_OFFICE_TRUSTED_PROXIES", "10.0.0.7,10.1.0.0/16")
	c, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if c.Office.SessionIdle != 10*time.Minute || c.Office.SessionMax != 12*time.Hour || c.Office.AuditRetention != 183*24*time.Hour {
		t.Errorf("office = %+v", c.Office)
	}
	px, err := c.Office.Proxies()
	if err != nil || len(px) != 2 || px[0].String() != "10.0.0.7/32" || px[1].String() != "10.1.0.0/16" {
		t.Errorf("proxies %v, %v", px, err)
	}

	p := writeFile(t, "office: { session_idle: 13h, session_max: 12h, audit_retention: 720h, trusted_proxies: [proxy.local] }\n")
	t.Setenv("MINSHENG_OFFICE_SESSION_IDLE", "")
	os.Unsetenv("MINSHENG_OFFICE_SESSION_IDLE")
	t.Setenv("MINSHENG_OFFICE_TRUSTED_PROXIES", "")
	os.Unsetenv("MINSHENG_OFFICE_TRUSTED_PROXIES")
	_, err = Load(p)
	var probs Problems
	if !errors.As(err, &probs) {
		t.Fatalf("want Problems, got %v", err)
	}
	all := strings.Join(probs, "\n")
	for _, w := range []string{"office.session_idle: must not be longer than office.session_max", "office.audit_retention: must be at least 4320h", `office.trusted_proxies: "proxy.local"`} {
		if !strings.Contains(all, w) {
			t.Errorf("missing problem %q in:\n%s", w, all)
		}
	}
	if len(probs) != 3 {
		t.Errorf("want 3 problems, got:\n%s", all)
	}
}

// 回头看: a share from 0 to 1, and a delay when it is on.
func TestRevisitSettings(t *testing.T) {
	cfg, err := Load(writeFile(t, "survey: { revisit_share: 0.1, revisit_after: 240h }\n"))
	if err != nil || cfg.Survey.RevisitShare != 0.1 || cfg.Survey.RevisitAfter != 240*time.Hour {
		t.Fatalf("%v %+v", err, cfg.Survey)
	}
	if d, _ := Load(""); d.Survey.RevisitShare != 0 || d.Survey.RevisitAfter != 720*time.Hour || d.Report.PublicPage {
		t.Errorf("defaults %+v", d.Survey)
	}
	for body, want := range map[string]string{
		"survey: { revisit_share: 1.5 }\n":                    "survey.revisit_share",
		"survey: { revisit_share: 0.2, revisit_after: 0s }\n": "survey.revisit_after",
	} {
		_, err := Load(writeFile(t, body))
		var probs Problems
		if !errors.As(err, &probs) || !strings.Contains(strings.Join(probs, "\n"), want) {
			t.Errorf("%s: want a %s problem, got %v", body, want, err)
		}
	}
}
