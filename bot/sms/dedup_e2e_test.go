package sms_test

import (
	"context"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/minsheng/minsheng/bot"
	"github.com/minsheng/minsheng/bot/sms/smstest"
	"github.com/minsheng/minsheng/internal/testproc"
	"github.com/minsheng/minsheng/internal/testwait"
)

// A part whose attempt had no answer is looked up at Twilio before it is
// sent again (bot/sms/dedup.go). These tests drive the real send queue,
// sender and twilio-go against the fake's wire format.

// partsSent is how many parts of a message the channel recorded as sent.
func (h *harness) partsSent(key string) string {
	h.tb.Helper()
	v, _ := h.rdb.HGet(context.Background(), h.prefix+"sms:out:"+key, "parts").Result()
	return v
}

// sidRecord is the message key and part number a sid sent to citizen was
// recorded under: field x<the sid's last 12> of the citizen's conversation
// hash, "<key after the conversation>|<part>|<unix s>".
func (h *harness) sidRecord(sid string) (key, part string) {
	h.tb.Helper()
	conv := "sms:" + citizen
	v, err := h.rdb.HGet(context.Background(), bot.ConversationHashKey(h.prefix, conv), "x"+sid[len(sid)-12:]).Result()
	if err != nil {
		h.tb.Fatalf("sid %s: %v", sid, err)
	}
	f := strings.Split(v, "|")
	if len(f) != 3 || !strings.HasPrefix(f[0], ":") {
		h.tb.Fatalf("sid %s recorded as %q", sid, v)
	}
	return conv + f[0], f[1]
}

func (h *harness) dedup(result string) float64 {
	h.tb.Helper()
	return registryValue(h.tb, h, "minsheng_sms_dedup_total", "result", result)
}

// settled waits for the queue to drain, then a little more: a duplicate
// would arrive right after.
func (h *harness) settled() {
	h.tb.Helper()
	h.drained()
	time.Sleep(300 * time.Millisecond)
}

func TestFirstAttemptNeedsNoLookup(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.start()
	h.inbound(citizen, complaint, "SMfast")
	h.fake.WaitForMessages(t, 1, 10*time.Second)
	h.settled()
	if n := len(h.fake.Lists()); n != 0 {
		t.Errorf("%d lookups on the fast path", n)
	}
}

func TestTwilioTookItButAnsweredAfterTheTimeoutIsSentOnce(t *testing.T) {
	for _, tc := range []struct {
		name string
		how  smstest.Failure
	}{
		{"late answer", smstest.AcceptLate(2 * time.Second)},
		{"no answer", smstest.NoAnswer},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, harnessOptions{requestTimeout: 200 * time.Millisecond})
			h.fake.FailNext(tc.how)
			ob := outbound(citizen, 1, "您的诉求已受理，编号MS-20260311-K7Q2P。", false)
			if err := h.sendq.Enqueue(context.Background(), ob); err != nil {
				t.Fatal(err)
			}
			h.start()
			msgs := h.fake.WaitForMessages(t, 1, 10*time.Second)
			h.settled()
			if n, a := len(h.fake.Messages()), h.fake.Attempts(); n != 1 || a != 1 {
				t.Fatalf("messages %d attempts %d, want 1 and 1", n, a)
			}
			if p := h.partsSent(ob.Key); p != "1" {
				t.Errorf("parts sent %q", p)
			}
			if key, part := h.sidRecord(msgs[0].SID); key != ob.Key || part != "0" {
				t.Errorf("sid %s recorded for %q part %q", msgs[0].SID, key, part)
			}
			if f := h.dedup("found"); f != 1 {
				t.Errorf("found %v", f)
			}
			lists := h.fake.Lists()
			if len(lists) != 1 {
				t.Fatalf("%d lookups, want 1", len(lists))
			}
			q := lists[0]
			// No DateSent filter: a message still queued at Twilio has no date_sent.
			if q.Get("To") != citizen || q.Get("From") != official || q.Has("DateSent>") || q.Get("PageSize") != "50" {
				t.Errorf("list query %v, want To, From and no DateSent filter", q)
			}
		})
	}
}

// The sender through a Messaging Service: the list cannot filter by
// service, so the lookup filters by To and compares the service itself.
func TestMessagingServiceLookupFiltersByRecipient(t *testing.T) {
	const service = "MG0123456789abcdef0123456789abcdef"
	h := newHarness(t, harnessOptions{messagingService: service, requestTimeout: 200 * time.Millisecond})
	h.fake.FailNext(smstest.NoAnswer)
	h.start()
	h.inbound(citizen, complaint, "SMmgdedup")
	h.fake.WaitForMessages(t, 1, 10*time.Second)
	h.settled()
	if n := len(h.fake.Messages()); n != 1 {
		t.Fatalf("%d messages", n)
	}
	lists := h.fake.Lists()
	if len(lists) != 1 || lists[0].Has("From") || lists[0].Get("To") != citizen {
		t.Errorf("list queries %v", lists)
	}
	if f := h.dedup("found"); f != 1 {
		t.Errorf("found %v", f)
	}
}

