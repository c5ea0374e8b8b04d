package telegramtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"
)

type msgKey struct {
	chat int64
	id   int
}

// botMessage is a message in a chat, as the fake keeps it for edits: the
// bot's, or a user's (fromUser) seen in an update.
type botMessage struct {
	fromUser bool
	chatID   int64
	id       int
	date     int64
	editDate int64
	text     string
	markup   json.RawMessage // the inline keyboard, compacted; nil if none
	replyTo  int
}

func chatJSON(id int64) map[string]any {
	typ := models.ChatTypePrivate
	if id < 0 {
		typ = models.ChatTypeSupergroup
	}
	return map[string]any{"id": id, "type": typ}
}

func botUserJSON() map[string]any {
	return map[string]any{"id": botID, "is_bot": true, "first_name": botFirstName, "username": botUsername}
}

// json is the message as Telegram returns it; replies nest one level only.
func (f *Fake) messageJSON(m *botMessage, nest bool) map[string]any {
	out := map[string]any{
		"message_id": m.id, "from": botUserJSON(), "chat": chatJSON(m.chatID), "date": m.date, "text": m.text,
	}
	if m.editDate != 0 {
		out["edit_date"] = m.editDate
	}
	if m.markup != nil {
		out["reply_markup"] = m.markup
	}
	if m.replyTo != 0 && nest {
		if orig, ok := f.msgs[msgKey{m.chatID, m.replyTo}]; ok {
			out["reply_to_message"] = f.messageJSON(orig, false)
		} else {
			out["reply_to_message"] = map[string]any{"message_id": m.replyTo, "chat": chatJSON(m.chatID), "date": m.date - 60}
		}
	}
	return out
}

// Message is the bot's message messageID in chatID as the fake holds it
// (after edits), e.g. for GroupReply or a callback; false if the fake never
// sent or edited it.
func (f *Fake) Message(chatID int64, messageID int) (models.Message, bool) {
	f.mu.Lock()
	m, ok := f.msgs[msgKey{chatID, messageID}]
	var raw []byte
	if ok {
		raw, _ = json.Marshal(f.messageJSON(m, true))
	}
	f.mu.Unlock()
	var out models.Message
	if ok {
		if err := json.Unmarshal(raw, &out); err != nil {
			f.tb.Errorf("fake Telegram: Message: %v", err)
		}
	}
	return out, ok
}

func (f *Fake) sendMessage(p map[string]string) (any, *Failure) {
	chatID, fail := chatParam(p)
	if fail != nil {
		return nil, fail
	}
	if fail := checkText(p["text"], p["parse_mode"]); fail != nil {
		return nil, fail
	}
	markup, inline, fail := parseMarkup(p["reply_markup"])
	if fail != nil {
		return nil, fail
	}
	replyTo := 0
	if rp := p["reply_parameters"]; rp != "" {
		var x struct {
			MessageID int `json:"message_id"`
		}
		if err := json.Unmarshal([]byte(rp), &x); err != nil {
			return nil, invalid("can't parse reply parameters JSON object")
		}
		replyTo = x.MessageID
	} else if s := p["reply_to_message_id"]; s != "" {
		replyTo, _ = strconv.Atoi(s)
	}
	id := f.nextMessageID(chatID)
	now := time.Now()
	m := &botMessage{chatID: chatID, id: id, date: now.Unix(), text: p["text"], markup: inline, replyTo: replyTo}
	f.msgs[msgKey{chatID, id}] = m
	f.sent = append(f.sent, Sent{
		ChatID: chatID, Text: m.text, ParseMode: p["parse_mode"], ReplyTo: replyTo, Markup: markup, MessageID: id, At: now,
	})
	f.notify()
	return f.messageJSON(m, true), nil
}

// box names the sequence a chat's message ids come from, as in Telegram:
// a supergroup or channel (ids below -10^12) numbers its own messages;
// private chats and basic groups take theirs from the bot account's one
// sequence, shared by all of them.
func box(chatID int64) string {
	if chatID < -1_000_000_000_000 {
		return strconv.FormatInt(chatID, 10)
	}
	return "account"
}

// nextMessageID takes the next id of chatID's sequence (from 1000, and
// past every id seen in an update of that sequence).
func (f *Fake) nextMessageID(chatID int64) int {
	b := box(chatID)
	id := max(f.lastMsgID[b]+1, 1000)
	f.lastMsgID[b] = id
	return id
}

