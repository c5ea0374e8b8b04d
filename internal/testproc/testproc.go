// Package testproc starts the child processes of crash tests: the test
// binary itself, running one test function, which the parent kills with
// SIGKILL. A child must never outlive its parent: a parent that fails or
// times out before killing it would leave it working on a store nobody
// reads (seen: children looping for an hour after a timed-out run).
package testproc

import (
	"os"
	"os/exec"
)

// Child is the test binary running only the test named run (a -test.run
// pattern), with the parent's environment plus env. On Linux the kernel
// kills it when the parent dies (Pdeathsig).
func Child(run string, env ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run="+run, "-test.count=1")
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	dieWithParent(cmd)
	return cmd
}
