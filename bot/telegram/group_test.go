package telegram_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/minsheng/minsheng/bot/telegram/telegramtest"
)

const title = "幸福社区居民群"

// forwardOf is a staff member's forward of a resident's message.
func forwardOf(origin models.MessageOrigin, text string) models.Update {
	return telegramtest.GroupForward(group, title, staffID, "王 网格员", origin, text)
}

// Each kind of forward origin becomes a petition reported by the staff
// member, about the origin, answered in the group under the forward.
func TestForwardOfEachOriginKindBecomesAPetition(t *testing.T) {
	cases := []struct {
		name   string
		origin models.MessageOrigin
		want   func(t *testing.T, name string, tg int64)
	}{
		{"user", telegramtest.OriginUser(citizenID, "李 大爷"), func(t *testing.T, name string, tg int64) {
			if name != "李 大爷" || tg != citizenID {
				t.Errorf("citizen %q %d", name, tg)
			}
		}},
		{"hidden user", telegramtest.OriginHiddenUser("张阿姨"), func(t *testing.T, name string, tg int64) {
			if name != "张阿姨" || tg != 0 {
				t.Errorf("citizen %q %d", name, tg)
			}
		}},
		{"chat", telegramtest.OriginChat(-100555, "业主群"), func(t *testing.T, name string, tg int64) {
			if name != "业主群" {
				t.Errorf("citizen %q", name)
			}
		}},
		{"channel", telegramtest.OriginChannel(-100666, "社区公告", 77), func(t *testing.T, name string, tg int64) {
			if name != "社区公告" {
				t.Errorf("citizen %q", name)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, harnessOptions{})
			h.start()
			u := forwardOf(c.origin, "幸福小区5栋下水道堵了好几天，臭得不行，电话13912345678")
			h.fake.AddUpdate(u)
			sent := h.fake.WaitForSent(t, 1, 10*time.Second)
			s := sent[0]
			if s.ChatID != group || s.ReplyTo != u.Message.ID || !strings.Contains(s.Text, "MS-") {
				t.Fatalf("answer %+v (want it in the group, under the forward %d)", s, u.Message.ID)
			}
			h.drained()
			ps := h.petitions()
			if len(ps) != 1 {
				t.Fatalf("%d petitions", len(ps))
			}
			p := ps[0]
			if p.Channel != "telegram_group" || p.ReportedBy == nil || p.ReportedBy.TelegramUser != staffID ||
				p.ReportedBy.Name != "王 网格员" || p.ReportedBy.Chat != group || p.ReportedBy.ChatTitle != title {
				t.Errorf("reported_by %+v channel %s", p.ReportedBy, p.Channel)
			}
			if p.Citizen.Phone != "+8613912345678" || len(p.Contacts) == 0 {
				t.Errorf("the phone in the text is the citizen's contact: %+v %v", p.Citizen, p.Contacts)
			}
			if !strings.Contains(s.Text, p.ID) {
				t.Errorf("the group was told %q, the petition is %s", s.Text, p.ID)
			}
			if p.Transcript[0].At.After(time.Now().Add(-30 * time.Minute)) {
				t.Errorf("the original date is not kept: %s", p.Transcript[0].At)
			}
			c.want(t, p.Citizen.Name, p.Citizen.TelegramUser)
		})
	}
}

// /intake@botname in reply to a resident's own message in the group, and a
// complaint staff type after #诉求.
func TestIntakeCommandAndHashtag(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.start()
	resident := telegramtest.GroupText(group, title, citizenID, "李大爷", "人民路和解放路路口的红绿灯坏了两天了")
	h.fake.AddUpdate(resident)
	h.fake.AddUpdate(telegramtest.GroupReply(group, title, staffID, "王网格员", "/intake@"+h.fake.BotUsername(), *resident.Message))
	h.fake.AddUpdate(telegramtest.GroupText(group, title, staffID, "王网格员", "#诉求 幸福路菜市场门口垃圾堆了一周没人清理"))
	h.fake.AddUpdate(telegramtest.GroupReply(group, title, staffID, "王网格员", "/intake@another_bot", *resident.Message))
	h.fake.WaitForSent(t, 2, 10*time.Second)
	h.drained()
	ps := h.petitions()
	if len(ps) != 2 {
		t.Fatalf("%d petitions, want 2 (/intake to another bot is not ours)", len(ps))
	}
	texts := ps[0].Description + "|" + ps[1].Description
	if !strings.Contains(texts, "红绿灯") || !strings.Contains(texts, "垃圾") || strings.Contains(texts, "#诉求") {
		t.Errorf("descriptions %q", texts)
	}
	for _, p := range ps {
		if strings.Contains(p.Description, "红绿灯") && p.Citizen.TelegramUser != citizenID {
			t.Errorf("/intake: the citizen is the author of the message replied to: %+v", p.Citizen)
		}
	}
}

