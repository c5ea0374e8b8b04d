package telegram_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/minsheng/minsheng/bot"
	"github.com/minsheng/minsheng/bot/telegram/telegramtest"
	"github.com/minsheng/minsheng/intake/queue"
	"github.com/minsheng/minsheng/internal/testproc"
	"github.com/minsheng/minsheng/internal/testwait"
)

// A part whose attempt had no answer is probed for at Telegram before it
// is sent again (bot/telegram/dedup.go). These tests drive the real send
// queue, sender and go-telegram/bot against the fake's wire format.

const complaint = "幸福小区3号楼门口的路灯坏了一个月了，晚上很黑"

func (h *harness) dedup(result string) float64 {
	h.tb.Helper()
	return counter(h.tb.(*testing.T), h, "minsheng_telegram_dedup_total", result)
}

// edits are the answers to the probe edits, in order ("" for a success).
func (h *harness) edits() []string {
	var out []string
	for _, c := range h.fake.Calls("editMessageText") {
		out = append(out, c.Error)
	}
	return out
}

func TestFirstAttemptNeedsNoProbe(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.start()
	h.fake.AddUpdate(telegramtest.PrivateText(citizenID, "李大爷", complaint))
	h.fake.WaitForSent(t, 1, 10*time.Second)
	h.drained()
	if n := len(h.fake.Calls("editMessageText")); n != 0 {
		t.Errorf("%d probes on the fast path", n)
	}
}

func TestSentButAnswerLostIsNotSentAgain(t *testing.T) {
	for _, tc := range []struct {
		name string
		how  telegramtest.Failure
	}{
		{"late answer", telegramtest.AcceptLate(2 * time.Second)},
		{"connection dropped after sending", telegramtest.NoAnswer},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, harnessOptions{requestTimeout: 300 * time.Millisecond})
			h.fake.FailNext("sendMessage", tc.how)
			h.start()
			h.fake.AddUpdate(telegramtest.PrivateText(citizenID, "李大爷", complaint))
			sent := h.fake.WaitForSent(t, 1, 10*time.Second)
			testwait.For(t, "the lost reply found", func() bool { return h.dedup("found") == 1 })
			h.drained()
			if n, calls := len(h.fake.Sent()), len(h.fake.Calls("sendMessage")); n != 1 || calls != 1 {
				t.Fatalf("%d messages from %d sendMessage calls, want 1 and 1", n, calls)
			}
			if e := h.edits(); len(e) != 1 || !strings.Contains(e[0], "message is not modified") {
				t.Errorf("probe answers %q, want one \"not modified\"", e)
			}
			if got, _ := h.fake.Message(citizenID, sent[0].MessageID); got.Text != sent[0].Text || got.EditDate != 0 {
				t.Errorf("the reply was changed by the probe: %+v", got)
			}
			if nf := h.dedup("not_found"); nf != 0 {
				t.Errorf("not_found %v", nf)
			}
			if ps := h.petitions(); len(ps) != 1 || !strings.Contains(sent[0].Text, ps[0].ID) {
				t.Errorf("petitions %+v", ps)
			}
		})
	}
}

// The connection failed before Telegram took the message: the probe finds
// nothing, and once the attempt is old enough to be sure, it is sent.
func TestSendThatTrulyFailedIsSentAgain(t *testing.T) {
	h := newHarness(t, harnessOptions{requestTimeout: 300 * time.Millisecond, probeSettle: 700 * time.Millisecond})
	h.fake.FailNext("sendMessage", telegramtest.Dropped)
	h.start()
	h.fake.AddUpdate(telegramtest.PrivateText(citizenID, "李大爷", complaint))
	h.fake.WaitForSent(t, 1, 10*time.Second)
	h.drained()
	if n, calls := len(h.fake.Sent()), len(h.fake.Calls("sendMessage")); n != 1 || calls != 2 {
		t.Fatalf("%d messages from %d sendMessage calls, want 1 and 2", n, calls)
	}
	if nf, f, d := h.dedup("not_found"), h.dedup("found"), h.dedup("deferred"); nf != 1 || f != 0 || d < 1 {
		t.Errorf("not_found %v found %v deferred %v, want 1, 0, ≥1", nf, f, d)
	}
	for _, e := range h.edits() {
		if !strings.Contains(e, "message to edit not found") {
			t.Errorf("probe answered %q", e)
		}
	}
}

// Telegram answered with a refusal: nothing was sent, nothing is probed.
func TestRefusedSendIsNotProbed(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.fake.FailNext("sendMessage", telegramtest.TooManyRequests(1))
	h.start()
	h.fake.AddUpdate(telegramtest.PrivateText(citizenID, "李大爷", complaint))
	h.fake.WaitForSent(t, 1, 10*time.Second)
	h.drained()
	if n := len(h.fake.Calls("editMessageText")); n != 0 {
		t.Errorf("%d probes after a refusal", n)
	}
}

