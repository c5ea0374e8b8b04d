package telegram_test

import (
	"context"
	"encoding/json"
	"errors"
	"github.com/minsheng/minsheng/internal/testwait"
	"strings"
	"testing"
	"time"

	"github.com/minsheng/minsheng/bot"
	"github.com/minsheng/minsheng/bot/telegram/telegramtest"
	"github.com/minsheng/minsheng/intake/queue/redistest"
)

// Webhook mode: the webhook is registered with its secret; a wrong secret
// gets 401 before anything is read; an update posted twice is taken once.
func TestWebhookSecretAndRedelivery(t *testing.T) {
	h := newHarness(t, harnessOptions{mode: "webhook"})
	h.start()
	calls := h.fake.WaitForCalls(t, "setWebhook", 1, 10*time.Second)
	if calls[0].Params["url"] != publicURL+"/telegram/webhook" || calls[0].Params["secret_token"] != secret {
		t.Errorf("setWebhook %v", calls[0].Params)
	}
	ctx := context.Background()
	u := telegramtest.PrivateText(citizenID, "李大爷", "幸福小区3号楼门口的路灯坏了一个月了")
	u.ID = 501
	if code, err := h.fake.PostUpdate(ctx, h.srv.URL+"/telegram/webhook", "wrong", u); err != nil || code != 401 {
		t.Fatalf("wrong secret: %d %v", code, err)
	}
	if code, _ := h.fake.PostUpdate(ctx, h.srv.URL+"/telegram/webhook", "", u); code != 401 {
		t.Fatalf("no secret: %d", code)
	}
	for i := 0; i < 2; i++ {
		if code, err := h.fake.PostUpdate(ctx, h.srv.URL+"/telegram/webhook", secret, u); err != nil || code != 200 {
			t.Fatalf("post %d: %d %v", i, code, err)
		}
	}
	h.fake.WaitForSent(t, 1, 10*time.Second)
	h.drained()
	if n := len(h.fake.Sent()); n != 1 || len(h.petitions()) != 1 {
		t.Errorf("%d replies and %d petitions for one update posted twice (and two refused)", n, len(h.petitions()))
	}
}

// Issue 23: Telegram refusing setWebhook at start (here a bad webhook URL)
// stopped the channel with a log line while serve stayed ready. Now
// /readyz answers 503 and says why.
func TestRefusedSetWebhookFailsReadyz(t *testing.T) {
	h := newHarness(t, harnessOptions{mode: "webhook"})
	h.fake.FailNext("setWebhook", telegramtest.Failure{Code: 400, Description: "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"})
	if code, body := h.get("/readyz"); code != 200 {
		t.Fatalf("before the start: %d %q", code, body)
	}
	h.start()
	h.fake.WaitForCalls(t, "setWebhook", 1, 10*time.Second)
	testwait.For(t, "/readyz to fail", func() bool { code, _ := h.get("/readyz"); return code == 503 })
	if _, body := h.get("/readyz"); !strings.Contains(body, "channel telegram stopped") ||
		!strings.Contains(body, "setWebhook") || !strings.Contains(body, "only on ports 80, 88, 443 or 8443") || strings.Contains(body, token) {
		t.Errorf("/readyz body %q", body)
	}
}

// A setWebhook that fails without a refusal (a server error, no answer)
// is tried again: a blip at Telegram during a deploy must not leave every
// replica without Telegram and unready. Only a refusal stops the channel.
func TestSetWebhookFailingTransientlyIsRetried(t *testing.T) {
	h := newHarness(t, harnessOptions{mode: "webhook"})
	h.fake.FailNext("setWebhook", telegramtest.Failure{Code: 502, Description: "Bad Gateway"}, telegramtest.Dropped)
	h.start()
	calls := h.fake.WaitForCalls(t, "setWebhook", 3, 15*time.Second)
	testwait.For(t, "the webhook registered", func() bool {
		calls = h.fake.Calls("setWebhook")
		return len(calls) == 3 && !calls[2].Failed
	})
	if code, body := h.get("/readyz"); code != 200 {
		t.Errorf("/readyz after a transient failure: %d %q", code, body)
	}
	if len(h.fake.Calls("setWebhook")) != 3 {
		t.Errorf("setWebhook called %d times, want 3", len(h.fake.Calls("setWebhook")))
	}
}

