// Package officepage is the office's view of what the bot recorded, at
// /office/: today's figures and last petitions (urgent ones first), the
// 不满意专区 with its 复核 button, overdue cases, officials' call-back lists
// to call back from (已回电), the deliveries that failed for good with a
// 重试 button, the period report with its chart and the ranking of units,
// each list also as CSV, and the period's hot issues (热点).
//
// Server-rendered HTML (html/template, no build step), readable on a phone
// (lists become cards), in Chinese throughout (codes become words: word),
// behind the door of bot/officeauth: named accounts (clerks and admins),
// server-side sessions, throttled logins, form tokens, security headers
// and the audit trail of what shows or exports citizens' data
// (door.go). Citizens' numbers are shown masked, but in full on the
// call-back list (audited), whose office calls them.
package officepage

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/minsheng/minsheng/bot/officeauth"
	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/hot"
	"github.com/minsheng/minsheng/intake/report"
	"github.com/minsheng/minsheng/intake/report/chart"
)

// listMax is the most items a list shows (and its CSV holds): a page
// stays fast whatever a year holds.
const listMax = 1000

// Callbacks is one official's open call-back items, as the page shows them.
type Callbacks struct {
	Official string
	Who      string // title and name: 县长张三
	Items    []Callback
}

// Callback is one citizen to call back. The page shows the logged-in
// office the number in full, as a tel: link.
type Callback struct {
	ID         string // the item's id on the official's list
	At         time.Time
	Phone      string
	Name       string
	PetitionID string
	Summary    string
	Text       string // the matter in the citizen's words ("": the summary)
	Reasons    []string
	Emergency  string // the numbers the citizen was told to call now ("119")
	ContactBy  time.Time
}

// ErrNoCallback is what Options.CallbackDone returns for an item (or an
// official) that is not there.
var ErrNoCallback = errors.New("no such call-back item")

// Failed is a delivery that failed for good: a dead letter of one of the
// durable queues.
type Failed struct {
	Queue    string // bot.QueueNames: sendq, sendbulk, outbox, callbacks, handover
	Shard    int
	ID       string // the dead letter's stream id
	Case     string // the petition it concerns, "" when none is known
	Error    string
	Attempts int
	At       time.Time // when it was queued: the message or record's time
	Parked   time.Time // when it was given up
}

// ErrNoFailed is what Options.Retry returns for a failed delivery that is
// not there (tried again already).
var ErrNoFailed = errors.New("no such failed delivery")

// Options are what the page reads and does.
type Options struct {
	Reader *report.Reader
	// Door lets people in (bot/officeauth): accounts, sessions, the
	// audit trail.
	Door    *officeauth.Door
	Loc     *time.Location
	Now     func() time.Time
	RankMin int
	// Officials names the officials' numbers: 县长张三 (title and name),
	// wherever the page would show a number.
	Officials map[string]string
	// Categories names the category codes (urban → 城乡建设).
	Categories map[string]string
	// Callbacks lists the officials' open call-back items (nil: none configured).
	Callbacks func(ctx context.Context) ([]Callbacks, error)
	// Recheck asks the backend for a 复核 of a petition rated 不满意.
	Recheck func(ctx context.Context, petitionID, reason string) error
	// CallbackDone marks an official's call-back item called back (已回电)
	// by the named user.
	CallbackDone func(ctx context.Context, official, item, by string) error
	// Failed lists the deliveries that failed for good, newest first
	// (nil: none shown).
	Failed func(ctx context.Context) ([]Failed, error)
	// Retry puts a failed delivery back into its queue (ErrNoFailed when
	// it is not there).
	Retry func(ctx context.Context, queue string, shard int, id string) error
	// HotIssues lists the hot issues (热点) of two citizens or more with a
	// petition in [since, until), largest first (nil: none shown).
	HotIssues func(ctx context.Context, since, until time.Time) ([]HotIssue, error)
	Log       *slog.Logger
}

