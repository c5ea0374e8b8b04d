package report

import (
	"sort"
	"strconv"
	"strings"

	"github.com/minsheng/minsheng/intake"
)

// Counts are summed counters: metric → n.
type Counts map[string]int64

func (c Counts) add(o Counts) {
	for k, v := range o {
		c[k] += v
	}
}

// Figures are what the offices publish for a period, from the counters.
// Shares are of the figure named in their comment, 0 when it is 0.
type Figures struct {
	Messages          int64   `json:"messages_received"`
	NoMatter          int64   `json:"messages_without_matter"` // of them: no matter in them ("asdfghjkl"), no petition
	Petitions         int64   `json:"petitions"`               // duplicates included
	Duplicates        int64   `json:"duplicates"`
	WithoutDuplicates int64   `json:"petitions_without_duplicates"`
	Incomplete        int64   `json:"incomplete"`
	IncompleteShare   float64 `json:"incomplete_share"` // of petitions
	CallbackRequested int64   `json:"callback_requested"`
	CallbackReqShare  float64 `json:"callback_requested_share"` // of petitions
	OfficialBusy      int64   `json:"official_busy"`            // petitions written to a busy official
	AutoReplies       int64   `json:"auto_replies"`             // 会后联系 auto-replies sent
	Callbacks         int64   `json:"callbacks"`                // call-back items created
	CallbacksDone     int64   `json:"callbacks_done"`           // marked done
	FirstReply        Timing  `json:"first_reply"`
	Assigned          Step    `json:"assigned"`
	Contacted         Step    `json:"contacted"`
	Resolved          Step    `json:"resolved"`
	ResolvedShare     float64 `json:"resolved_share"` // of petitions without duplicates
	Reopened          int64   `json:"reopened"`
	ReopenedUnsat     int64   `json:"reopened_after_unsatisfied"`
	RecheckRequested  int64   `json:"recheck_requested"` // 复核 asked from the office page
	Survey            Survey  `json:"survey"`
	// Rates are the three rates side by side (响应率, 解决率, 满意率).
	Rates Rates `json:"rates"`
	// Revisit is 回头看: satisfied cases asked again some days later,
	// counted apart from the survey.
	Revisit Revisit `json:"revisit"`
}

// Rates are the three rates the offices publish, each a share with what it
// is of (Of 0: a share of nothing, printed "—"):
//
//   - Response (响应率): the petitions contacted by their contact deadline,
//     of those contacted in the period and those still not contacted whose
//     deadline fell in the period.
//   - Solved (解决率): answers saying the problem is solved, of the answers
//     that said whether it is.
//   - Satisfied (满意率): 满意, of the survey's answers.
type Rates struct {
	Response  Rate `json:"response"`
	Solved    Rate `json:"solved"`
	Satisfied Rate `json:"satisfied"`
}

// Rate is N of Of.
type Rate struct {
	N     int64   `json:"n"`
	Of    int64   `json:"of"`
	Share float64 `json:"share"`
}

func rate(n, of int64) Rate { return Rate{N: n, Of: of, Share: share(n, of)} }

// Revisit is 回头看: re-surveys of satisfied cases some days after their
// survey, sent and answered, and the shares of the answers.
type Revisit struct {
	Sent           int64   `json:"sent"`
	Answered       int64   `json:"answered"`
	Satisfied      int64   `json:"satisfied"`
	Understood     int64   `json:"understood"`
	Unsatisfied    int64   `json:"unsatisfied"`
	NoAnswer       int64   `json:"no_answer"`
	SatisfiedShare float64 `json:"satisfied_share"` // of answered
}

// Timing is the time to the bot's first answer to a petition's citizen.
// Median and p90 are the upper bound of the bucket they fall in
// (FirstReplyBounds); -1 when above the last bound.
type Timing struct {
	Count         int64   `json:"count"`
	MeanSeconds   float64 `json:"mean_seconds"`
	MedianSeconds int64   `json:"median_seconds"`
	P90Seconds    int64   `json:"p90_seconds"`
}

// Step is a promised step of handling reached, and how many by its
// deadline. OpenOverdue are the petitions that have not reached it though
// its deadline fell in the period and has passed: they count as not on
// time, so that cases still open and late do not flatter the share.
type Step struct {
	Reached     int64   `json:"reached"`
	OnTime      int64   `json:"on_time"`
	OpenOverdue int64   `json:"open_overdue"`
	OnTimeShare float64 `json:"on_time_share"` // of reached + open_overdue
}

// Due is what an on-time share is of: reached, and open past the deadline.
func (s Step) Due() int64 { return s.Reached + s.OpenOverdue }

