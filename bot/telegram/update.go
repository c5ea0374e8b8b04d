package telegram

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	msbot "github.com/minsheng/minsheng/bot"
	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/understand"
)

// handle takes in one update. An error means it was not taken in and must
// come again (the webhook answers 500, the poller retries); an update that
// is not for the bot, or does not decode, is counted and dropped.
func (c *Channel) handle(ctx context.Context, raw []byte) error {
	var u models.Update
	if err := json.Unmarshal(raw, &u); err != nil {
		var head struct {
			ID int64 `json:"update_id"`
		}
		_ = json.Unmarshal(raw, &head)
		c.metrics.updates.WithLabelValues("undecodable").Inc()
		// The error names types and fields, never the citizen's words.
		c.log.Warn("telegram update skipped: it does not decode", "update_id", head.ID, "err", err)
		return nil
	}
	switch {
	case u.Message != nil:
		return c.message(ctx, u.ID, u.Message)
	case u.CallbackQuery != nil:
		return c.callback(ctx, u.ID, u.CallbackQuery)
	}
	c.metrics.updates.WithLabelValues("ignored").Inc()
	return nil
}

func (c *Channel) message(ctx context.Context, uid int64, m *models.Message) error {
	// Every id known narrows what a probe for a lost message tries (dedup.go).
	if err := c.records.known(ctx, m.Chat.ID, m.ID); err != nil {
		c.log.Warn("received message id not kept: a probe for a lost message may try more ids", "err", err)
	}
	if m.From != nil && !m.From.IsBot && c.env.Officials != nil && officialsCommands[command(m, c.me.Username)] {
		if done, err := c.officialCommand(ctx, uid, m); done || err != nil {
			return err
		}
	}
	switch {
	case m.From == nil || m.From.IsBot:
	case m.Chat.Type == models.ChatTypePrivate:
		return c.private(ctx, uid, m)
	case c.intake[m.Chat.ID]:
		return c.group(ctx, uid, m)
	}
	c.metrics.updates.WithLabelValues("ignored").Inc()
	return nil
}

// private takes a citizen's message in a private chat.
func (c *Channel) private(ctx context.Context, uid int64, m *models.Message) error {
	text := textOf(m)
	switch command(m, c.me.Username) {
	case "start", "help":
		text = "帮助" // the keyword: what to send, and the other keywords
	}
	citizen := intake.Citizen{Name: fullName(m.From), TelegramUser: m.From.ID}
	if ct := m.Contact; ct != nil && ct.UserID == m.From.ID {
		// Shared with the contact button: the citizen's own number.
		citizen.Phone = e164(ct.PhoneNumber)
		text = "我的手机号：" + citizen.Phone
	}
	atts := c.attachments(ctx, m)
	if strings.TrimSpace(text) == "" && len(atts) == 0 {
		c.metrics.updates.WithLabelValues("ignored").Inc() // a sticker, a location…
		return nil
	}
	chat := strconv.FormatInt(m.Chat.ID, 10)
	c.metrics.updates.WithLabelValues("private").Inc()
	return c.take(ctx, msbot.Inbound{
		Channel: msbot.ChannelTelegram, Conversation: msbot.ConversationKey(msbot.ChannelTelegram, strconv.FormatInt(m.From.ID, 10)),
		Reply: msbot.Address{Channel: msbot.ChannelTelegram, To: chat}, To: "@" + c.me.Username,
		Citizen: citizen, Text: text, Attachments: atts, ProviderID: providerID(uid), At: c.env.Now(),
	})
}

// group takes a message in an intake chat: a complaint staff forward,
// /intake, #诉求, or a staff member's reply to the bot. Everything else,
// and everyone who is not staff, is ignored without an answer.
func (c *Channel) group(ctx context.Context, uid int64, m *models.Message) error {
	if len(c.staff) > 0 && !c.staff[m.From.ID] {
		c.metrics.updates.WithLabelValues("not_staff").Inc()
		return nil
	}
	reply := m.ReplyToMessage
	switch {
	case reply != nil && reply.From != nil && reply.From.ID == c.me.ID:
		return c.staffReply(ctx, uid, m)
	case command(m, c.me.Username) == "intake":
		if reply == nil || reply.From != nil && reply.From.ID == c.me.ID {
			break // /intake is a reply to the resident's message
		}
		return c.complaint(ctx, uid, m, reply, textOf(reply))
	case m.ForwardOrigin != nil:
		return c.complaint(ctx, uid, m, m, textOf(m))
	case strings.HasPrefix(strings.TrimSpace(textOf(m)), tagComplaint):
		return c.complaint(ctx, uid, m, m, strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(textOf(m)), tagComplaint)))
	}
	c.metrics.updates.WithLabelValues("ignored").Inc()
	return nil
}

