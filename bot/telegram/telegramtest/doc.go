// Package telegramtest is a fake Telegram Bot API server for tests, in the
// style of smstest's fake Twilio.
//
// NewFake starts an httptest server that answers POST (or GET)
// /bot<token>/<method> the way api.telegram.org does: {"ok":true,"result":…}
// on success, {"ok":false,"error_code":N,"description":…} with HTTP status N
// on failure, 401 "Unauthorized" for a wrong token. It accepts the
// multipart/form-data that github.com/go-telegram/bot sends (scalars as plain
// strings, nested objects such as reply_markup and reply_parameters as JSON
// strings) as well as application/json and
// application/x-www-form-urlencoded bodies, so a hand-written polling loop can
// talk to it too. Point the client library at it with
//
//	f := telegramtest.NewFake(t, "123:TEST")
//	b, err := bot.New("123:TEST", bot.WithServerURL(f.URL))
//
// Served methods: getMe, getUpdates, sendMessage, editMessageText,
// editMessageReplyMarkup, answerCallbackQuery, setWebhook, deleteWebhook,
// getWebhookInfo, getFile; files named by getFile download from
// GET /file/bot<token>/<file_path>. Any other method of the Bot API
// answers 404 and is recorded, so a test can see it was tried.
//
// Incoming side: queue updates with AddUpdate (models.Update, built with the
// helpers in updates.go such as PrivateText or GroupForward) or AddRawUpdate
// (raw JSON, for updates the library cannot decode); getUpdates hands them
// out with Telegram's offset semantics and, when none are pending, holds the
// long poll briefly (SetHold) so a client never spins. For webhook mode,
// PostUpdate posts an update to the channel's handler as Telegram would.
//
// Outgoing side: every call is recorded (Calls), sendMessage calls are
// decoded (Sent, WaitForSent), and FailNext injects Telegram errors such as
// TooManyRequests or Blocked, or a call served but answered late
// (AcceptLate), never (NoAnswer cuts the connection, Hang holds it), or
// lost before it was served (Dropped).
//
// Message ids are numbered as Telegram numbers them: a supergroup (chat ids
// below -10^12) has its own sequence; private chats and basic groups share
// the bot account's. Users' messages from updates (and Unseen ones, which
// the bot never receives) take ids of their sequence too.
//
// Every call is checked against the Bot API spec in testdata
// (telegram-bot-api.json, Bot API 10.1; testdata/README.md names its
// source and commit): the method exists, every parameter is one the
// method declares, the required ones are there and not empty, and each
// value has a type the parameter allows — Integer, Float, String, Boolean,
// a file upload, or a JSON-serialized object or array (reply_markup,
// reply_parameters, allowed_updates…) whose fields are checked the same way
// down to the leaves. Beyond the types, what Telegram refuses of a message:
// callback_data over 64 bytes (BUTTON_DATA_INVALID), an inline button
// without an action, empty or over-long text, and with parse_mode HTML a
// tag Telegram does not allow or HTML it cannot parse. A call that breaks
// the Bot API is answered as Telegram answers (400 "Bad Request: …", 404
// for an unknown method) and fails the test (tb.Errorf). Telegram itself
// ignores a parameter it does not know; the fake refuses it, so that a
// parameter the bot believes it sets is never silently dropped.
//
// The fake also checks what a channel meets in production, answering it
// without failing the test: "chat not found", "message is not modified" on
// an edit that changes nothing, "message to edit not found" for an id not
// in the chat, "message can't be edited" for a user's message, getUpdates
// while a webhook is set (409), and two long polls at once (the older one
// gets 409).
package telegramtest
