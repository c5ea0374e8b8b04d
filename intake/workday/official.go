package workday

import (
	_ "embed"
	"errors"
	"fmt"
	"iter"
	"maps"
	"slices"
	"strings"
	"time"
)

// officialText is the State Council's holiday calendar, one line per
// holiday period or make-up working day (see the file's header).
//
//go:embed holidays.txt
var officialText string

// Official returns the built-in State Council calendar: its holidays and
// make-up working days as "2006-01-02" dates. It panics if the embedded
// file does not parse, which a test rules out.
func Official() (holidays, workdays []string) {
	h, w, err := ParseCalendar(officialText)
	if err != nil {
		panic(fmt.Sprintf("workday: embedded holidays.txt: %v", err))
	}
	return h, w
}

// NewOfficial builds the calendar deadlines use by default: the built-in
// State Council calendar with the deployment's own dates on top (config
// intake.holidays and intake.workdays). A date the deployment lists wins
// over the built-in one, so a local holiday is added with holidays and a
// built-in holiday that the office works is taken back with workdays; a
// date in both of the deployment's lists is refused, as in New.
func NewOfficial(loc *time.Location, holidays, workdays []string) (*Calendar, error) {
	c, err := New(loc, holidays, workdays)
	if err != nil {
		return nil, err
	}
	oh, ow := Official()
	for _, d := range oh {
		if !c.Workdays[d] {
			c.Holidays[d] = true
		}
	}
	for _, d := range ow {
		if !c.Holidays[d] {
			c.Workdays[d] = true
		}
	}
	return c, nil
}

// Covers reports whether the calendar lists any holiday or make-up working
// day in year: without one, deadlines in that year skip weekends only.
func (c *Calendar) Covers(year int) bool {
	if c == nil {
		return false
	}
	return inYear(year, maps.Keys(c.Holidays)) || inYear(year, maps.Keys(c.Workdays))
}

// Provisional reports whether deadlines in year rest on the statutory
// holidays alone: the built-in calendar has only "law" lines for year (the
// State Council's notice, with its bridging days and 调休, is not built in)
// and the deployment's own holidays and workdays name no date in it.
func Provisional(year int, holidays, workdays []string) bool {
	_, _, notice, law, err := parseCalendar(officialText)
	if err != nil || notice[year] || !law[year] {
		return false
	}
	return !inYear(year, slices.Values(holidays)) && !inYear(year, slices.Values(workdays))
}

// inYear reports whether any of the "2006-01-02" dates is in year.
func inYear(year int, dates iter.Seq[string]) bool {
	prefix := fmt.Sprintf("%04d-", year)
	for d := range dates {
		if strings.HasPrefix(d, prefix) {
			return true
		}
	}
	return false
}

// maxPeriod bounds an "off" range: the longest holiday is 9 days; a typo
// in a year ("2026-10-01..2027-10-07") must not make a year of holidays.
const maxPeriod = 31

// ParseCalendar reads the holidays.txt format: lines "off FIRST[..LAST]
// note" and "work DAY note", dates "2006-01-02", # comments and blank
// lines ignored. "law FIRST[..LAST] note" is a statutory day off of a year
// whose notice is not out yet: a holiday like "off" (see Provisional). It
// reports every bad line with its number.
func ParseCalendar(text string) (holidays, workdays []string, err error) {
	holidays, workdays, _, _, err = parseCalendar(text)
	return holidays, workdays, err
}

// parseCalendar is ParseCalendar, also telling the years of its notice
// lines (off, work) and of its statutory-only lines (law).
func parseCalendar(text string) (holidays, workdays []string, notice, law map[int]bool, err error) {
	notice, law = map[int]bool{}, map[int]bool{}
	var errs []error
	for i, line := range strings.Split(text, "\n") {
		if j := strings.IndexByte(line, '#'); j >= 0 {
			line = line[:j]
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		bad := func(why string) { errs = append(errs, fmt.Errorf("line %d: %s", i+1, why)) }
		if len(f) < 2 {
			bad(fmt.Sprintf("%q: want \"off FIRST[..LAST]\" or \"work DAY\"", line))
			continue
		}
		first, last, ranged := strings.Cut(f[1], "..")
		from, err1 := parseDate(first)
		to, err2 := from, error(nil)
		if ranged {
			to, err2 = parseDate(last)
		}
		switch {
		case err1 != nil || err2 != nil:
			bad(fmt.Sprintf("%q is not a date or range like 2026-10-01..2026-10-07", f[1]))
		case f[0] == "work" && ranged:
			bad(fmt.Sprintf("work %s: one day per line", f[1]))
		case f[0] == "off" || f[0] == "law":
			days := int(to.Sub(from).Hours()/24) + 1
			if days < 1 || days > maxPeriod {
				bad(fmt.Sprintf("%s %s: %d days, want 1 to %d", f[0], f[1], days, maxPeriod))
				continue
			}
			for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
				holidays = append(holidays, d.Format(DateLayout))
			}
			if f[0] == "law" {
				law[from.Year()] = true
			} else {
				notice[from.Year()] = true
			}
		case f[0] == "work":
			workdays = append(workdays, from.Format(DateLayout))
			notice[from.Year()] = true
		default:
			bad(fmt.Sprintf("%q: want off, work or law", f[0]))
		}
	}
	return holidays, workdays, notice, law, errors.Join(errs...)
}

// parseDate accepts a real date written exactly "2006-01-02".
func parseDate(s string) (time.Time, error) {
	t, err := time.Parse(DateLayout, s)
	if err != nil || t.Format(DateLayout) != s {
		return time.Time{}, fmt.Errorf("%q is not a date like 2026-10-01", s)
	}
	return t, nil
}
