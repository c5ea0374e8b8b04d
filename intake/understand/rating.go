package understand

import (
	"strings"

	"github.com/minsheng/minsheng/intake/textnorm"
)

// The survey answer's vocabulary. Kinds other than ratings steer the
// reading: a negator turns a positive word that follows it closely into
// "unsatisfied", a sarcastic tail ("满意个鬼") does the same from behind, a
// question tail ("满意吗") makes the word unclear, a contrast ("满意，但是…")
// lowers "satisfied" to "understood", and neutral words just consume
// characters so their parts are not read ("满意度", "不客气").
type rateKind int

const (
	rkNeutral rateKind = iota
	rkSatisfied
	rkUnderstood
	rkUnsatisfied
	rkNegator
	rkSarcasm
	rkQuestion
	rkContrast
)

var rateVocab = func() map[string]rateKind {
	m := map[string]rateKind{}
	add := func(k rateKind, words ...string) {
		for _, w := range words {
			m[textnorm.Compact(w)] = k
		}
	}
	add(rkSatisfied, "满意", "非常满意", "很满意", "十分满意", "特别满意", "挺满意", "满意了",
		"好评", "五星好评", "非常好", "很好", "挺好", "不错", "很不错", "非常不错", "还不错",
		"已解决", "解决了", "已经解决", "已经解决了", "修好了", "已修好", "已经修好",
		"处理好了", "已处理", "搞定了", "点赞", "赞", "没问题", "没毛病", "无可挑剔")
	add(rkUnderstood, "理解", "可以理解", "能理解", "表示理解", "基本满意", "还算满意",
		"比较满意", "勉强满意", "还行", "还可以", "一般", "一般般", "凑合", "马马虎虎",
		"还好", "勉强", "说得过去", "过得去")
	add(rkUnsatisfied, "不满意", "很不满意", "非常不满意", "不太满意", "不是很满意",
		"一点也不满意", "一点都不满意", "极不满意", "特别不满意", "没解决", "没有解决",
		"未解决", "还没解决", "没处理", "没有处理", "未处理", "问题还在", "问题依旧",
		"问题依然", "还是没修", "没修", "没有修", "没修好", "还没修", "没人来", "没有人来",
		"没人联系", "没有人联系", "没有人联系我", "没人管", "没人理", "没回复", "没有回复",
		"没效果", "没有效果", "没变化", "没有变化", "老样子", "还是老样子", "照旧", "依旧",
		"敷衍", "推诿", "踢皮球", "差评", "很差", "太差", "不行", "没用", "骗人", "糊弄",
		"不理解", "无法理解", "不能理解", "不认可", "不同意", "不接受", "不属实", "不好",
		"不太好", "不怎么样")
	add(rkNegator, "不", "没", "没有", "未", "无", "别", "不是", "不太", "不怎么", "并不",
		"并没有", "一点也不", "一点都不", "不能说", "谈不上", "算不上", "称不上", "说不上",
		"难以", "无法", "没法", "不够", "不算", "不觉得", "不感到")
	add(rkSarcasm, "个鬼", "个屁", "个毛", "个头", "才怪", "个锤子", "个啥")
	add(rkQuestion, "吗", "么")
	add(rkContrast, "但是", "但", "不过", "可是", "就是", "只是", "然而")
	add(rkNeutral, "满意度", "不用谢", "不客气", "不好意思", "没事")
	return m
}()

var rateVocabMax = func() int {
	n := 0
	for w := range rateVocab {
		n = max(n, len([]rune(w)))
	}
	return n
}()

// hardNegatives are never read as satisfied, whatever else the text says
// and whatever the deployment's survey.words map.
var hardNegatives = newLexicon("不满意", "没解决", "没有解决", "未解决", "不太满意",
	"不是很满意")

// A number at the start followed by one of these is a quantity, not the
// answer ("3天了还没人来", "5星好评").
const quantityUnits = "天个次年月日号周点分元块人楼栋层星遍回趟"

// maxCustomWord is the longest survey.words entry, in runes, that is used.
const maxCustomWord = 16

var ratingOrder = map[string]int{Unsatisfied: 0, Understood: 1, Satisfied: 2}

func worse(a, b string) string {
	if a == "" || ratingOrder[b] < ratingOrder[a] {
		return b
	}
	return a
}

