package dialog

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/minsheng/minsheng/intake"
)

// StatusInput is a case status event for one of the citizen's petitions.
type StatusInput struct {
	PetitionID string
	Event      intake.StatusEvent
	// Case is set when another conversation, the one that has the case,
	// handed the event over to this one, which reaches the citizen
	// (Handover): the case as that conversation knows it.
	Case *HandedCase `json:",omitempty"`
}

// DeliveredInput says the backend took a petition under its case id.
type DeliveredInput struct {
	PetitionID string
	CaseID     string
}

// Held is a status or survey message waiting for the end of quiet hours.
type Held struct {
	Template string    `json:"tpl"`
	Text     string    `json:"text"`
	Buttons  []string  `json:"buttons,omitempty"`
	Case     string    `json:"case,omitempty"`
	At       time.Time `json:"at"` // when it would have been sent
	// Vars: Reply.Vars.
	Vars map[string]string `json:"vars,omitempty"`
}

// maxHistory is how many status events a case remembers.
const maxHistory = 20

// StatusRecord is one event in a case's history.
type StatusRecord struct {
	Status string    `json:"status"`
	At     time.Time `json:"at"`
	Sent   bool      `json:"sent"` // a message went (or is held) to the citizen
}

// delivered notes the backend's case id.
func (m *Machine) delivered(st *State, d *DeliveredInput) {
	if c := st.findCase(d.PetitionID); c != nil {
		c.CaseID = d.CaseID
	}
}

// status applies a case status event: remember it, and tell the citizen if
// the office wants this status told, the citizen did not opt out, and the
// event is not older than one already applied. When the citizen is
// reached through another conversation (handOver, see Handover), the
// event is recorded here and handed over instead of told.
func (m *Machine) status(st *State, now time.Time, s *StatusInput, handOver string, out *Output) {
	c := st.findCase(s.PetitionID)
	if s.Case != nil {
		c = adopt(st, c, s, now)
	}
	if c == nil {
		// A case the conversation forgot (older than maxCases, or state
		// lost with Redis): keep it minimal so the citizen still hears
		// about it, under the id the office uses.
		st.addCase(Case{ID: s.PetitionID, CaseID: s.Event.CaseID, At: now})
		c = st.lastCase()
	}
	ev := s.Event
	if ev.At.IsZero() {
		ev.At = now
	}
	rec := StatusRecord{Status: ev.Status, At: ev.At}
	stale := !c.StatusAt.IsZero() && ev.At.Before(c.StatusAt)
	defer func() {
		c.History = append(c.History, rec)
		if len(c.History) > maxHistory {
			c.History = c.History[len(c.History)-maxHistory:]
		}
	}()
	if stale {
		return // recorded, not sent: a newer status was told already
	}
	c.Status, c.StatusAt = ev.Status, ev.At
	if ev.Status == intake.StatusReopened {
		c.RevisitAt = time.Time{} // handled again: its own survey follows
	}
	if ev.Unit != "" {
		c.Unit = ev.Unit
	}
	if ev.Handler.Name != "" || ev.Handler.Phone != "" {
		c.Handler, c.Phone = ev.Handler.Name, ev.Handler.Phone
	}
	if m.handOver(st, c, s, ev, handOver, out) {
		return
	}
	if ev.Status == intake.StatusResolved {
		rec.Sent = m.startSurvey(st, c, ev, now, out)
		return
	}
	if !m.set.Notify[ev.Status] || st.OptedOut {
		return
	}
	data := Data{ID: c.publicID(), Status: StatusWord(ev.Status), Unit: c.Unit, Handler: c.Handler, Phone: c.Phone,
		Note: shorten(ev.Note, 20), Summary: c.Summary}
	r := m.reply("status_"+ev.Status, data)
	r.Case = c.ID
	m.bulkReply(st, now, out, r)
	rec.Sent = true
}

// bulkReply sends a status or survey message, or holds it until quiet
// hours end.
func (m *Machine) bulkReply(st *State, now time.Time, out *Output, r Reply) {
	r.Bulk = true
	if m.quiet(now) {
		st.Held = append(st.Held, Held{Template: r.Template, Text: r.Text, Buttons: r.Buttons, Case: r.Case, At: now, Vars: r.Vars})
		out.HeldUntil = m.quietEnd(now)
		return
	}
	out.Replies = append(out.Replies, r)
}

// releaseHeld sends what quiet hours held, in order, once they are over.
func (m *Machine) releaseHeld(st *State, now time.Time, out *Output) {
	if len(st.Held) == 0 || m.quiet(now) {
		return
	}
	for _, h := range st.Held {
		out.Replies = append(out.Replies, Reply{Template: h.Template, Text: h.Text, Bulk: true, Buttons: h.Buttons, Case: h.Case, Vars: h.Vars})
	}
	st.Held = nil
}

// quiet reports whether now is inside quiet hours (local time).
func (m *Machine) quiet(now time.Time) bool {
	q := m.set.Quiet
	if q.Start == q.End {
		return false
	}
	t := now.In(m.set.Location)
	min := t.Hour()*60 + t.Minute()
	if q.Start < q.End {
		return min >= q.Start && min < q.End
	}
	return min >= q.Start || min < q.End // across midnight: 22:00–07:00
}

// quietEnd is the next end of quiet hours after now.
func (m *Machine) quietEnd(now time.Time) time.Time {
	t := now.In(m.set.Location)
	end := time.Date(t.Year(), t.Month(), t.Day(), m.set.Quiet.End/60, m.set.Quiet.End%60, 0, 0, m.set.Location)
	if !end.After(t) {
		end = end.AddDate(0, 0, 1)
	}
	return end
}

// QuietHours are minutes of the local day; Start == End means none.
type QuietHours struct{ Start, End int }

// ParseQuietHours reads "22:00" and "07:00"; empty strings mean none.
func ParseQuietHours(start, end string) (QuietHours, bool) {
	if start == "" && end == "" {
		return QuietHours{}, true
	}
	s, ok1 := clockMinutes(start)
	e, ok2 := clockMinutes(end)
	return QuietHours{Start: s, End: e}, ok1 && ok2
}

func clockMinutes(s string) (int, bool) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, false
	}
	return t.Hour()*60 + t.Minute(), true
}

// shorten cuts text to n characters, marking the cut.
func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
