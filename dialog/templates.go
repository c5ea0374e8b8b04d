package dialog

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"text/template"
)

// Defaults are the reply texts, by template name, in plain simplified
// Chinese. Each aims at one SMS segment (70 characters) with a realistic id,
// and none may take more than two (a test holds them to it). The citizen's
// words are never part of a template: they are data (see Data).
var Defaults = map[string]string{
	// Not an appeal yet: a greeting or a filler.
	"prompt": "您好，请直接发送您要反映的问题和具体地点，例如：幸福小区3号楼下水道堵了。",
	// Letters or digits with no matter in them ("asdfghjkl", "123456").
	"prompt_unclear": "没看懂您的消息。请用文字说明要反映的问题和地点，例如：幸福小区3号楼下水道堵了。",
	// Missing pieces, asked one at a time.
	"ask_what":     "请问您要反映什么问题？请简要说明情况。",
	"ask_where":    "请问具体在什么地方？请回复区县、街道、小区或路名。",
	"ask_name":     "请问怎么称呼您？不愿留名请回复“匿名”。",
	"ask_category": "请问属于哪类问题？回复序号：{{.Categories}}",
	// The receipt of a complete appeal.
	"receipt": "已收到您的诉求，编号{{.ID}}。1个工作日内交办，承办单位3日内联系您。补充请直接回复，查进度回复“查询”。",
	// Danger to people now: call the emergency number first; the office is
	// alerted at once.
	"receipt_emergency": "情况紧急请立即拨打{{.Emergency}}！您的诉求已登记，编号{{.ID}}，我们将优先处理。",
	// Urgent (a basic need cut off, a hazard to people): no routine promise.
	"receipt_urgent": "已收到您的诉求，编号{{.ID}}，已按紧急诉求加急交办，承办单位将尽快联系您。补充请直接回复。",
	// Submitted with pieces missing: staff call back.
	"receipt_incomplete": "已记录您的诉求，编号{{.ID}}。信息不全，工作人员将电话联系您核实。查进度回复“查询”。",
	// The same appeal again within intake.dedup_window.
	"receipt_duplicate": "您反映的问题已登记，编号{{.Earlier}}，正在办理，无需重复反映。有新情况请直接回复补充。",
	// A complaint staff forwarded from a group: the case, the category
	// guessed, and what staff should add by replying to this message.
	"receipt_reported": "{{if .Emergency}}情况紧急请立即拨打{{.Emergency}}！{{end}}已登记诉求{{.ID}}{{if .Category}}（{{.Category}}）{{end}}。{{if .Missing}}未识别{{.Missing}}，回复本消息补充。{{end}}",
	// The same complaint forwarded again.
	"reported_again": "该诉求已登记，编号{{.ID}}，无需重复转发。",
	// 会后联系: the official is in a meeting (busy) or off hours; once per
	// citizen per period, in place of the first prompt or question, or
	// together with the receipt.
	"meeting_auto_reply":   "您好，{{if .Official}}我是{{.Official}}，{{end}}正在开会，会后联系您。请先短信说明什么事、在哪里。",
	"off_hours_auto_reply": "您好，{{if .Official}}我是{{.Official}}，{{end}}现在是下班时间，上班后联系您。请先短信说明什么事、在哪里。",
	"receipt_busy":         "{{if .Official}}{{.Official}}{{else}}领导{{end}}正在开会，会后联系您。已收到您的诉求，编号{{.ID}}，1个工作日内交办。",
	"receipt_off_hours":    "现在是下班时间，上班后联系您。已收到您的诉求，编号{{.ID}}，1个工作日内交办。",
	// A call nobody answered, the official being neither busy nor off hours.
	"missed_call_auto_reply": "您好，刚才未能接听您的来电，稍后联系您。请先短信说明什么事、在哪里。",
	// A message soon after the receipt, added to that petition.
	"supplement": "已补充到诉求{{.ID}}，谢谢。",
	// A supplement that reports danger: the petition is now urgent.
	"supplement_urgent":    "已补充到诉求{{.ID}}，已按紧急诉求加急办理。",
	"supplement_emergency": "情况紧急请立即拨打{{.Emergency}}！已补充到诉求{{.ID}}，我们将优先处理。",
	// A greeting, a question mark or thanks soon after the receipt.
	"after_receipt": "您的诉求{{.ID}}{{if .Status}}{{.Status}}{{else}}已登记{{end}}，正在办理。补充情况请直接回复，查进度回复“查询”。",
	// Keywords.
	"query":         "您的诉求：{{range .Cases}}{{.ID}}{{.Status}}；{{end}}回复“查询 编号”看详情。",
	"query_one":     "诉求{{.ID}}：{{.Status}}{{if .Unit}}，承办单位{{.Unit}}{{end}}{{if .Phone}}，电话{{.Phone}}{{end}}。",
	"query_none":    "您还没有提交过诉求。请直接发送您要反映的问题和地点。",
	"query_unknown": "没有找到诉求{{.ID}}，请核对编号，或回复“查询”看您的诉求。",
	"cancel":        "已取消您尚未提交的诉求。需要时请重新发送问题和地点。",
	"cancel_none":   "您没有尚未提交的诉求。已提交的诉求如需撤回，请回复“人工”。",
	"human":         "已转人工，工作人员将尽快给您回电。诉求编号{{.ID}}。",
	"help":          "直接发送问题和地点即可反映诉求。回复：查询-查进度；取消-取消未提交的诉求；人工-请工作人员回电；退订-不收进度短信。",
	"unsubscribe":   "已退订，您将不再收到进度和回访短信。回复“订阅”可恢复。",
	"subscribe":     "已恢复订阅，您将收到诉求进度和回访短信。",
	// Case status messages (notify.statuses chooses which are sent).
	"status_accepted":    "您的诉求{{.ID}}已受理，正在交办。",
	"status_assigned":    "您的诉求{{.ID}}已交{{.Unit}}办理{{if .Handler}}，负责人{{.Handler}}{{end}}{{if .Phone}}，电话{{.Phone}}{{end}}。",
	"status_contacted":   "诉求{{.ID}}：{{if .Unit}}{{.Unit}}{{else}}承办单位{{end}}已与您联系，正在办理。",
	"status_in_progress": "诉求{{.ID}}正在办理中{{if .Note}}：{{.Note}}{{end}}。",
	"status_reopened":    "诉求{{.ID}}已重新办理（复核），承办单位将再次与您联系。",
	"status_closed":      "诉求{{.ID}}已办结，感谢您的反映。",
	// The satisfaction survey (回访), sent when a case is resolved.
	// The answer and whether the problem is solved in one SMS: "1是", "3否".
	"survey":         "诉求{{.ID}}{{if .Summary}}（{{.Summary}}）{{end}}已办结{{if .Note}}：{{.Note}}{{end}}。回复1满意2理解3不满意，已解决加是，未解决加否",
	"survey_remind":  "诉求{{.ID}}已办结，请回复1满意2理解3不满意，已解决加是，未解决加否。您的评价很重要。",
	"survey_unclear": "请回复数字评价诉求{{.ID}}：1满意2理解3不满意，已解决加是，未解决加否，如“1是”。",
	// 回头看: a satisfied case asked again some days later (survey.revisit_share).
	"revisit":                   "诉求{{.ID}}{{if .Summary}}（{{.Summary}}）{{end}}办结后再次回访：回复1满意2理解3不满意，已解决加是，未解决加否",
	"survey_reason":             "已记录您的评价：不满意，我们将督促复核。如方便，请回复不满意的原因。",
	"survey_thanks":             "感谢您的评价！",
	"survey_thanks_unsatisfied": "已记录您的意见，我们将督促承办单位复核并再次联系您。",
	// Over flood.max_messages in flood.per: once, then silence.
	"flood": "您发送的消息较多，我们已全部记录，稍后统一处理，请勿重复发送。",
}

