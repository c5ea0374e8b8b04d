package aliyun_test

import (
	"strings"
	"testing"
	"time"
)

// TestOverTheDailyBudgetACitizenGetsOneMergedSMSAndNothingIsLost, on a
// fixed clock with daily_limit 3: two SMS go as they are; what would
// exceed the budget is merged into the day's last SMS (a receipt and a
// survey), a survey reminder and what comes after the merged SMS wait for
// the next morning, and go then; none is sent twice.
func TestOverTheDailyBudgetACitizenGetsOneMergedSMSAndNothingIsLost(t *testing.T) {
	u := newUnit(t, unitOptions{limit: 3})
	day1 := u.clock.Now() // 2026-12-08 10:00 Asia/Shanghai
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(u.send(msg(1, "receipt", map[string]string{"id": "MS-20261208-AAAA1"})))
	must(u.send(msg(2, "status_assigned", map[string]string{"id": "MS-20261208-AAAA1", "unit": "住建局"})))
	// Over: kept for the day's last SMS, which is queued once.
	must(u.send(msg(3, "survey", map[string]string{"id": "MS-20261208-AAAA1", "summary": "路灯坏了"})))
	must(u.send(msg(4, "receipt", map[string]string{"id": "MS-20261208-BBBB2"})))
	if n := len(u.fake.Messages()); n != 2 {
		t.Fatalf("SMS before the merged one: %d, want 2", n)
	}
	digests := u.resends.all()
	if len(digests) != 1 || digests[0].Template != "digest" || digests[0].To != citizen {
		t.Fatalf("merged SMS queued: %+v", digests)
	}
	// A survey reminder can wait for tomorrow.
	remind := msg(5, "survey_remind", map[string]string{"id": "MS-20261208-AAAA1"})
	if err := u.send(remind); err == nil || !strings.Contains(err.Error(), "deferred for 21h0m0s") {
		t.Fatalf("reminder over the budget: %v, want deferred to 07:00 tomorrow", err)
	}
	// The merged SMS: both owed messages, in brief.
	must(u.send(digests[0]))
	got := u.fake.Messages()
	if len(got) != 3 {
		t.Fatalf("SMS today: %d, want 3", len(got))
	}
	d := got[2]
	if d.TemplateCode != aliyunConfig(u.fake, 3).Templates["digest"].Code || d.Params["count"] != "2" ||
		!strings.Contains(d.Params["items"], "MS-20261208-AAAA1") || len([]rune(d.Params["items"])) > 35 {
		t.Errorf("merged SMS: %+v", d)
	}
	// After it, even a status change waits for tomorrow: the day's
	// budget is spent. Redeliveries of what was merged send nothing.
	later := msg(6, "status_closed", map[string]string{"id": "MS-20261208-AAAA1"})
	if err := u.send(later); err == nil || !strings.Contains(err.Error(), "deferred for") {
		t.Fatalf("after the merged SMS: %v, want deferred", err)
	}
	must(u.send(msg(3, "survey", map[string]string{"id": "MS-20261208-AAAA1", "summary": "路灯坏了"})))
	must(u.send(digests[0]))
	if n := len(u.fake.Messages()); n != 3 {
		t.Fatalf("redeliveries sent something: %d SMS", n)
	}
	// The next morning what waited goes.
	u.clock.Set(time.Date(2026, 12, 9, 7, 0, 0, 0, loc))
	must(u.send(remind))
	must(u.send(later))
	got = u.fake.Messages()
	if len(got) != 5 {
		t.Fatalf("SMS over two days: %d, want 5", len(got))
	}
	for _, m := range got[3:] {
		if !m.At.After(day1.Add(20 * time.Hour)) {
			t.Errorf("sent on the first day: %+v", m)
		}
	}
	if got[3].OutID != remind.Key || got[4].OutID != later.Key {
		t.Errorf("next day: %s, %s", got[3].OutID, got[4].OutID)
	}
}
