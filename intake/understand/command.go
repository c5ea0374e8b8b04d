package understand

import (
	"regexp"
	"strings"

	"github.com/minsheng/minsheng/intake/textnorm"
)

// Command is a keyword command a citizen can send instead of an appeal.
type Command int

// The commands (README, "Keywords").
const (
	None        Command = iota // not a command: an appeal, an answer, a greeting…
	Query                      // 查询/进度: the status of my cases
	Cancel                     // 取消: drop the draft
	Human                      // 人工: ask for a person to call back
	Help                       // 帮助: how to use the service
	Unsubscribe                // 退订/TD/STOP: no more status or survey messages
	Subscribe                  // 订阅/START: status and survey messages again
)

var commandNames = [...]string{"None", "Query", "Cancel", "Human", "Help", "Unsubscribe", "Subscribe"}

func (c Command) String() string {
	if c < 0 || int(c) >= len(commandNames) {
		return "Command(?)"
	}
	return commandNames[c]
}

// keywords maps the compact, folded form of a whole message to its command.
// Traditional spellings and full-width forms need no entry: the message is
// folded first. English opt-out words follow the carriers' (and Twilio's)
// list, where CANCEL/END/QUIT also mean "stop sending": Twilio blocks the
// number on those words anyway, so the bot must agree with it.
var keywords = func() map[string]Command {
	m := map[string]Command{}
	add := func(c Command, words ...string) {
		for _, w := range words {
			m[textnorm.Compact(w)] = c
		}
	}
	add(Query, "查询", "查詢", "进度", "查询进度", "查进度", "查看进度", "进度查询",
		"查", "查看", "查一下", "查一下进度", "查下进度", "查询状态", "查状态", "状态",
		"办理进度", "处理进度", "查询办理进度", "查询处理进度", "查询结果", "查结果",
		"进展", "查询进展", "办理情况", "处理情况", "查询办理情况", "查询处理情况",
		"进度如何", "进度怎么样", "查询诉求", "查诉求", "查询案件", "查件", "查询工单",
		"查工单", "工单进度", "诉求进度", "我的诉求", "query", "status")
	add(Cancel, "取消", "撤销", "撤回", "作废", "算了", "取消诉求", "撤销诉求", "撤回诉求",
		"取消反映", "取消投诉", "撤销投诉", "撤回投诉", "不反映", "不投诉", "不反映了",
		"不投诉了", "取消草稿")
	add(Human, "人工", "转人工", "人工服务", "人工客服", "客服", "真人", "接线员",
		"人工台", "回电", "回电话", "请回电", "打电话", "给我打电话", "打给我",
		"电话联系", "电话联系我", "联系我", "找人", "找工作人员")
	add(Help, "帮助", "幫助", "使用帮助", "帮助信息", "菜单", "说明", "使用说明",
		"怎么用", "如何使用", "指令", "命令", "help", "info")
	add(Unsubscribe, "退订", "退訂", "td", "stop", "stopall", "unsubscribe", "cancel",
		"end", "quit", "取消订阅", "退订短信", "停止订阅", "停止推送", "停止发送", "拒收",
		"不要再发", "不要再发了", "不要发", "不要发了", "别发", "别发了", "别再发",
		"别再发了", "别发短信", "不要发短信", "不要再发短信", "别再发短信")
	add(Subscribe, "订阅", "訂閱", "start", "unstop", "恢复订阅", "重新订阅", "恢复推送",
		"恢复通知", "订阅通知")
	return m
}()

// Polite words around a keyword ("请取消", "我要人工", "查询一下，谢谢").
// Longest first, so "我想要" is tried before "我想".
var (
	commandPrefixes = sortedByLength("请", "请你", "请您", "请帮我", "麻烦", "麻烦你",
		"麻烦您", "劳驾", "我要", "我想", "我想要", "我需要", "我申请", "申请", "需要",
		"要", "想", "我", "帮我", "给我", "帮忙", "您好", "你好", "你们好", "喂", "转",
		"找", "接", "能否", "可以", "please", "pls")
	commandSuffixes = sortedByLength("一下", "谢谢", "谢谢你", "谢谢您", "谢啦", "谢了",
		"多谢", "感谢", "好吗", "可以吗", "行吗", "吧", "啊", "呀", "哦", "喔", "呢", "了",
		"啦", "嘛", "吗", "您好", "你好", "哈", "please", "pls", "thanks", "thx",
		"thankyou")
)