// Data is what templates can use. Citizen text only ever appears here,
// shortened, never as template source.
type Data struct {
	ID         string     // the petition's id (the backend's case id once known)
	Earlier    string     // the earlier petition a duplicate is linked to
	Cases      []CaseLine // the citizen's recent petitions (query)
	Status     string     // a status in words: 已交办, 已办结 …
	Unit       string     // the handling unit
	Handler    string     // the person handling it
	Phone      string     // their phone
	Note       string     // the unit's note, shortened
	Summary    string     // a few words of the matter
	Official   string     // who the citizen wrote to (title and name)
	Categories string     // numbered category names (ask_category)
	Category   string     // the category guessed (receipt_reported)
	Missing    string     // what a reported petition lacks: 地点、联系电话 (receipt_reported)
	Emergency  string     // the emergency numbers to call now: 119, or 119、120
}

// CaseLine is one petition in a list.
type CaseLine struct {
	ID     string
	Status string
}

// Templates are the parsed reply templates.
type Templates struct {
	t map[string]*template.Template
}

// NewTemplates parses the defaults with overrides (from dialog.templates in
// config). It returns every problem: unknown names, templates that do not
// parse. On a problem the default of that name is kept.
func NewTemplates(overrides map[string]string) (*Templates, []string) {
	ts := &Templates{t: map[string]*template.Template{}}
	var problems []string
	for name, text := range Defaults {
		t, err := template.New(name).Option("missingkey=zero").Parse(text)
		if err != nil {
			panic(fmt.Sprintf("dialog: default template %s: %v", name, err))
		}
		ts.t[name] = t
	}
	names := make([]string, 0, len(overrides))
	for n := range overrides {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		name := name
		if _, ok := Defaults[name]; !ok {
			problems = append(problems, fmt.Sprintf("dialog.templates.%s: no such template (known: %s)", name, strings.Join(Names(), ", ")))
			continue
		}
		t, err := template.New(name).Option("missingkey=zero").Parse(overrides[name])
		if err != nil {
			problems = append(problems, fmt.Sprintf("dialog.templates.%s: %v", name, err))
			continue
		}
		var b bytes.Buffer
		if err := t.Execute(&b, Sample); err != nil {
			problems = append(problems, fmt.Sprintf("dialog.templates.%s: %v", name, err))
			continue
		}
		if n := Segments(strings.TrimSpace(b.String())); n > 2 {
			problems = append(problems, fmt.Sprintf("dialog.templates.%s: %d SMS segments with a typical case; keep it to 2 (70 Chinese characters each)", name, n))
		}
		ts.t[name] = t
	}
	return ts, problems
}

