package understand

import (
	"strings"

	"github.com/minsheng/minsheng/intake/textnorm"
)

// Appeal types (诉求类型), the contract's codes (intake.Petition.AppealType).
const (
	AppealConsult    = "consult"    // 咨询: a question for information
	AppealComplaint  = "complaint"  // 投诉: wrongdoing or a failure by someone
	AppealSuggestion = "suggestion" // 建议: a proposal for a public measure
	AppealHelp       = "help"       // 求助: help with a difficulty, a repair
	AppealPraise     = "praise"     // 表扬: thanks or praise
)

// AppealTypes are the codes in the order reports list them.
var AppealTypes = []string{AppealComplaint, AppealHelp, AppealConsult, AppealSuggestion, AppealPraise}

// AppealTypeNames are the types as the office reads them.
var AppealTypeNames = map[string]string{
	AppealConsult: "咨询", AppealComplaint: "投诉", AppealSuggestion: "建议", AppealHelp: "求助", AppealPraise: "表扬",
}

// The words of each type, matched on the folded, compacted text. A word's
// weight is how sure it makes the type; the type with the highest sum wins,
// ties going to the earlier type of AppealTypes (complaint first: most
// appeals are complaints).
var appealWords = map[string]map[string]int{
	AppealComplaint: {
		"投诉": 3, "举报": 3, "检举": 3, "控告": 3, "违规": 2, "违法": 2, "违章": 2, "违建": 2, "非法": 2,
		"乱收费": 3, "乱收": 2, "收费不合理": 2, "拖欠": 3, "欠薪": 3, "讨薪": 3, "不发工资": 3, "克扣": 3,
		"没有加班": 2, "加班费": 2, "噪音": 2, "噪声": 2, "扰民": 3, "污染": 2, "排放": 1, "排污": 2, "偷排": 3,
		"油烟": 2, "臭味": 2, "异味": 2, "刺鼻": 2, "粉尘": 1, "强制": 2, "强行": 2, "欺诈": 3, "诈骗": 3,
		"骗子": 3, "欺骗": 2, "忽悠": 2, "不作为": 3, "乱作为": 3, "推诿": 3, "踢皮球": 3, "态度恶劣": 3,
		"态度差": 3, "私自": 2, "擅自": 2, "黑心": 3, "腐败": 3, "贪污": 3, "豆腐渣": 3, "霸王": 2,
		"侵占": 2, "侵犯": 2, "乱搭": 2, "乱建": 2, "私搭": 2, "搭建": 1, "质疑": 2, "不合理": 1, "失职": 3,
		"渎职": 3, "垄断": 2, "传销": 3, "违反": 2, "坑": 1, "敷衍": 2, "不管": 1, "无人管": 2, "没人管": 2,
		"不予解决": 2, "不给解决": 2, "多次反映": 1, "多次投诉": 3, "严重影响": 1, "太可恨": 3, "恶性竞争": 2,
		"开除": 2, "辞退": 2, "补课": 2, "乱象": 2, "虚假": 2, "造假": 2, "伪劣": 2, "不退": 2, "拒不": 2,
		"误诊": 3, "事故": 1, "受害": 2, "威胁": 2, "殴打": 3, "打人": 3, "占道": 2, "堵塞": 1, "偷": 1,
		"合法吗": 3, "没有交": 2, "没给交": 2, "未缴": 2, "没发": 2, "未发放": 2, "没有发放": 2, "无视": 2, "花招": 2, "为何": 1,
	},
	AppealHelp: {
		"求助": 3, "求求": 2, "帮帮": 3, "帮忙": 2, "帮助": 1, "恳请": 1, "恳求": 1, "请求": 1, "救助": 3,
		"困难": 2, "贫困": 1, "生活困难": 3, "患病": 2, "重病": 2, "癌": 2, "肿瘤": 2, "残疾": 1, "无法生活": 3,
		"坏了": 2, "损坏": 2, "破损": 2, "漏水": 2, "渗水": 2, "破烂": 2, "维修": 2, "修复": 2, "修缮": 2,
		"停水": 2, "断水": 2, "停电": 2, "水压": 2, "用不了": 2, "不能用": 2, "无法使用": 2, "不通": 1,
		"危房": 2, "办理不了": 2, "办不了": 2, "无法办理": 2, "落实": 1, "何时能还": 2, "解决": 1, "协调": 1,
		"安置": 1, "补贴": 1, "待遇": 1, "上访": 1, "维权": 1, "急需": 1, "路灯": 1, "井盖": 1,
	},
	AppealConsult: {
		"请问": 3, "咨询": 3, "想问": 3, "问一下": 3, "问问": 2, "了解一下": 2, "什么时候": 2, "何时": 2,
		"是否": 2, "能否": 1, "可不可以": 2, "可以吗": 2, "能不能": 1, "怎么办理": 3, "如何办理": 3,
		"怎样办理": 3, "去哪里": 2, "在哪里": 2, "哪里办": 3, "需要什么": 2, "多少钱": 2, "要缴多少": 2,
		"有哪些": 2, "怎么办": 1, "继承": 1, "过户": 1, "吗": 1, "不知道": 1, "条件": 1, "规定": 1, "政策": 1, "报名": 1,
	},
	AppealSuggestion: {
		"建议": 4, "提议": 3, "倡议": 3, "呼吁": 2, "希望": 1, "可以考虑": 3, "能否考虑": 3, "是否考虑": 3,
		"考虑": 1, "增设": 3, "增加": 1, "开通": 1, "设置": 1, "改进": 2, "完善": 2, "规划": 1, "纳入": 2,
		"为什么不": 1, "应该": 1, "不如": 1, "刻不容缓": 2, "重视": 2, "方便": 1, "发展": 1, "保护": 1,
		"加强": 2, "提升": 1, "提高": 1, "措施": 1, "规范": 1, "需要": 1,
	},
	AppealPraise: {
		"表扬": 4, "点赞": 3, "致谢": 3, "感谢信": 4, "锦旗": 4, "为民办实事": 2, "辛苦了": 2,
		"感谢": 1, "衷心感谢": 1, "非常感谢": 1, "谢谢": 1, "好评": 3, "称赞": 3, "赞扬": 3,
	},
}