// Survey is the satisfaction survey (回访): sent, answered, and the shares
// of answers (满意 / 理解 / 不满意; no answer is a share of surveys closed).
type Survey struct {
	Sent             int64   `json:"sent"`
	Answered         int64   `json:"answered"`
	Satisfied        int64   `json:"satisfied"`
	Understood       int64   `json:"understood"`
	Unsatisfied      int64   `json:"unsatisfied"`
	NoAnswer         int64   `json:"no_answer"`
	SatisfiedShare   float64 `json:"satisfied_share"`   // of answered
	UnderstoodShare  float64 `json:"understood_share"`  // of answered
	UnsatisfiedShare float64 `json:"unsatisfied_share"` // of answered
	NoAnswerShare    float64 `json:"no_answer_share"`   // of answered + no answer
	// Solved and NotSolved are the answers that said whether the problem
	// is solved ("1是", "3否", "没解决"); SolvedShare is of the two.
	Solved      int64   `json:"solved"`
	NotSolved   int64   `json:"not_solved"`
	SolvedShare float64 `json:"solved_share"`
}

// FiguresOf computes the figures from summed counters.
func FiguresOf(c Counts) Figures {
	f := Figures{
		Messages: c[MMessages], NoMatter: c[MNoMatter], Petitions: c[MPetitions], Duplicates: c[MDuplicates],
		Incomplete: c[MIncomplete], CallbackRequested: c[MCallbackReq], OfficialBusy: c[MBusy],
		AutoReplies: c[MAutoReplies], Callbacks: c[MCallbacks], CallbacksDone: c[MCallbacksDone],
		Reopened: c[MReopened], ReopenedUnsat: c[MReopenUnsat], RecheckRequested: c[MReopenReq],
	}
	f.WithoutDuplicates = f.Petitions - f.Duplicates
	f.IncompleteShare = share(f.Incomplete, f.Petitions)
	f.CallbackReqShare = share(f.CallbackRequested, f.Petitions)
	f.FirstReply = timingOf(c)
	step := func(s string) Step {
		st := Step{Reached: c[Reached(s)], OnTime: c[OnTime(s)], OpenOverdue: c[OverdueMetric(s)]}
		st.OnTimeShare = share(st.OnTime, st.Due())
		return st
	}
	f.Assigned, f.Contacted, f.Resolved = step(intake.StatusAssigned), step(intake.StatusContacted), step(intake.StatusResolved)
	f.ResolvedShare = share(f.Resolved.Reached, f.WithoutDuplicates)
	s := Survey{Sent: c[MSurveys], Satisfied: c[Rated(intake.RatingSatisfied)],
		Understood: c[Rated(intake.RatingUnderstood)], Unsatisfied: c[Rated(intake.RatingUnsatisfied)], NoAnswer: c[Rated("")]}
	s.Answered = s.Satisfied + s.Understood + s.Unsatisfied
	s.SatisfiedShare, s.UnderstoodShare, s.UnsatisfiedShare = share(s.Satisfied, s.Answered), share(s.Understood, s.Answered), share(s.Unsatisfied, s.Answered)
	s.NoAnswerShare = share(s.NoAnswer, s.Answered+s.NoAnswer)
	s.Solved, s.NotSolved = c[Solved(true)], c[Solved(false)]
	s.SolvedShare = share(s.Solved, s.Solved+s.NotSolved)
	f.Survey = s
	f.Rates = Rates{Response: rate(f.Contacted.OnTime, f.Contacted.Due()), Solved: rate(s.Solved, s.Solved+s.NotSolved),
		Satisfied: rate(s.Satisfied, s.Answered)}
	v := Revisit{Sent: c[MRevisits], Satisfied: c[RevisitRated(intake.RatingSatisfied)], Understood: c[RevisitRated(intake.RatingUnderstood)],
		Unsatisfied: c[RevisitRated(intake.RatingUnsatisfied)], NoAnswer: c[RevisitRated("")]}
	v.Answered = v.Satisfied + v.Understood + v.Unsatisfied
	v.SatisfiedShare = share(v.Satisfied, v.Answered)
	f.Revisit = v
	return f
}

func timingOf(c Counts) Timing {
	t := Timing{Count: c[MFirstReplyN]}
	if t.Count == 0 {
		return t
	}
	t.MeanSeconds = float64(c[MFirstReplyS]) / float64(t.Count)
	t.MedianSeconds = quantile(c, t.Count, 0.5)
	t.P90Seconds = quantile(c, t.Count, 0.9)
	return t
}

