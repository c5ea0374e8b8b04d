package dialog

import "testing"

// The survey quotes the matter: not the greeting before it, cut where a
// reader pauses, not inside a word.
func TestSummaryQuotesTheMatter(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"幸福小区3号楼门口的路灯坏了", "幸福小区3号楼门口的路灯坏了"},
		{"县长您好，城关镇幸福小区5号楼电梯坏了三天了，老人上不去", "城关镇幸福小区5号楼电梯坏了…"},
		{"幸福小区5号楼电梯一直坏，物业不管", "幸福小区5号楼电梯一直坏…"},
		{"书记您好！ 我们村的路灯坏了", "我们村的路灯坏了"},
		{"你好", "你好"},
		{"楼下烧烤店每天晚上吵到半夜两点，影响休息", "楼下烧烤店每天晚上吵到半夜两点…"},
		{"幸福小区3号楼门口的路灯坏了一个月", "幸福小区3号楼门口的路灯坏了…"},
		{"", ""},
	} {
		if got := summary(tt.in); got != tt.want {
			t.Errorf("summary(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