// TestWorkerKilledAfterTelegramSentIsNotSentAgain: a worker in another
// process opens the attempt, Telegram sends the reply, and the worker is
// killed (SIGKILL) before the answer. The entry is taken over; the probe
// finds the reply; nothing more is sent.
func TestWorkerKilledAfterTelegramSentIsNotSentAgain(t *testing.T) {
	h := newHarness(t, harnessOptions{claimIdle: 300 * time.Millisecond})
	h.fake.FailNext("sendMessage", telegramtest.Hang) // the doomed worker's call: sent, never answered
	child := testproc.Child("^TestDedupCrashChild$", "TG_CRASH_CHILD=1", "TG_CRASH_PREFIX="+h.rt.Env().Prefix, "TG_CRASH_API="+h.fake.URL)
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	h.fake.AddUpdate(telegramtest.PrivateText(citizenID, "李大爷", complaint))
	h.fake.WaitForSent(t, 1, 15*time.Second)
	_ = child.Process.Signal(syscall.SIGKILL)
	_ = child.Wait()

	h.start()
	testwait.For(t, "the reply found", func() bool { return h.dedup("found") == 1 })
	h.drained()
	if n, calls := len(h.fake.Sent()), len(h.fake.Calls("sendMessage")); n != 1 || calls != 1 {
		t.Fatalf("%d messages from %d sendMessage calls after the takeover, want 1 and 1", n, calls)
	}
}

func TestDedupCrashChild(t *testing.T) {
	if os.Getenv("TG_CRASH_CHILD") == "" {
		t.Skip("run by TestWorkerKilledAfterTelegramSentIsNotSentAgain")
	}
	h := newHarness(t, harnessOptions{redisPrefix: os.Getenv("TG_CRASH_PREFIX"), apiURL: os.Getenv("TG_CRASH_API"),
		requestTimeout: time.Minute})
	h.start()
	select {} // killed while Telegram holds the answer back
}

// In a supergroup every member's message takes an id of the group's
// sequence, and under privacy mode the bot sees few of them: the probe
// passes those ("message can't be edited") and finds the receipt.
func TestGroupProbePassesMembersMessages(t *testing.T) {
	const sgroup = int64(-1001234567890)
	h := newHarness(t, harnessOptions{requestTimeout: 300 * time.Millisecond})
	h.start()
	id := h.fake.AddUpdate(telegramtest.GroupText(sgroup, "幸福社区居民群", staffID, "王网格员", "大家好"))
	testwait.For(t, "the group message taken in", func() bool {
		o := h.fake.Offsets()
		return len(o) > 0 && o[len(o)-1] > id
	})
	h.stop()
	h.fake.Unseen(sgroup, 5001, "楼下又停电了")
	h.fake.Unseen(sgroup, 5002, "是的")
	ob := bot.Outbound{Key: "telegram:g-1001234567890:s1:1", Channel: bot.ChannelTelegram, Conversation: "telegram:g-1001234567890:s1",
		To: "-1001234567890", Text: "已登记，编号MS-20260311-K7Q2P。", Seq: 1}
	ctx := context.Background()
	h.fake.FailNext("sendMessage", telegramtest.NoAnswer)
	if err := h.ch.Sender().Send(ctx, ob); err == nil {
		t.Fatal("a send with no answer succeeded")
	}
	if err := h.ch.Sender().Send(ctx, ob); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if n, calls := len(h.fake.Sent()), len(h.fake.Calls("sendMessage")); n != 1 || calls != 1 {
		t.Fatalf("%d messages from %d sendMessage calls, want 1 and 1", n, calls)
	}
	e := h.edits()
	if len(e) != 3 || !strings.Contains(e[0], "can't be edited") || !strings.Contains(e[1], "can't be edited") ||
		!strings.Contains(e[2], "not modified") {
		t.Errorf("probe answers %q", e)
	}
	// The receipt is remembered under the id found: staff replies to it
	// find the petition.
	if h.dedup("found") != 1 {
		t.Errorf("found %v", h.dedup("found"))
	}
}

// sendNow sends ob directly through the channel's sender, waiting out
// the rate limits as the send queue would.
func (h *harness) sendNow(ob bot.Outbound) error {
	h.tb.Helper()
	var err error
	testwait.For(h.tb, "the rate limits", func() bool {
		err = h.ch.Sender().Send(context.Background(), ob)
		return err == nil || !strings.HasPrefix(err.Error(), "deferred for")
	})
	return err
}

