package officepage

import (
	"html/template"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// words are the Chinese a clerk reads for the codes the records keep
// (statuses, ratings, flags, call-back reasons, channels, urgency, the
// report's breakdowns, the queues): the page shows no code where a word
// exists; CSV files too. JSON elsewhere (the API, minsheng report) keeps
// the codes.
var words = map[string]string{
	// ratings
	"satisfied": "满意", "understood": "理解", "unsatisfied": "不满意", "none": "未答复",
	// case statuses
	"submitted": "已提交", "accepted": "已受理", "assigned": "已交办", "contacted": "已联系", "in_progress": "办理中",
	"resolved": "已办结", "reopened": "重办", "closed": "已销号",
	// petition flags and call-back reasons
	"incomplete": "表述不全", "callback_requested": "要求回电", "official_busy": "会后联系", "missed_call": "未接来电",
	"category_uncertain": "类别待定", "emergency": "危急",
	// urgency (also a call-back reason: urgent)
	"urgent": "紧急", "normal": "一般",
	// channels
	"sms": "短信", "telegram": "Telegram", "console": "终端", "voice": "电话",
	// the report's breakdowns
	"official": "领导", "unit": "单位", "category": "类别", "channel": "渠道", "urgency": "紧急程度", "day": "日", "week": "周",
	"type": "诉求类型", "county": "县区", // the report's breakdowns by appeal type and county
	// the durable queues, where a delivery failed (bot.QueueNames)
	"sendq": "回复群众", "sendbulk": "状态与回访消息", "outbox": "报送办件系统", "handover": "转交会话",
	// what a page or an export is, in the audit trail
	"callbacks": "回电清单", "recent": "最近诉求", "overdue": "逾期", "report": "统计报表", "failed": "投递失败",
	// why a login failed (officeauth), for the audit page
	"wrong password": "密码错误", "no such account": "无此账号", "account disabled": "账号已停用",
	"wrong http.admin_token": "http.admin_token 不对", "http.admin_token is empty": "未设置 http.admin_token",
	"http.admin_token after named accounts exist": "已有账号后不能再用 http.admin_token",
}

// word is the Chinese of a code, else the code.
func word(s string) string {
	if w, ok := words[s]; ok {
		return w
	}
	return s
}

var (
	detailRole  = regexp.MustCompile(`^role (\w+)$`)
	detailEnded = regexp.MustCompile(`^(\d+) sessions? ended$`)
)

// detail is an audit record's detail in words: "role clerk" → 角色 办事员.
func detail(s string) string {
	if m := detailRole.FindStringSubmatch(s); m != nil {
		return "角色 " + word(m[1])
	}
	if m := detailEnded.FindStringSubmatch(s); m != nil {
		return "结束会话 " + m[1] + " 个"
	}
	return word(s)
}

// what is what an audit record is about (a page, a list exported) in
// words: the 不满意专区 rather than the rating 不满意.
func what(s string) string {
	if s == "unsatisfied" {
		return "不满意专区"
	}
	return word(s)
}

// gists say in words what failed in a queue, before the error's own
// (machine) text.
var gists = map[string]string{
	"sendq": "消息未能发给群众", "sendbulk": "状态或回访消息未能发给群众", "outbox": "办件系统未收下",
	"callbacks": "未能记入回电清单", "handover": "未能转交",
}

var funcs = template.FuncMap{
	"gist": func(queue string) string {
		if g, ok := gists[queue]; ok {
			return g
		}
		return "投递失败"
	},
	"word":      word,
	"what":      what,
	"hasPrefix": strings.HasPrefix,
	"detail":    detail,
	// words joins the words of codes: 表述不全、要求回电.
	"words": func(codes []string) string {
		out := make([]string, len(codes))
		for i, c := range codes {
			out[i] = word(c)
		}
		return strings.Join(out, "、")
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

// Text that is no word to translate (account names, addresses, a
// provider's error) is marked translate="no".
//
// The pages' one style element (hashed into the Content-Security-Policy:
// door.go): lists are tables on a desk and cards on a phone (≤ 640 px),
// each cell then on its own line after its column's name (data-label), so
// that no column is cut off or needs a sideways swipe.
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
a{color:#1a5fb4}
.figs{display:grid;grid-template-columns:repeat(auto-fill,minmax(9em,1fr));gap:8px}
.fig{background:#f4f6f8;border-radius:6px;padding:8px}
.fig b{display:block;font-size:1.5em}
.fig.alarm{background:#fde8e8}
.fig a{color:inherit}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.92em}
th,td{border-bottom:1px solid #e3e3e3;padding:4px 6px;text-align:left;vertical-align:top;white-space:nowrap}
td.text{white-space:normal;min-width:12em}
.bad{color:#b00} .ok{color:#070} .muted{color:#666}
.mark{display:inline-block;padding:0 6px;border-radius:4px;color:#fff;font-weight:bold;font-size:.9em}
.mark.urgent{background:#c25e00} .mark.emergency{background:#b00}
tr.urgent{background:#fff4e5} tr.emergency{background:#fde8e8}
a.tel{font-weight:bold;font-size:1.05em;white-space:nowrap}
.hist{color:#555}
.err{font-family:ui-monospace,monospace;font-size:.85em;white-space:normal;word-break:break-all}
button{font-size:1em;padding:4px 10px}
button.done,button.retry{padding:6px 14px}
.chartbox{overflow-x:auto}
img.chart{max-width:100%;height:auto}
form.inline{display:inline} #who{color:#555}
@media (max-width:640px){
table.cards,table.cards tbody,table.cards tr,table.cards td{display:block;width:auto}
table.cards tr.head{display:none}
table.cards tr{border:1px solid #ddd;border-radius:6px;margin:0 0 10px;padding:6px 8px}
table.cards tr.urgent{border-color:#e8b98a} table.cards tr.emergency{border-color:#e0a0a0}
table.cards td{border:0;padding:2px 0;white-space:normal;min-width:0}
table.cards td[data-label]::before{content:attr(data-label) "：";color:#666}
table.cards.figures td{display:inline-block;margin-right:12px}
table.cards.figures td.key{display:block;font-weight:bold}
img.chart{width:760px;max-width:none}
}
</style></head><body>
{{end}}
{{define "nav"}}<nav><a href="/office/">今日</a><a href="/office/unsatisfied">不满意专区</a><a href="/office/overdue">逾期</a>
<a href="/office/callbacks">回电清单</a><a href="/office/failed">投递失败</a><a href="/office/report">统计报表</a>
{{if .Admin}}<a href="/office/audit">审计</a>{{end}}
<span id="who" translate="no">{{.Who}}</span><form method="post" action="/office/logout" class="inline"><input type="hidden" name="csrf" value="{{.CSRF}}"><button id="logout">退出</button></form></nav>{{end}}
{{define "mark"}}{{if .Emergency}}<b class="mark emergency">危急</b> {{else if .Urgent}}<b class="mark urgent">紧急</b> {{end}}{{end}}
{{define "items"}}<table class="cards items"><tr class="head"><th>编号</th><th>收到</th><th>群众</th><th>诉求</th><th>类别</th><th>单位</th><th>状态</th><th>办结时限</th></tr>
{{range .}}<tr class="item{{if .Emergency}} emergency{{else if .Urgent}} urgent{{end}}" id="item-{{.ID}}"><td data-label="编号">{{.ID}}</td><td data-label="收到">{{when .Received}}</td><td data-label="群众" class="phone">{{.Citizen}}</td>
<td data-label="诉求" class="text matter">{{template "mark" .}}{{.Summary}}{{range .Flags}} <small>[{{word .}}]</small>{{end}}{{if .DuplicateOf}} <small>重复件（{{.DuplicateOf}}）</small>{{end}}</td>
<td data-label="类别">{{.CategoryNm}}</td><td data-label="单位" class="unit">{{.Unit}}</td><td data-label="状态" class="status">{{word .Status}}</td><td data-label="办结时限">{{when .ResolveBy}}</td></tr>
{{else}}<tr><td colspan="8">（无）</td></tr>{{end}}</table>{{end}}

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
<div class="fig">紧急件<b id="urgent">{{.Urgent}}</b></div>
<div class="fig">已答复回访<b id="answered">{{.F.Survey.Answered}}</b></div>
<div class="fig">待办结（逾期）<b id="waiting">{{.Overdue.Resolve}}</b></div>
<div class="fig{{if .Dead.Now}} alarm{{end}}"><a href="/office/failed" id="failed-link">投递失败<b id="dead">{{.Dead.Now}}</b></a></div>
</div>
<h2>{{if .Urgent}}今日紧急件与{{end}}最近 20 件{{if .Urgent}}（紧急在前）{{end}} <small><a href="/office/?format=csv">CSV</a></small></h2>{{template "items" .Items}}</body></html>{{end}}

{{define "unsatisfied"}}{{template "head" "不满意专区"}}{{template "nav" .}}<h1>不满意专区</h1>
{{if .Done}}<p class="ok" id="done">已申请复核：{{.Done}}</p>{{end}}
<p><a href="/office/unsatisfied?format=csv" id="csv">下载 CSV</a></p>
{{range .Items}}<div class="case" id="case-{{.ID}}"><h2>{{template "mark" .}}{{.ID}} · {{.Unit}} · {{.CategoryNm}}</h2>
<p class="matter">{{.Summary}}（群众 <span class="phone">{{.Citizen}}</span>，收到 {{when .Received}}）</p>
<p>评价：<b>{{word .Rating}}</b> {{when .RatedAt}}{{if .Reason}}；理由：<q class="reason">{{.Reason}}</q>{{end}}</p>
{{if .History}}<p class="hist"><small>{{range $i, $e := .History}}{{if $i}} → {{end}}{{word $e.Status}} {{when $e.At}}{{end}}</small></p>{{end}}
{{if .RecheckAt.IsZero}}<form method="post" action="/office/unsatisfied/{{.ID}}/recheck"><input type="hidden" name="csrf" value="{{$.CSRF}}"><button class="recheck">申请复核</button></form>
{{else}}<p class="ok">已申请复核 {{when .RecheckAt}}</p>{{end}}</div>
{{else}}<p>（暂无不满意件）</p>{{end}}</body></html>{{end}}

{{define "overdue"}}{{template "head" "逾期"}}{{template "nav" .}}<h1>逾期与即将到期 <small><a href="/office/overdue?format=csv">CSV</a></small></h1>
{{range .Lists}}<h2>{{.Title}}（{{.Count}}）</h2>{{if lt (len .Items) .Count}}<p><small>显示最早的 {{len .Items}} 件</small></p>{{end}}{{template "items" .Items}}{{end}}</body></html>{{end}}

{{define "callbacks"}}{{template "head" "回电清单"}}{{template "nav" .}}<h1>回电清单 <small><a href="/office/callbacks?format=csv">CSV</a></small></h1>
{{if .Done}}<p class="ok" id="done">已记录回电：{{.Done}}</p>{{end}}
{{range .Lists}}<h2>{{.Who}}（{{len .Items}}）</h2><table class="cards callbacks"><tr class="head"><th>时间</th><th>群众</th><th>诉求</th><th>原因</th><th>联系时限</th><th>回电</th></tr>
{{range .Items}}<tr class="cb{{if .Emergency}} emergency{{else if .Urgent}} urgent{{end}}" id="cb-{{.ID}}"><td data-label="时间">{{when .At}}</td>
<td data-label="群众">{{if .Name}}{{.Name}} {{end}}{{if .Tel}}<a class="tel" href="{{.Tel}}">{{.Phone}}</a>{{else}}（无电话）{{end}}</td>
<td data-label="诉求" class="text matter">{{template "mark" .}}{{if .Emergency}}已告知拨打 {{.Emergency}}。{{end}}{{if .PetitionID}}{{.PetitionID}} {{else}}<small>（未形成诉求）</small> {{end}}{{.Text}}</td>
<td data-label="原因" class="reasons">{{words .Reasons}}</td><td data-label="联系时限" class="due">{{when .ContactBy}}</td>
<td><form method="post" action="/office/callbacks/done"><input type="hidden" name="csrf" value="{{$.CSRF}}"><input type="hidden" name="official" value="{{.Official}}"><input type="hidden" name="item" value="{{.ID}}"><button class="done">已回电</button></form></td></tr>
{{else}}<tr><td colspan="6">（无）</td></tr>{{end}}</table>
{{else}}<p>（未配置领导，或无待回电）</p>{{end}}</body></html>{{end}}

{{define "failed"}}{{template "head" "投递失败"}}{{template "nav" .}}<h1>投递失败（{{len .Items}}）</h1>
{{if .Done}}<p class="ok" id="done">已重新投递：{{.Done}}</p>{{end}}
<p class="muted">多次发送仍不成功、已停止重试的消息和记录。查明原因（号码停机、办件系统拒收……）并处理后，可点“重试”重新投递。</p>
<table class="cards" id="failed"><tr class="head"><th>时间</th><th>投递</th><th>诉求</th><th>原因</th><th>尝试</th><th>重试</th></tr>
{{range .Items}}<tr class="failed" id="f-{{.ID}}"><td data-label="时间" title="停止重试于 {{when .Parked}}">{{when .At}}</td><td data-label="投递">{{word .Queue}}</td><td data-label="诉求">{{if .Case}}{{.Case}}{{else}}（无）{{end}}</td>
<td data-label="原因">{{gist .Queue}}：<span class="err" translate="no">{{.Error}}</span></td><td data-label="尝试">{{.Attempts}} 次</td>
<td><form method="post" action="/office/failed/retry"><input type="hidden" name="csrf" value="{{$.CSRF}}"><input type="hidden" name="queue" value="{{.Queue}}"><input type="hidden" name="shard" value="{{.Shard}}"><input type="hidden" name="id" value="{{.ID}}"><button class="retry">重试</button></form></td></tr>
{{else}}<tr><td colspan="6">（无投递失败）</td></tr>{{end}}</table>{{if .More}}<p><small>只列出最近的 {{len .Items}} 条</small></p>{{end}}</body></html>{{end}}

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
<div class="chartbox"><img class="chart" alt="每日诉求与满意率" src="/office/chart.svg?{{.Query}}"></div>
<p class="muted"><small>手机上可左右滑动看全图。</small></p>
<h2>单位排名（至少 {{.R.Ranking.Min}} 件）</h2>
<table class="cards" id="ranking"><tr class="head"><th>满意率前 {{.R.Ranking.N}}</th><th>满意率后 {{.R.Ranking.N}}</th><th>按时办结前</th><th>按时办结后</th></tr>
<tr><td class="top" data-label="满意率前 {{.R.Ranking.N}}">{{range .R.Ranking.SatisfactionTop}}{{.Unit}} {{pct .Share}}（{{.Of}}）<br>{{end}}</td>
<td class="bottom" data-label="满意率后 {{.R.Ranking.N}}">{{range .R.Ranking.SatisfactionBottom}}{{.Unit}} {{pct .Share}}（{{.Of}}）<br>{{end}}</td>
<td data-label="按时办结前">{{range .R.Ranking.OnTimeTop}}{{.Unit}} {{pct .Share}}（{{.Of}}）<br>{{end}}</td>
<td data-label="按时办结后">{{range .R.Ranking.OnTimeBottom}}{{.Unit}} {{pct .Share}}（{{.Of}}）<br>{{end}}</td></tr></table>
{{if .HotShown}}<h2>热点问题（多人反映同一地点同一事项）</h2><table class="cards" id="hot"><tr class="head"><th>热点</th><th>人数</th><th>件数</th><th>首次</th><th>最近</th></tr>
{{range .Hot}}<tr><td class="text" data-label="热点">{{.Title}}</td><td data-label="人数">{{.Citizens}}</td><td data-label="件数">{{.Appeals}}</td><td data-label="首次">{{date .First}}</td><td data-label="最近">{{date .Last}}</td></tr>
{{else}}<tr><td colspan="5">（无）</td></tr>{{end}}</table>{{end}}
<h2>按{{word .By}}</h2><table class="cards figures" id="groups"><tr class="head"><th>{{word .By}}</th><th>诉求</th><th>不含重复</th><th>办结</th><th>按时</th><th>答复</th><th>满意</th><th>理解</th><th>不满意</th></tr>
{{range .Groups}}<tr><td class="key">{{.Label}}</td>{{with .Figures}}<td data-label="诉求">{{.Petitions}}</td><td data-label="不含重复">{{.WithoutDuplicates}}</td><td data-label="办结">{{.Resolved.Reached}}</td><td data-label="按时">{{.Resolved.OnTime}}</td>
<td data-label="答复">{{.Survey.Answered}}</td><td data-label="满意">{{pct .Survey.SatisfiedShare}}</td><td data-label="理解">{{pct .Survey.UnderstoodShare}}</td><td data-label="不满意">{{pct .Survey.UnsatisfiedShare}}</td>{{end}}</tr>
{{else}}<tr><td colspan="9">（无）</td></tr>{{end}}</table>
</body></html>{{end}}
`))
