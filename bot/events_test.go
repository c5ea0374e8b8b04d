package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/minsheng/minsheng/intake/backend/webhook/webhooktest"
	"github.com/minsheng/minsheng/internal/testwait"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minsheng/minsheng/intake"
)

// submittedWorld is a world whose citizen has one petition taken by the
// backend as CASE-A.
func submittedWorld(t *testing.T, clk *clock) (*world, *webhooktest.Fake) {
	t.Helper()
	f := webhooktest.NewFake(t, "hooksecret")
	w := newWorld(t, worldOptions{backend: webhookTo(t, f), clock: clk})
	w.run()
	w.say("幸福小区3号楼门口的路灯坏了一个月了")
	testwait.For(t, "receipt sent", func() bool { return len(w.templates()) == 1 })
	testwait.For(t, "case id noted", func() bool {
		st := w.state()
		return len(st.Cases) == 1 && st.Cases[0].CaseID == "CASE-A"
	})
	return w, f
}

func event(status string, at time.Time) map[string]any {
	return map[string]any{"status": status, "unit": "谯城区住建局", "handler": map[string]string{"name": "李明", "phone": "0558-5123456"},
		"note": "已更换灯具，恢复照明", "at": at.Format(time.RFC3339)}
}

func TestEventsEndpointRefusesBadInput(t *testing.T) {
	w, _ := submittedWorld(t, nil)
	now := time.Now()
	good, _ := json.Marshal(event("assigned", now))
	cases := []struct {
		name string
		path string
		body string
		sign string
		want int
	}{
		{"no signature", "CASE-A", string(good), "-", 403},
		{"wrong key", "CASE-A", string(good), "otherkey", 403},
		{"not json", "CASE-A", "{status:", "", 400},
		{"unknown status", "CASE-A", `{"status":"done","at":"2026-03-11T10:00:00+08:00"}`, "", 400},
		{"no time", "CASE-A", `{"status":"accepted"}`, "", 400},
		{"bad time", "CASE-A", `{"status":"accepted","at":"yesterday"}`, "", 400},
		{"unknown field", "CASE-A", `{"status":"accepted","at":"2026-03-11T10:00:00+08:00","colour":"red"}`, "", 400},
		{"assigned without unit", "CASE-A", `{"status":"assigned","at":"2026-03-11T10:00:00+08:00"}`, "", 400},
		{"unknown case", "CASE-Z", string(good), "", 404},
		{"too big", "CASE-A", `{"note":"` + strings.Repeat("x", MaxBody) + `"}`, "", 413},
	}
	for _, c := range cases {
		if got := w.postRaw(c.path, []byte(c.body), c.sign); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
	time.Sleep(100 * time.Millisecond)
	if st := w.state(); st.Cases[0].Status != "" || len(w.templates()) != 1 {
		t.Errorf("a refused event changed something: status %q, sent %v", st.Cases[0].Status, w.templates())
	}
	// Without a configured secret the endpoint refuses everything.
	closed := NewEvents("", w.box, w.p, quietLog())
	rr := httptest.NewRecorder()
	closed.ServeHTTP(rr, httptest.NewRequest("POST", "/api/v1/cases/CASE-A/events", bytes.NewReader(good)))
	if rr.Code != http.StatusForbidden || !strings.Contains(rr.Body.String(), "backend.webhook.secret is not set. Set it (or MINSHENG_BACKEND_WEBHOOK_SECRET)") ||
		!strings.Contains(rr.Body.String(), "backend.kind file too") {
		t.Errorf("no secret: %d %s", rr.Code, rr.Body)
	}
}

func TestAssignedEventTellsWhoHandlesItOnce(t *testing.T) {
	w, _ := submittedWorld(t, nil)
	at := time.Now().Truncate(time.Second)
	for i := 0; i < 3; i++ { // the backend retries its POST
		if code := w.postEvent("CASE-A", event("assigned", at), ""); code != 200 {
			t.Fatalf("post %d: %d", i, code)
		}
	}
	if code := w.postEvent("CASE-A", event("accepted", at.Add(-time.Hour)), ""); code != 200 {
		t.Fatalf("older event: %d", code)
	}
	testwait.For(t, "status message", func() bool { return len(w.templates()) >= 2 })
	time.Sleep(200 * time.Millisecond)
	if got := strings.Join(w.templates(), ","); got != "receipt,status_assigned" {
		t.Errorf("sent %s", got)
	}
	m := w.lastSent()
	for _, want := range []string{w.state().Cases[0].ID, "谯城区住建局", "李明", "0558-5123456"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("%q lacks %q", m.Text, want)
		}
	}
	if !m.Bulk || m.From != "+8613800000001" {
		t.Errorf("status message %+v", m)
	}
	if h := w.state().Cases[0].History; len(h) != 2 || h[1].Status != "accepted" || h[1].Sent {
		t.Errorf("the older event should be recorded, not sent: %+v", h)
	}
}