// seeUserMessage keeps a user's message from an update, so that editing
// it fails as it does at Telegram, and moves its sequence past its id.
func (f *Fake) seeUserMessage(m *models.Message) {
	if m == nil || m.ID == 0 || (m.From != nil && m.From.ID == botID) {
		return
	}
	b := box(m.Chat.ID)
	f.lastMsgID[b] = max(f.lastMsgID[b], m.ID)
	if _, ok := f.msgs[msgKey{m.Chat.ID, m.ID}]; !ok {
		f.msgs[msgKey{m.Chat.ID, m.ID}] = &botMessage{fromUser: true, chatID: m.Chat.ID, id: m.ID, date: int64(m.Date), text: m.Text}
	}
}

// editMessage serves editMessageText (withText) and editMessageReplyMarkup.
// Like Telegram, an edit without reply_markup removes the inline keyboard,
// an edit that changes nothing fails with "message is not modified", a
// message not in the chat with "message to edit not found", and a
// user's message with "message can't be edited".
func (f *Fake) editMessage(p map[string]string, withText bool) (any, *Failure) {
	if withText {
		if fail := checkText(p["text"], p["parse_mode"]); fail != nil {
			return nil, fail
		}
	}
	_, inline, fail := parseMarkup(p["reply_markup"])
	if fail != nil {
		return nil, fail
	}
	if p["inline_message_id"] != "" {
		return true, nil
	}
	chatID, fail := chatParam(p)
	if fail != nil {
		return nil, fail
	}
	msgID, err := strconv.Atoi(p["message_id"])
	if err != nil || msgID <= 0 {
		return nil, badRequest("message identifier is not specified")
	}
	m, known := f.msgs[msgKey{chatID, msgID}]
	switch {
	case !known:
		return nil, badRequest("message to edit not found")
	case m.fromUser:
		return nil, badRequest("message can't be edited")
	}
	text := m.text
	if withText {
		text = p["text"]
	}
	if text == m.text && bytes.Equal(inline, m.markup) {
		return nil, badRequest("message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
	}
	m.text, m.markup, m.editDate = text, inline, time.Now().Unix()
	return f.messageJSON(m, true), nil
}

func chatParam(p map[string]string) (int64, *Failure) {
	if p["chat_id"] == "" {
		return 0, badRequest("chat_id is empty")
	}
	id, err := parseChatID(p["chat_id"])
	if err != nil {
		return 0, badRequest("%v", err)
	}
	return id, nil
}

// checkText checks a message text as Telegram does: not empty, at most
// 4096 characters after entity parsing, and parseable HTML for parse_mode
// HTML.
func checkText(text, parseMode string) *Failure {
	visible := text
	switch strings.ToLower(parseMode) {
	case "":
	case "html":
		v, msg := parseHTML(text)
		if msg != "" {
			return invalid("can't parse entities: %s", msg)
		}
		visible = v
	case "markdown", "markdownv2":
	default:
		return invalid("unsupported parse_mode")
	}
	if strings.TrimSpace(visible) == "" {
		return invalid("message text is empty")
	}
	if utf8.RuneCountInString(visible) > 4096 {
		return invalid("message is too long")
	}
	return nil
}

// htmlTags are the tags parse_mode HTML allows (core.telegram.org/bots/api,
// "HTML style"; the scraped spec has methods and types, not this section):
// each becomes one of MessageEntity's types.
var htmlTags = map[string]bool{
	"b": true, "strong": true, "i": true, "em": true, "u": true, "ins": true, "s": true, "strike": true, "del": true,
	"span": true, "tg-spoiler": true, "a": true, "code": true, "pre": true, "blockquote": true, "tg-emoji": true,
	"tg-time": true, // date_time
}

// parseHTML checks text the way Telegram's HTML parser does (tags only:
// a bare '&' or '>' is fine, a bare '<' is not) and returns the visible
// text, or Telegram's error message.
func parseHTML(s string) (string, string) {
	var vis strings.Builder
	var open []string
	for i := 0; i < len(s); {
		if s[i] != '<' {
			j := strings.IndexByte(s[i:], '<')
			if j < 0 {
				j = len(s) - i
			}
			vis.WriteString(s[i : i+j])
			i += j
			continue
		}
		begin := i
		i++
		if i < len(s) && s[i] == '/' {
			i++
			if len(open) == 0 {
				return "", fmt.Sprintf("Unexpected end tag at byte offset %d", begin)
			}
			end := strings.IndexByte(s[i:], '>')
			if end < 0 {
				return "", fmt.Sprintf("Unclosed end tag at byte offset %d", begin)
			}
			name, want := strings.ToLower(strings.TrimSpace(s[i:i+end])), open[len(open)-1]
			if name != want {
				return "", fmt.Sprintf("Unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"", begin, want, name)
			}
			open = open[:len(open)-1]
			i += end + 1
			continue
		}
		j := i
		for j < len(s) && s[j] != '>' && !strings.ContainsRune(" \t\r\n", rune(s[j])) {
			j++
		}
		if j == len(s) {
			return "", fmt.Sprintf("Unclosed start tag at byte offset %d", begin)
		}
		name := strings.ToLower(s[i:j])
		if !htmlTags[name] {
			return "", fmt.Sprintf("Unsupported start tag \"%s\" at byte offset %d", name, begin)
		}
		end := strings.IndexByte(s[j:], '>')
		if end < 0 {
			return "", fmt.Sprintf("Unclosed start tag at byte offset %d", begin)
		}
		if attrs := s[j : j+end]; name == "span" && !strings.Contains(attrs, `class="tg-spoiler"`) && !strings.Contains(attrs, `class='tg-spoiler'`) {
			return "", fmt.Sprintf("Tag \"span\" must have class \"tg-spoiler\" at byte offset %d", begin)
		}
		open = append(open, name)
		i = j + end + 1
	}
	if len(open) > 0 {
		return "", fmt.Sprintf("Can't find end tag corresponding to start tag \"%s\"", open[len(open)-1])
	}
	return html.UnescapeString(vis.String()), ""
}

// parseMarkup checks reply_markup and returns it as sent and, when it is an
// inline keyboard (the only kind Telegram echoes in the message), compacted.
func parseMarkup(s string) (json.RawMessage, json.RawMessage, *Failure) {
	if s == "" {
		return nil, nil, nil
	}
	var kb struct {
		InlineKeyboard [][]map[string]json.RawMessage `json:"inline_keyboard"`
	}
	if err := json.Unmarshal([]byte(s), &kb); err != nil {
		return nil, nil, invalid("can't parse reply keyboard markup JSON object")
	}
	if kb.InlineKeyboard == nil {
		return json.RawMessage(s), nil, nil
	}
	for _, row := range kb.InlineKeyboard {
		for _, b := range row {
			if fail := checkButton(b); fail != nil {
				return nil, nil, fail
			}
		}
	}
	var buf bytes.Buffer
	_ = json.Compact(&buf, []byte(s))
	return json.RawMessage(s), buf.Bytes(), nil
}

// checkButton rejects what Telegram rejects most often in an inline
// button: callback_data over 64 bytes, and a button with no action. The
// library always sends "copy_text":{"text":""}; an empty copy_text is no
// action.
func checkButton(b map[string]json.RawMessage) *Failure {
	var data string
	if raw, ok := b["callback_data"]; ok {
		if json.Unmarshal(raw, &data) != nil || len(data) < 1 || len(data) > 64 {
			return invalid("BUTTON_DATA_INVALID")
		}
	}
	for _, k := range []string{"callback_data", "url", "web_app", "login_url", "switch_inline_query",
		"switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "callback_game", "pay"} {
		if _, ok := b[k]; ok {
			return nil
		}
	}
	var ct struct {
		Text string `json:"text"`
	}
	if raw, ok := b["copy_text"]; ok && json.Unmarshal(raw, &ct) == nil && ct.Text != "" {
		return nil
	}
	return invalid("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
}

// Unseen adds a user's message to chatID that the bot never receives (a
// group member's message under privacy mode, or another chat's): it takes
// the next id of its sequence, and editing it fails as at Telegram. It
// returns the id.
func (f *Fake) Unseen(chatID, fromID int64, text string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := f.nextMessageID(chatID)
	f.msgs[msgKey{chatID, id}] = &botMessage{fromUser: true, chatID: chatID, id: id, date: time.Now().Unix(), text: text}
	return id
}
