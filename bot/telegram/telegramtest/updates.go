package telegramtest

import (
	"mime"
	"path"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf16"

	"github.com/go-telegram/bot/models"
)

// Builders of realistic updates, as Telegram delivers them. Each gives its
// message a fresh message_id (from a counter starting far above the fake's
// own ids, so the two never collide) and leaves update_id 0 for AddUpdate
// or PostUpdate to fill. Names are split at the first space into first_name
// and last_name; users get the username "user<id>". Texts and captions get
// the bot_command and mention entities Telegram would add (offsets in UTF-16
// code units, as Telegram counts them).

var lastID atomic.Int64

func init() { lastID.Store(1_000_000) }

func nextID() int { return int(lastID.Add(1)) }

func now() int { return int(time.Now().Unix()) }

// user is a human user as Telegram describes one.
func user(id int64, name string) models.User {
	first, last, _ := strings.Cut(strings.TrimSpace(name), " ")
	return models.User{ID: id, FirstName: first, LastName: last, Username: "user" + strconv.FormatInt(id, 10), LanguageCode: "zh-hans"}
}

func botUser() *models.User {
	return &models.User{ID: botID, IsBot: true, FirstName: botFirstName, Username: botUsername}
}

func privateChat(u models.User) models.Chat {
	return models.Chat{ID: u.ID, Type: models.ChatTypePrivate, FirstName: u.FirstName, LastName: u.LastName, Username: u.Username}
}

func groupChat(id int64, title string) models.Chat {
	return models.Chat{ID: id, Type: models.ChatTypeSupergroup, Title: title}
}

func message(from models.User, chat models.Chat) *models.Message {
	return &models.Message{ID: nextID(), From: &from, Chat: chat, Date: now()}
}

func withText(m *models.Message, text string) *models.Message {
	m.Text, m.Entities = text, entities(text)
	return m
}

// PrivateText is a text message from a user to the bot in private chat.
func PrivateText(userID int64, name, text string) models.Update {
	u := user(userID, name)
	return models.Update{Message: withText(message(u, privateChat(u)), text)}
}

// PrivateContact is the user sharing a contact in private chat (e.g. with
// a request_contact button: then userID is the sender's own). Telegram
// often gives phone_number without a leading '+'; pass it as it should
// arrive.
func PrivateContact(userID int64, name, phone string) models.Update {
	u := user(userID, name)
	m := message(u, privateChat(u))
	m.Contact = &models.Contact{PhoneNumber: phone, FirstName: u.FirstName, LastName: u.LastName, UserID: userID}
	return models.Update{Message: m}
}

// PrivatePhoto is a photo with a caption in private chat. Telegram sends
// several sizes, smallest first; the largest one has file_id fileID.
func PrivatePhoto(userID int64, name, caption, fileID string) models.Update {
	u := user(userID, name)
	m := message(u, privateChat(u))
	m.Photo = []models.PhotoSize{
		{FileID: fileID + "-s", FileUniqueID: "u-" + fileID + "-s", Width: 90, Height: 68, FileSize: 1432},
		{FileID: fileID + "-m", FileUniqueID: "u-" + fileID + "-m", Width: 320, Height: 240, FileSize: 19876},
		{FileID: fileID, FileUniqueID: "u-" + fileID, Width: 1280, Height: 960, FileSize: 154321},
	}
	m.Caption, m.CaptionEntities = caption, entities(caption)
	return models.Update{Message: m}
}

// PrivateDocument is a file sent as a document, with a caption, in private
// chat; the MIME type follows fileName's extension.
func PrivateDocument(userID int64, name, caption, fileID, fileName string) models.Update {
	u := user(userID, name)
	m := message(u, privateChat(u))
	mt := mime.TypeByExtension(path.Ext(fileName))
	if mt == "" {
		mt = "application/octet-stream"
	}
	m.Document = &models.Document{FileID: fileID, FileUniqueID: "u-" + fileID, FileName: fileName, MimeType: mt, FileSize: 48213}
	m.Caption, m.CaptionEntities = caption, entities(caption)
	return models.Update{Message: m}
}

// GroupText is a text message in a supergroup.
func GroupText(chatID int64, title string, fromID int64, fromName, text string) models.Update {
	return models.Update{Message: withText(message(user(fromID, fromName), groupChat(chatID, title)), text)}
}

// GroupForward is a message a staff member forwarded into a supergroup;
// origin says where it came from (OriginUser, OriginHiddenUser, OriginChat,
// OriginChannel).
func GroupForward(chatID int64, title string, staffID int64, staffName string, origin models.MessageOrigin, text string) models.Update {
	m := withText(message(user(staffID, staffName), groupChat(chatID, title)), text)
	m.ForwardOrigin = &origin
	return models.Update{Message: m}
}