// Sample is realistic template data: the longest ids and lists a reply
// usually carries, to measure replies in SMS segments.
var Sample = Data{
	ID: "MS-20260311-K7Q2P", Earlier: "MS-20260309-3HX8M",
	Cases: []CaseLine{
		{ID: "MS-20260311-K7Q2P", Status: "已交办"}, {ID: "MS-20260302-9TQ4W", Status: "办理中"}, {ID: "MS-20260215-M2C7D", Status: "已办结"},
	},
	Status: "已交办", Unit: "谯城区住建局", Handler: "李明", Phone: "0558-5123456",
	Note: "已安排维修人员更换灯具", Summary: "幸福小区3号楼门口的路灯…", Official: "王市长",
	Categories: "1城乡建设 2环境保护 3交通运输 4教育文体 5劳动和社会保障 6商贸旅游 7卫生计生",
	Category:   "劳动和社会保障", Missing: "问题内容、地点、联系电话", Emergency: "119、120",
}

// Names lists the template names.
func Names() []string {
	n := make([]string, 0, len(Defaults))
	for k := range Defaults {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// Render executes a template. A template that fails at run time (an
// override calling a missing field) falls back to the default text.
func (ts *Templates) Render(name string, data any) string {
	var b bytes.Buffer
	if err := ts.t[name].Execute(&b, data); err != nil {
		b.Reset()
		def := template.Must(template.New(name).Option("missingkey=zero").Parse(Defaults[name]))
		_ = def.Execute(&b, data)
	}
	return strings.TrimSpace(b.String())
}

// VarsOf is d as template variables: every non-empty field by its name in
// lower snake case (id, earlier, cases, status, unit, handler, phone,
// note, summary, official, categories, category, missing, emergency), the
// cases as one text ("MS-…已交办；MS-…办理中"). A channel that may only
// send templates approved in advance (a mainland SMS gateway) sends these
// instead of the rendered text; PlaceholderData renders the text to submit.
func VarsOf(d Data) map[string]string {
	v := map[string]string{}
	set := func(k, s string) {
		if s != "" {
			v[k] = s
		}
	}
	set("id", d.ID)
	set("earlier", d.Earlier)
	var cases []string
	for _, c := range d.Cases {
		cases = append(cases, c.ID+c.Status)
	}
	set("cases", strings.Join(cases, "；"))
	set("status", d.Status)
	set("unit", d.Unit)
	set("handler", d.Handler)
	set("phone", d.Phone)
	set("note", d.Note)
	set("summary", d.Summary)
	set("official", d.Official)
	set("categories", d.Categories)
	set("category", d.Category)
	set("missing", d.Missing)
	set("emergency", d.Emergency)
	if len(v) == 0 {
		return nil
	}
	return v
}

// PlaceholderData is Data whose every field is its variable's placeholder
// (${id}, ${cases}…): a template rendered with it is the text to submit
// for approval with the variables VarsOf gives, every optional part shown.
func PlaceholderData() Data {
	p := func(k string) string { return "${" + k + "}" }
	return Data{
		ID: p("id"), Earlier: p("earlier"), Cases: []CaseLine{{ID: p("cases")}}, Status: p("status"),
		Unit: p("unit"), Handler: p("handler"), Phone: p("phone"), Note: p("note"), Summary: p("summary"),
		Official: p("official"), Categories: p("categories"), Category: p("category"), Missing: p("missing"),
		Emergency: p("emergency"),
	}
}
