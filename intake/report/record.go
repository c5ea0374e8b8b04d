// Package report keeps what the offices' figures and lists need (per-day
// counters and a compact record per petition, in Redis) and reads them back
// as the figures the offices publish: received, without duplicates, by
// official, unit, category, channel and urgency, deadlines met, survey
// answers, the 不满意专区, overdue cases.
//
// Writes are a Batch of operations that a caller appends to the Lua script
// committing the state they describe (Lua, ApplyScript), so recording costs
// no round trip of its own: the conversation commit carries them.
package report

import (
	"strconv"
	"strings"
	"time"

	"github.com/minsheng/minsheng/intake"
)

// DefaultRetention is how long counters and records are kept: a year of
// reports and a month to spare.
const DefaultRetention = 400 * 24 * time.Hour

// Recorder turns what happened into a Batch of writes. It is immutable and
// safe for concurrent use.
type Recorder struct {
	Prefix    string // the store's prefix ("ms:")
	Loc       *time.Location
	Retention time.Duration
	// Units maps a category code to the unit that handles it by default,
	// until the backend names the unit (status assigned).
	Units map[string]string
}

// Dims are the dimensions every counter is kept by: all, official,
// unit, category, channel, urgency, appeal type, county. Their order is
// the Lua's.
var Dims = []string{"a", "o", "u", "c", "ch", "g", "t", "cy"}

// Counter metrics (fields of the per-day hashes, after "<value>|" for a
// dimension other than all).
const (
	MMessages      = "msg"       // messages received
	MNoMatter      = "nomatter"  // messages with no matter in them ("asdfghjkl"): prompted, no petition
	MPetitions     = "pet"       // petitions, duplicates included
	MDuplicates    = "dup"       // petitions linked to an earlier one
	MIncomplete    = "inc"       // flagged incomplete
	MCallbackReq   = "cbr"       // flagged callback_requested (人工)
	MBusy          = "busy"      // flagged official_busy (会后联系)
	MAutoReplies   = "auto"      // 会后联系 auto-replies sent
	MCallbacks     = "cb"        // call-back items created
	MCallbacksDone = "cbdone"    // call-back items marked done
	MFirstReplyN   = "ftr_n"     // petitions with a time to first reply
	MFirstReplyS   = "ftr_s"     // its sum, seconds
	MReopened      = "reopen"    // reopened cases
	MReopenUnsat   = "reopen_un" // reopened after a 不满意
	MSurveys       = "survey"    // surveys sent
	MReopenReq     = "recheck"   // 复核 requested from the office page
	mReached       = "st:"       // + status: first reached
	mOnTime        = "ot:"       // + status: first reached by its deadline
	mRated         = "rate:"     // + rating (none = no answer)
	mFirstReplyB   = "ftr_b"     // + bucket index
	mSolved        = "solved:"   // + yes | no: the citizen said the problem is (not) solved
	mOverdue       = "od:"       // + status: open and past its deadline (read, never written)
	MRevisits      = "rv"        // 回头看: re-surveys sent after a satisfied case
	mRevisitRated  = "rv:"       // + rating (none = no answer) of a re-survey
)

// Solved names the metric of a survey answer that says the problem is
// solved (true) or not (false).
func Solved(yes bool) string {
	if yes {
		return mSolved + "yes"
	}
	return mSolved + "no"
}

// OverdueMetric names the pseudo-metric of open petitions past their deadline
// for status in a period: the reader adds it, the counters never hold it.
func OverdueMetric(status string) string { return mOverdue + status }

// RevisitRated names the metric of a 回头看 answer.
func RevisitRated(rating string) string {
	if rating == "" {
		rating = "none"
	}
	return mRevisitRated + rating
}

// Reached, OnTime and Rated name the metrics of a status or a rating.
func Reached(status string) string { return mReached + status }
func OnTime(status string) string  { return mOnTime + status }
func Rated(rating string) string {
	if rating == "" {
		rating = "none"
	}
	return mRated + rating
}

