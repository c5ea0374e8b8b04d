package telegram_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/minsheng/minsheng/bot/telegram/telegramtest"
	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/backend/webhook/webhooktest"
)

// resolve tells the conversation its case was resolved, as the backend's
// status event does, and returns the survey message sent.
func resolve(t *testing.T, h *harness, caseID string, n int) telegramtest.Sent {
	t.Helper()
	ctx := context.Background()
	d, ok, err := h.rt.Outbox.Lookup(ctx, caseID)
	if err != nil || !ok {
		t.Fatalf("case %s: %v %v", caseID, ok, err)
	}
	ev := intake.StatusEvent{CaseID: caseID, Status: intake.StatusResolved, Unit: "谯城区住建局", Note: "已修好", At: time.Now()}
	if _, err := h.rt.Pipeline.Status(ctx, d, ev); err != nil {
		t.Fatal(err)
	}
	sent := h.fake.WaitForSent(t, n, 10*time.Second)
	return sent[n-1]
}

func buttons(t *testing.T, s telegramtest.Sent) []string {
	t.Helper()
	var kb struct {
		InlineKeyboard [][]struct {
			Text         string `json:"text"`
			CallbackData string `json:"callback_data"`
		} `json:"inline_keyboard"`
	}
	if err := json.Unmarshal(s.Markup, &kb); err != nil || len(kb.InlineKeyboard) != 1 {
		t.Fatalf("survey without buttons: %s", s.Markup)
	}
	var data []string
	for _, b := range kb.InlineKeyboard[0] {
		data = append(data, b.CallbackData)
	}
	return data
}

func ratings(h *harness) []map[string]any {
	var out []map[string]any
	for _, l := range h.lines() {
		if l["type"] == "rating" {
			out = append(out, l)
		}
	}
	return out
}

// In a private chat the survey comes with 满意 / 理解 / 不满意 buttons; a
// press is answered, the buttons removed, the rating recorded at once.
func TestPrivateSurveyButton(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.start()
	h.fake.AddUpdate(telegramtest.PrivateText(citizenID, "李大爷", "幸福小区3号楼门口的路灯坏了一个月了"))
	id := idIn(t, h.fake.WaitForSent(t, 1, 10*time.Second)[0].Text)
	h.drained()
	survey := resolve(t, h, id, 2)
	data := buttons(t, survey)
	if len(data) != 3 || data[0] != "rate:1" {
		t.Fatalf("buttons %v", data)
	}
	press := telegramtest.CallbackQuery(citizenID, "李大爷", citizenID, survey.MessageID, data[0])
	h.fake.AddUpdate(press)
	h.fake.WaitForSent(t, 3, 10*time.Second) // thanks
	h.drained()
	if rs := ratings(h); len(rs) != 1 || rs[0]["rating"] != "satisfied" || rs[0]["recorded_by"] != nil {
		t.Errorf("ratings %v", rs)
	}
	if n := len(h.fake.Calls("answerCallbackQuery")); n != 1 {
		t.Errorf("%d answerCallbackQuery", n)
	}
	m, _ := h.fake.Message(citizenID, survey.MessageID)
	if m.ReplyMarkup != nil && len(m.ReplyMarkup.InlineKeyboard) > 0 {
		t.Errorf("buttons left after the answer: %+v", m.ReplyMarkup)
	}
	// Someone else pressing the citizen's buttons records nothing.
	h.fake.AddUpdate(telegramtest.CallbackQuery(777, "别人", citizenID, survey.MessageID, data[2]))
	h.fake.WaitForCalls(t, "answerCallbackQuery", 2, 10*time.Second)
	h.drained()
	if rs := ratings(h); len(rs) != 1 {
		t.Errorf("a stranger's press was recorded: %v", rs)
	}
}

