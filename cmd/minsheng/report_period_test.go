package main

import (
	"testing"
	"time"
)

func TestPeriodOf(t *testing.T) {
	now := time.Date(2026, 4, 15, 10, 0, 0, 0, shanghai) // a Wednesday
	day := func(s string) string { return s }
	for _, c := range []struct {
		since, until, period string
		want                 [2]string
		err                  bool
	}{
		{since: "2026-03-01", until: "2026-03-31", want: [2]string{"2026-03-01", "2026-03-31"}},
		{since: "2026-04-01", want: [2]string{"2026-04-01", "2026-04-15"}},
		{period: "week", want: [2]string{"2026-04-06", "2026-04-12"}},
		{period: "month", want: [2]string{"2026-03-01", "2026-03-31"}},
		{period: "quarter", want: [2]string{"2026-01-01", "2026-03-31"}},
		// to date: today's traffic is in them
		{period: "this-week", want: [2]string{"2026-04-13", "2026-04-15"}},
		{period: "this-month", want: [2]string{"2026-04-01", "2026-04-15"}},
		{period: "this-quarter", want: [2]string{"2026-04-01", "2026-04-15"}},
		{period: "year", err: true},
		{period: "week", since: "2026-03-01", err: true},
		{since: "2026-03-31", until: "2026-03-01", err: true},
		{since: "31/03/2026", err: true},
		{err: true},
	} {
		p, err := periodOf(c.since, c.until, c.period, now, shanghai)
		if c.err {
			if err == nil {
				t.Errorf("%+v: no error", c)
			}
			continue
		}
		if err != nil || p.Since.Format("2006-01-02") != day(c.want[0]) || p.Until.Format("2006-01-02") != c.want[1] {
			t.Errorf("%+v: %v–%v %v", c, p.Since, p.Until, err)
		}
	}
	// a Monday: this week is today
	if p, _ := periodOf("", "", "this-week", time.Date(2026, 4, 13, 8, 0, 0, 0, shanghai), shanghai); p.Since.Format("2006-01-02") != "2026-04-13" ||
		p.Until.Format("2006-01-02") != "2026-04-13" {
		t.Errorf("this week on a Monday: %v–%v", p.Since, p.Until)
	}
	if got := periodLabel("this-week", "2026-04-13", "2026-04-15"); got != "本周至今（2026-04-13 至 2026-04-15）" {
		t.Errorf("label %q", got)
	}
	// January: the last quarter is the previous year's fourth
	p, _ := periodOf("", "", "quarter", time.Date(2026, 1, 5, 0, 0, 0, 0, shanghai), shanghai)
	if p.Since.Format("2006-01-02") != "2025-10-01" || p.Until.Format("2006-01-02") != "2025-12-31" {
		t.Errorf("quarter in January: %v–%v", p.Since, p.Until)
	}
}

// FuzzPeriodOf: any flags give a period or an error, never a panic, and a
// period runs forwards.
//
//	go test ./cmd/minsheng -run '^$' -fuzz FuzzPeriodOf -fuzztime 30s
func FuzzPeriodOf(f *testing.F) {
	f.Add("2026-03-01", "2026-03-31", "")
	f.Add("", "", "quarter")
	f.Add("2026-02-30", "", "")
	f.Add("9999-12-31", "0001-01-01", "week")
	now := time.Date(2026, 4, 15, 10, 0, 0, 0, shanghai)
	f.Fuzz(func(t *testing.T, since, until, period string) {
		p, err := periodOf(since, until, period, now, shanghai)
		if err == nil && p.Until.Before(p.Since) {
			t.Fatalf("%q %q %q: %v after %v", since, until, period, p.Since, p.Until)
		}
	})
}
