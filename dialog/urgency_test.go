package dialog

import (
	"testing"
	"time"
)

// TestPetitionUrgencyAndDeadline checks that the petition's urgency comes
// from its words (built-in and intake.urgent_words) and sets the resolve
// deadline: received Wednesday 2026-03-11, assigned by Thursday, resolved
// 2 working days later (Monday 16th) when urgent, 5 (Thursday 19th) when not.
func TestPetitionUrgencyAndDeadline(t *testing.T) {
	day := func(s string) time.Time {
		d, _ := time.ParseInLocation("2006-01-02", s, t0.Location())
		return d.Add(24*time.Hour - time.Second)
	}
	extra := func(s *Settings) { s.UrgentWords = []string{"堤坝渗水"} }
	tests := []struct {
		name    string
		mod     func(*Settings)
		text    string
		urgency string
		resolve time.Time
		reply   string // default receipt
	}{
		{"outage", nil, "幸福小区3号楼停水两天了，一直没人来修", "urgent", day("2026-03-16"), "receipt_urgent"},
		{"outage the citizen says can wait", nil, "幸福小区3号楼停水了，不急，这周修好就行", "normal", day("2026-03-19"), ""},
		{"traditional", nil, "幸福小區3號樓燃氣洩漏，味道很大", "urgent", day("2026-03-16"), "receipt_emergency"},
		{"hazard", nil, "幸福小区3号楼楼道堆满杂物，存在火灾隐患", "normal", day("2026-03-19"), ""},
		{"citizen's hurry", nil, "幸福小区3号楼门口路灯坏了，很着急", "normal", day("2026-03-19"), ""},
		{"own word", extra, "幸福小区3号楼后面的堤坝渗水漏水很严重", "urgent", day("2026-03-16"), "receipt_urgent"},
		{"own word unknown", nil, "幸福小区3号楼后面的堤坝渗水漏水很严重", "normal", day("2026-03-19"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reply := "receipt"
			if tt.reply != "" {
				reply = tt.reply
			}
			play(t, machine(tt.mod), []step{{text: tt.text, want: []string{reply}, events: []string{"submit"},
				check: func(t *testing.T, st *State, out Output) {
					p := submitted(t, out)
					if p.Urgency != tt.urgency || !p.Deadlines.ResolveBy.Equal(tt.resolve) {
						t.Errorf("urgency %q, resolve by %s; want %q, %s", p.Urgency, p.Deadlines.ResolveBy, tt.urgency, tt.resolve)
					}
				}}})
		})
	}
}
