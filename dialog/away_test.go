package dialog

import (
	"strings"
	"testing"
	"time"

	"github.com/minsheng/minsheng/intake"
)

func busy(period string) *Away {
	return &Away{Kind: AwayBusy, Period: period, Number: "+8613800000001", Who: "王市长", Reason: "开会"}
}

// to is a citizen's message to the official, who is away (or not: nil).
func to(text string, at time.Duration, away *Away) Input {
	now := t0.Add(at)
	return Input{Kind: KindMessage, Now: now, Official: Official{Number: "+8613800000001", Title: "市长", Name: "王", Away: away},
		Message: &Message{Channel: "sms", Text: text, At: now, Citizen: intake.Citizen{Phone: "+8613912345678"},
			PetitionID: "MS-20261130-A" + strings.Repeat("0", 3) + string(rune('A'+int(at/time.Minute)%26))}}
}

func callbacks(out Output) []*intake.Callback {
	var cbs []*intake.Callback
	for _, e := range out.Events {
		if e.Callback != nil {
			cbs = append(cbs, e.Callback)
		}
	}
	return cbs
}

func TestCompleteAppealToABusyOfficialGetsOneCombinedReply(t *testing.T) {
	m := machine(nil)
	st := &State{}
	out := m.Step(st, to("幸福小区3号楼门口的路灯坏了一个月了", 0, busy("b1")))
	p := submitted(t, out)
	if templates(out) != "receipt_busy" || !strings.Contains(out.Replies[0].Text, p.ID) || !strings.Contains(out.Replies[0].Text, "开会") ||
		!strings.Contains(out.Replies[0].Text, "王市长") {
		t.Fatalf("replies %s %+v", templates(out), out.Replies)
	}
	if Segments(out.Replies[0].Text) != 1 {
		t.Errorf("the combined reply takes %d segments", Segments(out.Replies[0].Text))
	}
	if !p.HasFlag(intake.FlagOfficialBusy) {
		t.Errorf("flags %v", p.Flags)
	}
	cbs := callbacks(out)
	if len(cbs) != 1 || cbs[0].PetitionID != p.ID || cbs[0].Period != "b1" || cbs[0].Official != "+8613800000001" ||
		cbs[0].Phone != "+8613912345678" || cbs[0].Reason != intake.CallbackBusy || cbs[0].ContactBy.IsZero() ||
		cbs[0].Text != "幸福小区3号楼门口的路灯坏了一个月了" {
		t.Errorf("call-back items %+v", cbs)
	}
	// whoever calls back gets the citizen's words, not only the list's few
	long := strings.Repeat("幸福小区3号楼门口的路灯坏了，", 50)
	cbs = callbacks(m.Step(&State{}, to(long, 0, busy("b2"))))
	if len(cbs) != 1 {
		t.Fatalf("a long appeal's call-back items: %+v", cbs)
	}
	if text := []rune(cbs[0].Text); len(text) != 501 || string(text[:500]) != string([]rune(long)[:500]) || len([]rune(cbs[0].Summary)) > 21 {
		t.Errorf("a long appeal's call-back item: summary %q, text of %d characters", cbs[0].Summary, len(text))
	}
}

