package bot

import (
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strings"
)

// Phone numbers in logs are masked everywhere: the four digits before the
// last four are replaced, so +8613800138000 becomes +86138****8000 and
// 13812345678 becomes 138****5678 — enough for staff to tell numbers apart,
// not enough to call anyone.
var phonePattern = regexp.MustCompile(`\+[0-9]{7,15}|0[0-9]{2,3}-[0-9]{7,8}|[0-9]+`)

// MaskPhones masks every phone number in s.
func MaskPhones(s string) string {
	if !strings.ContainsAny(s, "0123456789") {
		return s
	}
	return phonePattern.ReplaceAllStringFunc(s, func(m string) string {
		switch {
		case m[0] == '+':
			return maskDigits(m)
		case strings.Contains(m, "-"): // landline with area code
			return maskDigits(m)
		case len(m) == 11 && m[0] == '1' && m[1] >= '3' && m[1] <= '9': // Chinese mobile
			return maskDigits(m)
		case len(m) >= 10 && len(m) <= 12 && m[0] == '0': // landline without dash
			return maskDigits(m)
		case len(m) >= 12 && len(m) <= 15 && strings.HasPrefix(m, "86"): // mobile without +
			return maskDigits(m)
		}
		return m
	})
}

// maskDigits replaces the four digits before the last four with '*'.
func maskDigits(m string) string {
	b := []byte(m)
	var idx []int
	for i, c := range b {
		if c >= '0' && c <= '9' {
			idx = append(idx, i)
		}
	}
	n := len(idx)
	lo, hi := n-8, n-4
	if lo < 0 {
		lo = 0
	}
	for _, i := range idx[lo:hi] {
		b[i] = '*'
	}
	return string(b)
}

// NewLogger builds the process logger: text or JSON, with phone numbers
// masked in the message and every attribute.
func NewLogger(w io.Writer, level, format string) *slog.Logger {
	var lv slog.Level
	_ = lv.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: lv, ReplaceAttr: maskAttr}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func maskAttr(_ []string, a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, MaskPhones(v.String()))
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return slog.String(a.Key, MaskPhones(x.Error()))
		case fmt.Stringer:
			return slog.String(a.Key, MaskPhones(x.String()))
		case []string:
			out := make([]string, len(x))
			for i, s := range x {
				out[i] = MaskPhones(s)
			}
			return slog.Any(a.Key, out)
		default:
			return slog.String(a.Key, MaskPhones(fmt.Sprint(x)))
		}
	}
	return a
}