// GroupReply is a message in a supergroup replying to replyTo (e.g. a
// command to the bot replying to a resident's forwarded message, or staff
// answering the bot's receipt). As in Telegram, replyTo's own reply is not
// nested.
func GroupReply(chatID int64, title string, fromID int64, fromName, text string, replyTo models.Message) models.Update {
	m := withText(message(user(fromID, fromName), groupChat(chatID, title)), text)
	replyTo.ReplyToMessage = nil
	m.ReplyToMessage = &replyTo
	return models.Update{Message: m}
}

// CallbackQuery is a press on an inline button with callback data on the
// bot's message messageID in chatID (a private chat when chatID == fromID,
// else a supergroup). The message is a stub (no text): use Fake.Message for
// the real one if the test needs it.
func CallbackQuery(fromID int64, fromName string, chatID int64, messageID int, data string) models.Update {
	u := user(fromID, fromName)
	chat := groupChat(chatID, "Group "+strconv.FormatInt(chatID, 10))
	if chatID == fromID {
		chat = privateChat(u)
	}
	return models.Update{CallbackQuery: &models.CallbackQuery{
		ID:   strconv.FormatInt(fromID, 10) + strconv.Itoa(nextID()),
		From: u,
		Message: models.MaybeInaccessibleMessage{
			Type:    models.MaybeInaccessibleMessageTypeMessage,
			Message: &models.Message{ID: messageID, From: botUser(), Chat: chat, Date: now() - 1},
		},
		ChatInstance: "-" + strconv.FormatInt(chatID*7919, 10),
		Data:         data,
	}}
}

// originDate is when a forwarded message was first sent: an hour ago.
func originDate() int { return now() - 3600 }

// OriginUser is the origin of a message forwarded from a user who allows
// linking to their account.
func OriginUser(id int64, name string) models.MessageOrigin {
	return models.MessageOrigin{Type: models.MessageOriginTypeUser, MessageOriginUser: &models.MessageOriginUser{
		Type: models.MessageOriginTypeUser, Date: originDate(), SenderUser: user(id, name),
	}}
}

// OriginHiddenUser is the origin of a message forwarded from a user who
// hides their account in forwards: only a name is known.
func OriginHiddenUser(name string) models.MessageOrigin {
	return models.MessageOrigin{Type: models.MessageOriginTypeHiddenUser, MessageOriginHiddenUser: &models.MessageOriginHiddenUser{
		Type: models.MessageOriginTypeHiddenUser, Date: originDate(), SenderUserName: name,
	}}
}

// OriginChat is the origin of a message a group sent on its own behalf
// (e.g. by an anonymous admin).
func OriginChat(chatID int64, title string) models.MessageOrigin {
	return models.MessageOrigin{Type: models.MessageOriginTypeChat, MessageOriginChat: &models.MessageOriginChat{
		Type: models.MessageOriginTypeChat, Date: originDate(), SenderChat: groupChat(chatID, title),
	}}
}

// OriginChannel is the origin of a message forwarded from a channel post.
func OriginChannel(chatID int64, title string, messageID int) models.MessageOrigin {
	return models.MessageOrigin{Type: models.MessageOriginTypeChannel, MessageOriginChannel: &models.MessageOriginChannel{
		Type: models.MessageOriginTypeChannel, Date: originDate(),
		Chat: models.Chat{ID: chatID, Type: models.ChatTypeChannel, Title: title}, MessageID: messageID,
	}}
}

// entities finds the bot commands ("/intake@minsheng_test_bot") and
// mentions ("@someone") in text, as Telegram marks them: at the start or
// after whitespace; offsets and lengths in UTF-16 code units.
func entities(text string) []models.MessageEntity {
	var out []models.MessageEntity
	units := func(s string) int { return len(utf16.Encode([]rune(s))) }
	word := func(r byte) bool {
		return r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		if (c != '/' && c != '@') || (i > 0 && !strings.ContainsRune(" \t\n\r", rune(text[i-1]))) {
			continue
		}
		j := i + 1
		for j < len(text) && (word(text[j]) || (c == '/' && text[j] == '@')) {
			j++
		}
		switch {
		case c == '/' && j > i+1:
			out = append(out, models.MessageEntity{Type: models.MessageEntityTypeBotCommand, Offset: units(text[:i]), Length: units(text[i:j])})
		case c == '@' && j-i-1 >= 5:
			out = append(out, models.MessageEntity{Type: models.MessageEntityTypeMention, Offset: units(text[:i]), Length: units(text[i:j])})
		}
		i = j - 1
	}
	return out
}
