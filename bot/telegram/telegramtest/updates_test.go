package telegramtest

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/go-telegram/bot/models"
)

func TestBuildersRoundTrip(t *testing.T) {
	resident := PrivateText(4001, "张 三", "请 @someone_x 看 /start")
	receipt := models.Message{ID: 1000, From: botUser(), Chat: groupChat(-100300, "街道工作群"), Date: now(), Text: "已收到诉求 #A-1"}
	for name, u := range map[string]models.Update{
		"PrivateText":      resident,
		"PrivateContact":   PrivateContact(4001, "张 三", "8613800138000"),
		"PrivatePhoto":     PrivatePhoto(4001, "张 三", "这里的路灯", "AgACphoto"),
		"PrivateDocument":  PrivateDocument(4001, "张 三", "材料", "BQACdoc", "申请.pdf"),
		"GroupText":        GroupText(-100300, "街道工作群", 5001, "李 四", "/intake@minsheng_test_bot"),
		"ForwardUser":      GroupForward(-100300, "街道工作群", 5001, "李 四", OriginUser(4001, "张 三"), "路灯坏了"),
		"ForwardHidden":    GroupForward(-100300, "街道工作群", 5001, "李 四", OriginHiddenUser("王 五"), "井盖"),
		"ForwardChat":      GroupForward(-100300, "街道工作群", 5001, "李 四", OriginChat(-100400, "业主群"), "噪音"),
		"ForwardChannel":   GroupForward(-100300, "街道工作群", 5001, "李 四", OriginChannel(-100500, "区政府", 77), "通知"),
		"GroupReplyIntake": GroupReply(-100300, "街道工作群", 5001, "李 四", "/intake@minsheng_test_bot", *resident.Message),
		"GroupReplyStaff":  GroupReply(-100300, "街道工作群", 5001, "李 四", "已派人", receipt),
		"CallbackQuery":    CallbackQuery(5001, "李 四", -100300, 1000, "accept:A-1"),
		"CallbackPrivate":  CallbackQuery(4001, "张 三", 4001, 1001, "rate:5"),
	} {
		t.Run(name, func(t *testing.T) {
			if u.ID != 0 {
				t.Errorf("update_id %d, want 0", u.ID)
			}
			first, err := json.Marshal(&u)
			if err != nil {
				t.Fatal(err)
			}
			var back models.Update
			if err := json.Unmarshal(first, &back); err != nil {
				t.Fatalf("models.Update cannot decode %s: %v", first, err)
			}
			second, err := json.Marshal(&back)
			if err != nil || !bytes.Equal(first, second) {
				t.Fatalf("round trip changed the update:\n%s\n%s (%v)", first, second, err)
			}
			m := back.Message
			if back.CallbackQuery != nil {
				m = back.CallbackQuery.Message.Message
				if back.CallbackQuery.ID == "" || back.CallbackQuery.Data == "" || back.CallbackQuery.From.FirstName == "" {
					t.Errorf("callback query %+v", back.CallbackQuery)
				}
			}
			if m == nil || m.ID == 0 || m.Date == 0 || m.Chat.Type == "" || m.From == nil || m.From.FirstName == "" {
				t.Fatalf("message incomplete: %s", first)
			}
			if m.Chat.Type == models.ChatTypeSupergroup && m.Chat.Title == "" {
				t.Errorf("group without title: %s", first)
			}
		})
	}
}

func TestBuilderDetails(t *testing.T) {
	a, b := PrivateText(1, "张 三", "x"), PrivateText(1, "张 三", "y")
	if a.Message.ID == b.Message.ID {
		t.Error("message ids repeat")
	}
	if u := a.Message.From; u.FirstName != "张" || u.LastName != "三" || u.Username != "user1" || a.Message.Chat.ID != 1 || a.Message.Chat.Type != models.ChatTypePrivate {
		t.Errorf("from %+v chat %+v", u, a.Message.Chat)
	}
	// Entities count UTF-16 units: "请 " is 2, the emoji 2.
	e := PrivateText(1, "a", "请 @someone_x 看 😀 /start@minsheng_test_bot").Message.Entities
	want := []models.MessageEntity{
		{Type: models.MessageEntityTypeMention, Offset: 2, Length: 10},
		{Type: models.MessageEntityTypeBotCommand, Offset: 18, Length: 24},
	}
	if len(e) != 2 || e[0] != want[0] || e[1] != want[1] {
		t.Errorf("entities %+v, want %+v", e, want)
	}
	if c := PrivateContact(1, "a b", "+8613800138000").Message.Contact; c.PhoneNumber != "+8613800138000" || c.UserID != 1 {
		t.Errorf("contact %+v", c)
	}
	p := PrivatePhoto(1, "a", "cap", "F").Message
	if p.Photo[len(p.Photo)-1].FileID != "F" || p.Caption != "cap" {
		t.Errorf("photo %+v", p)
	}
	if d := PrivateDocument(1, "a", "", "D", "x.pdf").Message.Document; d.MimeType != "application/pdf" || d.FileName != "x.pdf" {
		t.Errorf("document %+v", d)
	}
	raw, _ := json.Marshal(GroupForward(-1, "g", 2, "s", OriginChannel(-3, "ch", 9), "t"))
	var probe struct {
		Message struct {
			ForwardOrigin map[string]any `json:"forward_origin"`
		} `json:"message"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil || probe.Message.ForwardOrigin["type"] != "channel" ||
		probe.Message.ForwardOrigin["message_id"] != float64(9) || probe.Message.ForwardOrigin["date"] == float64(0) {
		t.Errorf("forward_origin %s", raw)
	}
	nested := PrivateText(1, "a", "orig")
	r1 := GroupReply(-1, "g", 2, "s", "first", *nested.Message)
	r2 := GroupReply(-1, "g", 2, "s", "second", *r1.Message)
	if r2.Message.ReplyToMessage.ID != r1.Message.ID || r2.Message.ReplyToMessage.ReplyToMessage != nil {
		t.Errorf("reply nests: %+v", r2.Message.ReplyToMessage)
	}
}

// TestBuildersThroughFake serves every kind of builder through getUpdates.
func TestBuildersThroughFake(t *testing.T) {
	f := NewFake(t, token)
	f.AddUpdate(GroupForward(-1, "g", 2, "s", OriginHiddenUser("x"), "t"))
	f.AddUpdate(CallbackQuery(2, "s", -1, 1000, "d"))
	for _, raw := range poll(t, f, `{}`) {
		var u models.Update
		if err := json.Unmarshal(raw, &u); err != nil || u.ID == 0 {
			t.Errorf("%s: %v", raw, err)
		}
	}
}
