package understand

import "testing"

var testPlaces = []KnownPlace{
	{County: "谯城区"},
	{County: "谯城区", Town: "汤陵街道", Aliases: []string{"汤陵办"}},
	{County: "谯城区", Town: "古井镇"},
	{County: "涡阳县"},
	{County: "涡阳县", Town: "城关镇"},
}

func TestPlace(t *testing.T) {
	tests := []struct {
		in                 string
		text, county, town string // text "" means not found
	}{
		// Known places; a town implies its county.
		{"谯城区汤陵街道某某小区门口的路灯坏了", "谯城区汤陵街道某某小区门口", "谯城区", "汤陵街道"},
		{"譙城區湯陵街道某某小區門口的路燈壞了", "譙城區湯陵街道某某小區門口", "谯城区", "汤陵街道"},
		{"汤陵办那边下水道堵了", "汤陵办", "谯城区", "汤陵街道"},
		{"古井镇的垃圾没人清运", "古井镇", "谯城区", "古井镇"},
		{"古井那边的垃圾没人清运", "古井", "谯城区", "古井镇"},
		{"涡阳县城关镇幸福路88号噪音扰民", "涡阳县城关镇幸福路88号", "涡阳县", "城关镇"},
		{"我是谯城的，想反映个问题", "谯城", "谯城区", ""},
		// Generic markers with a name, anonymised data included.
		{"A市A3区幸福里小区3栋2单元501漏水", "A市A3区幸福里小区3栋2单元501", "", ""},
		{"K4县的乡村公路坑坑洼洼", "K4县", "", ""},
		{"西地省D市公安局不作为", "西地省D市公安局", "", ""},
		{"人民路上的井盖丢了", "人民路", "", ""},
		{"人民路口的红绿灯不亮", "人民路", "", ""},
		{"人民路与解放路交叉口天天堵车", "人民路与解放路交叉口", "", ""},
		{"幸福小区的门口天天有人摆摊", "幸福小区的门口", "", ""},
		{"我住3号楼，楼上装修太吵", "3号楼", "", ""},
		{"3栋2单元501", "3栋2单元501", "", ""},
		{"张家村3组的路灯全坏了", "张家村3组", "", ""},
		{"架桥镇叶家坡村瓦窑湾组碎石厂噪音大", "架桥镇叶家坡村瓦窑湾组碎石厂", "", ""},
		{"福元中路66号的美利新世界小区停水三天", "福元中路66号的美利新世界小区", "", ""},
		{"万达广场门口有人乱停车", "万达广场门口", "", ""},
		{"第一中学门口的马路被挖开了", "第一中学门口", "", ""},
		{"五一大道施工半年还没完", "五一大道", "", ""},
		{"和平路菜市场的污水横流", "和平路菜市场", "", ""},
		{"家住A市A3区，人民路8号", "A市A3区，人民路8号", "", ""},
		{"A7栋电梯坏了一个月", "A7栋", "", ""},
		{"湘江大桥上有人乱扔垃圾", "湘江大桥", "", ""},
		{"金福家园的物业乱收费", "金福家园", "", ""},
		{"書記您好，幸福小區的路燈壞了", "幸福小區", "", ""},
		{"ＡＢ市Ｃ１区", "ＡＢ市Ｃ１区", "", ""}, // full width, original kept
		{"尊敬的王市长：A市的洒水车早上六点就开始放音乐，吵得人睡不着", "A市", "", ""},
		{"市长您好，A市领导好，我是住在幸福小区3栋的居民，楼下烧烤太吵", "幸福小区3栋", "", ""},
		// Estates by what developers call them.
		{"新城国际花都的电梯坏了", "新城国际花都", "", ""},
		{"恒大名都小区后门的马路", "恒大名都小区", "", ""},
		{"楚江世纪城的路灯全不亮", "楚江世纪城", "", ""},
		{"碧桂园门口乱停车", "碧桂园门口", "", ""},
		{"星河湾的业主", "星河湾", "", ""},
		{"A市高新区管委会", "A市高新区管委会", "", ""},
		// Named offices, companies, schools as the subject.
		{"市教育局不回复", "市教育局", "", ""},
		{"请问A市城北供电局拒付加班工资是否合法", "A市城北供电局", "", ""},
		{"奥新燃气公司乱收开户费", "奥新燃气公司", "", ""},
		{"军山铺镇政府出资购买的水管爆裂", "军山铺镇政府", "", ""},
		{"K6县卫计委领导：", "K6县卫计委", "", ""},
		{"我是华都小学一名学生的家长", "华都小学", "", ""},
		{"县体育馆晚上不开放", "县体育馆", "", ""},
		{"在迷你雅美容院做护理", "", "", ""}, // 你 cuts the name
		// Numbered roads and bus routes.
		{"D市往北的107国道到处是大坑", "107国道", "", ""},
		{"等802路公交车要30分钟", "802路", "", ""},
		// Verbs before a name are not part of it.
		{"我想咨询西地省质监局", "西地省质监局", "", ""},
		{"唯独西地省没有", "西地省", "", ""},
		// Not found: markers without names, ordinary words, dates, counts.
		{"我们小区的路灯坏了", "", "", ""},
		{"小区的物业费太贵了", "", "", ""},
		{"门口的垃圾没人清", "", "", ""},
		{"城市管理太差了", "", "", ""},
		{"农村的路不好走", "", "", ""},
		{"公路上全是坑", "", "", ""},
		{"6月8号去办的，到现在没消息", "", "", ""},
		{"有七栋房屋漏水", "", "", ""},
		{"两室一厅的房子漏水", "", "", ""},
		{"我知道这个问题不好解决", "", "", ""},
		{"路灯坏了", "", "", ""},
		{"你好", "", "", ""},
		{"", "", "", ""},
		{"13912345678", "", "", ""},
		{"物业公司不作为", "", "", ""}, // the handler, not whom
		{"希望政府管一下", "", "", ""},
		{"停电了，供电局也不管", "", "", ""},
		{"问贵局一个问题", "", "", ""},
		{"党和政府的好政策", "", "", ""},
		{"拖欠工资三个月了", "", "", ""},
		{"一座桥塌了", "", "", ""},
		{"公交站的候车亭坏了", "", "", ""}, // 公交 is no name of a 站
		{"垃圾站附近老鼠多", "", "", ""},
		{"一小区门口", "", "", ""},
		{"我们去县城办事", "", "", ""},
		{"开始城市修路", "", "", ""},
		{"人报名都是假的", "", "", ""},
		{"幼儿园开园了", "", "", ""},
		{"他住在台湾", "", "", ""},
	}
	for _, tt := range tests {
		got := Place(tt.in, testPlaces)
		want := Location{Text: tt.text, County: tt.county, Town: tt.town, Found: tt.text != ""}
		if got != want {
			t.Errorf("Place(%q) = %+v, want %+v", tt.in, got, want)
		}
	}
}

