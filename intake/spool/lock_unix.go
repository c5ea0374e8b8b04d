//go:build unix

package spool

import (
	"errors"
	"os"
	"syscall"
)

// lock takes an exclusive advisory lock on f, released when f is closed
// or the process dies.
func lock(f *os.File) error {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return ErrInUse
	}
	return err
}
