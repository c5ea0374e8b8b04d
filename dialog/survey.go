package dialog

import (
	"hash/fnv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/textnorm"
	"github.com/minsheng/minsheng/intake/understand"
)

// Survey is the satisfaction survey (回访) waiting for the citizen's answer.
type Survey struct {
	PetitionID string    `json:"petition_id"`
	SentAt     time.Time `json:"sent_at"`
	Reminded   bool      `json:"reminded,omitempty"`
	Unclear    int       `json:"unclear,omitempty"` // unclear answers so far
	// AwaitingReason is only read from states written before ratings were
	// recorded at once: such a 不满意 is recorded on the next step (see
	// upgradeSurvey).
	AwaitingReason bool `json:"awaiting_reason,omitempty"`
	// Solved is what an unclear answer said of the problem being solved
	// (a bare "是"), kept for the rating that follows.
	Solved *bool `json:"solved,omitempty"`
	// Revisit: this is 回头看, a satisfied case asked again; its answer is
	// recorded with Rating.Revisit, no reason is asked, no reminder sent.
	Revisit bool `json:"revisit,omitempty"`
}

// ReasonWait is a rating already recorded whose reason the bot asked for.
// The rating went to the backend the moment it was clear; a reason sent
// before Until goes as a second rating record with the same rating and the
// reason as its comment. Neither the reminder nor the expiry applies: the
// survey is answered.
type ReasonWait struct {
	PetitionID string    `json:"petition_id"`
	Rating     string    `json:"rating"`
	Until      time.Time `json:"until"`
	// Solved is what the rating's record said of the problem being solved.
	Solved *bool `json:"solved,omitempty"`
}

// reasonWindow is how long a reason is taken after the rating when the
// survey has no reminder time to borrow.
const reasonWindow = 24 * time.Hour

// RevisitTemplate is the reply that asks a satisfied case again (回头看).
const RevisitTemplate = "revisit"

// SurveyButtons are the answers offered where a channel has buttons.
var SurveyButtons = []string{"1 满意", "2 理解", "3 不满意"}

// surveyReply is a question of the survey: with the answers as buttons
// where the channel has them, about case c.
func (m *Machine) surveyReply(c *Case, name string, data Data) Reply {
	r := m.reply(name, data)
	r.Buttons, r.Case = SurveyButtons, c.ID
	return r
}

// surveyWords is how many characters of the matter and the unit's note
// (its "…" included) together keep the survey in one SMS segment with a
// realistic case id, beside the answers and the solved question ("回复1满意
// 2理解3不满意，已解决加是，未解决加否": 24 characters). The matter takes
// what it needs (at most 16: summaryRunes and its "…", or two characters
// that end it); the note the rest, at least surveyNoteMin.
const surveyWords, surveyNoteMin = 20, 4

// NoAnswer is the comment recorded when a survey expires unanswered.
const NoAnswer = "（未回复回访）"

// startSurvey asks how the resolved case went; it reports whether the
// survey went (or is held for the morning).
func (m *Machine) startSurvey(st *State, c *Case, ev intake.StatusEvent, now time.Time, out *Output) bool {
	if s := st.Survey; s != nil && s.PetitionID != c.ID {
		m.rate(st, now, out, "", NoAnswer, nil) // superseded by a newer case's survey
	}
	st.Survey, st.Reason = nil, nil // the next answer is this survey's
	if st.OptedOut {
		return false
	}
	st.Survey = &Survey{PetitionID: c.ID, SentAt: now}
	// The matter's words and the unit's note share what one SMS leaves
	// beside the id and the answers: a longer matter, a shorter note.
	note := max(surveyWords-utf8.RuneCountInString(c.Summary), surveyNoteMin)
	m.bulkReply(st, now, out, m.surveyReply(c, "survey", Data{ID: c.publicID(), Summary: c.Summary, Note: cut(ev.Note, note), Unit: c.Unit}))
	return true
}

// surveyAnswer takes a message while a survey is pending. It reports
// whether the message was an answer; when not (a new appeal), the caller
// goes on with it and the survey stays pending. A rating is recorded the
// moment it is clear, never held back for something optional.
func (m *Machine) surveyAnswer(st *State, msg *Message, now time.Time, out *Output) bool {
	s := st.Survey
	c := st.findCase(s.PetitionID)
	if c == nil {
		st.Survey = nil
		return false
	}
	rating, ok := understand.ParseRating(msg.Text, m.set.SurveyWords)
	solved := solvedOf(msg.Text, s.Solved)
	switch {
	case ok:
		m.answerRating(st, c, rating, solved, msg, now, out)
	case understand.Describes(msg.Text):
		return false // a new appeal, not an answer: never swallowed as a rating
	case s.Unclear == 0:
		s.Unclear++
		s.Solved = solved // a bare "是": kept for the rating that follows
		m.sayReply(st, now, out, m.surveyReply(c, "survey_unclear", Data{ID: c.publicID()}))
	default:
		m.rate(st, now, out, "", msg.Text, msg.ReportedBy) // kept as a comment without a rating
		m.say(st, now, out, "survey_thanks", Data{ID: c.publicID()})
	}
	return true
}

