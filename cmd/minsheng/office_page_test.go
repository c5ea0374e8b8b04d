package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/internal/testwait"
)

// browser starts a headless Chromium (the system's) for the test, or
// skips when there is none (CI installs it: .ci/run, and then requires it).
func browser(t *testing.T) context.Context {
	t.Helper()
	path := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if os.Getenv("CI_REQUIRE_BROWSER") != "" {
			t.Fatal("no chromium on PATH (apt-get install chromium)")
		}
		t.Skip("no chromium on PATH: apt-get install chromium")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.WindowSize(420, 900)) // a phone's width
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelB(); cancelA() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser: no timeout on this one
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// browse runs browser actions, each step within 20 s (an element that never
// shows fails the test instead of hanging it).
func browse(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// read runs one browser action that returns a value, within 20 s.
func read[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(sctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// clerkPassword is the browser test's clerk's.
const clerkPassword = "lamp-post-17"

// citizenPhone is a citizen's number in full (not masked).
var citizenPhone = regexp.MustCompile(`(?:\+?86)?1[3-9][0-9]{9}`)

// TestOfficePageInHeadlessChromium logs in to /office/ as a named clerk
// (added by `minsheng office user add`) over a generated month, opens
// every page, checks figures against the test's own count,
// presses 复核 on a case in the 不满意专区 (the backend gets a
// reopen_requested record), downloads a CSV, finds no citizen's number
// unmasked on any page and the clerk's actions in the audit trail, and
// logs out.
func TestOfficePageInHeadlessChromium(t *testing.T) {
	ctx := browser(t)
	mw := runMonth(t)
	srv := httptest.NewServer(mw.rt.Server.Handler())
	t.Cleanup(srv.Close)
	base := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) // a secure context for the Secure cookie
	var pages []string
	html := func(url string) string {
		t.Helper()
		browse(t, ctx, url, chromedp.Navigate(base+url))
		h := read(t, ctx, url, chromedp.OuterHTML("html"))
		pages = append(pages, h)
		return h
	}

	// a named clerk, added as the deployment would (the password on stdin)
	if code, out, errs := runCmd(t, context.Background(), clerkPassword+"\n", "office", "user", "add", "wang", "--config", mw.cfgPath); code != 0 {
		t.Fatalf("office user add: %d %s %s", code, out, errs)
	}

	// login: the page sends a stranger to the form; a wrong password is refused
	browse(t, ctx, "open", chromedp.Navigate(base+"/office/"))
	if loc := read(t, ctx, "location", chromedp.Location()); !strings.HasSuffix(loc, "/office/login") {
		t.Fatalf("not sent to the login form: %s", loc)
	}
	browse(t, ctx, "wrong password", chromedp.SendKeys("#name", "wang"), chromedp.SendKeys("#password", "guess-wrong-1"),
		chromedp.Click("#login"), chromedp.WaitVisible("#wrong"))
	browse(t, ctx, "login", chromedp.SendKeys("#name", "wang"), chromedp.SendKeys("#password", clerkPassword),
		chromedp.Click("#login"), chromedp.WaitVisible("#messages"))
	if loc := read(t, ctx, "location", chromedp.Location()); strings.Contains(loc, clerkPassword) {
		t.Fatalf("the password is in the URL %s", loc)
	}
	if who := read(t, ctx, "who", chromedp.Text("#who")); who != "wang" {
		t.Errorf("logged in as %q, want wang", who)
	}
	// the style element is allowed by the page's Content-Security-Policy
	if d := read(t, ctx, "style", chromedp.Evaluate[string](`getComputedStyle(document.querySelector('nav')).display`)); d != "flex" {
		t.Errorf("the page's style was blocked (nav display %q)", d)
	}

	// today, by the fake clock
	day := mw.clk.Now().In(shanghai).Format("2006-01-02")
	today, _ := mw.exp.sum(day, day)
	h := html("/office/")
	messages := read(t, ctx, "messages", chromedp.Text("#messages"))
	if messages != strconv.FormatInt(today["msg"], 10) || !strings.Contains(h, fmt.Sprintf(`id="petitions">%d<`, today["pet"])) {
		t.Errorf("today %s: messages %s, want %d; petitions want %d", day, messages, today["msg"], today["pet"])
	}
	if n := strings.Count(h, `<td data-label="群众" class="phone">`); n != 20 {
		t.Errorf("today lists %d petitions, want the last 20", n)
	}

	// the 不满意专区: every case rated 不满意, with the citizen's reason
	h = html("/office/unsatisfied")
	if n := strings.Count(h, `class="case"`); n != len(mw.unsat) || n == 0 {
		t.Errorf("不满意专区 lists %d cases, want %d", n, len(mw.unsat))
	}
	if !strings.Contains(h, "还是不亮") {
		t.Errorf("no reason in the 不满意专区")
	}
	var first string
	for id := range mw.unsat {
		if strings.Contains(h, `id="case-`+id+`"`) && strings.Contains(h, `/office/unsatisfied/`+id+`/recheck`) {
			first = id
			break
		}
	}
	if first == "" {
		t.Fatal("no 复核 button")
	}
	browse(t, ctx, "复核", chromedp.Click(`#case-`+first+` button.recheck`), chromedp.WaitVisible("#done"))
	if done := read(t, ctx, "done", chromedp.Text("#done")); !strings.Contains(done, first) {
		t.Errorf("after 复核: %q", done)
	}
	testwait.For(t, "the reopen_requested record in the backend", func() bool {
		b, _ := os.ReadFile(mw.petitions)
		for _, l := range strings.Split(string(b), "\n") {
			if strings.Contains(l, `"type":"reopen_requested"`) && strings.Contains(l, first) {
				return true
			}
		}
		return false
	})

	// a CSV download, the link clicked with the page's session
	downloads := t.TempDir()
	browse(t, ctx, "csv", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.CallBrowser(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
			Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads})
		return err
	}), chromedp.Click("#csv"))
	csvFile := filepath.Join(downloads, "unsatisfied-"+mw.clk.Now().In(shanghai).Format("20060102")+".csv")
	testwait.For(t, "the CSV downloaded", func() bool { _, err := os.Stat(csvFile); return err == nil })
	raw, _ := os.ReadFile(csvFile)
	body := string(raw)
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\uFEFF"))).ReadAll()
	if err != nil || len(rows) != len(mw.unsat)+1 || rows[0][0] != "编号" {
		t.Fatalf("csv: %v, %d rows\n%s", err, len(rows), body)
	}

	// overdue: the open cases, as the test counts them
	h = html("/office/overdue")
	var unresolved int
	for id, d := range mw.deadlines {
		if !mw.open[id][intake.StatusResolved] && d.ResolveBy.Before(mw.clk.Now()) {
			unresolved++
		}
	}
	if !strings.Contains(h, fmt.Sprintf("逾期未办结（%d）", unresolved)) {
		t.Errorf("overdue page lacks 逾期未办结（%d）: %s", unresolved, regexp.MustCompile(`逾期[^<]*`).FindAllString(h, -1))
	}

	// the period report: figures, chart, ranking with top and bottom units
	h = html("/office/report?since=2026-03-01&until=2026-03-31")
	march, _ := mw.exp.sum("2026-03-01", "2026-03-31")
	if !strings.Contains(h, fmt.Sprintf(`id="r-unique">%d<`, march["pet"]-march["dup"])) || !strings.Contains(h, `src="/office/chart.svg?since=2026-03-01&amp;until=2026-03-31"`) {
		t.Errorf("report page figures or chart missing")
	}
	top := read(t, ctx, "ranking", chromedp.Text("#ranking td.top"))
	bottom := read(t, ctx, "ranking", chromedp.Text("#ranking td.bottom"))
	if !strings.Contains(top, "局") || !strings.Contains(bottom, "局") {
		t.Errorf("ranking: top %q bottom %q", top, bottom)
	}
	testwait.For(t, "the chart to load", func() bool {
		ok, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('img.chart').complete && document.querySelector('img.chart').naturalWidth > 0`))
		return ok
	})
	if out := os.Getenv("OFFICE_SCREENSHOT_OUT"); out != "" { // the README's screenshot
		if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
			_ = os.WriteFile(out, png, 0o644)
		}
	}
	html("/office/callbacks")

	// what the clerk did is in the audit trail, by name; a clerk has no audit page
	recs, err := mw.rt.Door().AuditTrail(context.Background(), time.Time{}, 100)
	if err != nil {
		t.Fatal(err)
	}
	did := map[string]string{}
	for _, r := range recs {
		if r.Who == "wang" {
			did[r.Action] += r.What + r.Case + " "
		}
	}
	if !strings.Contains(did["recheck"], first) || !strings.Contains(did["export"], "unsatisfied") || !strings.Contains(did["view"], "callbacks") || did["login"] == "" {
		t.Errorf("the clerk's actions in the audit trail: %v", did)
	}
	browse(t, ctx, "audit page", chromedp.Navigate(base+"/office/audit"))
	if h := read(t, ctx, "audit page", chromedp.OuterHTML("html")); !strings.Contains(h, "仅限管理员") {
		t.Errorf("a clerk opened the audit page")
	}

	// 退出: the page asks for a login again
	html("/office/")
	browse(t, ctx, "logout", chromedp.Click("#logout"), chromedp.WaitVisible("#password"))
	browse(t, ctx, "after logout", chromedp.Navigate(base+"/office/"))
	if loc := read(t, ctx, "location", chromedp.Location()); !strings.HasSuffix(loc, "/office/login") {
		t.Errorf("the session outlived 退出: %s", loc)
	}

	// no citizen's number in full anywhere
	for i, p := range pages {
		if m := citizenPhone.FindString(p); m != "" && !strings.HasPrefix(m, "+8613800") {
			t.Errorf("page %d shows a number unmasked: %s", i, m)
		}
	}
}
