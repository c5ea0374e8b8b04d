package telegram_test

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"testing"

	"github.com/minsheng/minsheng/bot"
)

func outbound(chat, text string) bot.Outbound {
	return bot.Outbound{Key: "telegram:" + chat + ":1", Channel: bot.ChannelTelegram, Conversation: "telegram:" + chat, To: chat, Text: text, Seq: 1}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return string(b)
}

func status(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

var _ = strconv.Itoa

// smsRecorder is an SMS channel that records what it was given.
type smsRecorder struct{ got *[]string }

func (r smsRecorder) Name() string        { return bot.ChannelSMS }
func (r smsRecorder) Sender() bot.Sender  { return r }
func (r smsRecorder) Routes() []bot.Route { return nil }
func (r smsRecorder) Send(_ context.Context, m bot.Outbound) error {
	*r.got = append(*r.got, m.To+" from "+m.From+": "+m.Text)
	return nil
}
