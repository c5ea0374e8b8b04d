package main

import (
	"context"
	"strings"
	"testing"
)

// Issue 23: a webhook secret Telegram's setWebhook refuses was "ok" for
// config check, and serve ran with Telegram dead. Now config check says
// why, in one line naming the key, and exits 1 (serve refuses to start).
func TestConfigCheckRefusesWhatTelegramRefuses(t *testing.T) {
	isolate(t)
	t.Setenv("MINSHENG_TELEGRAM_TOKEN", "123456:ABCdef")
	t.Setenv("MINSHENG_TELEGRAM_MODE", "webhook")
	t.Setenv("MINSHENG_HTTP_PUBLIC_URL", "https://hotline.example.org")
	t.Setenv("MINSHENG_TELEGRAM_WEBHOOK_SECRET", "my secret/with:bad+chars!")
	code, _, stderr := runCmd(t, context.Background(), "", "config", "check")
	if code != 1 || !strings.Contains(stderr, "telegram.webhook_secret: ") || strings.Contains(stderr, "my secret") {
		t.Errorf("bad secret: exit %d, %q", code, stderr)
	}
	t.Setenv("MINSHENG_TELEGRAM_WEBHOOK_SECRET", "hook-secret_9")
	for _, u := range []string{"http://hotline.example.org", "https://hotline.example.org:8080"} {
		t.Setenv("MINSHENG_HTTP_PUBLIC_URL", u)
		code, _, stderr = runCmd(t, context.Background(), "", "config", "check")
		if code != 1 || !strings.Contains(stderr, "http.public_url: ") {
			t.Errorf("%s: exit %d, %q", u, code, stderr)
		}
	}
}
