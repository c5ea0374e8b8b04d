package bot

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/minsheng/minsheng/internal/testwait"
)

// stopping is a channel whose work of its own stops with err (nil: it
// runs until it is stopped).
type stopping struct {
	name string
	err  error
}

func (s stopping) Name() string    { return s.name }
func (s stopping) Sender() Sender  { return nil }
func (s stopping) Routes() []Route { return nil }
func (s stopping) Run(ctx context.Context) error {
	if s.err != nil {
		return s.err
	}
	<-ctx.Done()
	return nil
}

func readyz(t *testing.T, h http.Handler) (int, string) {
	t.Helper()
	rr := httptest.NewRecorder()
	h.ServeHTTP(rr, httptest.NewRequest("GET", "/readyz", nil))
	b, _ := io.ReadAll(rr.Body)
	return rr.Code, string(b)
}

// Issue 23: a channel whose start failed (Telegram refusing setWebhook)
// stopped with a log line while serve went on, ready, without it. Now
// /readyz answers 503 and says which channel stopped and why; the others
// keep running, and a channel stopped by the shutdown is no failure.
func TestReadyzFailsWhenAChannelStops(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.rt.Add(stopping{name: "fine"})
	h := w.rt.Server.Handler()
	if code, body := readyz(t, h); code != 200 || strings.TrimSpace(body) != "ready" {
		t.Fatalf("before: %d %q", code, body)
	}
	w.rt.Add(stopping{name: "telegram", err: errors.New("telegram: setWebhook: bad request, Bad Request: bad webhook: HTTPS url must be provided for webhook")})
	ctx, cancel := context.WithCancel(context.Background())
	wait := w.rt.Run(ctx, 20*time.Millisecond)
	t.Cleanup(func() { cancel(); wait() })
	testwait.For(t, "/readyz to fail", func() bool { code, _ := readyz(t, h); return code == http.StatusServiceUnavailable })
	_, body := readyz(t, h)
	if !strings.Contains(body, "channel telegram stopped: telegram: setWebhook: bad request, Bad Request: bad webhook: HTTPS url must be provided for webhook") ||
		strings.Contains(body, "fine") {
		t.Errorf("/readyz body %q", body)
	}
}

// A channel that stops because the runtime stops is not a failure.
func TestReadyzAfterAChannelStoppedByTheShutdown(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.rt.Add(stopping{name: "fine"})
	ctx, cancel := context.WithCancel(context.Background())
	wait := w.rt.Run(ctx, 20*time.Millisecond)
	cancel()
	wait()
	if code, body := readyz(t, w.rt.Server.Handler()); code != 200 {
		t.Errorf("after the shutdown: %d %q", code, body)
	}
}
