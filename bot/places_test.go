package bot

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/minsheng/minsheng/config"
	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/backend/webhook/webhooktest"
	"github.com/minsheng/minsheng/internal/testwait"
)

// A town named in the gazetteer (intake.places_file) without its county
// reaches the backend with location.county and location.town filled.
func TestGazetteerFillsCountyAndTown(t *testing.T) {
	gaz := filepath.Join(t.TempDir(), "places.txt")
	if err := os.WriteFile(gaz, []byte("谯城区 谯城\n谯城区/古井镇 古井\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f := webhooktest.NewFake(t, "hooksecret")
	w := newWorld(t, worldOptions{backend: webhookTo(t, f), configure: func(c *config.Config) { c.Intake.PlacesFile = gaz }})
	w.run()
	w.say("古井那边的垃圾站臭气熏天，好几天没人清运了")
	// The petition and the receipt go out on their own queues: wait for both.
	testwait.For(t, "taken and answered", func() bool { return f.Taken() == 1 && len(w.templates()) > 0 })
	var p intake.Petition
	if err := json.Unmarshal([]byte(f.Requests()[0].Body), &p); err != nil {
		t.Fatal(err)
	}
	want := intake.Location{Text: "古井", County: "谯城区", Town: "古井镇"}
	if p.Location != want {
		t.Errorf("location = %+v, want %+v", p.Location, want)
	}
	if got := w.templates(); len(got) != 1 || got[0] != "receipt" {
		t.Errorf("replies = %v, want the receipt alone (the place is said)", got)
	}
}

func TestDialogSettingsRefusesABadGazetteer(t *testing.T) {
	gaz := filepath.Join(t.TempDir(), "places.txt")
	os.WriteFile(gaz, []byte("谯城区/古井镇/某村\n"), 0o600)
	cfg := config.Default()
	cfg.Intake.PlacesFile = gaz
	_, err := DialogSettings(&cfg, nil)
	if err == nil || !strings.Contains(err.Error(), "intake.places_file") || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("DialogSettings with a bad gazetteer: %v", err)
	}
}