// HotIssue is a hot issue as the period's report shows it.
type HotIssue struct {
	ID          string
	Title       string
	Citizens    int // distinct citizens: its size
	Appeals     int
	First, Last time.Time
}

// hotShown is how many hot issues the period's report shows.
const hotShown = 10

// HotIssuesFrom makes Options.HotIssues of what lists hot issues as
// clusters (live.Index.List).
func HotIssuesFrom(list func(ctx context.Context, since, until time.Time) ([]hot.Cluster, error)) func(context.Context, time.Time, time.Time) ([]HotIssue, error) {
	return func(ctx context.Context, since, until time.Time) ([]HotIssue, error) {
		ks, err := list(ctx, since, until)
		if err != nil {
			return nil, err
		}
		out := make([]HotIssue, len(ks))
		for i, k := range ks {
			out[i] = HotIssue{ID: k.ID, Title: k.Title, Citizens: k.Citizens, Appeals: len(k.Members), First: k.First, Last: k.Last}
		}
		return out, nil
	}
}

// Page serves /office/.
type Page struct{ opt Options }

// New builds the page.
func New(opt Options) *Page {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Loc == nil {
		opt.Loc = time.UTC
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.RankMin <= 0 {
		opt.RankMin = 10
	}
	return &Page{opt: opt}
}

// Routes are the page's ServeMux patterns and handlers, each behind the
// security headers.
func (p *Page) Routes() map[string]http.Handler {
	clerk, admin := p.guard(officeauth.Clerk), p.guard(officeauth.Admin)
	return p.withHeaders(map[string]http.Handler{
		"GET /office/login":                     http.HandlerFunc(p.loginForm),
		"POST /office/login":                    http.HandlerFunc(p.login),
		"POST /office/logout":                   http.HandlerFunc(p.logout),
		"GET /office/{$}":                       clerk(p.today),
		"GET /office/unsatisfied":               clerk(p.unsatisfied),
		"POST /office/unsatisfied/{id}/recheck": clerk(p.recheck),
		"GET /office/overdue":                   clerk(p.overdue),
		"GET /office/callbacks":                 clerk(p.callbacks),
		"POST /office/callbacks/done":           clerk(p.callbackDone),
		"GET /office/failed":                    clerk(p.failed),
		"POST /office/failed/retry":             clerk(p.retry),
		"GET /office/report":                    clerk(p.period),
		"GET /office/chart.svg":                 clerk(p.chartSVG),
		"GET /office/audit":                     admin(p.audit),
	})
}

func (p *Page) today0() time.Time {
	n := p.opt.Now().In(p.opt.Loc)
	return time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, p.opt.Loc)
}

// fail logs what failed and answers 503 in words a clerk reads.
func (p *Page) fail(w http.ResponseWriter, what string, err error) {
	p.opt.Log.Error("office page: "+what, "err", err)
	http.Error(w, "存储无响应，请稍后再试。", http.StatusServiceUnavailable)
}

// officialName is how the page names an official's number: 县长张三, else
// the number (no name is configured for it).
func (p *Page) officialName(number string) string {
	if n := p.opt.Officials[number]; n != "" {
		return n
	}
	return number
}

// itemView is a petition as a list shows it: the codes in words, the
// urgent ones marked.
type itemView struct {
	report.Item
	Flags      []string // its flags but emergency, which is marked instead
	Emergency  bool     // danger to people now: the citizen was told to call 119/120/110
	Urgent     bool
	CategoryNm string // the record's, else the configured name of its category
}

func (p *Page) view(it report.Item) itemView {
	v := itemView{Item: it, Urgent: it.Urgency == intake.UrgencyUrgent, CategoryNm: it.CategoryNm}
	for _, f := range it.Flags {
		if f == intake.FlagEmergency {
			v.Emergency = true
			continue
		}
		v.Flags = append(v.Flags, f)
	}
	if v.CategoryNm == "" {
		v.CategoryNm = p.categoryName(it.Category)
	}
	return v
}

