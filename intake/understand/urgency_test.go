package understand

import "testing"

func TestUrgency(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"楼下饭店着火了，快来人", Urgent},
		{"樓下飯店著火了", Urgent},
		{"幸福小区3栋有很浓的煤气味", Urgent},
		{"单元楼道里燃气泄漏", Urgent},
		{"燃氣洩漏", Urgent},
		{"家里漏气了怎么办", Urgent},
		{"人民路电线掉在地上了还在冒火花", Urgent},
		{"有人触电了", Urgent},
		{"路面塌陷了一个大坑", Urgent},
		{"老房子的墙倒塌了", Urgent},
		{"河里有人溺水", Urgent},
		{"救命", Urgent},
		{"电梯里被困了三个人", Urgent},
		{"路口的井盖丢失了，晚上看不见", Urgent},
		{"人民路没有井盖，已经有人掉进去了", Urgent},
		{"停电两天了，家里老人要用制氧机", Urgent},
		{"停水三天，家里有瘫痪病人", Urgent},
		{"高温天气停电一整天", Urgent},
		{"广告牌随时会掉下来，很危险", Urgent},
		{"燃气泄漏，有爆炸隐患", Urgent},
		// normal
		{"上次停水的事已经解决了，谢谢", Normal},
		{"去年着火以后一直没人管", Normal},
		{"停水了", Normal},
		{"小区又停电了，什么时候来电", Normal},
		{"楼道堆满杂物，存在火灾隐患", Normal},
		{"消防通道被占用", Normal},
		{"这个路口很危险，经常有车闯红灯", Normal},
		{"我的车胎漏气了，路上钉子太多", Normal},
		{"路灯坏了", Normal},
		{"拖欠工资三个月", Normal},
		{"商场跳楼价甩卖噪音太大", Normal},
		{"", Normal},
		{"你好", Normal},
	}
	for _, tt := range tests {
		if got := Urgency(tt.in); got != tt.want {
			t.Errorf("Urgency(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
