package workday

import (
	"fmt"
	"time"
)

// Hours are an official's regular office hours: From to To local time on
// their days. A listed holiday closes a day; a make-up working day (调休)
// opens it even when it is not one of Days. Pure, like the rest of the
// package.
type Hours struct {
	Days     map[time.Weekday]bool // nil: Monday to Friday
	From, To int                   // minutes of the day, From < To
}

// DefaultHours are Monday to Friday, 08:00 to 18:00.
var DefaultHours = Hours{From: 8 * 60, To: 18 * 60}

// ParseHours reads officials[].schedule: days 1 (Monday) … 7 (Sunday),
// "08:00", "18:00"; empty fields take the default.
func ParseHours(days []int, from, to string) (Hours, error) {
	h := DefaultHours
	if len(days) > 0 {
		h.Days = map[time.Weekday]bool{}
		for _, d := range days {
			if d < 1 || d > 7 {
				return Hours{}, fmt.Errorf("day %d is not 1 (Monday) … 7 (Sunday)", d)
			}
			h.Days[time.Weekday(d%7)] = true
		}
	}
	for _, f := range []struct {
		s   string
		set *int
	}{{from, &h.From}, {to, &h.To}} {
		if f.s == "" {
			continue
		}
		t, err := time.Parse("15:04", f.s)
		if err != nil {
			return Hours{}, fmt.Errorf("%q is not a time like 08:00", f.s)
		}
		*f.set = t.Hour()*60 + t.Minute()
	}
	if h.From >= h.To {
		return Hours{}, fmt.Errorf("from %s is not before to %s", from, to)
	}
	return h, nil
}

// open reports whether the local day y-m-d has office hours at all.
func (c *Calendar) open(h Hours, y int, m time.Month, d int) bool {
	day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	key := day.Format(DateLayout)
	if c != nil && c.Workdays[key] {
		return true
	}
	if c != nil && c.Holidays[key] {
		return false
	}
	if h.Days == nil {
		wd := day.Weekday()
		return wd != time.Saturday && wd != time.Sunday
	}
	return h.Days[day.Weekday()]
}

// InHours reports whether t is within the office hours.
func (c *Calendar) InHours(h Hours, t time.Time) bool {
	t = t.In(c.loc())
	y, m, d := t.Date()
	min := t.Hour()*60 + t.Minute()
	return c.open(h, y, m, d) && min >= h.From && min < h.To
}

// OffSince is when the off-hours period holding t began: the end of the
// last office hours before t. Zero when t is within hours, or when no day
// of the last year had hours (a schedule without days).
func (c *Calendar) OffSince(h Hours, t time.Time) time.Time {
	if c.InHours(h, t) {
		return time.Time{}
	}
	loc := c.loc()
	t = t.In(loc)
	y, m, d := t.Date()
	for back := 0; back < 366; back++ {
		if c.open(h, y, m, d-back) {
			end := time.Date(y, m, d-back, h.To/60, h.To%60, 0, 0, loc)
			if !end.After(t) {
				return end
			}
		}
	}
	return time.Time{}
}

// NextOpen is when the office hours next begin at or after t (t itself
// when it is within hours); zero when no day of the next year has hours.
func (c *Calendar) NextOpen(h Hours, t time.Time) time.Time {
	if c.InHours(h, t) {
		return t
	}
	loc := c.loc()
	t = t.In(loc)
	y, m, d := t.Date()
	for ahead := 0; ahead < 366; ahead++ {
		if c.open(h, y, m, d+ahead) {
			start := time.Date(y, m, d+ahead, h.From/60, h.From%60, 0, 0, loc)
			if !start.Before(t) {
				return start
			}
		}
	}
	return time.Time{}
}
