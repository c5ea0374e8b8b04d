// Package officepage is the office's view of what the bot recorded, at
// /office/: today's figures and last petitions, the 不满意专区 with its 复核
// button, overdue cases, officials' call-back lists, the period report with
// its chart and the ranking of units, each list also as CSV, and the
// period's hot issues (热点).
//
// Server-rendered HTML (html/template, no build step), readable on a phone,
// behind the door of bot/officeauth: named accounts (clerks and admins),
// server-side sessions, throttled logins, form tokens, security headers
// and the audit trail of what shows or exports citizens' data
// (door.go). Citizens' numbers are shown masked only.
package officepage

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
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
	Who      string
	Items    []Callback
}

// Callback is one citizen to call back (phone masked by the page).
type Callback struct {
	At         time.Time
	Phone      string
	PetitionID string
	Summary    string
	Reasons    []string
	ContactBy  time.Time
}

// Options are what the page reads and does.
type Options struct {
	Reader *report.Reader
	// Door lets people in (bot/officeauth): accounts, sessions, the
	// audit trail.
	Door    *officeauth.Door
	Loc     *time.Location
	Now     func() time.Time
	RankMin int
	// Callbacks lists the officials' open call-back items (nil: none configured).
	Callbacks func(ctx context.Context) ([]Callbacks, error)
	// Recheck asks the backend for a 复核 of a petition rated 不满意.
	Recheck func(ctx context.Context, petitionID, reason string) error
	// CallbackDone marks an official's call-back item called back (已回电)
	// by the named user.
	CallbackDone func(ctx context.Context, official, item, by string) error
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
		"GET /office/report":                    clerk(p.period),
		"GET /office/chart.svg":                 clerk(p.chartSVG),
		"GET /office/audit":                     admin(p.audit),
	})
}

func (p *Page) today0() time.Time {
	n := p.opt.Now().In(p.opt.Loc)
	return time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, p.opt.Loc)
}

func (p *Page) fail(w http.ResponseWriter, what string, err error) {
	p.opt.Log.Error("office page: "+what, "err", err)
	http.Error(w, what+": the store did not answer, try again", http.StatusServiceUnavailable)
}

// today: received, answered, waiting, dead letters; the last 20 petitions.
func (p *Page) today(w http.ResponseWriter, r *http.Request) {
	ctx, day := r.Context(), p.today0()
	sums, err := p.opt.Reader.Sum(ctx, report.Period{Since: day, Until: day}, "a")
	if err != nil {
		p.fail(w, "today's figures", err)
		return
	}
	over, err := p.opt.Reader.OverdueNow(ctx, p.opt.Now())
	if err != nil {
		p.fail(w, "overdue", err)
		return
	}
	dead, err := p.opt.Reader.Dead(ctx, report.Period{Since: day, Until: day})
	if err != nil {
		p.fail(w, "dead letters", err)
		return
	}
	recent, err := p.opt.Reader.Recent(ctx, 20)
	if err != nil {
		p.fail(w, "recent petitions", err)
		return
	}
	if wantCSV(r) {
		p.itemsCSV(w, r, "recent", recent)
		return
	}
	p.render(w, r, http.StatusOK, "today", map[string]any{"Day": day, "F": report.FiguresOf(sums[""]), "Overdue": over, "Dead": dead, "Items": recent})
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
	p.render(w, r, http.StatusOK, "unsatisfied", map[string]any{"Items": items, "Done": r.URL.Query().Get("done")})
}

func (p *Page) recheck(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !intake.IsPetitionID(id) {
		http.Error(w, "not a petition id: "+id, http.StatusBadRequest)
		return
	}
	items, err := p.opt.Reader.Items(r.Context(), []string{id})
	if err != nil {
		p.fail(w, "the petition", err)
		return
	}
	if len(items) == 0 || items[0].Rating == "" {
		http.Error(w, "no rated petition "+id, http.StatusNotFound)
		return
	}
	if p.opt.Recheck == nil {
		http.Error(w, "复核 requests are not wired", http.StatusServiceUnavailable)
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
		lists = append(lists, map[string]any{"Title": s.title, "Items": items, "Count": s.count})
		all = append(all, items...)
	}
	if wantCSV(r) {
		p.itemsCSV(w, r, "overdue", all)
		return
	}
	p.render(w, r, http.StatusOK, "overdue", map[string]any{"Lists": lists})
}

