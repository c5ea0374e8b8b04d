package officepage

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minsheng/minsheng/bot/officeauth"
	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/queue/redistest"
	"github.com/minsheng/minsheng/intake/report"
	"github.com/redis/go-redis/v9"
)

const (
	token    = "office0123456789"
	clerkPW  = "lamp-post-17"
	adminPW  = "audit-trail-42"
	cheapMem = 1024 // KiB: tests hash cheaply; officeauth tests the real parameters
)

// clock is a fixed clock the test moves.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// logBuf is the log, JSON lines, safe for the server's goroutines.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) { l.mu.Lock(); defer l.mu.Unlock(); return l.b.Write(p) }
func (l *logBuf) String() string              { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// world is the page on a real HTTP server over a real Redis, with a door
// on a fixed clock.
type world struct {
	srv       *httptest.Server
	door      *officeauth.Door
	page      *Page
	clk       *clock
	rdb       redis.UniversalClient
	prefix    string
	loc       *time.Location
	log       *logBuf
	rechecked *[]string
	done      *[]string // call-back items marked done: "official item by"
}

func newWorld(t *testing.T, tok string) *world {
	t.Helper()
	rdb, prefix := redistest.Client(t)
	loc, _ := time.LoadLocation("Asia/Shanghai")
	w := &world{clk: &clock{t: time.Date(2026, 3, 10, 9, 0, 0, 0, loc)}, rdb: rdb, prefix: prefix, loc: loc, log: &logBuf{},
		rechecked: &[]string{}, done: &[]string{}}
	log := slog.New(slog.NewJSONHandler(w.log, nil))
	w.door = officeauth.New(officeauth.Options{Redis: rdb, Prefix: prefix, Token: tok, Now: w.clk.Now, Log: log,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, // the config's default
		Params:         &officeauth.Params{Memory: cheapMem, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}})
	w.page = New(Options{Reader: &report.Reader{Redis: rdb, Prefix: prefix, Loc: loc}, Door: w.door, Loc: loc, Now: w.clk.Now, Log: log,
		Recheck: func(_ context.Context, id, _ string) error { *w.rechecked = append(*w.rechecked, id); return nil },
		CallbackDone: func(_ context.Context, official, item, by string) error {
			*w.done = append(*w.done, official+" "+item+" "+by)
			return nil
		}})
	mux := http.NewServeMux()
	for pattern, h := range w.page.Routes() {
		mux.Handle(pattern, h)
	}
	w.srv = httptest.NewServer(mux)
	t.Cleanup(w.srv.Close)
	return w
}

// user adds an account as the command line would.
func (w *world) user(t *testing.T, name string, role officeauth.Role, pw string) {
	t.Helper()
	if err := w.door.AddUser(context.Background(), officeauth.Actor{Name: "(cli:test)"}, name, role, pw); err != nil {
		t.Fatal(err)
	}
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// answer is a response with its body read.
type answer struct {
	*http.Response
	body string
}

func (w *world) do(t *testing.T, req *http.Request, c *http.Cookie) answer {
	t.Helper()
	if c != nil {
		req.AddCookie(c)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp, string(b)}
}

func (w *world) post(t *testing.T, path string, form url.Values, c *http.Cookie) answer {
	t.Helper()
	req, _ := http.NewRequest("POST", w.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return w.do(t, req, c)
}

func (w *world) get(t *testing.T, path string, c *http.Cookie) answer {
	t.Helper()
	req, _ := http.NewRequest("GET", w.srv.URL+path, nil)
	return w.do(t, req, c)
}

func (w *world) login(t *testing.T, name, pw string) answer {
	t.Helper()
	return w.post(t, "/office/login", url.Values{"name": {name}, "password": {pw}}, nil)
}

// session logs in and returns the cookie and the session's form token
// (read from a page, as a browser has it).
func (w *world) session(t *testing.T, name, pw string) (*http.Cookie, string) {
	t.Helper()
	a := w.login(t, name, pw)
	if a.StatusCode != http.StatusSeeOther || len(a.Cookies()) != 1 {
		t.Fatalf("login %s: %d %s", name, a.StatusCode, a.body)
	}
	c := a.Cookies()[0]
	return c, csrfOf(t, w.get(t, "/office/", c).body)
}

func csrfOf(t *testing.T, page string) string {
	t.Helper()
	_, rest, ok := strings.Cut(page, `name="csrf" value="`)
	if !ok {
		t.Fatalf("no form token in the page:\n%s", page)
	}
	v, _, _ := strings.Cut(rest, `"`)
	return v
}

func TestLoginSetsASecureCookieAndGuardsEveryPage(t *testing.T) {
	w := newWorld(t, token)
	w.user(t, "wang", officeauth.Clerk, clerkPW)
	if a := w.login(t, "wang", "wrong-password-1"); a.StatusCode != http.StatusForbidden || len(a.Cookies()) != 0 {
		t.Fatalf("a wrong password: %d %v", a.StatusCode, a.Cookies())
	}
	a := w.login(t, "wang", clerkPW)
	if a.StatusCode != http.StatusSeeOther || len(a.Cookies()) != 1 {
		t.Fatalf("login: %d", a.StatusCode)
	}
	c := a.Cookies()[0]
	if !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/office/" || strings.Contains(c.Value, clerkPW) {
		t.Fatalf("cookie %+v", c)
	}
	for _, path := range []string{"/office/", "/office/unsatisfied", "/office/overdue", "/office/callbacks", "/office/report", "/office/report?format=csv", "/office/unsatisfied?format=csv"} {
		if r := w.get(t, path, nil); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/office/login" {
			t.Errorf("%s without a session: %d", path, r.StatusCode)
		}
		if r := w.get(t, path, c); r.StatusCode != http.StatusOK {
			t.Errorf("%s: %d", path, r.StatusCode)
		}
	}
	if h := w.get(t, "/office/", c).body; !strings.Contains(h, `<span id="who" translate="no">wang</span>`) || strings.Contains(h, `href="/office/audit"`) {
		t.Errorf("the page does not name its clerk, or links a clerk to the audit page")
	}
	forged := *c
	forged.Value = c.Value[:len(c.Value)-4] + "AAAA"
	if r := w.get(t, "/office/", &forged); r.StatusCode != http.StatusSeeOther {
		t.Errorf("a forged cookie: %d", r.StatusCode)
	}
	csrf := csrfOf(t, w.get(t, "/office/unsatisfied", c).body)
	post := func(path, origin, token string, c *http.Cookie) int {
		req, _ := http.NewRequest("POST", w.srv.URL+path, strings.NewReader(url.Values{"csrf": {token}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		return w.do(t, req, c).StatusCode
	}
	id := intake.PetitionID(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), 1, 1)
	for _, c2 := range []struct {
		path, origin, token string
		cookie              *http.Cookie
		want                int
	}{
		{"/office/unsatisfied/" + id + "/recheck", "", csrf, nil, http.StatusForbidden},
		{"/office/unsatisfied/" + id + "/recheck", "https://evil.example", csrf, c, http.StatusForbidden},
		{"/office/unsatisfied/" + id + "/recheck", "", "", c, http.StatusForbidden},                 // no form token: forged
		{"/office/unsatisfied/" + id + "/recheck", "", csrf[:len(csrf)-1], c, http.StatusForbidden}, // another one
		{"/office/unsatisfied/not-an-id/recheck", "", csrf, c, http.StatusBadRequest},
		{"/office/unsatisfied/" + id + "/recheck", "", csrf, c, http.StatusNotFound}, // not rated
	} {
		if got := post(c2.path, c2.origin, c2.token, c2.cookie); got != c2.want {
			t.Errorf("POST %s (origin %q, token %q): %d, want %d", c2.path, c2.origin, c2.token, got, c2.want)
		}
	}
	if len(*w.rechecked) != 0 {
		t.Fatalf("rechecked %v", *w.rechecked)
	}
	for _, q := range []string{"?since=2026-13-01", "?since=2026-03-31&until=2026-03-01", "?since=2025-01-01&until=2026-12-31", "?by=colour"} {
		if r := w.get(t, "/office/report"+q, c); r.StatusCode != http.StatusBadRequest {
			t.Errorf("report%s: %d, want 400", q, r.StatusCode)
		}
	}
}

func TestNoAccountNoTokenNoPage(t *testing.T) {
	w := newWorld(t, "")
	if a := w.post(t, "/office/login", url.Values{"token": {""}}, nil); a.StatusCode != http.StatusForbidden {
		t.Fatalf("login with no token configured: %d", a.StatusCode)
	}
	if a := w.get(t, "/office/login", nil); !strings.Contains(a.body, "办公页未开启") {
		t.Errorf("the login form does not say the page is closed:\n%s", a.body)
	}
	if r := w.get(t, "/office/", &http.Cookie{Name: officeauth.CookieName, Value: "x"}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("%d", r.StatusCode)
	}
}