func (p *Page) views(items []report.Item) []itemView {
	out := make([]itemView, len(items))
	for i, it := range items {
		out[i] = p.view(it)
	}
	return out
}

func (p *Page) categoryName(code string) string {
	if n := p.opt.Categories[code]; n != "" {
		return n
	}
	return word(code)
}

// today: received, answered, waiting, failed deliveries; today's urgent
// petitions first, marked, then the last 20.
func (p *Page) today(w http.ResponseWriter, r *http.Request) {
	ctx, day := r.Context(), p.today0()
	period := report.Period{Since: day, Until: day}
	sums, err := p.opt.Reader.Sum(ctx, period, "a")
	if err != nil {
		p.fail(w, "today's figures", err)
		return
	}
	byUrgency, err := p.opt.Reader.Sum(ctx, period, "g")
	if err != nil {
		p.fail(w, "today's figures", err)
		return
	}
	over, err := p.opt.Reader.OverdueNow(ctx, p.opt.Now())
	if err != nil {
		p.fail(w, "overdue", err)
		return
	}
	dead, err := p.opt.Reader.Dead(ctx, period)
	if err != nil {
		p.fail(w, "dead letters", err)
		return
	}
	recent, err := p.opt.Reader.Recent(ctx, 20)
	if err != nil {
		p.fail(w, "recent petitions", err)
		return
	}
	urgent := report.FiguresOf(byUrgency[intake.UrgencyUrgent]).Petitions
	var todays []report.Item
	if urgent > 0 { // today's counters say there are some: find them
		if todays, err = p.opt.Reader.Received(ctx, period, listMax); err != nil {
			p.fail(w, "today's petitions", err)
			return
		}
	}
	items := urgentFirst(p.views(todays), p.views(recent))
	if wantCSV(r) {
		list := make([]report.Item, len(items))
		for i, v := range items {
			list[i] = v.Item
		}
		p.itemsCSV(w, r, "recent", list)
		return
	}
	p.render(w, r, http.StatusOK, "today", map[string]any{"Day": day, "F": report.FiguresOf(sums[""]), "Urgent": urgent,
		"Overdue": over, "Dead": dead, "Items": items})
}

// urgentFirst is the urgent petitions of today and of recent, those in
// danger (emergency) first, the newest first; then the rest of recent.
func urgentFirst(today, recent []itemView) []itemView {
	var urgent, rest []itemView
	seen := map[string]bool{}
	for _, v := range append(today, recent...) {
		if seen[v.ID] {
			continue
		}
		seen[v.ID] = true
		if v.Urgent || v.Emergency {
			urgent = append(urgent, v)
		}
	}
	for _, v := range recent {
		if !v.Urgent && !v.Emergency {
			rest = append(rest, v)
		}
	}
	sort.SliceStable(urgent, func(i, j int) bool {
		if urgent[i].Emergency != urgent[j].Emergency {
			return urgent[i].Emergency
		}
		return urgent[i].Received.After(urgent[j].Received)
	})
	return append(urgent, rest...)
}

func wantCSV(r *http.Request) bool { return r.URL.Query().Get("format") == "csv" }

func (p *Page) unsatisfied(w http.ResponseWriter, r *http.Request) {
	items, err := p.opt.Reader.Unsatisfied(r.Context(), listMax)
	if err != nil {
		p.fail(w, "不满意专区", err)
		return
	}
	if wantCSV(r) {
		p.itemsCSV(w, r, "unsatisfied", items)
		return
	}
	p.render(w, r, http.StatusOK, "unsatisfied", map[string]any{"Items": p.views(items), "Done": r.URL.Query().Get("done")})
}