// Two messages to one chat (two conversations of an official's private
// chat), both sent with no answer. Neither may be probed while the other
// is open: an edit with one's text could overwrite the other. They wait
// for each other, then one goes again unprobed, and the other's probe
// stays above the new copy — sent twice, never overwritten.
func TestTwoOpenAttemptsInOneChatAreNeverOverwritten(t *testing.T) {
	h := newHarness(t, harnessOptions{requestTimeout: 200 * time.Millisecond, probeSettle: 300 * time.Millisecond})
	ctx := context.Background()
	if err := h.sendNow(outbound("9001", "您好")); err != nil { // an id to count from
		t.Fatal(err)
	}
	texts := []string{"会后联系：王女士 138****5678 路灯", "会后联系：李先生 139****1234 噪音"}
	h.fake.FailNext("sendMessage", telegramtest.NoAnswer, telegramtest.NoAnswer)
	for i, text := range texts {
		conv := "officials:" + string(rune('a'+i))
		ob := bot.Outbound{Key: conv + ":1", Channel: bot.ChannelTelegram, Conversation: conv, To: "9001", Text: text, Seq: 1}
		if err := h.sendNow(ob); err == nil {
			t.Fatalf("send %d with no answer succeeded", i)
		}
		if err := h.rt.SendQueue.Enqueue(ctx, ob); err != nil {
			t.Fatal(err)
		}
	}
	h.start()
	h.fake.WaitForSent(t, 5, 60*time.Second) // retries back off: a loaded machine needs more than 20 s
	h.drained()
	if u := h.dedup("unsafe"); u != 1 {
		t.Errorf("unsafe %v, want 1", u)
	}
	if n := len(h.fake.Sent()); n != 5 {
		t.Errorf("%d messages, want 5 (one, and two twice)", n)
	}
	for _, c := range h.fake.Calls("editMessageText") {
		if !c.Failed {
			t.Errorf("a probe changed message %s", c.Params["message_id"])
		}
	}
	for _, s := range h.fake.Sent() {
		if got, _ := h.fake.Message(s.ChatID, s.MessageID); got.Text != s.Text {
			t.Errorf("message %d reads %q, was sent as %q", s.MessageID, got.Text, s.Text)
		}
	}
	if e := h.dedup("edited"); e != 0 {
		t.Errorf("edited %v", e)
	}
}

// A probe that cannot get an answer holds the part back only so long:
// five failed probes, and it is sent anyway, never lost.
func TestProbeFailingForGoodSendsAnyway(t *testing.T) {
	h := newHarness(t, harnessOptions{requestTimeout: 300 * time.Millisecond})
	h.fake.FailNext("sendMessage", telegramtest.Dropped)
	bad := telegramtest.Failure{Code: 500, Description: "Internal Server Error"}
	h.fake.FailNext("editMessageText", bad, bad, bad, bad, bad)
	h.start()
	h.fake.AddUpdate(telegramtest.PrivateText(citizenID, "李大爷", complaint))
	h.fake.WaitForSent(t, 1, 10*time.Second)
	h.drained()
	if n, p := len(h.fake.Sent()), len(h.fake.Calls("editMessageText")); n != 1 || p != 5 {
		t.Fatalf("%d messages after %d probes, want 1 and 5", n, p)
	}
	if u, pf := h.dedup("unverified"), h.dedup("probe_failed"); u != 1 || pf != 5 {
		t.Errorf("unverified %v probe_failed %v", u, pf)
	}
}

// A probe holds its chat: a send to it meanwhile waits, not overtakes.
func TestSendWaitsWhileAProbeHoldsTheChat(t *testing.T) {
	h := newHarness(t, harnessOptions{requestTimeout: 300 * time.Millisecond})
	ctx := context.Background()
	if err := h.sendNow(outbound("9001", "您好")); err != nil { // an id to count from
		t.Fatal(err)
	}
	first := bot.Outbound{Key: "first:1", Channel: bot.ChannelTelegram, Conversation: "first", To: "9001", Text: "第一条", Seq: 1}
	h.fake.FailNext("sendMessage", telegramtest.Dropped)
	if err := h.sendNow(first); err == nil {
		t.Fatal("dropped send succeeded")
	}
	// The probe's first edit hangs: the chat is held meanwhile.
	h.fake.FailNext("editMessageText", telegramtest.Hang)
	done := make(chan error, 1)
	go func() { done <- h.ch.Sender().Send(ctx, first) }()
	h.fake.WaitForCalls(t, "editMessageText", 1, 5*time.Second)
	second := bot.Outbound{Key: "other:1", Channel: bot.ChannelTelegram, Conversation: "other", To: "9001", Text: "第二条", Seq: 1}
	err := h.ch.Sender().Send(ctx, second)
	if err == nil || !strings.HasPrefix(err.Error(), "deferred for") {
		t.Errorf("a send during a probe: %v, want a deferral", err)
	}
	if perr := <-done; perr == nil || errors.Is(perr, queue.ErrPermanent) {
		t.Errorf("the probe with no answer: %v, want a retry", perr)
	}
	if n := len(h.fake.Sent()); n != 1 {
		t.Errorf("%d messages sent during the probe", n-1)
	}
}

