package dialog

import (
	"time"

	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/textnorm"
	"github.com/minsheng/minsheng/intake/understand"
)

// submit turns the draft into a petition, answers with the receipt and
// remembers the case.
func (m *Machine) submit(st *State, now time.Time, out *Output, s slots) {
	d := st.Draft
	p := m.petition(d, s)
	if !s.complete() {
		p.AddFlag(intake.FlagIncomplete)
	}
	if d.Away != nil {
		p.AddFlag(intake.FlagOfficialBusy)
	}
	if m.set.Categorize != nil && p.Category.Confidence < m.set.MinCategoryConfidence {
		p.AddFlag(intake.FlagCategoryUncertain)
	}
	emergency := s.danger.Emergency()
	if emergency {
		p.AddFlag(intake.FlagEmergency)
	}
	c := Case{ID: p.ID, At: now, Summary: summary(p.Description), Folded: textnorm.Compact(p.Description),
		Category: p.Category.Code, Place: p.Location.Text, Sources: lastN(d.Sources, maxSources),
		PlaceMissing: s.placeMissing, Urgent: p.Urgency == intake.UrgencyUrgent}
	tpl, data := "receipt", Data{ID: p.ID}
	if earlier := m.duplicateOf(st, c, now); earlier != nil {
		p.DuplicateOf = earlier.ID
		c.Duplicate = earlier.ID
		tpl, data = "receipt_duplicate", Data{ID: p.ID, Earlier: earlier.publicID()}
	} else if p.HasFlag(intake.FlagIncomplete) {
		tpl = "receipt_incomplete"
	}
	if p.HasFlag(intake.FlagCallbackRequested) {
		tpl = "human"
	}
	if tpl == "receipt" && c.Urgent {
		tpl = "receipt_urgent" // the office is alerted: not the routine 3-day promise
	}
	if emergency {
		tpl, data = "receipt_emergency", Data{ID: p.ID, Emergency: callList(s.danger.Calls)}
	}
	if d.Who.ReportedBy != nil && (c.Duplicate == "" || emergency) {
		tpl, data = "receipt_reported", Data{ID: p.ID, Category: p.Category.Name, Missing: missing(s, p), Emergency: data.Emergency}
	}
	r := m.reply(tpl, data)
	r.Case = p.ID
	r.AskContact = (tpl == "human" || tpl == "receipt_incomplete") && p.Citizen.Phone == ""
	m.sayReply(st, now, out, r)
	p.Transcript = d.Turns
	out.Events = append(out.Events, Event{Submit: p})
	if cb := m.callbackFor(d, p, now); cb != nil {
		out.Events = append(out.Events, Event{Callback: cb})
	}
	if c.Urgent {
		// The office hears of it now, whatever the schedule: it may not
		// wait for the morning's list or the 3-day contact.
		cb := m.callbackFor(d, p, now)
		if cb == nil {
			cb = &intake.Callback{Official: p.AddressedTo.Number, Phone: firstContact(p), Name: p.Citizen.Name,
				At: p.ReceivedAt, PetitionID: p.ID, Summary: summary20(p.Description), Text: callbackText(p.Description), ContactBy: p.Deadlines.ContactBy}
		}
		cb.Period, cb.Reason = "", intake.CallbackUrgent // one item per petition
		cb.Emergency = callList(s.danger.Calls)
		out.Events = append(out.Events, Event{Callback: cb})
	}
	st.addCase(c)
	st.Draft = nil
}

