package dialog

import (
	"time"

	"github.com/minsheng/minsheng/intake"
)

// The survey lives where the citizen will answer. A complaint staff
// forward from a Telegram group with the resident's phone is the group's
// conversation, but its status and survey messages go by SMS to the
// resident, whose answer ("1") arrives in the resident's own SMS
// conversation. So the conversation that has the case does not tell the
// citizen itself when the runtime says they are reached elsewhere
// (Input.HandOver): it records the status as always and hands the event
// over (Event.Handover), with what the other conversation needs of a case it
// never saw (StatusInput.Case). That conversation then sends the status
// message or the survey, holds it through quiet hours, keeps its opt-out,
// reminds, expires and takes the rating, as for a petition of its own.

// Handover is a case status event for the conversation that reaches the
// citizen: the runtime delivers Status to it as a status input.
type Handover struct {
	// To is where the citizen is reached, as the runtime gave it
	// (Input.HandOver); opaque to the dialog.
	To     string
	Status StatusInput
}

// HandedCase is a case as the conversation that hands its status over
// knows it: the receiving conversation creates the case from it when it
// never saw it, so the survey names the matter and the unit.
type HandedCase struct {
	CaseID   string    `json:"case_id,omitempty"`
	At       time.Time `json:"at"` // submitted
	Summary  string    `json:"summary,omitempty"`
	Category string    `json:"category,omitempty"`
	Place    string    `json:"place,omitempty"`
	Unit     string    `json:"unit,omitempty"`
	Handler  string    `json:"handler,omitempty"`
	Phone    string    `json:"phone,omitempty"` // the handler's
}

// handOver hands the status event ev of case c to the conversation that
// reaches the citizen, if that is another one; it reports whether it did.
// A case handed over once stays so: all its later statuses go the same
// way, whatever the conversation's address is by then, so that one place
// holds its survey. Whatever this conversation still held for the case (a
// survey waiting for an answer, messages held through quiet hours) is
// dropped: the other conversation tells the citizen from now on, and a
// second survey here would answer for the same petition.
func (m *Machine) handOver(st *State, c *Case, s *StatusInput, ev intake.StatusEvent, to string, out *Output) bool {
	if s.Case != nil {
		return false // handed over to this conversation: it is told here
	}
	if c.HandedTo == "" {
		c.HandedTo = to
	}
	if c.HandedTo == "" {
		return false
	}
	if st.Survey != nil && st.Survey.PetitionID == c.ID {
		st.Survey = nil
	}
	if st.Reason != nil && st.Reason.PetitionID == c.ID {
		st.Reason = nil
	}
	kept := st.Held[:0]
	for _, h := range st.Held {
		if h.Case != c.ID {
			kept = append(kept, h)
		}
	}
	st.Held = kept
	if len(st.Held) == 0 {
		st.Held = nil
	}
	caseID := c.CaseID
	if caseID == "" {
		caseID = ev.CaseID
	}
	out.Events = append(out.Events, Event{Handover: &Handover{To: c.HandedTo, Status: StatusInput{
		PetitionID: c.ID, Event: ev,
		Case: &HandedCase{CaseID: caseID, At: c.At, Summary: c.Summary, Category: c.Category, Place: c.Place,
			Unit: c.Unit, Handler: c.Handler, Phone: c.Phone},
	}}})
	return true
}

// adopt takes in a case handed over by the conversation that has it
// (s.Case): created as that conversation knows it when this one never saw
// it (or forgot it), else completed where this one knows less.
func adopt(st *State, c *Case, s *StatusInput, now time.Time) *Case {
	h := s.Case
	if c == nil {
		at := h.At
		if at.IsZero() {
			at = now
		}
		caseID := h.CaseID
		if caseID == "" {
			caseID = s.Event.CaseID
		}
		st.addCase(Case{ID: s.PetitionID, CaseID: caseID, At: at, Summary: h.Summary, Category: h.Category,
			Place: h.Place, Unit: h.Unit, Handler: h.Handler, Phone: h.Phone})
		return st.lastCase()
	}
	if c.CaseID == "" {
		c.CaseID = h.CaseID
	}
	if c.Summary == "" {
		c.Summary = h.Summary
	}
	if c.Unit == "" {
		c.Unit = h.Unit
	}
	if c.Handler == "" && c.Phone == "" {
		c.Handler, c.Phone = h.Handler, h.Phone
	}
	return c
}
