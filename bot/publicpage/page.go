// Package publicpage is the public page of the figures, at /public/ (on
// only when report.public_page is set): a month's figures — received,
// closed, on time, the three rates (响应率, 解决率, 满意率), appeals by type —,
// the rankings of units and counties the articles name (top and bottom 5
// units, 3 counties; two periods running at the bottom marked), and the
// hot issues (热点) the units have answered. A government site links to it.
//
// No personal data at all: no phone number, no name, no word a citizen
// wrote but a hot issue's title (its place and matter, made by the bot).
// No login, no cookie, no form; what it shows is computed for a month at
// most once per CacheFor, so public traffic costs Redis nothing more.
package publicpage

import (
	"bytes"
	"context"
	"html/template"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/hot"
	"github.com/minsheng/minsheng/intake/report"
	"github.com/minsheng/minsheng/intake/understand"
)

// Options are what the page reads.
type Options struct {
	Reader *report.Reader
	// HotIssues lists the hot issues of two citizens or more with a
	// petition in [since, until), largest first (nil: none shown).
	HotIssues func(ctx context.Context, since, until time.Time) ([]hot.Cluster, error)
	Loc       *time.Location
	Now       func() time.Time
	RankMin   int
	// Title names the platform on the page ("民声" when empty).
	Title string
	// Months is how far back a month may be asked for (the report's
	// retention); 0: 13.
	Months int
	// CacheFor is how long a month's page is served as computed; 0: 5 min.
	CacheFor time.Duration
	Log      *slog.Logger
}

// HotShown is how many answered hot issues the page lists.
const HotShown = 10

// Page serves /public/.
type Page struct {
	opt   Options
	mu    sync.Mutex
	cache map[string]cached
}

type cached struct {
	body []byte
	at   time.Time
}

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
	if opt.Title == "" {
		opt.Title = "民声"
	}
	if opt.Months <= 0 {
		opt.Months = 13
	}
	if opt.CacheFor <= 0 {
		opt.CacheFor = 5 * time.Minute
	}
	return &Page{opt: opt, cache: map[string]cached{}}
}

// Routes are the page's handlers by pattern.
func (p *Page) Routes() map[string]http.Handler {
	return map[string]http.Handler{"GET /public/{$}": http.HandlerFunc(p.serve)}
}

// month is the month asked for (?month=2026-03), else the last full one;
// this month (to date) may be asked for, the future and months past the
// retention may not.
func (p *Page) month(r *http.Request) (time.Time, bool) {
	now := p.opt.Now().In(p.opt.Loc)
	this := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, p.opt.Loc)
	q := r.URL.Query().Get("month")
	if q == "" {
		return this.AddDate(0, -1, 0), true
	}
	m, err := time.ParseInLocation("2006-01", q, p.opt.Loc)
	if err != nil || m.After(this) || m.Before(this.AddDate(0, -p.opt.Months, 0)) {
		return time.Time{}, false
	}
	return m, true
}

func (p *Page) serve(w http.ResponseWriter, r *http.Request) {
	m, ok := p.month(r)
	if !ok {
		http.Error(w, "month: a month like 2026-03, not in the future, within the last year", http.StatusBadRequest)
		return
	}
	key := m.Format("2006-01")
	now := p.opt.Now()
	p.mu.Lock()
	c, hit := p.cache[key]
	p.mu.Unlock()
	if !hit || now.Sub(c.at) >= p.opt.CacheFor || now.Before(c.at) {
		body, err := p.render(r.Context(), m, now)
		if err != nil {
			p.opt.Log.Error("public page", "month", key, "err", err)
			http.Error(w, "the figures are not available now, try again later", http.StatusServiceUnavailable)
			return
		}
		c = cached{body: body, at: now}
		p.mu.Lock()
		for k, v := range p.cache { // a few months at most are asked for
			if now.Sub(v.at) >= p.opt.CacheFor {
				delete(p.cache, k)
			}
		}
		p.cache[key] = c
		p.mu.Unlock()
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "public, max-age="+strconv.Itoa(int(p.opt.CacheFor/time.Second)))
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	w.Write(c.body)
}

// Hot is an answered hot issue as the page shows it: its title, how many
// citizens and petitions, how many of those are closed.
type Hot struct {
	Title             string
	Citizens, Appeals int
	Resolved          int
	First, Last       time.Time
}

