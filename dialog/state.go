package dialog

import (
	"time"

	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/understand"
)

// State is one citizen's conversation, stored between messages (as JSON, in
// Redis, by the runtime). Everything the dialog needs to answer is here, so
// a step needs no I/O.
type State struct {
	Draft    *Draft `json:"draft,omitempty"`
	Cases    []Case `json:"cases,omitempty"` // recent petitions, newest last
	OptedOut bool   `json:"opted_out,omitempty"`
	// SilentUntil ends the silence after a flood notice.
	SilentUntil time.Time `json:"silent_until,omitzero"`
	// Preamble keeps greetings sent before the appeal, for its transcript.
	Preamble []intake.Turn `json:"preamble,omitempty"`
	// PromptDue is when a greeting gets its prompt if no appeal follows
	// within the coalesce window.
	PromptDue time.Time `json:"prompt_due,omitzero"`
	// PromptUnclear: the prompt due answers a text with no matter in it.
	PromptUnclear bool    `json:"prompt_unclear,omitempty"`
	Survey        *Survey `json:"survey,omitempty"`
	// Reason is a recorded rating whose reason was asked for.
	Reason *ReasonWait `json:"reason,omitempty"`
	Held   []Held      `json:"held,omitempty"` // bulk messages waiting for quiet hours to end
	// Away is the official's absence as the last message found it;
	// AwayPeriod the period whose auto-reply this citizen got (会后联系:
	// once per citizen per period).
	Away       *Away  `json:"away,omitempty"`
	AwayPeriod string `json:"away_period,omitempty"`
}

// maxCases is how many petitions a conversation remembers (for 查询, the
// survey, supplements and duplicates).
const maxCases = 10

// Draft is an appeal being gathered: what, where, who.
type Draft struct {
	ID       string    `json:"id"` // reserved when the draft opened
	OpenedAt time.Time `json:"opened_at"`
	LastAt   time.Time `json:"last_at"` // the citizen's last message
	// ReplyDue is when the answer to the pending burst is due; zero when
	// nothing waits for an answer.
	ReplyDue     time.Time           `json:"reply_due,omitzero"`
	BurstStarted time.Time           `json:"burst_started,omitzero"`
	Texts        []string            `json:"texts"` // the citizen's words, in order
	Turns        []intake.Turn       `json:"turns"` // the conversation, both sides
	Attachments  []intake.Attachment `json:"attachments,omitempty"`
	Asked        map[string]int      `json:"asked,omitempty"`    // question → times asked
	Awaiting     string              `json:"awaiting,omitempty"` // the question just asked
	Name         string              `json:"name,omitempty"`
	Anonymous    bool                `json:"anonymous,omitempty"`
	Category     string              `json:"category,omitempty"` // chosen by the citizen, when asked
	// PlaceWords is the citizen's answer to "where" in their own words
	// ("菜市场后面"), the place when Place finds none.
	PlaceWords string   `json:"place_words,omitempty"`
	Flags      []string `json:"flags,omitempty"`
	Sources    []string `json:"sources,omitempty"` // originals of forwarded messages
	Away       *Away    `json:"away,omitempty"`    // the official was away while it was written
	Who        Who      `json:"who"`
}

// Who is how the citizen was reached when the draft opened.
type Who struct {
	Channel    string           `json:"channel"`
	Citizen    intake.Citizen   `json:"citizen"`
	ReportedBy *intake.Reporter `json:"reported_by,omitempty"`
	Official   Official         `json:"official"`
	// Written by versions before Citizen (a draft open during an upgrade):
	// read into Citizen by citizen().
	LegacyPhone        string `json:"phone,omitempty"`
	LegacyName         string `json:"name,omitempty"`
	LegacyTelegramUser int64  `json:"telegram_user,omitempty"`
}

// citizen is who the draft is about.
func (w Who) citizen() intake.Citizen {
	c := w.Citizen
	if c.Phone == "" {
		c.Phone = w.LegacyPhone
	}
	if c.Name == "" {
		c.Name = w.LegacyName
	}
	if c.TelegramUser == 0 {
		c.TelegramUser = w.LegacyTelegramUser
	}
	return c
}

// Case is a petition the citizen made.
type Case struct {
	ID       string    `json:"id"`
	CaseID   string    `json:"case_id,omitempty"` // the backend's id, once it answered
	At       time.Time `json:"at"`                // submitted
	Summary  string    `json:"summary"`
	Folded   string    `json:"folded"` // the description folded, for duplicates
	Category string    `json:"category,omitempty"`
	Place    string    `json:"place,omitempty"`
	// PlaceMissing: submitted without the place its matter needs.
	PlaceMissing bool           `json:"place_missing,omitempty"`
	Urgent       bool           `json:"urgent,omitempty"`
	Status       string         `json:"status,omitempty"` // "" until the backend reports one
	StatusAt     time.Time      `json:"status_at,omitzero"`
	Unit         string         `json:"unit,omitempty"`
	Handler      string         `json:"handler,omitempty"`
	Phone        string         `json:"phone,omitempty"` // the handler's
	Duplicate    string         `json:"duplicate_of,omitempty"`
	Rating       string         `json:"rating,omitempty"` // satisfied | understood | unsatisfied | none
	History      []StatusRecord `json:"history,omitempty"`
	Sources      []string       `json:"sources,omitempty"` // originals of the forwarded messages it holds
	// HandedTo is where its statuses were handed over to (Handover):
	// they all go there from then on.
	HandedTo string `json:"handed_to,omitempty"`
	// RevisitAt is when the citizen, satisfied, is asked again (回头看):
	// set for a sample of satisfied cases (Settings.RevisitShare).
	RevisitAt time.Time `json:"revisit_at,omitzero"`
}

// slots is what a draft says so far.
type slots struct {
	describes bool
	place     understand.Location
	// placeMissing: no place found and the matter needs one
	// (understand.NeedsPlace, worked out once: it is not cheap).
	placeMissing bool
	text         string                // the description: the citizen's words joined
	danger       understand.Assessment // what the description says of danger
}

func (d *Draft) asked(q string) int { return d.Asked[q] }

func (d *Draft) ask(q string) {
	if d.Asked == nil {
		d.Asked = map[string]int{}
	}
	d.Asked[q]++
}

func (d *Draft) addFlag(f string) {
	for _, x := range d.Flags {
		if x == f {
			return
		}
	}
	d.Flags = append(d.Flags, f)
}

// lastCase is the newest petition, nil if none.
func (s *State) lastCase() *Case {
	if len(s.Cases) == 0 {
		return nil
	}
	return &s.Cases[len(s.Cases)-1]
}

// findCase finds a petition by our id or the backend's.
func (s *State) findCase(id string) *Case {
	for i := len(s.Cases) - 1; i >= 0; i-- {
		if s.Cases[i].ID == id || (s.Cases[i].CaseID != "" && s.Cases[i].CaseID == id) {
			return &s.Cases[i]
		}
	}
	return nil
}

func (s *State) addCase(c Case) {
	s.Cases = append(s.Cases, c)
	if len(s.Cases) > maxCases {
		s.Cases = s.Cases[len(s.Cases)-maxCases:]
	}
}