func sortedByLength(words ...string) []string {
	out := make([]string, 0, len(words))
	for _, w := range words {
		out = append(out, textnorm.Compact(w))
	}
	// Longest first: a short affix must not cut a longer one in half.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && len([]rune(out[j])) > len([]rune(out[j-1])); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// ParseCommand recognises a keyword command. The rule: after folding (so
// traditional, full-width and upper-case forms are the same) and removing
// white space, punctuation, emoji and any petition id, the WHOLE message must
// be one keyword, optionally wrapped in polite words (请/我要/麻烦 before,
// 一下/谢谢/吧 after). A keyword inside a longer sentence is not a command:
// "物业说要取消我家的停车位" and "我想查询一下我上次反映的路灯问题" are None.
//
// The second result is the petition id named in the message, canonical
// ("MS-20260311-K7Q2P"), or "". A message that is only a petition id is a
// Query for it. The id is returned with any command, but only Query uses it.
func ParseCommand(text string) (Command, string) {
	f := textnorm.Fold(text)
	id := ""
	ids := findIDs(f)
	if len(ids) > 0 {
		id = ids[0].canon
		var b strings.Builder
		last := 0
		for _, m := range ids {
			b.WriteString(f[last:m.start])
			b.WriteByte(' ')
			last = m.end
		}
		b.WriteString(f[last:])
		f = b.String()
	}
	c := compactRunes(f)
	if c == "" {
		if id != "" {
			return Query, id
		}
		return None, ""
	}
	if cmd, ok := matchKeyword(c); ok {
		return cmd, id
	}
	return None, ""
}

// matchKeyword strips polite prefixes and suffixes one at a time and checks
// the rest against the keyword table after each step, so that a keyword that
// itself ends in an affix ("算了", "不要发了") is still found whole.
func matchKeyword(c string) (Command, bool) {
	for range 4 {
		if cmd, ok := keywords[c]; ok {
			return cmd, true
		}
		next := trimAffix(c, commandPrefixes, strings.HasPrefix, strings.TrimPrefix)
		if next == c {
			break
		}
		c = next
	}
	for range 4 {
		if cmd, ok := keywords[c]; ok {
			return cmd, true
		}
		next := trimAffix(c, commandSuffixes, strings.HasSuffix, strings.TrimSuffix)
		if next == c {
			break
		}
		c = next
	}
	cmd, ok := keywords[c]
	return cmd, ok
}

func trimAffix(c string, affixes []string, has func(s, a string) bool, trim func(s, a string) string) string {
	for _, a := range affixes {
		if has(c, a) && len(c) > len(a) {
			return trim(c, a)
		}
	}
	return c
}

// petitionIDRE finds petition ids in folded text: "ms", an 8-digit date,
// 5 of [0-9a-z], with "-", "_" or a space (or nothing) between the parts.
var petitionIDRE = regexp.MustCompile(`ms[-_ ]?(20\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))[-_ ]?([0-9a-z]{5})`)

type idMatch struct {
	start, end int // byte offsets in the folded text
	canon      string
}

// findIDs returns the petition ids in folded text f that stand alone: not
// glued to further letters or digits, which would make them part of a
// longer code.
func findIDs(f string) []idMatch {
	var out []idMatch
	for _, loc := range petitionIDRE.FindAllStringSubmatchIndex(f, -1) {
		if loc[0] > 0 && isASCIIAlnum(rune(f[loc[0]-1])) || loc[1] < len(f) && isASCIIAlnum(rune(f[loc[1]])) {
			continue
		}
		out = append(out, idMatch{loc[0], loc[1],
			"MS-" + f[loc[2]:loc[3]] + "-" + strings.ToUpper(f[loc[4]:loc[5]])})
	}
	return out
}

// PetitionID returns the first petition id in text, in canonical form
// ("MS-20260311-K7Q2P"), or "". Lower case, full-width characters and missing
// dashes are accepted ("ms20260311k7q2p", "ＭＳ－２０２６０３１１－Ｋ７Ｑ２Ｐ").
func PetitionID(text string) string {
	if ids := findIDs(textnorm.Fold(text)); len(ids) > 0 {
		return ids[0].canon
	}
	return ""
}
