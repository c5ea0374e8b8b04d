package sms_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/minsheng/minsheng/bot"
	"github.com/minsheng/minsheng/bot/sms"
	"github.com/minsheng/minsheng/bot/sms/smstest"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// replied takes a citizen's message in and waits for the reply at Twilio.
func replied(t *testing.T, h *harness, sid string) string {
	t.Helper()
	h.inbound(citizen, complaint, sid)
	msgs := h.fake.WaitForMessages(t, 1, 10*time.Second)
	h.drained()
	return msgs[0].SID
}

func TestStatusCallback21610OptsTheCitizenOut(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.start()
	sid := replied(t, h, "SMopt")
	if h.optedOut("sms:" + citizen) {
		t.Fatal("opted out before the callback")
	}
	code, err := h.fake.SendStatus(context.Background(), h.local, sid, "undelivered", 21610)
	if err != nil || code != http.StatusOK {
		t.Fatalf("callback: %d %v", code, err)
	}
	if !h.optedOut("sms:" + citizen) {
		t.Error("citizen not opted out after 21610")
	}
	if n := testutil.ToFloat64(registryCounter(t, h, "minsheng_sms_opt_outs_total", "source", "callback")); n != 1 {
		t.Errorf("opt-out metric %v", n)
	}
}

func TestStatusCallbackFailed30003IsResentOnceAndBounded(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.start()
	ctx := context.Background()
	sid := replied(t, h, "SMresend")
	// Twilio may repeat a callback: the second must not send again.
	for i := 0; i < 2; i++ {
		if code, err := h.fake.SendStatus(ctx, h.local, sid, "failed", 30003); err != nil || code != http.StatusOK {
			t.Fatalf("callback: %d %v", code, err)
		}
	}
	msgs := h.fake.WaitForMessages(t, 2, 10*time.Second)
	h.drained()
	time.Sleep(100 * time.Millisecond)
	if len(h.fake.Messages()) != 2 {
		t.Fatalf("re-sent %d times, want once", len(h.fake.Messages())-1)
	}
	if msgs[1].Body != msgs[0].Body || msgs[1].To != citizen || msgs[1].From != official || msgs[1].SID == sid {
		t.Errorf("re-sent message %+v, first %+v", msgs[1], msgs[0])
	}
	// The re-sent message fails again: sent a second time; a third failure ends it.
	if code, _ := h.fake.SendStatus(ctx, h.local, msgs[1].SID, "undelivered", 30008); code != http.StatusOK {
		t.Fatalf("callback: %d", code)
	}
	msgs = h.fake.WaitForMessages(t, 3, 10*time.Second)
	if code, _ := h.fake.SendStatus(ctx, h.local, msgs[2].SID, "failed", 30001); code != http.StatusOK {
		t.Fatalf("callback: %d", code)
	}
	h.drained()
	time.Sleep(200 * time.Millisecond)
	if n := len(h.fake.Messages()); n != 3 {
		t.Errorf("%d messages: re-sends are bounded to 2", n)
	}
	if n := testutil.ToFloat64(registryCounter(t, h, "minsheng_sms_resends_total", "", "")); n != 2 {
		t.Errorf("resends metric %v", n)
	}
	if n := testutil.ToFloat64(registryCounter(t, h, "minsheng_sms_status_total", "status", "failed")); n != 3 {
		t.Errorf("failed status metric %v (a repeated callback counts once)", n)
	}
}

func TestStatusCallbackWithAPermanentErrorIsNotResent(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.start()
	sid := replied(t, h, "SMperm")
	for _, code := range []int{30005, 30007} { // unknown handset, filtered
		if c, _ := h.fake.SendStatus(context.Background(), h.local, sid, "undelivered", code); c != http.StatusOK {
			t.Fatalf("callback: %d", c)
		}
	}
	time.Sleep(200 * time.Millisecond)
	h.drained()
	if n := len(h.fake.Messages()); n != 1 {
		t.Errorf("a permanent failure was re-sent: %d messages", n)
	}
}

