// Package intake is the petition: its model, the text understanding that
// fills it, working-day deadlines, and the case backends (file, webhook,
// open311) that receive it through a durable outbox.
//
// intake never imports bot: the runtime calls into intake, not the reverse.
package intake

import "time"

// SchemaVersion is the version of the petition JSON shape sent to backends.
const SchemaVersion = 1

// Flags a petition may carry.
const (
	FlagIncomplete        = "incomplete"         // submitted with slots missing; staff call back
	FlagCallbackRequested = "callback_requested" // the citizen asked for a person (人工)
	FlagOfficialBusy      = "official_busy"      // written to an official who was busy (会后联系)
	FlagCategoryUncertain = "category_uncertain" // the suggested category's confidence is below intake.classifier.min_confidence
	FlagEmergency         = "emergency"          // danger to people now: the citizen was told to call 119/120/110
)

// Urgency levels.
const (
	UrgencyNormal = "normal"
	UrgencyUrgent = "urgent"
)

// Petition is one citizen appeal (诉求) in the shape the case backend receives.
// The JSON field names are the backend contract (docs/backend-openapi.yaml); do not rename.
type Petition struct {
	SchemaVersion int       `json:"schema_version"`
	Type          string    `json:"type,omitempty"`    // "petition" in the file backend
	CaseID        string    `json:"case_id,omitempty"` // the backend's id, once it answered
	ID            string    `json:"id"`
	ReceivedAt    time.Time `json:"received_at"`
	Channel       string    `json:"channel"`
	Citizen       Citizen   `json:"citizen"`
	ReportedBy    *Reporter `json:"reported_by"`
	AddressedTo   Addressee `json:"addressed_to"`
	Description   string    `json:"description"`
	Location      Location  `json:"location"`
	Category      Category  `json:"category"`
	Urgency       string    `json:"urgency"`
	// AppealType is what kind of appeal it is (诉求类型): consult (咨询),
	// complaint (投诉), suggestion (建议), help (求助) or praise (表扬),
	// read from the words (intake/understand.AppealType).
	AppealType  string       `json:"appeal_type,omitempty"`
	Contacts    []string     `json:"contacts"`
	Attachments []Attachment `json:"attachments"`
	Transcript  []Turn       `json:"transcript"`
	DuplicateOf string       `json:"duplicate_of"`
	// HotIssue is the hot issue (热点) the petition belongs to, nil when it
	// names no place finer than a region. The outbox sets it on delivery.
	HotIssue  *HotIssue `json:"hot_issue"`
	Deadlines Deadlines `json:"deadlines"`
	Flags     []string  `json:"flags"`
}

// HotIssue is a group of petitions from different citizens about one matter
// at one place (intake/hot), as it was when the petition joined it.
type HotIssue struct {
	ID    string `json:"id"`    // "hot-" and its first petition's id; the same for every petition in it
	Title string `json:"title"` // "<place>·<matter>", at most 20 characters
	Size  int    `json:"size"`  // distinct citizens so far, this petition's included
}

// Citizen is the person the petition is about and who gets the answers.
type Citizen struct {
	Phone        string `json:"phone"`
	Name         string `json:"name"`
	Anonymous    bool   `json:"anonymous"`
	TelegramUser int64  `json:"telegram_user"`
}

// Reporter is the staff member who forwarded a complaint seen in a group.
type Reporter struct {
	Name         string `json:"name"`
	TelegramUser int64  `json:"telegram_user"`
	Chat         int64  `json:"chat,omitempty"`       // the group it was forwarded in
	ChatTitle    string `json:"chat_title,omitempty"` // that group's name
}

// Addressee is the published number (official or hotline) the citizen wrote to.
type Addressee struct {
	Number string `json:"number"`
	Name   string `json:"name"`
	Title  string `json:"title"`
}

// Location is where the problem is.
type Location struct {
	Text   string `json:"text"`
	County string `json:"county"`
	Town   string `json:"town"`
}

// Category is the suggested category of the matter.
type Category struct {
	Code       string  `json:"code"`
	Name       string  `json:"name"`
	Confidence float64 `json:"confidence"`
	// Subcategory is the suggested second-level category of the taxonomy
	// (物业服务 under 城乡建设…), "" when the text does not say.
	Subcategory string `json:"subcategory,omitempty"`
}

// Attachment is a file the citizen sent, by URL; it is not downloaded.
type Attachment struct {
	Kind string `json:"kind"` // image, audio, video, file
	URL  string `json:"url"`
	Type string `json:"content_type,omitempty"`
	// FileID is the provider's id of the file (Telegram file_id), which
	// outlives the URL: Telegram's download links last about an hour.
	FileID string `json:"file_id,omitempty"`
}

// Turn is one message of the conversation that produced the petition.
type Turn struct {
	At   time.Time `json:"at"`
	From string    `json:"from"` // citizen | bot | staff
	Text string    `json:"text"`
}

// Deadlines are the handling promises, computed in working days.
type Deadlines struct {
	AssignBy  time.Time `json:"assign_by"`
	ContactBy time.Time `json:"contact_by"`
	ResolveBy time.Time `json:"resolve_by"`
}

