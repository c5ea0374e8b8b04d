package dialog

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/textnorm"
	"github.com/minsheng/minsheng/intake/understand"
)

// maxAsks is how often one question is asked; after that the petition goes
// as it is, flagged incomplete, and staff call back.
const maxAsks = 2

// message handles one message from the citizen.
func (m *Machine) message(st *State, in Input, out *Output) {
	msg := in.Message
	now := in.Now
	if msg.ReportedBy != nil {
		m.reported(st, in, out)
		return
	}
	if msg.Call {
		m.missedCall(st, in.Official.Number, msg, now, out)
		return
	}
	if cmd, arg := understand.ParseCommand(msg.Text); cmd != understand.None {
		m.command(st, in, cmd, arg, out)
		return
	}
	if st.Reason != nil && m.reasonAnswer(st, msg, now, out) {
		return
	}
	if st.Survey != nil && m.surveyAnswer(st, msg, now, out) {
		return
	}
	turn := intake.Turn{At: msg.At.In(m.set.Location).Truncate(time.Second), From: "citizen", Text: msg.Text}
	filler := len(msg.Attachments) == 0 && understand.IsFiller(msg.Text)

	if st.Draft == nil {
		recent := m.recentCase(st, now)
		switch {
		case filler && recent != nil:
			// "谢谢" after the receipt: kept with the petition, no answer needed.
			m.supplement(st, recent, msg, out, false)
			return
		case filler:
			st.Preamble = append(st.Preamble, turn)
			if len(st.Preamble) > 5 {
				st.Preamble = st.Preamble[len(st.Preamble)-5:]
			}
			if m.set.CoalesceWindow > 0 {
				// The appeal may follow within the window ("书记您好" then the
				// complaint): the burst gets one answer, so the prompt waits.
				st.PromptDue = msg.At.Add(m.set.CoalesceWindow)
				if now.Before(st.PromptDue) {
					return
				}
			}
			st.PromptDue = time.Time{}
			m.say(st, now, out, "prompt", Data{})
			return
		case recent != nil && !m.newMatter(recent, msg.Text):
			m.supplement(st, recent, msg, out, true)
			return
		}
		m.open(st, in)
	}
	m.addToDraft(st, msg, now, out, turn, filler)
}

// addToDraft adds a message to the open draft and answers the draft when
// its burst is over.
func (m *Machine) addToDraft(st *State, msg *Message, now time.Time, out *Output, turn intake.Turn, filler bool) {
	d := st.Draft
	d.LastAt = msg.At
	d.Turns = append(d.Turns, turn)
	d.Attachments = append(d.Attachments, msg.Attachments...)
	if d.Who.Citizen.Phone == "" && msg.Citizen.Phone != "" {
		d.Who.Citizen.Phone = msg.Citizen.Phone // shared later (Telegram's contact button)
	}
	if msg.Source != "" {
		d.Sources = append(d.Sources, msg.Source)
	}
	if st.Away != nil {
		d.Away = st.Away // written while the official was away: they call back
	}
	if !m.answer(d, msg.Text) && !filler {
		d.Texts = append(d.Texts, msg.Text)
	}
	window := m.set.CoalesceWindow
	if msg.Window > 0 {
		window = msg.Window
	}
	if window <= 0 {
		m.respond(st, now, out)
		return
	}
	// A burst is answered once: wait for a quiet window after the last
	// message, but not longer than three windows after the first.
	if d.ReplyDue.IsZero() {
		d.BurstStarted = msg.At
		if len(d.Turns) > 0 && d.Turns[0].From == "citizen" && d.Turns[0].At.Before(msg.At) &&
			msg.At.Sub(d.Turns[0].At) <= window {
			d.BurstStarted = d.Turns[0].At // the greeting that began the burst
		}
	}
	d.ReplyDue = msg.At.Add(window)
	if limit := d.BurstStarted.Add(3 * window); d.ReplyDue.After(limit) {
		d.ReplyDue = limit
	}
	if !now.Before(d.ReplyDue) { // processed late: the window has passed already
		m.respond(st, now, out)
	}
}

// open starts a draft from this message.
func (m *Machine) open(st *State, in Input) {
	msg := in.Message
	st.PromptDue = time.Time{} // the greeting's answer is the draft's
	st.Draft = &Draft{
		ID: msg.PetitionID, OpenedAt: msg.At, LastAt: msg.At,
		Turns: append([]intake.Turn{}, st.Preamble...),
		Who:   Who{Channel: msg.Channel, Citizen: msg.Citizen, ReportedBy: msg.ReportedBy, Official: in.Official},
	}
	st.Preamble = nil
}