// TestWorkerKilledAfterTwilioTookThePartIsNotSentAgain: a worker in another
// process records the attempt, Twilio takes the message, and the worker
// is killed (SIGKILL) before the answer. The entry is taken over; the
// lookup finds the message; nothing more is sent.
func TestWorkerKilledAfterTwilioTookThePartIsNotSentAgain(t *testing.T) {
	h := newHarness(t, harnessOptions{claimIdle: 300 * time.Millisecond})
	h.fake.FailNext(smstest.NoAnswer) // the doomed worker's call: taken, never answered
	ob := outbound(citizen, 1, "您的诉求已受理，编号MS-20260311-C9RASH。", false)
	if err := h.sendq.Enqueue(context.Background(), ob); err != nil {
		t.Fatal(err)
	}
	child := testproc.Child("^TestDedupCrashChild$", "SMS_CRASH_CHILD=1", "SMS_CRASH_PREFIX="+h.prefix, "SMS_CRASH_API="+h.fake.URL)
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	h.fake.WaitForMessages(t, 1, 15*time.Second)
	_ = child.Process.Signal(syscall.SIGKILL)
	_ = child.Wait()
	if p := h.partsSent(ob.Key); p != "" {
		t.Fatalf("the killed worker recorded the part as sent (%q): the crash came too late", p)
	}

	h.start()
	h.settled()
	msgs := h.fake.Messages()
	if len(msgs) != 1 || h.fake.Attempts() != 1 {
		t.Fatalf("messages %d attempts %d after the takeover, want 1 and 1", len(msgs), h.fake.Attempts())
	}
	if p := h.partsSent(ob.Key); p != "1" {
		t.Errorf("parts sent %q", p)
	}
	if key, _ := h.sidRecord(msgs[0].SID); key != ob.Key {
		t.Errorf("sid recorded for %q", key)
	}
	if f := h.dedup("found"); f != 1 {
		t.Errorf("found %v", f)
	}
}

func TestDedupCrashChild(t *testing.T) {
	if os.Getenv("SMS_CRASH_CHILD") == "" {
		t.Skip("run by TestWorkerKilledAfterTwilioTookThePartIsNotSentAgain")
	}
	h := newHarness(t, harnessOptions{redisPrefix: os.Getenv("SMS_CRASH_PREFIX"), apiBase: os.Getenv("SMS_CRASH_API"),
		requestTimeout: time.Minute})
	h.start()
	select {} // killed while Twilio holds the answer back
}

func TestLookupFailsTwiceThenFindsThePart(t *testing.T) {
	var logs syncBuffer
	h := newHarness(t, harnessOptions{requestTimeout: 200 * time.Millisecond, channelLog: &logs})
	h.fake.FailNext(smstest.NoAnswer)
	h.fake.FailNextList(smstest.NoAnswer, smstest.TooManyRequests("")) // a timeout, then a refusal
	h.start()
	h.inbound(citizen, complaint, "SMlookupfail")
	h.fake.WaitForMessages(t, 1, 10*time.Second)
	h.settled()
	if n, a := len(h.fake.Messages()), h.fake.Attempts(); n != 1 || a != 1 {
		t.Fatalf("messages %d attempts %d, want 1 and 1", n, a)
	}
	if l := len(h.fake.Lists()); l != 3 {
		t.Errorf("%d lookups, want 3", l)
	}
	if f, lf := h.dedup("found"), h.dedup("lookup_failed"); f != 1 || lf != 2 {
		t.Errorf("found %v lookup_failed %v", f, lf)
	}
	if out := logs.String(); strings.Contains(out, "13912345678") || !strings.Contains(out, "already taken by Twilio") {
		t.Errorf("channel log:\n%s", out)
	}
}

// A lookup that keeps failing holds the part back only so long: then it
// is sent anyway, and never lost.
func TestLookupFailingForGoodSendsAnyway(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.fake.FailNext(smstest.Dropped)
	h.fake.FailNextList(smstest.ServerError, smstest.ServerError, smstest.ServerError, smstest.ServerError, smstest.ServerError)
	h.start()
	h.inbound(citizen, complaint, "SMlookupdown")
	h.fake.WaitForMessages(t, 1, 10*time.Second)
	h.settled()
	if n, l := len(h.fake.Messages()), len(h.fake.Lists()); n != 1 || l != 5 {
		t.Fatalf("messages %d lookups %d, want 1 and 5", n, l)
	}
	if u := h.dedup("unverified"); u != 1 {
		t.Errorf("unverified %v", u)
	}
	if len(h.deadLetters()) != 0 {
		t.Errorf("dead letters %+v", h.deadLetters())
	}
}

func TestAttemptTwilioNeverTookIsSentOnce(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.fake.FailNext(smstest.Dropped) // the connection fails before Twilio took anything
	h.start()
	h.inbound(citizen, complaint, "SMdropped")
	h.fake.WaitForMessages(t, 1, 10*time.Second)
	h.settled()
	if n, a := len(h.fake.Messages()), h.fake.Attempts(); n != 1 || a != 2 {
		t.Fatalf("messages %d attempts %d, want 1 and 2", n, a)
	}
	if nf, f := h.dedup("not_found"), h.dedup("found"); nf != 1 || f != 0 {
		t.Errorf("not_found %v found %v", nf, f)
	}
}

