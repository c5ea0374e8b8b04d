package understand

import (
	"regexp"
	"slices"
	"strings"

	"github.com/minsheng/minsheng/intake/textnorm"
)

// Words for Urgency, all matched on compact folded clauses, longest first.
// A neutral word swallows a term inside it: "火灾隐患" (a hazard to
// inspect, not a fire), "消防通道", "轮胎漏气", "跳楼价", "贫困人口".
var (
	dangerWords = []string{"火灾", "着火", "著火", // 著 stays 著 in OpenCC
		"失火", "起火", "大火", "火情",
		"燃气泄漏", "煤气泄漏", "天然气泄漏", "燃气泄露", "煤气泄露", "天然气泄露", "漏气",
		"煤气味", "燃气味", "液化气味", "燃气管道破裂", "燃气管破", "触电", "漏电", "电线掉",
		"电线断了", "电线断落", "电线断裂", "电线落地", "电线垂", "高压线断", "高压线掉",
		"塌陷", "坍塌", "塌方", "倒塌", "塌了", "摇摇欲坠", "房屋倾斜", "楼房倾斜", "楼体倾斜",
		"墙体倾斜", "溺水", "落水", "掉进", "掉到河", "救命", "爆炸", "被困", "困人",
		"困在电梯", "关在电梯", "电梯下坠", "下坠", "溜梯", "掉层", "井盖丢", "井盖也丢",
		"井盖没了", "井盖也没了", "没有井盖", "没井盖", "井盖被偷", "井盖不见", "中毒", "一氧化碳", "被淹", "淹了",
		"水淹", "洪水", "决堤", "溃坝", "泥石流", "山体滑坡", "滑坡", "持刀", "砍人",
		"跳楼", "跳河", "自杀", "轻生"}
	// A person collapsed: urgent, but in a clause about a hospital it is
	// the history of a medical dispute.
	collapseWords = []string{"昏迷", "晕倒"}
	medicalWords  = newLexicon("医院", "医生", "手术", "术后", "住院", "抢救", "治疗", "病情",
		"患者", "病人", "icu", "病房", "就诊", "会诊", "急诊", "诊断", "院长", "主任", "护士")
	neutralWords = []string{"救命通道", "救命消防", "救命钱", "被困高楼", "烧焦煤", "火灾隐患", "爆炸隐患", "触电隐患", "坍塌隐患", "安全隐患",
		"防火", "消防", "防溺水", "轮胎漏气", "车胎漏气", "跳楼价", "跳楼机", "中毒隐患",
		"贫困人", "危险期", "自杀身亡", "计划停电", "停电通知", "计划停水", "停水通知", "手机没电",
		"车没电", "电瓶没电", "电池没电", "没有电子", "防洪", "防汛", "落水管",
		"知识爆炸", "信息爆炸", "人口爆炸", "爆炸性", "救命稻草", "中毒性"}
	// Basic needs cut off now: water, power, gas, heating.
	outageWords = []string{"停水", "断水", "没水", "没有水", "停电", "断电", "没电",
		"没有电", "停气", "断气", "停暖", "没暖气", "没有暖气", "停止供水", "停止供电",
		"停止供气", "停止供暖", "水停了", "电停了", "气停了", "暖气停了", "停了水", "停了电", "停了气",
		"断了水", "断了电", "没了水", "没了电", "自来水停", "没有自来水", "不供水", "不供电", "不供暖",
		"不供气", "没来水", "没来电", "一直没水", "一直没电"}
	// Unpaid wages: urgent before a holiday or when money for living is gone.
	wageWords = []string{"拖欠工资", "欠薪", "讨薪", "欠发工资", "工资未发", "未发工资",
		"没发工资", "不发工资", "拿不到工资", "欠工资", "拖欠工钱", "欠工钱", "工资拖欠"}
	wageNeedWords = newLexicon("年关将至", "年关将近", "临近春节", "春节将至", "春节临近",
		"快过年", "马上过年", "就要过年", "春节前", "节前", "过年前", "年底前", "中秋前",
		"国庆前", "回家过年", "过不了年", "无钱过年", "没钱过年", "过个好年", "生活费都没有",
		"没有生活费", "连生活费", "揭不开锅", "吃饭都成问题", "没钱吃饭", "无米下锅")
	// "危险" alone is most often a complaint about a hazard (smoke, most
	// often a factory's, is in emergencyWords); with one of nowWords in the
	// clause or the one before, it is happening now.
	riskWords = []string{"危险"}
	nowWords  = newLexicon("随时", "马上", "正在", "现在", "紧急", "快来", "赶紧", "立刻", "救", "突然", "刚才", "刚刚")
)

