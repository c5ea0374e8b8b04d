package understand

import "testing"

func TestIsFiller(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"", true},
		{"   ", true},
		{"\n\t", true},
		{"你好", true},
		{"您好", true},
		{"您好！", true},
		{"你好 ", true},
		{"书记您好", true},
		{"書記您好", true},
		{"书记，您好！", true},
		{"市长你好", true},
		{"王书记好", true},
		{"王書記好", true},
		{"尊敬的李市长您好", true},
		{"欧阳主任您好", true},
		{"领导好", true},
		{"各位领导好", true},
		{"在吗", true},
		{"在嗎", true},
		{"在吗？？", true},
		{"在不在", true},
		{"有人吗", true},
		{"有人在吗？", true},
		{"喂", true},
		{"喂喂", true},
		{"hello", true},
		{"Hello!", true},
		{"hi", true},
		{"HI", true},
		{"？", true},
		{"?", true},
		{"。。。", true},
		{"……", true},
		{"😀", true},
		{"😀🙏👍", true},
		{"🙏🙏", true},
		{"谢谢", true},
		{"謝謝", true},
		{"谢谢书记", true},
		{"好的", true},
		{"好的，谢谢", true},
		{"嗯", true},
		{"嗯嗯", true},
		{"ok", true},
		{"OK", true},
		{"ＯＫ", true},
		{"你好，在吗？", true},
		{"您好，请问在吗", true},
		{"书记您好，我们小区门口的路灯坏了", false},
		{"您好，我想反映一个问题", false},
		{"在吗 路灯坏了", false},
		{"路灯坏了", false},
		{"hi, the streetlight is broken", false},
		{"hill", false},
		{"1", false},
		{"13912345678", false},
		{"幸福小区", false},
		{"取消", false},
		{"书记您好您好您好您好您好您好您好您好您好您好您好您好您好您好您好您好您好您好您好您好您好", false}, // too long to be a greeting
		{"好坏", false},
		{"王书记好，人民路的井盖丢了", false},
	}
	for _, tt := range tests {
		if got := IsFiller(tt.in); got != tt.want {
			t.Errorf("IsFiller(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestLeadingFiller(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"书记您好我们小区", 4},
		{"你好路灯坏了", 2},
		{"路灯坏了", 0},
		{"王书记好", 4},
	}
	for _, tt := range tests {
		if got := leadingFiller([]rune(tt.in)); got != tt.want {
			t.Errorf("leadingFiller(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}
