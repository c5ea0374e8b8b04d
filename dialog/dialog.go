// Package dialog is the intake conversation as a pure state machine:
// (state, input, now) → (state, replies, events). It does no I/O and has no
// clock of its own: the runtime (bot) loads the state, feeds inputs in
// arrival order, and commits the state with the replies and events at once.
//
// The conversation gathers what, where and who in as few messages as
// possible: a complete first message gets exactly one reply, the receipt;
// missing pieces are asked one at a time (what, then where), each at most
// twice; greetings alone open nothing; a burst of messages is answered once;
// a message soon after a receipt is added to that petition; an idle draft is
// submitted as it is, so nothing a citizen sent is ever dropped.
package dialog

import (
	"time"

	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/understand"
	"github.com/minsheng/minsheng/intake/workday"
)

// Kind is what happened to a conversation.
type Kind string

// Kinds of input.
const (
	KindMessage   Kind = "message"   // the citizen wrote
	KindTick      Kind = "tick"      // a timer the dialog asked for (WakeAt) may be due
	KindFlush     Kind = "flush"     // submit whatever is open now (e.g. the console closes)
	KindOptOut    Kind = "optout"    // the carrier says the citizen unsubscribed
	KindStatus    Kind = "status"    // the backend reports a case status
	KindDelivered Kind = "delivered" // the backend took a petition under its case id
)

// Message is what the citizen sent (or staff sent on their behalf).
type Message struct {
	Channel string
	// Citizen is who the petition is about, as far as the channel knows
	// (a phone, a name, a chat account): channel-neutral, copied into the
	// petition as it is.
	Citizen     intake.Citizen
	Text        string // cleaned (no control characters), original script
	Attachments []intake.Attachment
	At          time.Time
	PetitionID  string           // an id reserved for a petition this message may open
	ReportedBy  *intake.Reporter // staff who forwarded the complaint, nil when the citizen wrote
	// Window is this channel's burst window (staff forwarding several
	// messages of one resident); 0: Settings.CoalesceWindow.
	Window time.Duration
	// Source identifies the original of a forwarded message (its chat and
	// message id): the same original forwarded again is the same petition.
	Source string
	// For is the petition this message adds to (a reply to its receipt).
	For string
	// WrittenAt is when the resident wrote a forwarded message (its
	// transcript time); zero: At.
	WrittenAt time.Time
	// Call: the citizen called the official's number and nobody answered
	// (busy, off hours, no answer). No text: they get the auto-reply
	// inviting them to text, and a call-back item.
	Call bool
}

// Official is who the citizen wrote to, as the runtime knows it.
type Official struct {
	Number string `json:"number"`
	Name   string `json:"name,omitempty"`
	Title  string `json:"title,omitempty"`
	County string `json:"county,omitempty"`
	// Away is set when the official is busy or off hours as the message
	// arrives (会后联系).
	Away *Away `json:"-"`
}

// Away says an official cannot answer now.
type Away struct {
	Kind   string    `json:"kind"`   // busy | off_hours
	Period string    `json:"period"` // this busy or off-hours period
	Until  time.Time `json:"until,omitzero"`
	Reason string    `json:"reason,omitempty"` // 开会…
	Number string    `json:"number"`
	Who    string    `json:"who,omitempty"` // title and name, for the auto-reply
}

// Kinds of Away.
const (
	AwayBusy     = "busy"
	AwayOffHours = "off_hours"
)

// Input is one thing that happened, in arrival order.
type Input struct {
	Kind     Kind
	Message  *Message
	Official Official
	Now      time.Time
	// Flood is how many messages the sender sent in the flood window,
	// this one included (0 when not counted).
	Flood     int64
	Status    *StatusInput
	Delivered *DeliveredInput
	// HandOver, set by the runtime, says the citizen is reached through
	// another conversation (its address, opaque here): a status event is
	// recorded and handed over to it, not told (see Handover).
	HandOver string
}

