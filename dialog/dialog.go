// Package dialog is the intake conversation as a pure state machine:
// (state, input, now) → (state, replies, events). It does no I/O and has no
// clock of its own: the runtime (bot) loads the state, feeds inputs in
// arrival order, and commits the state with the replies and events at once.
package dialog

import (
	"time"

	"github.com/minsheng/minsheng/intake"
)

// Kind is what happened to a conversation.
type Kind string

// Kinds of input.
const (
	KindMessage Kind = "message" // the citizen wrote
	KindTick    Kind = "tick"    // a timer the dialog asked for is due
	KindFlush   Kind = "flush"   // submit whatever is open now (e.g. the console closes)
	KindOptOut  Kind = "optout"  // the carrier says the citizen unsubscribed
)

// Message is what the citizen sent.
type Message struct {
	Channel      string
	From         string // the citizen's address on the channel
	Phone        string // the citizen's phone, if known
	To           string // the published number written to
	Text         string
	Attachments  []intake.Attachment
	At           time.Time
	PetitionID   string // an id reserved for a petition this message may open
	SenderName   string
	TelegramUser int64
	ReportedBy   *intake.Reporter
}

// Official is who the citizen wrote to, as the runtime knows it.
type Official struct {
	Number string
	Name   string
	Title  string
}

// Input is one thing that happened, in arrival order.
type Input struct {
	Kind     Kind
	Message  *Message
	Official Official
	Now      time.Time
	// Flood is how many messages the sender sent in the flood window,
	// this one included (0 when not counted).
	Flood int64
}

// Reply is a message to the citizen.
type Reply struct {
	Template string
	Text     string
	Bulk     bool // status or survey, not an answer to a message
}

// Event is something the rest of the system must act on.
type Event struct {
	Submit *intake.Petition // a petition to deliver to the backend
}

// Output is what one step produced.
type Output struct {
	Replies []Reply
	Events  []Event
	WakeAt  time.Time // when to tick this conversation next; zero: no timer
}

// State is one citizen's conversation, stored between messages.
type State struct {
	Cases    []Case `json:"cases,omitempty"` // the citizen's recent petitions, newest last
	OptedOut bool   `json:"opted_out,omitempty"`
}

// Case is a petition the citizen has made.
type Case struct {
	ID      string    `json:"id"`
	At      time.Time `json:"at"`
	Summary string    `json:"summary"`
}

// Settings are the dialog's knobs (from config).
type Settings struct {
	Location *time.Location
	// FloodMax is how many messages a sender may send in the flood window
	// before getting one notice and then silence (0: no limit).
	FloodMax int
}

// Machine runs the dialog. It is immutable and safe for concurrent use.
type Machine struct {
	set Settings
	tpl *Templates
}

// New builds a machine.
func New(set Settings, tpl *Templates) *Machine {
	if set.Location == nil {
		set.Location = time.UTC
	}
	return &Machine{set: set, tpl: tpl}
}

// Step applies one input to the state.
func (m *Machine) Step(st *State, in Input) Output {
	out := m.step(st, in)
	// Over the flood limit: everything is still recorded, but the sender
	// gets one notice and then silence until the window passes.
	if max := int64(m.set.FloodMax); max > 0 && in.Flood > max {
		out.Replies = nil
		if in.Flood == max+1 {
			out.Replies = []Reply{{Template: "flood", Text: m.tpl.Render("flood", nil)}}
		}
	}
	return out
}

func (m *Machine) step(st *State, in Input) Output {
	var out Output
	if in.Kind == KindOptOut {
		st.OptedOut = true
		return out
	}
	if in.Kind != KindMessage || in.Message == nil || in.Message.Text == "" {
		return out
	}
	msg := in.Message
	p := &intake.Petition{
		SchemaVersion: intake.SchemaVersion,
		ID:            msg.PetitionID,
		ReceivedAt:    msg.At.In(m.set.Location),
		Channel:       msg.Channel,
		Citizen:       intake.Citizen{Phone: msg.Phone, Name: msg.SenderName, TelegramUser: msg.TelegramUser},
		ReportedBy:    msg.ReportedBy,
		AddressedTo:   intake.Addressee{Number: in.Official.Number, Name: in.Official.Name, Title: in.Official.Title},
		Description:   msg.Text,
		Urgency:       intake.UrgencyNormal,
		Contacts:      []string{},
		Attachments:   append([]intake.Attachment{}, msg.Attachments...),
		Transcript:    []intake.Turn{{At: msg.At.In(m.set.Location), From: "citizen", Text: msg.Text}},
		Flags:         []string{},
	}
	if msg.Phone != "" {
		p.Contacts = append(p.Contacts, msg.Phone)
	}
	st.Cases = append(st.Cases, Case{ID: p.ID, At: msg.At, Summary: msg.Text})
	out.Events = append(out.Events, Event{Submit: p})
	out.Replies = append(out.Replies, Reply{Template: "receipt", Text: m.tpl.Render("receipt", map[string]any{"ID": p.ID})})
	return out
}

// WakeAt is when the conversation next needs a tick (a coalesced reply, an
// idle draft, a survey reminder); zero when nothing is pending.
func (m *Machine) WakeAt(st *State) time.Time {
	return time.Time{}
}
