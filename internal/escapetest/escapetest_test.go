package escapetest

import (
	"reflect"
	"testing"
)

func TestPrintable(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []string
	}{
		{`{"text":"路灯 <坏了> & 😡"}`, nil},
		{`{"text":"\u8def\u706f \u003c\u0026"}`, []string{`\u8def`, `\u706f`, `\u003c`, `\u0026`}},
		{`{"text":"\ud83d\ude21"}`, []string{`\ud83d\ude21`}}, // 😡 as a surrogate pair
		{`{"text":"\u0001\t\n\u2028\u2029"}`, nil},            // controls and separators
		{`{"path":"C:\\u8def"}`, nil},                         // a backslash, then "u8def"
		{`{"text":"\\\u003c"}`, []string{`\u003c`}},           // a backslash, then an escaped "<"
	} {
		if got := Printable([]byte(tc.text)); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Printable(%s) = %q, want %q", tc.text, got, tc.want)
		}
	}
}