// dimsOf says which dimensions keep a metric beyond "a" (all): the
// breakdowns the offices read. Counters are most of a year's memory (each
// dimension value × metric × shard × day), so no more than these.
var dimsOf = map[string]string{
	MMessages: "o ch", MNoMatter: "o ch", MPetitions: "o u c ch g t cy", MDuplicates: "o u c ch t cy", MIncomplete: "o u c ch", MCallbackReq: "o u c ch",
	MBusy: "o", MAutoReplies: "o", MCallbacks: "o", MCallbacksDone: "o",
	MReopened: "u c t cy", MReopenUnsat: "u c t cy", MSurveys: "o u c t cy", MReopenReq: "o u c", MRevisits: "u c cy",
}

// dimMask is the Lua's mask of the dimensions metric is kept by ("1" =
// kept, in Dims order).
func dimMask(metric string) string {
	dims, ok := dimsOf[metric]
	switch {
	case ok:
	case strings.HasPrefix(metric, mReached), strings.HasPrefix(metric, mOnTime), strings.HasPrefix(metric, mRated),
		strings.HasPrefix(metric, mSolved):
		dims = "o u c ch g t cy"
	case strings.HasPrefix(metric, mRevisitRated):
		dims = "u c cy"
	default:
		dims = "" // the time to first reply: all only
	}
	mask := []byte(strings.Repeat("0", len(Dims)))
	mask[0] = '1'
	for i, d := range Dims[1:] {
		if strings.Contains(" "+dims+" ", " "+d+" ") {
			mask[i+1] = '1'
		}
	}
	return string(mask)
}

// FirstReplyBounds are the upper bounds (seconds) of the time-to-first-reply
// buckets; the last bucket is everything above. Medians and p90 are read as
// the bound of the bucket they fall in.
var FirstReplyBounds = []int64{1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600, 1800, 3600, 7200, 21600, 86400}

// FirstReplyBucket is the bucket of d.
func FirstReplyBucket(d time.Duration) int {
	s := int64(d / time.Second)
	if d%time.Second != 0 {
		s++
	}
	for i, b := range FirstReplyBounds {
		if s <= b {
			return i
		}
	}
	return len(FirstReplyBounds)
}

// FirstReplyMetric names a bucket's counter.
func FirstReplyMetric(bucket int) string { return mFirstReplyB + strconv.Itoa(bucket) }

// deadline fields of a record, by the status that meets them.
var deadlineField = map[string]string{
	intake.StatusAssigned:  "da",
	intake.StatusContacted: "dc",
	intake.StatusResolved:  "dr",
}

// dueStatuses are the promised steps, in order.
var dueStatuses = []string{intake.StatusAssigned, intake.StatusContacted, intake.StatusResolved}

// dueIndex names the sorted set of petitions waiting for a status.
var dueIndex = map[string]string{
	intake.StatusAssigned:  "rep:due:a",
	intake.StatusContacted: "rep:due:c",
	intake.StatusResolved:  "rep:due:r",
}

// Keys of a shard (tag is "ms:{s3}:").
func recordKey(tag, id string) string { return tag + "rep:p:" + id }
func allIndex(tag string) string      { return tag + "rep:all" }
func unsatIndex(tag string) string    { return tag + "rep:unsat" }
func dayKey(tag, day, dim string) string {
	return tag + "rep:d:" + day + ":" + dim
}
func monthKey(tag, month, dim string) string {
	return tag + "rep:m:" + month + ":" + dim
}

// MaskPhone keeps the first three and last four digits of a phone number
// (+86138****5678), as everything the office sees shows it.
func MaskPhone(p string) string {
	if p == "" {
		return ""
	}
	digits := 0
	for _, r := range p {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	if digits < 8 {
		return strings.Repeat("*", len([]rune(p)))
	}
	var b strings.Builder
	seen := 0
	for _, r := range p {
		if r >= '0' && r <= '9' {
			seen++
			if seen > digits-4 || seen <= digits-8 {
				b.WriteRune(r)
			} else {
				b.WriteByte('*')
			}
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
