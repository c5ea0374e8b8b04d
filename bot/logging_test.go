package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestMaskPhones(t *testing.T) {
	cases := map[string]string{
		"+8613800138000": "+86138****8000",
		"13812345678":    "138****5678",
		"from sms:+8613912345678 to +8613800000001": "from sms:+86139****5678 to +86138****0001",
		"call 0558-5123456":                         "call 055*-***3456",
		"8613912345678":                             "86139****5678",
		"MS-20260311-K7Q2P":                         "MS-20260311-K7Q2P", // petition ids stay readable
		"stream id 1700000000000-0":                 "stream id 1700000000000-0",
		"telegram:123456789":                        "telegram:123456789",
		"+1415555012":                               "+14****5012",
		"no digits here":                            "no digits here",
		"3栋2单元501":                                  "3栋2单元501",
	}
	for in, want := range cases {
		if got := MaskPhones(in); got != want {
			t.Errorf("MaskPhones(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLoggerMasksEverywhere(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		var buf bytes.Buffer
		log := NewLogger(&buf, "debug", format)
		log.Info("message from +8613800138000", "from", "+8613912345678",
			"err", errors.New("send to 13700001111 failed"), "list", []string{"+8613600002222"})
		out := buf.String()
		for _, raw := range []string{"13800138000", "13912345678", "13700001111", "13600002222"} {
			if strings.Contains(out, raw) {
				t.Errorf("%s log shows %s: %s", format, raw, out)
			}
		}
		for _, masked := range []string{"+86138****8000", "+86139****5678", "137****1111", "+86136****2222"} {
			if !strings.Contains(out, masked) {
				t.Errorf("%s log lacks %s: %s", format, masked, out)
			}
		}
	}
}

// Account SIDs and hex ids keep their digits; phone numbers inside
// conversation keys do not; the Redis client's own lines come out as
// JSON like the rest.
func TestLogsMaskPhonesNotIDsAndTakeRedisLines(t *testing.T) {
	for in, want := range map[string]string{
		"account AC0123456789abcdef0123456789abcdef": "account AC0123456789abcdef0123456789abcdef",
		"conv sms:+8613912345678":                    "conv sms:+86139****5678",
		"key ms:{s3}:conv:sms:+8613912345678":        "key ms:{s3}:conv:sms:+86139****5678",
		"call 13912345678 now":                       "call 139****5678 now",
		"SM0123456789abcdef":                         "SM0123456789abcdef",
	} {
		if got := MaskPhones(in); got != want {
			t.Errorf("MaskPhones(%q) = %q, want %q", in, got, want)
		}
	}
	var buf bytes.Buffer
	log := NewLogger(&buf, "info", "json")
	redisLog{log}.Printf(context.Background(), "redis: dial tcp %s: connection refused to conv %s", "127.0.0.1:6392", "sms:+8613912345678")
	line := strings.TrimSpace(buf.String())
	var m map[string]any
	if err := json.Unmarshal([]byte(line), &m); err != nil || strings.Contains(line, "13912345678") || m["msg"] != "redis client" {
		t.Errorf("redis line %q (%v)", line, err)
	}
}
