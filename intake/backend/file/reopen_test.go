package file

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minsheng/minsheng/intake"
)

// A 复核 request is one line, once, also after a restart.
func TestReopenRequestWrittenOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "petitions.jsonl")
	r := &intake.ReopenRequest{PetitionID: "MS-20261130-K7Q2P", Reason: "路灯还是不亮", RequestedBy: "office", At: time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)}
	for i := 0; i < 2; i++ {
		b, err := New(Options{Path: path})
		if err != nil {
			t.Fatal(err)
		}
		if err := b.RequestReopen(context.Background(), r, ""); err != nil {
			t.Fatal(err)
		}
		b.Close()
	}
	raw, _ := os.ReadFile(path)
	if n := strings.Count(string(raw), `"type":"reopen_requested"`); n != 1 || !strings.Contains(string(raw), `"case_id":"MS-20261130-K7Q2P"`) {
		t.Fatalf("%d lines:\n%s", n, raw)
	}
}
