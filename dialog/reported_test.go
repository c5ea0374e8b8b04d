package dialog

import (
	"strings"
	"testing"
	"time"

	"github.com/minsheng/minsheng/intake"
)

var staff = &intake.Reporter{Name: "王网格员", TelegramUser: 4242, Chat: -100777, ChatTitle: "幸福社区居民群"}

// forward is a message staff forwarded at t0+at, from the resident origin.
func forward(text, source string, at time.Duration) Input {
	now := t0.Add(at)
	return Input{Kind: KindMessage, Now: now, Message: &Message{Channel: "telegram", Text: text, At: now,
		WrittenAt: now.Add(-time.Hour), Citizen: intake.Citizen{Name: "李大爷", TelegramUser: 9001},
		ReportedBy: staff, Source: source, Window: time.Minute, PetitionID: "MS-20260311-R" + source[len(source)-4:]}}
}

func TestForwardsOfOneResidentWithinTheWindowAreOnePetition(t *testing.T) {
	m := machine(nil)
	st := &State{}
	for i, text := range []string{"我们楼下的下水道又堵了", "臭得不行，好几天了", "在幸福小区5栋"} {
		if out := m.Step(st, forward(text, "c-100:100"+string(rune('1'+i)), time.Duration(i)*20*time.Second)); len(out.Replies)+len(out.Events) != 0 {
			t.Fatalf("forward %d answered before the window: %s", i, templates(out))
		}
	}
	if w := m.WakeAt(st); !w.Equal(t0.Add(40*time.Second + time.Minute)) {
		t.Errorf("answer due %s", w)
	}
	out := m.Step(st, Input{Kind: KindTick, Now: t0.Add(2 * time.Minute)})
	p := submitted(t, out)
	if templates(out) != "receipt_reported" || out.Replies[0].Case != p.ID {
		t.Fatalf("replies %s case %q", templates(out), out.Replies[0].Case)
	}
	if !strings.Contains(p.Description, "下水道") || !strings.Contains(p.Description, "5栋") || p.ReportedBy == nil ||
		p.ReportedBy.TelegramUser != 4242 || p.Citizen.TelegramUser != 9001 || p.Citizen.Name != "李大爷" {
		t.Errorf("petition %+v", p)
	}
	if got := p.Transcript[0].At; !got.Equal(t0.Add(-time.Hour).Truncate(time.Second)) {
		t.Errorf("the transcript keeps when the resident wrote: %s", got)
	}
	text := out.Replies[0].Text
	if !strings.Contains(text, p.ID) || !strings.Contains(text, "联系电话") || strings.Contains(text, "地点") {
		t.Errorf("receipt %q: wants the id and the missing phone, not the place (given)", text)
	}
}

func TestForwardWithoutPlaceSaysSoAndAsksNothing(t *testing.T) {
	m := machine(nil)
	st := &State{}
	m.Step(st, forward("路灯坏了一个月了，晚上很黑，电话13912345678", "c-100:2001", 0))
	out := m.Step(st, Input{Kind: KindTick, Now: t0.Add(2 * time.Minute)})
	p := submitted(t, out)
	if templates(out) != "receipt_reported" || !strings.Contains(out.Replies[0].Text, "地点") || strings.Contains(out.Replies[0].Text, "联系电话") {
		t.Errorf("receipt %s %q", templates(out), out.Replies[0].Text)
	}
	if !p.HasFlag(intake.FlagIncomplete) || len(p.Contacts) != 1 || p.Contacts[0] != "+8613912345678" {
		t.Errorf("flags %v contacts %v", p.Flags, p.Contacts)
	}
}

func TestTheSameComplaintForwardedTwiceIsOnePetition(t *testing.T) {
	m := machine(nil)
	st := &State{}
	m.Step(st, forward("人民路的井盖丢了，很危险", "c-100:3001", 0))
	first := submitted(t, m.Step(st, Input{Kind: KindTick, Now: t0.Add(2 * time.Minute)}))
	for name, in := range map[string]Input{
		"same original":         forward("人民路的井盖丢了，很危险", "c-100:3001", time.Hour),
		"same text, other copy": forward("人民路的井盖丢了，很危险！", "c-200:17", 2*time.Hour),
	} {
		out := m.Step(st, in)
		if templates(out) != "reported_again" || len(out.Events) != 0 || !strings.Contains(out.Replies[0].Text, first.ID) {
			t.Errorf("%s: %s %d events %+v", name, templates(out), len(out.Events), out.Replies)
		}
		if st.Draft != nil {
			t.Errorf("%s: opened a draft", name)
		}
	}
}

func TestStaffReplyToTheReceiptAddsToThatPetition(t *testing.T) {
	m := machine(nil)
	st := &State{}
	m.Step(st, forward("路灯坏了一个月了", "c-100:4001", 0))
	p := submitted(t, m.Step(st, Input{Kind: KindTick, Now: t0.Add(2 * time.Minute)}))
	in := forward("在幸福小区3号楼门口", "reply", 3*time.Hour)
	in.Message.For, in.Message.Source = p.ID, ""
	out := m.Step(st, in)
	if templates(out) != "supplement" || len(out.Events) != 1 || out.Events[0].Supplement == nil ||
		out.Events[0].Supplement.PetitionID != p.ID || out.Events[0].Supplement.Text != "在幸福小区3号楼门口" {
		t.Errorf("%s %+v", templates(out), out.Events)
	}
}

// Lu'an's 电话测评: staff call the resident and press the survey button on
// their behalf; the rating records who pressed.
func TestStaffRecordTheResidentsSurveyAnswer(t *testing.T) {
	m := surveyMachine()
	st := &State{}
	m.Step(st, forward("幸福小区5栋下水道堵了", "c-100:5001", 0))
	p := submitted(t, m.Step(st, Input{Kind: KindTick, Now: t0.Add(2 * time.Minute)}))
	out := m.Step(st, statusAt(p.ID, intake.StatusResolved, t0.Add(48*time.Hour)))
	if templates(out) != "survey" || len(out.Replies[0].Buttons) != 3 || out.Replies[0].Case != p.ID {
		t.Fatalf("survey %+v", out.Replies)
	}
	press := forward("2", "press", 49*time.Hour)
	press.Message.For, press.Message.Source = p.ID, ""
	out = m.Step(st, press)
	r := ratingOf(t, out)
	if r == nil || r.Rating != intake.RatingUnderstood || r.RecordedBy == nil || r.RecordedBy.TelegramUser != 4242 {
		t.Errorf("rating %+v", r)
	}
}

// Danger staff forward is answered at once, not after the forward window:
// the group learns the number to call with the case.
func TestAForwardedEmergencyIsAnsweredAtOnce(t *testing.T) {
	m := machine(nil)
	st := &State{}
	out := m.Step(st, forward("幸福小区5栋3楼着火了，有人被困", "c-100:2001", 0))
	p := submitted(t, out)
	if templates(out) != "receipt_reported" || !strings.Contains(out.Replies[0].Text, "拨打119") ||
		!strings.Contains(out.Replies[0].Text, p.ID) || !p.HasFlag(intake.FlagEmergency) {
		t.Fatalf("replies %+v, flags %v", out.Replies, p.Flags)
	}
}
