// Package testwait is the one way tests wait for something to happen:
// they poll a condition until it holds or a deadline passes, never sleep a
// fixed time and hope.
package testwait

import (
	"testing"
	"time"
)

// Timeout is how long For waits: long enough for a loaded CI machine,
// short enough that a hang fails the test rather than the whole run.
const Timeout = 15 * time.Second

// For waits until cond holds, checking every 10 ms, and fails the test
// naming what it waited for when Timeout passes first.
func For(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	Until(tb, Timeout, what, cond)
}

// Until is For with its own timeout, for what takes longer by design (a
// crashed replica's work is taken over after a minute).
func Until(tb testing.TB, timeout time.Duration, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
