package classify

import (
	"testing"
)

func TestSubcategoryKeywordsAreInTheTaxonomy(t *testing.T) {
	// buildSubRules refuses keywords for a level-2 category the taxonomy
	// lacks; the embedded tables must load.
	rules, err := buildSubRules(taxonomyJSONL, subKeywords)
	if err != nil {
		t.Fatal(err)
	}
	for label := range DefaultCodes {
		if len(rules[label]) < 3 {
			t.Errorf("%s has %d second-level categories, want the taxonomy's", label, len(rules[label]))
		}
	}
	if _, err := buildSubRules(taxonomyJSONL, map[string]map[string][]string{"城乡建设": {"不存在": {"x"}}}); err == nil {
		t.Error("keywords for an unknown second-level category were accepted")
	}
}

func TestSubcategory(t *testing.T) {
	for _, tc := range []struct{ level1, text, want string }{
		{"城乡建设", "小区物业不作为，开发商交房两年了房产证还没办下来", "住房保障与房地产"},
		{"城乡建设", "幸福小区门口的路灯坏了一个月，下水道也堵了", "城市建设和市政管理"},
		{"城乡建设", "邻居私搭乱建违章建筑挡住了我家采光", "城乡规划"},
		{"劳动和社会保障", "公司拖欠工资三个月不发", "工资福利"},
		{"劳动和社会保障", "我父亲退休后养老金一直没调整", "退休政策及待遇"},
		{"劳动和社会保障", "單位不給交社保和養老保險", "城镇职工社会保险"}, // traditional
		{"环境保护", "工厂晚上排放废气，噪音扰民", "环境污染"},
		{"交通运输", "出租车司机拒载还不打表", "出租车管理"},
		{"交通运输", "快递丢了邮政不管", "邮政管理"},
		{"教育文体", "孩子学校乱收资料费", "教育收费"},
		{"教育文体", "今年中考招生录取分数线什么时候公布", "考试招生"},
		{"卫生计生", "超市卖过期食品", "食品药品监管"},
		{"卫生计生", "二孩准生证怎么办理", "人口计生"},
		{"商贸旅游", "景区门票乱涨价，导游强制购物", "旅游管理"},
		// Not enough said: no suggestion rather than a guess.
		{"城乡建设", "请领导关注一下我们的问题", ""},
		{"劳动和社会保障", "", ""},
		// A first level the taxonomy lacks.
		{"未知", "公司拖欠工资", ""},
	} {
		if got := Subcategory(tc.level1, tc.text); got != tc.want {
			t.Errorf("Subcategory(%s, %q) = %q, want %q", tc.level1, tc.text, got, tc.want)
		}
	}
}
