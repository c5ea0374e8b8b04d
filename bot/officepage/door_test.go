package officepage

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/minsheng/minsheng/bot/officeauth"
	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/report"
)

// TestTheSixthFailureWaits: five wrong passwords for one name are
// refused 403; the sixth attempt is 429 with Retry-After, and so is the
// right password then, until the first failure is 15 minutes old. Every
// attempt is in the log with the name and the address.
func TestTheSixthFailureWaits(t *testing.T) {
	w := newWorld(t, token)
	w.user(t, "wang", officeauth.Clerk, clerkPW)
	for i := range 5 {
		if a := w.login(t, "wang", "wrong-guess-"+strconv.Itoa(i)); a.StatusCode != http.StatusForbidden || !strings.Contains(a.body, `id="wrong"`) {
			t.Fatalf("failure %d: %d", i+1, a.StatusCode)
		}
		w.clk.add(time.Minute)
	}
	a := w.login(t, "wang", "wrong-guess-5")
	if a.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("the 6th failure: %d, want 429", a.StatusCode)
	}
	// the first failure was 5 minutes ago: 10 minutes to wait
	if ra := a.Header.Get("Retry-After"); ra != "600" {
		t.Errorf("Retry-After %q, want 600", ra)
	}
	if !strings.Contains(a.body, `id="wait"`) || !strings.Contains(a.body, "10 分钟") {
		t.Errorf("the form does not say to wait 10 minutes:\n%s", a.body)
	}
	if a := w.login(t, "wang", clerkPW); a.StatusCode != http.StatusTooManyRequests || a.Header.Get("Retry-After") == "" || len(a.Cookies()) != 0 {
		t.Fatalf("the right password while throttled: %d %v", a.StatusCode, a.Cookies())
	}
	w.clk.add(10*time.Minute - time.Second)
	if a := w.login(t, "wang", clerkPW); a.StatusCode != http.StatusTooManyRequests || a.Header.Get("Retry-After") != "1" {
		t.Fatalf("a second before: %d Retry-After %q", a.StatusCode, a.Header.Get("Retry-After"))
	}
	w.clk.add(time.Second)
	if a := w.login(t, "wang", clerkPW); a.StatusCode != http.StatusSeeOther {
		t.Fatalf("after the wait: %d", a.StatusCode)
	}
	log := w.log.String()
	if n := strings.Count(log, `"msg":"office login refused","user":"wang","addr":"127.0.0.1","why":"wrong password"`); n != 5 {
		t.Errorf("%d refusals logged with name and address, want 5:\n%s", n, log)
	}
	if n := strings.Count(log, `"msg":"office login throttled","user":"wang","addr":"127.0.0.1","limit":"name"`); n != 3 {
		t.Errorf("%d throttled attempts logged, want 3:\n%s", n, log)
	}
	if strings.Contains(log, clerkPW) || strings.Contains(log, "wrong-guess") {
		t.Errorf("a password in the log:\n%s", log)
	}
}