func TestResendWaitsResendAfter(t *testing.T) {
	h := newHarness(t, harnessOptions{resendAfter: 700 * time.Millisecond})
	h.start()
	sid := replied(t, h, "SMlater")
	start := time.Now()
	if code, _ := h.fake.SendStatus(context.Background(), h.local, sid, "failed", 30003); code != http.StatusOK {
		t.Fatalf("callback: %d", code)
	}
	msgs := h.fake.WaitForMessages(t, 2, 10*time.Second)
	if waited := msgs[1].At.Sub(start); waited < 700*time.Millisecond {
		t.Errorf("re-sent after %v, want at least 700ms", waited)
	}
}

func TestStatusCallbacksAreCountedByDeliveryState(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.start()
	sid := replied(t, h, "SMstates")
	ctx := context.Background()
	for _, st := range []string{"queued", "sent", "delivered", "delivered", "read"} {
		if code, _ := h.fake.SendStatus(ctx, h.local, sid, st, 0); code != http.StatusOK {
			t.Fatalf("%s: %d", st, code)
		}
	}
	for state, want := range map[string]float64{"pending": 1, "sent": 1, "delivered": 2} {
		if got := testutil.ToFloat64(registryCounter(t, h, "minsheng_sms_status_total", "status", state)); got != want {
			t.Errorf("%s: %v, want %v", state, got, want)
		}
	}
	// A callback for a message we do not know (older than a day) is answered and counted.
	form := url.Values{"MessageSid": {"SMunknown"}, "MessageStatus": {"delivered"}, "AccountSid": {accountSID}}
	if resp := h.post(sms.StatusPath, form); resp.StatusCode != http.StatusOK {
		t.Errorf("unknown sid: %d", resp.StatusCode)
	}
	if resp := h.post(sms.StatusPath, url.Values{"AccountSid": {accountSID}}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("no sid: %d", resp.StatusCode)
	}
}

// A message sent by an earlier version recorded its whole Outbound and part
// text under its sid; a failure callback for it is still re-sent, and a
// 21610 for it still finds the conversation.
func TestStatusCallbackForARecordOfAnEarlierVersion(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.start()
	ctx := context.Background()
	ob := outbound(citizen, 3, "已收到您的诉求，编号MS-20261130-KSTG2。", false)
	raw, _ := json.Marshal(ob)
	if err := h.rdb.HSet(ctx, h.prefix+"sms:msg:SMold0001", "ob", raw, "part", ob.Text, "n", 0).Err(); err != nil {
		t.Fatal(err)
	}
	failed30003(t, h, "SMold0001")
	msgs := h.fake.WaitForMessages(t, 1, 10*time.Second)
	if msgs[0].Body != ob.Text || msgs[0].To != citizen {
		t.Errorf("re-sent %+v", msgs[0])
	}
}

// A message sent before the Outbound moved into its progress hash: the
// re-send after a failure reads it from its own key (sms:ob:), as kept then.
func TestStatusCallbackForAnOutboundKeptApart(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.start()
	ctx := context.Background()
	ob := outbound(citizen, 4, "已收到您的诉求，编号MS-20261130-KSTG3。", false)
	raw, err := bot.CompactJSON(ob)
	if err != nil {
		t.Fatal(err)
	}
	pipe := h.rdb.Pipeline()
	pipe.HSet(ctx, h.prefix+"sms:out:"+ob.Key, "parts", 1)
	pipe.Set(ctx, h.prefix+"sms:ob:"+ob.Key, raw, time.Hour)
	pipe.HSet(ctx, h.prefix+"sms:msg:SMold0002", "k", ob.Key, "n", 0)
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	failed30003(t, h, "SMold0002")
	msgs := h.fake.WaitForMessages(t, 1, 10*time.Second)
	if msgs[0].Body != ob.Text || msgs[0].To != citizen {
		t.Errorf("re-sent %+v", msgs[0])
	}
}