// A group petition without a phone: the survey goes to the group under the
// receipt, and staff record the resident's answer (电话测评), named in the
// rating.
func TestGroupSurveyRecordedByStaff(t *testing.T) {
	h := newHarness(t, harnessOptions{staff: []int64{staffID}})
	h.start()
	h.fake.AddUpdate(forwardOf(telegramtest.OriginUser(citizenID, "李大爷"), "幸福小区5栋下水道堵了好几天"))
	id := idIn(t, h.fake.WaitForSent(t, 1, 10*time.Second)[0].Text)
	h.drained()
	survey := resolve(t, h, id, 2)
	if survey.ChatID != group {
		t.Fatalf("survey went to %d, want the group", survey.ChatID)
	}
	data := buttons(t, survey)
	h.fake.AddUpdate(telegramtest.CallbackQuery(555, "路人甲", group, survey.MessageID, data[2])) // not staff
	h.fake.WaitForCalls(t, "answerCallbackQuery", 1, 10*time.Second)
	h.fake.AddUpdate(telegramtest.CallbackQuery(staffID, "王网格员", group, survey.MessageID, data[2]))
	h.fake.WaitForCalls(t, "answerCallbackQuery", 2, 10*time.Second)
	h.drained()
	rs := ratings(h)
	if len(rs) != 1 || rs[0]["rating"] != "unsatisfied" {
		t.Fatalf("ratings %v", rs)
	}
	by, _ := rs[0]["recorded_by"].(map[string]any)
	if by == nil || by["telegram_user"] != float64(staffID) {
		t.Errorf("recorded_by %v", rs[0]["recorded_by"])
	}
	if !strings.Contains(h.fake.Sent()[len(h.fake.Sent())-1].Text, "原因") {
		t.Errorf("a bare 不满意 asks for the reason: %q", h.fake.Sent()[len(h.fake.Sent())-1].Text)
	}
}

// The same with a webhook backend: the rating reaches it with recorded_by,
// the staff member who pressed the button, as docs/backend-openapi.yaml
// declares it (the fake validates the request).
func TestGroupSurveyRecordedByStaffReachesTheWebhook(t *testing.T) {
	office := webhooktest.NewFake(t, webhookSecret)
	h := newHarness(t, harnessOptions{staff: []int64{staffID}, webhook: office})
	h.start()
	h.fake.AddUpdate(forwardOf(telegramtest.OriginUser(citizenID, "李大爷"), "幸福小区5栋下水道堵了好几天"))
	id := idIn(t, h.fake.WaitForSent(t, 1, 10*time.Second)[0].Text)
	h.drained()
	if n := office.Taken(); n != 1 {
		t.Fatalf("%d petitions at the backend, want 1", n)
	}
	survey := resolve(t, h, "CASE-A", 2)
	data := buttons(t, survey)
	h.fake.AddUpdate(telegramtest.CallbackQuery(staffID, "王网格员", group, survey.MessageID, data[0]))
	h.fake.WaitForCalls(t, "answerCallbackQuery", 1, 10*time.Second)
	h.drained()
	var ratings []webhooktest.Request
	for _, r := range office.Requests() {
		if strings.HasSuffix(r.Path, "/rating") {
			ratings = append(ratings, r)
		}
	}
	if len(ratings) != 1 || ratings[0].Response != 200 || ratings[0].Path != "/petitions/"+id+"/rating" {
		t.Fatalf("ratings at the backend %+v, want one taken at /petitions/%s/rating", ratings, id)
	}
	var body struct {
		Rating     string `json:"rating"`
		RecordedBy *struct {
			Name         string `json:"name"`
			TelegramUser int64  `json:"telegram_user"`
			Chat         int64  `json:"chat"`
		} `json:"recorded_by"`
	}
	if err := json.Unmarshal([]byte(ratings[0].Body), &body); err != nil {
		t.Fatal(err)
	}
	if body.Rating != "satisfied" || body.RecordedBy == nil || body.RecordedBy.TelegramUser != staffID ||
		body.RecordedBy.Name != "王网格员" || body.RecordedBy.Chat != group {
		t.Errorf("rating %s: want satisfied, recorded_by the staff member %d in %d", ratings[0].Body, staffID, group)
	}
}

// A group petition with the resident's phone, SMS configured: status and
// survey go by SMS to the resident, not to the group.
func TestGroupPetitionWithPhoneIsSurveyedBySMS(t *testing.T) {
	h := newHarness(t, harnessOptions{smsFrom: "+8613800000001"})
	var sms []string
	h.rt.Add(smsRecorder{&sms})
	h.start()
	h.fake.AddUpdate(forwardOf(telegramtest.OriginUser(citizenID, "李大爷"), "幸福小区5栋下水道堵了，电话13912345678"))
	id := idIn(t, h.fake.WaitForSent(t, 1, 10*time.Second)[0].Text)
	h.drained()
	d, _, _ := h.rt.Outbox.Lookup(context.Background(), id)
	ev := intake.StatusEvent{CaseID: id, Status: intake.StatusResolved, Unit: "谯城区住建局", At: time.Now()}
	if _, err := h.rt.Pipeline.Status(context.Background(), d, ev); err != nil {
		t.Fatal(err)
	}
	h.drained()
	if len(sms) != 1 || !strings.HasPrefix(sms[0], "+8613912345678 from +8613800000001:") || !strings.Contains(sms[0], id) {
		t.Errorf("SMS %q", sms)
	}
	if n := len(h.fake.Sent()); n != 1 {
		t.Errorf("%d messages to the group, want the receipt only", n)
	}
}