// answer takes a reply to the name or category question; it reports whether
// the text was such an answer (and so is not part of the description).
func (m *Machine) answer(d *Draft, text string) bool {
	awaiting := d.Awaiting
	d.Awaiting = ""
	if utf8.RuneCountInString(text) > 12 || understand.Describes(text) {
		return false
	}
	switch awaiting {
	case "name":
		if f := textnorm.Compact(text); f == "匿名" || f == "不留名" || f == "不愿留名" {
			d.Anonymous = true
		} else {
			d.Name = strings.TrimSpace(text)
		}
		return true
	case "category":
		if c := m.pickCategory(text); c != "" {
			d.Category = c
			return true
		}
	}
	return false
}

// respond answers the draft: the next question, or the receipt.
func (m *Machine) respond(st *State, now time.Time, out *Output) {
	d := st.Draft
	d.ReplyDue, d.BurstStarted = time.Time{}, time.Time{}
	s := m.slots(d)
	next := ""
	switch {
	case d.Who.ReportedBy != nil:
		// Staff forwarded it: they are not the citizen, so nothing is asked;
		// the receipt says what is missing and staff add it by replying.
	case !s.describes:
		next = "what"
	case s.placeMissing:
		// Only a matter that is somewhere needs "where": a pension
		// question or a complaint about a named employer would cost the
		// citizen an SMS for nothing.
		next = "where"
	case m.set.AskName && d.Name == "" && !d.Anonymous && d.asked("name") < 1:
		next = "name"
	case m.set.AskCategory && d.Category == "" && d.asked("category") < 1 && len(m.set.Categories) > 0:
		next = "category"
	}
	if next == "" || d.asked(next) >= maxAsks {
		m.submit(st, now, out, s)
		return
	}
	d.ask(next)
	d.Awaiting = next
	m.say(st, now, out, "ask_"+next, m.askData())
}

func (m *Machine) askData() Data {
	var b strings.Builder
	for i, c := range m.set.Categories {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(string(rune('1'+i)) + c.Name)
	}
	return Data{Categories: b.String()}
}

// pickCategory reads an answer to ask_category: a number or a name.
func (m *Machine) pickCategory(text string) string {
	f := textnorm.Compact(text)
	for i, c := range m.set.Categories {
		if f == string(rune('1'+i)) || (f != "" && strings.Contains(textnorm.Compact(c.Name), f)) {
			return c.Code
		}
	}
	return ""
}

// slots reads what the draft says so far.
func (m *Machine) slots(d *Draft) slots {
	var s slots
	s.text = strings.Join(d.Texts, "；")
	for _, t := range d.Texts {
		if understand.Describes(t) {
			s.describes = true
			break
		}
	}
	s.place = m.places.Place(s.text)
	s.placeMissing = !s.place.Found && understand.NeedsPlace(s.text)
	return s
}

// complete reports whether nothing is missing: a matter that needs no
// place is complete without one.
func (s slots) complete() bool {
	return s.describes && !s.placeMissing
}

// recentCase is the last petition if its receipt is within the supplement window.
func (m *Machine) recentCase(st *State, now time.Time) *Case {
	c := st.lastCase()
	if c == nil || m.set.SupplementWindow <= 0 || now.Sub(c.At) > m.set.SupplementWindow {
		return nil
	}
	return c
}

// newMatter reports whether a message after a receipt is clearly another
// matter: it describes something, in another place, of another category.
func (m *Machine) newMatter(c *Case, text string) bool {
	if !understand.Describes(text) {
		return false
	}
	place := m.places.Place(text)
	samePlace := place.Found && c.Place != "" && (strings.Contains(c.Place, place.Text) || strings.Contains(place.Text, c.Place))
	switch {
	case samePlace:
		return false
	case !place.Found && understand.NeedsPlace(text):
		return false // "旁边的井盖也丢了": somewhere, and the place said before
	case m.set.Categorize == nil:
		return place.Found // a new place with a description of its own
	}
	// A matter of its own: another place, or one that needs none (a
	// pension question after a street-light complaint), of another kind.
	cat := m.set.Categorize(text)
	return cat.Code != "" && cat.Code != c.Category && cat.Confidence >= 0.5
}

// supplement adds a message to a petition already submitted.
func (m *Machine) supplement(st *State, c *Case, msg *Message, out *Output, ack bool) {
	out.Events = append(out.Events, Event{Supplement: &intake.Supplement{
		PetitionID: c.ID, CaseID: c.CaseID, Text: msg.Text,
		Attachments: append([]intake.Attachment{}, msg.Attachments...),
		At:          msg.At.In(m.set.Location),
	}})
	if ack {
		m.say(st, msg.At, out, "supplement", Data{ID: c.publicID()})
	}
}

// publicID is the id the citizen should quote: the backend's once known.
func (c *Case) publicID() string {
	if c.CaseID != "" {
		return c.CaseID
	}
	return c.ID
}