// Context that takes a clause, or a term in it, out of the present.
var (
	// A clause that says it is over.
	doneWords = newLexicon("已经解决", "已解决", "解决了", "修好了", "已修好", "已经修好",
		"已处理", "处理好了", "恢复了", "已恢复", "扑灭", "灭了", "谢谢", "感谢")
	// Anywhere in the text: the people are out of the danger.
	rescuedWords = newLexicon("救出来", "救出", "逃出来", "跑出来了", "跳了出去", "脱险", "已送医",
		"送医院了", "送到医院", "救护车来了", "消防车来了", "警察来了")
	// Anywhere in the text: the outage is over.
	restoredWords = newLexicon("恢复供电", "恢复供水", "来电了", "才来电", "已来电", "来水了",
		"才来水", "已来水", "已经来电", "已经来水")
	// From one of these, like from a year, the rest of the sentence is the past.
	pastWords = newLexicon("上次", "去年", "以前", "之前", "过去", "曾经", "曾有过", "当年",
		"当时", "差点", "险些", "曾出现", "出现过", "发生过", "曾发生", "最终", "后来", "事后")
	// notPast hold 过去 without the past in it: "昏过去了", "跑过去".
	notPast = newLexicon("昏过去", "晕过去", "走过去", "跑过去", "冲过去", "看过去", "扑过去")
	// In a clause with one of these, danger happens often or happened days
	// ago: urgent for the office, but nobody's emergency now ("经常被困电
	// 梯", "上周老人晕倒").
	habitualWords = newLexicon("经常", "常常", "多次", "屡次", "每次", "总是", "老是", "时常",
		"动不动", "三天两头", "隔三差五", "频繁",
		// or happened days ago: urgent still, a number no more
		"每天", "天天", "每晚", "多年", "长期", "常年", "几年", "有时", "有时候",
		"昨天", "昨晚", "前天", "前几天", "前几日", "前些天", "前段时间", "几天前", "上周", "上个月",
		"那天", "那次", "有一次")
	// A clause with a year or a past word that runs to the present.
	ongoingWords = newLexicon("以来", "至今", "到现在", "到目前", "截止", "截至", "为止", "日止")
	// A later clause with one of these is back in the present: "以前…，现在…".
	presentWords = newLexicon("现在", "目前", "如今", "今天", "刚才", "此刻", "眼下")
	// Before the term in its clause: it may happen, it has not.
	maybeWords = newLexicon("万一", "一旦", "如果", "假如", "要是", "若是", "倘若", "如遇",
		"担心", "害怕", "生怕", "恐怕", "防止", "预防", "避免", "以免", "难道", "防范", "威胁",
		"以为", "欠费", "怕", "会不会", "可能会", "容易", "面临")
	// Right after the term: a hazard, not the event ("塌陷隐患", "触电的危险").
	hazardWords = newLexicon("隐患", "的隐患", "风险", "的风险", "危险", "的危险")
	// Right after the term: what came after it ("火灾以后保险怎么理赔").
	// Or the event named as a topic ("被烫伤一事").
	afterWords = newLexicon("以后", "之后", "后的", "过后", "后来", "一事", "事件", "的事", "事故")
	// Right before the term, maybe with a filler between: it did not happen.
	negationWords = newLexicon("没", "没有", "不", "无", "未", "并未", "从未", "不是", "并非", "并不", "别")
	negationFill  = newLexicon("有", "是", "会", "再", "曾", "发生", "出现", "存在", "任何", "什么")
	// The citizen says it can wait: that settles an outage or unpaid
	// wages, never a danger to life.
	calmWords = newLexicon("不急", "不着急", "不是很急", "不太急", "不紧急", "不用急", "不是急事", "不赶时间")
)

type urgencyTerm int