func (p *Page) recheck(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !intake.IsPetitionID(id) {
		http.Error(w, "不是诉求编号："+id, http.StatusBadRequest)
		return
	}
	items, err := p.opt.Reader.Items(r.Context(), []string{id})
	if err != nil {
		p.fail(w, "the petition", err)
		return
	}
	if len(items) == 0 || items[0].Rating == "" {
		http.Error(w, "没有已评价的诉求 "+id, http.StatusNotFound)
		return
	}
	if p.opt.Recheck == nil {
		http.Error(w, "复核未接通", http.StatusServiceUnavailable)
		return
	}
	if err := p.opt.Recheck(r.Context(), id, items[0].Reason); err != nil {
		p.fail(w, "复核 request", err)
		return
	}
	p.auditDone(r, officeauth.Record{Action: officeauth.ActionRecheck, Case: id})
	http.Redirect(w, r, "/office/unsatisfied?done="+id, http.StatusSeeOther)
}

func (p *Page) overdue(w http.ResponseWriter, r *http.Request) {
	ctx, now := r.Context(), p.opt.Now()
	over, err := p.opt.Reader.OverdueNow(ctx, now)
	if err != nil {
		p.fail(w, "overdue", err)
		return
	}
	var lists []map[string]any
	var all []report.Item
	for _, s := range []struct {
		status, title string
		count         int64
	}{
		{intake.StatusAssigned, "逾期未交办", over.Assign}, {intake.StatusContacted, "逾期未联系", over.Contact},
		{intake.StatusResolved, "逾期未办结", over.Resolve}, {"", "一天内到期（办结）", -1},
	} {
		var items []report.Item
		var err error
		if s.status == "" {
			items, err = p.opt.Reader.Due(ctx, intake.StatusResolved, now, now.Add(24*time.Hour), listMax)
		} else {
			items, err = p.opt.Reader.Due(ctx, s.status, time.Time{}, now, listMax)
		}
		if err != nil {
			p.fail(w, "overdue", err)
			return
		}
		if s.count < 0 {
			s.count = int64(len(items))
		}
		lists = append(lists, map[string]any{"Title": s.title, "Items": p.views(items), "Count": s.count})
		all = append(all, items...)
	}
	if wantCSV(r) {
		p.itemsCSV(w, r, "overdue", all)
		return
	}
	p.render(w, r, http.StatusOK, "overdue", map[string]any{"Lists": lists})
}

// callbackView is a call-back item as the list shows it: the number in
// full as a tel: link, the matter whole, the urgent marked.
type callbackView struct {
	Callback
	Official string
	Tel      template.URL // "tel:+8613912345678"; "" for no dialable number
	Urgent   bool
}

var dialable = regexp.MustCompile(`^\+?[0-9]{3,20}$`)

func (p *Page) callbackViews(l Callbacks) []callbackView {
	out := make([]callbackView, len(l.Items))
	for i, it := range l.Items {
		v := callbackView{Callback: it, Official: l.Official}
		if v.Text == "" {
			v.Text = v.Summary
		}
		if ph := strings.ReplaceAll(it.Phone, " ", ""); dialable.MatchString(ph) {
			v.Tel = template.URL("tel:" + ph) // digits and + only: safe in an href
		}
		for _, r := range it.Reasons {
			v.Urgent = v.Urgent || r == intake.CallbackUrgent
		}
		out[i] = v
	}
	return out
}

// callbacks is the officials' call-back lists, to call back from: the
// numbers in full (so every view is in the audit trail), 已回电 per item.
func (p *Page) callbacks(w http.ResponseWriter, r *http.Request) {
	var lists []Callbacks
	if p.opt.Callbacks != nil {
		var err error
		if lists, err = p.opt.Callbacks(r.Context()); err != nil {
			p.fail(w, "call-back lists", err)
			return
		}
	}
	if wantCSV(r) {
		rows := [][]string{{"领导", "时间", "群众", "电话", "诉求编号", "诉求", "原因", "联系时限", "已告知拨打"}}
		for _, l := range lists {
			for _, v := range p.callbackViews(l) {
				rows = append(rows, []string{p.who(l), p.csvTime(v.At), v.Name, v.Phone, v.PetitionID, v.Text,
					strings.Join(wordsOf(v.Reasons), "、"), p.csvTime(v.ContactBy), v.Emergency})
			}
		}
		p.csv(w, r, "callbacks", rows)
		return
	}
	if !p.audited(w, r, officeauth.Record{Action: officeauth.ActionView, What: "callbacks"}) {
		return
	}
	type list struct {
		Who   string
		Items []callbackView
	}
	views := make([]list, len(lists))
	for i, l := range lists {
		views[i] = list{Who: p.who(l), Items: p.callbackViews(l)}
	}
	done := ""
	if r.URL.Query().Get("done") != "" {
		done = "该条已从清单移除"
	}
	p.render(w, r, http.StatusOK, "callbacks", map[string]any{"Lists": views, "Done": done})
}

