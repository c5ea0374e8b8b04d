package twilio_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minsheng/minsheng/bot/sms/smstest"
	"github.com/minsheng/minsheng/bot/twilio"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"
)

const sid = "AC0123456789abcdef0123456789abcdef"

func message(to, body string) *openapi.CreateMessageParams {
	p := &openapi.CreateMessageParams{}
	p.SetTo(to)
	p.SetFrom("+8613800000001")
	p.SetBody(body)
	return p
}

func TestClientSendsToTheBaseURL(t *testing.T) {
	fake := smstest.NewFake(t, sid, token)
	c, err := twilio.NewClient(sid, token, fake.URL)
	if err != nil {
		t.Fatal(err)
	}
	msg, ans, err := c.CreateMessage(context.Background(), message("+8613912345678", "您好"))
	if err != nil || ans.Status != http.StatusCreated || msg.Sid == nil {
		t.Fatalf("%v %+v %+v", err, ans, msg)
	}
	if got := fake.Messages(); len(got) != 1 || got[0].Body != "您好" || got[0].SID != *msg.Sid {
		t.Errorf("at the fake: %+v", got)
	}
}

// A proxy mounted under a path: its path goes before the API's.
func TestClientKeepsTheBasePath(t *testing.T) {
	var mu sync.Mutex
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.Path)
		mu.Unlock()
		w.Header().Set("Retry-After", "7")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	t.Cleanup(srv.Close)
	c, err := twilio.NewClient(sid, token, srv.URL+"/twilio/")
	if err != nil {
		t.Fatal(err)
	}
	_, ans, err := c.CreateMessage(context.Background(), message("+8613912345678", "x"))
	if err == nil || ans.Status != http.StatusTooManyRequests || ans.RetryAfter != "7" {
		t.Errorf("%v %+v", err, ans)
	}
	mu.Lock()
	defer mu.Unlock()
	if want := "/twilio/2010-04-01/Accounts/" + sid + "/Messages.json"; len(paths) != 1 || paths[0] != want {
		t.Errorf("paths %q, want %q", paths, want)
	}
}

// A redirect is a misconfigured proxy: not followed, so the credentials
// go nowhere else.
func TestClientDoesNotFollowRedirects(t *testing.T) {
	var followed atomic.Bool
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { followed.Store(true) }))
	t.Cleanup(elsewhere.Close)
	srv := httptest.NewServer(http.RedirectHandler(elsewhere.URL+"/steal", http.StatusTemporaryRedirect))
	t.Cleanup(srv.Close)
	c, err := twilio.NewClient(sid, token, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	_, ans, err := c.CreateMessage(context.Background(), message("+8613912345678", "x"))
	if err == nil || ans.Status != http.StatusTemporaryRedirect || followed.Load() {
		t.Errorf("err %v, answer %+v, followed %v", err, ans, followed.Load())
	}
}

// The call's context reaches the request: twilio-go's own is Background.
func TestClientCallCarriesItsContext(t *testing.T) {
	fake := smstest.NewFake(t, sid, token)
	c, err := twilio.NewClient(sid, token, fake.URL)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, ans, err := c.CreateMessage(ctx, message("+8613912345678", "x"))
	if !errors.Is(err, context.Canceled) && (err == nil || !strings.Contains(err.Error(), "context canceled")) {
		t.Errorf("canceled call: %v", err)
	}
	if ans.Status != 0 || fake.Attempts() != 0 {
		t.Errorf("a canceled call reached Twilio: %+v, %d attempts", ans, fake.Attempts())
	}
}

func TestNewClientRefusesARelativeBase(t *testing.T) {
	for _, base := range []string{"api.twilio.com", "/twilio", "://x"} {
		if _, err := twilio.NewClient(sid, token, base); err == nil || !strings.Contains(err.Error(), "sms.twilio.api_base_url") {
			t.Errorf("%q: %v", base, err)
		}
	}
}

// A message Twilio took while the client had given up: the call fails
// with no answer, and Twilio has it all the same.
func TestClientTimeoutLeavesTheMessageAtTwilio(t *testing.T) {
	fake := smstest.NewFake(t, sid, token)
	fake.FailNext(smstest.NoAnswer)
	c, err := twilio.NewClient(sid, token, fake.URL)
	if err != nil {
		t.Fatal(err)
	}
	c.SetTimeout(100 * time.Millisecond)
	start := time.Now()
	_, ans, err := c.CreateMessage(context.Background(), message("+8613912345678", "x"))
	if err == nil || ans.Status != 0 || time.Since(start) > 5*time.Second {
		t.Errorf("err %v answer %+v after %v", err, ans, time.Since(start))
	}
	if len(fake.Messages()) != 1 {
		t.Errorf("at the fake: %+v", fake.Messages())
	}
}

// The list reads every page through next_page_uri, each page at the base
// URL, most recent first, filtered by To, From and the day sent.
func TestListMessagesFollowsThePages(t *testing.T) {
	fake := smstest.NewFake(t, sid, token)
	c, err := twilio.NewClient(sid, token, fake.URL)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		if _, _, err := c.CreateMessage(ctx, message("+8613912345678", fmt.Sprint("m", i))); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := c.CreateMessage(ctx, message("+8613900000000", "other")); err != nil {
		t.Fatal(err)
	}
	p := &openapi.ListMessageParams{}
	p.SetTo("+8613912345678")
	p.SetFrom("+8613800000001")
	y, m, d := time.Now().UTC().Date()
	p.SetDateSentAfter(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
	p.SetPageSize(2)
	p.SetLimit(100)
	msgs, ans, err := c.ListMessages(ctx, p)
	if err != nil || ans.Status != http.StatusOK {
		t.Fatalf("%v %+v", err, ans)
	}
	var bodies []string
	for _, msg := range msgs {
		bodies = append(bodies, *msg.Body)
	}
	if got := strings.Join(bodies, " "); got != "m4 m3 m2 m1 m0" {
		t.Errorf("listed %q", got)
	}
	if n := len(fake.Lists()); n != 3 {
		t.Errorf("%d page requests, want 3", n)
	}

	// Messages sent before the day asked for are not listed.
	p = &openapi.ListMessageParams{}
	p.SetTo("+8613912345678")
	p.SetDateSentAfter(time.Now().Add(48 * time.Hour))
	if msgs, _, err := c.ListMessages(ctx, p); err != nil || len(msgs) != 0 {
		t.Errorf("tomorrow's list: %v %d", err, len(msgs))
	}
}

// A failed list call's error does not show the numbers it filtered by.
func TestListMessagesErrorHidesTheQuery(t *testing.T) {
	fake := smstest.NewFake(t, sid, token)
	fake.FailNextList(smstest.NoAnswer)
	c, err := twilio.NewClient(sid, token, fake.URL)
	if err != nil {
		t.Fatal(err)
	}
	c.SetTimeout(100 * time.Millisecond)
	p := &openapi.ListMessageParams{}
	p.SetTo("+8613912345678")
	_, _, err = c.ListMessages(context.Background(), p)
	if err == nil || strings.Contains(err.Error(), "13912345678") || !strings.Contains(err.Error(), "Messages.json") {
		t.Errorf("error %v", err)
	}
}