const (
	termNeutral  urgencyTerm = iota
	termDanger               // urgent wherever it is current
	termCollapse             // urgent unless the clause is about a hospital
	termRisk                 // urgent with a "now" word in its clause or the one before
	termOutage               // a basic need cut off: urgent unless the citizen says it can wait
	termWages                // unpaid wages: urgent before a holiday or without money to live on
	termSmoke                // smoke: urgent with a "now" word or something that burns in a home
	termNow                  // urgent only with a "now" word: violence (most complaints tell what was done)
	termCue                  // never urgent alone; with danger in the text, what calls for a number ("还有人")
)

// UrgencyRules is the vocabulary Urgency reads: the built-in words and a
// deployment's own (config intake.urgent_words). It is immutable and safe
// for concurrent use.
type UrgencyRules struct {
	lex  lexicon
	kind map[string]urgencyTerm
	// call is the emergency number a current danger word calls for
	// (emergencyWords); words that are only urgent have none.
	call    map[string]Call
	callNow map[string]bool // a call only with a "now" word
}

// NewUrgencyRules returns the built-in rules plus extra danger words, which
// count like "火灾": urgent when current, not negated, not hypothetical. An
// extra word that is also a built-in word keeps its built-in meaning.
func NewUrgencyRules(extra []string) *UrgencyRules {
	r := &UrgencyRules{lex: newLexicon(), kind: map[string]urgencyTerm{}, call: map[string]Call{}, callNow: map[string]bool{}}
	add := func(k urgencyTerm, words []string) {
		for _, w := range words {
			c := textnorm.Compact(w)
			if c == "" {
				continue
			}
			if _, ok := r.kind[c]; ok {
				continue
			}
			r.lex.add(w)
			r.kind[c] = k
		}
	}
	add(termNeutral, neutralWords)
	for _, e := range emergencyWords {
		add(e.term, e.words)
		for _, w := range e.words {
			if c := textnorm.Compact(w); r.call[c] == "" {
				r.call[c], r.callNow[c] = e.call, e.callNow
			}
		}
	}
	add(termDanger, dangerWords)
	add(termCollapse, collapseWords)
	add(termRisk, riskWords)
	add(termOutage, outageWords)
	add(termWages, wageWords)
	add(termDanger, extra)
	return r
}

var defaultUrgency = NewUrgencyRules(nil)

// Urgency returns Urgent or Normal by the built-in rules; see
// UrgencyRules.Assess.
func Urgency(text string) string {
	return defaultUrgency.Assess(text).Urgency
}

// Urgency returns Urgent or Normal; see Assess.
func (r *UrgencyRules) Urgency(text string) string {
	return r.Assess(text).Urgency
}

// Judge returns Urgent or Normal with the word that decided it ("" when
// Normal); see Assess.
func (r *UrgencyRules) Judge(text string) (string, string) {
	a := r.Assess(text)
	return a.Urgency, a.Word
}

// Assessment is what a text says of danger.
type Assessment struct {
	Urgency string // Urgent or Normal
	Word    string // the word that made it urgent ("" when Normal)
	// Calls are the emergency numbers the danger calls for, in the order
	// the text names them (none when it is only urgent: an outage, a
	// missing manhole cover, a hazard with a "now" word).
	Calls []Call
}

// Emergency reports whether the text reports danger to people happening
// now, for which the citizen must call an emergency number at once.
func (a Assessment) Emergency() bool { return len(a.Calls) > 0 }

