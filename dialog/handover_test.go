package dialog

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/minsheng/minsheng/intake"
)

// The resident's SMS address, as the runtime gives it (opaque here).
const residentSMS = `{"ch":"sms","to":"+8613912345678","from":"+8613800000001"}`

// hop is one thing that happens to a petition forwarded from a Telegram
// group: on X, the group's conversation that has the case, or on Y, the
// resident's SMS conversation.
type hop struct {
	on string        // "X" or "Y"
	at time.Duration // after t0
	// status: X gets this status event from the backend (handOver: the
	// runtime says the resident is reached elsewhere); Y gets the next
	// status X handed over.
	status   string
	handOver string
	text     string // a message: staff pressing a survey button (X), the resident (Y)
	tick     bool
	want     string // reply templates
	handed   string // X: the status it handed over ("" none)
	rating   string // a rating recorded by this hop ("none": no answer; "" nothing)
	check    func(t *testing.T, x, y *State, out Output)
}

// groupCase is X with a petition forwarded by staff and taken by the
// backend as CASE-7.
func groupCase(t *testing.T, m *Machine) (*State, string) {
	t.Helper()
	x := &State{}
	m.Step(x, forward("幸福小区5栋下水道堵了好几天", "c-100:5001", 0))
	p := submitted(t, m.Step(x, Input{Kind: KindTick, Now: t0.Add(2 * time.Minute)}))
	m.Step(x, Input{Kind: KindDelivered, Now: t0.Add(3 * time.Minute), Delivered: &DeliveredInput{PetitionID: p.ID, CaseID: "CASE-7"}})
	return x, p.ID
}

