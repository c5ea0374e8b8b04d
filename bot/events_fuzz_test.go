package bot

import (
	"testing"
)

// FuzzParseEvent: whatever the backend posts, parsing never panics, and an
// accepted event has a known status and a time.
func FuzzParseEvent(f *testing.F) {
	for _, s := range []string{
		`{"status":"assigned","unit":"住建局","handler":{"name":"李明","phone":"0558-5123456"},"note":"x","at":"2026-03-12T09:30:00+08:00"}`,
		`{"status":"resolved","at":"2026-03-12T09:30:00Z"}`,
		`{"status":"done"}`, `{}`, `[]`, `null`, `{"status":"accepted","at":"2026-03-12T09:30:00+08:00"}{}`,
		`{"status":"accepted","at":"2026-13-12T09:30:00+08:00"}`, "\x00", `{"handler":null,"status":"closed","at":"2026-03-12T09:30:00+08:00"}`,
	} {
		f.Add([]byte(s), "CASE-1")
	}
	f.Fuzz(func(t *testing.T, body []byte, caseID string) {
		ev, err := parseEvent(body, caseID)
		if err != nil {
			return
		}
		if !knownStatus[ev.Status] || ev.At.IsZero() || ev.CaseID != caseID {
			t.Fatalf("accepted a bad event: %+v", ev)
		}
	})
}
