package understand

import (
	"github.com/minsheng/minsheng/intake/textnorm"
)

// fillerWords are the pieces a greeting or filler is made of. Titles are
// separate: they may carry a surname ("王书记好").
var fillerWords = newLexicon(
	// greetings
	"你好", "您好", "你们好", "您们好", "大家好", "好", "早", "早上好", "上午好", "中午好",
	"下午好", "晚上好", "早安", "午安", "晚安", "hello", "hi", "hey", "hallo", "halo",
	"哈喽", "哈罗", "嗨", "嘿", "喂", "尊敬的", "敬爱的", "亲爱的", "请问", "打扰",
	"打扰了", "打扰一下", "辛苦了", "辛苦", "工作辛苦了", "您辛苦了",
	// are you there
	"在吗", "在么", "在嘛", "在不在", "在", "有人吗", "有人在吗", "有人", "有没有人",
	"人呢", "吗", "么", "呢", "嘛",
	// thanks, acknowledgements, particles
	"谢谢", "谢谢你", "谢谢您", "谢啦", "谢了", "多谢", "感谢", "非常感谢", "thanks",
	"thankyou", "thx", "ok", "okay", "好的", "好滴", "好嘞", "嗯", "嗯嗯", "恩", "哦", "噢",
	"喔", "啊", "呀", "哈", "哈哈", "呵呵", "嘿嘿", "是的", "对", "收到", "知道了", "明白",
	"了解", "行", "可以",
	// addressing
	"你", "您", "你们", "您们",
)

// titles of the people citizens write to; a one-character surname (or a
// compound surname) may stand before them.
var fillerTitles = newLexicon(
	"书记", "副书记", "市委书记", "县委书记", "区委书记", "镇党委书记", "村支书", "支书",
	"市长", "副市长", "县长", "副县长", "区长", "副区长", "镇长", "乡长", "村长", "省长",
	"州长", "主任", "局长", "副局长", "厅长", "部长", "处长", "科长", "所长", "站长",
	"院长", "校长", "主席", "秘书", "秘书长", "委员", "代表", "领导", "各位领导",
	"首长", "同志", "老师", "师傅", "经理", "总", "政府", "市政府", "县政府",
	"区政府", "镇政府", "工作人员", "客服",
)

var compoundSurnames = newLexicon("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "慕容",
	"令狐", "夏侯", "尉迟", "公孙", "司徒", "长孙", "端木", "西门")

// IsFiller reports whether a message is only a greeting or a filler that
// does not open a petition: "你好", "书记您好", "王书记好", "在吗", "有人吗",
// "hello", "？", "。。。", emoji, "谢谢", "好的", "嗯", "ok", or nothing at all.
//
// The rule: after folding and dropping white space, punctuation, symbols and
// emoji, the rest must split entirely into greeting words, particles and
// titles (a title may follow a surname). Any other word is content:
// "书记您好，我们小区门口的路灯坏了" is not a filler. Digits are content
// too ("1" may be a survey answer).
func IsFiller(text string) bool {
	c := []rune(textnorm.Compact(text))
	if len(c) == 0 {
		return true
	}
	if len(c) > 40 {
		return false
	}
	return fillerPrefixes(c)[len(c)]
}

// fillerPrefixes reports, for each k, whether c[:k] splits entirely into
// filler words and titles: one forward pass, linear in practice.
func fillerPrefixes(c []rune) []bool {
	reach := make([]bool, len(c)+1)
	reach[0] = true
	for j := 0; j < len(c); j++ {
		if reach[j] {
			fillerPieceEnds(c, j, func(k int) { reach[k] = true })
		}
	}
	return reach
}

// fillerPieceEnds calls end(k) for every filler piece c[j:k]: a filler
// word, or a title alone or after a surname of one Han character or a
// compound surname.
func fillerPieceEnds(c []rune, j int, end func(k int)) {
	for n := min(fillerWords.max, len(c)-j); n > 0; n-- {
		if fillerWords.has(c[j : j+n]) {
			end(j + n)
		}
	}
	starts := [3]int{j, -1, -1}
	if isHan(c[j]) {
		starts[1] = j + 1
	}
	if n := compoundSurnames.longestAt(c, j); n > 0 {
		starts[2] = j + n
	}
	for _, s := range starts {
		if s < 0 || s >= len(c) {
			continue
		}
		for n := min(fillerTitles.max, len(c)-s); n > 0; n-- {
			if fillerTitles.has(c[s : s+n]) {
				end(s + n)
			}
		}
	}
}

// leadingFiller returns how many runes at the start of compact text c are a
// greeting ("书记您好我们小区…" → 4), trying the longest split first.
func leadingFiller(c []rune) int {
	reach := fillerPrefixes(c[:min(len(c), 20)])
	for end := len(reach) - 1; end > 0; end-- {
		if reach[end] {
			return end
		}
	}
	return 0
}

// progressWords ask how the matter stands.
var progressWords = newLexicon("怎么样了", "怎样了", "咋样了", "有人管吗", "有人管没", "有没有人管",
	"处理了吗", "处理了没", "处理没", "办了吗", "办了没", "修了吗", "修了没", "什么时候处理",
	"什么时候修", "什么时候来", "啥时候来", "啥时候修", "有结果吗", "有回复吗", "有进展吗", "进展",
	"进度", "还没来", "还没人来", "还没有人来", "有人来吗", "收到了吗", "收到没", "受理了吗", "到哪一步")

// AsksProgress reports whether a short message only asks how a matter
// stands ("怎么样了？有人管吗", "什么时候来修"): after a receipt, it is
// answered with the case, not taken for a new appeal.
func AsksProgress(text string) bool {
	c := []rune(textnorm.Compact(text))
	if len(c) == 0 || len(c) > 16 {
		return false
	}
	return progressWords.containsAny(string(c))
}

// backWords point back at what the citizen said before: "也", "又",
// "那个坑", "摔进去".
var backWords = newLexicon("也", "又", "还是", "仍然", "依然", "那个", "这个", "那里", "这里",
	"那边", "这边", "进去", "上去", "下去", "它", "那儿", "这儿", "同一", "刚才说的", "上面说的")

// RefersBack reports whether a message points back at the matter said
// before instead of naming one of its own.
func RefersBack(text string) bool {
	return backWords.containsAny(textnorm.Compact(text))
}