// TestTwentyFailuresFromOneAddress: twenty failures under twenty names
// from one address close it for every name; behind a trusted proxy the
// address is the client's from X-Forwarded-For, so another client is not
// shut out.
func TestTwentyFailuresFromOneAddress(t *testing.T) {
	w := newWorld(t, token)
	w.user(t, "wang", officeauth.Clerk, clerkPW)
	from := func(client, name, pw string) answer {
		req, _ := http.NewRequest("POST", w.srv.URL+"/office/login", strings.NewReader(url.Values{"name": {name}, "password": {pw}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", client)
		return w.do(t, req, nil)
	}
	for i := range 20 {
		if a := from("203.0.113.9", "guess"+strconv.Itoa(i), "whatever-123"); a.StatusCode != http.StatusForbidden {
			t.Fatalf("failure %d: %d", i+1, a.StatusCode)
		}
	}
	if a := from("203.0.113.9", "wang", clerkPW); a.StatusCode != http.StatusTooManyRequests || a.Header.Get("Retry-After") != "900" {
		t.Fatalf("the 21st attempt from the address: %d %q", a.StatusCode, a.Header.Get("Retry-After"))
	}
	if a := from("198.51.100.4", "wang", clerkPW); a.StatusCode != http.StatusSeeOther {
		t.Fatalf("another client: %d", a.StatusCode)
	}
	if !strings.Contains(w.log.String(), `"msg":"office login throttled","user":"wang","addr":"203.0.113.9","limit":"addr"`) {
		t.Errorf("the address's lockout is not logged:\n%s", w.log.String())
	}
}

// TestNoAccountEnumeration: an unknown name and a wrong password get the
// same answer; a disabled account with its right password too.
func TestNoAccountEnumeration(t *testing.T) {
	w := newWorld(t, token)
	w.user(t, "wang", officeauth.Clerk, clerkPW)
	w.user(t, "li", officeauth.Clerk, "another-pass-9")
	if _, err := w.door.Disable(context.Background(), officeauth.Actor{Name: "(cli:test)"}, "li"); err != nil {
		t.Fatal(err)
	}
	unknown, wrong, disabled := w.login(t, "zhao", clerkPW), w.login(t, "wang", "not-it-12345"), w.login(t, "li", "another-pass-9")
	for _, a := range []answer{wrong, disabled} {
		if a.StatusCode != unknown.StatusCode || a.body != unknown.body || a.StatusCode != http.StatusForbidden {
			t.Errorf("answers differ: %d vs %d\n%s\n%s", a.StatusCode, unknown.StatusCode, a.body, unknown.body)
		}
	}
	log := w.log.String()
	if strings.Contains(log, `"user":"zhao"`) || !strings.Contains(log, `"user":"?`) {
		t.Errorf("an unknown name is logged as typed (it may be a password):\n%s", log)
	}
	if !strings.Contains(log, `"user":"li","addr":"127.0.0.1","why":"account disabled"`) {
		t.Errorf("the disabled account's attempt is not logged:\n%s", log)
	}
}

// TestIdleTimeoutAndAbsoluteLimit: a session unused for 30 minutes ends,
// and one used every 20 minutes ends 12 hours after its login (the
// clock is fixed and moved by the test).
func TestIdleTimeoutAndAbsoluteLimit(t *testing.T) {
	w := newWorld(t, token)
	w.user(t, "wang", officeauth.Clerk, clerkPW)
	c, _ := w.session(t, "wang", clerkPW)
	w.clk.add(29*time.Minute + 59*time.Second)
	if a := w.get(t, "/office/", c); a.StatusCode != http.StatusOK {
		t.Fatalf("used within 30 minutes: %d", a.StatusCode)
	}
	w.clk.add(29*time.Minute + 59*time.Second) // idle counts from the last use
	if a := w.get(t, "/office/", c); a.StatusCode != http.StatusOK {
		t.Fatalf("used again within 30 minutes: %d", a.StatusCode)
	}
	w.clk.add(30 * time.Minute)
	if a := w.get(t, "/office/", c); a.StatusCode != http.StatusSeeOther || a.Header.Get("Location") != "/office/login" {
		t.Fatalf("after 30 idle minutes: %d", a.StatusCode)
	}
	w.clk.add(-30 * time.Minute) // ended is ended, whatever the clock says after
	if a := w.get(t, "/office/", c); a.StatusCode != http.StatusSeeOther {
		t.Fatalf("an idle session came back: %d", a.StatusCode)
	}

	c, _ = w.session(t, "wang", clerkPW)
	for used := 20 * time.Minute; used < 12*time.Hour; used += 20 * time.Minute {
		w.clk.add(20 * time.Minute)
		if a := w.get(t, "/office/overdue", c); a.StatusCode != http.StatusOK {
			t.Fatalf("used every 20 minutes, %s after login: %d", used, a.StatusCode)
		}
	}
	w.clk.add(20 * time.Minute) // 12 h after login
	if a := w.get(t, "/office/overdue", c); a.StatusCode != http.StatusSeeOther {
		t.Fatalf("12 hours after login: %d", a.StatusCode)
	}
	log := w.log.String()
	if !strings.Contains(log, `"msg":"office session ended","user":"wang","why":"idle timeout"`) ||
		!strings.Contains(log, `"msg":"office session ended","user":"wang","why":"absolute limit"`) {
		t.Errorf("the ends are not logged:\n%s", log)
	}
}

// TestLogoutEndsTheSession: after 退出 the same cookie opens nothing, on
// any replica (the session is gone from Redis); a logout posted without
// the form token ends nothing.
func TestLogoutEndsTheSession(t *testing.T) {
	w := newWorld(t, token)
	w.user(t, "wang", officeauth.Clerk, clerkPW)
	c, csrf := w.session(t, "wang", clerkPW)
	if a := w.post(t, "/office/logout", url.Values{"csrf": {"forged"}}, c); a.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", a.StatusCode)
	}
	if a := w.get(t, "/office/", c); a.StatusCode != http.StatusOK {
		t.Fatalf("a logout without the form token ended the session: %d", a.StatusCode)
	}
	a := w.post(t, "/office/logout", url.Values{"csrf": {csrf}}, c)
	if a.StatusCode != http.StatusSeeOther || a.Header.Get("Location") != "/office/login" {
		t.Fatalf("logout: %d", a.StatusCode)
	}
	if len(a.Cookies()) != 1 || a.Cookies()[0].MaxAge >= 0 {
		t.Errorf("the cookie is not cleared: %v", a.Cookies())
	}
	if a := w.get(t, "/office/", c); a.StatusCode != http.StatusSeeOther {
		t.Fatalf("the cookie still opens the page after logout: %d", a.StatusCode)
	}
	if n, _ := w.rdb.Keys(context.Background(), w.prefix+"{office}:s:*").Result(); len(n) != 0 {
		t.Errorf("sessions left in Redis: %v", n)
	}
}

// TestDisablingEndsTheLiveSession: a clerk logged in is shut out the
// moment the account is disabled, and cannot log in again; a new password
// ends the sessions too.
func TestDisablingEndsTheLiveSession(t *testing.T) {
	w := newWorld(t, token)
	w.user(t, "wang", officeauth.Clerk, clerkPW)
	w.user(t, "li", officeauth.Clerk, "another-pass-9")
	c, _ := w.session(t, "wang", clerkPW)
	c2, _ := w.session(t, "wang", clerkPW) // a second browser
	other, _ := w.session(t, "li", "another-pass-9")
	ctx := context.Background()
	n, err := w.door.Disable(ctx, officeauth.Actor{Name: "(cli:root@host)"}, "wang")
	if err != nil || n != 2 {
		t.Fatalf("disable: %d sessions ended, %v", n, err)
	}
	for _, ck := range []*http.Cookie{c, c2} {
		if a := w.get(t, "/office/", ck); a.StatusCode != http.StatusSeeOther {
			t.Fatalf("a disabled clerk's session: %d", a.StatusCode)
		}
	}
	if a := w.login(t, "wang", clerkPW); a.StatusCode != http.StatusForbidden {
		t.Fatalf("a disabled clerk logs in: %d", a.StatusCode)
	}
	if a := w.get(t, "/office/", other); a.StatusCode != http.StatusOK {
		t.Fatalf("another clerk's session ended too: %d", a.StatusCode)
	}
	if err := w.door.Enable(ctx, officeauth.Actor{Name: "(cli:root@host)"}, "wang"); err != nil {
		t.Fatal(err)
	}
	c, _ = w.session(t, "wang", clerkPW)
	if _, err := w.door.SetPassword(ctx, officeauth.Actor{Name: "(cli:root@host)"}, "wang", "new-secret-77"); err != nil {
		t.Fatal(err)
	}
	if a := w.get(t, "/office/", c); a.StatusCode != http.StatusSeeOther {
		t.Fatalf("a session outlived the password change: %d", a.StatusCode)
	}
	if a := w.login(t, "wang", clerkPW); a.StatusCode != http.StatusForbidden {
		t.Fatalf("the old password: %d", a.StatusCode)
	}
	if a := w.login(t, "wang", "new-secret-77"); a.StatusCode != http.StatusSeeOther {
		t.Fatalf("the new password: %d", a.StatusCode)
	}
}

// ratedUnsatisfied records a petition rated 不满意 with a reason.
func (w *world) ratedUnsatisfied(t *testing.T, id string, at time.Time) {
	t.Helper()
	rec := &report.Recorder{Prefix: w.prefix, Loc: w.loc}
	b, err := rec.BatchFor(id)
	if err != nil {
		t.Fatal(err)
	}
	b.Petition(&intake.Petition{ID: id, ReceivedAt: at, Citizen: intake.Citizen{Phone: "+8613912345678"}, Description: "路灯坏了"}, -1)
	b.Rating(&intake.Rating{PetitionID: id, Rating: intake.RatingUnsatisfied, Comment: "还是不亮", At: at.Add(time.Hour)}, "")
	if err := b.Apply(context.Background(), w.rdb); err != nil {
		t.Fatal(err)
	}
}

// auditRecords reads the audit trail as the admins' page has it.
func (w *world) auditRecords(t *testing.T) []officeauth.Record {
	t.Helper()
	recs, err := w.door.AuditTrail(context.Background(), time.Time{}, 100)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func find(recs []officeauth.Record, action string) *officeauth.Record {
	for i := range recs {
		if recs[i].Action == action {
			return &recs[i]
		}
	}
	return nil
}

// TestExportsViewsAndRechecksAreAudited: a CSV export, the call-back list
// and a 复核 are each recorded — who, when, what, which case, from where —
// in the trail and in the JSON log; so is a 已回电 through the page's
// function.
func TestExportsViewsAndRechecksAreAudited(t *testing.T) {
	w := newWorld(t, token)
	w.user(t, "wang", officeauth.Clerk, clerkPW)
	id := intake.PetitionID(w.clk.Now().Add(-48*time.Hour), 3, 7)
	w.ratedUnsatisfied(t, id, w.clk.Now().Add(-48*time.Hour))
	c, csrf := w.session(t, "wang", clerkPW)

	if a := w.get(t, "/office/unsatisfied?format=csv", c); a.StatusCode != http.StatusOK || !strings.Contains(a.body, id) {
		t.Fatalf("csv: %d\n%s", a.StatusCode, a.body)
	}
	w.clk.add(time.Minute)
	if a := w.get(t, "/office/callbacks", c); a.StatusCode != http.StatusOK {
		t.Fatalf("call-back list: %d", a.StatusCode)
	}
	w.clk.add(time.Minute)
	if a := w.post(t, "/office/unsatisfied/"+id+"/recheck", url.Values{"csrf": {csrf}}, c); a.StatusCode != http.StatusSeeOther {
		t.Fatalf("复核: %d %s", a.StatusCode, a.body)
	}
	w.clk.add(time.Minute)
	if err := w.page.markCalledBack(w.sessionRequest(t, c), "+8613800000001", "it-1"); err != nil {
		t.Fatal(err)
	}
	if got := *w.done; len(got) != 1 || got[0] != "+8613800000001 it-1 wang" {
		t.Errorf("已回电 by %v", got)
	}
	if got := *w.rechecked; len(got) != 1 || got[0] != id {
		t.Fatalf("rechecked %v", got)
	}

	recs := w.auditRecords(t)
	t0 := time.Date(2026, 3, 10, 9, 0, 0, 0, w.loc)
	for _, want := range []officeauth.Record{
		{Who: "wang", Role: officeauth.Clerk, Action: officeauth.ActionExport, What: "unsatisfied", Rows: 1, Addr: "127.0.0.1", At: t0},
		{Who: "wang", Role: officeauth.Clerk, Action: officeauth.ActionView, What: "callbacks", Addr: "127.0.0.1", At: t0.Add(time.Minute)},
		{Who: "wang", Role: officeauth.Clerk, Action: officeauth.ActionRecheck, Case: id, Addr: "127.0.0.1", At: t0.Add(2 * time.Minute)},
		{Who: "wang", Role: officeauth.Clerk, Action: officeauth.ActionCallbackDone, Official: "+8613800000001", Item: "it-1", Addr: "127.0.0.1", At: t0.Add(3 * time.Minute)},
	} {
		got := find(recs, want.Action)
		if got == nil {
			t.Errorf("no %s record in %+v", want.Action, recs)
			continue
		}
		want.ID = got.ID
		if !got.At.Equal(want.At) {
			t.Errorf("%s at %s, want %s", want.Action, got.At, want.At)
		}
		got.At, want.At = time.Time{}, time.Time{}
		if *got != want {
			t.Errorf("%s record:\n got %+v\nwant %+v", want.Action, *got, want)
		}
	}
	log := w.log.String()
	for _, l := range strings.Split(log, "\n") {
		if !strings.Contains(l, `"msg":"office audit"`) || !strings.Contains(l, `"action":"recheck"`) {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil || m["who"] != "wang" || m["case"] != id || m["addr"] != "127.0.0.1" {
			t.Errorf("the 复核's log line: %s (%v)", l, err)
		}
		return
	}
	t.Errorf("no 复核 in the JSON log:\n%s", log)
}

// sessionRequest is a request of c's session as the page's handlers get
// it (through the door), for calling the page's functions directly.
func (w *world) sessionRequest(t *testing.T, c *http.Cookie) *http.Request {
	t.Helper()
	var got *http.Request
	h := w.door.Require(officeauth.Clerk, http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { got = r }))
	req, _ := http.NewRequest("GET", "/office/callbacks", nil)
	req.RemoteAddr = "127.0.0.1:5555"
	req.AddCookie(c)
	h.ServeHTTP(discard{}, req)
	if got == nil {
		t.Fatal("the door did not let the session in")
	}
	return got
}

type discard struct{}

func (discard) Header() http.Header         { return http.Header{} }
func (discard) Write(b []byte) (int, error) { return len(b), nil }
func (discard) WriteHeader(int)             {}

// TestAnExportNotAuditedIsNotSent: when the audit trail cannot be written
// the CSV is refused.
func TestAnExportNotAuditedIsNotSent(t *testing.T) {
	w := newWorld(t, token)
	w.user(t, "wang", officeauth.Clerk, clerkPW)
	c, _ := w.session(t, "wang", clerkPW)
	// the trail's key made a string: ZADD fails
	if err := w.rdb.Set(context.Background(), w.prefix+"{office}:audit", "x", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if a := w.get(t, "/office/report?format=csv", c); a.StatusCode != http.StatusServiceUnavailable || strings.Contains(a.body, "group,") {
		t.Fatalf("an unaudited export: %d\n%s", a.StatusCode, a.body)
	}
}

// TestTheAuditPageIsForAdmins: a clerk gets 403; an admin sees the trail
// and the accounts, without their hashes.
func TestTheAuditPageIsForAdmins(t *testing.T) {
	w := newWorld(t, token)
	w.user(t, "wang", officeauth.Clerk, clerkPW)
	w.clk.add(time.Second)
	w.user(t, "zhang", officeauth.Admin, adminPW)
	w.clk.add(time.Second)
	clerk, _ := w.session(t, "wang", clerkPW)
	w.clk.add(time.Second)
	if a := w.get(t, "/office/report?format=csv", clerk); a.StatusCode != http.StatusOK {
		t.Fatalf("export: %d", a.StatusCode)
	}
	if a := w.get(t, "/office/audit", clerk); a.StatusCode != http.StatusForbidden {
		t.Fatalf("a clerk on the audit page: %d", a.StatusCode)
	}
	w.clk.add(time.Second)
	admin, _ := w.session(t, "zhang", adminPW)
	a := w.get(t, "/office/audit", admin)
	if a.StatusCode != http.StatusOK {
		t.Fatalf("an admin on the audit page: %d", a.StatusCode)
	}
	rows := regexp.MustCompile(`<tr class="rec"><td data-label="时间">[^<]*</td><td data-label="用户"><span translate="no">([^<]*)`).FindAllStringSubmatch(a.body, -1)
	var who []string
	for _, r := range rows {
		who = append(who, strings.TrimSpace(r[1]))
	}
	// newest first: zhang's login, wang's export, wang's login, the accounts added
	if got := strings.Join(who, ","); got != "zhang,wang,wang,(cli:test),(cli:test)" {
		t.Errorf("the trail's rows by who: %s", got)
	}
	for _, want := range []string{"导出", "report", "登录", "新建账号", `<a href="/office/audit">审计</a>`, `<span id="who" translate="no">zhang</span>`, `<td data-label="用户名" translate="no">wang</td><td data-label="角色">办事员</td>`, `<td data-label="用户名" translate="no">zhang</td><td data-label="角色">管理员</td>`} {
		if !strings.Contains(a.body, want) {
			t.Errorf("the audit page lacks %q", want)
		}
	}
	if strings.Contains(a.body, "argon2") || strings.Contains(a.body, "$") {
		t.Errorf("a password hash on the audit page")
	}
}

// TestFirstRunToken: with no account, http.admin_token logs in as an
// admin; the first account ends that session, and the token opens the
// page no more.
func TestFirstRunToken(t *testing.T) {
	w := newWorld(t, token)
	if a := w.get(t, "/office/login", nil); !strings.Contains(a.body, `id="token"`) || strings.Contains(a.body, `id="name"`) {
		t.Fatalf("the first run's form asks for no token:\n%s", a.body)
	}
	if a := w.post(t, "/office/login", url.Values{"token": {"guess"}}, nil); a.StatusCode != http.StatusForbidden {
		t.Fatalf("a wrong token: %d", a.StatusCode)
	}
	a := w.post(t, "/office/login", url.Values{"token": {token}}, nil)
	if a.StatusCode != http.StatusSeeOther || len(a.Cookies()) != 1 {
		t.Fatalf("the token on the first run: %d", a.StatusCode)
	}
	c := a.Cookies()[0]
	if a := w.get(t, "/office/audit", c); a.StatusCode != http.StatusOK || !strings.Contains(a.body, "(admin_token)") {
		t.Fatalf("the first run's session is no admin: %d", a.StatusCode)
	}
	w.user(t, "zhang", officeauth.Admin, adminPW)
	if a := w.get(t, "/office/", c); a.StatusCode != http.StatusSeeOther {
		t.Fatalf("the token's session outlived the first account: %d", a.StatusCode)
	}
	if a := w.post(t, "/office/login", url.Values{"token": {token}}, nil); a.StatusCode != http.StatusForbidden {
		t.Fatalf("the token after the first account: %d", a.StatusCode)
	}
	if a := w.get(t, "/office/login", nil); strings.Contains(a.body, `id="token"`) || !strings.Contains(a.body, `id="name"`) {
		t.Fatalf("the form still asks for the token")
	}
}

// TestHeadersOnEveryResponse: pages, CSV files, the chart, errors,
// redirects, the login form and unknown paths all carry the security
// headers; the CSP allows exactly the pages' style element, and no page
// has a script or a style attribute.
func TestHeadersOnEveryResponse(t *testing.T) {
	w := newWorld(t, token)
	w.user(t, "wang", officeauth.Clerk, clerkPW)
	w.user(t, "zhang", officeauth.Admin, adminPW)
	clerk, csrf := w.session(t, "wang", clerkPW)
	admin, _ := w.session(t, "zhang", adminPW)
	id := intake.PetitionID(w.clk.Now().Add(-48*time.Hour), 3, 7)
	w.ratedUnsatisfied(t, id, w.clk.Now().Add(-48*time.Hour))
	type call struct {
		name   string
		do     func() answer
		status int
	}
	get := func(path string, c *http.Cookie) func() answer { return func() answer { return w.get(t, path, c) } }
	calls := []call{
		{"login form", get("/office/login", nil), 200},
		{"login refused", func() answer { return w.login(t, "wang", "nope-nope-1") }, 403},
		{"login", func() answer { return w.login(t, "wang", clerkPW) }, 303},
		{"redirect to login", get("/office/", nil), 303},
		{"no session POST", func() answer { return w.post(t, "/office/unsatisfied/"+id+"/recheck", nil, nil) }, 403},
		{"today", get("/office/", clerk), 200},
		{"unsatisfied", get("/office/unsatisfied", clerk), 200},
		{"overdue", get("/office/overdue", clerk), 200},
		{"callbacks", get("/office/callbacks", clerk), 200},
		{"report", get("/office/report", clerk), 200},
		{"bad report", get("/office/report?by=colour", clerk), 400},
		{"chart", get("/office/chart.svg", clerk), 200},
		{"csv today", get("/office/?format=csv", clerk), 200},
		{"csv unsatisfied", get("/office/unsatisfied?format=csv", clerk), 200},
		{"csv overdue", get("/office/overdue?format=csv", clerk), 200},
		{"csv callbacks", get("/office/callbacks?format=csv", clerk), 200},
		{"csv report", get("/office/report?format=csv", clerk), 200},
		{"audit for a clerk", get("/office/audit", clerk), 403},
		{"audit", get("/office/audit", admin), 200},
		{"recheck", func() answer {
			return w.post(t, "/office/unsatisfied/"+id+"/recheck", url.Values{"csrf": {csrf}}, clerk)
		}, 303},
		{"forged recheck", func() answer { return w.post(t, "/office/unsatisfied/"+id+"/recheck", nil, clerk) }, 403},
		{"failed deliveries", get("/office/failed", clerk), 200},
		{"已回电", func() answer {
			return w.post(t, "/office/callbacks/done", url.Values{"csrf": {csrf}, "official": {"+8613800000001"}, "item": {"x"}}, clerk)
		}, 303},
		{"重试 not wired", func() answer {
			return w.post(t, "/office/failed/retry", url.Values{"csrf": {csrf}, "queue": {"outbox"}, "shard": {"1"}, "id": {"1-0"}}, clerk)
		}, 503},
		{"unknown path", get("/office/nothing-here", clerk), 404},
		{"no slash", get("/office", nil), 301},
		{"logout", func() answer { return w.post(t, "/office/logout", url.Values{"csrf": {csrf}}, clerk) }, 303},
	}
	for i := range 5 {
		calls = append(calls, call{"failure " + strconv.Itoa(i), func() answer { return w.login(t, "li", "nope-nope-1") }, 0})
	}
	calls = append(calls, call{"throttled", func() answer { return w.login(t, "li", "nope-nope-1") }, 429})
	styleHash := regexp.MustCompile(`'sha256-([^']+)'`)
	for _, c := range calls {
		a := c.do()
		if c.status != 0 && a.StatusCode != c.status {
			t.Errorf("%s: %d, want %d", c.name, a.StatusCode, c.status)
		}
		h := a.Header
		csp := h.Get("Content-Security-Policy")
		for k, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store", "X-Frame-Options": "DENY"} {
			if got := h.Get(k); got != want {
				t.Errorf("%s: %s %q, want %q", c.name, k, got, want)
			}
		}
		for _, part := range []string{"default-src 'none'", "frame-ancestors 'none'", "img-src 'self'", "form-action 'self'", "base-uri 'none'"} {
			if !strings.Contains(csp, part) {
				t.Errorf("%s: CSP %q lacks %s", c.name, csp, part)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "script-src") {
			t.Errorf("%s: CSP allows inline code or scripts: %q", c.name, csp)
		}
		if !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
			continue
		}
		if strings.Contains(a.body, "<script") || regexp.MustCompile(`\sstyle=`).MatchString(a.body) {
			t.Errorf("%s: a script or a style attribute the CSP would block", c.name)
		}
		allowed := map[string]bool{}
		for _, m := range styleHash.FindAllStringSubmatch(csp, -1) {
			allowed[m[1]] = true
		}
		for _, m := range styleElem.FindAllStringSubmatch(a.body, -1) {
			sum := sha256.Sum256([]byte(m[1]))
			if !allowed[base64.StdEncoding.EncodeToString(sum[:])] {
				t.Errorf("%s: a style element the CSP does not allow", c.name)
			}
		}
	}
}