func TestAutoReplyOncePerCitizenPerPeriod(t *testing.T) {
	m := machine(nil)
	st := &State{}
	out := m.Step(st, to("书记您好", 0, busy("b1")))
	if templates(out) != "meeting_auto_reply" || len(callbacks(out)) != 1 || callbacks(out)[0].PetitionID != "" {
		t.Fatalf("greeting: %s %+v", templates(out), callbacks(out))
	}
	out = m.Step(st, to("幸福小区3号楼门口的路灯坏了一个月了", time.Minute, busy("b1")))
	if templates(out) != "receipt" || !submitted(t, out).HasFlag(intake.FlagOfficialBusy) {
		t.Errorf("complaint in the same period: %s", templates(out))
	}
	out = m.Step(st, to("人民路的红绿灯坏了两天了，很危险", 2*time.Hour, busy("b2")))
	if templates(out) != "receipt_busy" {
		t.Errorf("next busy period: %s", templates(out))
	}
	off := &Away{Kind: AwayOffHours, Period: "o1", Number: "+8613800000001"}
	out = m.Step(st, to("解放路的路灯坏了", 5*time.Hour, off))
	if templates(out) != "receipt_off_hours" || strings.Contains(out.Replies[0].Text, "开会") {
		t.Errorf("off hours: %s %+v", templates(out), out.Replies)
	}
	// Urgent off hours: not "上班后联系您", the office is alerted now.
	out = m.Step(st, to("解放路有个井盖丢了", 6*time.Hour, &Away{Kind: AwayOffHours, Period: "o2", Number: "+8613800000001"}))
	urgent := false
	for _, cb := range callbacks(out) {
		urgent = urgent || cb.Reason == intake.CallbackUrgent
	}
	if templates(out) != "receipt_urgent" || !urgent {
		t.Errorf("urgent off hours: %s %+v", templates(out), callbacks(out))
	}
	out = m.Step(st, to("幸福路菜市场门口的垃圾堆了一周了", 30*time.Hour, nil))
	if templates(out) != "receipt" || submitted(t, out).HasFlag(intake.FlagOfficialBusy) || len(callbacks(out)) != 0 {
		t.Errorf("available again: %s %v %+v", templates(out), submitted(t, out).Flags, callbacks(out))
	}
}

// A greeting and the complaint in one burst: one answer, the combined one.
func TestBurstToABusyOfficialIsAnsweredOnceCombined(t *testing.T) {
	m := machine(func(s *Settings) { s.CoalesceWindow = 15 * time.Second })
	st := &State{}
	for i, text := range []string{"书记您好", "幸福小区3号楼门口的路灯坏了一个月了"} {
		if out := m.Step(st, to(text, time.Duration(i)*5*time.Second, busy("b1"))); len(out.Replies) != 0 {
			t.Fatalf("answered before the window: %s", templates(out))
		}
	}
	out := m.Step(st, Input{Kind: KindTick, Now: t0.Add(time.Minute)})
	if templates(out) != "receipt_busy" {
		t.Errorf("burst: %s", templates(out))
	}
}

// An unclear appeal: the question is the auto-reply (it asks what and
// where itself); the petition, submitted later, is a call-back item.
func TestQuestionToABusyOfficialIsTheAutoReply(t *testing.T) {
	m := machine(nil)
	st := &State{}
	out := m.Step(st, to("路灯坏了一个月了", 0, busy("b1")))
	if templates(out) != "meeting_auto_reply" {
		t.Fatalf("%s", templates(out))
	}
	out = m.Step(st, to("就在小区门口", time.Minute, busy("b1")))
	if templates(out) != "receipt" { // the place in the citizen's words; no second auto-reply
		t.Errorf("second answer in the period: %s", templates(out))
	}
}

func TestMissedCallGetsTheAutoReplyOncePerPeriodAndACallBack(t *testing.T) {
	m := machine(nil)
	st := &State{}
	call := func(at time.Duration, away *Away) Output {
		in := to("", at, away)
		in.Message.Call = true
		return m.Step(st, in)
	}
	out := call(0, busy("b1"))
	cbs := callbacks(out)
	if templates(out) != "meeting_auto_reply" || len(cbs) != 1 || cbs[0].Reason != intake.CallbackMissedCall || cbs[0].Period != "b1" ||
		cbs[0].Phone != "+8613912345678" || cbs[0].Official != "+8613800000001" {
		t.Fatalf("%s %+v", templates(out), cbs)
	}
	if out := call(time.Minute, busy("b1")); templates(out) != "meeting_auto_reply" || len(callbacks(out)) != 1 {
		t.Errorf("a second call in the period: %s, %d items (same period: one item on the list)", templates(out), len(callbacks(out)))
	}
	if out := m.Step(st, to("在吗", 2*time.Minute, busy("b1"))); templates(out) == "meeting_auto_reply" {
		t.Errorf("a text after the call in the same period got the auto-reply again")
	}
	if out := call(time.Hour, nil); templates(out) != "missed_call_auto_reply" {
		t.Errorf("unanswered while available: %s", templates(out))
	}
	// Texting afterwards: the petition's transcript shows the call.
	out = m.Step(st, to("幸福小区3号楼门口的路灯坏了一个月了", 2*time.Hour, nil))
	if p := submitted(t, out); p.Transcript[0].Text != "（来电未接通）" {
		t.Errorf("transcript %+v", p.Transcript)
	}
}
