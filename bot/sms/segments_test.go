package sms

import (
	"strings"
	"testing"
)

func TestSegments(t *testing.T) {
	for _, c := range []struct {
		body     string
		want     int
		encoding string
	}{
		{"", 1, "GSM-7"},
		{strings.Repeat("a", 160), 1, "GSM-7"},
		{strings.Repeat("a", 161), 2, "GSM-7"},
		{strings.Repeat("a", 306), 2, "GSM-7"},
		{strings.Repeat("a", 307), 3, "GSM-7"},
		{strings.Repeat("€", 80), 1, "GSM-7"}, // extension: two septets each
		{strings.Repeat("€", 81), 2, "GSM-7"},
		{strings.Repeat("路", 70), 1, "UCS-2"},
		{strings.Repeat("路", 71), 2, "UCS-2"},
		{strings.Repeat("路", 134), 2, "UCS-2"},
		{strings.Repeat("路", 135), 3, "UCS-2"},
		{strings.Repeat("a", 69) + "😀", 2, "UCS-2"}, // 71 UTF-16 units
		{"Your case MS-20260311-K7Q2P was received.", 1, "GSM-7"},
		{"您的诉求已受理，编号MS-20260311-K7Q2P。", 1, "UCS-2"},
	} {
		if got := Segments(c.body); got != c.want {
			t.Errorf("Segments(%.20q…) = %d, want %d", c.body, got, c.want)
		}
		if got := Encoding(c.body); got != c.encoding {
			t.Errorf("Encoding(%.20q…) = %s, want %s", c.body, got, c.encoding)
		}
	}
}