// HasFlag reports whether the petition carries flag f.
func (p *Petition) HasFlag(f string) bool {
	for _, x := range p.Flags {
		if x == f {
			return true
		}
	}
	return false
}

// AddFlag adds f once.
func (p *Petition) AddFlag(f string) {
	if !p.HasFlag(f) {
		p.Flags = append(p.Flags, f)
	}
}

// Callback asks the official (or their staff) to call a citizen back: a
// citizen wrote or called while the official was busy or off hours, or a
// petition is unclear (incomplete) or asks for a person (callback_requested).
// Items of one citizen in one busy period are one item: later ones fill in
// the petition.
type Callback struct {
	Official   string    `json:"official"`         // the published number written or called to
	Period     string    `json:"period,omitempty"` // the busy or off-hours period it arose in
	Phone      string    `json:"phone,omitempty"`  // whom to call
	Name       string    `json:"name,omitempty"`
	At         time.Time `json:"at"` // when the citizen wrote or called
	PetitionID string    `json:"petition_id,omitempty"`
	Summary    string    `json:"summary,omitempty"` // a few words of the matter
	// Text is the matter in the citizen's words (at most 500 characters),
	// for whoever calls back: the office page's call-back list.
	Text      string    `json:"text,omitempty"`
	Reason    string    `json:"reason"`     // official_busy | incomplete | callback_requested | missed_call | urgent
	ContactBy time.Time `json:"contact_by"` // the 3-day contact deadline
	// Emergency is the numbers the citizen was told to call now (an
	// urgent item's alert says so): "119", "119、120".
	Emergency string `json:"emergency,omitempty"`
}

// Call-back reasons.
const (
	CallbackBusy       = FlagOfficialBusy
	CallbackIncomplete = FlagIncomplete
	CallbackRequested  = FlagCallbackRequested
	CallbackMissedCall = "missed_call"
	// CallbackUrgent: an urgent petition; the office is alerted at once,
	// whatever the schedule.
	CallbackUrgent = UrgencyUrgent
)

// Supplement is text or files a citizen added to a petition after its receipt.
type Supplement struct {
	Type        string       `json:"type,omitempty"` // "supplement" in the file backend
	PetitionID  string       `json:"petition_id"`
	CaseID      string       `json:"case_id"`
	Text        string       `json:"text"`
	Attachments []Attachment `json:"attachments"`
	At          time.Time    `json:"at"`
	// Urgency is "urgent" when this supplement reports danger that made
	// the petition urgent (it was not); absent otherwise.
	Urgency string `json:"urgency,omitempty"`
	// Emergency: the supplement reports danger to people now; the citizen
	// was told to call 119/120/110.
	Emergency bool `json:"emergency,omitempty"`
}

// Ratings of the satisfaction survey (回访).
const (
	RatingSatisfied   = "satisfied"   // 满意
	RatingUnderstood  = "understood"  // 理解 / 基本满意
	RatingUnsatisfied = "unsatisfied" // 不满意
)

// Rating is the citizen's answer to the satisfaction survey.
type Rating struct {
	Type       string    `json:"type,omitempty"` // "rating" in the file backend
	PetitionID string    `json:"petition_id"`
	CaseID     string    `json:"case_id"`
	Rating     string    `json:"rating"` // satisfied | understood | unsatisfied | "" (comment only)
	Comment    string    `json:"comment"`
	At         time.Time `json:"at"`
	// RecordedBy is the staff member who recorded the citizen's answer
	// (电话测评 in a group chat); absent when the citizen answered.
	RecordedBy *Reporter `json:"recorded_by,omitempty"`
	// Solved is whether the citizen says the problem is solved ("1是",
	// "满意 已解决" → true; "3否", "没解决" → false); absent when they did
	// not say.
	Solved *bool `json:"solved,omitempty"`
	// Revisit marks the answer to a 回头看 re-survey, sent some days after
	// a case the citizen was satisfied with; absent for the survey itself.
	Revisit bool `json:"revisit,omitempty"`
}

// Case statuses the backend reports (POST /api/v1/cases/{case_id}/events).
const (
	StatusAccepted   = "accepted"
	StatusAssigned   = "assigned"
	StatusContacted  = "contacted"
	StatusInProgress = "in_progress"
	StatusResolved   = "resolved" // starts the satisfaction survey
	StatusReopened   = "reopened"
	StatusClosed     = "closed"
)

// Handler is the person at the handling unit responsible for a case.
type Handler struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
}

// StatusEvent is a change of a case's status reported by the backend.
type StatusEvent struct {
	CaseID  string    `json:"case_id,omitempty"`
	Status  string    `json:"status"`
	Unit    string    `json:"unit"`
	Handler Handler   `json:"handler"`
	Note    string    `json:"note"`
	At      time.Time `json:"at"`
}

// ReopenRequest is the office asking the backend to re-check (复核) a case
// the citizen rated 不满意 (the office page's 不满意专区).
type ReopenRequest struct {
	Type        string    `json:"type,omitempty"` // "reopen_requested" in the file backend
	PetitionID  string    `json:"petition_id"`
	CaseID      string    `json:"case_id"`
	Reason      string    `json:"reason"` // the citizen's words with the rating
	RequestedBy string    `json:"requested_by"`
	At          time.Time `json:"at"`
}
