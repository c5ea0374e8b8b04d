package understand

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// problemWords say that something is wrong or wanted: one is enough for a
// short message to describe a matter ("路灯坏了").
var problemWords = newLexicon("坏", "漏", "堵", "吵", "臭", "脏", "乱", "破", "塌", "裂",
	"欠", "拖欠", "不给", "没有", "没人", "要求", "希望", "怎么", "如何", "能否", "能不能",
	"可不可以", "为什么", "为何", "何时", "什么时候", "是否", "停水", "停电", "停气",
	"停运", "停工", "停课", "乱停", "停车难", "断水", "断电", "噪音", "噪声", "扰民",
	"违章", "违建", "违规", "违法", "占用", "占道", "污染", "积水", "收费", "不退", "不发",
	"不还", "不办", "不管", "不修", "不让", "不准", "无法", "没法", "太贵", "太高", "太差",
	"危险", "隐患", "着火", "火灾", "泄漏", "漏气", "偷", "骗", "不合理", "不公平", "难",
	"贵", "慢", "丢", "掉", "倒", "淹", "冒", "烧", "吗", "拖", "缺", "差", "欺", "霸",
	"不通", "不亮", "不能", "没修", "没解决", "垃圾", "堆", "乱扔", "乱倒", "乱贴",
	"停了", "没水", "没电", "没气", "断了", "没暖气", "不来水", "不来电")

// intentVerbs announce a matter without saying it ("我想反映一个问题").
// They are removed before judging; when they had an object left after
// them ("投诉物业"), that object is enough.
var intentVerbs = newLexicon("我想反映一个问题", "反映一个问题", "反映个问题", "反映一下",
	"反映问题", "反映情况", "反映", "反应", "投诉", "举报", "咨询", "请教", "求助", "想问",
	"问一下", "请问")

// noiseWords carry nothing about the matter once announcements are gone.
var noiseWords = newLexicon("一下", "有个问题", "有一个问题", "有件事", "有个事", "有事",
	"帮帮忙", "帮个忙", "请帮忙", "帮忙", "麻烦您", "麻烦你", "麻烦", "我想", "我要", "想",
	"要", "我", "请", "您", "你", "个", "一个", "问题", "事情", "情况", "的", "了")

// nameIntro is a clause that only introduces the writer ("我叫张三",
// "我是幸福小区的" once the place is taken out).
var nameIntro = regexp.MustCompile(`^(我叫|我的名字叫|我的名字是|我名叫|本人叫|本人姓名|姓名|名字|我姓|本人姓|我是|本人是|本人)\p{Han}{0,4}$`)

// Describes reports whether a message describes a matter (a problem, a
// request, a question), as opposed to a filler, a bare place ("人民路3号"),
// a bare phone number, a bare name ("我叫张三"), an announcement without
// content ("我想反映一个问题") or a keyword command.
//
// The rule: take out petition ids, phone numbers, place phrases, greeting
// clauses, name introductions and announcing words; what is left describes
// a matter when it has a problem word (坏 漏 堵 吵 欠 不给 没有 怎么 为什么 停水
// …), or at least six letters, or at least two after an announcing verb
// ("投诉物业").
func Describes(text string) bool {
	if IsFiller(text) {
		return false
	}
	if cmd, _ := ParseCommand(text); cmd != None {
		return false
	}
	fd := newFolded(text)
	drop := make([]bool, len(fd.fold))
	for _, p := range findPhones(fd.fold) {
		markSpan(drop, p.start, p.end)
	}
	for _, p := range placePhrases(fd.fold, nil) {
		markSpan(drop, p.start, p.end)
	}
	s := string(fd.fold)
	for _, m := range findIDs(s) {
		markSpan(drop, utf8.RuneCountInString(s[:m.start]), utf8.RuneCountInString(s[:m.end]))
	}
	var rest strings.Builder
	for k, r := range fd.fold {
		if drop[k] {
			r = '·' // keeps the clause boundary but carries no content
		}
		rest.WriteRune(r)
	}

	content, intent := 0, false
	for _, cl := range clauses(rest.String()) {
		rs := []rune(cl)
		if n := leadingFiller(rs); n > 0 {
			rs = rs[n:]
		}
		if len(rs) == 0 || nameIntro.MatchString(string(rs)) {
			continue
		}
		if problemWords.containsAny(string(rs)) {
			return true
		}
		left, had := removeWords(rs, intentVerbs)
		left, _ = removeWords(left, noiseWords)
		intent = intent || had
		for _, r := range left {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				content++
			}
		}
	}
	return content >= 6 || intent && content >= 2
}

func markSpan(drop []bool, start, end int) {
	for k := max(start, 0); k < end && k < len(drop); k++ {
		drop[k] = true
	}
}

// removeWords deletes the words of l from rs (longest match, left to right)
// and reports whether any was found.
func removeWords(rs []rune, l lexicon) ([]rune, bool) {
	var out []rune
	found := false
	for i := 0; i < len(rs); {
		if n := l.longestAt(rs, i); n > 0 {
			i += n
			found = true
			continue
		}
		out = append(out, rs[i])
		i++
	}
	return out, found
}