// Assess reads a text for danger.
//
// Urgent: a fire, a gas leak or gas smell, electrocution or fallen live
// wires, a collapse or a building about to fall, drowning, floods and
// landslides, "救命", an explosion, someone trapped (a lift that traps or
// drops), a missing manhole cover, poisoning, someone collapsed or about
// to take their life, violence happening now; "危险" with a "now" word in
// its clause (随时, 正在…); water, power, gas or heating cut off; unpaid
// wages with a holiday coming or no money left to live on (春节前,
// 连生活费都没有).
//
// An emergency, with the numbers to call (Calls), is the part of that
// which is danger to people happening now (emergencyWords): fire, smoke
// from something burning, gas, someone trapped, a building or wall coming
// down (119); someone unconscious, poisoned, bleeding (120); violence, a
// person in the water or about to take their life (110). Outages, wages,
// a missing manhole cover, a road sinking or a flooded street are urgent
// for the office but no emergency number's; so is danger the text says
// happens often ("经常被困电梯") or is over ("已扑灭").
//
// Not urgent: a word in a clause that is over or tells the past
// ("上次停水的事已经解决了", "去年着火", "2017年9月发生火灾", "2月19日
// 凌晨突发大火"), that supposes it ("万一发生火灾", "担心坍塌", "会中毒")
// or names a hazard ("塌陷隐患"), that denies it ("没有危险", "没停电");
// an outage or unpaid wages when the citizen says it can wait ("不急").
// The citizen's own hurry ("急", "着急", "紧急", "急需") is not a safety
// matter and counts for nothing: every appeal is urgent to the one who
// sends it.
func (r *UrgencyRules) Assess(text string) Assessment {
	folded := textnorm.Fold(datedYears.ReplaceAllString(spacesAsCommas(text), "${1}年${2}月${3}日"))
	cls := presentClauses(folded)
	calm, restored, wageNeed := false, false, false
	for _, cl := range cls {
		calm = calm || calmWords.containsAny(cl)
		restored = restored || restoredWords.containsAny(cl)
		wageNeed = wageNeed || wageNeedWords.containsAny(cl)
	}
	// Danger the text says is over, or people out of it: no number to call.
	whole := compactRunes(folded)
	over := doneWords.containsAny(whole) || rescuedWords.containsAny(whole)
	var a Assessment
	var cues []Call // numbers that cue words call for, if the text has danger
	need := ""      // an outage or unpaid wages, urgent unless calm
	for c, cl := range cls {
		rs := []rune(cl)
		for i := 0; i < len(rs); {
			n := r.lex.longestAt(rs, i)
			if n == 0 {
				i++
				continue
			}
			w := string(rs[i : i+n])
			k := r.kind[w]
			if k != termNeutral && !supposed(rs, i, n) {
				now := nowWords.containsAny(cl) || c > 0 && nowWords.containsAny(cls[c-1])
				danger := false
				switch {
				case k == termDanger, k == termCollapse && !medicalNear(cls, c):
					danger = true
				case k == termRisk && now, k == termNow && now:
					danger = true
				case k == termSmoke && (now || burningThings.containsAny(cl)):
					danger = true
				case k == termOutage && !restored, k == termWages && wageNeed:
					if need == "" {
						need = w
					}
				case k == termCue && !over && !habitualWords.containsAny(cl):
					cues = append(cues, r.call[w])
				}
				if danger {
					if a.Word == "" {
						a.Urgency, a.Word = Urgent, w
					}
					call := r.call[w]
					if call == Call120 && medicalNear(cls, c) {
						call = "" // in hospital already: the history of a medical dispute
					}
					if call != "" && (now || !r.callNow[w]) && !over && !habitualWords.containsAny(cl) && !slices.Contains(a.Calls, call) {
						a.Calls = append(a.Calls, call)
					}
				}
			}
			i += n
		}
	}
	if a.Word != "" {
		for _, c := range cues {
			if !slices.Contains(a.Calls, c) {
				a.Calls = append(a.Calls, c)
			}
		}
	}
	if a.Word == "" && need != "" && !calm {
		a.Urgency, a.Word = Urgent, need
	}
	if a.Urgency == "" {
		a.Urgency = Normal
	}
	return a
}

// medicalNear reports whether clause c or a neighbour is about a hospital:
// someone collapsed there is the history of a medical dispute.
func medicalNear(cls []string, c int) bool {
	for k := max(c-1, 0); k <= c+1 && k < len(cls); k++ {
		if medicalWords.containsAny(cls[k]) {
			return true
		}
	}
	return false
}

// datedYears finds a date written with points or dashes ("2019.3.18"):
// its year gets a 年, so the clause reads as dated, like "2019年3月".
var datedYears = regexp.MustCompile(`((?:19|20)\d\d)[.\-/](\d{1,2})[.\-/](\d{1,2})`)

// spacesAsCommas turns a space between two Chinese characters into a
// comma: on an old phone a space is how a citizen ends a clause ("着火了
// 火好大").
func spacesAsCommas(text string) string {
	rs := []rune(text)
	for i := 1; i+1 < len(rs); i++ {
		if (rs[i] == ' ' || rs[i] == '\u3000') && isHan(rs[i-1]) && isHan(rs[i+1]) {
			rs[i] = '，'
		}
	}
	return string(rs)
}

