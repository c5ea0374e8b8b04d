package telegramtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

const token = "123456:TEST-token"

func newBot(t *testing.T, f *Fake, opts ...bot.Option) *bot.Bot {
	t.Helper()
	b, err := bot.New(token, append([]bot.Option{bot.WithServerURL(f.URL)}, opts...)...)
	if err != nil {
		t.Fatalf("bot.New: %v", err)
	}
	return b
}

type apiAnswer struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

// rawCall makes a Bot API call the way our own code may: a JSON or
// url-encoded POST. It does not touch t, so goroutines may use it.
func rawCall(f *Fake, method, contentType, body string) (apiAnswer, error) {
	var a apiAnswer
	resp, err := http.Post(f.URL+"/bot"+token+"/"+method, contentType, strings.NewReader(body))
	if err != nil {
		return a, err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		return a, fmt.Errorf("%s: decode: %w", method, err)
	}
	if a.OK != (resp.StatusCode == 200) || (!a.OK && a.ErrorCode != resp.StatusCode) {
		return a, fmt.Errorf("%s: HTTP %d with %+v", method, resp.StatusCode, a)
	}
	return a, nil
}

func call(t *testing.T, f *Fake, method, contentType, body string) apiAnswer {
	t.Helper()
	a, err := rawCall(f, method, contentType, body)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func decodeUpdates(a apiAnswer) ([]json.RawMessage, error) {
	if !a.OK {
		return nil, fmt.Errorf("getUpdates: %d %s", a.ErrorCode, a.Description)
	}
	var ups []json.RawMessage
	if err := json.Unmarshal(a.Result, &ups); err != nil || ups == nil {
		return nil, fmt.Errorf("getUpdates result %s: %v", a.Result, err)
	}
	return ups, nil
}

func poll(t *testing.T, f *Fake, body string) []json.RawMessage {
	t.Helper()
	ups, err := decodeUpdates(call(t, f, "getUpdates", "application/json", body))
	if err != nil {
		t.Fatal(err)
	}
	return ups
}

func updateIDs(t *testing.T, ups []json.RawMessage) []int64 {
	t.Helper()
	var ids []int64
	for _, raw := range ups {
		var u struct {
			ID int64 `json:"update_id"`
		}
		if err := json.Unmarshal(raw, &u); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.ID)
	}
	return ids
}

func TestGetMe(t *testing.T) {
	f := NewFake(t, token)
	b := newBot(t, f)
	me, err := b.GetMe(context.Background())
	if err != nil || me.ID != 777000111 || me.Username != f.BotUsername() || me.FirstName != "民声" || !me.IsBot {
		t.Fatalf("GetMe = %+v, %v", me, err)
	}
	_, err = bot.New("123456:WRONG", bot.WithServerURL(f.URL))
	if !errors.Is(err, bot.ErrorUnauthorized) {
		t.Fatalf("wrong token: %v, want ErrorUnauthorized", err)
	}
	if n := len(f.Calls("getMe")); n != 2 {
		t.Errorf("%d getMe calls recorded, want 2 (not the unauthorized one)", n)
	}
}

