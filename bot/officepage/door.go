package officepage

import (
	"bytes"
	"errors"
	"html/template"
	"maps"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/minsheng/minsheng/bot/officeauth"
)

// The door (bot/officeauth) in the page: who may open which page, the
// login form, and the audit records of what shows or exports citizens'
// data or acts on a case.

// csp allows the pages' own style elements, by hash, and nothing else
// inline: computed from the templates, so it follows their changes.
var csp = officeauth.CSP(inlineStyles()...)

// withAudit adds the audit page to the templates, before the first
// execution (inlineStyles).
var withAudit = template.Must(pages.Parse(strings.TrimSpace(auditTemplate)))

var styleElem = regexp.MustCompile(`(?s)<style>(.*?)</style>`)

// inlineStyles are the texts of the style elements the shared head
// writes.
func inlineStyles() []string {
	var b bytes.Buffer
	if err := withAudit.ExecuteTemplate(&b, "head", "x"); err != nil {
		panic("officepage: head template: " + err.Error())
	}
	var out []string
	for _, m := range styleElem.FindAllStringSubmatch(b.String(), -1) {
		out = append(out, m[1])
	}
	return out
}

// withHeaders puts every route behind the security headers, and answers
// every other path under /office/ (404) with them too.
func (p *Page) withHeaders(routes map[string]http.Handler) map[string]http.Handler {
	routes["/office/"] = http.NotFoundHandler()
	routes["GET /office"] = http.RedirectHandler("/office/", http.StatusMovedPermanently)
	for k, h := range routes {
		routes[k] = officeauth.Headers(csp, h)
	}
	return routes
}

// guard lets in the sessions whose role may do role.
func (p *Page) guard(role officeauth.Role) func(http.HandlerFunc) http.Handler {
	return func(h http.HandlerFunc) http.Handler { return p.opt.Door.Require(role, h) }
}

func (p *Page) loginForm(w http.ResponseWriter, r *http.Request) {
	p.renderLogin(w, r, http.StatusOK, nil)
}

// renderLogin shows the login form for the door's mode: name and
// password, or on the first run http.admin_token.
func (p *Page) renderLogin(w http.ResponseWriter, r *http.Request, status int, data map[string]any) {
	mode, err := p.opt.Door.Mode(r.Context())
	if err != nil {
		p.fail(w, "office accounts", err)
		return
	}
	if data == nil {
		data = map[string]any{}
	}
	data["Closed"], data["FirstRun"] = mode == officeauth.Closed, mode == officeauth.FirstRun
	p.render(w, r, status, "login", data)
}

func (p *Page) login(w http.ResponseWriter, r *http.Request) {
	res := p.opt.Door.Login(w, r)
	switch res.Outcome {
	case officeauth.LoginOK:
		http.Redirect(w, r, "/office/", http.StatusSeeOther)
	case officeauth.LoginForbidden:
		http.Error(w, "请求被拒绝：来自其他网站", http.StatusForbidden)
	case officeauth.LoginUnavailable:
		http.Error(w, "存储无响应，请稍后再试。", http.StatusServiceUnavailable)
	case officeauth.LoginThrottled:
		p.renderLogin(w, r, http.StatusTooManyRequests, map[string]any{"Wait": int((res.Wait + time.Minute - 1) / time.Minute)})
	default:
		p.renderLogin(w, r, http.StatusForbidden, map[string]any{"Wrong": true})
	}
}

func (p *Page) logout(w http.ResponseWriter, r *http.Request) {
	p.opt.Door.Logout(w, r)
	http.Redirect(w, r, "/office/login", http.StatusSeeOther)
}

// audited records, before a page with citizens' data or a download goes
// out, that r's user is getting it: when the record cannot be kept the
// page is not sent (503).
func (p *Page) audited(w http.ResponseWriter, r *http.Request, rec officeauth.Record) bool {
	if err := p.opt.Door.Audit(r, rec); err != nil {
		p.fail(w, "the audit trail", err)
		return false
	}
	return true
}

// auditDone records an action already taken (复核, 已回电): its failure is
// logged (the door does), the action stands.
func (p *Page) auditDone(r *http.Request, rec officeauth.Record) {
	_ = p.opt.Door.Audit(r, rec)
}