// officialsCommands are the commands of officials and their offices.
var officialsCommands = map[string]bool{"busy": true, "free": true, "status": true, "callbacks": true}

// officialCommand runs an official's command; done is false when the sender
// is no official (nor their office), and the message goes on as any other.
func (c *Channel) officialCommand(ctx context.Context, uid int64, m *models.Message) (done bool, err error) {
	chat := strconv.FormatInt(m.Chat.ID, 10)
	ans, ok, err := c.env.Officials.Command(ctx, msbot.Command{Channel: msbot.ChannelTelegram,
		User: strconv.FormatInt(m.From.ID, 10), Chat: chat, Name: fullName(m.From), Text: m.Text})
	if err != nil || !ok {
		return false, err
	}
	c.metrics.updates.WithLabelValues("official").Inc()
	if ans.Text == "" {
		return true, nil
	}
	return true, c.env.Resend.Enqueue(ctx, msbot.Outbound{Key: "official:" + providerID(uid), Channel: msbot.ChannelTelegram,
		To: chat, Thread: strconv.Itoa(m.ID), Text: ans.Text, Actions: ans.Actions})
}

// tagComplaint starts a complaint staff type themselves.
const tagComplaint = "#诉求"

// complaint takes a resident's complaint that staff message m brought in;
// orig is the resident's message (m itself for a forward or #诉求).
func (c *Channel) complaint(ctx context.Context, uid int64, m, orig *models.Message, text string) error {
	who := c.originOf(m, orig)
	if phones := understand.Phones(text); len(phones) > 0 {
		who.citizen.Phone = phones[0] // a number in the complaint is the resident's contact
	}
	chat := strconv.FormatInt(m.Chat.ID, 10)
	in := msbot.Inbound{
		Channel:      ChannelGroup,
		Conversation: msbot.ConversationKey(msbot.ChannelTelegram, "g"+chat+":"+who.key),
		Reply:        msbot.Address{Channel: msbot.ChannelTelegram, To: chat, Thread: strconv.Itoa(m.ID)},
		To:           "@" + c.me.Username, Citizen: who.citizen, ReportedBy: c.reporter(m),
		Text: text, Attachments: c.attachments(ctx, orig), ProviderID: providerID(uid), At: c.env.Now(),
		Source: who.source, WrittenAt: who.written, Window: c.opt.ForwardWindow,
	}
	if who.citizen.Phone != "" && c.opt.SMSFrom != "" {
		// Status and survey reach the resident by SMS, not the group.
		in.Notify = &msbot.Address{Channel: msbot.ChannelSMS, To: who.citizen.Phone, From: c.opt.SMSFrom}
	}
	c.metrics.updates.WithLabelValues("complaint").Inc()
	return c.take(ctx, in)
}

// staffReply takes a staff member's reply to the bot's message (its
// receipt): an addition to that petition.
func (c *Channel) staffReply(ctx context.Context, uid int64, m *models.Message) error {
	rec, ok, err := c.records.message(ctx, m.Chat.ID, m.ReplyToMessage.ID)
	if err != nil {
		return err
	}
	if !ok && justSent(m.ReplyToMessage) {
		// A reply faster than the sender wrote down what it sent: again soon.
		return fmt.Errorf("bot message %d not known yet", m.ReplyToMessage.ID)
	}
	if !ok || rec.Case == "" {
		c.metrics.updates.WithLabelValues("ignored").Inc()
		return nil
	}
	text := textOf(m)
	chat := strconv.FormatInt(m.Chat.ID, 10)
	in := msbot.Inbound{
		Channel: ChannelGroup, Conversation: rec.Conversation, For: rec.Case,
		Reply: msbot.Address{Channel: msbot.ChannelTelegram, To: chat, Thread: strconv.Itoa(m.ID)},
		To:    "@" + c.me.Username, ReportedBy: c.reporter(m), Text: text, Attachments: c.attachments(ctx, m),
		ProviderID: providerID(uid), At: c.env.Now(),
	}
	if phones := understand.Phones(text); len(phones) > 0 && c.opt.SMSFrom != "" {
		in.Notify = &msbot.Address{Channel: msbot.ChannelSMS, To: phones[0], From: c.opt.SMSFrom}
	}
	c.metrics.updates.WithLabelValues("staff_reply").Inc()
	return c.take(ctx, in)
}

