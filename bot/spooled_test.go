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

// A status event that comes between the backend taking the petition and
// the outbox writing its record (a backend that posts "accepted" at once)
// is taken (spooled) and reaches the citizen once the record is there; it
// was applied to no conversation before.
func TestAnEventForACaseBeingRecordedReachesItsCitizen(t *testing.T) {
	f := webhooktest.NewFake(t, "hooksecret")
	w := newWorld(t, worldOptions{backend: webhookTo(t, f)})
	w.run()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = w.rt.spooled.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	w.say("幸福小区3号楼门口的路灯坏了一个月了")
	testwait.For(t, "case id noted", func() bool { st := w.state(); return len(st.Cases) == 1 && st.Cases[0].CaseID == "CASE-A" })
	id := w.state().Cases[0].ID
	// Back to the moment between the case map and the petition's record.
	rec := w.store.Prefix + "p:{" + id + "}"
	fields, err := w.store.Redis.HGetAll(ctx, rec).Result()
	if err != nil {
		t.Fatal(err)
	}
	if err := w.store.Redis.HDel(ctx, rec, "cv", "reply").Err(); err != nil {
		t.Fatal(err)
	}
	code := w.postEvent("CASE-A", map[string]any{"status": "assigned", "unit": "谯城区住建局", "at": time.Now().Format(time.RFC3339)}, "")
	if code != 202 {
		t.Fatalf("event for a case being recorded: %d, want 202 (spooled)", code)
	}
	if err := w.store.Redis.HSet(ctx, rec, "cv", fields["cv"], "reply", fields["reply"]).Err(); err != nil {
		t.Fatal(err)
	}
	testwait.For(t, "the status message", func() bool { return w.lastSent().Template == "status_assigned" })
	if got := strings.Join(w.templates(), ","); got != "receipt,status_assigned" {
		t.Errorf("sent %s", got)
	}
	if st, _ := w.p.State(context.Background(), ""); len(st.Cases) != 0 {
		t.Errorf("a conversation without a key got the case: %+v", st.Cases)
	}
}
