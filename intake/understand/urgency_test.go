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
		{"房子摇摇欲坠，随时会倒", Urgent},
		{"河里有人溺水", Urgent},
		{"救命", Urgent},
		{"电梯里被困了三个人", Urgent},
		{"电梯经常下坠，昨天又关人", Urgent},
		{"路口的井盖丢失了，晚上看不见", Urgent},
		{"人民路没有井盖，已经有人掉进去了", Urgent},
		{"小区被淹了，水漫进一楼", Urgent},
		{"路边有个老人晕倒了", Urgent},
		{"广告牌随时会掉下来，很危险", Urgent},
		{"燃气泄漏，有爆炸隐患", Urgent},
		{"楼道里正在冒烟", Urgent},
		// basic needs cut off now
		{"停水了", Urgent},
		{"小区又停电了，什么时候来电", Urgent},
		{"停电两天了，家里老人要用制氧机", Urgent},
		{"停水三天，家里有瘫痪病人", Urgent},
		{"幸福小区停气一天了，没法做饭", Urgent},
		{"幸福小區停電兩天了", Urgent},
		{"３号楼断水２天", Urgent},
		{"一个月不断停电", Urgent},
		// unpaid wages before a holiday or without money to live on
		{"快过年了，工地还拖欠工资三个月", Urgent},
		{"春节前老板跑了，欠薪十万", Urgent},
		{"三个月没发工资，连生活费都没有了", Urgent},
		{"拖欠工资三个月", Normal},
		// the citizen says it can wait: settles an outage, never a danger
		{"停水了，不急，明天来修就行", Normal},
		{"家里停电了，不是很急", Normal},
		{"不著急，但是樓道有煤氣味", Urgent},
		// negated
		{"路口没有危险了", Normal},
		{"昨晚没有停电", Normal},
		{"没有发生火灾，只是有点烟味", Normal},
		{"煤气没有泄漏", Normal},
		// supposed, a hazard, or the past
		{"万一发生火灾，消防车进不来", Normal},
		{"担心房子坍塌", Normal},
		{"矿区存在塌陷隐患", Normal},
		{"上次停水的事已经解决了，谢谢", Normal},
		{"去年着火以后一直没人管", Normal},
		{"2017年9月1日晚工厂发生火灾，至今没有赔偿", Normal},
		{"2017年6月12日晚上，化工厂排污，导致自来水厂停止供水22.8小时", Normal},
		{"2019年以来，小区经常停电", Urgent},
		{"以前也停过电，现在又停电了", Urgent},
		{"差点发生生命危险", Normal},
		{"昨天停电，晚上十一点才来电", Normal},
		// hazards to inspect, figures of speech, the citizen's own hurry
		{"楼道堆满杂物，存在火灾隐患", Normal},
		{"消防通道被占用", Normal},
		{"这个路口很危险，经常有车闯红灯", Normal},
		{"我的车胎漏气了，路上钉子太多", Normal},
		{"工厂每天浓烟滚滚", Normal},
		{"知识爆炸的时代", Normal},
		{"这是我唯一的救命稻草", Normal},
		{"手机没电了", Normal},
		{"请尽快处理，很着急", Normal},
		{"十万火急，路灯坏了", Normal},
		{"急需建一公厕", Normal},
		{"路灯坏了", Normal},
		{"商场跳楼价甩卖噪音太大", Normal},
		{"", Normal},
		{"你好", Normal},
	}
	for _, tt := range tests {
		if got := Urgency(tt.in); got != tt.want {
			_, word := defaultUrgency.Judge(tt.in)
			t.Errorf("Urgency(%q) = %q (on %q), want %q", tt.in, got, word, tt.want)
		}
	}
}

func TestUrgencyRulesExtraWords(t *testing.T) {
	r := NewUrgencyRules([]string{"堤坝渗水", "危化品", "  ", "火灾隐患"})
	tests := []struct {
		in   string
		want string
	}{
		{"河边堤坝渗水很厉害", Urgent},
		{"堤壩滲水", Urgent},          // traditional, as the citizen types it
		{"路上翻了一辆拉危化品的车", Urgent},  // an extra word counts like 火灾
		{"担心堤坝渗水", Normal},        // and is supposed like it
		{"堤坝没有渗水", Normal},        // not the word
		{"楼道堆满杂物，存在火灾隐患", Normal}, // a built-in neutral word keeps its meaning
		{"停水了", Urgent},           // the built-in words stay
	}
	for _, tt := range tests {
		if got := r.Urgency(tt.in); got != tt.want {
			t.Errorf("Urgency(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := Urgency("河边堤坝渗水很厉害"); got != Normal {
		t.Errorf("the default rules know the extra word: %q", got)
	}
}
