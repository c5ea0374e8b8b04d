package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/minsheng/minsheng/bot"
	"github.com/minsheng/minsheng/config"
	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/queue"
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
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("lang", "zh-CN"), chromedp.WindowSize(1280, 900))
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

// clerkPassword is the browser test's clerk's; adminPassword its admin's.
const (
	clerkPassword = "lamp-post-17"
	adminPassword = "audit-trail-42"
)

// citizenPhone is a citizen's number in full (not masked).
var citizenPhone = regexp.MustCompile(`(?:\+?86)?1[3-9][0-9]{9}`)

// officialNumber is an official's number (monthOfficials), where the page
// should name them.
var officialNumber = regexp.MustCompile(`\+?86138000000[0-9]{2}`)

// The county's officials: the generated month's numbers, by title and name.
var countyOfficials = []struct{ number, title, name string }{
	{monthOfficials[0], "县长", "张三"}, {monthOfficials[1], "副县长", "李四"}, {monthOfficials[2], "信访局局长", "王五"},
}

// Today's citizens the test adds: one in danger (the bot tells them to
// call 119), one with an urgent matter, one whose carrier refuses our SMS,
// and two with everyday matters after them.
const (
	inDanger  = "+8613900009001"
	noWater   = "+8613900009002"
	refused   = "+8613900009009"
	everyday1 = "+8613900009003"
	everyday2 = "+8613900009004"
)

// phone is the SMS channel of the office's replica: it takes every
// message, but the carrier refuses refused's until fixed.
type phone struct {
	mu    sync.Mutex
	sent  []bot.Outbound
	fixed atomic.Bool
}