// A survey's answer lost: the probe carries the same buttons, so the
// message is "not modified" — an edit without them would remove them.
func TestLostSurveyIsFoundWithItsButtons(t *testing.T) {
	h := newHarness(t, harnessOptions{requestTimeout: 300 * time.Millisecond})
	if err := h.sendNow(outbound("9001", "您好")); err != nil { // an id to count from
		t.Fatal(err)
	}
	ob := bot.Outbound{Key: "telegram:9001:2", Channel: bot.ChannelTelegram, Conversation: "telegram:9001", To: "9001", Seq: 2, Bulk: true,
		Text: "您反映的路灯问题已办结，请评价。", Buttons: []string{"满意", "理解", "不满意"}, Case: "MS-20260311-K7Q2P"}
	h.fake.FailNext("sendMessage", telegramtest.NoAnswer)
	if err := h.sendNow(ob); err == nil {
		t.Fatal("a send with no answer succeeded")
	}
	if err := h.sendNow(ob); err != nil {
		t.Fatalf("retry: %v", err)
	}
	sent := h.fake.Sent()
	if len(sent) != 2 {
		t.Fatalf("%d messages, want 2", len(sent))
	}
	got, _ := h.fake.Message(9001, sent[1].MessageID)
	if got.ReplyMarkup == nil || len(got.ReplyMarkup.InlineKeyboard) != 1 || len(got.ReplyMarkup.InlineKeyboard[0]) != 3 || got.EditDate != 0 {
		t.Errorf("the survey after the probe: %+v", got)
	}
	if e := h.edits(); len(e) != 1 || !strings.Contains(e[0], "not modified") {
		t.Errorf("probe answers %q", e)
	}
}

// A long message: its first part reached Telegram with no answer, its
// second never did. Each part is decided on its own.
func TestLongMessagePartsAreProbedEachOnItsOwn(t *testing.T) {
	h := newHarness(t, harnessOptions{requestTimeout: 300 * time.Millisecond, probeSettle: 300 * time.Millisecond})
	if err := h.sendNow(outbound("9001", "您好")); err != nil { // an id to count from
		t.Fatal(err)
	}
	text := strings.Repeat("路灯坏了。", 800) // two parts
	ob := bot.Outbound{Key: "telegram:9001:2", Channel: bot.ChannelTelegram, Conversation: "telegram:9001", To: "9001", Seq: 2, Text: text}
	h.fake.FailNext("sendMessage", telegramtest.NoAnswer, telegramtest.Dropped)
	for try := 0; ; try++ {
		err := h.sendNow(ob)
		if err == nil {
			break
		}
		if try > 10 {
			t.Fatalf("still failing: %v", err)
		}
	}
	sent := h.fake.Sent()
	if len(sent) != 3 || sent[1].Text+sent[2].Text == "" || strings.Count(sent[1].Text+sent[2].Text, "路灯坏了") != 800 {
		t.Fatalf("%d messages: the parts lost or repeated", len(sent))
	}
	if f, nf := h.dedup("found"), h.dedup("not_found"); f != 1 || nf != 1 {
		t.Errorf("found %v not_found %v, want 1 and 1", f, nf)
	}
}

// Flood control on a probe is Telegram saying "wait", not a failed probe:
// the queue waits retry_after and probes again.
func TestProbeHonoursRetryAfter(t *testing.T) {
	h := newHarness(t, harnessOptions{requestTimeout: 300 * time.Millisecond})
	h.fake.FailNext("sendMessage", telegramtest.NoAnswer)
	h.fake.FailNext("editMessageText", telegramtest.TooManyRequests(1))
	h.start()
	h.fake.AddUpdate(telegramtest.PrivateText(citizenID, "李大爷", complaint))
	testwait.For(t, "the lost reply found", func() bool { return h.dedup("found") == 1 })
	h.drained()
	if n, pf := len(h.fake.Sent()), h.dedup("probe_failed"); n != 1 || pf != 0 {
		t.Errorf("%d messages, probe_failed %v; want 1 and 0", n, pf)
	}
	if c := h.fake.Calls("editMessageText"); len(c) != 2 || c[1].At.Sub(c[0].At) < time.Second {
		t.Errorf("probes %+v, want the second a second after the 429", c)
	}
}
