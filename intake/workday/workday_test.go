package workday

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/minsheng/minsheng/intake"
)

// cst is Asia/Shanghai without depending on the host's tzdata: China has had
// no daylight saving time since 1991, so a fixed +08:00 zone is exact.
var cst = time.FixedZone("CST", 8*3600)

// The 2026 arrangement from 国务院办公厅关于2026年部分节假日安排的通知
// (published 2025-11-04):
//
//	元旦   01-01..01-03 off, 01-04 (Sun) works
//	春节   02-15..02-23 off, 02-14 (Sat) and 02-28 (Sat) work
//	清明   04-04..04-06 off
//	劳动节 05-01..05-05 off, 05-09 (Sat) works
//	端午   06-19..06-21 off
//	中秋   09-25..09-27 off
//	国庆   10-01..10-07 off, 09-20 (Sun) and 10-10 (Sat) work
var (
	holidays2026 = []string{
		"2026-01-01", "2026-01-02", "2026-01-03",
		"2026-02-15", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20", "2026-02-21", "2026-02-22", "2026-02-23",
		"2026-04-04", "2026-04-05", "2026-04-06",
		"2026-05-01", "2026-05-02", "2026-05-03", "2026-05-04", "2026-05-05",
		"2026-06-19", "2026-06-20", "2026-06-21",
		"2026-09-25", "2026-09-26", "2026-09-27",
		"2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04", "2026-10-05", "2026-10-06", "2026-10-07",
	}
	workdays2026 = []string{"2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"}
)

func cal2026(t *testing.T) *Calendar {
	t.Helper()
	c, err := New(cst, holidays2026, workdays2026)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// at parses a local Beijing time "2006-01-02 15:04".
func at(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, cst)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// eod is the end of a local Beijing day "2006-01-02".
func eod(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation(DateLayout, s, cst)
	if err != nil {
		t.Fatal(err)
	}
	return v.Add(24*time.Hour - time.Second)
}

func TestIsWorkday2026(t *testing.T) {
	c := cal2026(t)
	tests := []struct {
		day  string
		want bool
	}{
		{"2026-03-11", true},  // ordinary Wednesday
		{"2026-03-14", false}, // ordinary Saturday
		{"2026-03-15", false}, // ordinary Sunday
		{"2026-01-01", false}, // 元旦, Thursday
		{"2026-01-04", true},  // make-up Sunday
		{"2026-02-14", true},  // make-up Saturday before 春节
		{"2026-02-16", false}, // 春节, Monday
		{"2026-02-23", false}, // last day of 春节, Monday
		{"2026-02-24", true},  // first day back
		{"2026-02-28", true},  // make-up Saturday after 春节
		{"2026-09-20", true},  // make-up Sunday before 国庆
		{"2026-09-25", false}, // 中秋, Friday
		{"2026-10-01", false}, // 国庆, Thursday
		{"2026-10-07", false}, // 国庆, Wednesday
		{"2026-10-08", true},
		{"2026-10-10", true},  // make-up Saturday
		{"2026-10-11", false}, // plain Sunday
	}
	for _, tt := range tests {
		// Noon and the two edges of the local day must agree.
		for _, hm := range []string{"00:00", "12:00", "23:59"} {
			if got := c.IsWorkday(at(t, tt.day+" "+hm)); got != tt.want {
				t.Errorf("IsWorkday(%s %s) = %v, want %v", tt.day, hm, got, tt.want)
			}
		}
	}
}

func TestIsWorkdayUsesCalendarZone(t *testing.T) {
	c := cal2026(t)
	// 2026-09-30T16:30Z is 10-01 00:30 in Beijing: a holiday there, although
	// still Wednesday 09-30 in UTC.
	u := time.Date(2026, 9, 30, 16, 30, 0, 0, time.UTC)
	if c.IsWorkday(u) {
		t.Errorf("IsWorkday(%v) = true, want false (10-01 in Beijing)", u)
	}
	if !c.IsWorkday(u.Add(-time.Hour)) {
		t.Errorf("IsWorkday(%v) = false, want true (09-30 23:30 in Beijing)", u.Add(-time.Hour))
	}
}

func TestZeroCalendarIsMondayToFridayUTC(t *testing.T) {
	var c Calendar
	sat := time.Date(2026, 10, 10, 12, 0, 0, 0, time.UTC)
	if c.IsWorkday(sat) {
		t.Error("zero Calendar: Saturday is a workday")
	}
	if !c.IsWorkday(sat.AddDate(0, 0, -1)) {
		t.Error("zero Calendar: Friday is not a workday")
	}
	got := c.AddWorkdays(time.Date(2026, 10, 9, 8, 0, 0, 0, time.UTC), 1)
	if want := time.Date(2026, 10, 12, 23, 59, 59, 0, time.UTC); !got.Equal(want) {
		t.Errorf("zero Calendar AddWorkdays(Fri, 1) = %v, want %v", got, want)
	}
	var nilCal *Calendar
	if !nilCal.IsWorkday(sat.AddDate(0, 0, -1)) {
		t.Error("nil *Calendar: Friday is not a workday")
	}
}

func TestAddWorkdays2026(t *testing.T) {
	c := cal2026(t)
	tests := []struct {
		name     string
		received string
		n        int
		want     string
	}{
		{"ordinary next day", "2026-03-10 14:05", 1, "2026-03-11"},
		{"late night counts as its own day", "2026-03-10 23:59", 1, "2026-03-11"},
		{"early morning counts as its own day", "2026-03-11 00:01", 1, "2026-03-12"},
		{"Friday to Monday", "2026-03-13 23:30", 1, "2026-03-16"},
		{"Saturday to Monday", "2026-03-14 10:00", 1, "2026-03-16"},
		{"five working days over a weekend", "2026-03-11 09:00", 5, "2026-03-18"},
		// The Friday before a holiday at 23:30 lands after the holiday.
		{"Friday 23:30 before 清明", "2026-04-03 23:30", 1, "2026-04-07"},
		{"last day before 国庆 at 23:30", "2026-09-30 23:30", 1, "2026-10-08"},
		{"last day before 劳动节", "2026-04-30 23:30", 1, "2026-05-06"},
		{"Thursday before 中秋", "2026-09-24 10:00", 1, "2026-09-28"},
		{"Friday before 春节 lands on the make-up Saturday", "2026-02-13 23:30", 1, "2026-02-14"},
		{"make-up Saturday to after 春节", "2026-02-14 09:00", 1, "2026-02-24"},
		{"two working days across 春节", "2026-02-13 23:30", 2, "2026-02-24"},
		{"make-up Sunday counts", "2026-09-18 23:30", 1, "2026-09-20"},
		{"received on a holiday", "2026-10-03 11:00", 1, "2026-10-08"},
		{"received on a make-up Saturday", "2026-10-10 09:00", 1, "2026-10-12"},
		{"over the year end into 元旦 make-up Sunday", "2025-12-31 18:00", 1, "2026-01-04"},
		{"n=0 on a working day is the same day", "2026-03-10 08:00", 0, "2026-03-10"},
		{"n=0 on a holiday is the next working day", "2026-10-01 08:00", 0, "2026-10-08"},
		{"negative n behaves like 0", "2026-03-10 08:00", -3, "2026-03-10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.AddWorkdays(at(t, tt.received), tt.n)
			if want := eod(t, tt.want); !got.Equal(want) {
				t.Errorf("AddWorkdays(%s, %d) = %v, want %v", tt.received, tt.n, got, want)
			}
			if got.Location() != cst {
				t.Errorf("result in %v, want the calendar's zone", got.Location())
			}
		})
	}
}

