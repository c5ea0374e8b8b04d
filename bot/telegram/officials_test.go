package telegram_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/minsheng/minsheng/bot"
	"github.com/minsheng/minsheng/bot/telegram/telegramtest"
	"github.com/minsheng/minsheng/config"
	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/queue/redistest"
	"github.com/minsheng/minsheng/internal/testwait"
)

const officialUser = int64(111)

// An official sets themself busy from Telegram; a citizen writes (SMS);
// /free brings the list to the official's chat with a 已回电 button; the
// press marks it done.
func TestOfficialBusyFreeListAndDone(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	h := newHarness(t, harnessOptions{store: bot.NewStore(rdb, prefix), officials: []config.Official{{
		Number: "+8613800000001", Name: "张三", Title: "市长", TelegramUser: officialUser,
		Schedule: config.Schedule{Days: []int{1, 2, 3, 4, 5, 6, 7}, From: "00:00", To: "23:59"}}}})
	var sms []string
	h.rt.Add(smsRecorder{&sms})
	h.start()
	ctx := context.Background()
	h.fake.AddUpdate(telegramtest.PrivateText(officialUser, "张三", "/busy 2h 开会"))
	ack := h.fake.WaitForSent(t, 1, 10*time.Second)[0]
	if ack.ChatID != officialUser || !strings.Contains(ack.Text, "忙碌") {
		t.Fatalf("/busy answered %+v", ack)
	}
	in := bot.Inbound{Channel: bot.ChannelSMS, Conversation: "sms:+8613912345678",
		Reply: bot.Address{Channel: bot.ChannelSMS, To: "+8613912345678", From: "+8613800000001"}, To: "+8613800000001",
		Citizen: intake.Citizen{Phone: "+8613912345678"}, Text: "幸福小区3号楼门口的路灯坏了一个月了", ProviderID: "SM1", At: time.Now()}
	if _, err := h.rt.Pipeline.Handle(ctx, in); err != nil {
		t.Fatal(err)
	}
	h.drained()
	if len(sms) != 1 || !strings.Contains(sms[0], "开会") {
		t.Fatalf("the citizen got %q", sms)
	}
	testwait.For(t, "the item on the list", func() bool {
		ans, ok, _ := h.rt.Env().Officials.Command(ctx, bot.Command{Channel: "telegram", User: "111", Chat: "111", Text: "/status"})
		return ok && strings.Contains(ans.Text, "未回电1人")
	})
	h.fake.AddUpdate(telegramtest.PrivateText(officialUser, "张三", "/free"))
	sent := h.fake.WaitForSent(t, 3, 10*time.Second)
	var list telegramtest.Sent
	for _, s := range sent[1:] {
		if strings.Contains(s.Text, "会议期间") {
			list = s
		}
	}
	if list.ChatID != officialUser || !strings.Contains(list.Text, "+8613912345678") || !strings.Contains(list.Text, "MS-") {
		t.Fatalf("the list %+v (all %+v)", list, sent)
	}
	var kb struct {
		InlineKeyboard [][]struct {
			Text         string `json:"text"`
			CallbackData string `json:"callback_data"`
		} `json:"inline_keyboard"`
	}
	if err := json.Unmarshal(list.Markup, &kb); err != nil || len(kb.InlineKeyboard) != 1 || !strings.HasPrefix(kb.InlineKeyboard[0][0].CallbackData, "cb:") {
		t.Fatalf("buttons %s", list.Markup)
	}
	h.fake.AddUpdate(telegramtest.CallbackQuery(officialUser, "张三", officialUser, list.MessageID, kb.InlineKeyboard[0][0].CallbackData))
	acks := h.fake.WaitForCalls(t, "answerCallbackQuery", 1, 10*time.Second)
	if !strings.Contains(acks[0].Params["text"], "已标记") {
		t.Errorf("press answered %v", acks[0].Params)
	}
	ans, _, _ := h.rt.Env().Officials.Command(ctx, bot.Command{Channel: "telegram", User: "111", Chat: "111", Text: "/callbacks"})
	if !strings.Contains(ans.Text, "没有") {
		t.Errorf("after 已回电: %q", ans.Text)
	}
}
