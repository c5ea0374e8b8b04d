package config

import (
	"errors"
	"strings"
	"testing"
)

// problemsWith loads the defaults with the environment given (on top of
// what the test set before) and returns
// the problems config check would list (nil when it says ok).
func problemsWith(t *testing.T, env map[string]string) Problems {
	t.Helper()
	for k, v := range env {
		t.Setenv(k, v)
	}
	_, err := Load("")
	if err == nil {
		return nil
	}
	var probs Problems
	if !errors.As(err, &probs) {
		t.Fatalf("want Problems, got %v", err)
	}
	return probs
}

// oneProblem checks that config check refuses with exactly one line,
// naming key, with every part of the reason given.
func oneProblem(t *testing.T, name string, probs Problems, key string, parts ...string) {
	t.Helper()
	if len(probs) != 1 || !strings.HasPrefix(probs[0], key+": ") || strings.Contains(probs[0], "\n") {
		t.Errorf("%s: want one problem of %s, got %q", name, key, probs)
		return
	}
	for _, p := range parts {
		if !strings.Contains(probs[0], p) {
			t.Errorf("%s: %q does not say %q", name, probs[0], p)
		}
	}
}

// voice.say_voice takes the voices Twilio documents for Mandarin and no other.
func TestSayVoiceIsAMandarinVoice(t *testing.T) {
	if d := Default().Voice.SayVoice; d != DefaultSayVoice || !IsMandarinVoice(d) {
		t.Errorf("default voice %q", d)
	}
	for _, v := range MandarinVoices {
		if probs := problemsWith(t, map[string]string{"MINSHENG_VOICE_SAY_VOICE": v}); probs != nil {
			t.Errorf("%s refused: %q", v, probs)
		}
	}
	for _, v := range []string{"", "man", "alice", "Polly.Joanna", "Polly.zhiyu", "zh-CN", "Google.cmn-TW-Standard-A", "Polly.Hiujin-Neural"} {
		probs := problemsWith(t, map[string]string{"MINSHENG_VOICE_SAY_VOICE": v})
		oneProblem(t, v, probs, "voice.say_voice", `"`+v+`"`, "Mandarin")
	}
}

// What setWebhook refuses, config check refuses first, one line each naming
// the key: a secret_token of other characters or lengths than Telegram
// takes (1–256 of A-Z a-z 0-9 _ -), a public URL that is not HTTPS or
// whose port Telegram does not call (443, 80, 88, 8443).
func TestTelegramWebhookRefusalsAreConfigProblems(t *testing.T) {
	webhook := func(secret, public string) map[string]string {
		return map[string]string{
			"MINSHENG_TELEGRAM_TOKEN": "123456:ABCdef", "MINSHENG_TELEGRAM_MODE": "webhook",
			"MINSHENG_TELEGRAM_WEBHOOK_SECRET": secret, "MINSHENG_HTTP_PUBLIC_URL": public,
		}
	}
	const good, public = "hook-secret_9", "https://hotline.example.org"
	for _, ok := range []map[string]string{
		webhook(good, public),
		webhook(strings.Repeat("a", 256), public),
		webhook("A", "https://hotline.example.org:8443/minsheng"),
		webhook(good, "https://hotline.example.org:88"),
		webhook(good, "https://hotline.example.org:443/"),
		// Polling: the URL is for Twilio alone.
		{"MINSHENG_TELEGRAM_TOKEN": "123456:ABCdef", "MINSHENG_TELEGRAM_MODE": "polling", "MINSHENG_TELEGRAM_WEBHOOK_SECRET": "", "MINSHENG_HTTP_PUBLIC_URL": "http://10.0.0.5:8080"},
	} {
		t.Run("accepted", func(t *testing.T) {
			if probs := problemsWith(t, ok); probs != nil {
				t.Errorf("%v refused: %q", ok, probs)
			}
		})
	}
	for name, c := range map[string]struct {
		env   map[string]string
		key   string
		parts []string
	}{
		"secret with spaces and punctuation": {webhook("my secret/with:bad+chars!", public), "telegram.webhook_secret", []string{"A-Z a-z 0-9 _ -", "character 3"}},
		"secret of 257 characters":           {webhook(strings.Repeat("a", 257), public), "telegram.webhook_secret", []string{"257", "256"}},
		"secret in Chinese":                  {webhook("民声密钥", public), "telegram.webhook_secret", []string{"A-Z a-z 0-9 _ -"}},
		"plain HTTP":                         {webhook(good, "http://hotline.example.org"), "http.public_url", []string{"HTTPS", "telegram.mode webhook"}},
		"port 8080":                          {webhook(good, "https://hotline.example.org:8080"), "http.public_url", []string{"8080", "443, 80, 88, 8443"}},
	} {
		t.Run(name, func(t *testing.T) {
			probs := problemsWith(t, c.env)
			oneProblem(t, name, probs, c.key, c.parts...)
			if s := c.env["MINSHENG_TELEGRAM_WEBHOOK_SECRET"]; s != good && strings.Contains(strings.Join(probs, ""), s) {
				t.Errorf("the problem shows the secret: %q", probs)
			}
		})
	}
}