func (p *Page) who(l Callbacks) string {
	if l.Who != "" {
		return l.Who
	}
	return p.officialName(l.Official)
}

// callbackDone is the 已回电 button: the item is done, by the logged-in
// user, in the audit trail (markCalledBack).
func (p *Page) callbackDone(w http.ResponseWriter, r *http.Request) {
	official, item := r.PostFormValue("official"), r.PostFormValue("item")
	if official == "" || item == "" {
		http.Error(w, "缺少领导或回电条目", http.StatusBadRequest)
		return
	}
	switch err := p.markCalledBack(r, official, item); {
	case errors.Is(err, errNotWired):
		http.Error(w, "未配置领导，没有回电清单", http.StatusServiceUnavailable)
		return
	case errors.Is(err, ErrNoCallback):
		http.Error(w, "回电清单上没有这一条（可能已被他人标记）", http.StatusNotFound)
		return
	case err != nil:
		p.fail(w, "已回电", err)
		return
	}
	http.Redirect(w, r, "/office/callbacks?done=1", http.StatusSeeOther)
}

// failedShown is how many failed deliveries the page lists.
const failedShown = 200

// failed lists the deliveries that failed for good (dead letters): which
// queue, which case, the error in one line (numbers in it masked), when.
func (p *Page) failed(w http.ResponseWriter, r *http.Request) {
	var items []Failed
	if p.opt.Failed != nil {
		var err error
		if items, err = p.opt.Failed(r.Context()); err != nil {
			p.fail(w, "failed deliveries", err)
			return
		}
	}
	more := len(items) > failedShown
	items = items[:min(len(items), failedShown)]
	for i := range items {
		items[i].Error = oneLine(items[i].Error, 200)
		items[i].At, items[i].Parked = items[i].At.In(p.opt.Loc), items[i].Parked.In(p.opt.Loc)
	}
	done := ""
	if r.URL.Query().Get("done") != "" {
		done = "已放回队列，稍后自动发送"
	}
	p.render(w, r, http.StatusOK, "failed", map[string]any{"Items": items, "More": more, "Done": done})
}

// retry is the 重试 button of a failed delivery: back into its queue,
// in the audit trail.
func (p *Page) retry(w http.ResponseWriter, r *http.Request) {
	q, id := r.PostFormValue("queue"), r.PostFormValue("id")
	shard, err := strconv.Atoi(r.PostFormValue("shard"))
	if q == "" || id == "" || err != nil {
		http.Error(w, "缺少要重试的投递", http.StatusBadRequest)
		return
	}
	if p.opt.Retry == nil {
		http.Error(w, "重试未接通", http.StatusServiceUnavailable)
		return
	}
	switch err := p.opt.Retry(r.Context(), q, shard, id); {
	case errors.Is(err, ErrNoFailed):
		http.Error(w, "没有这条投递失败记录（可能已重试）", http.StatusNotFound)
		return
	case err != nil:
		p.fail(w, "retry", err)
		return
	}
	p.auditDone(r, officeauth.Record{Action: officeauth.ActionRetry, What: q, Item: strconv.Itoa(shard) + "/" + id})
	http.Redirect(w, r, "/office/failed?done=1", http.StatusSeeOther)
}

