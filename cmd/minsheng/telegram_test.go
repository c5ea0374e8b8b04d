package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/minsheng/minsheng/bot/telegram/telegramtest"
)

// The must-show of the Telegram channel: `serve` in webhook mode against a
// fake Bot API. A private message posted with the right secret is answered
// with a case id; the same update again is nothing more; a wrong secret is
// 401. A forward by a listed staff member in an intake chat becomes a
// petition reported by them about the forward's origin, and the group gets
// the case id; a forward by someone not listed becomes nothing.
func TestServeTelegramWebhook(t *testing.T) {
	path := isolate(t)
	const (
		token  = "123456:SERVEtoken"
		secret = "hook-secret-9"
		public = "https://hotline.example.org"
		group  = int64(-100777)
		staff  = int64(4242)
	)
	fake := telegramtest.NewFake(t, token)
	for k, v := range map[string]string{
		"MINSHENG_TELEGRAM_TOKEN": token, "MINSHENG_TELEGRAM_API_URL": fake.URL, "MINSHENG_TELEGRAM_MODE": "webhook",
		"MINSHENG_TELEGRAM_WEBHOOK_SECRET": secret, "MINSHENG_HTTP_PUBLIC_URL": public,
		"MINSHENG_TELEGRAM_INTAKE_CHATS": "-100777", "MINSHENG_TELEGRAM_STAFF_USERS": "4242",
		"MINSHENG_DIALOG_COALESCE_WINDOW": "0s", "MINSHENG_TELEGRAM_FORWARD_WINDOW": "200ms",
	} {
		t.Setenv(k, v)
	}
	srv := startServe(t)
	fake.WaitForCalls(t, "setWebhook", 1, 10*time.Second)
	hook := srv.base + "/telegram/webhook"
	ctx := context.Background()

	private := telegramtest.PrivateText(9001, "李大爷", "幸福小区3号楼门口的路灯坏了一个月了，晚上很黑")
	private.ID = 100
	if code, err := fake.PostUpdate(ctx, hook, secret, private); err != nil || code != 200 {
		t.Fatalf("private message: %d %v\n%s", code, err, srv.log.String())
	}
	first := fake.WaitForSent(t, 1, 15*time.Second)[0]
	if first.ChatID != 9001 || !idRe.MatchString(first.Text) {
		t.Fatalf("reply %+v", first)
	}
	if code, _ := fake.PostUpdate(ctx, hook, secret, private); code != 200 {
		t.Errorf("the same update again: %d", code)
	}
	if code, _ := fake.PostUpdate(ctx, hook, "not-the-secret", private); code != 401 {
		t.Errorf("a wrong secret: %d, want 401", code)
	}

	forward := telegramtest.GroupForward(group, "幸福社区居民群", staff, "王网格员", telegramtest.OriginUser(9002, "张阿姨"), "人民路和解放路路口的红绿灯坏了两天了")
	forward.ID = 101
	stranger := telegramtest.GroupForward(group, "幸福社区居民群", 555, "路人甲", telegramtest.OriginUser(9003, "甲"), "幸福路的垃圾堆了一周没人清理")
	stranger.ID = 102
	for _, u := range []any{forward, stranger} {
		if code, err := fake.PostUpdate(ctx, hook, secret, u); err != nil || code != 200 {
			t.Fatalf("forward: %d %v", code, err)
		}
	}
	sent := fake.WaitForSent(t, 2, 15*time.Second)
	receipt := sent[1]
	if receipt.ChatID != group || receipt.ReplyTo != forward.Message.ID || !idRe.MatchString(receipt.Text) {
		t.Fatalf("group receipt %+v", receipt)
	}
	if code := srv.stop(); code != 0 {
		t.Fatalf("serve exited %d:\n%s", code, srv.log.String())
	}
	if n := len(fake.Sent()); n != 2 {
		t.Errorf("%d messages sent, want 2: the redelivered update and the stranger's forward get nothing", n)
	}
	ps := readPetitions(t, path)
	if len(ps) != 2 {
		t.Fatalf("%d petitions, want 2:\n%v", len(ps), ps)
	}
	g := ps[1]
	if !strings.Contains(receipt.Text, g["id"].(string)) || g["channel"] != "telegram_group" {
		t.Errorf("group petition %v", g)
	}
	rep, _ := g["reported_by"].(map[string]any)
	cit, _ := g["citizen"].(map[string]any)
	if rep == nil || rep["telegram_user"] != float64(staff) || rep["name"] != "王网格员" || cit["telegram_user"] != float64(9002) || cit["name"] != "张阿姨" {
		t.Errorf("reported_by %v citizen %v", rep, cit)
	}
	if strings.Contains(srv.log.String(), token) || strings.Contains(srv.log.String(), secret) {
		t.Errorf("the log shows a secret:\n%s", srv.log.String())
	}
}
