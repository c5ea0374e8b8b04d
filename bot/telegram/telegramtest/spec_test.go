package telegramtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// recordingTB is a test that records its failures instead of failing: a
// test of the fake's checks passes it to NewFake to see the fake fail a
// test.
type recordingTB struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recordingTB) failures() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errors...)
}

// The spec the fake checks calls against is the one testdata names.
func TestSpecLoads(t *testing.T) {
	s, err := spec()
	if err != nil {
		t.Fatal(err)
	}
	if s.Version != "Bot API 10.1" || len(s.Methods) < 150 || len(s.Types) < 300 {
		t.Errorf("spec %q with %d methods and %d types", s.Version, len(s.Methods), len(s.Types))
	}
	for _, m := range []string{"getMe", "getUpdates", "sendMessage", "editMessageText", "editMessageReplyMarkup",
		"answerCallbackQuery", "setWebhook", "deleteWebhook", "getWebhookInfo", "getFile"} {
		if s.Methods[m] == nil {
			t.Errorf("the fake serves %s, which the spec has not", m)
		}
	}
}

// multipartBody is a form as go-telegram/bot sends it.
func multipartBody(t *testing.T, fields ...string) (string, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for i := 0; i+1 < len(fields); i += 2 {
		if err := w.WriteField(fields[i], fields[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w.FormDataContentType(), buf.String()
}

// Every call is checked against the spec: a call the Bot API does not
// allow is answered as Telegram answers it (400 with a description; an
// unknown method 404) and fails the test. The table's calls are each
// wrong in one way; the first row is right.
func TestCallsAreCheckedAgainstTheSpec(t *testing.T) {
	kb := func(button string) string { return `{"inline_keyboard":[[` + button + `]]}` }
	for _, tc := range []struct {
		name, method string
		fields       []string // multipart form
		json         string   // or a JSON body
		code         int      // 0: accepted
		want         string   // in the description
	}{
		{"right", "sendMessage", []string{"chat_id", "5", "text", "<b>好</b>", "parse_mode", "HTML",
			"reply_markup", kb(`{"text":"满意","callback_data":"rate:1"}`), "reply_parameters", `{"message_id":3}`,
			"link_preview_options", `{"is_disabled":true}`, "disable_notification", "true"}, "", 0, ""},
		{"right, as JSON", "sendMessage", nil, `{"chat_id":5,"text":"好","reply_markup":{"inline_keyboard":[[{"text":"a","url":"https://example.org"}]]}}`, 0, ""},
		{"a method the Bot API has not", "sendSMS", []string{"chat_id", "5", "text", "x"}, "", 404, "Not Found"},
		{"a parameter sendMessage has not", "sendMessage", []string{"chat_id", "5", "text", "x", "disable_web_page_preview", "true"}, "", 400, `has no parameter "disable_web_page_preview"`},
		{"no chat_id", "sendMessage", []string{"text", "x"}, "", 400, "chat_id is empty"},
		{"no text", "sendMessage", []string{"chat_id", "5"}, "", 400, "message text is empty"},
		{"an Integer that is not", "sendMessage", []string{"chat_id", "5", "text", "x", "message_thread_id", "main"}, "", 400, "message_thread_id must be an Integer"},
		{"a Boolean that is not", "sendMessage", []string{"chat_id", "5", "text", "x", "protect_content", "yes"}, "", 400, "protect_content must be a Boolean"},
		{"a JSON Boolean that is a string", "sendMessage", nil, `{"chat_id":5,"text":"x","link_preview_options":{"is_disabled":"yes"}}`, 400, "is_disabled must be a Boolean"},
		{"an object that is not JSON", "sendMessage", []string{"chat_id", "5", "text", "x", "reply_parameters", "3"}, "", 400, "ReplyParameters object"},
		{"an object without its required field", "sendMessage", []string{"chat_id", "5", "text", "x", "reply_parameters", `{"chat_id":5}`}, "", 400, `needs field "message_id"`},
		{"a field the type has not", "sendMessage", []string{"chat_id", "5", "text", "x", "reply_markup", kb(`{"text":"a","callback_data":"x","colour":"red"}`)}, "", 400, `InlineKeyboardButton has no field "colour"`},
		{"a button of the wrong type", "sendMessage", []string{"chat_id", "5", "text", "x", "reply_markup", `{"inline_keyboard":[{"text":"a","callback_data":"x"}]}`}, "", 400, "must be an Array of InlineKeyboardButton"},
		{"callback_data over 64 bytes", "sendMessage", []string{"chat_id", "5", "text", "x", "reply_markup", kb(`{"text":"a","callback_data":"` + strings.Repeat("满", 22) + `"}`)}, "", 400, "BUTTON_DATA_INVALID"},
		{"callback_data over 64 bytes in an edit", "editMessageReplyMarkup", []string{"chat_id", "5", "message_id", "1000", "reply_markup", kb(`{"text":"a","callback_data":"` + strings.Repeat("x", 65) + `"}`)}, "", 400, "BUTTON_DATA_INVALID"},
		{"a tag HTML mode has not", "sendMessage", []string{"chat_id", "5", "text", "<div>x</div>", "parse_mode", "HTML"}, "", 400, `Unsupported start tag "div"`},
		{"a span that is no spoiler", "sendMessage", []string{"chat_id", "5", "text", `<span class="red">x</span>`, "parse_mode", "HTML"}, "", 400, `must have class "tg-spoiler"`},
		{"an upload where a string goes", "sendMessage", []string{"chat_id", "5", "text", "upload:x.txt"}, "", 0, ""},
		{"an Integer in answerCallbackQuery", "answerCallbackQuery", []string{"callback_query_id", "q1", "cache_time", "soon"}, "", 400, "cache_time must be an Integer"},
		{"allowed_updates not an array", "getUpdates", nil, `{"offset":1,"timeout":0,"allowed_updates":"message"}`, 400, "allowed_updates"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recordingTB{TB: t}
			f := NewFake(rec, token)
			f.SetHold(0)
			ctype, body := "application/json", tc.json
			if tc.fields != nil {
				ctype, body = multipartBody(t, tc.fields...)
			}
			a, err := rawCall(f, tc.method, ctype, body)
			if err != nil {
				t.Fatal(err)
			}
			failed := rec.failures()
			if tc.code == 0 {
				if !a.OK || len(failed) != 0 {
					t.Errorf("a right call refused: %+v, failures %q", a, failed)
				}
				return
			}
			if a.OK || a.ErrorCode != tc.code || !strings.Contains(a.Description, tc.want) {
				t.Errorf("answer %+v, want %d with %q", a, tc.code, tc.want)
			}
			if tc.code == 400 && !strings.HasPrefix(a.Description, "Bad Request: ") {
				t.Errorf("description %q is not Telegram's style", a.Description)
			}
			if len(failed) != 1 || !strings.Contains(failed[0], tc.want) || !strings.Contains(failed[0], "breaks the Bot API (Bot API 10.1)") {
				t.Errorf("the test failed with %q, want once, naming %q", failed, tc.want)
			}
			if c := f.Calls(tc.method); len(c) != 1 || !c[0].Failed || !strings.Contains(c[0].Error, tc.want) {
				t.Errorf("calls %+v", c)
			}
		})
	}
}

// addParam is a transport that adds a form field to every call of one
// method the library makes: a library (or a hand-written call) sending a
// parameter the Bot API does not know.
type addParam struct {
	method, name, value string
}

func (a addParam) RoundTrip(r *http.Request) (*http.Response, error) {
	if !strings.HasSuffix(r.URL.Path, "/"+a.method) {
		return http.DefaultTransport.RoundTrip(r)
	}
	_, mp, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	end := []byte("--" + mp["boundary"] + "--")
	i := bytes.LastIndex(body, end)
	if i < 0 {
		return nil, errors.New("addParam: no closing boundary")
	}
	part := fmt.Sprintf("--%s\r\nContent-Disposition: form-data; name=%q\r\n\r\n%s\r\n", mp["boundary"], a.name, a.value)
	body = append(body[:i:i], append([]byte(part), body[i:]...)...)
	r = r.Clone(r.Context())
	r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	return http.DefaultTransport.RoundTrip(r)
}

// The must-show: a parameter the Bot API does not know, added to the
// sendMessage call the real client library makes, is answered 400 and
// fails the test (here a recording one, so that this test can see it).
// disable_web_page_preview is real: Bot API 7.0 replaced it with
// link_preview_options.
func TestAnUnknownSendMessageParameterFailsTheTest(t *testing.T) {
	rec := &recordingTB{TB: t}
	f := NewFake(rec, token)
	hc := &http.Client{Transport: addParam{"sendMessage", "disable_web_page_preview", "true"}}
	b := newBot(t, f, bot.WithHTTPClient(5*time.Second, hc))
	ctx := context.Background()
	_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: int64(5), Text: "已收到您的诉求", ParseMode: models.ParseModeHTML})
	if !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), `sendMessage has no parameter "disable_web_page_preview"`) {
		t.Errorf("SendMessage: %v, want a bad request naming the parameter", err)
	}
	if got := rec.failures(); len(got) != 1 || !strings.Contains(got[0], "disable_web_page_preview") {
		t.Errorf("the test failed with %q, want once, naming the parameter", got)
	}
	if n := len(f.Sent()); n != 0 {
		t.Errorf("%d messages sent", n)
	}
	// The same call without it is sent, and fails nothing.
	plain := newBot(t, f)
	if _, err := plain.SendMessage(ctx, &bot.SendMessageParams{ChatID: int64(5), Text: "已收到您的诉求", ParseMode: models.ParseModeHTML}); err != nil {
		t.Errorf("the library's own call: %v", err)
	}
	if got := rec.failures(); len(got) != 1 {
		t.Errorf("failures %q", got)
	}
}
