package aliyun

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/minsheng/minsheng/bot/officials"
	"github.com/minsheng/minsheng/config"
	"github.com/minsheng/minsheng/dialog"
)

// DigestKey is the reply key of the last SMS of a day over the budget: what
// was left, merged.
const DigestKey = "digest"

// digestText is its text to submit for approval.
const digestText = "今日短信已达上限，${count}条消息合并告知：${items}。详情请回复“查询”。"

// ReplyKey is a message the channel sends as an approved template: its key
// (a dialog template name, office_…, digest), the text to submit for
// approval with ${variables}, and those variables in order.
type ReplyKey struct {
	Name string
	Text string
	Vars []string
}

var placeholder = regexp.MustCompile(`\$\{([A-Za-z][A-Za-z0-9_]*)\}`)

// varsOf lists a text's ${variables} in order, each once.
func varsOf(text string) []string {
	var out []string
	for _, m := range placeholder.FindAllStringSubmatch(text, -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	return out
}

// ReplyKeys is every message the bot may send by SMS, by key: the dialog's
// replies (with dialog.templates overrides, rendered with placeholders:
// every optional part shown), the officials' lists and alerts, and the
// digest.
func ReplyKeys(overrides map[string]string) []ReplyKey {
	ts, _ := dialog.NewTemplates(overrides)
	var keys []ReplyKey
	add := func(name, text string) {
		keys = append(keys, ReplyKey{Name: name, Text: text, Vars: varsOf(text)})
	}
	for _, name := range dialog.Names() {
		add(name, ts.Render(name, dialog.PlaceholderData()))
	}
	for name, text := range officials.SMSTemplates {
		add(name, text)
	}
	add(DigestKey, digestText)
	sort.Slice(keys, func(i, j int) bool { return keys[i].Name < keys[j].Name })
	return keys
}

// placeholderCode marks a template code `templates --format yaml` printed
// for the operator to replace.
const placeholderCode = "SMS_TODO_"

// CheckTemplates lists what keeps the configured templates from covering
// every reply key: a key without a template, a code still the placeholder,
// a variable the reply does not have. Empty: every reply can be sent.
func CheckTemplates(cfg map[string]config.AliyunTemplate, keys []ReplyKey) []string {
	var probs []string
	known := map[string]bool{}
	for _, k := range keys {
		known[k.Name] = true
		t, ok := cfg[k.Name]
		switch {
		case !ok:
			probs = append(probs, fmt.Sprintf("sms.aliyun.templates.%s: missing (the text to submit: %s)", k.Name, k.Text))
			continue
		case strings.HasPrefix(t.Code, placeholderCode):
			probs = append(probs, fmt.Sprintf("sms.aliyun.templates.%s.code: %s is a placeholder: put the approved template's code", k.Name, t.Code))
		}
		for _, p := range t.Params {
			if !slices.Contains(k.Vars, p) {
				probs = append(probs, fmt.Sprintf("sms.aliyun.templates.%s.params: %s is not a variable of this reply (it has: %s)", k.Name, p, strings.Join(k.Vars, ", ")))
			}
		}
	}
	var extra []string
	for name := range cfg {
		if !known[name] {
			extra = append(extra, name)
		}
	}
	sort.Strings(extra)
	for _, name := range extra {
		probs = append(probs, fmt.Sprintf("sms.aliyun.templates.%s: no such reply key", name))
	}
	return probs
}

// Property is the variable property (变量属性) to choose for v when applying.
func Property(v string) string {
	switch v {
	case "phone":
		return "电话号码 (fixed line, 400 or 95 numbers only)"
	case "count":
		return "仅数字"
	case "id", "earlier":
		return "其他号码"
	}
	return "其他"
}

// maxVar is the most characters the provider takes in one variable of a
// notification template (developer.aliyun.com/ask/220871: 1–35 for
// templates applied for since 2018-01-10).
const maxVar = 35

// fillers stand for a variable the message does not have (an optional part
// of the reply: no handler named, no note): the provider takes no empty
// variable ("变量内容不能为空"), and the approved text has every part.
var fillers = map[string]string{
	"unit": "承办单位", "handler": "工作人员", "phone": "12345", "note": "详情请回复查询",
	"summary": "您反映的问题", "status": "已登记", "official": "工作人员", "category": "待分类",
	"missing": "无", "emergency": "110", "cases": "无", "categories": "无", "count": "0", "first": "无",
}

var (
	links    = regexp.MustCompile(`(?i)(https?://|www\.)\S+`)
	mobiles  = regexp.MustCompile(`(\+?86)?1[3-9][0-9]{9}`)
	landline = regexp.MustCompile(`^(0[0-9]{2,3}-?[0-9]{7,8}|400-?[0-9]{3}-?[0-9]{4}|95[0-9]{3,6}|1[0-9]{4})$`)
)

// value is what variable v of a message becomes on the wire: within the
// provider's limits, or the filler. A phone variable takes a fixed line,
// a 400 or a 95 number only (a handler's mobile goes without: 12345, the
// hotline, stands there); text loses links and mobile numbers (masked) and
// is cut to 35 characters.
func value(v, s string) string {
	s = strings.TrimSpace(strings.NewReplacer("【", "[", "】", "]", "\n", " ").Replace(s))
	switch v {
	case "phone":
		if !landline.MatchString(s) {
			s = ""
		}
	default:
		s = links.ReplaceAllString(s, "")
		s = mobiles.ReplaceAllStringFunc(s, func(string) string { return "***" })
		s = strings.TrimSpace(s)
		if utf8.RuneCountInString(s) > maxVar {
			s = string([]rune(s)[:maxVar-1]) + "…"
		}
	}
	if s == "" {
		if f, ok := fillers[v]; ok {
			return f
		}
		return "无"
	}
	return s
}
