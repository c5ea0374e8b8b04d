package workday

import (
	"testing"
	"time"
)

func TestOfficeHoursAtTheirEdges(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	// 2026: National Day week Oct 1–7 off, Saturday Oct 10 a make-up working day.
	cal, err := New(loc, []string{"2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06", "2026-10-07"}, []string{"2026-10-10"})
	if err != nil {
		t.Fatal(err)
	}
	at := func(day, hm string) time.Time {
		tt, err := time.ParseInLocation("2006-01-02 15:04", day+" "+hm, loc)
		if err != nil {
			t.Fatal(err)
		}
		return tt
	}
	cases := []struct {
		name     string
		t        time.Time
		in       bool
		offSince time.Time
		next     time.Time
	}{
		{"Monday 07:59", at("2026-11-30", "07:59"), false, at("2026-11-27", "18:00"), at("2026-11-30", "08:00")},
		{"Monday 08:00", at("2026-11-30", "08:00"), true, time.Time{}, at("2026-11-30", "08:00")},
		{"Monday 17:59", at("2026-11-30", "17:59"), true, time.Time{}, at("2026-11-30", "17:59")},
		{"Monday 18:00", at("2026-11-30", "18:00"), false, at("2026-11-30", "18:00"), at("2026-12-01", "08:00")},
		{"Tuesday midnight", at("2026-12-01", "00:00"), false, at("2026-11-30", "18:00"), at("2026-12-01", "08:00")},
		{"Saturday noon", at("2026-12-05", "12:00"), false, at("2026-12-04", "18:00"), at("2026-12-07", "08:00")},
		{"National Day, a Thursday", at("2026-10-01", "10:00"), false, at("2026-09-30", "18:00"), at("2026-10-08", "08:00")},
		{"make-up Saturday", at("2026-10-10", "10:00"), true, time.Time{}, at("2026-10-10", "10:00")},
		{"Friday after the make-up day", at("2026-10-09", "19:00"), false, at("2026-10-09", "18:00"), at("2026-10-10", "08:00")},
	}
	for _, c := range cases {
		h := DefaultHours
		if got := cal.InHours(h, c.t); got != c.in {
			t.Errorf("%s: InHours %v", c.name, got)
		}
		if got := cal.OffSince(h, c.t); !got.Equal(c.offSince) {
			t.Errorf("%s: OffSince %s, want %s", c.name, got, c.offSince)
		}
		if got := cal.NextOpen(h, c.t); !got.Equal(c.next) {
			t.Errorf("%s: NextOpen %s, want %s", c.name, got, c.next)
		}
	}
}

func TestParseHours(t *testing.T) {
	h, err := ParseHours([]int{1, 2, 3, 4, 5, 6}, "09:00", "17:30")
	if err != nil || !h.Days[time.Saturday] || h.Days[time.Sunday] || h.From != 540 || h.To != 1050 {
		t.Errorf("%+v %v", h, err)
	}
	if h, err := ParseHours(nil, "", ""); err != nil || h.Days != nil || h.From != 480 || h.To != 1080 {
		t.Errorf("default %+v %v", h, err)
	}
	for _, bad := range [][3]string{{"8", "08:00", "18:00"}, {"1", "18:00", "08:00"}, {"1", "8am", ""}} {
		days := []int{1}
		if bad[0] == "8" {
			days = []int{8}
		}
		if _, err := ParseHours(days, bad[1], bad[2]); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}
