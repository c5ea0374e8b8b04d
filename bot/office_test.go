package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/minsheng/minsheng/config"
	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/internal/testwait"
)

// officialWorld is a world whose citizen writes to the mayor, an official
// with office hours around the clock (so only busy periods make them away).
func officialWorld(t *testing.T, clk *clock) *world {
	t.Helper()
	w := newWorld(t, worldOptions{clock: clk, configure: func(c *config.Config) {
		c.Officials = []config.Official{{Number: "+8613800000001", Name: "张三", Title: "市长", TelegramUser: 111,
			Schedule: config.Schedule{Days: []int{1, 2, 3, 4, 5, 6, 7}, From: "00:00", To: "23:59"}}}
	}})
	w.run()
	return w
}

// Busy → a greeting, then the complaint: one 会后联系 auto-reply, the
// petition flagged official_busy, one item on the call-back list with the
// petition; the ingest still costs two round trips (the busy period is read
// in the ingest script).
func TestBusyOfficialAutoReplyOnceAndCallBackItem(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	clk := &clock{now: time.Date(2026, 11, 30, 10, 0, 0, 0, loc)}
	w := officialWorld(t, clk)
	ctx := context.Background()
	if _, err := w.rt.office.SetBusy(ctx, "+8613800000001", clk.Now().Add(2*time.Hour), "开会"); err != nil {
		t.Fatal(err)
	}
	w.say("书记您好")
	clk.Set(clk.Now().Add(time.Minute))
	w.say("幸福小区3号楼门口的路灯坏了一个月了")
	testwait.For(t, "two replies", func() bool { return len(w.templates()) == 2 })
	if got := strings.Join(w.templates(), ","); got != "meeting_auto_reply,receipt" {
		t.Fatalf("replies %s", got)
	}
	w.mu.Lock()
	text := w.sent[0].Text
	w.mu.Unlock()
	if !strings.Contains(text, "市长张三") || !strings.Contains(text, "会后联系") {
		t.Errorf("auto-reply %q", text)
	}
	recs := streamRecords[struct {
		Petition *intake.Petition `json:"petition"`
	}](t, w.store, "outbox")
	if len(recs) != 1 || !recs[0].Petition.HasFlag(intake.FlagOfficialBusy) {
		t.Fatalf("petition %+v", recs)
	}
	testwait.For(t, "the call-back item with the petition", func() bool {
		items, _ := w.rt.office.Items(ctx, "+8613800000001", true, "")
		return len(items) == 1 && items[0].PetitionID == recs[0].Petition.ID && items[0].Phone == "+8613912345678"
	})
	// The next busy period: told again.
	w.rt.office.SetAvailable(ctx, "+8613800000001")
	w.rt.office.SetBusy(ctx, "+8613800000001", clk.Now().Add(3*time.Hour), "")
	clk.Set(clk.Now().Add(time.Hour))
	w.say("人民路和解放路路口的红绿灯坏了两天了，很危险")
	testwait.For(t, "third reply", func() bool { return len(w.templates()) == 3 })
	if got := w.templates()[2]; got != "receipt_busy" {
		t.Errorf("next period: %s", got)
	}
	if items, _ := w.rt.office.Items(ctx, "+8613800000001", true, ""); len(items) == 0 {
		t.Error("no items")
	}
}
