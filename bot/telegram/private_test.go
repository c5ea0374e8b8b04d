package telegram_test

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/minsheng/minsheng/internal/testwait"
	"html"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/minsheng/minsheng/bot/telegram/telegramtest"
	"github.com/minsheng/minsheng/intake"
)

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// A citizen in a private chat: a complete appeal gets one reply with a
// case id, and the petition carries the Telegram user.
func TestPrivateChatAppealBecomesPetition(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.start()
	h.fake.AddUpdate(telegramtest.PrivateText(citizenID, "李 大爷", "幸福小区3号楼门口的路灯坏了一个月了，晚上很黑"))
	sent := h.fake.WaitForSent(t, 1, 10*time.Second)
	if sent[0].ChatID != citizenID || !strings.Contains(sent[0].Text, "MS-") || sent[0].ParseMode != "HTML" {
		t.Fatalf("reply %+v", sent[0])
	}
	h.drained()
	ps := h.petitions()
	if len(ps) != 1 {
		t.Fatalf("%d petitions", len(ps))
	}
	p := ps[0]
	if p.Channel != "telegram" || p.Citizen.TelegramUser != citizenID || p.Citizen.Name != "李 大爷" || p.ReportedBy != nil ||
		!strings.Contains(sent[0].Text, p.ID) {
		t.Errorf("petition %+v", p)
	}
}

// The citizen's words are escaped for HTML; an unescaped "<" would make
// Telegram refuse the message.
func TestRepliesEscapeHTMLAndLongTextsAreSplit(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.start()
	long := strings.Repeat("路灯坏了<很久>&没人修。", 400) // ~5,200 characters
	if err := h.rt.SendQueue.Enqueue(context.Background(), outbound("1", long)); err != nil {
		t.Fatal(err)
	}
	h.fake.WaitForSent(t, 2, 10*time.Second) // one a second per chat
	h.drained()
	sent := h.fake.Sent()
	if len(sent) < 2 {
		t.Fatalf("%d messages, want the text split", len(sent))
	}
	var got strings.Builder
	for _, s := range sent {
		if n := len([]rune(html.UnescapeString(s.Text))); n > 4096 {
			t.Errorf("a part of %d characters", n) // Telegram counts them after parsing the HTML
		}
		got.WriteString(s.Text)
	}
	if !strings.Contains(got.String(), "&lt;很久&gt;&amp;") {
		t.Errorf("not escaped: %.80q", got.String())
	}
	if strings.Count(got.String(), "路灯坏了") != 400 {
		t.Errorf("text lost or repeated in the split")
	}
}

// Telegram's 429 is honoured: the send queue waits retry_after, then the
// message goes once.
func TestTooManyRequestsIsRetriedAfterRetryAfter(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.fake.FailNext("sendMessage", telegramtest.TooManyRequests(1))
	h.start()
	start := time.Now()
	h.fake.AddUpdate(telegramtest.PrivateText(citizenID, "李大爷", "幸福小区3号楼门口的路灯坏了一个月了"))
	sent := h.fake.WaitForSent(t, 1, 10*time.Second)
	if d := time.Since(start); d < time.Second {
		t.Errorf("sent %s after a 429 with retry_after 1", d)
	}
	if len(sent) != 1 || len(h.fake.Calls("sendMessage")) != 2 {
		t.Errorf("sent %d, calls %d", len(sent), len(h.fake.Calls("sendMessage")))
	}
}

// A citizen who blocked the bot: 403 is an opt-out, no more status or
// survey messages, and the message is a dead letter, not retried.
func TestBlockedByTheCitizenOptsOut(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.fake.FailNext("sendMessage", telegramtest.Blocked())
	h.start()
	h.fake.AddUpdate(telegramtest.PrivateText(citizenID, "李大爷", "幸福小区3号楼门口的路灯坏了一个月了"))
	conv := "telegram:9001"
	testwait.For(t, "opted out", func() bool {
		st, err := h.rt.Pipeline.State(context.Background(), conv)
		return err == nil && st.OptedOut
	})
	h.drained()
	if n := len(h.fake.Calls("sendMessage")); n != 1 {
		t.Errorf("%d sendMessage calls, want 1 (no retry)", n)
	}
	dead, _ := h.rt.SendQueue.Queue().DeadLetters(context.Background(), 10)
	if len(dead) != 1 || !strings.Contains(dead[0].Error, "opted out") {
		t.Errorf("dead letters %+v", dead)
	}
}