// Reply is a message to the citizen.
type Reply struct {
	Template string
	Text     string
	Bulk     bool     // status or survey, not an answer to a message
	Buttons  []string // answers to offer where the channel has buttons
	// Case is the petition the reply is about (receipt, status, survey),
	// so a channel can take an answer to it back to that petition.
	Case string
	// AskContact: the reply promises a call back and no phone is known;
	// a channel that can ask for one (Telegram's contact button) does.
	AskContact bool
	// Vars are the template's data as text by variable name (VarsOf), for
	// a channel that sends approved templates with variables instead of
	// text (a mainland SMS gateway).
	Vars map[string]string
}

// Event is something the rest of the system must act on; one field is set.
type Event struct {
	Submit     *intake.Petition   // a petition to deliver to the backend
	Supplement *intake.Supplement // an addition to a delivered petition
	Rating     *intake.Rating     // the citizen's survey answer
	Callback   *intake.Callback   // someone for the official or staff to call back
	Handover   *Handover          // a status for the conversation that reaches the citizen
}

// Output is what one step produced.
type Output struct {
	Replies []Reply
	Events  []Event
	// NoMatter counts messages with no matter in them ("asdfghjkl",
	// "123456"): kept, answered with a prompt, and counted for the office.
	NoMatter int
	// HeldUntil is set when a status or survey message was held through
	// quiet hours: the end of them, when it goes.
	HeldUntil time.Time
}

// CategoryInfo is a category as the dialog needs it.
type CategoryInfo struct {
	Code, Name string
	Urgent     bool
}

// Settings are the dialog's knobs (from config).
type Settings struct {
	Location         *time.Location
	CoalesceWindow   time.Duration // answer a burst once (0: answer each message)
	SupplementWindow time.Duration // after a receipt, messages add to it
	IdleSubmitAfter  time.Duration // submit a draft left idle, flagged incomplete
	DedupWindow      time.Duration // link near-identical appeals of one citizen
	AskName          bool
	AskCategory      bool
	// FloodMax is how many messages a sender may send in FloodWindow
	// before getting one notice and then silence (0: no limit).
	FloodMax    int
	FloodWindow time.Duration
	Places      []understand.KnownPlace
	// UrgentWords are danger words added to the built-in ones; a petition
	// that says one is urgent (understand.NewUrgencyRules).
	UrgentWords []string
	Categories  []CategoryInfo
	// Categorize suggests a category for a description (nil: none).
	Categorize func(text string) intake.Category
	// MinCategoryConfidence: a suggested category less sure than this
	// flags the petition category_uncertain (0: never).
	MinCategoryConfidence float64
	Calendar              *workday.Calendar
	SLA                   workday.SLA
	// Notify lists the statuses told to the citizen (resolved always
	// starts the survey).
	Notify            map[string]bool
	Quiet             QuietHours // no status or survey message inside
	SurveyRemindAfter time.Duration
	SurveyExpireAfter time.Duration
	SurveyWords       map[string]string // extra answers: word → rating
	// RevisitShare of the cases the citizen rated 满意 are asked again
	// RevisitAfter later whether the problem stayed solved (回头看); 0: none.
	RevisitShare float64
	RevisitAfter time.Duration
}

// Machine runs the dialog. It is immutable and safe for concurrent use.
type Machine struct {
	set     Settings
	tpl     *Templates
	urgency *understand.UrgencyRules
	places  *understand.PlaceIndex // set.Places, compiled once
}

// New builds a machine.
func New(set Settings, tpl *Templates) *Machine {
	if set.Location == nil {
		set.Location = time.UTC
	}
	if set.Calendar == nil {
		set.Calendar = &workday.Calendar{Loc: set.Location}
	}
	if tpl == nil {
		tpl, _ = NewTemplates(nil)
	}
	return &Machine{set: set, tpl: tpl, urgency: understand.NewUrgencyRules(set.UrgentWords), places: understand.NewPlaceIndex(set.Places)}
}

