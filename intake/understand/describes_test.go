package understand

import "testing"

func TestDescribes(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"路灯坏了", true},
		{"幸福小区门口垃圾堆成山了", true},
		{"垃圾堆成山了", true},
		{"路燈壞了", true},
		{"小区门口的路灯坏了一个月了，晚上很黑", true},
		{"书记您好，我们小区门口的路灯坏了", true},
		{"幸福小区3号楼漏水", true},
		{"噪音扰民", true},
		{"工资拖欠三个月", true},
		{"井盖丢了", true},
		{"垃圾没人清", true},
		{"为什么还不修？", true},
		{"物业费一平米收三块五合理吗", true},
		{"社保转移能在网上办吗", true},
		{"楼下烧烤店油烟熏得窗户都不敢开", true},
		{"我要投诉物业", true},
		{"投诉幸福小区物业", true},
		{"我想咨询社保", true},
		{"想问一下公积金怎么提取", true},
		{"ＭＳ－２０２６０３１１－Ｋ７Ｑ２Ｐ 路灯还是没修", true},
		// not a matter
		{"幸福小区3号楼", false},
		{"人民路3号", false},
		{"A市A3区幸福里小区3栋2单元501", false},
		{"13912345678", false},
		{"我的电话是13912345678", false},
		{"电话 0558-5123456", false},
		{"我叫张三", false},
		{"我姓王", false},
		{"我是幸福小区的", false},
		{"你好", false},
		{"书记您好", false},
		{"在吗？", false},
		{"😀🙏", false},
		{"", false},
		{"退订", false},
		{"查询 MS-20260311-K7Q2P", false},
		{"MS-20260311-K7Q2P", false},
		{"我想反映一个问题", false},
		{"我要投诉", false},
		{"你好，我要举报", false},
		{"请问一下", false},
		{"帮帮忙", false},
		{"谢谢", false},
		{"好的", false},
		{"请尽快处理", false},
	}
	for _, tt := range tests {
		if got := Describes(tt.in); got != tt.want {
			t.Errorf("Describes(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
