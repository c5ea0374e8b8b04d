package testproc

import (
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/minsheng/minsheng/internal/testwait"
)

// A grandchild started by Child dies when its parent (the child) dies.
func TestAChildDiesWithItsParent(t *testing.T) {
	if os.Getenv("TESTPROC_PARENT") != "" {
		return
	}
	pidFile := t.TempDir() + "/pid"
	parent := exec.Command(os.Args[0], "-test.run=^TestParentOfAChild$", "-test.count=1")
	parent.Env = append(os.Environ(), "TESTPROC_PARENT=1", "TESTPROC_PIDFILE="+pidFile)
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	var pid int
	testwait.For(t, "the grandchild started", func() bool {
		b, err := os.ReadFile(pidFile)
		pid, _ = strconv.Atoi(string(b))
		return err == nil && pid > 0
	})
	_ = parent.Process.Kill()
	_ = parent.Wait()
	testwait.For(t, "the grandchild gone", func() bool {
		return syscall.Kill(pid, 0) != nil // ESRCH once it is reaped or gone
	})
}

// TestParentOfAChild starts a child that would run for a minute, writes
// its pid, and waits to be killed.
func TestParentOfAChild(t *testing.T) {
	if os.Getenv("TESTPROC_PARENT") == "" {
		t.Skip("run by TestAChildDiesWithItsParent")
	}
	child := Child("^TestSleepingChild$", "TESTPROC_CHILD=1", "TESTPROC_PARENT=")
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	_ = os.WriteFile(os.Getenv("TESTPROC_PIDFILE"), []byte(strconv.Itoa(child.Process.Pid)), 0o600)
	_ = child.Wait()
}

func TestSleepingChild(t *testing.T) {
	if os.Getenv("TESTPROC_CHILD") == "" {
		t.Skip("run by TestParentOfAChild")
	}
	time.Sleep(time.Minute) // killed long before: it stands for a child's work
}
