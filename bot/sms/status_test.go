package sms

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/minsheng/minsheng/bot"
	"github.com/minsheng/minsheng/bot/twilio"
	"github.com/twilio/twilio-go/client"
)

func TestDeliveryStates(t *testing.T) {
	for status, want := range map[string]deliveryState{
		"accepted": statePending, "scheduled": statePending, "queued": statePending, "sending": statePending,
		"sent": stateSent, "delivered": stateDelivered, "read": stateDelivered,
		"undelivered": stateFailed, "failed": stateFailed, "canceled": stateCanceled,
		"Delivered": stateDelivered, "partially_delivered": stateUnknown, "": stateUnknown,
	} {
		if got := deliveryStateOf(status); got != want {
			t.Errorf("%q → %s, want %s", status, got, want)
		}
	}
}

func TestResendKeys(t *testing.T) {
	root := "sms:+8613912345678:7"
	for gen := 0; gen <= 3; gen++ {
		key := root
		if gen > 0 {
			key = resendKey(root, gen)
		}
		if r, g := resendOf(key); r != root || g != gen {
			t.Errorf("resendOf(%q) = %q, %d", key, r, g)
		}
	}
	if r, g := resendOf("odd#rx"); r != "odd#rx" || g != 0 {
		t.Errorf("resendOf(odd#rx) = %q, %d", r, g)
	}
}

func TestClassifyTwilioFailures(t *testing.T) {
	rest := func(status, code int) error { return &client.TwilioRestError{Status: status, Code: code, Message: "m"} }
	for _, c := range []struct {
		name string
		err  error
		ans  twilio.Answer
		want failure
	}{
		{"unsubscribed", rest(400, 21610), twilio.Answer{Status: 400}, failUnsubscribed},
		{"invalid number", rest(400, 21211), twilio.Answer{Status: 400}, failPermanent},
		{"other 4xx", rest(400, 21606), twilio.Answer{Status: 400}, failPermanent},
		{"auth", rest(401, 20003), twilio.Answer{Status: 401}, failPermanent},
		{"429", rest(429, 20429), twilio.Answer{Status: 429, RetryAfter: "3"}, failRetry},
		{"500", rest(500, 20500), twilio.Answer{Status: 500}, failRetry},
		{"503 html", errors.New("error decoding the response for an HTTP error code: 503"), twilio.Answer{Status: 503}, failRetry},
		{"404 html", errors.New("error decoding the response for an HTTP error code: 404"), twilio.Answer{Status: 404}, failPermanent},
		{"network", fmt.Errorf("dial: %w", errors.New("connection refused")), twilio.Answer{}, failRetry},
		{"bad credentials, no call", rest(400, 21224), twilio.Answer{}, failPermanent},
	} {
		if got, _ := classify(c.err, c.ans); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 11, 14, 5, 0, 0, time.UTC)
	if d, ok := parseRetryAfter("3", now); !ok || d != 3*time.Second {
		t.Errorf("seconds: %v %v", d, ok)
	}
	if d, ok := parseRetryAfter(now.Add(90*time.Second).Format(http.TimeFormat), now); !ok || d != 90*time.Second {
		t.Errorf("date: %v %v", d, ok)
	}
	if _, ok := parseRetryAfter("soon", now); ok {
		t.Error("garbage accepted")
	}
}

// An Outbound is kept without what its key tells, and read back whole.
func TestStoredOutboundDropsWhatItsKeyTells(t *testing.T) {
	for _, m := range []bot.Outbound{
		{Key: "sms:+8613912345678:3", Channel: "sms", Conversation: "sms:+8613912345678", To: "+8613912345678", From: "+8613800000001", Text: "请问具体在什么地方？", Seq: 3},
		{Key: "sms:+8613912345678:3#r1", Channel: "sms", Conversation: "sms:+8613912345678", To: "+8613912345678", From: "+8613800000001", Text: "已收到"},
		// Status of a Telegram conversation sent by SMS: nothing to drop but the key and channel.
		{Key: "tg:4242:9", Channel: "sms", Conversation: "tg:4242", To: "+8613912345678", From: "+8613800000001", Text: "诉求已办结", Bulk: true, Seq: 9},
		// A conversation apart from the key's (never written so, kept if it were).
		{Key: "sms:+8613912345678:4", Channel: "sms", Conversation: "sms:+8613900000000", To: "+8613900000000", Text: "x"},
	} {
		st := storedOutbound(m)
		if st.Key != "" || st.Channel != "" {
			t.Errorf("%s stored with key %q channel %q", m.Key, st.Key, st.Channel)
		}
		if got := outboundFromStore(m.Key, st); !reflect.DeepEqual(got, m) {
			t.Errorf("%s read back as %+v", m.Key, got)
		}
		whole, _ := bot.CompactJSON(m)
		kept, _ := bot.CompactJSON(st)
		if len(kept) > len(whole) || m.Conversation == "sms:"+m.To && len(kept) > len(whole)*3/4 {
			t.Errorf("%s kept in %d bytes, whole %d", m.Key, len(kept), len(whole))
		}
	}
	m := bot.Outbound{Key: "sms:+8613912345678:3", Channel: "sms", Conversation: "sms:+8613912345678", To: "+8613912345678", Text: "x",
		Vars: map[string]string{"id": "MS-20261208-KYR72"}}
	if st := storedOutbound(m); st.To != "" || st.Conversation != "" || st.Vars != nil {
		t.Errorf("recipient, conversation or template variables kept (Twilio sends the text): %+v", st)
	}
}

// A sid's entry names its message part relative to the recipient's
// conversation, and is read back to the same part.
func TestSidEntries(t *testing.T) {
	const to = "+8613912345678"
	at := time.Unix(1796083052, 0)
	for _, tc := range []struct {
		key, member string
		n           int
	}{
		{"sms:+8613912345678:3", ":3", 0},
		{"sms:+8613912345678:3#r2", ":3#r2", 1},
		{"tg:4242:9", "tg:4242:9", 0},
		{"sms:+8613900000000:1", "sms:+8613900000000:1", 2},   // another number's conversation
		{"sms:+86139123456789:1", "sms:+86139123456789:1", 0}, // a longer number is not under to's
	} {
		if got := memberOf(tc.key, to); got != tc.member {
			t.Errorf("memberOf(%s) = %q, want %q", tc.key, got, tc.member)
		}
		ref, ok := parseSidValue(sidValue(tc.member, tc.n, at), to)
		if !ok || ref.key != tc.key || ref.n != tc.n {
			t.Errorf("%s part %d read back as %+v %v", tc.key, tc.n, ref, ok)
		}
	}
	for _, bad := range []string{"", "|0|1", ":3|x|1", ":3|-1|1", ":3|0", "garbage"} {
		if ref, ok := parseSidValue(bad, to); ok {
			t.Errorf("%q read as %+v", bad, ref)
		}
	}
	if f := sidField("SM0123456789abcdef0123456789abcdef"); f != "x456789abcdef" {
		t.Errorf("sidField %q", f)
	}
}
