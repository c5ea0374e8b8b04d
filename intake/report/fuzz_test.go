package report

import (
	"testing"
	"time"
)

// FuzzItemOf: whatever a record's fields hold (a record written by an
// older version, a hand edit), reading it never panics and the history
// keeps only well-formed entries.
//
//	go test ./intake/report -run '^$' -fuzz FuzzItemOf -fuzztime 30s
func FuzzItemOf(f *testing.F) {
	f.Add("a1773100000;c1773200000;r1773300000;", "1773000000", "incomplete,official_busy", "satisfied")
	f.Add(";;@;a;x12;", "x", "", "")
	f.Add("o-1;r99999999999999999999;", "-5", ",,", "none")
	f.Fuzz(func(t *testing.T, hist, received, flags, rating string) {
		it := itemOf("MS-20260311-K7Q2P", map[string]string{"h": hist, "r": received, "f": flags, "rt": rating, "da": received}, time.UTC)
		for _, e := range it.History {
			if e.At.IsZero() && e.Status == "" {
				t.Fatalf("an empty history entry from %q", hist)
			}
		}
	})
}