// The must-show of the way back: a signed resolved event gets the citizen
// the survey; "不满意，路灯还是不亮" goes to the backend as unsatisfied with
// that comment.
func TestResolvedSurveyAndUnsatisfiedRatingReachBackend(t *testing.T) {
	w, f := submittedWorld(t, nil)
	if code := w.postEvent("CASE-A", event("resolved", time.Now()), ""); code != 200 {
		t.Fatalf("resolved: %d", code)
	}
	testwait.For(t, "survey", func() bool { return w.lastSent().Template == "survey" })
	s := w.lastSent()
	if !strings.Contains(s.Text, "1满意2理解3不满意") || !strings.Contains(s.Text, w.state().Cases[0].ID) || len(s.Buttons) != 3 {
		t.Errorf("survey %+v", s)
	}
	w.say("不满意，路灯还是不亮")
	testwait.For(t, "rating at the backend", func() bool {
		for _, r := range f.Requests() {
			if strings.HasSuffix(r.Path, "/rating") && r.Response == 200 {
				return true
			}
		}
		return false
	})
	for _, r := range f.Requests() {
		if !strings.HasSuffix(r.Path, "/rating") {
			continue
		}
		var body struct{ Rating, Comment, At string }
		if err := json.Unmarshal([]byte(r.Body), &body); err != nil {
			t.Fatal(err)
		}
		if body.Rating != "unsatisfied" || body.Comment != "不满意，路灯还是不亮" || body.At == "" || !r.SigOK {
			t.Errorf("rating %s", r.Body)
		}
		if !strings.Contains(r.Path, "/petitions/MS-") {
			t.Errorf("rating path %s", r.Path)
		}
	}
	testwait.For(t, "thanks", func() bool { return w.lastSent().Template == "survey_thanks_unsatisfied" })
}

// TestQuietHoursHoldStatusUntilMorning: a status posted at 23:15 is held
// until 07:00, and says so: the answer's held_until, and the log.
func TestQuietHoursHoldStatusUntilMorning(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	clk := &clock{now: time.Date(2026, 3, 11, 21, 0, 0, 0, loc)}
	log := &syncLog{}
	f := webhooktest.NewFake(t, "hooksecret")
	w := newWorld(t, worldOptions{backend: webhookTo(t, f), clock: clk, log: log})
	w.run()
	w.say("幸福小区3号楼门口的路灯坏了一个月了")
	testwait.For(t, "case id noted", func() bool { st := w.state(); return len(st.Cases) == 1 && st.Cases[0].CaseID == "CASE-A" })
	// by day: sent at once, no held_until
	clk.Set(time.Date(2026, 3, 11, 21, 30, 0, 0, loc))
	body, _ := json.Marshal(event("accepted", clk.Now()))
	if code, answer := w.postRawAnswer("CASE-A", body, ""); code != 200 || strings.Contains(string(answer), "held_until") {
		t.Fatalf("by day: %d %s", code, answer)
	}
	clk.Set(time.Date(2026, 3, 11, 23, 15, 0, 0, loc))
	body, _ = json.Marshal(event("assigned", clk.Now()))
	code, answer := w.postRawAnswer("CASE-A", body, "")
	var got map[string]string
	if err := json.Unmarshal(answer, &got); err != nil || code != 200 || got["result"] != "recorded" || got["held_until"] != "2026-03-12T07:00:00+08:00" {
		t.Fatalf("at 23:15: %d %s", code, answer)
	}
	held := false
	for _, l := range strings.Split(log.String(), "\n") {
		if strings.Contains(l, `"msg":"status or survey message held until 07:00 (quiet_hours)"`) && strings.Contains(l, `"held_until":"2026-03-12T07:00:00+08:00"`) &&
			strings.Contains(l, `"template":"status_assigned"`) && strings.Contains(l, `"case":"MS-`) {
			held = true
		}
	}
	if !held || strings.Contains(log.String(), "13912345678") {
		t.Errorf("the log does not say it was held until 07:00, or names the citizen:\n%s", log.String())
	}
	// the same event again: a duplicate, nothing held anew
	if code, answer := w.postRawAnswer("CASE-A", body, ""); code != 200 || !strings.Contains(string(answer), `"duplicate"`) || strings.Contains(string(answer), "held_until") {
		t.Errorf("the duplicate: %d %s", code, answer)
	}
	clk.Set(time.Date(2026, 3, 12, 6, 59, 0, 0, loc))
	w.p.RunDue(context.Background())
	time.Sleep(200 * time.Millisecond)
	if got := w.templates(); len(got) != 1 {
		t.Fatalf("sent during quiet hours: %v", got)
	}
	clk.Set(time.Date(2026, 3, 12, 7, 0, 0, 0, loc))
	w.p.RunDue(context.Background())
	testwait.For(t, "morning message", func() bool { return w.lastSent().Template == "status_assigned" })
}

