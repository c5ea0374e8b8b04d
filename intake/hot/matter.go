package hot

import "strings"

// matterLexicon names what citizens complain about, longest first where one
// contains another (施工噪音 before 噪音), so a text's words are specific.
// Drawn from the titles of appeals-hot's largest groups.
var matterLexicon = []string{
	"施工噪音", "噪音扰民", "施工扰民", "噪音", "扰民", "油烟", "臭味", "恶臭", "异味", "污水",
	"搅拌站", "搅拌厂", "粉尘", "扬尘", "垃圾", "污染", "排污", "漏水", "渗水", "开裂", "停水", "停电", "供水",
	"水压", "电梯", "消防", "违建", "违章建筑", "私搭乱建", "占道", "乱停", "停车位", "车位",
	"停车", "路灯", "积水", "修路", "拉通", "公交", "地铁", "红绿灯", "拆迁", "征收", "安置",
	"补偿", "物业费", "物业", "产权证", "不动产证", "房产证", "延期交房", "交房", "烂尾",
	"捆绑销售", "维修基金", "烟道", "规划", "虚假招商", "学位", "入学", "学区", "划片", "幼儿园", "补课", "收费", "拖欠工资",
	"欠薪", "讨薪", "工资", "社保", "医保", "养老保险", "公积金", "诈骗", "传销", "非法集资",
	"广场舞", "夜宵", "麻将", "养狗", "燃气", "天然气", "暖气", "网络", "信号", "快递",
}

// matterWords returns the lexicon's words a text (compacted by
// textnorm.Compact) names, each once, a word inside a longer one found
// (施工噪音 has 噪音) left out.
func matterWords(f string) []string {
	var out []string
	for _, w := range matterLexicon {
		if !strings.Contains(f, w) {
			continue
		}
		inside := false
		for _, o := range out {
			if strings.Contains(o, w) {
				inside = true
				break
			}
		}
		if !inside {
			out = append(out, w)
		}
	}
	return out
}