// TestVeryRecentAttemptIsDeferredNotConcluded: Twilio took the part but
// does not list it yet; the lookup before the list settles must wait,
// not send.
func TestVeryRecentAttemptIsDeferredNotConcluded(t *testing.T) {
	h := newHarness(t, harnessOptions{requestTimeout: 200 * time.Millisecond, lookupSettle: 3 * time.Second})
	h.fake.SetListDelay(1500 * time.Millisecond)
	h.fake.FailNext(smstest.NoAnswer)
	h.start()
	h.inbound(citizen, complaint, "SMrecent")
	h.fake.WaitForMessages(t, 1, 10*time.Second)
	testwait.For(t, "a lookup deferred", func() bool { return h.dedup("deferred") >= 1 })
	testwait.For(t, "the part found", func() bool { return h.dedup("found") == 1 })
	h.settled()
	if n, a := len(h.fake.Messages()), h.fake.Attempts(); n != 1 || a != 1 {
		t.Fatalf("messages %d attempts %d, want 1 and 1", n, a)
	}
	if nf := h.dedup("not_found"); nf != 0 {
		t.Errorf("concluded not found %v times", nf)
	}
}

// TestLongMessagePartsAreLookedUpEachOnItsOwn: the first part reached
// Twilio without an answer, the second never reached it. Each part's
// lookup decides for that part alone.
func TestLongMessagePartsAreLookedUpEachOnItsOwn(t *testing.T) {
	h := newHarness(t, harnessOptions{requestTimeout: 200 * time.Millisecond})
	text := strings.Repeat("路", 1000) + "。" + strings.Repeat("灯", 699)
	ob := outbound(citizen, 1, text, false)
	if err := h.sendq.Enqueue(context.Background(), ob); err != nil {
		t.Fatal(err)
	}
	h.fake.FailNext(smstest.NoAnswer, smstest.Dropped)
	h.start()
	msgs := h.fake.WaitForMessages(t, 2, 10*time.Second)
	h.settled()
	if n, a := len(h.fake.Messages()), h.fake.Attempts(); n != 2 || a != 3 {
		t.Fatalf("messages %d attempts %d, want 2 and 3", n, a)
	}
	if msgs[0].Body+msgs[1].Body != text {
		t.Error("parts out of order or changed")
	}
	if f, nf := h.dedup("found"), h.dedup("not_found"); f != 1 || nf != 1 {
		t.Errorf("found %v not_found %v, want 1 and 1", f, nf)
	}
	for i, m := range msgs {
		if key, part := h.sidRecord(m.SID); key != ob.Key || part != string(rune('0'+i)) {
			t.Errorf("part %d recorded as %q part %q", i, key, part)
		}
	}
}

// Two parts of the same text, both taken by Twilio without an answer: the
// second part's lookup must not take the first part's message for its own.
func TestIdenticalPartsAreToldApart(t *testing.T) {
	h := newHarness(t, harnessOptions{requestTimeout: 200 * time.Millisecond})
	ob := outbound(citizen, 1, strings.Repeat("灯", 2*1600), false)
	if err := h.sendq.Enqueue(context.Background(), ob); err != nil {
		t.Fatal(err)
	}
	h.fake.FailNext(smstest.NoAnswer, smstest.NoAnswer)
	h.start()
	msgs := h.fake.WaitForMessages(t, 2, 10*time.Second)
	h.settled()
	if n, a := len(h.fake.Messages()), h.fake.Attempts(); n != 2 || a != 2 {
		t.Fatalf("messages %d attempts %d, want 2 and 2", n, a)
	}
	if f := h.dedup("found"); f != 2 {
		t.Errorf("found %v", f)
	}
	if p := h.partsSent(ob.Key); p != "2" {
		t.Errorf("parts sent %q", p)
	}
	for i, m := range msgs {
		if _, part := h.sidRecord(m.SID); part != string(rune('0'+i)) {
			t.Errorf("message %d recorded as part %q", i, part)
		}
	}
}

// The same receipt twice to one citizen: the first went out, the second
// never reached Twilio. The first one's message in the list is not the
// second's.
func TestAnotherMessageOfTheSameTextIsNotTakenForThisOne(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	ctx := context.Background()
	for i := int64(1); i <= 2; i++ {
		if err := h.sendq.Enqueue(ctx, outbound(citizen, i, "收到，谢谢", false)); err != nil {
			t.Fatal(err)
		}
	}
	h.fake.FailNext(smstest.Accept, smstest.Dropped)
	h.start()
	h.fake.WaitForMessages(t, 2, 10*time.Second)
	h.settled()
	if n, a := len(h.fake.Messages()), h.fake.Attempts(); n != 2 || a != 3 {
		t.Fatalf("messages %d attempts %d, want 2 and 3", n, a)
	}
	if nf, f := h.dedup("not_found"), h.dedup("found"); nf != 1 || f != 0 {
		t.Errorf("not_found %v found %v", nf, f)
	}
}