// markCalledBack is the 已回电 of the page: it marks an official's
// call-back item done by the logged-in user and records it in the audit
// trail. The page's button (a POST form carrying {{.CSRF}}, behind
// guard(officeauth.Clerk)) calls it.
func (p *Page) markCalledBack(r *http.Request, official, item string) error {
	if p.opt.CallbackDone == nil {
		return errNotWired
	}
	by := p.opt.Door.ActorOf(r).Name
	if err := p.opt.CallbackDone(r.Context(), official, item, by); err != nil {
		return err
	}
	p.auditDone(r, officeauth.Record{Action: officeauth.ActionCallbackDone, Official: official, Item: item})
	return nil
}

var errNotWired = errors.New("已回电 is not wired")

// auditShown is how many records the audit page shows, newest first.
const auditShown = 500

// audit is the admins' page: the audit trail and the accounts.
func (p *Page) audit(w http.ResponseWriter, r *http.Request) {
	recs, err := p.opt.Door.AuditTrail(r.Context(), time.Time{}, auditShown)
	if err != nil {
		p.fail(w, "the audit trail", err)
		return
	}
	users, err := p.opt.Door.Users(r.Context())
	if err != nil {
		p.fail(w, "office accounts", err)
		return
	}
	for i := range recs {
		recs[i].At = recs[i].At.In(p.opt.Loc)
		if recs[i].Official != "" {
			recs[i].Official = p.officialName(recs[i].Official) // shown by name: 县长张三
		}
	}
	for i := range users {
		u := &users[i]
		u.Created, u.PasswordSet, u.LastLogin = u.Created.In(p.opt.Loc), u.PasswordSet.In(p.opt.Loc), u.LastLogin.In(p.opt.Loc)
	}
	p.render(w, r, http.StatusOK, "audit", map[string]any{"Records": recs, "Users": users, "Shown": auditShown})
}

func init() {
	maps.Copy(words, map[string]string{
		officeauth.ActionLogin: "登录", officeauth.ActionLoginFailed: "登录失败", officeauth.ActionLogout: "退出",
		officeauth.ActionView: "查看", officeauth.ActionExport: "导出", officeauth.ActionRecheck: "申请复核",
		officeauth.ActionCallbackDone: "已回电", officeauth.ActionRetry: "重试投递", officeauth.ActionUserAdd: "新建账号", officeauth.ActionUserDisable: "停用账号",
		officeauth.ActionUserEnable: "启用账号", officeauth.ActionUserPasswd: "修改密码",
		string(officeauth.Clerk): "办事员", string(officeauth.Admin): "管理员",
	})
}

const auditTemplate = `
{{define "audit"}}{{template "head" "审计"}}{{template "nav" .}}<h1>审计记录 <small>（最近 {{.Shown}} 条）</small></h1>
<table class="cards" id="audit"><tr class="head"><th>时间</th><th>用户</th><th>操作</th><th>内容</th><th>地址</th></tr>
{{range .Records}}<tr class="rec"><td data-label="时间">{{.At.Format "2006-01-02 15:04:05"}}</td><td data-label="用户"><span translate="no">{{.Who}}</span>{{if .Role}} <small>{{word (print .Role)}}</small>{{end}}</td><td class="action" data-label="操作">{{word .Action}}</td>
<td class="text" data-label="内容">{{if .What}}{{if hasPrefix .Action "user_"}}账号 <span translate="no">{{.What}}</span>{{else}}{{what .What}}{{end}} {{end}}{{.Case}}{{if .Official}} 领导 {{.Official}}{{end}}{{if .Item}} 条目 <span translate="no">{{.Item}}</span>{{end}}{{if .Rows}} {{.Rows}} 行{{end}}{{if .Detail}} <small>{{detail .Detail}}</small>{{end}}</td><td data-label="地址" translate="no">{{.Addr}}</td></tr>
{{else}}<tr><td colspan="5">（无）</td></tr>{{end}}</table>
<h2>账号</h2><table class="cards" id="users"><tr class="head"><th>用户名</th><th>角色</th><th>状态</th><th>建立</th><th>改密</th><th>最近登录</th></tr>
{{range .Users}}<tr><td data-label="用户名" translate="no">{{.Name}}</td><td data-label="角色">{{word (print .Role)}}</td><td data-label="状态">{{if .Disabled.IsZero}}<span class="ok">启用</span>{{else}}<span class="bad">已停用</span>{{end}}</td>
<td data-label="建立">{{when .Created}}</td><td data-label="改密">{{when .PasswordSet}}</td><td data-label="最近登录">{{if not .LastLogin.IsZero}}{{when .LastLogin}}{{end}}</td></tr>
{{else}}<tr><td colspan="6">（尚无账号：minsheng office user add 用户名 --role admin）</td></tr>{{end}}</table>
</body></html>{{end}}`