func TestAddWorkdaysConvertsToCalendarZone(t *testing.T) {
	c := cal2026(t)
	// 2026-03-10T17:00Z is Wednesday 03-11 01:00 in Beijing, so the next
	// working day is Thursday 03-12, not Wednesday.
	got := c.AddWorkdays(time.Date(2026, 3, 10, 17, 0, 0, 0, time.UTC), 1)
	if want := eod(t, "2026-03-12"); !got.Equal(want) {
		t.Errorf("AddWorkdays = %v, want %v", got, want)
	}
}

// TestAddWorkdaysProperties checks AddWorkdays against a naive count on
// random instants across 2026: the result is the end of a working day, and
// exactly n working days lie in (t's day, result's day].
func TestAddWorkdaysProperties(t *testing.T) {
	c := cal2026(t)
	r := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2025, 12, 20, 0, 0, 0, 0, cst)
	for i := 0; i < 2000; i++ {
		tm := start.Add(time.Duration(r.Int64N(int64(380 * 24 * time.Hour))))
		n := 1 + r.IntN(12)
		got := c.AddWorkdays(tm, n)
		if h, m, s := got.Clock(); h != 23 || m != 59 || s != 59 || got.Nanosecond() != 0 {
			t.Fatalf("AddWorkdays(%v, %d) = %v, not 23:59:59", tm, n, got)
		}
		if !c.IsWorkday(got) {
			t.Fatalf("AddWorkdays(%v, %d) = %v, not a working day", tm, n, got)
		}
		count := 0
		y, mo, d := tm.Date()
		for day := time.Date(y, mo, d+1, 12, 0, 0, 0, cst); !day.After(got); day = day.AddDate(0, 0, 1) {
			if c.IsWorkday(day) {
				count++
			}
		}
		if count != n {
			t.Fatalf("AddWorkdays(%v, %d) = %v: %d working days in between", tm, n, got, count)
		}
	}
}