// longNumber is a run of digits that may be a phone number.
var longNumber = regexp.MustCompile(`\+?[0-9]{8,}`)

// oneLine is an error as a list shows it: one line, at most n characters,
// phone numbers in it masked.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	s = longNumber.ReplaceAllStringFunc(s, report.MaskPhone)
	if r := []rune(s); len(r) > n {
		s = string(r[:n]) + "…"
	}
	return s
}

// periodOf reads ?since=&until= (default: this month so far).
func (p *Page) periodOf(r *http.Request) (report.Period, string, bool) {
	day := p.today0()
	pr := report.Period{Since: time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, p.opt.Loc), Until: day}
	q := r.URL.Query()
	if s := q.Get("since"); s != "" {
		t, err := time.ParseInLocation("2006-01-02", s, p.opt.Loc)
		if err != nil {
			return pr, "起始日期应写作 2026-03-01 这样", false
		}
		pr.Since = t
	}
	if s := q.Get("until"); s != "" {
		t, err := time.ParseInLocation("2006-01-02", s, p.opt.Loc)
		if err != nil {
			return pr, "截止日期应写作 2026-03-31 这样", false
		}
		pr.Until = t
	}
	if pr.Until.Before(pr.Since) || pr.Until.Sub(pr.Since) > 400*24*time.Hour {
		return pr, "起始日期应在截止日期之前，时段最长 400 天", false
	}
	return pr, "", true
}

// groupView is a row of the report's breakdown: its name in words.
type groupView struct {
	Label   string
	Figures report.Figures
}

// groupLabel names a breakdown's value: an official by title and name, a
// category, a channel or an urgency in words.
func (p *Page) groupLabel(by, key string) string {
	if key == "" {
		return "（未填）"
	}
	switch by {
	case "official":
		return p.officialName(key)
	case "category":
		return p.categoryName(key)
	case "channel", "urgency":
		return word(key)
	}
	return key
}

func (p *Page) period(w http.ResponseWriter, r *http.Request) {
	pr, bad, ok := p.periodOf(r)
	if !ok {
		http.Error(w, bad, http.StatusBadRequest)
		return
	}
	by := r.URL.Query().Get("by")
	if by == "" {
		by = "unit"
	}
	rep, err := p.opt.Reader.Build(r.Context(), pr, by, 5, p.opt.RankMin, p.opt.Now())
	if err != nil {
		if strings.Contains(err.Error(), "unknown breakdown") {
			http.Error(w, "只可按领导、单位、类别、渠道、紧急程度、日或周统计", http.StatusBadRequest)
			return
		}
		p.fail(w, "the report", err)
		return
	}
	groups := make([]groupView, len(rep.Groups))
	for i, g := range rep.Groups {
		groups[i] = groupView{Label: p.groupLabel(by, g.Key), Figures: g.Figures}
	}
	if wantCSV(r) {
		rows := [][]string{{word(by), "收到信息", "诉求", "不含重复件", "办结", "按时办结", "答复回访", "满意", "理解", "不满意"}}
		add := func(k string, f report.Figures) {
			n := func(v int64) string { return strconv.FormatInt(v, 10) }
			rows = append(rows, []string{k, n(f.Messages), n(f.Petitions), n(f.WithoutDuplicates), n(f.Resolved.Reached), n(f.Resolved.OnTime),
				n(f.Survey.Answered), n(f.Survey.Satisfied), n(f.Survey.Understood), n(f.Survey.Unsatisfied)})
		}
		add("合计", rep.Totals)
		for _, g := range groups {
			add(g.Label, g.Figures)
		}
		p.csv(w, r, "report", rows)
		return
	}
	var hot []HotIssue
	if p.opt.HotIssues != nil {
		if hot, err = p.opt.HotIssues(r.Context(), pr.Since, pr.Until.AddDate(0, 0, 1)); err != nil {
			p.fail(w, "hot issues", err)
			return
		}
		hot = hot[:min(len(hot), hotShown)]
		for i := range hot {
			hot[i].First, hot[i].Last = hot[i].First.In(p.opt.Loc), hot[i].Last.In(p.opt.Loc)
		}
	}
	q := "since=" + rep.Since + "&until=" + rep.Until
	p.render(w, r, http.StatusOK, "report", map[string]any{"R": rep, "Groups": groups, "Query": template.URL(q), "By": by, "Bys": report.ByOptions,
		"Hot": hot, "HotShown": p.opt.HotIssues != nil})
}

