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
	plain := len(msg.Attachments) == 0
	filler := plain && understand.IsFiller(msg.Text)
	noise := plain && !filler && understand.IsNoise(msg.Text)
	if noise {
		out.NoMatter++ // kept and counted: the office sees how many
	}

	if st.Draft == nil {
		recent := m.recentCase(st, now)
		switch {
		case (filler || noise || understand.AsksProgress(msg.Text)) && recent != nil:
			// "在吗", "？", "谢谢", "怎么样了" after the receipt: kept with
			// the petition, and answered with its id, how it stands and
			// what to do.
			m.supplement(st, recent, msg, out, "after_receipt")
			return
		case filler || noise:
			st.Preamble = append(st.Preamble, turn)
			if len(st.Preamble) > 5 {
				st.Preamble = st.Preamble[len(st.Preamble)-5:]
			}
			st.PromptUnclear = noise
			if m.set.CoalesceWindow > 0 {
				// The appeal may follow within the window ("书记您好" then the
				// complaint): the burst gets one answer, so the prompt waits.
				st.PromptDue = msg.At.Add(m.set.CoalesceWindow)
				if now.Before(st.PromptDue) {
					return
				}
			}
			st.PromptDue = time.Time{}
			m.prompt(st, now, out)
			return
		case recent != nil && !m.newMatter(recent, msg):
			m.addToCase(st, recent, in.Official.Number, msg, out)
			return
		}
		m.open(st, in)
	}
	m.addToDraft(st, msg, now, out, turn, filler || noise)
}

// prompt asks for the matter: the greeting's prompt, or for a text with no
// matter in it the one that says it was not understood.
func (m *Machine) prompt(st *State, now time.Time, out *Output) {
	tpl := "prompt"
	if st.PromptUnclear {
		tpl = "prompt_unclear"
	}
	st.PromptUnclear = false
	m.say(st, now, out, tpl, Data{})
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
	if window <= 0 || m.urgency.Assess(msg.Text).Emergency() {
		// Danger now is answered now: the citizen must hear the number
		// to call, not wait for the rest of a burst.
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
	if awaiting == "where" && !m.places.Place(text).Found {
		// The place in the citizen's own words ("就在菜市场后面"): it is
		// the place, kept as they said it; "不知道" is asked again.
		if words, ok := understand.PlaceAnswer(text); ok {
			d.PlaceWords = words
		}
		return false // the words stay in the description too
	}
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
	case s.danger.Emergency():
		// The number to call comes first, with the case id: questions
		// would only delay it (a place sent later is a supplement).
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
	if !s.place.Found && d.PlaceWords != "" {
		s.place = understand.Location{Text: d.PlaceWords, Found: true}
	}
	s.placeMissing = !s.place.Found && understand.NeedsPlace(s.text)
	s.danger = m.urgency.Assess(s.text)
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

// newMatter reports whether a message after a receipt is another matter,
// a petition of its own: it describes something, and names another place,
// or is of another kind. One that adds to the same matter ("旁边的井盖也
// 丢了", "已经一个星期了"), a photo of the scene, or the place a petition
// lacked, is a supplement.
func (m *Machine) newMatter(c *Case, msg *Message) bool {
	text := msg.Text
	if !understand.Describes(text) {
		return false
	}
	place := m.places.Place(text)
	switch {
	case place.Found && c.PlaceMissing:
		return m.otherKind(c, text) // the place the petition lacked, unless another matter
	case place.Found && c.Place != "" && samePlace(c.Place, place.Text):
		return m.otherKind(c, text)
	case place.Found:
		return true // another place: its own petition, with its own urgency
	case len(msg.Attachments) > 0:
		return false // a photo with a caption: the scene of the petition
	case understand.RefersBack(text), understand.NeedsPlace(text):
		// "旁边的井盖也丢了", "有个骑车的摔进去了": somewhere, and the
		// place was said before.
		return false
	}
	// A matter of its own that needs no place (a pension question after
	// a street-light complaint), by a sure suggestion of another kind.
	return m.otherKind(c, text)
}

// otherKind reports whether text is a matter of another category than the
// case's, by a confident suggestion.
func (m *Machine) otherKind(c *Case, text string) bool {
	if m.set.Categorize == nil || c.Category == "" {
		return false
	}
	cat := m.set.Categorize(text)
	return cat.Code != "" && cat.Code != c.Category && cat.Confidence >= 0.5
}

// samePlace reports whether two place texts name the same place: one
// inside the other ("幸福小区" and "幸福小区3号楼").
func samePlace(a, b string) bool {
	a, b = textnorm.Compact(a), textnorm.Compact(b)
	return a != "" && b != "" && (strings.Contains(a, b) || strings.Contains(b, a))
}

// addToCase adds a message to a petition already submitted. Danger in it
// makes the petition urgent (the office is alerted, once) and danger now
// gets the number to call, whatever the petition was.
func (m *Machine) addToCase(st *State, c *Case, official string, msg *Message, out *Output) {
	a := m.urgency.Assess(msg.Text)
	sup := m.supplement(st, c, msg, out, "")
	tpl, data := "supplement", Data{ID: c.publicID()}
	if a.Urgency == understand.Urgent && !c.Urgent {
		c.Urgent = true
		sup.Urgency = intake.UrgencyUrgent
		tpl = "supplement_urgent"
		cb := m.urgentCallback(c, official, msg)
		cb.Emergency = callList(a.Calls)
		out.Events = append(out.Events, Event{Callback: cb})
	}
	if a.Emergency() {
		tpl, data.Emergency = "supplement_emergency", callList(a.Calls)
		sup.Emergency = true
	}
	r := m.reply(tpl, data)
	r.Case = c.ID
	m.sayReply(st, msg.At, out, r)
}

// supplement adds a message to a petition already submitted, answered
// with the reply named (none when "").
func (m *Machine) supplement(st *State, c *Case, msg *Message, out *Output, reply string) *intake.Supplement {
	sup := &intake.Supplement{
		PetitionID: c.ID, CaseID: c.CaseID, Text: msg.Text,
		Attachments: append([]intake.Attachment{}, msg.Attachments...),
		At:          msg.At.In(m.set.Location),
	}
	out.Events = append(out.Events, Event{Supplement: sup})
	if reply != "" {
		r := m.reply(reply, Data{ID: c.publicID(), Status: StatusWord(c.Status)})
		r.Case = c.ID
		m.sayReply(st, msg.At, out, r)
	}
	return sup
}

// callList is the numbers to call, as the reply says them: "119、120".
func callList(calls []understand.Call) string {
	var b strings.Builder
	for i, c := range calls {
		if i > 0 {
			b.WriteString("、")
		}
		b.WriteString(string(c))
	}
	return b.String()
}

// publicID is the id the citizen quotes: the one their receipt gave, not
// the backend's (they may differ; 查询 finds either).
func (c *Case) publicID() string { return c.ID }