func TestOptedOutCitizenIsLeftInPeace(t *testing.T) {
	w, _ := submittedWorld(t, nil)
	w.say("退订")
	testwait.For(t, "unsubscribe confirmed", func() bool { return w.lastSent().Template == "unsubscribe" })
	for _, st := range []string{"assigned", "resolved"} {
		if code := w.postEvent("CASE-A", event(st, time.Now()), ""); code != 200 {
			t.Fatal(code)
		}
	}
	time.Sleep(300 * time.Millisecond)
	if got := strings.Join(w.templates(), ","); got != "receipt,unsubscribe" {
		t.Errorf("sent after opt-out: %s", got)
	}
	if c := w.state().Cases[0]; c.Status != intake.StatusResolved || len(c.History) != 2 {
		t.Errorf("events must be recorded: %+v", c)
	}
}

// The must-show of a bare 不满意: resolved → "不满意" → 72 h of silence. The
// backend has one unsatisfied rating, sent within seconds of the answer,
// and the citizen got no reminder.
func TestBareUnsatisfiedIsRecordedAtOnceAndNeverReminded(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	clk := &clock{now: time.Date(2026, 3, 11, 10, 0, 0, 0, loc)}
	w, f := submittedWorld(t, clk)
	if code := w.postEvent("CASE-A", event("resolved", clk.Now()), ""); code != 200 {
		t.Fatalf("resolved: %d", code)
	}
	testwait.For(t, "survey", func() bool { return w.lastSent().Template == "survey" })
	answered := clk.Now()
	w.say("不满意")
	ratings := func() []webhooktest.Request {
		var out []webhooktest.Request
		for _, r := range f.Requests() {
			if strings.HasSuffix(r.Path, "/rating") && r.Response == 200 {
				out = append(out, r)
			}
		}
		return out
	}
	testwait.For(t, "the rating at the backend", func() bool { return len(ratings()) == 1 })
	var body struct {
		Rating, Comment string
		At              time.Time
	}
	if err := json.Unmarshal([]byte(ratings()[0].Body), &body); err != nil {
		t.Fatal(err)
	}
	if body.Rating != "unsatisfied" || body.Comment != "" {
		t.Errorf("rating %s", ratings()[0].Body)
	}
	if d := body.At.Sub(answered); d < 0 || d > 5*time.Second {
		t.Errorf("rating made %s after the answer, want at once", d)
	}
	ctx := context.Background()
	for _, after := range []time.Duration{24 * time.Hour, 48 * time.Hour, 72 * time.Hour, 73 * time.Hour} {
		clk.Set(answered.Add(after))
		w.p.RunDue(ctx)
	}
	testwait.For(t, "queues drained", func() bool {
		s, _ := w.sq.Stats(ctx)
		o, _ := w.box.Queue().Stats(ctx)
		return s.Empty() && s.Pending == 0 && o.Empty() && o.Pending == 0
	})
	if got := strings.Join(w.templates(), ","); got != "receipt,survey,survey_reason" {
		t.Errorf("sent to the citizen: %s, want no reminder", got)
	}
	if n := len(ratings()); n != 1 {
		t.Errorf("%d rating records, want the one 不满意", n)
	}
}

// syncLog is a log the runtime's goroutines write to.
type syncLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *syncLog) Write(p []byte) (int, error) { l.mu.Lock(); defer l.mu.Unlock(); return l.b.Write(p) }
func (l *syncLog) String() string              { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// TestTheFileBackendsOfficePostsEvents: with the file backend (the
// default) the office posts its statuses to the same endpoint, signed with
// backend.webhook.secret, the petition id as case_id; the citizen is told.
func TestTheFileBackendsOfficePostsEvents(t *testing.T) {
	w := newWorld(t, worldOptions{})
	if w.cfg.Backend.Kind != "file" {
		t.Fatalf("backend.kind %q", w.cfg.Backend.Kind)
	}
	w.box = w.rt.Outbox
	w.srv = httptest.NewServer(w.rt.Server.Handler())
	t.Cleanup(w.srv.Close)
	w.run()
	w.say("幸福小区3号楼门口的路灯坏了一个月了")
	var id string
	testwait.For(t, "the petition in the file", func() bool {
		st := w.state()
		if len(st.Cases) == 1 && st.Cases[0].CaseID == st.Cases[0].ID {
			id = st.Cases[0].ID
			return true
		}
		return false
	})
	body, _ := json.Marshal(event("assigned", time.Now()))
	code, answer := w.postRawAnswer(id, body, "")
	if code != 200 || !strings.Contains(string(answer), `"result":"recorded"`) || !strings.Contains(string(answer), `"petition_id":"`+id+`"`) {
		t.Fatalf("a status to the file backend's case: %d %s", code, answer)
	}
	testwait.For(t, "the citizen told", func() bool { return w.lastSent().Template == "status_assigned" })
	if code := w.postRaw(id, body, "otherkey"); code != 403 {
		t.Errorf("signed with another key: %d", code)
	}
}
