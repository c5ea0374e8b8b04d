package dialog

import (
	"strings"
	"time"

	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/textnorm"
	"github.com/minsheng/minsheng/intake/understand"
)

// maxSources is how many forwarded originals a case remembers.
const maxSources = 20

// reported handles a message staff sent on a resident's behalf: a
// complaint forwarded from a group chat, a staff member's reply to the
// bot's receipt (For), or the resident's survey answer recorded by staff.
// Staff are not the citizen: nothing is asked of them, keywords are the
// resident's words, and the same complaint forwarded twice is one petition.
func (m *Machine) reported(st *State, in Input, out *Output) {
	msg, now := in.Message, in.Now
	if msg.For != "" {
		if s := st.Survey; s != nil && s.PetitionID == msg.For {
			if rating, ok := understand.ParseRating(msg.Text, m.set.SurveyWords); ok {
				m.answerRating(st, st.findCase(msg.For), rating, solvedOf(msg.Text, s.Solved), msg, now, out)
				return
			}
		}
		if c := st.findCase(msg.For); c != nil {
			m.addToCase(st, c, in.Official.Number, msg, out)
			return
		}
	}
	if st.Draft == nil {
		if c := m.reportedBefore(st, msg, now); c != nil {
			r := m.reply("reported_again", Data{ID: c.publicID()})
			r.Case = c.ID
			m.sayReply(st, now, out, r)
			return
		}
		m.open(st, in)
	} else if contains(st.Draft.Sources, msg.Source) {
		return // the same original twice within one burst
	}
	written := msg.WrittenAt
	if written.IsZero() {
		written = msg.At
	}
	turn := intake.Turn{At: written.In(m.set.Location).Truncate(time.Second), From: "citizen", Text: msg.Text}
	m.addToDraft(st, msg, now, out, turn, false)
}

// reportedBefore finds the petition a forwarded message already is: the
// same original (chat and message), or nearly the same text within the
// dedup window.
func (m *Machine) reportedBefore(st *State, msg *Message, now time.Time) *Case {
	folded := textnorm.Compact(msg.Text)
	for i := len(st.Cases) - 1; i >= 0; i-- {
		c := &st.Cases[i]
		if msg.Source != "" && contains(c.Sources, msg.Source) {
			return c
		}
		if folded != "" && m.set.DedupWindow > 0 && now.Sub(c.At) <= m.set.DedupWindow && similarity(c.Folded, folded) >= 0.8 {
			return c
		}
	}
	return nil
}

// missing says what a staff-reported petition lacks, for its receipt.
func missing(s slots, p *intake.Petition) string {
	var what []string
	if !s.describes {
		what = append(what, "问题内容")
	}
	if s.placeMissing {
		what = append(what, "地点")
	}
	if len(p.Contacts) == 0 {
		what = append(what, "联系电话")
	}
	return strings.Join(what, "、")
}

func lastN(list []string, n int) []string {
	if len(list) > n {
		return append([]string(nil), list[len(list)-n:]...)
	}
	return list
}
