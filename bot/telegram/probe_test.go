package telegram

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot"
)

// Telegram's answers to a probe edit, as go-telegram/bot returns them.
func TestProbeAnswer(t *testing.T) {
	bad := func(d string) error { return fmt.Errorf("%w, %s", bot.ErrorBadRequest, d) }
	for _, tc := range []struct {
		err  error
		want probeResult
	}{
		{nil, probeChanged},
		{bad("Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"), probeIsPart},
		{bad("Bad Request: message to edit not found"), probeNotPart},
		{bad("Bad Request: MESSAGE_ID_INVALID"), probeNotPart},
		{bad("Bad Request: message can't be edited"), probeNotPart},
		{bad("Bad Request: chat not found"), probeUnknown},
		{fmt.Errorf("%w, Forbidden: bot was blocked by the user", bot.ErrorForbidden), probeUnknown},
		{&bot.TooManyRequestsError{Message: "too many requests", RetryAfter: 3}, probeUnknown},
		{errors.New("error do request for method editMessageText, EOF"), probeUnknown},
	} {
		if got := probeAnswer(tc.err); got != tc.want {
			t.Errorf("probeAnswer(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}

// Only an answer from Telegram proves a message was not sent.
func TestDefinite(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("%w, Bad Request: message is too long", bot.ErrorBadRequest), true},
		{fmt.Errorf("%w, Forbidden: bot was blocked by the user", bot.ErrorForbidden), true},
		{&bot.TooManyRequestsError{Message: "too many requests", RetryAfter: 3}, true},
		{&bot.MigrateError{Message: "migrated", MigrateToChatID: -1001}, true},
		{errors.New("error do request for method sendMessage, context deadline exceeded"), false},
		{errors.New("error decode response body for method sendMessage, <html>502</html>"), false},
		{errors.New("error response from telegram for method sendMessage, 500 Internal Server Error"), false},
	} {
		if got := definite(tc.err); got != tc.want {
			t.Errorf("definite(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

func TestBox(t *testing.T) {
	for chat, want := range map[int64]string{
		9001:           "a", // private: the account's sequence
		-100777:        "a", // a basic group: the account's too
		-1001234567890: "-1001234567890",
		-1000000000001: "-1000000000001",
	} {
		if got := box(chat); got != want {
			t.Errorf("box(%d) = %q, want %q", chat, got, want)
		}
	}
}

func TestParseAttempt(t *testing.T) {
	for v, want := range map[string]attempt{
		"1790000000123 1000005 2": {at: time.UnixMilli(1790000000123), lo: 1000005, failures: 2},
		"1790000000123 0 0":       {at: time.UnixMilli(1790000000123)},
		"":                        {},
		"garbage":                 {},
	} {
		if got := parseAttempt(v); !got.at.Equal(want.at) || got.lo != want.lo || got.failures != want.failures {
			t.Errorf("parseAttempt(%q) = %+v, want %+v", v, got, want)
		}
	}
}

// An attempt's record is read back from Redis; whatever it holds, reading
// it never panics and never yields a time or id from nothing.
func FuzzParseAttempt(f *testing.F) {
	for _, s := range []string{"1790000000123 1000005 2", "1 2 3", "", "a b c", "1e400 -5 x", "9223372036854775807 1.5e300 0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		a := parseAttempt(v)
		if len(strings.Fields(v)) != 3 && (!a.at.IsZero() || a.lo != 0 || a.failures != 0) {
			t.Errorf("parseAttempt(%q) = %+v from a malformed record", v, a)
		}
	})
}
