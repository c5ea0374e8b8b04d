package sms

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// The prefix cache answers as libphonenumber does: for every five-digit
// prefix of mainland mobile numbers, numbers with other last six digits
// get the same answer as the first.
func TestMobilePrefixDecidesValidity(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for p := 10000; p < 20000; p++ {
		first := validByMetadata(fmt.Sprintf("+86%d%06d", p, r.IntN(1e6)))
		for range 3 {
			if n := fmt.Sprintf("+86%d%06d", p, r.IntN(1e6)); validByMetadata(n) != first {
				t.Fatalf("prefix %d: %s differs from the first number's answer (%v)", p, n, first)
			}
		}
	}
	for _, tc := range []struct {
		n    string
		want bool
	}{{"+8613912345678", true}, {"+8613912345678", true}, {"+8612012345678", false}, {"+861391234567", false}} {
		if got := validNumber(tc.n); got != tc.want {
			t.Errorf("validNumber(%s) = %v", tc.n, got)
		}
	}
}
