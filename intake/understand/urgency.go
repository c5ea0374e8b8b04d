package understand

import "github.com/minsheng/minsheng/intake/textnorm"

// Words for Urgency, all matched on compact folded clauses, longest first.
// A neutral word swallows a danger word inside it: "火灾隐患" (a hazard
// to inspect, not a fire), "消防通道", "轮胎漏气", "跳楼价".
var (
	dangerWords = []string{"火灾", "着火", "著火", // 著 stays 著 in OpenCC
		"失火", "起火", "大火", "火情", "冒烟", "浓烟",
		"燃气泄漏", "煤气泄漏", "天然气泄漏", "燃气泄露", "煤气泄露", "天然气泄露", "漏气",
		"煤气味", "燃气味", "液化气味", "触电", "漏电", "电线掉", "电线断", "电线落地",
		"电线垂", "高压线断", "高压线掉", "塌陷", "坍塌", "塌方", "倒塌", "塌了", "溺水",
		"落水", "掉进", "掉到河", "救命", "爆炸", "被困", "困人", "困在电梯", "井盖丢失",
		"井盖丢了", "井盖没了", "没有井盖", "井盖被偷", "井盖不见", "中毒", "一氧化碳",
		"决堤", "溃坝", "泥石流", "山体滑坡", "滑坡", "昏迷", "晕倒", "持刀", "砍人",
		"跳楼", "跳河"}
	neutralWords = []string{"火灾隐患", "爆炸隐患", "触电隐患", "坍塌隐患", "安全隐患",
		"防火", "消防", "防溺水", "轮胎漏气", "车胎漏气", "跳楼价", "跳楼机", "中毒隐患"}
	outageWords = []string{"停水", "断水", "没水", "停电", "断电", "没电", "停气", "断气",
		"停暖", "没暖气"}
	vulnerableWords = newLexicon("老人", "病人", "孕妇", "婴儿", "小孩", "孩子", "瘫痪",
		"卧床", "透析", "呼吸机", "制氧机", "吸氧", "高温", "酷暑", "严寒", "寒冬", "冰冻",
		"残疾")
	// "危险" alone is most often a complaint about a hazard; with one of
	// these it is happening now.
	riskWord  = "危险"
	nowWords  = newLexicon("随时", "马上", "正在", "现在", "紧急", "快来", "赶紧", "立刻", "救")
	doneWords = newLexicon("已经解决", "已解决", "解决了", "修好了", "已修好", "已经修好",
		"已处理", "处理好了", "恢复了", "已恢复", "扑灭", "灭了", "上次", "去年", "以前",
		"之前", "过去", "曾经", "当年", "谢谢", "感谢")
)

type urgencyTerm int

const (
	termNeutral urgencyTerm = iota
	termDanger
	termOutage
	termRisk
)

var urgencyLex, urgencyKind = func() (lexicon, map[string]urgencyTerm) {
	l := newLexicon()
	kind := map[string]urgencyTerm{}
	add := func(k urgencyTerm, words []string) {
		for _, w := range words {
			l.add(w)
			kind[textnorm.Compact(w)] = k
		}
	}
	add(termDanger, dangerWords)
	add(termNeutral, neutralWords)
	add(termOutage, outageWords)
	add(termRisk, []string{riskWord})
	return l, kind
}()

// Urgency returns Urgent for immediate danger to people and Normal
// otherwise. It is conservative: a false alarm costs the urgent queue.
//
// Urgent: a fire, a gas leak or gas smell, electrocution or fallen live
// wires, a collapse, drowning, "救命", an explosion, someone trapped, a
// missing manhole cover, poisoning, floods and landslides; a water, power
// or gas cut together with someone vulnerable or extreme weather (老人,
// 病人, 婴儿, 透析, 高温…); "危险" together with "now" words (随时, 正在,
// 马上…).
//
// Not urgent: the same words in a clause that says it is over or in the
// past ("上次停水的事已经解决了，谢谢", "去年着火以后…"), and hazards to
// inspect rather than emergencies ("火灾隐患", "消防通道被占").
func Urgency(text string) string {
	f := textnorm.Fold(text)
	vulnerable := vulnerableWords.containsAny(compactRunes(f))
	now := nowWords.containsAny(compactRunes(f))
	for _, cl := range clauses(f) {
		if doneWords.containsAny(cl) {
			continue
		}
		rs := []rune(cl)
		for i := 0; i < len(rs); {
			n := urgencyLex.longestAt(rs, i)
			if n == 0 {
				i++
				continue
			}
			switch urgencyKind[string(rs[i:i+n])] {
			case termDanger:
				return Urgent
			case termOutage:
				if vulnerable {
					return Urgent
				}
			case termRisk:
				if now {
					return Urgent
				}
			}
			i += n
		}
	}
	return Normal
}