// Step applies one input to the state.
func (m *Machine) Step(st *State, in Input) Output {
	var out Output
	m.upgradeSurvey(st, in.Now, &out)
	if in.Kind == KindMessage {
		st.Away = in.Official.Away // nil when the official is available now
	}
	switch in.Kind {
	case KindOptOut:
		st.OptedOut = true
	case KindMessage:
		if in.Message != nil {
			m.message(st, in, &out)
		}
	case KindTick:
		m.tick(st, in.Now, &out)
		m.surveyTick(st, in.Now, &out)
		m.revisitTick(st, in.Now, &out)
		m.releaseHeld(st, in.Now, &out)
	case KindStatus:
		if in.Status != nil {
			m.status(st, in.Now, in.Status, in.HandOver, &out)
		}
	case KindDelivered:
		if in.Delivered != nil {
			m.delivered(st, in.Delivered)
		}
	case KindFlush:
		if st.Draft != nil {
			m.submit(st, in.Now, &out, m.slots(st.Draft))
		}
	}
	// Over the flood limit: everything is still recorded, but the sender
	// gets one notice and then silence until the window passes — also for
	// answers that fall due later (coalesced bursts, idle drafts).
	if max := int64(m.set.FloodMax); max > 0 && in.Flood > max {
		until := in.Now.Add(m.set.FloodWindow)
		if until.After(st.SilentUntil) {
			st.SilentUntil = until
		}
		out.Replies = nil
		if in.Flood == max+1 {
			out.Replies = []Reply{m.reply("flood", Data{})}
		}
	} else if in.Now.Before(st.SilentUntil) {
		kept := out.Replies[:0]
		for _, r := range out.Replies {
			if r.Bulk { // status and survey messages are not answers to the flood
				kept = append(kept, r)
			}
		}
		out.Replies = kept
	}
	return out
}

// WakeAt is when the conversation next needs a tick (a coalesced answer, an
// idle draft); zero when nothing is pending.
func (m *Machine) WakeAt(st *State) time.Time {
	var at time.Time
	earliest := func(t time.Time) {
		if !t.IsZero() && (at.IsZero() || t.Before(at)) {
			at = t
		}
	}
	if d := st.Draft; d != nil {
		earliest(d.ReplyDue)
		if m.set.IdleSubmitAfter > 0 {
			earliest(d.LastAt.Add(m.set.IdleSubmitAfter))
		}
	}
	if st.Draft == nil {
		earliest(st.PromptDue)
	}
	earliest(m.surveyWake(st))
	for i := range st.Cases {
		earliest(st.Cases[i].RevisitAt)
	}
	if len(st.Held) > 0 && m.set.Quiet.Start != m.set.Quiet.End {
		earliest(m.quietEnd(st.Held[0].At))
	}
	return at
}

// tick acts on whatever timer is due.
func (m *Machine) tick(st *State, now time.Time, out *Output) {
	d := st.Draft
	if d == nil {
		if !st.PromptDue.IsZero() && !now.Before(st.PromptDue) {
			st.PromptDue = time.Time{}
			m.say(st, now, out, "prompt", Data{})
		}
		return
	}
	switch {
	case !d.ReplyDue.IsZero() && !now.Before(d.ReplyDue):
		m.respond(st, now, out)
	case m.set.IdleSubmitAfter > 0 && !now.Before(d.LastAt.Add(m.set.IdleSubmitAfter)):
		// Idle: submitted as it is; staff call back if pieces are missing.
		m.submit(st, now, out, m.slots(d))
	}
}

func (m *Machine) reply(name string, data Data) Reply {
	return Reply{Template: name, Text: m.tpl.Render(name, data), Vars: VarsOf(data)}
}

// say adds a reply and, when a draft is open, its transcript.
func (m *Machine) say(st *State, now time.Time, out *Output, name string, data Data) {
	m.sayReply(st, now, out, m.reply(name, data))
}

// sayReply is say for a reply built by the caller (a case, buttons).
func (m *Machine) sayReply(st *State, now time.Time, out *Output, r Reply) {
	r = m.awayFirst(st, now, out, r)
	out.Replies = append(out.Replies, r)
	if st.Draft != nil {
		st.Draft.Turns = append(st.Draft.Turns, intake.Turn{At: now.In(m.set.Location).Truncate(time.Second), From: "bot", Text: r.Text})
	}
}