// petition assembles the petition a draft stands for.
func (m *Machine) petition(d *Draft, s slots) *intake.Petition {
	loc := m.set.Location
	received := d.OpenedAt.In(loc).Truncate(time.Second)
	p := &intake.Petition{
		SchemaVersion: intake.SchemaVersion,
		ID:            d.ID,
		ReceivedAt:    received,
		Channel:       d.Who.Channel,
		Citizen:       d.Who.citizen(),
		ReportedBy:    d.Who.ReportedBy,
		AddressedTo:   intake.Addressee{Number: d.Who.Official.Number, Name: d.Who.Official.Name, Title: d.Who.Official.Title},
		Description:   s.text,
		Location:      intake.Location{Text: s.place.Text, County: s.place.County, Town: s.place.Town},
		Urgency:       s.danger.Urgency,
		AppealType:    understand.AppealType(s.text),
		Contacts:      []string{},
		Attachments:   append([]intake.Attachment{}, d.Attachments...),
		Flags:         append([]string{}, d.Flags...),
	}
	switch {
	case d.Anonymous:
		p.Citizen.Name, p.Citizen.Anonymous = "", true
	case d.Name != "":
		p.Citizen.Name = d.Name // what the citizen answered when asked
	}
	if p.Location.County == "" && s.place.Found {
		p.Location.County = d.Who.Official.County
	}
	if p.Citizen.Phone != "" {
		p.Contacts = append(p.Contacts, p.Citizen.Phone)
	}
	for _, t := range d.Texts {
		for _, ph := range understand.Phones(t) {
			if !contains(p.Contacts, ph) {
				p.Contacts = append(p.Contacts, ph)
			}
		}
	}
	p.Category = m.category(d, s.text)
	for _, c := range m.set.Categories {
		if c.Code == p.Category.Code && c.Urgent {
			p.Urgency = intake.UrgencyUrgent
		}
	}
	p.Deadlines = m.set.Calendar.Deadlines(received, p.Urgency == intake.UrgencyUrgent, m.set.SLA)
	return p
}

// urgentCallback is the alert of a petition a supplement made urgent.
func (m *Machine) urgentCallback(c *Case, official string, msg *Message) *intake.Callback {
	return &intake.Callback{Official: official, Phone: msg.Citizen.Phone, Name: msg.Citizen.Name,
		At: msg.At.In(m.set.Location), PetitionID: c.ID, Summary: shorten(c.Summary, 20), Text: callbackText(msg.Text), Reason: intake.CallbackUrgent,
		ContactBy: m.set.Calendar.Deadlines(msg.At, true, m.set.SLA).ContactBy}
}

func firstContact(p *intake.Petition) string {
	if p.Citizen.Phone != "" {
		return p.Citizen.Phone
	}
	if len(p.Contacts) > 0 {
		return p.Contacts[0]
	}
	return ""
}

// category is the citizen's choice if asked, else the suggestion.
func (m *Machine) category(d *Draft, text string) intake.Category {
	if d.Category != "" {
		for _, c := range m.set.Categories {
			if c.Code == d.Category {
				return intake.Category{Code: c.Code, Name: c.Name, Confidence: 1}
			}
		}
	}
	if m.set.Categorize == nil || text == "" {
		return intake.Category{}
	}
	return m.set.Categorize(text)
}

// duplicateOf finds an earlier petition of this citizen, inside the dedup
// window, that says nearly the same.
func (m *Machine) duplicateOf(st *State, c Case, now time.Time) *Case {
	if m.set.DedupWindow <= 0 || c.Folded == "" {
		return nil
	}
	for i := len(st.Cases) - 1; i >= 0; i-- {
		e := &st.Cases[i]
		if now.Sub(e.At) > m.set.DedupWindow {
			break
		}
		if similarity(e.Folded, c.Folded) >= 0.8 {
			return e
		}
	}
	return nil
}

// similarity is the Dice coefficient of the two texts' character bigrams:
// 1 for the same text, near 1 for the same complaint with a word changed.
func similarity(a, b string) float64 {
	ba, bb := bigrams(a), bigrams(b)
	if len(ba) == 0 || len(bb) == 0 {
		if a == b {
			return 1
		}
		return 0
	}
	common := 0
	for g, n := range ba {
		common += min(n, bb[g])
	}
	total := 0
	for _, n := range ba {
		total += n
	}
	for _, n := range bb {
		total += n
	}
	return 2 * float64(common) / float64(total)
}

func bigrams(s string) map[[2]rune]int {
	rs := []rune(s)
	m := make(map[[2]rune]int, len(rs))
	for i := 0; i+1 < len(rs); i++ {
		m[[2]rune{rs[i], rs[i+1]}]++
	}
	return m
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
