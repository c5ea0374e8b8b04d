package dialog

import (
	"time"

	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/understand"
)

// statusWords are case statuses as the citizen reads them.
var statusWords = map[string]string{
	"":                      "已登记",
	intake.StatusAccepted:   "已受理",
	intake.StatusAssigned:   "已交办",
	intake.StatusContacted:  "已联系您",
	intake.StatusInProgress: "办理中",
	intake.StatusResolved:   "已办结",
	intake.StatusReopened:   "复核中",
	intake.StatusClosed:     "已办结",
}

// StatusWord is a status in words for the citizen.
func StatusWord(status string) string {
	if w, ok := statusWords[status]; ok {
		return w
	}
	return status
}

// command answers a keyword. A keyword never opens a petition by itself,
// except 人工, which is a request in its own right.
func (m *Machine) command(st *State, in Input, cmd understand.Command, arg string, out *Output) {
	now := in.Now
	msg := in.Message
	if st.Draft != nil {
		st.Draft.Turns = append(st.Draft.Turns, intake.Turn{At: msg.At.In(m.set.Location).Truncate(time.Second), From: "citizen", Text: msg.Text})
		st.Draft.LastAt = msg.At
	}
	switch cmd {
	case understand.Query:
		m.query(st, now, out, arg)
	case understand.Cancel:
		if st.Draft == nil {
			m.say(st, now, out, "cancel_none", Data{})
			return
		}
		st.Draft = nil
		m.say(st, now, out, "cancel", Data{})
	case understand.Human:
		m.human(st, in, out)
	case understand.Help:
		m.say(st, now, out, "help", Data{})
	case understand.Unsubscribe:
		st.OptedOut = true
		m.say(st, now, out, "unsubscribe", Data{})
	case understand.Subscribe:
		st.OptedOut = false
		m.say(st, now, out, "subscribe", Data{})
	}
}

// query lists the citizen's last three petitions, or one by id.
func (m *Machine) query(st *State, now time.Time, out *Output, id string) {
	if id != "" {
		c := st.findCase(id)
		if c == nil {
			m.say(st, now, out, "query_unknown", Data{ID: id})
			return
		}
		m.say(st, now, out, "query_one", Data{ID: c.publicID(), Status: StatusWord(c.Status), Unit: c.Unit, Handler: c.Handler, Phone: c.Phone})
		return
	}
	if len(st.Cases) == 0 {
		m.say(st, now, out, "query_none", Data{})
		return
	}
	var lines []CaseLine
	for i := len(st.Cases) - 1; i >= 0 && len(lines) < 3; i-- {
		c := &st.Cases[i]
		lines = append(lines, CaseLine{ID: c.publicID(), Status: StatusWord(c.Status)})
	}
	m.say(st, now, out, "query", Data{Cases: lines})
}

// human asks for a person: the open draft goes now, flagged; else the last
// petition gets a supplement; else a petition is made of the request itself.
func (m *Machine) human(st *State, in Input, out *Output) {
	now := in.Now
	if st.Draft == nil {
		if c := m.recentCase(st, now); c != nil {
			out.Events = append(out.Events, Event{Supplement: &intake.Supplement{
				PetitionID: c.ID, CaseID: c.CaseID, Text: "市民要求工作人员回电（" + in.Message.Text + "）",
				Attachments: []intake.Attachment{}, At: in.Message.At.In(m.set.Location),
			}})
			m.say(st, now, out, "human", Data{ID: c.publicID()})
			return
		}
		m.open(st, in)
		st.Draft.Texts = append(st.Draft.Texts, in.Message.Text)
		st.Draft.Turns = append(st.Draft.Turns, intake.Turn{At: in.Message.At.In(m.set.Location).Truncate(time.Second), From: "citizen", Text: in.Message.Text})
	}
	st.Draft.addFlag(intake.FlagCallbackRequested)
	m.submit(st, now, out, m.slots(st.Draft))
}
