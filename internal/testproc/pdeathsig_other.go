//go:build !linux

package testproc

import "os/exec"

// dieWithParent: only Linux has Pdeathsig; elsewhere a child outlives a
// parent that dies before killing it.
func dieWithParent(*exec.Cmd) {}