// callback takes a survey button pressed: the answer goes in as the
// citizen's (in a group: recorded by the staff member who pressed), then
// the press is acknowledged and the buttons removed.
func (c *Channel) callback(ctx context.Context, uid int64, q *models.CallbackQuery) error {
	msg := q.Message.Message
	if strings.HasPrefix(q.Data, "cb:") && c.env.Officials != nil && msg != nil {
		text, err := c.env.Officials.Press(ctx, msbot.Command{Channel: msbot.ChannelTelegram, User: strconv.FormatInt(q.From.ID, 10),
			Chat: strconv.FormatInt(msg.Chat.ID, 10), Name: fullName(&q.From), Text: q.Data})
		if err != nil {
			return err
		}
		c.ack(ctx, q, text)
		c.metrics.updates.WithLabelValues("official").Inc()
		return nil
	}
	answer, ok := strings.CutPrefix(q.Data, rateData)
	if msg == nil || !ok || len(answer) != 1 || answer < "1" || answer > "3" {
		c.ack(ctx, q, "该按钮已失效")
		c.metrics.updates.WithLabelValues("ignored").Inc()
		return nil
	}
	rec, found, err := c.records.message(ctx, msg.Chat.ID, msg.ID)
	if err != nil {
		return err
	}
	chat := strconv.FormatInt(msg.Chat.ID, 10)
	in := msbot.Inbound{
		Conversation: rec.Conversation, For: rec.Case, To: "@" + c.me.Username, Text: answer,
		ProviderID: providerID(uid), At: c.env.Now(),
	}
	switch {
	case !found && justSent(msg):
		// Pressed before the sender wrote down what it sent: again soon.
		return fmt.Errorf("survey message %d not known yet", msg.ID)
	case !found:
		c.ack(ctx, q, "该评价已失效")
		return nil
	case msg.Chat.Type == models.ChatTypePrivate:
		if rec.Conversation != msbot.ConversationKey(msbot.ChannelTelegram, strconv.FormatInt(q.From.ID, 10)) {
			c.ack(ctx, q, "")
			return nil
		}
		in.Channel = msbot.ChannelTelegram
		in.Reply = msbot.Address{Channel: msbot.ChannelTelegram, To: chat}
	case c.intake[msg.Chat.ID] && (len(c.staff) == 0 || c.staff[q.From.ID]):
		in.Channel = ChannelGroup
		in.Reply = msbot.Address{Channel: msbot.ChannelTelegram, To: chat, Thread: strconv.Itoa(msg.ID)}
		in.ReportedBy = &intake.Reporter{Name: fullName(&q.From), TelegramUser: q.From.ID, Chat: msg.Chat.ID, ChatTitle: msg.Chat.Title}
	default:
		c.ack(ctx, q, "仅工作人员可代为评价")
		c.metrics.updates.WithLabelValues("not_staff").Inc()
		return nil
	}
	c.metrics.updates.WithLabelValues("callback").Inc()
	if err := c.take(ctx, in); err != nil {
		return err
	}
	c.ack(ctx, q, "已记录，谢谢")
	if _, err := c.api.EditMessageReplyMarkup(ctx, &bot.EditMessageReplyMarkupParams{
		ChatID: msg.Chat.ID, MessageID: msg.ID, ReplyMarkup: inlineKeyboard{InlineKeyboard: [][]inlineButton{}},
	}); err != nil {
		c.log.Info("survey buttons not removed", "err", err)
	}
	return nil
}

// ack answers a callback query (Telegram shows a spinner until then).
func (c *Channel) ack(ctx context.Context, q *models.CallbackQuery, text string) {
	if _, err := c.api.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: q.ID, Text: text}); err != nil {
		c.log.Info("callback query not answered", "err", err)
	}
}

// take hands an inbound message to the runtime.
func (c *Channel) take(ctx context.Context, in msbot.Inbound) error {
	if _, err := c.env.Intake.Handle(ctx, in); err != nil {
		return fmt.Errorf("take in: %w", err)
	}
	return nil
}

// origin is who a complaint is about, as its message tells.
type origin struct {
	key     string // in the conversation key: one conversation per resident
	citizen intake.Citizen
	written time.Time
	source  string // the original message, when it can be named
}

