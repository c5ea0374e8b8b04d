package dialog

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"text/template"
	"unicode/utf8"
)

// Defaults are the reply texts, by template name, in plain simplified
// Chinese. Each aims at one SMS segment (70 characters) with a realistic id.
// The citizen's words are data given to a template, never a template.
var Defaults = map[string]string{
	"flood":   "您发送的消息较多，我们已全部记录，稍后统一处理，请勿重复发送。",
	"receipt": "已收到您的诉求，编号{{.ID}}。1个工作日内交办，承办单位3日内联系您。补充请直接回复，查进度回复“查询”。",
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
		if _, ok := Defaults[name]; !ok {
			problems = append(problems, fmt.Sprintf("dialog.templates.%s: no such template (known: %s)", name, strings.Join(Names(), ", ")))
			continue
		}
		t, err := template.New(name).Option("missingkey=zero").Parse(overrides[name])
		if err != nil {
			problems = append(problems, fmt.Sprintf("dialog.templates.%s: %v", name, err))
			continue
		}
		ts.t[name] = t
	}
	return ts, problems
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

// Segments is the number of SMS segments a text takes: GSM-7 texts 160 per
// segment (153 when split), anything else (Chinese) UCS-2: 70 (67 when split).
func Segments(text string) int {
	n := utf8.RuneCountInString(text)
	per, split := 160, 153
	for _, r := range text {
		if r > 0x7f {
			per, split = 70, 67
			break
		}
	}
	if n <= per {
		return 1
	}
	return (n + split - 1) / split
}
