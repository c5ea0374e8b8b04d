package dedup_test

import (
	"context"
	"testing"
	"time"

	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/dedup"
	"github.com/minsheng/minsheng/intake/queue/redistest"
)

func pet(id string, at time.Time, phone string, tg int64, text string) *intake.Petition {
	return &intake.Petition{ID: id, ReceivedAt: at, Description: text,
		Citizen: intake.Citizen{Phone: phone, TelegramUser: tg}}
}

func TestIndexLinksTheSameCitizensRepeat(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	ctx := context.Background()
	x := dedup.NewIndex(rdb, prefix, 72*time.Hour)
	t0 := time.Date(2026, 3, 11, 9, 0, 0, 0, time.UTC)
	const lamp = "小区门口的路灯坏了三个月，晚上很黑，老人孩子出门不安全，请尽快修理"
	const edited = "您好，小区门口的路灯坏了三个月了，晚上很黑，老人孩子出门都不安全，请尽快派人修理"
	const noise = "楼下烧烤店每天营业到凌晨两点，噪音太大无法入睡，请城管处理"
	for _, step := range []struct {
		name string
		p    *intake.Petition
		want string
	}{
		{"first", pet("MS-1", t0, "+8613912345678", 0, lamp), ""},
		{"edited, to another official", pet("MS-2", t0.Add(10*time.Minute), "+8613912345678", 0, edited), "MS-1"},
		{"retried delivery sees the same", pet("MS-2", t0.Add(10*time.Minute), "+8613912345678", 0, edited), "MS-1"},
		{"the earlier one retried sees nothing later", pet("MS-1", t0, "+8613912345678", 0, lamp), ""},
		{"another matter", pet("MS-3", t0.Add(time.Hour), "+8613912345678", 0, noise), ""},
		{"another citizen", pet("MS-4", t0.Add(time.Hour), "+8613900000000", 0, lamp), ""},
		{"Telegram with the phone shared", pet("MS-5", t0.Add(2*time.Hour), "+8613912345678", 777, lamp), "MS-1"},
		{"Telegram only, same user", pet("MS-6", t0.Add(3*time.Hour), "", 777, edited), "MS-5"},
		{"MS-1 and MS-2 out of the window", pet("MS-7", t0.Add(74*time.Hour), "+8613912345678", 0, lamp), "MS-5"},
		{"long after", pet("MS-8", t0.Add(200*time.Hour), "+8613912345678", 0, lamp), ""},
	} {
		got, err := x.Link(ctx, step.p)
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if got != step.want {
			t.Errorf("%s: duplicate of %q, want %q", step.name, got, step.want)
		}
	}
}

func TestIndexSameMomentLinksOneWay(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	ctx := context.Background()
	x := dedup.NewIndex(rdb, prefix, time.Hour)
	at := time.Date(2026, 3, 11, 9, 0, 0, 0, time.UTC)
	const text = "村里的自来水停了三天，几十户人家没有水喝"
	// The first linked counts as the earlier: never two petitions that
	// repeat each other, and a retry keeps the order.
	for i, order := range [][2]string{{"MS-A", "MS-B"}, {"MS-D", "MS-C"}} {
		phone := []string{"+8613912345678", "+8613912345679"}[i]
		got := map[string]string{}
		for _, id := range order {
			dup, err := x.Link(ctx, pet(id, at, phone, 0, text))
			if err != nil {
				t.Fatal(err)
			}
			got[id] = dup
		}
		for _, id := range order {
			if d := got[id]; d != "" && got[d] == id {
				t.Errorf("%s and %s repeat each other", id, d)
			}
		}
		// A retry of each sees the other as it is ordered.
		for _, id := range order {
			dup, _ := x.Link(ctx, pet(id, at, phone, 0, text))
			want := map[string]string{"MS-A": "", "MS-B": "MS-A", "MS-D": "", "MS-C": "MS-D"}[id]
			if dup != want {
				t.Errorf("%s linked again: %q, want %q", id, dup, want)
			}
		}
	}
}

func TestIndexOffWithoutWindowOrIdentity(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	ctx := context.Background()
	at := time.Date(2026, 3, 11, 9, 0, 0, 0, time.UTC)
	off := dedup.NewIndex(rdb, prefix, 0)
	for _, id := range []string{"MS-1", "MS-2"} {
		if got, err := off.Link(ctx, pet(id, at, "+8613912345678", 0, "路灯坏了")); got != "" || err != nil {
			t.Errorf("window 0: %q %v", got, err)
		}
	}
	on := dedup.NewIndex(rdb, prefix, time.Hour)
	for _, id := range []string{"MS-3", "MS-4"} {
		if got, err := on.Link(ctx, pet(id, at, "", 0, "路灯坏了")); got != "" || err != nil {
			t.Errorf("no phone, no Telegram user: %q %v", got, err)
		}
	}
}