func (p *phone) Send(_ context.Context, m bot.Outbound) error {
	if m.To == refused && !p.fixed.Load() {
		return fmt.Errorf("%w: carrier refused: 30006 landline or unreachable carrier, To %s", queue.ErrPermanent, m.To)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent = append(p.sent, m)
	return nil
}

func (p *phone) to(number string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, m := range p.sent {
		if m.To == number {
			n++
		}
	}
	return n
}

// officeReplica is a second replica on the month's Redis with the county's
// officials configured (title and name for each number), running every
// worker: the officials' call-back lists fill from the month's call-back
// events, and its page is what the browser opens.
func officeReplica(t *testing.T, mw *monthWorld) (*bot.Runtime, *phone) {
	t.Helper()
	raw, err := os.ReadFile(mw.cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	// The county's officials replace the month's own list (a config
	// names its officials once).
	if i := strings.Index(string(raw), "\nofficials:\n"); i >= 0 {
		raw = raw[:i+1]
	}
	var b strings.Builder
	b.Write(raw)
	b.WriteString("officials:\n")
	for _, o := range countyOfficials {
		fmt.Fprintf(&b, "  - {number: %q, title: %s, name: %s}\n", o.number, o.title, o.name)
	}
	path := filepath.Join(t.TempDir(), "office.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	// the month's backend (one writer of the file); no journal or spool
	// of its own: nothing for this replica to close
	cfg.Backend.Journal, cfg.Redis.Spool = "", ""
	zero := time.Duration(0)
	rt, err := bot.NewRuntime(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), bot.RuntimeOptions{
		Store: mw.rt.Store, Backend: mw.rt.Backend, Now: mw.clk.Now, Coalesce: &zero,
		Queue: queue.Options{Block: 50 * time.Millisecond, Poll: 20 * time.Millisecond, Backoff: func(int) time.Duration { return 20 * time.Millisecond }},
	})
	if err != nil {
		t.Fatal(err)
	}
	ph := &phone{}
	rt.SendQueue.Register(bot.ChannelSMS, ph)
	ctx, cancel := context.WithCancel(context.Background())
	wait := rt.Run(ctx, 100*time.Millisecond)
	t.Cleanup(func() { cancel(); wait() })
	return rt, ph
}

// say is a citizen's SMS to an official, now.
func say(t *testing.T, rt *bot.Runtime, from, to, text, sid string, at time.Time) {
	t.Helper()
	in := bot.Inbound{Channel: bot.ChannelSMS, Conversation: bot.ConversationKey(bot.ChannelSMS, from), To: to, At: at, ProviderID: sid,
		Reply: bot.Address{Channel: bot.ChannelSMS, To: from, From: to}, Citizen: intake.Citizen{Phone: from}, Text: text}
	if _, err := rt.Pipeline.Handle(context.Background(), in); err != nil {
		t.Fatal(err)
	}
}

// Widths the pages are checked and shot at: a phone, a desk.
const (
	phoneWidth = 390
	deskWidth  = 1280
)

func viewport(width int64) chromedp.Action[chromedp.Void] {
	if width == phoneWidth {
		return chromedp.EmulateViewport(phoneWidth, 844, chromedp.EmulateMobile)
	}
	return chromedp.EmulateViewport(deskWidth, 900)
}

// words is the page's text in words: without what is marked
// translate="no" (account names, addresses, a provider's error) and,
// when tel, without the tel: links (the call-back list's numbers).
func words(t *testing.T, ctx context.Context, tel bool) string {
	t.Helper()
	return read(t, ctx, "the page's words", chromedp.Evaluate[string](fmt.Sprintf(`(() => {
		const b = document.body.cloneNode(true);
		b.querySelectorAll('[translate="no"], style, script%s').forEach(e => e.remove());
		return document.title + "\n" + b.textContent;
	})()`, map[bool]string{true: ", a.tel", false: ""}[tel])))
}

var (
	petitionID = regexp.MustCompile(`MS-[0-9]{8}-[0-9A-Z]{5}`)
	latin      = regexp.MustCompile(`[A-Za-z][A-Za-z_]+`)
)

// english lists the English words a clerk reads on the page: any Latin
// word but the CSV link, Telegram's name and the petition ids.
func english(text string) []string {
	var out []string
	for _, w := range latin.FindAllString(petitionID.ReplaceAllString(text, " "), -1) {
		if w != "CSV" && w != "Telegram" {
			out = append(out, w)
		}
	}
	return out
}

// fits reports, at the viewport's width, whether the page overflows
// sideways (every column must be in view, as cards on a phone).
func fits(t *testing.T, ctx context.Context) bool {
	t.Helper()
	return read(t, ctx, "width", chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth`))
}

// inView reports whether every element of the selector is shown and
// within the viewport's width.
func inView(t *testing.T, ctx context.Context, sel string) bool {
	t.Helper()
	return read(t, ctx, "in view "+sel, chromedp.Evaluate[bool](fmt.Sprintf(`(() => {
		const es = [...document.querySelectorAll(%q)];
		return es.length > 0 && es.every(e => { const r = e.getBoundingClientRect();
			return r.width > 0 && r.height > 0 && r.left >= 0 && r.right <= window.innerWidth && getComputedStyle(e).visibility != 'hidden'; });
	})()`, sel)))
}

// TestOfficePageInHeadlessChromium logs in to /office/ as a named clerk
// (added by `minsheng office user add`) over a generated month with the
// county's officials configured, at 390 px (a phone) and 1280 px: checks
// figures against the test's own count; finds today's petition in danger
// marked 危急 at the top of 今日, then the urgent one (紧急); calls a
// citizen back from the call-back list (the number in full as a tel:
// link, 已回电 pressed: the item done by the clerk, in the audit trail);
// retries a failed delivery (投递失败: the carrier refused a receipt; 重试
// sends it); presses 复核 in the 不满意专区 (the backend gets a
// reopen_requested record); downloads a CSV; finds no English word and no
// official's number on any page, no citizen's number in full but on the
// call-back list, every column in view at both widths and the chart at a
// readable size on the phone; the admin's audit page; logs out. With
// OFFICE_SCREENSHOTS=docs/office it writes every page at both widths
// there (<page>-390.png, <page>-1280.png: the README's).
func TestOfficePageInHeadlessChromium(t *testing.T) {
	ctx := browser(t)
	mw := runMonth(t)
	rt, ph := officeReplica(t, mw)
	srv := httptest.NewServer(rt.Server.Handler())
	t.Cleanup(srv.Close)
	base := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) // a secure context for the Secure cookie
	shots := os.Getenv("OFFICE_SCREENSHOTS")

	// every page the clerk opens: the words on it, whether it fits, at
	// both widths (and a screenshot of each)
	var pages []string
	look := func(name string, tel bool) {
		t.Helper()
		for _, width := range []int64{deskWidth, phoneWidth} { // ends on the phone
			browse(t, ctx, name+" at "+strconv.FormatInt(width, 10), viewport(width))
			text := words(t, ctx, tel)
			if en := english(text); len(en) > 0 {
				t.Errorf("%s at %d px shows English: %v", name, width, en)
			}
			if m := officialNumber.FindString(text); m != "" {
				t.Errorf("%s shows the official's number %s where a name is configured", name, m)
			}
			if m := citizenPhone.FindString(officialNumber.ReplaceAllString(text, "")); m != "" {
				t.Errorf("%s shows a citizen's number in full: %s", name, m)
			}
			if !fits(t, ctx) {
				t.Errorf("%s at %d px overflows sideways: a column out of view", name, width)
			}
			if shots != "" {
				shoot(t, read(t, ctx, "screenshot", chromedp.FullScreenshot(100)), filepath.Join(shots, fmt.Sprintf("%s-%d.png", name, width)), int(width))
			}
		}
		pages = append(pages, read(t, ctx, name, chromedp.OuterHTML("html")))
	}
	open := func(name, path string) {
		t.Helper()
		browse(t, ctx, path, chromedp.Navigate(base+path))
		look(name, name == "callbacks")
	}

	// a named clerk and an admin, added as the deployment would (the password on stdin)
	for _, u := range []struct{ name, pw, role string }{{"wang", clerkPassword, "clerk"}, {"zhang", adminPassword, "admin"}} {
		if code, out, errs := runCmd(t, context.Background(), u.pw+"\n", "office", "user", "add", u.name, "--role", u.role, "--config", mw.cfgPath); code != 0 {
			t.Fatalf("office user add %s: %d %s %s", u.name, code, out, errs)
		}
	}

	// login: the page sends a stranger to the form; a wrong password is refused
	browse(t, ctx, "phone", viewport(phoneWidth), chromedp.Navigate(base+"/office/"))
	if loc := read(t, ctx, "location", chromedp.Location()); !strings.HasSuffix(loc, "/office/login") {
		t.Fatalf("not sent to the login form: %s", loc)
	}
	look("login", false)
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

	// today's figures, by the fake clock, as the month left them
	now := mw.clk.Now()
	day := now.In(shanghai).Format("2006-01-02")
	today, _ := mw.exp.sum(day, day)
	if m := read(t, ctx, "messages", chromedp.Text("#messages")); m != strconv.FormatInt(today["msg"], 10) {
		t.Errorf("today %s: messages %s, want %d", day, m, today["msg"])
	}
	if p := read(t, ctx, "petitions", chromedp.Text("#petitions")); p != strconv.FormatInt(today["pet"], 10) {
		t.Errorf("today %s: petitions %s, want %d", day, p, today["pet"])
	}

	// today goes on: a fire (the bot says 119), a village without water,
	// a citizen whose carrier refuses our SMS, two everyday matters
	for i, m := range []struct{ from, to, text string }{
		{inDanger, monthOfficials[0], "救命！幸福小区5号楼3单元着火了，浓烟很大，有人被困在楼上"},
		{noWater, monthOfficials[1], "南关村自来水停了三天了，全村老人孩子没有水喝"},
		{refused, monthOfficials[0], "幸福小区3号楼门口的路灯坏了一个月了，晚上很黑"},
		{everyday1, monthOfficials[2], "幸福小区2号楼楼下饭店夜里噪音太大，吵得睡不着"},
		{everyday2, monthOfficials[2], "幸福小区1号楼旁边的公交站牌被撞倒了没人修"},
	} {
		mw.clk.Set(now.Add(time.Duration(i+1) * time.Minute))
		say(t, rt, m.from, m.to, m.text, fmt.Sprintf("SMTODAY%02d", i), mw.clk.Now())
	}
	testwait.For(t, "the refused receipt a failed delivery", func() bool {
		st, _ := rt.SendQueue.Queue().Stats(context.Background())
		return st.Dead == 1
	})
	testwait.For(t, "the call-back item of the fire", func() bool {
		items := apiCallbacks(t, base, monthOfficials[0])
		for _, it := range items {
			if it.Call == "tel:"+inDanger {
				return true
			}
		}
		return false
	})

	// 今日: the fire first (危急), then the water (紧急), then the rest
	browse(t, ctx, "today", chromedp.Navigate(base+"/office/"))
	first := read(t, ctx, "today's rows", chromedp.Evaluate[[]string](`[...document.querySelectorAll('tr.item')].slice(0, 3).map(r => r.className + ' ' + r.querySelector('td.matter').textContent)`))
	if len(first) < 3 || !strings.HasPrefix(first[0], "item emergency 危急 ") || !strings.Contains(first[0], "着火") ||
		!strings.HasPrefix(first[1], "item urgent 紧急 ") || !strings.Contains(first[1], "自来水") || strings.Contains(first[2], "紧急") {
		t.Errorf("today's first rows: %q", first)
	}
	if n := read(t, ctx, "urgent", chromedp.Text("#urgent")); n != "2" {
		t.Errorf("紧急件 %s, want 2", n)
	}
	// on the phone the first card shows the matter, the unit and the status
	for _, td := range []string{"td.matter", "td.unit", "td.status"} {
		if !inView(t, ctx, "tr.item.emergency "+td) {
			t.Errorf("the first card's %s is not in view at 390 px", td)
		}
	}
	if h := read(t, ctx, "today", chromedp.OuterHTML("html")); strings.Contains(h, "死信") {
		t.Errorf("today still says 死信")
	}
	look("today", false)

	// 回电清单: the fire's citizen, the number in full as a tel: link
	browse(t, ctx, "callbacks", chromedp.Navigate(base+"/office/callbacks"))
	row := read(t, ctx, "the fire's item", chromedp.Evaluate[string](`(() => {
		const a = [...document.querySelectorAll('a.tel')].find(a => a.getAttribute('href') == 'tel:`+inDanger+`');
		return a ? a.closest('tr').id : ''; })()`))
	if row == "" {
		t.Fatalf("no tel: link to %s on the call-back list", inDanger)
	}
	if tel := read(t, ctx, "tel", chromedp.Text("#"+row+" a.tel")); tel != inDanger {
		t.Errorf("the link shows %q, want the number in full", tel)
	}
	for _, td := range []string{`td[data-label="原因"]`, `td[data-label="联系时限"]`, "a.tel", "button.done"} {
		if !inView(t, ctx, "#"+row+" "+td) {
			t.Errorf("the item's %s is not in view at 390 px", td)
		}
	}
	if r := read(t, ctx, "reasons", chromedp.Text("#"+row+` td[data-label="原因"]`)); !strings.Contains(r, "紧急") {
		t.Errorf("the fire's reason: %q", r)
	}
	if m := read(t, ctx, "matter", chromedp.Text("#"+row+" td.matter")); !strings.Contains(m, "危急") || !strings.Contains(m, "119") ||
		!strings.Contains(m, "浓烟很大，有人被困在楼上") {
		t.Errorf("the fire's matter, not whole or not marked: %q", m)
	}
	// 所有列 at both widths, then 已回电
	look("callbacks", true)
	item := strings.TrimPrefix(row, "cb-")
	browse(t, ctx, "已回电", chromedp.Click("#"+row+" button.done"), chromedp.WaitVisible("#done"))
	if n := read(t, ctx, "rows", chromedp.Evaluate[int](`document.querySelectorAll('#`+row+`').length`)); n != 0 {
		t.Errorf("the item is still on the list after 已回电")
	}
	done := false
	for _, it := range apiCallbacks(t, base, monthOfficials[0]) {
		if it.ID == item {
			done = it.State == "done" && it.DoneBy == "wang"
		}
	}
	if !done {
		t.Errorf("the item %s is not done by wang: %+v", item, apiCallbacks(t, base, monthOfficials[0]))
	}

	// 投递失败: the refused receipt, tried again once the carrier takes it
	browse(t, ctx, "today's figure", chromedp.Navigate(base+"/office/"), chromedp.Click("#failed-link"), chromedp.WaitVisible("#failed"))
	failed := read(t, ctx, "failed rows", chromedp.Evaluate[[]string](`[...document.querySelectorAll('tr.failed')].map(r => r.id + ' ' + r.textContent)`))
	if len(failed) != 1 || !strings.Contains(failed[0], "回复群众") || !petitionID.MatchString(failed[0]) || !strings.Contains(failed[0], "+86139****9009") ||
		!strings.Contains(failed[0], "消息未能发给群众") {
		t.Fatalf("failed deliveries: %q", failed)
	}
	look("failed", false)
	ph.fixed.Store(true)
	browse(t, ctx, "重试", chromedp.Click("tr.failed button.retry"), chromedp.WaitVisible("#done"))
	testwait.For(t, "the receipt sent on the retry", func() bool { return ph.to(refused) == 1 })
	if n := read(t, ctx, "failed rows", chromedp.Evaluate[int](`document.querySelectorAll('tr.failed').length`)); n != 0 {
		t.Errorf("%d failed deliveries left after 重试", n)
	}

	// the 不满意专区: every case rated 不满意, with the citizen's reason, the history joined
	open("unsatisfied", "/office/unsatisfied")
	h := pages[len(pages)-1]
	if n := strings.Count(h, `class="case"`); n != len(mw.unsat) || n == 0 {
		t.Errorf("不满意专区 lists %d cases, want %d", n, len(mw.unsat))
	}
	if !strings.Contains(h, "还是不亮") {
		t.Errorf("no reason in the 不满意专区")
	}
	if regexp.MustCompile(`→\s*</small>`).MatchString(h) {
		t.Errorf("a history ends with a dangling arrow")
	}
	var recheck string
	for id := range mw.unsat {
		if strings.Contains(h, `id="case-`+id+`"`) && strings.Contains(h, `/office/unsatisfied/`+id+`/recheck`) {
			recheck = id
			break
		}
	}
	if recheck == "" {
		t.Fatal("no 复核 button")
	}
	browse(t, ctx, "复核", chromedp.Click(`#case-`+recheck+` button.recheck`), chromedp.WaitVisible("#done"))
	if done := read(t, ctx, "done", chromedp.Text("#done")); !strings.Contains(done, recheck) {
		t.Errorf("after 复核: %q", done)
	}
	testwait.For(t, "the reopen_requested record in the backend", func() bool {
		b, _ := os.ReadFile(mw.petitions)
		for _, l := range strings.Split(string(b), "\n") {
			if strings.Contains(l, `"type":"reopen_requested"`) && strings.Contains(l, recheck) {
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
	if err != nil || !strings.HasPrefix(body, "\uFEFF") || len(rows) != len(mw.unsat)+1 || rows[0][0] != "编号" || rows[0][12] != "状态" {
		t.Fatalf("csv: %v, %d rows\n%s", err, len(rows), body)
	}

	// overdue: the open cases, as the test counts them
	open("overdue", "/office/overdue")
	var unresolved int
	for id, d := range mw.deadlines {
		if !mw.open[id][intake.StatusResolved] && d.ResolveBy.Before(now) {
			unresolved++
		}
	}
	if h := pages[len(pages)-1]; !strings.Contains(h, fmt.Sprintf("逾期未办结（%d）", unresolved)) {
		t.Errorf("overdue page lacks 逾期未办结（%d）: %s", unresolved, regexp.MustCompile(`逾期[^<]*`).FindAllString(h, -1))
	}

	// the period report: figures, chart, ranking with top and bottom units;
	// by official, by title and name
	browse(t, ctx, "report", chromedp.Navigate(base+"/office/report?since=2026-03-01&until=2026-03-31"))
	testwait.For(t, "the chart to load", func() bool {
		ok, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('img.chart').complete && document.querySelector('img.chart').naturalWidth > 0`))
		return ok
	})
	h = read(t, ctx, "report", chromedp.OuterHTML("html"))
	march, _ := mw.exp.sum("2026-03-01", "2026-03-31")
	if !strings.Contains(h, fmt.Sprintf(`id="r-unique">%d<`, march["pet"]-march["dup"])) || !strings.Contains(h, `src="/office/chart.svg?since=2026-03-01&amp;until=2026-03-31"`) {
		t.Errorf("report page figures or chart missing")
	}
	top := read(t, ctx, "ranking", chromedp.Text("#ranking td.top"))
	bottom := read(t, ctx, "ranking", chromedp.Text("#ranking td.bottom"))
	if !strings.Contains(top, "局") || !strings.Contains(bottom, "局") {
		t.Errorf("ranking: top %q bottom %q", top, bottom)
	}
	// the chart at a readable size on the phone: its own width, swiped sideways
	if w := read(t, ctx, "chart width", chromedp.Evaluate[float64](`document.querySelector('img.chart').getBoundingClientRect().width`)); w < 720 {
		t.Errorf("the chart is %.0f px wide at 390 px: its labels unreadable", w)
	}
	if !read(t, ctx, "chart scrolls", chromedp.Evaluate[bool](`(b => b.scrollWidth > b.clientWidth)(document.querySelector('.chartbox'))`)) {
		t.Errorf("the chart's box does not scroll sideways on the phone")
	}
	look("report", false)
	browse(t, ctx, "by official", chromedp.Navigate(base+"/office/report?since=2026-03-01&until=2026-03-31&by=official"))
	keys := read(t, ctx, "by official", chromedp.Evaluate[[]string](`[...document.querySelectorAll('#groups td.key')].map(td => td.textContent)`))
	if strings.Join(keys, ",") != "县长张三,副县长李四,信访局局长王五" {
		t.Errorf("by official: %q", keys)
	}
	look("report-official", false)

	// what the clerk did is in the audit trail, by name; a clerk has no audit page
	recs, err := mw.rt.Door().AuditTrail(context.Background(), time.Time{}, 200)
	if err != nil {
		t.Fatal(err)
	}
	did := map[string]string{}
	for _, r := range recs {
		if r.Who == "wang" {
			did[r.Action] += r.What + r.Case + r.Official + "/" + r.Item + " "
		}
	}
	if !strings.Contains(did["recheck"], recheck) || !strings.Contains(did["export"], "unsatisfied") || !strings.Contains(did["view"], "callbacks") ||
		did["login"] == "" || !strings.Contains(did["callback_done"], monthOfficials[0]+"/"+item) || !strings.Contains(did["retry"], "sendq") {
		t.Errorf("the clerk's actions in the audit trail: %v", did)
	}
	browse(t, ctx, "audit page", chromedp.Navigate(base+"/office/audit"))
	if h := read(t, ctx, "audit page", chromedp.OuterHTML("html")); !strings.Contains(h, "仅限管理员") {
		t.Errorf("a clerk opened the audit page")
	}

	// 退出: the page asks for a login again
	browse(t, ctx, "today", chromedp.Navigate(base+"/office/"))
	browse(t, ctx, "logout", chromedp.Click("#logout"), chromedp.WaitVisible("#password"))
	browse(t, ctx, "after logout", chromedp.Navigate(base+"/office/"))
	if loc := read(t, ctx, "location", chromedp.Location()); !strings.HasSuffix(loc, "/office/login") {
		t.Errorf("the session outlived 退出: %s", loc)
	}

	// the admin's audit page: the 已回电 by the official's title and name
	browse(t, ctx, "admin login", chromedp.SendKeys("#name", "zhang"), chromedp.SendKeys("#password", adminPassword),
		chromedp.Click("#login"), chromedp.WaitVisible("#messages"))
	open("audit", "/office/audit")
	if h := pages[len(pages)-1]; !strings.Contains(h, "已回电") || !strings.Contains(h, "领导 县长张三") || !strings.Contains(h, "重试投递") {
		t.Errorf("the audit page lacks the 已回电 by name or the 重试")
	}

	// no citizen's number in full in anything but the call-back list's links
	for i, p := range pages {
		p = regexp.MustCompile(`<a class="tel" href="tel:[^"]+">[^<]+</a>`).ReplaceAllString(p, "")
		p = regexp.MustCompile(`name="official" value="[^"]+"`).ReplaceAllString(p, "")
		p = regexp.MustCompile(`[0-9]{13}-[0-9]+`).ReplaceAllString(p, "") // stream ids: a time in ms
		if m := citizenPhone.FindString(strings.ReplaceAll(p, "&#43;", "+")); m != "" && !officialNumber.MatchString(m) {
			t.Errorf("page %d shows a number unmasked: %s", i, m)
		}
	}
}

// apiItem is a call-back item as the officials' admin API lists it.
type apiItem struct {
	ID     string `json:"id"`
	Call   string `json:"call"`
	State  string `json:"state"`
	DoneBy string `json:"done_by"`
}

// apiCallbacks lists an official's call-back items, done ones too,
// through the admin API (http.admin_token).
func apiCallbacks(t *testing.T, base, number string) []apiItem {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/officials/"+number+"/callbacks?all=1", nil)
	req.Header.Set("Authorization", "Bearer "+monthAdminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Items []apiItem }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil && !errors.Is(err, io.EOF) {
		t.Fatalf("callbacks API: %d %v", resp.StatusCode, err)
	}
	return out.Items
}

// shoot writes a page's screenshot for the README: the top of a long page
// (at most 2000 px on the phone, 1100 on the desk).
func shoot(t *testing.T, shot []byte, path string, width int) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	maxH := map[int]int{phoneWidth: 2000, deskWidth: 1100}[width]
	b := img.Bounds()
	if b.Dy() <= maxH {
		if err := os.WriteFile(path, shot, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	img = img.(interface {
		SubImage(image.Rectangle) image.Image
	}).SubImage(image.Rect(b.Min.X, b.Min.Y, b.Max.X, b.Min.Y+maxH))
	var out bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&out, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
