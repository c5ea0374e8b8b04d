package bot

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/minsheng/minsheng/config"
	"github.com/minsheng/minsheng/dialog"
	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/queue/redistest"
)

// submitAt runs one complete appeal received at the given Beijing time
// through the dialog the configuration builds and returns its petition.
func submitAt(t *testing.T, cfg *config.Config, received, text string) *intake.Petition {
	t.Helper()
	answerEach := time.Duration(0)
	set, err := DialogSettings(cfg, &answerEach)
	if err != nil {
		t.Fatal(err)
	}
	now, err := time.ParseInLocation("2006-01-02 15:04", received, cfg.Location())
	if err != nil {
		t.Fatal(err)
	}
	out := dialog.New(set, nil).Step(&dialog.State{}, dialog.Input{Kind: dialog.KindMessage, Now: now,
		Official: dialog.Official{Number: "+8613800000001"},
		Message: &dialog.Message{Channel: ChannelSMS, Citizen: intake.Citizen{Phone: "+8613912345678"},
			Text: text, At: now, PetitionID: "MS-20260930-AAAAA"}})
	for _, e := range out.Events {
		if e.Submit != nil {
			return e.Submit
		}
	}
	t.Fatalf("%q: no petition submitted", text)
	return nil
}

// TestDefaultDeadlinesFollowTheHolidays: with the default configuration, a
// petition received on 2026-09-30 is assigned after the National Day week
// (10-08) and resolved counting the make-up Saturday 10-10: 5 working days
// for a broken street light (10-14), 2 for a water cut (10-10). The
// deployment's own dates win over the built-in ones.
func TestDefaultDeadlinesFollowTheHolidays(t *testing.T) {
	day := func(s string) time.Time {
		d, _ := time.ParseInLocation("2006-01-02", s, time.FixedZone("CST", 8*3600))
		return d.Add(24*time.Hour - time.Second)
	}
	def := config.Default()
	worked := config.Default()
	worked.Intake.Workdays = []string{"2026-10-07"} // this office works the last day of the holiday
	tests := []struct {
		name            string
		cfg             *config.Config
		text            string
		urgency         string
		assign, resolve time.Time
	}{
		{"normal", &def, "幸福小区3号楼门口的路灯坏了一个月了", intake.UrgencyNormal, day("2026-10-08"), day("2026-10-14")},
		{"urgent", &def, "幸福小区3号楼停水两天了，一直没人来修", intake.UrgencyUrgent, day("2026-10-08"), day("2026-10-10")},
		{"office works 10-07", &worked, "幸福小区3号楼门口的路灯坏了一个月了", intake.UrgencyNormal, day("2026-10-07"), day("2026-10-13")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := submitAt(t, tt.cfg, "2026-09-30 10:00", tt.text)
			if p.Urgency != tt.urgency || !p.Deadlines.AssignBy.Equal(tt.assign) || !p.Deadlines.ResolveBy.Equal(tt.resolve) {
				t.Errorf("urgency %s, assign by %s, resolve by %s; want %s, %s, %s", p.Urgency,
					p.Deadlines.AssignBy, p.Deadlines.ResolveBy, tt.urgency, tt.assign, tt.resolve)
			}
		})
	}
}

// TestRuntimeWarnsOfAYearWithoutHolidays: in a year the built-in calendar
// does not know and the configuration does not list, deadlines skip only
// weekends; in a year it knows only by law (its notice not yet built in),
// they miss the 调休; the runtime says so when it starts rather than miss
// silently.
func TestRuntimeWarnsOfAYearWithoutHolidays(t *testing.T) {
	for _, tt := range []struct {
		now      time.Time
		holidays []string
		warn     bool
	}{
		{time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC), nil, false},
		{time.Date(2027, 1, 4, 9, 0, 0, 0, time.UTC), nil, true}, // statutory days only
		{time.Date(2028, 1, 4, 9, 0, 0, 0, time.UTC), nil, true}, // nothing at all
		{time.Date(2027, 1, 4, 9, 0, 0, 0, time.UTC), []string{"2027-01-01"}, false},
		{time.Date(2028, 1, 4, 9, 0, 0, 0, time.UTC), []string{"2028-01-01"}, false},
	} {
		rdb, prefix := redistest.Client(t)
		cfg := config.Default()
		dir := t.TempDir()
		cfg.Backend.File.Path, cfg.Backend.Journal, cfg.Redis.Spool = dir+"/p.jsonl", dir+"/c.jsonl", dir+"/spool"
		cfg.Intake.Holidays = tt.holidays
		var logs bytes.Buffer
		rt, err := NewRuntime(context.Background(), &cfg, slog.New(slog.NewTextHandler(&logs, nil)),
			RuntimeOptions{Store: NewStore(rdb, prefix), Now: func() time.Time { return tt.now }})
		if err != nil {
			t.Fatal(err)
		}
		rt.Close()
		got := strings.Contains(logs.String(), "no public holidays known for this year") ||
			strings.Contains(logs.String(), "holiday notice for this year is not built in")
		if got != tt.warn {
			t.Errorf("%s with holidays %v: warned %v, want %v\n%s", tt.now.Format("2006-01-02"), tt.holidays, got, tt.warn, logs.String())
		}
	}
}