func TestHandover(t *testing.T) {
	day := 48 * time.Hour   // t0 is 14:05: +48h is 14:05 two days later, outside quiet hours
	night := 56 * time.Hour // 22:05
	rows := []struct {
		name string
		y    []Input // what Y went through before (its own messages)
		hops []hop
	}{
		{name: "resolved: X hands over, Y creates the case and surveys, the resident's 1 is the rating", hops: []hop{
			{on: "X", at: day, status: intake.StatusResolved, handOver: residentSMS, handed: intake.StatusResolved,
				check: func(t *testing.T, x, y *State, out Output) {
					c := x.Cases[0]
					if c.Status != intake.StatusResolved || len(c.History) != 1 || c.History[0].Sent || c.HandedTo != residentSMS {
						t.Errorf("X records the status, sends nothing: %+v", c)
					}
					if x.Survey != nil || !(&Machine{}).WakeAt(x).IsZero() {
						t.Errorf("X keeps no survey of its own: %+v", x.Survey)
					}
				}},
			{on: "Y", at: day + time.Minute, status: intake.StatusResolved, want: "survey",
				check: func(t *testing.T, x, y *State, out Output) {
					r := out.Replies[0]
					if !r.Bulk || len(r.Buttons) != 3 || r.Case != x.Cases[0].ID {
						t.Errorf("survey %+v", r)
					}
					for _, want := range []string{x.Cases[0].ID, "幸福小区5栋下水", "已更换灯具"} {
						if !strings.Contains(r.Text, want) {
							t.Errorf("survey %q lacks %q", r.Text, want)
						}
					}
					if len(y.Cases) != 1 || y.Cases[0].ID != x.Cases[0].ID || y.Cases[0].CaseID != "CASE-7" || y.Survey == nil {
						t.Errorf("Y's case %+v survey %+v", y.Cases, y.Survey)
					}
				}},
			{on: "Y", at: day + time.Hour, text: "1", want: "survey_thanks", rating: intake.RatingSatisfied},
		}},
		{name: "assigned then resolved, both told in Y, a bare 不满意 asks Y for the reason", hops: []hop{
			{on: "X", at: day, status: intake.StatusAssigned, handOver: residentSMS, handed: intake.StatusAssigned},
			{on: "Y", at: day, status: intake.StatusAssigned, want: "status_assigned",
				check: func(t *testing.T, x, y *State, out Output) {
					for _, want := range []string{x.Cases[0].ID, "谯城区住建局", "李明", "0558-5123456"} {
						if !strings.Contains(out.Replies[0].Text, want) {
							t.Errorf("status %q lacks %q", out.Replies[0].Text, want)
						}
					}
				}},
			{on: "X", at: day + 24*time.Hour, status: intake.StatusResolved, handOver: residentSMS, handed: intake.StatusResolved},
			{on: "Y", at: day + 24*time.Hour, status: intake.StatusResolved, want: "survey"},
			{on: "Y", at: day + 25*time.Hour, text: "3", want: "survey_reason", rating: intake.RatingUnsatisfied},
			{on: "Y", at: day + 26*time.Hour, text: "还是堵着", want: "survey_thanks_unsatisfied", rating: intake.RatingUnsatisfied},
		}},
		{name: "no phone known: the survey stays in the group and staff press its button, as before", hops: []hop{
			{on: "X", at: day, status: intake.StatusResolved, want: "survey"},
			{on: "X", at: day + time.Hour, text: "1", want: "survey_thanks", rating: intake.RatingSatisfied},
		}},
		{name: "the phone comes after the group's survey: X's survey is dropped, the next statuses go to Y, also once the address is gone", hops: []hop{
			{on: "X", at: day, status: intake.StatusResolved, want: "survey"},
			{on: "X", at: day + time.Hour, status: intake.StatusReopened, handOver: residentSMS, handed: intake.StatusReopened,
				check: func(t *testing.T, x, y *State, out Output) {
					if x.Survey != nil || ratingOf(t, out) != nil {
						t.Errorf("X's survey must go without a rating: survey %+v, events %+v", x.Survey, out.Events)
					}
				}},
			{on: "Y", at: day + time.Hour, status: intake.StatusReopened},
			{on: "X", at: day + 24*time.Hour, status: intake.StatusResolved, handed: intake.StatusResolved},
			{on: "Y", at: day + 24*time.Hour, status: intake.StatusResolved, want: "survey"},
			{on: "X", at: day + 48*time.Hour, tick: true},
			{on: "X", at: day + 96*time.Hour, tick: true},
			{on: "Y", at: day + 25*time.Hour, text: "2", want: "survey_thanks", rating: intake.RatingUnderstood},
		}},
		{name: "quiet hours are Y's: the survey waits for the morning there", hops: []hop{
			{on: "X", at: night, status: intake.StatusResolved, handOver: residentSMS, handed: intake.StatusResolved},
			{on: "Y", at: night, status: intake.StatusResolved,
				check: func(t *testing.T, x, y *State, out Output) {
					if len(y.Held) != 1 || y.Survey == nil {
						t.Errorf("held %+v survey %+v", y.Held, y.Survey)
					}
				}},
			{on: "Y", at: night + 9*time.Hour, tick: true, want: "survey"},
		}},
		{name: "the opt-out is the resident's: Y unsubscribed, no survey", y: []Input{msgAt("退订", t0.Add(time.Hour))}, hops: []hop{
			{on: "X", at: day, status: intake.StatusResolved, handOver: residentSMS, handed: intake.StatusResolved},
			{on: "Y", at: day, status: intake.StatusResolved,
				check: func(t *testing.T, x, y *State, out Output) {
					if y.Survey != nil || len(y.Held) != 0 || y.Cases[len(y.Cases)-1].Status != intake.StatusResolved {
						t.Errorf("survey %+v, cases %+v", y.Survey, y.Cases)
					}
				}},
		}},
		{name: "reminder and expiry happen in Y", hops: []hop{
			{on: "X", at: day, status: intake.StatusResolved, handOver: residentSMS, handed: intake.StatusResolved},
			{on: "Y", at: day, status: intake.StatusResolved, want: "survey"},
			{on: "Y", at: day + 24*time.Hour, tick: true, want: "survey_remind"},
			{on: "Y", at: day + 72*time.Hour, tick: true, rating: "none"},
		}},
		{name: "an event older than the last one is recorded in X and not handed over", hops: []hop{
			{on: "X", at: day, status: intake.StatusAssigned, handOver: residentSMS, handed: intake.StatusAssigned},
			{on: "Y", at: day, status: intake.StatusAssigned, want: "status_assigned"},
			{on: "X", at: day - time.Hour, status: intake.StatusAccepted, handOver: residentSMS,
				check: func(t *testing.T, x, y *State, out Output) {
					if h := x.Cases[0].History; len(h) != 2 || h[1].Status != intake.StatusAccepted {
						t.Errorf("X's history %+v", h)
					}
				}},
		}},
		{name: "a resident with a history: the case joins theirs, 查询 shows it", y: []Input{msgAt("人民路和解放路路口的红绿灯坏了两天了", t0)}, hops: []hop{
			{on: "X", at: day, status: intake.StatusAssigned, handOver: residentSMS, handed: intake.StatusAssigned},
			{on: "Y", at: day, status: intake.StatusAssigned, want: "status_assigned"},
			{on: "Y", at: day + time.Hour, text: "查询", want: "query",
				check: func(t *testing.T, x, y *State, out Output) {
					if len(y.Cases) != 2 || !strings.Contains(out.Replies[0].Text, "MS-20260311-R5001") {
						t.Errorf("cases %+v, query %q", y.Cases, out.Replies[0].Text)
					}
				}},
		}},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			m := surveyMachine()
			x, id := groupCase(t, m)
			y := &State{}
			for _, in := range row.y {
				m.Step(y, in)
			}
			var handed []StatusInput // what X handed over, on its way to Y
			for i, h := range row.hops {
				now := t0.Add(h.at)
				var out Output
				switch {
				case h.on == "X" && h.status != "":
					in := statusAt("CASE-7", h.status, now)
					in.HandOver = h.handOver
					out = m.Step(x, in)
				case h.on == "X" && h.text != "":
					press := forward(h.text, "press", h.at)
					press.Message.For, press.Message.Source = id, ""
					out = m.Step(x, press)
				case h.on == "X":
					out = m.Step(x, Input{Kind: KindTick, Now: now})
				case h.status != "":
					if len(handed) == 0 {
						t.Fatalf("hop %d: nothing was handed over to Y", i)
					}
					s := handed[0]
					handed = handed[1:]
					if s.Event.Status != h.status {
						t.Fatalf("hop %d: the next status handed over is %s, want %s", i, s.Event.Status, h.status)
					}
					out = m.Step(y, Input{Kind: KindStatus, Now: now, Status: &s})
				case h.text != "":
					out = m.Step(y, Input{Kind: KindMessage, Now: now, Message: &Message{Channel: "sms", Text: h.text, At: now,
						Citizen: intake.Citizen{Phone: "+8613912345678"}, PetitionID: "MS-20260313-Y0001"}})
				default:
					out = m.Step(y, Input{Kind: KindTick, Now: now})
				}
				if got := templates(out); got != h.want {
					t.Errorf("hop %d (%s): replies %q, want %q", i, h.on, got, h.want)
				}
				var got []string
				for _, e := range out.Events {
					if e.Handover == nil {
						continue
					}
					if e.Handover.To != residentSMS || e.Handover.Status.PetitionID != id || e.Handover.Status.Case == nil {
						t.Errorf("hop %d: handover %+v", i, e.Handover)
					}
					// As the runtime carries it: JSON in a stream entry.
					raw, err := json.Marshal(e.Handover.Status)
					if err != nil {
						t.Fatal(err)
					}
					var s StatusInput
					if err := json.Unmarshal(raw, &s); err != nil {
						t.Fatal(err)
					}
					handed = append(handed, s)
					got = append(got, s.Event.Status)
				}
				if strings.Join(got, ",") != h.handed {
					t.Errorf("hop %d (%s): handed over %v, want %q", i, h.on, got, h.handed)
				}
				r := ratingOf(t, out)
				switch {
				case h.rating == "" && r != nil:
					t.Errorf("hop %d (%s): rating %+v, want none", i, h.on, r)
				case h.rating == "":
				case r == nil:
					t.Errorf("hop %d (%s): no rating, want %s", i, h.on, h.rating)
				case r.PetitionID != id || r.CaseID != "CASE-7" || (r.Rating != h.rating && !(h.rating == "none" && r.Rating == "")):
					t.Errorf("hop %d (%s): rating %+v, want %s for %s", i, h.on, r, h.rating, id)
				}
				if h.check != nil {
					h.check(t, x, y, out)
				}
			}
			if len(handed) != 0 {
				t.Errorf("handed over and never taken by Y: %+v", handed)
			}
		})
	}
}

// A status Y got from X is told in Y even when Y has an address elsewhere
// itself: a handed-over event is never handed over again (no loop).
func TestAHandedOverStatusIsToldWhereItArrives(t *testing.T) {
	m := surveyMachine()
	x, _ := groupCase(t, m)
	in := statusAt("CASE-7", intake.StatusResolved, t0.Add(48*time.Hour))
	in.HandOver = residentSMS
	out := m.Step(x, in)
	if len(out.Events) != 1 || out.Events[0].Handover == nil {
		t.Fatalf("X: %+v", out.Events)
	}
	y := &State{}
	got := m.Step(y, Input{Kind: KindStatus, Now: t0.Add(48 * time.Hour), Status: &out.Events[0].Handover.Status, HandOver: `{"ch":"sms","to":"+8613700000000"}`})
	if templates(got) != "survey" || len(got.Events) != 0 || y.Cases[0].HandedTo != "" {
		t.Errorf("Y: %s %+v %+v", templates(got), got.Events, y.Cases[0])
	}
}
