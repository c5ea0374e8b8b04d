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
// GET /file/bot<token>/<file_path>. Any other method answers 404 and is
// recorded, so a test can see it was tried.
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
// The fake checks a little of what Telegram checks, because those are the
// errors a channel meets in production: empty or over-long text, HTML that
// Telegram cannot parse (parse_mode HTML), "message is not modified" on an
// edit that changes nothing, "message to edit not found" for an id not in
// the chat, "message can't be edited" for a user's message, getUpdates while a webhook is set (409), and two
// long polls at once (the older one gets 409).
package telegramtest