// quantile is the bound of the bucket holding the q-quantile: the
// smallest bound with at least ceil(q·n) values at or below it.
func quantile(c Counts, n int64, q float64) int64 {
	rank := int64(q*float64(n) + 0.999999)
	if rank < 1 {
		rank = 1
	}
	var seen int64
	for i := 0; i <= len(FirstReplyBounds); i++ {
		seen += c[FirstReplyMetric(i)]
		if seen >= rank {
			if i == len(FirstReplyBounds) {
				return -1
			}
			return FirstReplyBounds[i]
		}
	}
	return -1
}

// share is a/b rounded to 0.1%, 0 when b is 0.
func share(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(int64(float64(a)/float64(b)*1000+0.5)) / 1000
}

// split separates the counters of a dimension hash ("value|metric") by value.
func split(h map[string]string, into map[string]Counts) {
	for k, v := range h {
		i := strings.LastIndexByte(k, '|')
		if i < 0 {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			continue
		}
		val, metric := k[:i], k[i+1:]
		c := into[val]
		if c == nil {
			c = Counts{}
			into[val] = c
		}
		c[metric] += n
	}
}

// Group is the figures of one value of a dimension (an official, a unit, a day…).
type Group struct {
	Key     string  `json:"key"`
	Label   string  `json:"label,omitempty"`
	Figures Figures `json:"figures"`
}

// Ranking is the units' order by satisfaction and by resolution on time,
// among units with at least Min answers (resp. resolved cases).
type Ranking struct {
	Min                int         `json:"min"`
	N                  int         `json:"n"`
	SatisfactionTop    []RankEntry `json:"satisfaction_top"`
	SatisfactionBottom []RankEntry `json:"satisfaction_bottom"`
	OnTimeTop          []RankEntry `json:"on_time_top"`
	OnTimeBottom       []RankEntry `json:"on_time_bottom"`
}

// RankEntry is one unit (or county) in a ranking: its share and what it
// is a share of. Streak marks a bottom place held in the period before as
// well (连续两期后位: 约谈 follows).
type RankEntry struct {
	Unit   string  `json:"unit"`
	Share  float64 `json:"share"`
	Of     int64   `json:"of"`
	Streak bool    `json:"streak,omitempty"`
}

// Rank orders units (or counties) by satisfaction share (满意 of answered)
// and by on-time resolution (resolved by the deadline, of those resolved
// and those open past it), keeping the top and bottom n of those with at
// least min answers (resolved or overdue cases); ties go by count, then
// name.
func Rank(units map[string]Counts, n, min int) Ranking {
	r := Ranking{Min: min, N: n}
	var sat, ot []RankEntry
	for u, c := range units {
		if u == "" {
			continue
		}
		f := FiguresOf(c)
		if f.Survey.Answered >= int64(min) && f.Survey.Answered > 0 {
			sat = append(sat, RankEntry{Unit: u, Share: f.Survey.SatisfiedShare, Of: f.Survey.Answered})
		}
		if due := f.Resolved.Due(); due >= int64(min) && due > 0 {
			ot = append(ot, RankEntry{Unit: u, Share: f.Resolved.OnTimeShare, Of: due})
		}
	}
	r.SatisfactionTop, r.SatisfactionBottom = topBottom(sat, n)
	r.OnTimeTop, r.OnTimeBottom = topBottom(ot, n)
	return r
}

// MarkStreaks marks the bottom places of r that prev's bottom places hold
// too (the same ranking of the period before).
func (r *Ranking) MarkStreaks(prev Ranking) {
	mark := func(cur, before []RankEntry) {
		for i := range cur {
			for _, b := range before {
				if b.Unit == cur[i].Unit {
					cur[i].Streak = true
				}
			}
		}
	}
	mark(r.SatisfactionBottom, prev.SatisfactionBottom)
	mark(r.OnTimeBottom, prev.OnTimeBottom)
}

func topBottom(es []RankEntry, n int) (top, bottom []RankEntry) {
	sort.Slice(es, func(i, j int) bool {
		if es[i].Share != es[j].Share {
			return es[i].Share > es[j].Share
		}
		if es[i].Of != es[j].Of {
			return es[i].Of > es[j].Of
		}
		return es[i].Unit < es[j].Unit
	})
	// with fewer than 2n ranked, the top takes the better half and the
	// bottom the rest: no one is at both ends
	top = append([]RankEntry{}, es[:min(n, (len(es)+1)/2)]...)
	for i := len(es) - 1; i >= len(top) && len(bottom) < n; i-- {
		bottom = append(bottom, es[i])
	}
	return top, bottom
}