func TestDeadlines2026(t *testing.T) {
	c := cal2026(t)
	type want struct{ assign, contact, resolve string }
	tests := []struct {
		name     string
		received string
		urgent   bool
		sla      SLA
		want     want
	}{
		{
			name: "ordinary Tuesday", received: "2026-03-10 14:05", sla: DefaultSLA,
			// assigned Wed 03-11; contact 3 days later; 5 working days after 03-11.
			want: want{"2026-03-11", "2026-03-14", "2026-03-18"},
		},
		{
			name: "ordinary urgent: contact capped at resolution", received: "2026-03-10 14:05", urgent: true, sla: DefaultSLA,
			want: want{"2026-03-11", "2026-03-13", "2026-03-13"},
		},
		{
			name: "23:30 before 国庆", received: "2026-09-30 23:30", sla: DefaultSLA,
			// assign 10-08; resolve 10-09, 10-10 (make-up Sat), 10-12, 10-13, 10-14.
			want: want{"2026-10-08", "2026-10-11", "2026-10-14"},
		},
		{
			name: "23:30 before 国庆, urgent", received: "2026-09-30 23:30", urgent: true, sla: DefaultSLA,
			want: want{"2026-10-08", "2026-10-10", "2026-10-10"},
		},
		{
			name: "Friday 23:30 before 清明", received: "2026-04-03 23:30", sla: DefaultSLA,
			want: want{"2026-04-07", "2026-04-10", "2026-04-14"},
		},
		{
			// The contact limit is in calendar days, so it can fall inside
			// the Spring Festival; resolution skips it and ends on the
			// make-up Saturday 02-28.
			name: "Friday 23:30 before 春节", received: "2026-02-13 23:30", sla: DefaultSLA,
			want: want{"2026-02-14", "2026-02-17", "2026-02-28"},
		},
		{
			name: "zero SLA takes the defaults", received: "2026-09-30 23:30", sla: SLA{},
			want: want{"2026-10-08", "2026-10-11", "2026-10-14"},
		},
		{
			name: "custom SLA, unset fields default", received: "2026-03-10 14:05",
			sla: SLA{AssignNextWorkdays: 2, ResolveWorkdays: 7},
			// assign Thu 03-12; contact 03-15; 7 working days after 03-12 → 03-23.
			want: want{"2026-03-12", "2026-03-15", "2026-03-23"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.Deadlines(at(t, tt.received), tt.urgent, tt.sla)
			exp := intake.Deadlines{AssignBy: eod(t, tt.want.assign), ContactBy: eod(t, tt.want.contact), ResolveBy: eod(t, tt.want.resolve)}
			if !got.AssignBy.Equal(exp.AssignBy) || !got.ContactBy.Equal(exp.ContactBy) || !got.ResolveBy.Equal(exp.ResolveBy) {
				t.Errorf("Deadlines(%s, urgent=%v) =\n  assign %v contact %v resolve %v\nwant\n  assign %v contact %v resolve %v",
					tt.received, tt.urgent, got.AssignBy, got.ContactBy, got.ResolveBy, exp.AssignBy, exp.ContactBy, exp.ResolveBy)
			}
			if got.ContactBy.Before(got.AssignBy) || got.ResolveBy.Before(got.AssignBy) {
				t.Errorf("deadlines out of order: %+v", got)
			}
		})
	}
}

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name               string
		loc                *time.Location
		holidays, workdays []string
		wantErr            []string // substrings; empty = no error
	}{
		{name: "ok", loc: cst, holidays: holidays2026, workdays: workdays2026},
		{name: "empty lists", loc: cst},
		{name: "nil zone", loc: nil, wantErr: []string{"nil time zone"}},
		{name: "no leading zeros", loc: cst, holidays: []string{"2026-1-1"}, wantErr: []string{`"2026-1-1"`}},
		{name: "impossible date", loc: cst, holidays: []string{"2026-02-30"}, wantErr: []string{`"2026-02-30"`}},
		{name: "empty string", loc: cst, workdays: []string{""}, wantErr: []string{"workdays"}},
		{name: "other format", loc: cst, workdays: []string{"2026/10/10"}, wantErr: []string{`"2026/10/10"`}},
		{
			name: "listed in both", loc: cst, holidays: []string{"2026-10-10"}, workdays: []string{"2026-10-10"},
			wantErr: []string{"2026-10-10 is listed as both"},
		},
		{
			name: "every problem reported", loc: cst, holidays: []string{"x", "2026-10-01"}, workdays: []string{"y"},
			wantErr: []string{`"x"`, `"y"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.loc, tt.holidays, tt.workdays)
			if len(tt.wantErr) == 0 {
				if err != nil || c == nil {
					t.Fatalf("New: %v", err)
				}
				if len(c.Holidays) != len(tt.holidays) || len(c.Workdays) != len(tt.workdays) {
					t.Errorf("New kept %d holidays, %d workdays; want %d, %d", len(c.Holidays), len(c.Workdays), len(tt.holidays), len(tt.workdays))
				}
				return
			}
			if err == nil {
				t.Fatalf("New = nil error, want one mentioning %q", tt.wantErr)
			}
			for _, s := range tt.wantErr {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
		})
	}
}

func TestSLAValidate(t *testing.T) {
	if err := DefaultSLA.Validate(); err != nil {
		t.Errorf("DefaultSLA.Validate: %v", err)
	}
	if err := (SLA{}).Validate(); err != nil {
		t.Errorf("zero SLA.Validate: %v", err)
	}
	err := SLA{ContactDays: -1, ResolveWorkdays: -2}.Validate()
	if err == nil || !strings.Contains(err.Error(), "contact_days") || !strings.Contains(err.Error(), "resolve_workdays") {
		t.Errorf("Validate negative = %v, want both fields named", err)
	}
}