// An update the library cannot decode (a forward origin of a kind it does
// not know) is counted and skipped; the next one is handled and polling
// goes on past it.
func TestUndecodableUpdateIsSkippedNotRetriedForever(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.start()
	h.fake.AddRawUpdate(json.RawMessage(`{"update_id":7001,"message":{"message_id":5,"date":1790000000,` +
		`"chat":{"id":-100777,"type":"supergroup","title":"幸福社区居民群"},"from":{"id":4242,"is_bot":false,"first_name":"王"},` +
		`"forward_origin":{"type":"story","date":1790000000},"text":"转发的内容"}}`))
	next := telegramtest.PrivateText(citizenID, "李大爷", "幸福小区3号楼门口的路灯坏了一个月了")
	next.ID = 7002
	h.fake.AddUpdate(next)
	h.fake.WaitForSent(t, 1, 10*time.Second)
	testwait.For(t, "offset past both", func() bool {
		o := h.fake.Offsets()
		return len(o) > 0 && o[len(o)-1] == 7003
	})
	if n := counter(t, h, "minsheng_telegram_updates_total", "undecodable"); n != 1 {
		t.Errorf("undecodable counted %v", n)
	}
}

// Two replicas on one Redis: only one polls; when it stops, the other
// takes over from the offset it left, and nothing is taken twice.
func TestTwoReplicasOnePoller(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	store := bot.NewStore(rdb, prefix)
	fake := telegramtest.NewFake(t, token)
	fake.SetHold(50 * time.Millisecond)
	a := newHarness(t, harnessOptions{fake: fake, store: store})
	b := newHarness(t, harnessOptions{fake: fake, store: store})
	a.start()
	testwait.For(t, "a polls", func() bool { return len(fake.Calls("getUpdates")) > 2 })
	b.start()
	fake.AddUpdate(telegramtest.PrivateText(citizenID, "李大爷", "幸福小区3号楼门口的路灯坏了一个月了"))
	fake.WaitForSent(t, 1, 10*time.Second)
	before := len(fake.Calls("getUpdates"))
	for _, c := range fake.Calls("getUpdates") {
		if c.Failed {
			t.Errorf("a getUpdates failed: two pollers at once (409)")
		}
	}
	a.stop()
	fake.AddUpdate(telegramtest.PrivateText(citizenID+1, "张阿姨", "人民路和解放路路口的红绿灯坏了两天了"))
	sent := fake.WaitForSent(t, 2, 15*time.Second)
	if sent[1].ChatID != citizenID+1 || len(fake.Calls("getUpdates")) <= before {
		t.Errorf("b did not take over: %+v", sent)
	}
	a.drained()
	if n := len(fake.Sent()); n != 2 {
		t.Errorf("%d replies for 2 messages", n)
	}
}

// A group that blocked the bot (kicked it) is not an opt-out of anyone:
// the message is refused for good.
func TestForbiddenInAGroupIsNotAnOptOut(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.fake.FailNext("sendMessage", telegramtest.Failure{Code: 403, Description: "Forbidden: bot was kicked from the supergroup chat"})
	err := h.ch.Sender().Send(context.Background(), outbound("-100777", "已登记"))
	if err == nil || errors.Is(err, bot.ErrOptedOut) || !strings.Contains(err.Error(), "permanent") {
		t.Errorf("err %v", err)
	}
}

func counter(t *testing.T, h *harness, name, label string) float64 {
	t.Helper()
	fams, err := h.rt.Metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetValue() == label {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}
