//go:build !unix

package spool

import "os"

// lock is a no-op where flock is missing: one process per spool path.
func lock(*os.File) error { return nil }