// TypeCount is the petitions of one appeal type.
type TypeCount struct {
	Name  string
	N     int64
	Share string
}

func (p *Page) render(ctx context.Context, m time.Time, now time.Time) ([]byte, error) {
	loc := p.opt.Loc
	until := m.AddDate(0, 1, -1)
	today := time.Date(now.In(loc).Year(), now.In(loc).Month(), now.In(loc).Day(), 0, 0, 0, 0, loc)
	partial := until.After(today)
	if partial {
		until = today
	}
	period := report.Period{Since: m, Until: until}
	rep, err := p.opt.Reader.Build(ctx, period, "type", 5, p.opt.RankMin, now)
	if err != nil {
		return nil, err
	}
	var types []TypeCount
	for _, code := range understand.AppealTypes {
		for _, g := range rep.Groups {
			if g.Key == code {
				types = append(types, TypeCount{Name: understand.AppealTypeNames[code], N: g.Figures.WithoutDuplicates,
					Share: share(g.Figures.WithoutDuplicates, rep.Totals.WithoutDuplicates)})
			}
		}
	}
	hots, err := p.answered(ctx, m, until.AddDate(0, 0, 1))
	if err != nil {
		return nil, err
	}
	var months []string
	for i := 0; i < 12; i++ {
		months = append(months, time.Date(today.Year(), today.Month()-time.Month(i), 1, 0, 0, 0, 0, loc).Format("2006-01"))
	}
	var b bytes.Buffer
	err = page.Execute(&b, map[string]any{"Title": p.opt.Title, "Month": m.Format("2006年1月"), "Since": rep.Since, "Until": rep.Until,
		"Partial": partial, "R": rep, "F": rep.Totals, "Types": types, "Hot": hots, "Months": months, "Current": m.Format("2006-01"),
		"Updated": now.In(loc).Format("2006-01-02 15:04")})
	return b.Bytes(), err
}

// answered are the period's hot issues of which the units have closed at
// least one petition, largest first.
func (p *Page) answered(ctx context.Context, since, until time.Time) ([]Hot, error) {
	if p.opt.HotIssues == nil {
		return nil, nil
	}
	ks, err := p.opt.HotIssues(ctx, since, until)
	if err != nil {
		return nil, err
	}
	var out []Hot
	for _, k := range ks {
		if len(out) == HotShown {
			break
		}
		ids := make([]string, 0, len(k.Members))
		for _, m := range k.Members {
			ids = append(ids, m.ID)
		}
		items, err := p.opt.Reader.Items(ctx, ids)
		if err != nil {
			return nil, err
		}
		resolved := 0
		for _, it := range items {
			if it.Status == intake.StatusResolved || it.Status == intake.StatusClosed {
				resolved++
			}
		}
		if resolved == 0 {
			continue
		}
		out = append(out, Hot{Title: k.Title, Citizens: k.Citizens, Appeals: len(k.Members), Resolved: resolved,
			First: k.First.In(p.opt.Loc), Last: k.Last.In(p.opt.Loc)})
	}
	return out, nil
}

func share(n, of int64) string {
	if of == 0 {
		return "—"
	}
	return strconv.FormatFloat(float64(n)/float64(of)*100, 'f', 1, 64) + "%"
}

var funcs = template.FuncMap{
	"share":   share,
	"pct":     func(v float64) string { return strconv.FormatFloat(v*100, 'f', 1, 64) + "%" },
	"date":    func(t time.Time) string { return t.Format("2006-01-02") },
	"ranking": func(name string, r report.Ranking) map[string]any { return map[string]any{"Name": name, "R": r} },
}