// Forwards of one resident within the window are one petition; the same
// original forwarded again is answered with the first case id; a message by
// someone who is not staff becomes nothing, without an answer.
func TestBurstDuplicateAndNonStaff(t *testing.T) {
	h := newHarness(t, harnessOptions{staff: []int64{staffID}})
	h.start()
	o := telegramtest.OriginChannel(-100666, "社区公告", 77)
	h.fake.AddUpdate(forwardOf(o, "幸福小区5栋下水道堵了"))
	h.fake.AddUpdate(forwardOf(telegramtest.OriginChannel(-100666, "社区公告", 78), "臭得不行，好几天了"))
	h.fake.AddUpdate(telegramtest.GroupForward(group, title, 555, "路人甲", telegramtest.OriginUser(1, "甲"), "人民路井盖丢了"))
	sent := h.fake.WaitForSent(t, 1, 10*time.Second)
	first := idIn(t, sent[0].Text)
	h.fake.AddUpdate(forwardOf(o, "幸福小区5栋下水道堵了")) // the same original again
	sent = h.fake.WaitForSent(t, 2, 10*time.Second)
	if !strings.Contains(sent[1].Text, first) || strings.Contains(sent[1].Text, "未识别") {
		t.Errorf("the second forward was answered %q, want the first case id %s", sent[1].Text, first)
	}
	h.drained()
	ps := h.petitions()
	if len(ps) != 1 || !strings.Contains(ps[0].Description, "臭得不行") {
		t.Fatalf("petitions %+v", ps)
	}
	if n := len(h.fake.Sent()); n != 2 {
		t.Errorf("%d messages to the group, want 2 (nothing to the non-staff forward)", n)
	}
}

// The receipt says what is missing; staff reply to it with the place, the
// bot confirms in one line and the petition gets it.
func TestStaffReplyToTheReceiptFillsThePlace(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.start()
	h.fake.AddUpdate(forwardOf(telegramtest.OriginUser(citizenID, "李大爷"), "路灯坏了一个月了，晚上很黑"))
	receipt := h.fake.WaitForSent(t, 1, 10*time.Second)[0]
	if !strings.Contains(receipt.Text, "地点") || !strings.Contains(receipt.Text, "回复本消息") {
		t.Fatalf("receipt %q should say the place is missing", receipt.Text)
	}
	bot, ok := h.fake.Message(group, receipt.MessageID)
	if !ok {
		t.Fatal("the fake does not know the receipt")
	}
	h.fake.AddUpdate(telegramtest.GroupReply(group, title, staffID, "王网格员", "在幸福小区3号楼门口", bot))
	confirm := h.fake.WaitForSent(t, 2, 10*time.Second)[1]
	id := idIn(t, receipt.Text)
	if !strings.Contains(confirm.Text, id) || strings.Count(confirm.Text, "\n") > 0 {
		t.Errorf("confirmation %q", confirm.Text)
	}
	h.drained()
	var supplement map[string]any
	for _, l := range h.lines() {
		if l["type"] == "supplement" {
			supplement = l
		}
	}
	if supplement == nil || supplement["petition_id"] != id || supplement["text"] != "在幸福小区3号楼门口" {
		t.Errorf("supplement %v", supplement)
	}
}

func idIn(t *testing.T, text string) string {
	t.Helper()
	i := strings.Index(text, "MS-")
	if i < 0 || len(text) < i+17 {
		t.Fatalf("no case id in %q", text)
	}
	return text[i : i+17]
}

var _ = context.Background
var _ = strconv.Itoa
