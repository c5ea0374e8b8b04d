package workday

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// TestOfficialIs2026Notice checks the embedded file against the dates
// written out independently in this package's tests from the notice
// (holidays2026, workdays2026), and that every make-up day is a weekend.
func TestOfficialIs2026Notice(t *testing.T) {
	h, w := Official()
	h = slices.DeleteFunc(slices.Clone(h), func(d string) bool { return strings.HasPrefix(d, "2027-") })
	if !slices.Equal(sorted(h), sorted(holidays2026)) {
		t.Errorf("holidays = %v\nwant %v", h, holidays2026)
	}
	if !slices.Equal(sorted(w), sorted(workdays2026)) {
		t.Errorf("workdays = %v\nwant %v", w, workdays2026)
	}
	for _, d := range w {
		day, _ := time.Parse(DateLayout, d)
		if wd := day.Weekday(); wd != time.Saturday && wd != time.Sunday {
			t.Errorf("make-up working day %s is a %s", d, wd)
		}
	}
	if _, err := New(cst, h, w); err != nil {
		t.Errorf("the built-in calendar does not build: %v", err)
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// TestOfficialDeadlinesAroundNationalDay: received on Wednesday 2026-09-30,
// the petition is assigned on 10-08 (after the National Day week) and
// resolved 5 working days later counting the make-up Saturday 10-10:
// 10-09, 10-10, 10-12, 10-13, 10-14; urgent, 2: 10-09, 10-10.
func TestOfficialDeadlinesAroundNationalDay(t *testing.T) {
	c, err := NewOfficial(cst, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		urgent                  bool
		assign, contact, resolv string
	}{
		{false, "2026-10-08", "2026-10-11", "2026-10-14"},
		{true, "2026-10-08", "2026-10-10", "2026-10-10"},
	} {
		got := c.Deadlines(at(t, "2026-09-30 10:00"), tt.urgent, DefaultSLA)
		if !got.AssignBy.Equal(eod(t, tt.assign)) || !got.ContactBy.Equal(eod(t, tt.contact)) || !got.ResolveBy.Equal(eod(t, tt.resolv)) {
			t.Errorf("urgent=%v: assign %v contact %v resolve %v; want %s %s %s", tt.urgent,
				got.AssignBy, got.ContactBy, got.ResolveBy, tt.assign, tt.contact, tt.resolv)
		}
	}
	if !c.Covers(2026) || !c.Covers(2027) || c.Covers(2028) {
		t.Errorf("Covers(2026, 2027, 2028) = %v, %v, %v; want true, true, false", c.Covers(2026), c.Covers(2027), c.Covers(2028))
	}
}

// law2027 are the statutory days off of 2027 (全国年节及纪念日放假办法 as
// revised in 2024), written out from the Chinese calendar: 除夕 is
// 2027-02-05, 端午 06-09, 中秋 09-15, 清明 04-05.
var law2027 = []string{"2027-01-01", "2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08", "2027-04-05",
	"2027-05-01", "2027-05-02", "2027-06-09", "2027-09-15", "2027-10-01", "2027-10-02", "2027-10-03"}

// TestOfficialKnows2027ByLaw: before its notice, 2027 has its 13 statutory
// days off and is provisional (the runtime warns), unless the deployment
// lists dates of its own for it; 2026 has its notice.
func TestOfficialKnows2027ByLaw(t *testing.T) {
	h, w := Official()
	var got []string
	for _, d := range h {
		if strings.HasPrefix(d, "2027-") {
			got = append(got, d)
		}
	}
	if !slices.Equal(sorted(got), law2027) {
		t.Errorf("2027 holidays = %v, want %v", got, law2027)
	}
	for _, d := range w {
		if strings.HasPrefix(d, "2027-") {
			t.Errorf("make-up day %s of 2027 before its notice", d)
		}
	}
	for _, tt := range []struct {
		year               int
		holidays, workdays []string
		want               bool
	}{
		{2026, nil, nil, false},
		{2027, nil, nil, true},
		{2027, []string{"2027-02-09"}, nil, false},
		{2027, nil, []string{"2027-02-14"}, false},
		{2027, []string{"2026-12-31"}, nil, true},
		{2028, nil, nil, false}, // nothing known at all: Covers says so
	} {
		if got := Provisional(tt.year, tt.holidays, tt.workdays); got != tt.want {
			t.Errorf("Provisional(%d, %v, %v) = %v, want %v", tt.year, tt.holidays, tt.workdays, got, tt.want)
		}
	}
}

// TestOfficialDeadlinesOverNewYear2027: received on Thursday 2026-12-31,
// an urgent petition is assigned on Monday 01-04 (01-01 is New Year's Day
// by law, 01-02 and 01-03 a weekend) and resolved 2 working days later,
// 01-06; with weekends only it would have been assigned on the holiday.
func TestOfficialDeadlinesOverNewYear2027(t *testing.T) {
	c, err := NewOfficial(cst, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := c.Deadlines(at(t, "2026-12-31 10:00"), true, DefaultSLA)
	if !got.AssignBy.Equal(eod(t, "2027-01-04")) || !got.ResolveBy.Equal(eod(t, "2027-01-06")) {
		t.Errorf("urgent, received 2026-12-31: assign by %v, resolve by %v; want the ends of 2027-01-04 and 01-06", got.AssignBy, got.ResolveBy)
	}
}

// TestNewOfficialOverrides: the deployment's dates add to the built-in
// calendar and win where they name a built-in date.
func TestNewOfficialOverrides(t *testing.T) {
	c, err := NewOfficial(cst,
		[]string{"2026-10-09", "2026-10-10"}, // a local holiday; the make-up Saturday taken back
		[]string{"2026-10-07", "2027-01-02"}) // a built-in holiday worked; a future make-up day
	if err != nil {
		t.Fatal(err)
	}
	for day, want := range map[string]bool{
		"2026-10-06": false, // still built in
		"2026-10-07": true,  // worked here
		"2026-10-09": false, // local holiday
		"2026-10-10": false, // not worked here
		"2026-09-20": true,  // built-in make-up Sunday
		"2027-01-02": true,
	} {
		if got := c.IsWorkday(at(t, day+" 12:00")); got != want {
			t.Errorf("IsWorkday(%s) = %v, want %v", day, got, want)
		}
	}
	// Received 09-30: assigned on 10-07 (worked here), resolved 5 working
	// days later: 10-08, 10-12, 10-13, 10-14, 10-15.
	got := c.Deadlines(at(t, "2026-09-30 10:00"), false, DefaultSLA)
	if !got.AssignBy.Equal(eod(t, "2026-10-07")) || !got.ResolveBy.Equal(eod(t, "2026-10-15")) {
		t.Errorf("assign %v resolve %v; want 2026-10-07, 2026-10-15", got.AssignBy, got.ResolveBy)
	}
	if _, err := NewOfficial(cst, []string{"2026-10-10"}, []string{"2026-10-10"}); err == nil {
		t.Error("a date in both of the deployment's lists is accepted")
	}
	if _, err := NewOfficial(cst, []string{"2026-13-01"}, nil); err == nil {
		t.Error("a bad date is accepted")
	}
}

func TestParseCalendar(t *testing.T) {
	h, w, err := ParseCalendar("# c\n\noff 2026-12-31..2027-01-02 元旦 # note\nwork 2027-01-03\n  off   2027-05-01  \n")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(h, ",") != "2026-12-31,2027-01-01,2027-01-02,2027-05-01" || strings.Join(w, ",") != "2027-01-03" {
		t.Errorf("holidays %v workdays %v", h, w)
	}
	for in, want := range map[string]string{
		"off":                          "line 1",
		"off 2026-1-1":                 `"2026-1-1"`,
		"off 2026-10-07..2026-10-01":   "-5 days",
		"off 2026-10-01..2027-10-07":   "372 days",
		"work 2026-10-10..2026-10-11":  "one day per line",
		"rest 2026-10-01":              `"rest"`,
		"off 2026-10-01\nwork nonsens": "line 2",
		"off 2026-10-01..":             `"2026-10-01.."`,
	} {
		_, _, err := ParseCalendar(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseCalendar(%q) = %v, want an error mentioning %s", in, err, want)
		}
	}
}

func FuzzParseCalendar(f *testing.F) {
	f.Add(officialText)
	f.Add("off 2026-12-31..2027-01-02 元旦\nwork 2027-01-03")
	f.Add("off 2026-10-01..2026-09-01")
	f.Fuzz(func(t *testing.T, s string) {
		h, w, err := ParseCalendar(s)
		if err != nil {
			return
		}
		if len(h) > maxPeriod*(strings.Count(s, "\n")+1) {
			t.Fatalf("%d holidays from %d lines", len(h), strings.Count(s, "\n")+1)
		}
		for _, d := range append(h, w...) {
			if _, err := parseDate(d); err != nil {
				t.Fatalf("ParseCalendar(%q) returned %q", s, d)
			}
		}
	})
}
