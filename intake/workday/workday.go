// Package workday computes the handling deadlines of a petition in working
// days, in the office's time zone, with a holiday calendar that knows
// China's make-up working days (调休): the State Council's published
// calendar is built in (holidays.txt, NewOfficial) and the configuration
// adds to it.
//
// Everything here is pure: no clock, no I/O. Times go in, times come out.
//
// A deadline is the end of a local day, 23:59:59 in the calendar's location,
// because the promises are made in days (当日或次日交办, 3日内联系,
// 5个工作日内办结), not in hours: a message that arrives at 23:30 is not
// promised less than one that arrives at 08:00. Day counting starts on the
// day after the message arrived, so "1 working day" is the next working day,
// which is the later end of "the same day or the next day".
package workday

import (
	"errors"
	"fmt"
	"time"

	"github.com/minsheng/minsheng/intake"
)

// DateLayout is the format of the dates in Holidays and Workdays.
const DateLayout = "2006-01-02"

// Calendar says which local days are working days.
//
// A day is a working day when it is listed in Workdays (a weekend day made a
// working day by 调休), or when it is Monday to Friday and not listed in
// Holidays. The zero Calendar is usable: plain Monday to Friday, in UTC.
// A Calendar is read-only after construction and safe for concurrent use.
type Calendar struct {
	Loc      *time.Location  // the office's zone; nil means UTC
	Holidays map[string]bool // "2006-01-02" → day off, even on a weekday
	Workdays map[string]bool // "2006-01-02" → working day, even on a weekend
}