func (p *Page) callbacks(w http.ResponseWriter, r *http.Request) {
	var lists []Callbacks
	if p.opt.Callbacks != nil {
		var err error
		if lists, err = p.opt.Callbacks(r.Context()); err != nil {
			p.fail(w, "call-back lists", err)
			return
		}
	}
	for i := range lists {
		for j := range lists[i].Items {
			lists[i].Items[j].Phone = report.MaskPhone(lists[i].Items[j].Phone)
		}
	}
	if !wantCSV(r) && !p.audited(w, r, officeauth.Record{Action: officeauth.ActionView, What: "callbacks"}) {
		return
	}
	if wantCSV(r) {
		rows := [][]string{{"official", "at", "phone", "petition_id", "summary", "reasons", "contact_by"}}
		for _, l := range lists {
			for _, it := range l.Items {
				rows = append(rows, []string{l.Official, it.At.In(p.opt.Loc).Format(time.RFC3339), it.Phone, it.PetitionID, it.Summary,
					strings.Join(it.Reasons, " "), it.ContactBy.In(p.opt.Loc).Format(time.RFC3339)})
			}
		}
		p.csv(w, r, "callbacks", rows)
		return
	}
	p.render(w, r, http.StatusOK, "callbacks", map[string]any{"Lists": lists})
}

// periodOf reads ?since=&until= (default: this month so far).
func (p *Page) periodOf(r *http.Request) (report.Period, string, bool) {
	day := p.today0()
	pr := report.Period{Since: time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, p.opt.Loc), Until: day}
	q := r.URL.Query()
	if s := q.Get("since"); s != "" {
		t, err := time.ParseInLocation("2006-01-02", s, p.opt.Loc)
		if err != nil {
			return pr, "since: want a date like 2026-03-01", false
		}
		pr.Since = t
	}
	if s := q.Get("until"); s != "" {
		t, err := time.ParseInLocation("2006-01-02", s, p.opt.Loc)
		if err != nil {
			return pr, "until: want a date like 2026-03-31", false
		}
		pr.Until = t
	}
	if pr.Until.Before(pr.Since) || pr.Until.Sub(pr.Since) > 400*24*time.Hour {
		return pr, "the period must run forwards and last at most 400 days", false
	}
	return pr, "", true
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
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		p.fail(w, "the report", err)
		return
	}
	if wantCSV(r) {
		rows := [][]string{{"group", "messages_received", "petitions", "petitions_without_duplicates", "resolved", "resolved_on_time", "answered", "satisfied", "understood", "unsatisfied"}}
		add := func(k string, f report.Figures) {
			n := func(v int64) string { return strconv.FormatInt(v, 10) }
			rows = append(rows, []string{k, n(f.Messages), n(f.Petitions), n(f.WithoutDuplicates), n(f.Resolved.Reached), n(f.Resolved.OnTime),
				n(f.Survey.Answered), n(f.Survey.Satisfied), n(f.Survey.Understood), n(f.Survey.Unsatisfied)})
		}
		add("total", rep.Totals)
		for _, g := range rep.Groups {
			add(g.Key, g.Figures)
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
	p.render(w, r, http.StatusOK, "report", map[string]any{"R": rep, "Query": template.URL(q), "By": by, "Bys": report.ByOptions,
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
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Write(b.Bytes())
}

func (p *Page) itemsCSV(w http.ResponseWriter, r *http.Request, name string, items []report.Item) {
	rows := [][]string{{"id", "case_id", "received", "official", "unit", "category", "channel", "urgency", "flags", "duplicate_of",
		"citizen", "summary", "status", "assign_by", "contact_by", "resolve_by", "rating", "reason", "recheck_requested_at"}}
	t := func(x time.Time) string {
		if x.IsZero() {
			return ""
		}
		return x.In(p.opt.Loc).Format(time.RFC3339)
	}
	for _, it := range items {
		rows = append(rows, []string{it.ID, it.CaseID, t(it.Received), it.Official, it.Unit, it.Category, it.Channel, it.Urgency,
			strings.Join(it.Flags, " "), it.DuplicateOf, it.Citizen, it.Summary, it.Status, t(it.AssignBy), t(it.ContactBy), t(it.ResolveBy),
			it.Rating, it.Reason, t(it.RecheckAt)})
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
		http.Error(w, "page failed to render", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}