func TestSendMessage(t *testing.T) {
	f := NewFake(t, token)
	b := newBot(t, f)
	ctx := context.Background()
	kb := models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{
		{{Text: "受理", CallbackData: "accept:A-17"}, {Text: "转办", CallbackData: "route:A-17"}},
		{{Text: "详情", URL: "https://example.org/a/17"}},
	}}
	text := "<b>收到</b> 诉求 #A-17 &lt;路灯&gt; & 谢谢"
	msg, err := b.SendMessage(ctx, &bot.SendMessageParams{
		ChatID: int64(4242), Text: text, ParseMode: models.ParseModeHTML,
		ReplyParameters: &models.ReplyParameters{MessageID: 77}, ReplyMarkup: kb,
	})
	if err != nil {
		t.Fatal(err)
	}
	sent := f.WaitForSent(t, 1, time.Second)
	s := sent[0]
	if s.ChatID != 4242 || s.Text != text || s.ParseMode != "HTML" || s.ReplyTo != 77 || s.MessageID != 1000 || msg.ID != s.MessageID {
		t.Fatalf("Sent = %+v, message id %d", s, msg.ID)
	}
	var got models.InlineKeyboardMarkup
	if err := json.Unmarshal(s.Markup, &got); err != nil || len(got.InlineKeyboard) != 2 || len(got.InlineKeyboard[0]) != 2 ||
		got.InlineKeyboard[0][1].CallbackData != "route:A-17" || got.InlineKeyboard[1][0].URL != "https://example.org/a/17" {
		t.Fatalf("Markup %s: %+v %v", s.Markup, got, err)
	}
	if msg.Chat.Type != models.ChatTypePrivate || msg.ReplyToMessage == nil || msg.ReplyToMessage.ID != 77 ||
		msg.ReplyMarkup == nil || len(msg.ReplyMarkup.InlineKeyboard) != 2 || msg.From == nil || msg.From.ID != 777000111 || msg.Date == 0 {
		t.Fatalf("returned message %+v", msg)
	}
	c := f.Calls("sendMessage")[0]
	if c.Params["chat_id"] != "4242" || c.Params["parse_mode"] != "HTML" || c.Failed ||
		!strings.HasPrefix(c.Params["reply_parameters"], `{"message_id":77`) || !strings.Contains(c.Params["reply_markup"], `"inline_keyboard"`) {
		t.Fatalf("recorded params %v", c.Params)
	}

	// A supergroup numbers its own messages; private chats share the
	// bot account's sequence.
	m2, _ := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: int64(4242), Text: "二"})
	m3, _ := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: int64(-1001234567890), Text: "群"})
	if m2.ID != 1001 || m3.ID != 1000 || m3.Chat.Type != models.ChatTypeSupergroup {
		t.Fatalf("ids %d %d, chat %+v", m2.ID, m3.ID, m3.Chat)
	}
	if m5, _ := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: int64(5353), Text: "另一人"}); m5.ID != 1002 {
		t.Fatalf("another private chat got id %d, want 1002", m5.ID)
	}
	// A reply to a message the fake sent carries that message.
	m4, _ := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: int64(4242), Text: "re", ReplyParameters: &models.ReplyParameters{MessageID: 1001}})
	if m4.ReplyToMessage == nil || m4.ReplyToMessage.Text != "二" {
		t.Fatalf("reply to own message: %+v", m4.ReplyToMessage)
	}
}

// The fake refuses what Telegram refuses; a call that breaks the Bot API
// (all of these but the unknown chat, which is no fault of the call) also
// fails the test.
func TestSendMessageChecks(t *testing.T) {
	rec := &recordingTB{TB: t}
	f := NewFake(rec, token)
	b := newBot(t, f)
	ctx := context.Background()
	cases := []struct {
		params *bot.SendMessageParams
		want   string
	}{
		{&bot.SendMessageParams{ChatID: int64(1), Text: "  "}, "message text is empty"},
		{&bot.SendMessageParams{ChatID: int64(1), Text: "1 < 2", ParseMode: models.ParseModeHTML}, `Unsupported start tag "" at byte offset 2`},
		{&bot.SendMessageParams{ChatID: int64(1), Text: "<b>x</i>", ParseMode: models.ParseModeHTML}, "Unmatched end tag"},
		{&bot.SendMessageParams{ChatID: int64(1), Text: "<b>x", ParseMode: models.ParseModeHTML}, `Can't find end tag corresponding to start tag "b"`},
		{&bot.SendMessageParams{ChatID: int64(1), Text: strings.Repeat("诉", 4097)}, "message is too long"},
		{&bot.SendMessageParams{ChatID: int64(1), Text: "x", ReplyMarkup: models.InlineKeyboardMarkup{
			InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "x", CallbackData: strings.Repeat("a", 65)}}}}}, "BUTTON_DATA_INVALID"},
		{&bot.SendMessageParams{ChatID: int64(1), Text: "x", ReplyMarkup: models.InlineKeyboardMarkup{
			InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "x"}}}}}, "Text buttons are unallowed"},
		{&bot.SendMessageParams{ChatID: "@somechannel", Text: "x"}, "chat not found"},
	}
	for _, tc := range cases {
		_, err := b.SendMessage(ctx, tc.params)
		if !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("SendMessage(%q): %v, want bad request %q", tc.params.Text, err, tc.want)
		}
	}
	failed := rec.failures()
	if len(failed) != len(cases)-1 {
		t.Errorf("%d calls failed the test, want %d (all but the unknown chat): %q", len(failed), len(cases)-1, failed)
	}
	for i, tc := range cases[:len(cases)-1] {
		if i < len(failed) && !strings.Contains(failed[i], tc.want) {
			t.Errorf("failure %d %q, want it to say %q", i, failed[i], tc.want)
		}
	}
	if _, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: int64(1), Text: "a &amp; b > c & d", ParseMode: models.ParseModeHTML}); err != nil {
		t.Errorf("valid HTML refused: %v", err)
	}
	if n := len(f.Sent()); n != 1 {
		t.Errorf("%d messages sent, want 1", n)
	}
}