// ParseRating reads an answer to the satisfaction survey ("1 满意 / 2 理解 /
// 3 不满意") and returns Satisfied, Understood or Unsatisfied, or ok=false
// when the answer is unclear ("谢谢", "好", "4", "满意吗").
//
// Digits: 1, 2 or 3 (half or full width) at the start, alone or with words
// ("1", "3。", "1 满意"), or alone at the end ("我选3"). Any other number in
// that place ("4", "12") makes the answer unclear unless the words say
// unsatisfied; a number followed by a unit ("3天了没人来") is not an answer
// digit.
//
// Words, both scripts: 满意/非常满意 → satisfied; 理解/基本满意/还算满意 →
// understood; 不满意/不太满意/没解决/问题还在/没人来… → unsatisfied. words
// (config survey.words) adds or overrides phrases; it is matched after
// folding, and the longest match wins. Negations are never read as
// satisfied: a negator (不 没 未 无 不是 不能说 谈不上…) up to two characters
// before a positive word makes it unsatisfied ("不是很满意", "不能说满意"),
// and so does a sarcastic tail ("满意个鬼"); a question tail makes it
// unclear ("满意吗"). "满意，但是还有点小问题" is understood: satisfied with a
// reservation.
//
// Contradictions take the least favourable reading: "1 不满意" is
// unsatisfied, "3 满意" unsatisfied, "1 理解" understood. No text holding
// 不满意, 没解决 or 未解决 is ever satisfied.
func ParseRating(text string, words map[string]string) (rating string, ok bool) {
	f := textnorm.Fold(text)
	c := compactRunes(f)
	digit, bad := answerDigit([]rune(c))

	custom := map[string]string{}
	customMax := 0
	for w, r := range words {
		if _, valid := ratingOrder[r]; !valid {
			continue
		}
		// A survey answer is short; longer entries could never match a
		// real answer and would only slow the scan down.
		if k := textnorm.Compact(w); k != "" && len([]rune(k)) <= maxCustomWord {
			custom[k] = r
			customMax = max(customMax, len([]rune(k)))
		}
	}

	result, contrast := "", false
	for _, cl := range clauses(f) {
		r, ct := rateClause([]rune(cl), custom, customMax)
		if r != "" {
			result = worse(result, r)
		}
		// A contrast counts only after something positive was said.
		contrast = contrast || ct && result != ""
	}
	switch {
	case bad && result == Unsatisfied:
		return Unsatisfied, true // "4，还是没人来": whatever the 4 meant, the words are clear
	case bad:
		return "", false
	case digit != "":
		result = worse(result, digit)
	case result == "":
		return "", false
	}
	switch {
	case result == Satisfied && hardNegatives.containsAny(c):
		// Cannot happen with the built-in words; a survey.words entry such
		// as {"不满意": "satisfied"} must not make it happen either.
		return Unsatisfied, true
	case result == Satisfied && contrast:
		return Understood, true
	}
	return result, true
}

// answerDigit reads the answer digit: the first character after an optional
// "选"/"回复" when it is a lone digit not followed by a unit, or a lone last
// digit. bad reports a number where the answer digit would be that is not
// 1–3.
func answerDigit(c []rune) (rating string, bad bool) {
	for _, p := range []string{"我选择", "我选", "选择", "选", "回复", "答"} {
		if strings.HasPrefix(string(c), p) {
			c = c[len([]rune(p)):]
			break
		}
	}
	if len(c) == 0 {
		return "", false
	}
	n := 0
	for n < len(c) && isDigit(c[n]) {
		n++
	}
	if n > 0 {
		if n < len(c) && strings.ContainsRune(quantityUnits, c[n]) {
			return "", false // a quantity
		}
		if n == 1 && c[0] >= '1' && c[0] <= '3' {
			return digitRating(c[0]), false
		}
		return "", true
	}
	last := c[len(c)-1]
	if len(c) >= 2 && isDigit(last) && !isDigit(c[len(c)-2]) {
		if last >= '1' && last <= '3' {
			return digitRating(last), false
		}
		return "", true
	}
	return "", false
}

func digitRating(d rune) string {
	return [...]string{Satisfied, Understood, Unsatisfied}[d-'1']
}

