package officepage

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/queue/redistest"
	"github.com/minsheng/minsheng/intake/report"
)

const token = "office0123456789"

func newServer(t *testing.T, tok string) (*httptest.Server, *[]string) {
	rdb, prefix := redistest.Client(t)
	loc, _ := time.LoadLocation("Asia/Shanghai")
	var rechecked []string
	p := New(Options{Reader: &report.Reader{Redis: rdb, Prefix: prefix, Loc: loc}, Token: tok, Loc: loc,
		Recheck: func(_ context.Context, id, _ string) error { rechecked = append(rechecked, id); return nil }})
	mux := http.NewServeMux()
	for pattern, h := range p.Routes() {
		mux.Handle(pattern, h)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, &rechecked
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func login(t *testing.T, srv *httptest.Server, tok string) *http.Response {
	t.Helper()
	resp, err := noRedirect.PostForm(srv.URL+"/office/login", url.Values{"token": {tok}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func get(t *testing.T, srv *httptest.Server, path string, c *http.Cookie) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", srv.URL+path, nil)
	if c != nil {
		req.AddCookie(c)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func TestLoginSetsASecureCookieAndGuardsEveryPage(t *testing.T) {
	srv, rechecked := newServer(t, token)
	if resp := login(t, srv, "wrong"); resp.StatusCode != http.StatusForbidden || len(resp.Cookies()) != 0 {
		t.Fatalf("a wrong token: %d %v", resp.StatusCode, resp.Cookies())
	}
	resp := login(t, srv, token)
	if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) != 1 {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	c := resp.Cookies()[0]
	if !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/office/" || strings.Contains(c.Value, token) {
		t.Fatalf("cookie %+v", c)
	}
	for _, path := range []string{"/office/", "/office/unsatisfied", "/office/overdue", "/office/callbacks", "/office/report", "/office/report?format=csv", "/office/unsatisfied?format=csv"} {
		if r := get(t, srv, path, nil); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/office/login" {
			t.Errorf("%s without a session: %d", path, r.StatusCode)
		}
		if r := get(t, srv, path, c); r.StatusCode != http.StatusOK {
			t.Errorf("%s: %d", path, r.StatusCode)
		}
	}
	forged := *c
	forged.Value = strings.Replace(c.Value, c.Value[len(c.Value)-4:], "0000", 1)
	if r := get(t, srv, "/office/", &forged); r.StatusCode != http.StatusSeeOther {
		t.Errorf("a forged cookie: %d", r.StatusCode)
	}
	post := func(path, origin string, c *http.Cookie) int {
		req, _ := http.NewRequest("POST", srv.URL+path, nil)
		if c != nil {
			req.AddCookie(c)
		}
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		r, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		return r.StatusCode
	}
	id := intake.PetitionID(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), 1, 1)
	for _, c2 := range []struct {
		path, origin string
		cookie       *http.Cookie
		want         int
	}{
		{"/office/unsatisfied/" + id + "/recheck", "", nil, http.StatusForbidden},
		{"/office/unsatisfied/" + id + "/recheck", "https://evil.example", c, http.StatusForbidden},
		{"/office/unsatisfied/not-an-id/recheck", "", c, http.StatusBadRequest},
		{"/office/unsatisfied/" + id + "/recheck", "", c, http.StatusNotFound}, // not rated
	} {
		if got := post(c2.path, c2.origin, c2.cookie); got != c2.want {
			t.Errorf("POST %s (origin %q): %d, want %d", c2.path, c2.origin, got, c2.want)
		}
	}
	if len(*rechecked) != 0 {
		t.Fatalf("rechecked %v", *rechecked)
	}
	for _, q := range []string{"?since=2026-13-01", "?since=2026-03-31&until=2026-03-01", "?since=2025-01-01&until=2026-12-31", "?by=colour"} {
		if r := get(t, srv, "/office/report"+q, c); r.StatusCode != http.StatusBadRequest {
			t.Errorf("report%s: %d, want 400", q, r.StatusCode)
		}
	}
}

func TestNoTokenNoPage(t *testing.T) {
	srv, _ := newServer(t, "")
	if resp := login(t, srv, ""); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("login with no token configured: %d", resp.StatusCode)
	}
	if r := get(t, srv, "/office/", &http.Cookie{Name: CookieName, Value: "1.x"}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("%d", r.StatusCode)
	}
}