func TestFailNext(t *testing.T) {
	f := NewFake(t, token)
	b := newBot(t, f)
	ctx := context.Background()
	f.FailNext("sendMessage", TooManyRequests(3), Accept, Blocked())
	p := &bot.SendMessageParams{ChatID: int64(9), Text: "hi"}

	_, err := b.SendMessage(ctx, p)
	var tmr *bot.TooManyRequestsError
	if !errors.As(err, &tmr) || tmr.RetryAfter != 3 {
		t.Fatalf("429: %v, want *bot.TooManyRequestsError with RetryAfter 3", err)
	}
	if _, err := b.SendMessage(ctx, p); err != nil {
		t.Fatalf("Accept: %v", err)
	}
	if _, err = b.SendMessage(ctx, p); !errors.Is(err, bot.ErrorForbidden) || !strings.Contains(err.Error(), "bot was blocked by the user") {
		t.Fatalf("Blocked: %v, want ErrorForbidden", err)
	}
	if _, err := b.SendMessage(ctx, p); err != nil {
		t.Fatalf("after failures: %v", err)
	}
	var failed []bool
	for _, c := range f.Calls("sendMessage") {
		failed = append(failed, c.Failed)
	}
	if want := []bool{true, false, true, false}; !equal(failed, want) {
		t.Errorf("Failed marks %v, want %v", failed, want)
	}
	if s := f.Sent(); len(s) != 2 || s[0].MessageID != 1000 || s[1].MessageID != 1001 {
		t.Errorf("Sent %+v", s)
	}
	// On the wire, for a hand-written client.
	f.FailNext("getUpdates", TooManyRequests(7))
	if a := call(t, f, "getUpdates", "application/json", `{}`); a.ErrorCode != 429 || a.Parameters.RetryAfter != 7 {
		t.Errorf("429 on the wire: %+v", a)
	}
	// An unknown method is a 404, recorded.
	if _, err := b.DeleteMessage(ctx, &bot.DeleteMessageParams{ChatID: int64(9), MessageID: 1000}); !errors.Is(err, bot.ErrorNotFound) {
		t.Errorf("deleteMessage: %v, want ErrorNotFound", err)
	}
	if c := f.Calls("deleteMessage"); len(c) != 1 || !c[0].Failed || c[0].Params["message_id"] != "1000" {
		t.Errorf("deleteMessage calls %+v", c)
	}
}