// A photo with a caption: the caption is the text, the photo an
// attachment by file id and a signed link through the bot (Telegram's own
// link holds the token); the link serves the file.
func TestPhotoBecomesAttachmentWithASignedLink(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.fake.SetFile("PHOTO1", []byte("jpeg bytes"))
	h.start()
	h.fake.AddUpdate(telegramtest.PrivatePhoto(citizenID, "李大爷", "幸福小区3号楼门口的井盖丢了", "PHOTO1"))
	h.fake.WaitForSent(t, 1, 10*time.Second)
	h.drained()
	ps := h.petitions()
	if len(ps) != 1 || len(ps[0].Attachments) != 1 {
		t.Fatalf("petitions %+v", ps)
	}
	a := ps[0].Attachments[0]
	if a.Kind != "image" || a.FileID != "PHOTO1" || !strings.HasPrefix(a.URL, publicURL+"/telegram/files/PHOTO1?sig=") || strings.Contains(a.URL, token) {
		t.Fatalf("attachment %+v", a)
	}
	local := h.srv.URL + strings.TrimPrefix(a.URL, publicURL)
	if body := get(t, local); body != "jpeg bytes" {
		t.Errorf("the link served %q", body)
	}
	if code := status(t, h.srv.URL+"/telegram/files/PHOTO1?sig=forged"); code != 403 {
		t.Errorf("a forged link: %d, want 403", code)
	}
}

// The contact button: a promised call back offers it, and the number
// shared is the petition's.
func TestSharedContactGivesThePetitionItsPhone(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.start()
	h.fake.AddUpdate(telegramtest.PrivateText(citizenID, "李大爷", "人工"))
	sent := h.fake.WaitForSent(t, 1, 10*time.Second)
	var kb struct {
		Keyboard [][]struct {
			RequestContact bool `json:"request_contact"`
		} `json:"keyboard"`
	}
	if err := json.Unmarshal(sent[0].Markup, &kb); err != nil || len(kb.Keyboard) != 1 || !kb.Keyboard[0][0].RequestContact {
		t.Fatalf("a call back is promised without a contact button: %s", sent[0].Markup)
	}
	h.fake.AddUpdate(telegramtest.PrivateContact(citizenID, "李大爷", "8613912345678"))
	h.fake.WaitForSent(t, 2, 10*time.Second)
	h.drained()
	var supplement map[string]any
	for _, l := range h.lines() {
		if l["type"] == "supplement" {
			supplement = l
		}
	}
	if supplement == nil || !strings.Contains(supplement["text"].(string), "+8613912345678") {
		t.Errorf("the shared number did not reach the petition: %v", h.lines())
	}
	_ = intake.Citizen{}
}

// A photo of the scene right after the receipt ("这是现场照片") adds to
// that petition: one petition, one supplement with the photo, and the
// citizen told it was added.
func TestAPhotoAfterTheReceiptIsASupplement(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.fake.SetFile("PHOTO2", []byte("jpeg bytes"))
	h.start()
	h.fake.AddUpdate(telegramtest.PrivateText(citizenID, "李大爷", "人民路8号门口的人行道塌了一个坑"))
	h.fake.WaitForSent(t, 1, 10*time.Second)
	h.fake.AddUpdate(telegramtest.PrivatePhoto(citizenID, "李大爷", "这是现场照片", "PHOTO2"))
	sent := h.fake.WaitForSent(t, 2, 10*time.Second)
	h.drained()
	var petitions, supplements int
	for _, l := range h.lines() {
		switch l["type"] {
		case "petition":
			petitions++
		case "supplement":
			supplements++
			if atts, _ := l["attachments"].([]any); len(atts) != 1 {
				t.Errorf("the supplement lacks the photo: %v", l)
			}
		}
	}
	if petitions != 1 || supplements != 1 {
		t.Errorf("%d petitions and %d supplements, want 1 and 1: %v", petitions, supplements, h.lines())
	}
	if !strings.Contains(sent[1].Text, "已补充") {
		t.Errorf("the photo was answered %q", sent[1].Text)
	}
}
