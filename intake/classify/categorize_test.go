package classify

import "testing"

func TestCategorizer(t *testing.T) {
	c := NewCategorizer(Default(), []CategoryDef{
		{Code: "urban", Label: "城乡建设", Name: "城乡建设"},
		{Code: "labour", Label: "劳动和社会保障", Name: "劳动保障", Keywords: []string{"社保卡"}},
		{Code: "transport", Label: "交通运输", Name: "交通运输"},
	})
	cases := []struct{ text, code, name string }{
		{"小区门口的路灯坏了一个月了，晚上很黑", "urban", "城乡建设"},
		{"小區門口的路燈壞了一個月了，晚上很黑", "urban", "城乡建设"}, // traditional
		{"公司拖欠工资三个月", "labour", "劳动保障"},
		{"社保卡丢了去哪里补办", "labour", "劳动保障"}, // keyword
		{"工厂排放废水河里都是死鱼", "", "环境保护"},     // a label with no configured category
	}
	for _, tc := range cases {
		got := c.Categorize(tc.text)
		if got.Code != tc.code || got.Name != tc.name || got.Confidence <= 0 || got.Confidence > 1 {
			t.Errorf("%s: %+v, want %s %s", tc.text, got, tc.code, tc.name)
		}
	}
	if got := c.Categorize("社保卡丢了"); got.Confidence != 1 {
		t.Errorf("keyword match should be certain: %+v", got)
	}
	// The second level comes with the first, from the model's label or
	// the keyword's category; none when the words do not say.
	for text, want := range map[string]string{
		"公司拖欠工資三个月":         "工资福利", // traditional
		"社保卡丢了，养老保险断缴了":     "城镇职工社会保险",
		"小區物業不作為，開發商不給辦房產證": "住房保障与房地产",
		"你好": "",
	} {
		if got := c.Categorize(text); got.Subcategory != want {
			t.Errorf("Categorize(%q).Subcategory = %q, want %q (%+v)", text, got.Subcategory, want, got)
		}
	}
}
