package dialog

import (
	"time"

	"github.com/minsheng/minsheng/intake"
)

// 会后联系: a citizen who writes to an official who is busy (a meeting) or
// off hours learns so once per period, in the first answer they get: the
// receipt says both (one SMS, not two), and a prompt or a question becomes
// the auto-reply, which asks for what and where itself. The dialog goes on
// as usual; the official gets the citizen on their call-back list.

// missedCall answers a call nobody took: the auto-reply by SMS inviting
// the caller to text (every call: they just tried again), and a call-back
// item, one per citizen per period (per day when the official was not away,
// only unreachable). Texts that follow in the period get no second
// auto-reply. The call is kept for the transcript of what follows.
func (m *Machine) missedCall(st *State, official string, msg *Message, now time.Time, out *Output) {
	a := st.Away
	tpl, period := "missed_call_auto_reply", "m"+msg.At.In(m.set.Location).Format("20060102")
	data := Data{}
	if a != nil {
		tpl, period, data.Official = awayTemplates[a.Kind][0], a.Period, a.Who
	}
	st.Preamble = append(st.Preamble, intake.Turn{At: msg.At.In(m.set.Location).Truncate(time.Second), From: "citizen", Text: "（来电未接通）"})
	if len(st.Preamble) > 5 {
		st.Preamble = st.Preamble[len(st.Preamble)-5:]
	}
	out.Events = append(out.Events, Event{Callback: &intake.Callback{
		Official: official, Period: period, Phone: msg.Citizen.Phone, Name: msg.Citizen.Name, At: msg.At.In(m.set.Location),
		Reason: intake.CallbackMissedCall, ContactBy: m.set.Calendar.Deadlines(msg.At, false, m.set.SLA).ContactBy,
	}})
	st.AwayPeriod = period
	out.Replies = append(out.Replies, m.reply(tpl, data))
}

// awayTemplates are the auto-reply and the combined receipt, by kind.
var awayTemplates = map[string][2]string{
	AwayBusy:     {"meeting_auto_reply", "receipt_busy"},
	AwayOffHours: {"off_hours_auto_reply", "receipt_off_hours"},
}

// awayFirst turns the first answer of an away period into the auto-reply
// (or the combined receipt), and notes the citizen for a call back.
func (m *Machine) awayFirst(st *State, now time.Time, out *Output, r Reply) Reply {
	a := st.Away
	if a == nil || st.AwayPeriod == a.Period || r.Bulk {
		return r
	}
	names, ok := awayTemplates[a.Kind]
	if !ok {
		return r
	}
	data := Data{Official: a.Who, ID: r.Case}
	switch r.Template {
	case "receipt", "receipt_incomplete":
		// The petition's own call-back item (official_busy) follows it.
		r = Reply{Template: names[1], Text: m.tpl.Render(names[1], data), Case: r.Case, AskContact: r.AskContact, Vars: VarsOf(data)}
	case "prompt", "ask_what", "ask_where":
		r = Reply{Template: names[0], Text: m.tpl.Render(names[0], data), Vars: VarsOf(data)}
		cb := &intake.Callback{Official: a.Number, Period: a.Period, At: now.In(m.set.Location), Reason: intake.CallbackBusy,
			ContactBy: m.set.Calendar.Deadlines(now, false, m.set.SLA).ContactBy}
		if d := st.Draft; d != nil {
			cb.Phone, cb.Name, cb.Summary = d.Who.citizen().Phone, d.Who.citizen().Name, summary(strings20(d.Texts))
		}
		out.Events = append(out.Events, Event{Callback: cb})
	default:
		return r
	}
	st.AwayPeriod = a.Period
	return r
}

// callbackFor is the call-back item a submitted petition asks for, if any:
// written while the official was away, unclear, or asking for a person.
func (m *Machine) callbackFor(d *Draft, p *intake.Petition, now time.Time) *intake.Callback {
	reason, period := "", ""
	switch {
	case p.HasFlag(intake.FlagCallbackRequested):
		reason = intake.CallbackRequested
	case d.Away != nil:
		reason, period = intake.CallbackBusy, d.Away.Period
	case p.HasFlag(intake.FlagIncomplete):
		reason = intake.CallbackIncomplete
	default:
		return nil
	}
	if d.Away != nil {
		period = d.Away.Period // one item per citizen per period, whatever the reason
	}
	phone := p.Citizen.Phone
	if phone == "" && len(p.Contacts) > 0 {
		phone = p.Contacts[0]
	}
	return &intake.Callback{
		Official: p.AddressedTo.Number, Period: period, Phone: phone, Name: p.Citizen.Name,
		At: p.ReceivedAt, PetitionID: p.ID, Summary: summary20(p.Description), Text: callbackText(p.Description), Reason: reason,
		ContactBy: p.Deadlines.ContactBy,
	}
}

// summary20 is the call-back list's few words of a matter.
func summary20(s string) string { return matterWords(s, 20) }

// callbackText is the matter as a call-back item keeps it for whoever
// calls back: the citizen's words, spaces folded, at most 500 characters.
func callbackText(s string) string { return shorten(s, 500) }

func strings20(texts []string) string {
	var all string
	for _, t := range texts {
		all += t
		if len([]rune(all)) > 20 {
			break
		}
	}
	return all
}

// IsAutoReply reports whether a reply template is a 会后联系 auto-reply (or
// the receipt that carries one), for the office's counts.
func IsAutoReply(template string) bool {
	for _, names := range awayTemplates {
		if template == names[0] || template == names[1] {
			return true
		}
	}
	return false
}
