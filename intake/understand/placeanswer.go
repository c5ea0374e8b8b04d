package understand

import (
	"strings"
	"unicode"

	"github.com/minsheng/minsheng/intake/textnorm"
)

// unknownWords say the citizen does not know or will not say where: a
// clause made of one of them (and fillers) is no place.
var unknownWords = newLexicon("不知道", "不晓得", "不清楚", "说不清", "说不清楚", "讲不清",
	"记不清", "记不得", "忘了", "忘记了", "不记得", "不想说", "不告诉你", "不方便说", "不确定",
	"没注意", "不认识", "搞不清")

// placeCues make a clause name a place in the citizen's own words: where
// something is relative to a landmark ("菜市场后面", "三中旁边那条巷子"),
// or a kind of place everybody nearby knows ("老粮站", "村口").
var placeCues = newLexicon(
	// where, relative to something
	"后面", "后边", "后头", "背后", "旁边", "边上", "对面", "斜对面", "附近", "门口", "前面",
	"前边", "里面", "里边", "那边", "这边", "东边", "西边", "南边", "北边", "东头", "西头",
	"南头", "北头", "拐角", "转角", "路口", "交叉口", "岔路口", "隔壁", "楼下", "楼上", "底下",
	"下面", "上面", "中间", "跟前", "周边", "周围", "一带", "尽头", "路边", "街边", "河边",
	"那条", "这条", "那片", "这片", "那块", "这块", "那个", "村口", "桥头", "桥下", "进去",
	"往东", "往西", "往南", "往北", "出口", "入口", "对过", "挨着", "靠近", "过去",
	// landmarks
	"菜市场", "市场", "超市", "商场", "学校", "中学", "小学", "幼儿园", "医院", "卫生院",
	"诊所", "车站", "汽车站", "火车站", "公交站", "站台", "公园", "广场", "银行", "邮局",
	"加油站", "桥", "河", "巷", "巷子", "胡同", "弄堂", "路", "街", "大道", "村", "组",
	"小区", "楼", "栋", "单元", "号", "厂", "店", "饭店", "酒店", "宾馆", "饭馆", "政府",
	"派出所", "法院", "粮站", "电影院", "体育馆", "工地", "停车场", "加工厂", "仓库", "大院",
	"家属院", "宿舍", "寺", "庙", "塔", "山", "水库", "池塘", "田", "地里", "老街", "新街",
	"十字", "转盘", "环岛", "高速", "国道", "省道", "家门口", "我家", "我们家")

// PlaceAnswer reads an answer to "where is it?" that names no place Place
// can find: the citizen's own words for where ("不知道叫什么路，就在菜市场
// 后面" → "就在菜市场后面", "三中旁边那条巷子", "老粮站对面"). It returns
// the words, trimmed, and true; false when the answer only says they do
// not know or will not say ("不知道", "说不清"), or names no place at all
// ("晚上特别黑": more of the matter, not where).
func PlaceAnswer(text string) (string, bool) {
	var kept []string
	for _, cl := range splitClauses(text) {
		fold := []rune(textnorm.Compact(cl))
		if len(fold) == 0 {
			continue
		}
		if IsFiller(cl) {
			continue
		}
		if n := unknownWords.longestAt(fold, 0); n > 0 {
			// "不知道叫什么路" is no place; "不知道叫什么路就在菜市场后面" is
			// one, by a landmark of its own, not by the 路 of the question.
			if !hasLongCue(fold[n:]) {
				continue
			}
		} else if !placeCues.containsAny(string(fold)) {
			continue
		}
		kept = append(kept, trimPlaceLead(cl))
	}
	if len(kept) == 0 {
		return "", false
	}
	words := strings.Join(kept, "，")
	words = strings.TrimFunc(words, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) })
	return words, words != ""
}

// hasLongCue reports whether a place cue of two characters or more is in
// fold.
func hasLongCue(fold []rune) bool {
	for i := range fold {
		if n := placeCues.longestAt(fold, i); n >= 2 {
			return true
		}
	}
	return false
}

// placeLeads start an answer without being part of the place: "就在…".
var placeLeads = []string{"就是在", "就在", "位置在", "地点在", "地址在", "地址是", "是在", "就是", "在"}

// trimPlaceLead drops such a start, when something is left after it.
func trimPlaceLead(cl string) string {
	cl = strings.TrimSpace(cl)
	for _, l := range placeLeads {
		if rest, ok := strings.CutPrefix(cl, l); ok && rest != "" {
			return rest
		}
	}
	return cl
}

// splitClauses splits the original text at punctuation and spaces between
// clauses, keeping each clause's own characters (traditional or not).
func splitClauses(text string) []string {
	return strings.FieldsFunc(textnorm.Clean(text), func(r rune) bool {
		return unicode.IsPunct(r) || r == ' ' || r == '\u3000'
	})
}