var page = template.Must(template.New("public").Funcs(funcs).Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · {{.Month}}诉求办理情况</title>
<style>
body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;margin:0 auto;max-width:960px;padding:1em;color:#222;line-height:1.5}
h1{font-size:1.4em;margin:.2em 0}h2{font-size:1.1em;margin:1.4em 0 .4em;border-bottom:2px solid #b22;padding-bottom:.2em}
.figs{display:flex;flex-wrap:wrap;gap:.6em}.fig{flex:1 1 8em;background:#f6f6f6;padding:.5em .7em;border-radius:4px}
.fig b{display:block;font-size:1.5em}.note{color:#666;font-size:.85em}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #ddd;padding:.3em .4em;text-align:left;vertical-align:top}.streak{color:#b22;font-weight:bold}
.scroll{overflow-x:auto}nav a{margin-right:.6em}
</style></head><body>
<h1>{{.Title}} · {{.Month}}群众诉求办理情况</h1>
<p class="note">统计期 {{.Since}} 至 {{.Until}}{{if .Partial}}（本月至今）{{end}}，更新于 {{.Updated}}。不含任何个人信息。</p>
{{with .F}}<div class="figs">
<div class="fig">受理诉求<b id="p-unique">{{.WithoutDuplicates}}</b><span class="note">件，不含重复件</span></div>
<div class="fig">办结<b>{{.Resolved.Reached}}</b><span class="note">办结率 {{share .Resolved.Reached .WithoutDuplicates}}</span></div>
<div class="fig">按时办结率<b>{{share .Resolved.OnTime .Resolved.Due}}</b><span class="note">逾期未办结计为未按时</span></div>
<div class="fig">响应率<b id="p-response">{{share .Rates.Response.N .Rates.Response.Of}}</b><span class="note">按期限联系到群众</span></div>
<div class="fig">解决率<b id="p-solved">{{share .Rates.Solved.N .Rates.Solved.Of}}</b><span class="note">群众回访答已解决</span></div>
<div class="fig">满意率<b id="p-satisfied">{{share .Rates.Satisfied.N .Rates.Satisfied.Of}}</b><span class="note">回访答满意</span></div>
</div>
<p class="note">回访 {{.Survey.Answered}} 件答复：满意 {{share .Survey.Satisfied .Survey.Answered}}，理解 {{share .Survey.Understood .Survey.Answered}}，不满意 {{share .Survey.Unsatisfied .Survey.Answered}}。{{if .Revisit.Answered}}回头看 {{.Revisit.Answered}} 件：满意 {{share .Revisit.Satisfied .Revisit.Answered}}。{{end}}</p>{{end}}
{{if .Types}}<h2>诉求类型</h2><div class="scroll"><table id="types"><tr>{{range .Types}}<th>{{.Name}}</th>{{end}}</tr>
<tr>{{range .Types}}<td>{{.N}}（{{.Share}}）</td>{{end}}</tr></table></div>{{end}}
{{define "rank"}}<h2>{{.Name}}（前后各 {{.R.N}} 名，至少 {{.R.Min}} 件）</h2>
<div class="scroll"><table><tr><th>满意率前 {{.R.N}}</th><th>满意率后 {{.R.N}}</th><th>按时办结前 {{.R.N}}</th><th>按时办结后 {{.R.N}}</th></tr>
<tr><td>{{range .R.SatisfactionTop}}{{.Unit}} {{pct .Share}}（{{.Of}}）<br>{{else}}—{{end}}</td>
<td>{{range .R.SatisfactionBottom}}{{.Unit}} {{pct .Share}}（{{.Of}}）{{if .Streak}} <span class="streak">连续两期后位</span>{{end}}<br>{{else}}—{{end}}</td>
<td>{{range .R.OnTimeTop}}{{.Unit}} {{pct .Share}}（{{.Of}}）<br>{{else}}—{{end}}</td>
<td>{{range .R.OnTimeBottom}}{{.Unit}} {{pct .Share}}（{{.Of}}）{{if .Streak}} <span class="streak">连续两期后位</span>{{end}}<br>{{else}}—{{end}}</td></tr></table></div>{{end}}
{{template "rank" (ranking "承办单位排名" .R.Ranking)}}
{{template "rank" (ranking "县区排名" .R.Counties)}}
<p class="note">“连续两期后位”：上期（{{.R.Before.Since}} 至 {{.R.Before.Until}}）也在后位。</p>
<h2>热点问题办理</h2>
{{if .Hot}}<div class="scroll"><table id="hot"><tr><th>热点</th><th>反映群众</th><th>诉求</th><th>已办结</th><th>时间</th></tr>
{{range .Hot}}<tr><td>{{.Title}}</td><td>{{.Citizens}} 位</td><td>{{.Appeals}} 件</td><td>{{.Resolved}} 件</td><td>{{date .First}} 至 {{date .Last}}</td></tr>{{end}}</table></div>
{{else}}<p>本期暂无已办结的热点问题。</p>{{end}}
<nav><p class="note">其他月份：{{range .Months}}<a href="?month={{.}}">{{.}}</a>{{end}}</p></nav>
</body></html>
`))
