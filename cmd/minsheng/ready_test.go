package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/minsheng/minsheng/bot/telegram/telegramtest"
	"github.com/minsheng/minsheng/internal/testwait"
)

// Issue 23: `serve` whose Telegram channel could not start (setWebhook
// refused) kept running, ready, with Telegram dead and a log line the
// only trace. Now /readyz answers 503 and its body says why; the rest of
// serve (here /healthz) keeps answering.
func TestServeIsNotReadyWhenTelegramRefusesTheWebhook(t *testing.T) {
	isolate(t)
	const token = "123456:SERVEtoken"
	fake := telegramtest.NewFake(t, token)
	fake.FailNext("setWebhook", telegramtest.Failure{Code: 400, Description: "Bad Request: bad webhook: Failed to resolve host: Name or service not known"})
	for k, v := range map[string]string{
		"MINSHENG_TELEGRAM_TOKEN": token, "MINSHENG_TELEGRAM_API_URL": fake.URL, "MINSHENG_TELEGRAM_MODE": "webhook",
		"MINSHENG_TELEGRAM_WEBHOOK_SECRET": "hook-secret-9", "MINSHENG_HTTP_PUBLIC_URL": "https://hotline.invalid",
	} {
		t.Setenv(k, v)
	}
	srv := startServe(t)
	fake.WaitForCalls(t, "setWebhook", 1, 10*time.Second)
	get := func(path string) (int, string) {
		resp, err := http.Get(srv.base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	testwait.For(t, "/readyz to fail", func() bool { code, _ := get("/readyz"); return code == http.StatusServiceUnavailable })
	if _, body := get("/readyz"); !strings.Contains(body, "channel telegram stopped") || !strings.Contains(body, "Failed to resolve host") {
		t.Errorf("/readyz: %q", body)
	}
	if code, _ := get("/healthz"); code != 200 {
		t.Errorf("/healthz %d", code)
	}
	if code := srv.stop(); code != 0 {
		t.Errorf("serve exited %d:\n%s", code, srv.log.String())
	}
}