// originOf reads who wrote orig: the forward's origin of every kind, or
// the author of a group message /intake was a reply to, or, for a
// complaint staff typed (#诉求), nobody known: one conversation per message.
func (c *Channel) originOf(m, orig *models.Message) origin {
	if fo := orig.ForwardOrigin; fo != nil {
		switch {
		case fo.MessageOriginUser != nil:
			u := fo.MessageOriginUser
			return origin{key: "u" + strconv.FormatInt(u.SenderUser.ID, 10), written: unix(u.Date),
				citizen: intake.Citizen{Name: fullName(&u.SenderUser), TelegramUser: u.SenderUser.ID}}
		case fo.MessageOriginHiddenUser != nil:
			h := fo.MessageOriginHiddenUser
			return origin{key: "h" + hash(h.SenderUserName), written: unix(h.Date), citizen: intake.Citizen{Name: h.SenderUserName}}
		case fo.MessageOriginChat != nil:
			ch := fo.MessageOriginChat
			return origin{key: "c" + strconv.FormatInt(ch.SenderChat.ID, 10), written: unix(ch.Date), citizen: intake.Citizen{Name: ch.SenderChat.Title}}
		case fo.MessageOriginChannel != nil:
			ch := fo.MessageOriginChannel
			id := strconv.FormatInt(ch.Chat.ID, 10)
			return origin{key: "c" + id, written: unix(ch.Date), citizen: intake.Citizen{Name: ch.Chat.Title},
				source: "c" + id + ":" + strconv.Itoa(ch.MessageID)}
		}
	}
	if orig != m && orig.From != nil {
		return origin{key: "u" + strconv.FormatInt(orig.From.ID, 10), written: unix(orig.Date),
			citizen: intake.Citizen{Name: fullName(orig.From), TelegramUser: orig.From.ID},
			source:  "m" + strconv.FormatInt(orig.Chat.ID, 10) + ":" + strconv.Itoa(orig.ID)}
	}
	return origin{key: "s" + strconv.FormatInt(m.From.ID, 10) + "-" + strconv.Itoa(m.ID), written: unix(m.Date)}
}

// reporter is the staff member of message m.
func (c *Channel) reporter(m *models.Message) *intake.Reporter {
	return &intake.Reporter{Name: fullName(m.From), TelegramUser: m.From.ID, Chat: m.Chat.ID, ChatTitle: m.Chat.Title}
}

// attachments are the photo (its largest size), document, voice or video
// of m, by file id and a link through this bot (see files.go).
func (c *Channel) attachments(ctx context.Context, m *models.Message) []intake.Attachment {
	var out []intake.Attachment
	if n := len(m.Photo); n > 0 {
		out = append(out, c.file("image", m.Photo[n-1].FileID, "image/jpeg"))
	}
	if d := m.Document; d != nil {
		out = append(out, c.file(kindOf(d.MimeType), d.FileID, d.MimeType))
	}
	if v := m.Voice; v != nil {
		out = append(out, c.file("audio", v.FileID, v.MimeType))
	}
	if v := m.Video; v != nil {
		out = append(out, c.file("video", v.FileID, v.MimeType))
	}
	return out
}

func kindOf(mime string) string {
	for _, k := range []string{"image", "audio", "video"} {
		if strings.HasPrefix(mime, k+"/") {
			return k
		}
	}
	return "file"
}

// command is the bot command m starts with ("/intake@minsheng_bot" →
// "intake"), "" when none or when it is addressed to another bot. The
// library's matcher misses the @botname form, the usual one in groups.
func command(m *models.Message, me string) string {
	for _, e := range m.Entities {
		if e.Type != models.MessageEntityTypeBotCommand || e.Offset != 0 {
			continue
		}
		u := utf16.Encode([]rune(m.Text))
		if e.Length > len(u) || e.Length < 2 {
			return ""
		}
		cmd := string(utf16.Decode(u[1:e.Length]))
		name, at, found := strings.Cut(cmd, "@")
		if found && !strings.EqualFold(at, me) {
			return ""
		}
		return strings.ToLower(name)
	}
	return ""
}

func textOf(m *models.Message) string {
	if m.Text != "" {
		return m.Text
	}
	return m.Caption
}

func fullName(u *models.User) string {
	return strings.TrimSpace(u.FirstName + " " + u.LastName)
}

// e164 writes a shared contact's number as E.164 (Telegram leaves out "+").
func e164(phone string) string {
	phone = strings.TrimSpace(phone)
	if phone != "" && !strings.HasPrefix(phone, "+") {
		phone = "+" + phone
	}
	return phone
}

// justSent reports whether the bot's message m is recent enough that the
// sender may still be writing down what it was about (it does so right
// after Telegram answered). Bounded, so an update about a message the bot
// never wrote down holds the poller back for seconds, not longer.
func justSent(m *models.Message) bool {
	return time.Since(unix(m.Date)) < 30*time.Second
}

func providerID(updateID int64) string { return "u" + strconv.FormatInt(updateID, 10) }

func unix(s int) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(int64(s), 0)
}

func hash(s string) string {
	h := fnv.New64a()
	h.Write([]byte(s))
	return strconv.FormatUint(h.Sum64(), 36)
}