func (p *Page) chartSVG(w http.ResponseWriter, r *http.Request) {
	pr, bad, ok := p.periodOf(r)
	if !ok {
		http.Error(w, bad, http.StatusBadRequest)
		return
	}
	days, daily, err := p.opt.Reader.Daily(r.Context(), pr)
	if err != nil {
		p.fail(w, "the chart", err)
		return
	}
	pts := make([]chart.Day, len(days))
	for i, d := range days {
		f := report.FiguresOf(daily[i])
		pts[i] = chart.Day{Date: d, Petitions: f.Petitions, Satisfied: f.Survey.SatisfiedShare, Answered: f.Survey.Answered}
	}
	var b bytes.Buffer
	if err := chart.Write(&b, "svg", "每日诉求与满意率", pts); err != nil {
		p.opt.Log.Warn("office page: no chart", "err", err)
		http.Error(w, "无法绘图（服务器缺少中文字体）", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Write(b.Bytes())
}

func wordsOf(codes []string) []string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = word(c)
	}
	return out
}

func (p *Page) csvTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(p.opt.Loc).Format("2006-01-02 15:04")
}

// itemsCSV sends petitions as CSV: Chinese headers, codes in words
// (status 已办结, channel 短信), officials by name.
func (p *Page) itemsCSV(w http.ResponseWriter, r *http.Request, name string, items []report.Item) {
	rows := [][]string{{"编号", "办件编号", "收到时间", "领导", "单位", "类别", "渠道", "紧急程度", "标记", "重复件",
		"群众", "诉求", "状态", "交办时限", "联系时限", "办结时限", "评价", "理由", "申请复核时间"}}
	for _, it := range items {
		v := p.view(it)
		flags := wordsOf(it.Flags)
		rows = append(rows, []string{it.ID, it.CaseID, p.csvTime(it.Received), p.officialName(it.Official), it.Unit, v.CategoryNm,
			word(it.Channel), word(it.Urgency), strings.Join(flags, "、"), it.DuplicateOf, it.Citizen, it.Summary, word(it.Status),
			p.csvTime(it.AssignBy), p.csvTime(it.ContactBy), p.csvTime(it.ResolveBy), word(it.Rating), it.Reason, p.csvTime(it.RecheckAt)})
	}
	p.csv(w, r, name, rows)
}

// csv sends rows as a CSV download, once the audit trail has it (an
// export not recorded is not sent).
func (p *Page) csv(w http.ResponseWriter, r *http.Request, name string, rows [][]string) {
	if !p.audited(w, r, officeauth.Record{Action: officeauth.ActionExport, What: name, Rows: len(rows) - 1}) {
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s.csv"`, name, p.opt.Now().In(p.opt.Loc).Format("20060102")))
	w.Write([]byte("\uFEFF")) // so that spreadsheet programs read UTF-8
	cw := csv.NewWriter(w)
	_ = cw.WriteAll(rows)
}

func (p *Page) render(w http.ResponseWriter, r *http.Request, status int, name string, data map[string]any) {
	if s := officeauth.SessionOf(r); s != nil { // the logged-in name, and the token every form carries
		data["Who"], data["Admin"], data["CSRF"] = s.Name, s.Role == officeauth.Admin, s.CSRF
	}
	var b bytes.Buffer
	if err := pages.ExecuteTemplate(&b, name, data); err != nil {
		p.opt.Log.Error("office page: template", "page", name, "err", err)
		http.Error(w, "页面生成失败", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}
