package bot

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/backend/webhook/webhooktest"
	"github.com/minsheng/minsheng/internal/testwait"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// What Redis, once back, cannot take is set aside in "<spool>.dead" with
// the reason, never dropped; what it can take is replayed in order behind
// it, and handled once however often it was spooled.
func TestSpoolReplaysInOrderAndSetsAsideWhatCannotBeTaken(t *testing.T) {
	w := newWorld(t, worldOptions{backend: webhookTo(t, webhooktest.NewFake(t, "hooksecret"))})
	w.run()
	sp := w.rt.spooled
	if sp == nil {
		t.Fatal("no spool with redis.spool set")
	}
	mustAppend := func(b []byte) {
		t.Helper()
		if err := w.rt.spool.Append(b); err != nil {
			t.Fatal(err)
		}
	}
	record := func(r spoolRecord) []byte {
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	first := sms("+8613912345678", "幸福小区3号楼门口的路灯坏了一个月了", "SMspool1")
	first.At = time.Now()
	mustAppend([]byte("{torn json"))
	mustAppend(record(spoolRecord{Kind: "in", In: &first}))
	mustAppend(record(spoolRecord{Kind: "in", In: &first})) // Twilio delivered it twice
	mustAppend(record(spoolRecord{Kind: "ev", Case: "NO-SUCH-CASE", Event: &intake.StatusEvent{CaseID: "NO-SUCH-CASE", Status: "assigned", Unit: "住建局", At: time.Now()}}))
	mustAppend(record(spoolRecord{Kind: "in", In: &Inbound{Text: "no conversation"}}))

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = sp.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	sp.kick <- struct{}{}
	testwait.For(t, "the spool replayed", func() bool { return sp.Depth() == 0 })

	if got := testutil.ToFloat64(sp.total.WithLabelValues("replayed")); got != 2 {
		t.Errorf("replayed %v, want 2 (the message and its redelivery)", got)
	}
	if got := testutil.ToFloat64(sp.total.WithLabelValues("dead")); got != 3 {
		t.Errorf("dead %v, want 3", got)
	}
	testwait.For(t, "one receipt", func() bool { return len(w.templates()) == 1 })
	f, err := os.Open(w.rt.spool.Path() + ".dead")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var reasons []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var line struct {
			Err    string          `json:"err"`
			Record json.RawMessage `json:"record"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("dead letter line %q: %v", sc.Text(), err)
		}
		if len(line.Record) == 0 {
			t.Errorf("dead letter without its record: %s", sc.Text())
		}
		reasons = append(reasons, line.Err)
	}
	all := strings.Join(reasons, "\n")
	for _, want := range []string{"undecodable", "unknown case NO-SUCH-CASE", "no channel or conversation"} {
		if !strings.Contains(all, want) {
			t.Errorf("no dead letter saying %q in:\n%s", want, all)
		}
	}
	if st, _ := os.Stat(w.rt.spool.Path()); st.Size() != 0 {
		t.Errorf("replayed spool still %d bytes", st.Size())
	}
}