func equal[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestEdits(t *testing.T) {
	f := NewFake(t, token)
	b := newBot(t, f)
	ctx := context.Background()
	kb := models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "受理", CallbackData: "accept:1"}}}}
	m, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: int64(-100777), Text: "新诉求", ReplyMarkup: kb})
	if err != nil {
		t.Fatal(err)
	}
	e, err := b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: int64(-100777), MessageID: m.ID, Text: "已受理", ReplyMarkup: kb})
	if err != nil || e.Text != "已受理" || e.ReplyMarkup == nil || e.EditDate == 0 {
		t.Fatalf("EditMessageText: %+v, %v", e, err)
	}
	if _, err := b.EditMessageReplyMarkup(ctx, &bot.EditMessageReplyMarkupParams{ChatID: int64(-100777), MessageID: m.ID}); err != nil {
		t.Fatalf("remove keyboard: %v", err)
	}
	_, err = b.EditMessageReplyMarkup(ctx, &bot.EditMessageReplyMarkupParams{ChatID: int64(-100777), MessageID: m.ID})
	if !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), "message is not modified") {
		t.Fatalf("second removal: %v, want message is not modified", err)
	}
	got, ok := f.Message(-100777, m.ID)
	if !ok || got.Text != "已受理" || got.ReplyMarkup != nil {
		t.Fatalf("Message = %+v, %v", got, ok)
	}
	if ok, err := b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: "42", Text: "好"}); !ok || err != nil {
		t.Fatalf("AnswerCallbackQuery: %v %v", ok, err)
	}
	if c := f.WaitForCalls(t, "answerCallbackQuery", 1, time.Second); c[0].Params["text"] != "好" {
		t.Fatalf("answerCallbackQuery params %v", c[0].Params)
	}
}

func TestGetUpdatesJSON(t *testing.T) {
	f := NewFake(t, token)
	if ups := poll(t, f, `{"timeout":0}`); len(ups) != 0 {
		t.Fatalf("empty queue: %s", ups)
	}
	id1 := f.AddUpdate(PrivateText(1, "张 三", "路灯坏了"))
	id2 := f.AddUpdate(PrivateText(1, "张 三", "在人民路"))
	if id1 != 1 || id2 != 2 {
		t.Fatalf("update ids %d %d", id1, id2)
	}
	if ids := updateIDs(t, poll(t, f, `{}`)); !equal(ids, []int64{1, 2}) {
		t.Fatalf("ids %v", ids)
	}
	if ids := updateIDs(t, poll(t, f, `{"offset":2,"timeout":0}`)); !equal(ids, []int64{2}) {
		t.Fatalf("offset 2: %v", ids)
	}
	if ids := updateIDs(t, poll(t, f, `{}`)); !equal(ids, []int64{2}) {
		t.Fatalf("update 1 confirmed, then: %v", ids)
	}
	for range 3 {
		f.AddUpdate(GroupText(-100, "街道", 5, "李 四", "hi"))
	}
	// url-encoded works too; limit applies.
	a := call(t, f, "getUpdates", "application/x-www-form-urlencoded", url.Values{"offset": {"3"}, "limit": {"2"}}.Encode())
	var ups []json.RawMessage
	if err := json.Unmarshal(a.Result, &ups); err != nil || !equal(updateIDs(t, ups), []int64{3, 4}) {
		t.Fatalf("limit 2: %s %v", a.Result, err)
	}
	if offs := f.Offsets(); !equal(offs, []int64{0, 0, 2, 0, 3}) {
		t.Fatalf("Offsets %v", offs)
	}
	if ids := updateIDs(t, poll(t, f, `{"offset":-1}`)); !equal(ids, []int64{5}) {
		t.Fatalf("offset -1: %v", ids)
	}
}