func TestPlaceNoKnown(t *testing.T) {
	got := Place("谯城区汤陵街道某某小区", nil)
	want := Location{Text: "谯城区汤陵街道某某小区", Found: true}
	if got != want {
		t.Errorf("Place without known places = %+v, want %+v", got, want)
	}
}

func TestPlaceChainOnlyNeedsContact(t *testing.T) {
	// 号 counts only directly after a street or building: across a comma
	// it is a date.
	tests := map[string]string{
		"我去了广东省，5号才回来": "广东省",
		"幸福小区，8号来修":    "幸福小区",
		"幸福小区8号楼":      "幸福小区8号楼",
	}
	for in, want := range tests {
		if got := Place(in, nil); got.Text != want {
			t.Errorf("Place(%q).Text = %q, want %q", in, got.Text, want)
		}
	}
}

// The index gives what Place gives, compiled once.
func TestPlaceIndex(t *testing.T) {
	x := NewPlaceIndex(testPlaces)
	for _, in := range []string{"古井那边的垃圾没人清运", "涡阳县城关镇幸福路88号噪音扰民", "路灯坏了", ""} {
		if got, want := x.Place(in), Place(in, testPlaces); got != want {
			t.Errorf("index.Place(%q) = %+v, Place = %+v", in, got, want)
		}
	}
	var none *PlaceIndex
	if got := none.Place("古井镇的垃圾"); got.County != "" || !got.Found {
		t.Errorf("nil index: %+v", got)
	}
}
