package sms

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

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
