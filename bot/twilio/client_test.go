package twilio_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

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