// presentClauses splits a folded text into compact clauses (see clauses)
// and blanks those that are over or tell the past: a clause with a done
// word, and from a year or a past word on the rest of its sentence
// ("2017年6月12日晚上，工厂排污，导致自来水厂停止供水22小时") unless that
// clause runs to the present ("2019年以来") or a later one comes back to
// it ("现在"). Blanked clauses stay in place, so a neighbour is still the
// clause next to it.
func presentClauses(folded string) []string {
	var out []string
	for _, sentence := range sentences(folded) {
		past := false
		for _, cl := range clauses(sentence) {
			switch {
			case hasYear(cl) || hasDate(cl) || pastIn(cl):
				past = !ongoingWords.containsAny(cl)
			case presentWords.containsAny(cl):
				past = false
			}
			if past || doneWords.containsAny(cl) {
				cl = ""
			}
			out = append(out, cl)
		}
	}
	return out
}

// pastIn reports whether a compact clause has a past word (not inside
// "昏过去" and the like).
func pastIn(cl string) bool {
	if !pastWords.containsAny(cl) {
		return false
	}
	rest, _ := removeWords([]rune(cl), notPast)
	return pastWords.containsAny(string(rest))
}

// hasDate reports whether a compact clause dates an event with a month
// and a day ("2月19日", "5月3号"). A reporter of danger now does not date
// it.
func hasDate(cl string) bool {
	rs := []rune(cl)
	for i, r := range rs {
		if r == '月' && i > 0 && isDigit(rs[i-1]) {
			j := i + 1
			for j < len(rs) && isDigit(rs[j]) {
				j++
			}
			if j > i+1 && j < len(rs) && (rs[j] == '日' || rs[j] == '号') {
				return true
			}
		}
	}
	return false
}

// sentences splits a folded text at 。！？ (folded to ASCII) and line
// breaks; a point between digits ("22.8倍") does not end a sentence.
func sentences(folded string) []string {
	rs := []rune(folded)
	var out []string
	start := 0
	for i, r := range rs {
		switch r {
		case '.':
			if i > 0 && i+1 < len(rs) && isDigit(rs[i-1]) && isDigit(rs[i+1]) {
				continue
			}
		case '!', '?', '。', '！', '？', '\n':
		default:
			continue
		}
		out = append(out, string(rs[start:i]))
		start = i + 1
	}
	return append(out, string(rs[start:]))
}

// hasYear reports whether a compact clause names a year: four digits
// starting 19 or 20 followed by 年. A reporter of an emergency says 今天 or
// 刚才; a year dates an event told as background.
func hasYear(cl string) bool {
	rs := []rune(cl)
	for i := 0; i+4 < len(rs); i++ {
		if rs[i+4] == '年' && (rs[i] == '1' && rs[i+1] == '9' || rs[i] == '2' && rs[i+1] == '0') &&
			isDigit(rs[i+2]) && isDigit(rs[i+3]) {
			return true
		}
	}
	return false
}

// supposed reports whether the term rs[i:i+n] is supposed, a hazard or
// denied rather than happening: a maybe-word before it in the clause, a
// hazard word right after it, or a negation right before it (fillers
// allowed between: "没有发生火灾"). "不断停电" is not a negation: the rune
// before 停电 is 断.
func supposed(rs []rune, i, n int) bool {
	for j := 0; j < i; j++ {
		if maybeWords.longestAt(rs[:i], j) > 0 {
			return true
		}
	}
	if hazardWords.longestAt(rs, i+n) > 0 || afterWords.longestAt(rs, i+n) > 0 {
		return true
	}
	if i > 0 && rs[i-1] == '会' || i > 1 && rs[i-2] == '可' && rs[i-1] == '能' {
		return true // "喝酸奶会中毒", "随时可能倒塌": what would happen
	}
	if k := i + n; k < len(rs) && rs[k] == '后' && (k+1 == len(rs) || !strings.ContainsRune("面边头门院山方", rs[k+1])) {
		return true // "突然垮塌后，自筹资金建楼房"
	}
	j := i
	for k := 0; k < 2; k++ { // at most two fillers: "没有发生过"
		if m := endingAt(negationFill, rs, j); m > 0 {
			j -= m
		}
	}
	return endingAt(negationWords, rs, j) > 0
}

// endingAt is the length of the longest word of l that ends right before
// rs[j], or 0.
func endingAt(l lexicon, rs []rune, j int) int {
	for n := min(l.max, j); n > 0; n-- {
		if l.has(rs[j-n : j]) {
			return n
		}
	}
	return 0
}
