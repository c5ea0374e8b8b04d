package bot

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Phone numbers in logs are masked everywhere: the four digits before the
// last four are replaced, so +8613800138000 becomes +86138****8000 and
// 13812345678 becomes 138****5678 — enough for staff to tell numbers apart,
// not enough to call anyone.
var phonePattern = regexp.MustCompile(`\+[0-9]{7,15}|0[0-9]{2,3}-[0-9]{7,8}|[0-9]+`)

// MaskPhones masks every phone number in s. Digits that are part of a
// word (an account SID "AC0123…", a hex id) are not phone numbers.
func MaskPhones(s string) string {
	if !strings.ContainsAny(s, "0123456789") {
		return s
	}
	var b strings.Builder
	last := 0
	for _, loc := range phonePattern.FindAllStringIndex(s, -1) {
		i, j := loc[0], loc[1]
		if (i > 0 && isWordByte(s[i-1])) || (j < len(s) && isWordByte(s[j])) {
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(maskNumber(s[i:j]))
		last = j
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

// maskNumber masks m when it looks like a phone number.
func maskNumber(m string) string {
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
}

// UseForRedis sends the Redis client's own log lines (dial failures while
// Redis restarts) through log, so that with log.format json every line is
// JSON and masked like the rest.
func UseForRedis(log *slog.Logger) { redis.SetLogger(redisLog{log}) }

type redisLog struct{ log *slog.Logger }

func (l redisLog) Printf(ctx context.Context, format string, v ...any) {
	l.log.WarnContext(ctx, "redis client", "detail", fmt.Sprintf(format, v...))
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
