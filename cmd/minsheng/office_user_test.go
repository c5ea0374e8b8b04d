package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minsheng/minsheng/bot"
	"github.com/minsheng/minsheng/config"
	"github.com/minsheng/minsheng/intake/queue/redistest"
)

// TestOfficeUserCommands: `office user add` takes the password on stdin
// (never a flag), `list` shows the accounts without any hash, `passwd`
// replaces the password and ends the sessions, `disable` shuts the
// account out; each through the page a running serve would show, on the
// same Redis.
func TestOfficeUserCommands(t *testing.T) {
	isolate(t)
	rdb, prefix := redistest.Client(t)
	cfgPath := filepath.Join(t.TempDir(), "minsheng.yaml")
	if err := os.WriteFile(cfgPath, []byte("redis:\n  addr: \""+redistest.Addr()+"\"\n  prefix: \""+prefix+"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	office := func(stdin string, args ...string) (int, string, string) {
		t.Helper()
		return runCmd(t, ctx, stdin, append(append([]string{"office", "user"}, args...), "--config", cfgPath)...)
	}

	if code, out, errs := office("first-pass-1\n", "add", "wang"); code != 0 || !strings.Contains(out, "added wang (clerk)") {
		t.Fatalf("add: %d %q %q", code, out, errs)
	}
	if code, _, errs := office("admin-pass-2\n", "add", "Zhang", "--role", "admin"); code != 0 {
		t.Fatalf("add an admin: %d %q", code, errs)
	}
	if code, _, errs := office("another-pass-3\n", "add", "wang"); code != 1 || !strings.Contains(errs, "exists") {
		t.Errorf("add wang twice: %d %q", code, errs)
	}
	if code, _, errs := office("short\n", "add", "li"); code != 1 || !strings.Contains(errs, "at least 10 characters") {
		t.Errorf("a weak password: %d %q", code, errs)
	}
	if code, _, errs := office("", "add", "li"); code != 1 || !strings.Contains(errs, "no password on stdin") {
		t.Errorf("no password: %d %q", code, errs)
	}
	if code, _, errs := office("whatever-pass-4\n", "add", "li", "--role", "boss"); code != 2 {
		t.Errorf("a bad role: %d %q", code, errs)
	}
	if code, _, _ := office("whatever-pass-4\n", "add", "li", "--password", "whatever-pass-4"); code != 2 {
		t.Errorf("a password flag taken: %d", code)
	}
	code, out, errs := office("", "list")
	if code != 0 {
		t.Fatalf("list: %d %q", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "NAME") || !strings.HasPrefix(lines[1], "wang ") || !strings.Contains(lines[1], "clerk") ||
		!strings.Contains(lines[1], "active") || !strings.HasPrefix(lines[2], "zhang ") || !strings.Contains(lines[2], "admin") {
		t.Errorf("list:\n%s", out)
	}
	if strings.Contains(out, "argon2") || strings.Contains(out, "$") || strings.Contains(out, "first-pass") {
		t.Errorf("list shows a hash or a password:\n%s", out)
	}

	// the page of a serve on the same Redis
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	rt, err := bot.NewRuntime(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), bot.RuntimeOptions{Store: bot.NewStore(rdb, prefix)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rt.Close)
	srv := httptest.NewServer(rt.Server.Handler())
	t.Cleanup(srv.Close)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	login := func(name, pw string) (int, *http.Cookie) {
		resp, err := client.PostForm(srv.URL+"/office/login", url.Values{"name": {name}, "password": {pw}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if len(resp.Cookies()) == 1 {
			return resp.StatusCode, resp.Cookies()[0]
		}
		return resp.StatusCode, nil
	}
	page := func(c *http.Cookie) int {
		req, _ := http.NewRequest("GET", srv.URL+"/office/", nil)
		req.AddCookie(c)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	code, c := login("wang", "first-pass-1")
	if code != http.StatusSeeOther || page(c) != http.StatusOK {
		t.Fatalf("wang logs in: %d", code)
	}

	if code, out, errs := office("second-pass-2\n", "passwd", "wang"); code != 0 || !strings.Contains(out, "1 sessions ended") {
		t.Fatalf("passwd: %d %q %q", code, out, errs)
	}
	if page(c) != http.StatusSeeOther {
		t.Errorf("a session outlived passwd")
	}
	if code, _ := login("wang", "first-pass-1"); code != http.StatusForbidden {
		t.Errorf("the old password: %d", code)
	}
	code, c = login("wang", "second-pass-2")
	if code != http.StatusSeeOther {
		t.Fatalf("the new password: %d", code)
	}
	if code, out, errs := office("", "disable", "wang"); code != 0 || !strings.Contains(out, "disabled wang: 1 sessions ended") {
		t.Fatalf("disable: %d %q %q", code, out, errs)
	}
	if page(c) != http.StatusSeeOther {
		t.Errorf("a disabled clerk's session goes on")
	}
	if code, _ := login("wang", "second-pass-2"); code != http.StatusForbidden {
		t.Errorf("a disabled clerk logs in: %d", code)
	}
	if _, out, _ := office("", "list"); !strings.Contains(out, "disabled") {
		t.Errorf("list does not show wang disabled:\n%s", out)
	}
	if code, _, errs := office("", "disable", "nobody"); code != 1 || !strings.Contains(errs, "no account") {
		t.Errorf("disable nobody: %d %q", code, errs)
	}

	// every change is in the audit trail, by the command line
	recs, err := rt.Door().AuditTrail(ctx, time.Time{}, 100)
	if err != nil {
		t.Fatal(err)
	}
	var did []string
	for _, r := range recs {
		if strings.HasPrefix(r.Who, "(cli:") && r.Addr == "local" {
			did = append(did, r.Action+" "+r.What)
		}
	}
	if got := strings.Join(did, ", "); got != "user_disable wang, user_passwd wang, user_add zhang, user_add wang" {
		t.Errorf("the command line's changes in the audit trail: %s", got)
	}
}

// TestOfficeUserNeedsRedis: on the embedded store accounts would be lost
// at once: the command says so.
func TestOfficeUserNeedsRedis(t *testing.T) {
	isolate(t)
	code, _, errs := runCmd(t, context.Background(), "first-pass-1\n", "office", "user", "add", "wang")
	if code != 1 || !strings.Contains(errs, "set redis.addr") {
		t.Errorf("add on the embedded store: %d %q", code, errs)
	}
}