func TestGetUpdatesHold(t *testing.T) {
	f := NewFake(t, token)
	f.SetHold(300 * time.Millisecond)
	start := time.Now()
	if ups := poll(t, f, `{"offset":1,"timeout":30}`); len(ups) != 0 {
		t.Fatalf("got %s", ups)
	}
	if d := time.Since(start); d < 250*time.Millisecond || d > 10*time.Second {
		t.Fatalf("empty poll answered after %s, want about 300ms", d)
	}
	// timeout bounds the hold.
	f.SetHold(time.Minute)
	start = time.Now()
	poll(t, f, `{"timeout":1}`)
	if d := time.Since(start); d < 900*time.Millisecond || d > 30*time.Second {
		t.Fatalf("timeout 1 answered after %s", d)
	}

	// An update arriving during the hold answers at once: with a one-minute
	// hold, the poll can only end this early because of the update.
	type answer struct {
		ups []json.RawMessage
		err error
	}
	done := make(chan answer, 1)
	go func() {
		a, err := rawCall(f, "getUpdates", "application/json", `{"timeout":50}`)
		if err == nil {
			a2, err2 := decodeUpdates(a)
			done <- answer{a2, err2}
			return
		}
		done <- answer{nil, err}
	}()
	if !f.waitFor(5*time.Second, func() bool { return f.poller != nil }) {
		t.Fatal("poll never started")
	}
	id := f.AddUpdate(PrivateText(7, "王 五", "你好"))
	select {
	case a := <-done:
		if a.err != nil {
			t.Fatal(a.err)
		}
		if ids := updateIDs(t, a.ups); !equal(ids, []int64{id}) {
			t.Fatalf("got %v, want [%d]", ids, id)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("update added during the hold was not returned")
	}
}

func TestGetUpdatesConflicts(t *testing.T) {
	f := NewFake(t, token)
	f.SetHold(time.Minute)
	first := make(chan apiAnswer, 1)
	go func() {
		a, err := rawCall(f, "getUpdates", "application/json", `{"timeout":50}`)
		if err != nil {
			a.Description = err.Error()
		}
		first <- a
	}()
	if !f.waitFor(5*time.Second, func() bool { return f.poller != nil }) {
		t.Fatal("poll never started")
	}
	f.SetHold(0)
	if a := call(t, f, "getUpdates", "application/json", `{"timeout":50}`); !a.OK {
		t.Fatalf("second poll: %+v", a)
	}
	if a := <-first; a.OK || a.ErrorCode != 409 || !strings.Contains(a.Description, "terminated by other getUpdates request") {
		t.Fatalf("first poll: %+v", a)
	}

	b := newBot(t, f)
	ctx := context.Background()
	if ok, err := b.SetWebhook(ctx, &bot.SetWebhookParams{URL: "https://bot.example.org/tg", SecretToken: "s"}); !ok || err != nil {
		t.Fatalf("SetWebhook: %v %v", ok, err)
	}
	if a := call(t, f, "getUpdates", "application/json", `{}`); a.ErrorCode != 409 {
		t.Fatalf("getUpdates with webhook: %+v", a)
	}
	f.AddUpdate(PrivateText(1, "a", "b"))
	info, err := b.GetWebhookInfo(ctx)
	if err != nil || info.URL != "https://bot.example.org/tg" || info.PendingUpdateCount != 1 {
		t.Fatalf("GetWebhookInfo: %+v %v", info, err)
	}
	if ok, err := b.DeleteWebhook(ctx, &bot.DeleteWebhookParams{DropPendingUpdates: true}); !ok || err != nil {
		t.Fatalf("DeleteWebhook: %v %v", ok, err)
	}
	if ups := poll(t, f, `{}`); len(ups) != 0 {
		t.Fatalf("dropped updates still served: %s", ups)
	}
}

func TestRawUpdateUnknownOrigin(t *testing.T) {
	f := NewFake(t, token)
	raw := json.RawMessage(`{"update_id":900,"message":{"message_id":5,"from":{"id":3,"is_bot":false,"first_name":"赵"},` +
		`"chat":{"id":-1001,"type":"supergroup","title":"街道"},"date":1700000000,` +
		`"forward_origin":{"type":"story","date":1699990000},"text":"转发"}}`)
	f.AddRawUpdate(raw)
	ups := poll(t, f, `{}`)
	if len(ups) != 1 || !bytes.Equal(ups[0], raw) {
		t.Fatalf("raw update served as %s", ups)
	}
	var u models.Update
	if err := json.Unmarshal(ups[0], &u); err == nil {
		t.Fatal("models.Update decoded an unknown forward_origin type; the trap this test documents is gone")
	}
	if id := f.AddUpdate(PrivateText(1, "a", "b")); id != 901 {
		t.Fatalf("next update id %d, want 901", id)
	}
}

// TestLibraryPolling runs the library's own polling loop against the fake.
func TestLibraryPolling(t *testing.T) {
	f := NewFake(t, token)
	got := make(chan *models.Update, 10)
	b := newBot(t, f, bot.WithDefaultHandler(func(_ context.Context, _ *bot.Bot, u *models.Update) { got <- u }))
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { b.Start(ctx) })
	defer func() { cancel(); wg.Wait() }()

	f.AddUpdate(PrivateText(11, "陈 六", "/start"))
	f.AddUpdate(CallbackQuery(11, "陈 六", 11, 1000, "accept:1"))
	seen := map[string]bool{}
	for range 2 {
		select {
		case u := <-got:
			switch {
			case u.Message != nil:
				seen[u.Message.Text] = true
			case u.CallbackQuery != nil:
				seen[u.CallbackQuery.Data] = true
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("updates not delivered, seen %v", seen)
		}
	}
	if !seen["/start"] || !seen["accept:1"] {
		t.Fatalf("seen %v", seen)
	}
	// The library confirms with offset = last update_id + 1.
	if !f.waitFor(10*time.Second, func() bool { return len(f.offsets) > 0 && f.offsets[len(f.offsets)-1] == 3 }) {
		t.Fatalf("offsets %v, want a poll with offset 3", f.Offsets())
	}
}

func TestPostUpdate(t *testing.T) {
	f := NewFake(t, token)
	type hit struct {
		method, ctype, secret string
		body                  []byte
	}
	hits := make(chan hit, 2)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		hits <- hit{r.Method, r.Header.Get("Content-Type"), r.Header.Get("X-Telegram-Bot-Api-Secret-Token"), body}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	ctx := context.Background()

	status, err := f.PostUpdate(ctx, srv.URL+"/telegram/webhook", "s3cret", PrivateText(8, "周 七", "井盖丢了"))
	if err != nil || status != http.StatusAccepted {
		t.Fatalf("PostUpdate: %d %v", status, err)
	}
	h := <-hits
	var u models.Update
	if err := json.Unmarshal(h.body, &u); err != nil || u.ID == 0 || u.Message == nil || u.Message.Text != "井盖丢了" {
		t.Fatalf("body %s: %v", h.body, err)
	}
	if h.method != http.MethodPost || h.ctype != "application/json" || h.secret != "s3cret" {
		t.Fatalf("request %+v", h)
	}
	raw := json.RawMessage(`{"update_id":5,"message":{"message_id":1,"date":1,"chat":{"id":1,"type":"private"}}}`)
	if _, err := f.PostUpdate(ctx, srv.URL, "", raw); err != nil {
		t.Fatal(err)
	}
	if h := <-hits; h.secret != "" || !bytes.Equal(h.body, raw) {
		t.Fatalf("raw post %+v", h)
	}
}

func TestGetFile(t *testing.T) {
	f := NewFake(t, token)
	b := newBot(t, f)
	ctx := context.Background()
	download := func(file *models.File) string {
		resp, err := http.Get(b.FileDownloadLink(file))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		return string(data)
	}
	file, err := b.GetFile(ctx, &bot.GetFileParams{FileID: "AgADphoto"})
	if err != nil || file.FilePath != "documents/AgADphoto.bin" || file.FileUniqueID == "" || file.FileSize != int64(len("fake file AgADphoto")) {
		t.Fatalf("GetFile: %+v %v", file, err)
	}
	if got := download(file); got != "fake file AgADphoto" {
		t.Fatalf("download %q", got)
	}
	f.SetFile("doc1", []byte("%PDF-1.4"))
	file, _ = b.GetFile(ctx, &bot.GetFileParams{FileID: "doc1"})
	if got := download(file); file.FileSize != 8 || got != "%PDF-1.4" {
		t.Fatalf("SetFile: %+v %q", file, got)
	}
}

func TestJSONSendMessage(t *testing.T) {
	f := NewFake(t, token)
	a := call(t, f, "sendmessage", "application/json",
		`{"chat_id":-100200,"text":"hi","reply_parameters":{"message_id":3},"reply_markup":{"inline_keyboard":[[{"text":"a","callback_data":"x"}]]}}`)
	if !a.OK {
		t.Fatalf("%+v", a)
	}
	s := f.Sent()
	if len(s) != 1 || s[0].ChatID != -100200 || s[0].ReplyTo != 3 || !strings.Contains(string(s[0].Markup), `"callback_data":"x"`) {
		t.Fatalf("Sent %+v", s)
	}
	if c := f.Calls("sendMessage"); len(c) != 1 || c[0].Params["chat_id"] != "-100200" || c[0].Params["reply_parameters"] != `{"message_id":3}` {
		t.Fatalf("Calls %+v", c)
	}
	if a := call(t, f, "sendMessage", "application/x-www-form-urlencoded", "chat_id=5&text=%E5%A5%BD"); !a.OK {
		t.Fatalf("url-encoded: %+v", a)
	}
	resp, err := http.Post(f.URL+"/botWRONG/getMe", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("wrong token: HTTP %d", resp.StatusCode)
	}
}

// A call served but answered late, never (connection cut), or lost before
// it was served: what the client sees, and what the fake has.
func TestAnswersLateNeverOrLost(t *testing.T) {
	f := NewFake(t, token)
	b := newBot(t, f, bot.WithHTTPClient(time.Second, &http.Client{Timeout: 200 * time.Millisecond}))
	ctx := context.Background()
	f.FailNext("sendMessage", AcceptLate(time.Second), NoAnswer, Hang, Dropped)
	for i, want := range []int{1, 2, 3, 3} {
		if _, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: int64(4242), Text: fmt.Sprint("第", i)}); err == nil {
			t.Errorf("call %d: no error", i)
		}
		if n := len(f.Sent()); n != want {
			t.Errorf("after call %d: %d sent, want %d", i, n, want)
		}
	}
	late := AcceptLate(50 * time.Millisecond)
	f.FailNext("sendMessage", late)
	if m, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: int64(4242), Text: "迟到"}); err != nil || m.ID != 1003 {
		t.Errorf("a late answer inside the timeout: %+v %v", m, err)
	}
	calls := f.Calls("sendMessage")
	if len(calls) != 5 || calls[0].Failed || !calls[1].Failed || !calls[2].Failed || !calls[3].Failed || calls[4].Failed {
		t.Errorf("calls %+v", calls)
	}
}