// solvedOf is what text says of the problem being solved, else what was
// said before (nil: nothing).
func solvedOf(text string, before *bool) *bool {
	if s, ok := understand.ParseSolved(text); ok {
		return &s
	}
	return before
}

// cut is s in at most n characters, "…" included when it is cut.
func cut(s string, n int) string {
	if utf8.RuneCountInString(strings.Join(strings.Fields(s), " ")) <= n {
		return shorten(s, n)
	}
	return shorten(s, n-1)
}

// answerRating records an understood rating and thanks the citizen; a bare
// 不满意 is recorded too, and its reason asked for afterwards.
func (m *Machine) answerRating(st *State, c *Case, rating string, solved *bool, msg *Message, now time.Time, out *Output) {
	text := msg.Text
	reason := hasReason(text)
	comment := ""
	if reason {
		comment = text
	}
	revisit := false
	if st.Survey != nil && st.Survey.PetitionID == c.ID {
		revisit = st.Survey.Revisit
		st.Survey = nil
	}
	m.record(c, now, out, rating, comment, solved, msg.ReportedBy)
	if revisit { // 回头看: recorded as such, thanked, nothing more asked
		out.Events[len(out.Events)-1].Rating.Revisit = true
		if rating == intake.RatingUnsatisfied {
			m.say(st, now, out, "survey_thanks_unsatisfied", Data{ID: c.publicID()})
		} else {
			m.say(st, now, out, "survey_thanks", Data{ID: c.publicID()})
		}
		return
	}
	if rating == intake.RatingSatisfied && m.sampled(c.ID) {
		c.RevisitAt = now.Add(m.set.RevisitAfter)
	}
	switch {
	case rating != intake.RatingUnsatisfied:
		m.say(st, now, out, "survey_thanks", Data{ID: c.publicID()})
	case reason:
		m.say(st, now, out, "survey_thanks_unsatisfied", Data{ID: c.publicID()})
	default:
		window := m.set.SurveyRemindAfter
		if window <= 0 {
			window = reasonWindow
		}
		st.Reason = &ReasonWait{PetitionID: c.ID, Rating: rating, Until: now.Add(window), Solved: solved}
		m.say(st, now, out, "survey_reason", Data{ID: c.publicID()})
	}
}

// reasonAnswer takes a message while a reason is awaited. It reports
// whether the message was taken (the reason, or a changed rating); a new
// appeal, or a message after the wait ended, goes on as usual.
func (m *Machine) reasonAnswer(st *State, msg *Message, now time.Time, out *Output) bool {
	w := st.Reason
	st.Reason = nil // one message answers it, whatever it is
	c := st.findCase(w.PetitionID)
	if c == nil || !now.Before(w.Until) || m.newMatter(c, msg) {
		return false
	}
	solved := solvedOf(msg.Text, w.Solved)
	if rating, ok := understand.ParseRating(msg.Text, m.set.SurveyWords); ok && (rating != w.Rating || hasReason(msg.Text)) {
		m.answerRating(st, c, rating, solved, msg, now, out) // a changed mind: the latest rating stands
		return true
	}
	m.record(c, now, out, w.Rating, msg.Text, solved, msg.ReportedBy)
	m.say(st, now, out, "survey_thanks_unsatisfied", Data{ID: c.publicID()})
	return true
}

// upgradeSurvey records a 不满意 that a state written by an earlier version
// still holds back waiting for its reason.
func (m *Machine) upgradeSurvey(st *State, now time.Time, out *Output) {
	s := st.Survey
	if s == nil || !s.AwaitingReason {
		return
	}
	c := st.findCase(s.PetitionID)
	m.rate(st, now, out, intake.RatingUnsatisfied, "", nil)
	if c != nil {
		st.Reason = &ReasonWait{PetitionID: c.ID, Rating: intake.RatingUnsatisfied, Until: now.Add(reasonWindow)}
	}
}

