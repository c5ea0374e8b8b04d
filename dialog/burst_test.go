package dialog

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/internal/appealstest"
)

func TestWaits(t *testing.T) {
	coalescing := surveyMachine()
	withReceipt, id := withCase(coalescing) // submitted at t0, answered at once
	coalescing.set.CoalesceWindow = 15 * time.Second
	surveying := clone(t, withReceipt)
	coalescing.Step(surveying, statusAt(id, intake.StatusResolved, t0.Add(time.Hour)))
	if surveying.Survey == nil {
		t.Fatal("no survey after the case was resolved")
	}
	drafting := &State{Draft: &Draft{ID: "MS-20260311-00001", OpenedAt: t0, LastAt: t0}}
	afterDraft := clone(t, withReceipt)
	afterDraft.Draft = drafting.Draft
	for _, c := range []struct {
		name string
		m    *Machine
		st   *State
		at   time.Time
		want bool
	}{
		{"a new citizen", coalescing, &State{}, t0, true},
		{"no coalescing window: every message is answered", machine(nil), &State{}, t0, false},
		{"a draft gathering its burst", coalescing, drafting, t0, true},
		{"a receipt 10 min ago: the message is a supplement", coalescing, withReceipt, t0.Add(10 * time.Minute), false},
		{"a receipt 31 min ago: a new appeal", coalescing, withReceipt, t0.Add(31 * time.Minute), true},
		{"a new draft after a recent receipt", coalescing, afterDraft, t0.Add(10 * time.Minute), true},
		{"a survey waits for its answer", coalescing, surveying, t0.Add(2 * time.Hour), false},
		{"a reason is asked for", coalescing, &State{Reason: &ReasonWait{PetitionID: id, Until: t0.Add(time.Hour)}}, t0, false},
	} {
		if got := c.m.Waits(c.st, c.at); got != c.want {
			t.Errorf("%s: Waits = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestBurstWindow(t *testing.T) {
	m := surveyMachineWith(15 * time.Second)
	for _, c := range []struct {
		msg  Message
		want time.Duration
	}{
		{Message{Text: "幸福小区的路灯坏了"}, 15 * time.Second},
		{Message{Text: "书记您好"}, 15 * time.Second},
		{Message{Text: "满意"}, 15 * time.Second}, // a rating only where a survey waits (then Waits is false)
		{Message{Text: "退订"}, 0},
		{Message{Text: "TD"}, 0},
		{Message{Text: "帮助"}, 0},
		{Message{Call: true}, 0},
		{Message{Text: "路灯坏了", ReportedBy: &intake.Reporter{Name: "网格员"}}, 0},
		{Message{Text: "补充一下", For: "MS-20260311-K7Q2P"}, 0},
		{Message{Text: "路灯坏了", Window: time.Minute}, 0},
	} {
		if got := m.BurstWindow(&c.msg); got != c.want {
			t.Errorf("BurstWindow(%+v) = %s, want %s", c.msg, got, c.want)
		}
	}
	if got := machine(nil).BurstWindow(&Message{Text: "路灯坏了"}); got != 0 {
		t.Errorf("without a coalescing window: %s", got)
	}
}

// TestAWaitingStateOnlyWaits checks what the runtime relies on when it
// takes a message in without running the dialog (bot: the ingest's
// waiting mode): after any step whose resulting state Waits, a plain
// message arriving later, before any other step, gets no answer and makes
// no petition at that moment. Conversations are built from real appeals:
// the appeal, a second part, thanks, a place, a tick, a status, a rating,
// a new matter, at the times a citizen sends them.
func TestAWaitingStateOnlyWaits(t *testing.T) {
	rows := appealstest.Read(t, appealstest.LabeledFile)
	if len(rows) > 400 {
		rows = rows[:400]
	}
	m := surveyMachineWith(15 * time.Second)
	type ev struct {
		at   time.Duration
		text string
		kind Kind
	}
	checked, waited := 0, 0
	for i, row := range rows {
		text := []rune(row.Text)
		first, rest := string(text), "还没有解决"
		if len(text) > 70 {
			first, rest = string(text[:70]), string(text[70:])
		}
		id := fmt.Sprintf("MS-20260311-%05d", i)
		script := []ev{
			{0, "您好", ""}, {3 * time.Second, first, ""}, {8 * time.Second, rest, ""},
			{30 * time.Second, "", KindTick}, {40 * time.Second, "在人民路", ""}, {time.Minute, "", KindTick},
			{2 * time.Minute, "谢谢", ""}, {45 * time.Minute, "", KindStatus}, {46 * time.Minute, "满意", ""},
			{50 * time.Minute, "另外人民医院门口的公交站牌被撞倒了", ""}, {51 * time.Minute, "", KindTick},
			{2 * time.Hour, "", KindTick},
		}
		st := &State{}
		waits, lastAt := false, t0
		for j, e := range script {
			at := t0.Add(e.at)
			in := Input{Kind: e.kind, Now: at}
			switch e.kind {
			case "":
				in.Kind = KindMessage
				in.Message = &Message{Channel: "sms", Citizen: intake.Citizen{Phone: "+8613912345678"}, Text: e.text, At: at,
					PetitionID: fmt.Sprintf("%s%d", id, j)}
				if waits && m.BurstWindow(in.Message) > 0 {
					checked++
					out := m.Step(clone(t, st), in)
					if len(out.Replies) > 0 || len(out.Events) > 0 {
						t.Fatalf("row %s step %d (%q, %s after the state was written): Waits, but the message got %+v",
							row.ID, j, e.text, at.Sub(lastAt), out)
					}
					waited++
				}
			case KindStatus:
				if len(st.Cases) == 0 {
					continue
				}
				in = statusAt(st.Cases[len(st.Cases)-1].ID, intake.StatusResolved, at)
			}
			m.Step(st, in)
			waits, lastAt = m.Waits(st, at), at
		}
	}
	if checked == 0 {
		t.Fatal("no message arrived in a waiting state")
	}
	t.Logf("%d messages of %d conversations arrived in a waiting state; each only waited", waited, len(rows))
}

// surveyMachineWith is surveyMachine with a coalescing window.
func surveyMachineWith(window time.Duration) *Machine {
	m := surveyMachine()
	m.set.CoalesceWindow = window
	return m
}

// clone copies a state as the store keeps it (JSON).
func clone(t *testing.T, st *State) *State {
	t.Helper()
	raw, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var c State
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	return &c
}
