package officepage

import (
	"html/template"
	"strconv"
	"time"
)

var words = map[string]string{
	"satisfied": "满意", "understood": "理解", "unsatisfied": "不满意", "none": "未答复",
	"submitted": "已提交", "accepted": "已受理", "assigned": "已交办", "contacted": "已联系", "in_progress": "办理中",
	"resolved": "已办结", "reopened": "重办", "closed": "已销号",
	"incomplete": "表述不全", "callback_requested": "要求回电", "official_busy": "会后联系", "missed_call": "未接来电",
	"official": "领导", "unit": "单位", "category": "类别", "channel": "渠道", "urgency": "紧急程度", "day": "日", "week": "周",
	"type": "诉求类型", "county": "县区", // the report's breakdowns by appeal type and county
}

var funcs = template.FuncMap{
	"word": func(s string) string {
		if w, ok := words[s]; ok {
			return w
		}
		return s
	},
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format("01-02 15:04")
	},
	"date": func(t time.Time) string { return t.Format("2006-01-02") },
	"pct":  func(v float64) string { return strconv.FormatFloat(v*100, 'f', 1, 64) + "%" },
}

var pages = template.Must(template.New("").Funcs(funcs).Parse(`
{{define "head"}}<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>民声 · {{.}}</title>
<style>
body{font-family:system-ui,"PingFang SC","Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif;margin:0;padding:0 12px 24px;color:#222;line-height:1.5}
nav{display:flex;flex-wrap:wrap;gap:6px 14px;padding:10px 0;border-bottom:1px solid #ddd;margin-bottom:12px}
nav a{color:#1a5fb4;text-decoration:none}
h1{font-size:1.3em;margin:.4em 0} h2{font-size:1.1em;margin:1em 0 .4em}
.figs{display:grid;grid-template-columns:repeat(auto-fill,minmax(9em,1fr));gap:8px}
.fig{background:#f4f6f8;border-radius:6px;padding:8px}
.fig b{display:block;font-size:1.5em}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.92em}
th,td{border-bottom:1px solid #e3e3e3;padding:4px 6px;text-align:left;vertical-align:top;white-space:nowrap}
td.text{white-space:normal;min-width:12em}
.bad{color:#b00} .ok{color:#070}
button{font-size:1em;padding:4px 10px}
img.chart{max-width:100%;height:auto}
form.inline{display:inline} #who{color:#555}
</style></head><body>
{{end}}
{{define "nav"}}<nav><a href="/office/">今日</a><a href="/office/unsatisfied">不满意专区</a><a href="/office/overdue">逾期</a>
<a href="/office/callbacks">回电清单</a><a href="/office/report">统计报表</a>
{{if .Admin}}<a href="/office/audit">审计</a>{{end}}
<span id="who">{{.Who}}</span><form method="post" action="/office/logout" class="inline"><input type="hidden" name="csrf" value="{{.CSRF}}"><button id="logout">退出</button></form></nav>{{end}}
{{define "items"}}<div class="scroll"><table><tr><th>编号</th><th>收到</th><th>群众</th><th>诉求</th><th>类别</th><th>单位</th><th>状态</th><th>办结时限</th></tr>
{{range .}}<tr><td>{{.ID}}</td><td>{{when .Received}}</td><td class="phone">{{.Citizen}}</td><td class="text">{{.Summary}}{{range .Flags}} <small>[{{word .}}]</small>{{end}}{{if .DuplicateOf}} <small>重复件（{{.DuplicateOf}}）</small>{{end}}</td>
<td>{{.CategoryNm}}</td><td>{{.Unit}}</td><td>{{word .Status}}</td><td>{{when .ResolveBy}}</td></tr>
{{else}}<tr><td colspan="8">（无）</td></tr>{{end}}</table></div>{{end}}

{{define "login"}}{{template "head" "登录"}}<h1>民声 · 办公室</h1>
{{if .Closed}}<p class="bad">办公页未开启：请用 minsheng office user add 建立账号。</p>{{else}}
{{if .Wrong}}<p class="bad" id="wrong">{{if .FirstRun}}口令不对{{else}}用户名或密码不对{{end}}，请重试。</p>{{end}}
{{if .Wait}}<p class="bad" id="wait">登录失败次数过多，请 {{.Wait}} 分钟后再试。</p>{{end}}
<form method="post" action="/office/login">{{if .FirstRun}}<p>尚无账号：用 http.admin_token 首次登录，再用 minsheng office user add 建立账号。</p>
<label>口令 <input type="password" name="token" id="token" autocomplete="current-password" required></label>
{{else}}<label>用户名 <input name="name" id="name" autocomplete="username" required></label>
<label>密码 <input type="password" name="password" id="password" autocomplete="current-password" required></label>{{end}}
<button id="login">登录</button></form>{{end}}</body></html>{{end}}

{{define "today"}}{{template "head" "今日"}}{{template "nav" .}}<h1>今日 {{.Day.Format "2006-01-02"}}</h1>
<div class="figs">
<div class="fig">收到信息<b id="messages">{{.F.Messages}}</b></div>
<div class="fig">无内容信息<b id="nomatter">{{.F.NoMatter}}</b></div>
<div class="fig">诉求<b id="petitions">{{.F.Petitions}}</b></div>
<div class="fig">不含重复件<b id="unique">{{.F.WithoutDuplicates}}</b></div>
<div class="fig">已答复回访<b id="answered">{{.F.Survey.Answered}}</b></div>
<div class="fig">待办结（逾期）<b id="waiting">{{.Overdue.Resolve}}</b></div>
<div class="fig">死信<b id="dead">{{.Dead.Now}}</b></div>
</div>
<h2>最近 20 件 <small><a href="/office/?format=csv">CSV</a></small></h2>{{template "items" .Items}}</body></html>{{end}}

{{define "unsatisfied"}}{{template "head" "不满意专区"}}{{template "nav" .}}<h1>不满意专区</h1>
{{if .Done}}<p class="ok" id="done">已申请复核：{{.Done}}</p>{{end}}
<p><a href="/office/unsatisfied?format=csv" id="csv">下载 CSV</a></p>
{{range .Items}}<div class="case" id="case-{{.ID}}"><h2>{{.ID}} · {{.Unit}} · {{.CategoryNm}}</h2>
<p>{{.Summary}}（群众 <span class="phone">{{.Citizen}}</span>，收到 {{when .Received}}）</p>
<p>评价：<b>{{word .Rating}}</b> {{when .RatedAt}}{{if .Reason}}；理由：<q class="reason">{{.Reason}}</q>{{end}}</p>
<p><small>{{range .History}}{{word .Status}} {{when .At}} → {{end}}</small></p>
{{if .RecheckAt.IsZero}}<form method="post" action="/office/unsatisfied/{{.ID}}/recheck"><input type="hidden" name="csrf" value="{{$.CSRF}}"><button class="recheck">申请复核</button></form>
{{else}}<p class="ok">已申请复核 {{when .RecheckAt}}</p>{{end}}</div>
{{else}}<p>（暂无不满意件）</p>{{end}}</body></html>{{end}}

{{define "overdue"}}{{template "head" "逾期"}}{{template "nav" .}}<h1>逾期与即将到期 <small><a href="/office/overdue?format=csv">CSV</a></small></h1>
{{range .Lists}}<h2>{{.Title}}（{{.Count}}）</h2>{{if lt (len .Items) .Count}}<p><small>显示最早的 {{len .Items}} 件</small></p>{{end}}{{template "items" .Items}}{{end}}</body></html>{{end}}

{{define "callbacks"}}{{template "head" "回电清单"}}{{template "nav" .}}<h1>回电清单 <small><a href="/office/callbacks?format=csv">CSV</a></small></h1>
{{range .Lists}}<h2>{{.Who}}（{{len .Items}}）</h2><div class="scroll"><table><tr><th>时间</th><th>电话</th><th>诉求</th><th>原因</th><th>联系时限</th></tr>
{{range .Items}}<tr><td>{{when .At}}</td><td class="phone">{{.Phone}}</td><td class="text">{{.PetitionID}} {{.Summary}}</td><td>{{range .Reasons}}{{word .}} {{end}}</td><td>{{when .ContactBy}}</td></tr>
{{else}}<tr><td colspan="5">（无）</td></tr>{{end}}</table></div>
{{else}}<p>（未配置领导，或无待回电）</p>{{end}}</body></html>{{end}}

{{define "report"}}{{template "head" "统计报表"}}{{template "nav" .}}<h1>统计 {{.R.Since}} 至 {{.R.Until}}</h1>
<form method="get"><input type="date" name="since" value="{{.R.Since}}"> 至 <input type="date" name="until" value="{{.R.Until}}">
<select name="by">{{$by := .By}}{{range .Bys}}<option value="{{.}}"{{if eq . $by}} selected{{end}}>按{{word .}}</option>{{end}}</select> <button>查看</button>
<a href="/office/report?{{.Query}}&amp;by={{.By}}&amp;format=csv">CSV</a></form>
{{with .R.Totals}}<div class="figs">
<div class="fig">收到信息<b id="r-messages">{{.Messages}}</b></div>
<div class="fig">无内容信息<b id="r-nomatter">{{.NoMatter}}</b></div>
<div class="fig">诉求（不含重复件）<b id="r-unique">{{.WithoutDuplicates}}</b></div>
<div class="fig">办结率<b id="r-resolved">{{pct .ResolvedShare}}</b></div>
<div class="fig">按时办结<b>{{pct .Resolved.OnTimeShare}}</b></div>
<div class="fig">满意<b id="r-satisfied">{{pct .Survey.SatisfiedShare}}</b></div>
<div class="fig">理解<b>{{pct .Survey.UnderstoodShare}}</b></div>
<div class="fig">不满意<b>{{pct .Survey.UnsatisfiedShare}}</b></div>
<div class="fig">未答复<b>{{.Survey.NoAnswer}}</b></div>
</div>{{end}}
{{with .R.Totals.Rates}}<p id="r-rates">三率：响应率 {{if .Response.Of}}{{pct .Response.Share}}{{else}}—{{end}}（{{.Response.N}}/{{.Response.Of}}），解决率 {{if .Solved.Of}}{{pct .Solved.Share}}{{else}}—{{end}}（{{.Solved.N}}/{{.Solved.Of}}），满意率 {{if .Satisfied.Of}}{{pct .Satisfied.Share}}{{else}}—{{end}}（{{.Satisfied.N}}/{{.Satisfied.Of}}）</p>{{end}}
<p><img class="chart" alt="每日诉求与满意率" src="/office/chart.svg?{{.Query}}"></p>
<h2>单位排名（至少 {{.R.Ranking.Min}} 件）</h2>
<div class="scroll"><table id="ranking"><tr><th>满意率前 {{.R.Ranking.N}}</th><th>满意率后 {{.R.Ranking.N}}</th><th>按时办结前</th><th>按时办结后</th></tr>
<tr><td class="top">{{range .R.Ranking.SatisfactionTop}}{{.Unit}} {{pct .Share}}（{{.Of}}）<br>{{end}}</td>
<td class="bottom">{{range .R.Ranking.SatisfactionBottom}}{{.Unit}} {{pct .Share}}（{{.Of}}）<br>{{end}}</td>
<td>{{range .R.Ranking.OnTimeTop}}{{.Unit}} {{pct .Share}}（{{.Of}}）<br>{{end}}</td>
<td>{{range .R.Ranking.OnTimeBottom}}{{.Unit}} {{pct .Share}}（{{.Of}}）<br>{{end}}</td></tr></table></div>
{{if .HotShown}}<h2>热点问题（多人反映同一地点同一事项）</h2><div class="scroll"><table id="hot"><tr><th>热点</th><th>人数</th><th>件数</th><th>首次</th><th>最近</th></tr>
{{range .Hot}}<tr><td class="text">{{.Title}}</td><td>{{.Citizens}}</td><td>{{.Appeals}}</td><td>{{date .First}}</td><td>{{date .Last}}</td></tr>
{{else}}<tr><td colspan="5">（无）</td></tr>{{end}}</table></div>{{end}}
<h2>按{{word .By}}</h2><div class="scroll"><table><tr><th>{{word .By}}</th><th>诉求</th><th>不含重复</th><th>办结</th><th>按时</th><th>答复</th><th>满意</th><th>理解</th><th>不满意</th></tr>
{{range .R.Groups}}<tr><td>{{.Key}}</td>{{with .Figures}}<td>{{.Petitions}}</td><td>{{.WithoutDuplicates}}</td><td>{{.Resolved.Reached}}</td><td>{{.Resolved.OnTime}}</td>
<td>{{.Survey.Answered}}</td><td>{{pct .Survey.SatisfiedShare}}</td><td>{{pct .Survey.UnderstoodShare}}</td><td>{{pct .Survey.UnsatisfiedShare}}</td>{{end}}</tr>{{end}}</table></div>
</body></html>{{end}}
`))