// Open311 needs a place for petitions that name none: config check asks
// for it with kind open311 and checks coordinates are WGS84.
func TestOpen311DefaultPlace(t *testing.T) {
	open311 := func(kv ...string) map[string]string {
		env := map[string]string{
			"MINSHENG_BACKEND_KIND": "open311", "MINSHENG_BACKEND_OPEN311_ENDPOINT": "https://311.example.org/v2",
			"MINSHENG_BACKEND_OPEN311_DEFAULT_ADDRESS": "", "MINSHENG_BACKEND_OPEN311_DEFAULT_LAT": "0", "MINSHENG_BACKEND_OPEN311_DEFAULT_LONG": "0",
		}
		for i := 0; i+1 < len(kv); i += 2 {
			env["MINSHENG_BACKEND_OPEN311_"+kv[i]] = kv[i+1]
		}
		return env
	}
	for _, ok := range []map[string]string{
		open311("DEFAULT_ADDRESS", "亳州市人民政府"),
		open311("DEFAULT_LAT", "33.844592", "DEFAULT_LONG", "115.778676"),
		open311("DEFAULT_ADDRESS", "亳州市人民政府", "DEFAULT_LAT", "33.844592", "DEFAULT_LONG", "115.778676"),
	} {
		t.Run("accepted", func(t *testing.T) {
			if probs := problemsWith(t, ok); probs != nil {
				t.Errorf("%v refused: %q", ok, probs)
			}
		})
	}
	for name, c := range map[string]struct {
		env   map[string]string
		key   string
		parts []string
	}{
		"none":           {open311(), "backend.open311.default_address", []string{"required with backend.kind open311", "default_lat"}},
		"blank address":  {open311("DEFAULT_ADDRESS", "  "), "backend.open311.default_address", []string{"required"}},
		"latitude alone": {open311("DEFAULT_LAT", "33.84"), "backend.open311.default_lat", []string{"default_long"}},
		"latitude 133":   {open311("DEFAULT_LAT", "133.84", "DEFAULT_LONG", "115.78"), "backend.open311.default_lat", []string{"133.84", "latitude"}},
		"longitude 215":  {open311("DEFAULT_LAT", "33.84", "DEFAULT_LONG", "215.78"), "backend.open311.default_long", []string{"215.78", "longitude"}},
	} {
		// A subtest each: t.Setenv lasts until its test ends, and the
		// cases must not see each other's variables.
		t.Run(name, func(t *testing.T) { oneProblem(t, name, problemsWith(t, c.env), c.key, c.parts...) })
	}
	t.Run("file backend", func(t *testing.T) { // needs none
		if probs := problemsWith(t, map[string]string{"MINSHENG_BACKEND_KIND": "file", "MINSHENG_BACKEND_OPEN311_DEFAULT_LAT": "0"}); probs != nil {
			t.Errorf("file backend: %q", probs)
		}
	})
}