// rateClause reads one clause: the least favourable rating said in it, and
// whether it holds a contrast ("但是…") with something after it.
func rateClause(rs []rune, custom map[string]string, customMax int) (string, bool) {
	type tok struct {
		start, end int
		kind       rateKind
	}
	var toks []tok
	for i := 0; i < len(rs); {
		n, k := 0, rkNeutral
		for l := min(max(rateVocabMax, customMax), len(rs)-i); l > 0; l-- {
			w := string(rs[i : i+l])
			if r, ok := custom[w]; ok {
				n, k = l, ratingKind(r)
				break
			}
			if kk, ok := rateVocab[w]; ok {
				n, k = l, kk
				break
			}
		}
		if n == 0 {
			i++
			continue
		}
		toks = append(toks, tok{i, i + n, k})
		i += n
	}

	result, contrast := "", false
	negEnd := -10
	for t, x := range toks {
		switch x.kind {
		case rkNegator:
			negEnd = x.end
		case rkContrast:
			contrast = contrast || len(rs)-x.end >= 2
		case rkUnsatisfied:
			result = worse(result, Unsatisfied)
		case rkSatisfied, rkUnderstood:
			r := Satisfied
			if x.kind == rkUnderstood {
				r = Understood
			}
			var next rateKind = -1
			if t+1 < len(toks) && toks[t+1].start == x.end {
				next = toks[t+1].kind
			}
			switch {
			case x.start-negEnd <= 2 || next == rkSarcasm:
				r = Unsatisfied
			case next == rkQuestion:
				continue // "满意吗": asked, not answered
			}
			result = worse(result, r)
		}
	}
	return result, contrast
}

func ratingKind(r string) rateKind {
	switch r {
	case Satisfied:
		return rkSatisfied
	case Understood:
		return rkUnderstood
	}
	return rkUnsatisfied
}

// Words that say whether the problem is solved, matched on the compacted
// folded answer. A "not solved" word wins over everything else.
var (
	solvedWords = newLexicon("已解决", "解决了", "已经解决", "问题解决", "已处理好", "处理好了", "已修好",
		"修好了", "已修复", "修复了", "已经修好", "搞定了", "已落实", "办好了", "已办好")
	notSolvedWords = newLexicon("没解决", "没有解决", "未解决", "还没解决", "没能解决", "不解决", "未能解决",
		"解决不了", "问题还在", "问题依旧", "问题依然", "问题没解决", "还是没修", "没修好", "没有修好", "还没修",
		"没修", "没有修", "没人修", "老样子", "还是老样子", "照旧", "没处理", "未处理", "没有处理", "没落实",
		"未落实", "没有落实", "没办好", "没效果", "没有效果")
	// solvedNegators before a "solved" word make it "not solved" ("并未
	// 解决了" is caught by its own words; "不算已解决", "谈不上修好了").
	solvedNegators = []string{"不", "没", "未", "无", "不算", "谈不上", "算不上", "并非"}
)

// ParseSolved reads whether a survey answer says the problem is solved.
// The survey asks for 是 or 否 after the rating ("1是", "3 否", "满意，
// 是"; or alone: "是", "是的"), and words say it too: "已解决", "修好了"
// → solved; "没解决", "问题还在", "没修好", "老样子" → not solved, whatever
// else the answer says. ok is false when the answer says neither.
func ParseSolved(text string) (solved, ok bool) {
	c := []rune(compactRunes(textnorm.Fold(text)))
	for i := range c {
		if notSolvedWords.longestAt(c, i) > 0 {
			return false, true
		}
	}
	// the answer token: after the choice prefix, the digit and the rating
	// words, 是 or 否
	rest := c
	for _, p := range []string{"我选择", "我选", "选择", "选", "回复", "答"} {
		if strings.HasPrefix(string(rest), p) {
			rest = rest[len([]rune(p)):]
			break
		}
	}
	for len(rest) > 0 {
		switch {
		case rest[0] >= '1' && rest[0] <= '3', rest[0] == '和', rest[0] == '并', rest[0] == '且':
			rest = rest[1:]
			continue
		}
		n := 0
		for l := min(rateVocabMax, len(rest)); l > 0; l-- {
			if k, found := rateVocab[string(rest[:l])]; found && k != rkNegator && k != rkQuestion && k != rkContrast {
				n = l
				break
			}
		}
		if n == 0 {
			break
		}
		rest = rest[n:]
	}
	switch {
	case len(rest) > 0 && rest[0] == '是' && !strings.HasPrefix(string(rest), "是否"):
		return true, true
	case len(rest) > 0 && rest[0] == '否':
		return false, true
	}
	for i := range c {
		if n := solvedWords.longestAt(c, i); n > 0 {
			before := string(c[max(0, i-3):i])
			for _, neg := range solvedNegators {
				if strings.HasSuffix(before, neg) {
					return false, true
				}
			}
			return true, true
		}
	}
	return false, false
}