// appealLexicon holds every word with its type and weight, for one
// longest-first scan.
var appealLexicon, appealWeights = func() (lexicon, map[string]struct {
	kind   string
	weight int
}) {
	l := newLexicon()
	w := map[string]struct {
		kind   string
		weight int
	}{}
	for kind, words := range appealWords {
		for word, n := range words {
			k := textnorm.Compact(word)
			l.add(k)
			w[k] = struct {
				kind   string
				weight int
			}{kind, n}
		}
	}
	return l, w
}()

// AppealType reads what kind of appeal a text is: consult (咨询), complaint
// (投诉), suggestion (建议), help (求助) or praise (表扬). Rules on words,
// weighed: the longest word at each place counts once; a question mark
// counts toward consult; a text that says nothing of any is a complaint,
// the commonest kind. Measured on real appeals' first 70 characters
// labelled by hand (testdata/appeal_type_labels.tsv, appealtype_test.go).
func AppealType(text string) string {
	c := []rune(compactRunes(textnorm.Fold(text)))
	score := map[string]int{}
	for i := 0; i < len(c); {
		n := appealLexicon.longestAt(c, i)
		if n == 0 {
			i++
			continue
		}
		w := appealWeights[string(c[i:i+n])]
		score[w.kind] += w.weight
		i += n
	}
	if q := strings.Count(text, "?") + strings.Count(text, "？"); q > 0 {
		score[AppealConsult] += min(q, 2)
	}
	best, top := AppealComplaint, 0
	for _, k := range AppealTypes {
		if score[k] > top {
			best, top = k, score[k]
		}
	}
	return best
}