// New builds a Calendar from the config lists, refusing dates that are not
// "2006-01-02" and dates listed as both holiday and working day: a typo in
// the holiday list would otherwise silently shift every deadline.
func New(loc *time.Location, holidays, workdays []string) (*Calendar, error) {
	if loc == nil {
		return nil, errors.New("workday: nil time zone")
	}
	c := &Calendar{Loc: loc, Holidays: map[string]bool{}, Workdays: map[string]bool{}}
	var errs []error
	add := func(list string, dates []string, into map[string]bool) {
		for _, d := range dates {
			t, err := time.Parse(DateLayout, d)
			if err != nil || t.Format(DateLayout) != d {
				errs = append(errs, fmt.Errorf("workday: %s: %q is not a date like 2026-10-01", list, d))
				continue
			}
			into[d] = true
		}
	}
	add("holidays", holidays, c.Holidays)
	add("workdays", workdays, c.Workdays)
	for d := range c.Holidays {
		if c.Workdays[d] {
			errs = append(errs, fmt.Errorf("workday: %s is listed as both a holiday and a working day", d))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

func (c *Calendar) loc() *time.Location {
	if c == nil || c.Loc == nil {
		return time.UTC
	}
	return c.Loc
}

// IsWorkday reports whether t's local day (in the calendar's zone) is a
// working day.
func (c *Calendar) IsWorkday(t time.Time) bool {
	t = t.In(c.loc())
	return c.isWorkday(t.Year(), t.Month(), t.Day())
}

func (c *Calendar) isWorkday(y int, m time.Month, d int) bool {
	// Weekday of a civil date does not depend on the zone; UTC avoids DST gaps.
	day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	key := day.Format(DateLayout)
	if c != nil && c.Workdays[key] {
		return true
	}
	if c != nil && c.Holidays[key] {
		return false
	}
	wd := day.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// AddWorkdays returns the end (23:59:59 local) of the n-th working day after
// t's local day. The day of t itself is never counted, whatever the hour, so
// AddWorkdays(Friday 23:30, 1) is the end of the next working day — after a
// holiday if one follows. n <= 0 returns the end of t's day when it is a
// working day, else the end of the first working day after it.
func (c *Calendar) AddWorkdays(t time.Time, n int) time.Time {
	loc := c.loc()
	t = t.In(loc)
	y, m, d := t.Date()
	if n <= 0 {
		if c.isWorkday(y, m, d) {
			return endOfDay(y, m, d, loc)
		}
		n = 1
	}
	// Terminates: only the finitely many listed holidays can stop a weekday
	// from counting.
	for n > 0 {
		d++ // time.Date normalises the overflow into the next month/year
		if c.isWorkday(y, m, d) {
			n--
		}
	}
	return endOfDay(y, m, d, loc)
}

// AddDays returns the end (23:59:59 local) of the n-th calendar day after t's
// local day; n <= 0 is the end of t's own day.
func (c *Calendar) AddDays(t time.Time, n int) time.Time {
	loc := c.loc()
	t = t.In(loc)
	y, m, d := t.Date()
	return endOfDay(y, m, d+max(n, 0), loc)
}

func endOfDay(y int, m time.Month, d int, loc *time.Location) time.Time {
	return time.Date(y, m, d, 23, 59, 59, 0, loc)
}

// SLA holds the handling time limits (config intake.sla). A zero field takes
// its default from DefaultSLA, so a partial config is safe; as a consequence
// 0 cannot ask for "same day" assignment, which the rules allow but do not
// promise (当日或次日交办: the promise is the next working day).
type SLA struct {
	AssignNextWorkdays    int // 交办: working days after receipt
	ContactDays           int // the unit calls the citizen: calendar days after assignment
	ResolveWorkdaysUrgent int // urgent or simple items: working days after assignment
	ResolveWorkdays       int // general items: working days after assignment
}

// DefaultSLA is the rule from the seeds: assign by the next working day,
// contact within 3 days, resolve urgent items in 2 working days and the
// rest in 5.
var DefaultSLA = SLA{AssignNextWorkdays: 1, ContactDays: 3, ResolveWorkdaysUrgent: 2, ResolveWorkdays: 5}

// Validate reports negative limits, for `minsheng config check`.
func (s SLA) Validate() error {
	var errs []error
	for _, f := range []struct {
		name string
		v    int
	}{
		{"assign_next_workdays", s.AssignNextWorkdays},
		{"contact_days", s.ContactDays},
		{"resolve_workdays_urgent", s.ResolveWorkdaysUrgent},
		{"resolve_workdays", s.ResolveWorkdays},
	} {
		if f.v < 0 {
			errs = append(errs, fmt.Errorf("intake.sla.%s: %d is negative", f.name, f.v))
		}
	}
	return errors.Join(errs...)
}

// withDefaults replaces zero and negative fields with DefaultSLA's.
func (s SLA) withDefaults() SLA {
	def := func(v, d int) int {
		if v <= 0 {
			return d
		}
		return v
	}
	return SLA{
		AssignNextWorkdays:    def(s.AssignNextWorkdays, DefaultSLA.AssignNextWorkdays),
		ContactDays:           def(s.ContactDays, DefaultSLA.ContactDays),
		ResolveWorkdaysUrgent: def(s.ResolveWorkdaysUrgent, DefaultSLA.ResolveWorkdaysUrgent),
		ResolveWorkdays:       def(s.ResolveWorkdays, DefaultSLA.ResolveWorkdays),
	}
}

// Deadlines computes the promises for a petition received at received.
//
//   - AssignBy: end of the AssignNextWorkdays-th working day after receipt.
//   - ContactBy: end of the ContactDays-th calendar day after AssignBy's day,
//     but never later than ResolveBy.
//   - ResolveBy: end of the ResolveWorkdays(Urgent)-th working day after
//     AssignBy's day.
//
// Contact and resolution are counted from the assignment deadline, not from
// receipt, because the handling unit's clock starts when it is handed the
// item (交办); counting them from receipt would put ContactBy before AssignBy
// whenever a holiday falls in between (received 09-30, assigned 10-08). A
// unit is expected to have called the citizen by the time it resolves the
// item, hence the cap.
func (c *Calendar) Deadlines(received time.Time, urgent bool, sla SLA) intake.Deadlines {
	sla = sla.withDefaults()
	assign := c.AddWorkdays(received, sla.AssignNextWorkdays)
	resolveN := sla.ResolveWorkdays
	if urgent {
		resolveN = sla.ResolveWorkdaysUrgent
	}
	resolve := c.AddWorkdays(assign, resolveN)
	contact := c.AddDays(assign, sla.ContactDays)
	if contact.After(resolve) {
		contact = resolve
	}
	return intake.Deadlines{AssignBy: assign, ContactBy: contact, ResolveBy: resolve}
}