// failed30003 posts Twilio's callback that the message sid failed with
// 30003 (unreachable handset: worth a re-send) to the citizen.
func failed30003(t *testing.T, h *harness, sid string) {
	t.Helper()
	form := url.Values{
		"AccountSid": {accountSID}, "ApiVersion": {"2010-04-01"}, "From": {official}, "To": {citizen},
		"MessageSid": {sid}, "SmsSid": {sid}, "MessageStatus": {"failed"}, "SmsStatus": {"failed"}, "ErrorCode": {"30003"},
	}
	if resp := h.post("/sms/twilio/status", form); resp.StatusCode != http.StatusOK {
		t.Fatalf("callback: %d", resp.StatusCode)
	}
}

// A callback to the plain status URL (one set on a Messaging Service, or a
// message sent before callbacks named their part) finds the part through
// its sid in the citizen's conversation hash: a failure is re-sent once.
func TestStatusCallbackWithoutThePartInItsURL(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.start()
	sid := replied(t, h, "SMplain")
	for i := 0; i < 2; i++ { // Twilio may repeat a callback
		failed30003(t, h, sid)
	}
	msgs := h.fake.WaitForMessages(t, 2, 10*time.Second)
	h.drained()
	if n := len(h.fake.Messages()); n != 2 {
		t.Fatalf("%d messages, want the reply and one re-send", n)
	}
	if msgs[1].Body != msgs[0].Body || msgs[1].To != citizen || msgs[1].SID == sid {
		t.Errorf("re-sent %+v, first %+v", msgs[1], msgs[0])
	}
	// The re-send's own callback names its part: key …:1#r1.
	if want := "?m=%3A1%23r1&n=0"; !strings.HasSuffix(msgs[1].StatusCallback, want) {
		t.Errorf("re-send's callback URL %s, want …%s", msgs[1].StatusCallback, want)
	}
}

// The sids kept in a conversation hash go after a day, with the next
// message's loop check; the new message's stays.
func TestSidsOlderThanADayAreDropped(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	ctx := context.Background()
	hash := bot.ConversationHashKey(h.prefix, "sms:"+citizen)
	old := strconv.FormatInt(time.Now().Add(-25*time.Hour).Unix(), 10)
	recent := strconv.FormatInt(time.Now().Add(-23*time.Hour).Unix(), 10)
	if err := h.rdb.HSet(ctx, hash, "x000000000old", ":7|0|"+old, "x00000recent", ":8|0|"+recent).Err(); err != nil {
		t.Fatal(err)
	}
	h.start()
	sid := replied(t, h, "SMprune")
	fields, err := h.rdb.HKeys(ctx, hash).Result()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, f := range fields {
		got[f] = true
	}
	if got["x000000000old"] || !got["x00000recent"] || !got["x"+sid[len(sid)-12:]] {
		t.Errorf("fields %v: want the day-old sid gone, the recent one and %s kept", fields, sid)
	}
}

// A failure callback can come before the part's "sent" is recorded (Twilio
// answered after our client gave up, and the lookup has not run yet): the
// Outbound was kept when the attempt was marked, so the re-send goes.
func TestAFailureCallbackBeforeTheSentRecordIsResent(t *testing.T) {
	h := newHarness(t, harnessOptions{requestTimeout: 200 * time.Millisecond, lookupSettle: time.Minute})
	ob := outbound(citizen, 1, "已收到您的诉求，编号MS-20261130-KSTG4。", false)
	if err := h.sendq.Enqueue(context.Background(), ob); err != nil {
		t.Fatal(err)
	}
	h.fake.FailNext(smstest.NoAnswer)
	h.start()
	first := h.fake.WaitForMessages(t, 1, 10*time.Second)[0]
	if p := h.partsSent(ob.Key); p != "" {
		t.Fatalf("parts sent %q before the lookup: the race this test needs did not happen", p)
	}
	if code, err := h.fake.SendStatus(context.Background(), h.local, first.SID, "undelivered", 30003); err != nil || code != http.StatusOK {
		t.Fatalf("callback: %d %v", code, err)
	}
	msgs := h.fake.WaitForMessages(t, 2, 10*time.Second)
	if msgs[1].Body != ob.Text || msgs[1].To != citizen || msgs[1].From != official {
		t.Errorf("re-sent %+v", msgs[1])
	}
}
