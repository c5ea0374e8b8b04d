package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/minsheng/minsheng/config"
	"github.com/minsheng/minsheng/intake/report"
	"github.com/minsheng/minsheng/internal/testwait"
)

// At night, with quiet hours on and the official off hours, a report of a
// gas smell gets the number to call at once (not the off-hours
// auto-reply), and the official's own phone gets the alert by SMS at once
// (no Telegram here), naming the case, the citizen's number and what they
// were told.
func TestAnEmergencyAtNightAlertsTheOfficeAtOnce(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	clk := &clock{now: time.Date(2026, 12, 8, 23, 30, 0, 0, loc)} // a Tuesday night
	w := newWorld(t, worldOptions{clock: clk, configure: func(c *config.Config) {
		c.Officials = []config.Official{{Number: "+8613800000001", Name: "张三", Title: "县长", ForwardTo: "+8613900000009",
			Schedule: config.Schedule{Days: []int{1, 2, 3, 4, 5}, From: "08:00", To: "18:00"}}}
	}})
	w.run()
	w.say("我闻到楼道里有很大的煤气味，怕是漏气了，城南花园7栋2单元")
	testwait.For(t, "the citizen's reply and the office's alert", func() bool { return len(w.sentCopy()) >= 2 })
	var citizen, office *Outbound
	for _, m := range w.sentCopy() {
		switch m.To {
		case "+8613912345678":
			citizen = &m
		case "+8613900000009":
			office = &m
		}
	}
	if citizen == nil || citizen.Template != "receipt_emergency" || !strings.Contains(citizen.Text, "拨打119") {
		t.Fatalf("the citizen got %+v, want the emergency receipt first", citizen)
	}
	id := idIn(citizen.Text)
	if office == nil {
		t.Fatalf("no alert to the official's phone: %+v", w.sentCopy())
	}
	for _, want := range []string{"紧急诉求", id, "+8613912345678", "拨打119"} {
		if !strings.Contains(office.Text, want) {
			t.Errorf("alert %q lacks %q", office.Text, want)
		}
	}
	if office.From != "+8613800000001" {
		t.Errorf("alert sent from %q, want the official's published number", office.From)
	}
}

// Noise opens nothing, is answered with a prompt, and is counted for the
// office: the report shows the messages without a matter.
func TestNoiseIsPromptedAndCounted(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.run()
	w.say("asdfghjkl")
	w.say("123456")
	testwait.For(t, "two prompts", func() bool { return len(w.templates()) == 2 })
	for _, tpl := range w.templates() {
		if tpl != "prompt_unclear" {
			t.Errorf("replies %v, want prompt_unclear twice", w.templates())
		}
	}
	r := &report.Reader{Redis: w.store.Redis, Prefix: w.store.Prefix, Loc: w.cfg.Location()}
	today := time.Now().In(w.cfg.Location())
	sums, err := r.Sum(context.Background(), report.Period{Since: today.AddDate(0, 0, -1), Until: today}, "a")
	if err != nil {
		t.Fatal(err)
	}
	f := report.FiguresOf(sums[""])
	if f.Messages != 2 || f.NoMatter != 2 || f.Petitions != 0 {
		t.Errorf("figures: %d messages, %d without matter, %d petitions; want 2, 2, 0", f.Messages, f.NoMatter, f.Petitions)
	}
}

func (w *world) sentCopy() []Outbound {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]Outbound(nil), w.sent...)
}

func idIn(text string) string {
	i := strings.Index(text, "MS-")
	if i < 0 || len(text) < i+17 {
		return "MS-"
	}
	return text[i : i+17]
}