// rate records the answer to the pending survey (or its absence) and
// closes the survey.
func (m *Machine) rate(st *State, now time.Time, out *Output, rating, comment string, by *intake.Reporter) {
	s := st.Survey
	st.Survey = nil
	if c := st.findCase(s.PetitionID); c != nil {
		m.record(c, now, out, rating, comment, s.Solved, by)
		out.Events[len(out.Events)-1].Rating.Revisit = s.Revisit
	}
}

// sampled reports whether a satisfied case is among those asked again
// (回头看): a share of the petition ids, by their hash, the same on every
// replica and every run.
func (m *Machine) sampled(id string) bool {
	if m.set.RevisitShare <= 0 || m.set.RevisitAfter <= 0 {
		return false
	}
	h := fnv.New32a()
	h.Write([]byte(id))
	return float64(h.Sum32()%10000) < m.set.RevisitShare*10000
}

// revisitTick asks again (回头看) about the satisfied cases whose time has
// come: one at a time, not over a pending survey or reason (a day later
// then), never after 退订.
func (m *Machine) revisitTick(st *State, now time.Time, out *Output) {
	for i := range st.Cases {
		c := &st.Cases[i]
		if c.RevisitAt.IsZero() || now.Before(c.RevisitAt) {
			continue
		}
		switch {
		case st.OptedOut:
			c.RevisitAt = time.Time{}
		case st.Survey != nil || st.Reason != nil:
			c.RevisitAt = now.Add(24 * time.Hour)
		default:
			c.RevisitAt = time.Time{}
			st.Survey = &Survey{PetitionID: c.ID, SentAt: now, Revisit: true, Reminded: true}
			m.bulkReply(st, now, out, m.surveyReply(c, RevisitTemplate, Data{ID: c.publicID(), Summary: c.Summary}))
		}
	}
}

// record sends a rating record of case c to the backend and remembers it;
// by is the staff member who recorded the citizen's answer (电话测评), nil
// when the citizen answered.
// solved is what the citizen said of the problem being solved (nil:
// nothing).
func (m *Machine) record(c *Case, now time.Time, out *Output, rating, comment string, solved *bool, by *intake.Reporter) {
	c.Rating = rating
	if rating == "" {
		c.Rating = "none"
	}
	out.Events = append(out.Events, Event{Rating: &intake.Rating{
		PetitionID: c.ID, CaseID: c.CaseID, Rating: rating, Comment: comment, At: now.In(m.set.Location), RecordedBy: by, Solved: solved,
	}})
}

// surveyTick sends the one reminder and expires an unanswered survey.
func (m *Machine) surveyTick(st *State, now time.Time, out *Output) {
	s := st.Survey
	if s == nil {
		return
	}
	if m.set.SurveyExpireAfter > 0 && !now.Before(s.SentAt.Add(m.set.SurveyExpireAfter)) {
		m.rate(st, now, out, "", NoAnswer, nil)
		return
	}
	if !s.Reminded && m.set.SurveyRemindAfter > 0 && !now.Before(s.SentAt.Add(m.set.SurveyRemindAfter)) {
		s.Reminded = true
		if c := st.findCase(s.PetitionID); c != nil && !st.OptedOut {
			m.bulkReply(st, now, out, m.surveyReply(c, "survey_remind", Data{ID: c.publicID(), Summary: c.Summary}))
		}
	}
}

// surveyWake is when the survey next needs a tick.
func (m *Machine) surveyWake(st *State) time.Time {
	s := st.Survey
	if s == nil {
		return time.Time{}
	}
	if !s.Reminded && m.set.SurveyRemindAfter > 0 {
		return s.SentAt.Add(m.set.SurveyRemindAfter)
	}
	if m.set.SurveyExpireAfter > 0 {
		return s.SentAt.Add(m.set.SurveyExpireAfter)
	}
	return time.Time{}
}

// ratingNoise is what an answer may hold besides its reason: digits, the
// rating words, politeness.
var ratingNoise = []string{
	"一点也不满意", "非常不满意", "很不满意", "不太满意", "不是很满意", "不满意", "非常满意", "很满意",
	"基本满意", "还算满意", "满意", "理解", "谢谢", "您好", "你好", "我", "选", "的", "了", "啊", "呢", "吧",
	"已解决", "解决了", "是", "否", "1", "2", "3",
}

// hasReason reports whether an answer says more than its rating ("不满意，
// 路灯还是不亮" does; "3 不满意" does not).
func hasReason(text string) bool {
	rest := textnorm.Compact(text)
	for _, w := range ratingNoise {
		rest = strings.ReplaceAll(rest, w, "")
	}
	return len([]rune(rest)) >= 2
}