// Edits answer as Telegram's do: the bot's message with the same content
// is "not modified"; a user's message "can't be edited"; an id not in the
// chat (another chat's, in the shared sequence) "not found".
func TestEditAnswersByWhoseMessage(t *testing.T) {
	f := NewFake(t, token)
	b := newBot(t, f)
	ctx := context.Background()
	u := PrivateText(4242, "张 三", "路灯坏了")
	f.AddUpdate(u)
	m, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: int64(4242), Text: "收到"})
	if err != nil || m.ID != u.Message.ID+1 {
		t.Fatalf("sent %+v %v, want the id after the user's %d", m, err, u.Message.ID)
	}
	other := f.Unseen(5353, 5353, "别的聊天")
	for _, tc := range []struct {
		id   int
		want string
	}{
		{m.ID, "message is not modified"},
		{u.Message.ID, "message can't be edited"},
		{other, "message to edit not found"},
		{other + 1, "message to edit not found"},
	} {
		_, err := b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: int64(4242), MessageID: tc.id, Text: "收到"})
		if !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("edit %d: %v, want %q", tc.id, err, tc.want)
		}
	}
	if c := f.Calls("editMessageText"); len(c) != 4 || c[0].Error != "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message" {
		t.Errorf("calls %+v", c)
	}
}
