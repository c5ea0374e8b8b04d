package understand

import "unicode/utf8"

// The markers that end a place phrase, and the ordinary words that end in
// one; Place (place.go) scans for them.

// How a marker's name (the words before it) must look.
type nameRule int

const (
	nameProper nameRule = iota // two Han characters, or a code with a Latin letter (A3区)
	nameCode                   // digits, letters or numerals (3号楼, A座, 501室)
	nameChain                  // nothing of its own: only right after another phrase
)

type marker struct {
	word      []rune
	kind      placeKind
	rule      nameRule
	notBefore string // runes that, right after the marker, make it another word (市场, 村民)
	// chainOnly: a named phrase still counts only right after another place
	// phrase ("人民路8号" yes, "8号" alone is a date).
	chainOnly bool
	// ownName: never an extension of the phrase before ("M9县园二中" is not
	// an estate; "碧桂园" is).
	ownName bool
	// inUnit: only as the end of an office's word in officeUnits ("运管所",
	// "园林管理处"); alone, 所 and 处 are "所以", "到处".
	inUnit bool
}

func mk(kind placeKind, rule nameRule, notBefore string, words ...string) []marker {
	var out []marker
	for _, w := range words {
		out = append(out, marker{word: []rune(w), kind: kind, rule: rule, notBefore: notBefore})
	}
	return out
}

// markers, looked up longest first at each position.
var markers = func() map[string]marker {
	var all []marker
	all = append(all, mk(kindRegion, nameProper, "长委政级值面容直属民场", "市")...)
	all = append(all, mk(kindRegion, nameProper, "长委政级别分域间块划", "区")...)
	all = append(all, mk(kindRegion, nameProper, "长委政级令", "县", "自治县")...)
	all = append(all, mk(kindRegion, nameProper, "长委政", "州", "自治州")...)
	all = append(all, mk(kindRegion, nameProper, "长委政级心钱事得略份去", "省")...)
	all = append(all, mk(kindRegion, nameProper, "", "新区", "开发区", "高新区", "经开区",
		"经济开发区", "工业园", "工业园区", "产业园", "自由贸易区", "自贸区", "保税区", "示范区")...)
	all = append(all, mk(kindRegion, nameProper, "域", "管理区")...) // 物业管理区域 is none
	all = append(all, mk(kindLocal, nameProper, "长委政定静压守痛住", "镇")...)
	all = append(all, mk(kindLocal, nameProper, "长亲愁音土下政镇村", "乡")...)
	all = append(all, mk(kindLocal, nameProper, "民长干官姑", "村")...)
	group := mk(kindLocal, nameProper, "织成合建长员件团装图别委队", "组")
	group[0].chainOnly = true // "瓦窑湾组" after its village; alone, "小组"-like words abound
	all = append(all, group...)
	all = append(all, mk(kindLocal, nameProper, "", "街道", "街道办", "办事处", "社区",
		"居委会", "村委会", "新村")...)
	all = append(all, mk(kindEstate, nameProper, "", "小区", "花园", "家园", "公寓",
		"山庄", "嘉园", "雅苑", "名苑")...)
	all = append(all, mk(kindEstate, nameProper, "子", "苑")...)
	// What developers call estates ("新城国际花都", "恒大华府", "楚江世纪城",
	// "碧桂园", "星河湾"). 名都 needs a marker of its own: 都 is a stop rune.
	all = append(all, mk(kindEstate, nameProper, "", "花都", "华府", "华庭", "帝景", "公馆",
		"豪庭", "世纪城", "国际城", "名邸", "御府", "星城", "尚城", "世家", "景园", "丽都", "水岸")...)
	all = append(all, mk(kindEstate, nameProper, "是不要拉报在有没很能会已还也可得被", "名都")...)
	all = append(all, mk(kindEstate, nameProper, "区市镇乡", "新城", "华城")...)
	all = append(all, mk(kindEstate, nameProper, "", "世界城", "汽配城", "建材城", "商贸城")...)
	// Work units' housing ("铁路宿舍", "粮食局家属院").
	all = append(all, mk(kindEstate, nameProper, "", "宿舍", "宿舍区", "家属院", "家属楼", "家属区", "大院")...)
	for _, x := range [...]struct{ word, notBefore string }{
		{"园", "林区艺丁长内里所"}, {"城", "市区乡镇际管中内外里墙关建东南西北铁"}, {"湾", ""},
	} {
		m := mk(kindEstate, nameProper, x.notBefore, x.word)[0]
		m.ownName = true
		all = append(all, m)
	}
	all = append(all, mk(kindStreet, nameProper, "灯面费况线由程过人网基径演子障牌标途数",
		"路")...)
	all = append(all, mk(kindStreet, nameProper, "坊舞头", "街")...)
	all = append(all, mk(kindStreet, nameProper, "", "大道", "大街", "巷", "胡同", "弄", "环路")...)
	all = append(all, mk(kindStreet, nameProper, "教德理路", "国道", "省道", "县道", "乡道")...)
	all = append(all, mk(kindLandmark, nameProper, "", "广场", "公园", "学校", "小学",
		"中学", "大学", "幼儿园", "幼稚园", "医院", "卫生院", "诊所", "车站", "火车站", "汽车站",
		"高铁站", "地铁站", "公交站", "垃圾站", "中转站", "搅拌站", "菜市场", "农贸市场", "市场", "超市", "商场", "商城",
		"大厦", "书店", "酒店", "宾馆", "大桥", "收费站", "工地", "工厂", "加油站", "停车场",
		"体育馆", "图书馆", "派出所", "银行", "水库", "码头", "机场", "服务区", "立交",
		"高架", "隧道", "高速")...)
	all = append(all, mk(kindLandmark, nameProper, "", "美容院", "养老院", "敬老院", "福利院",
		"电影院", "卫生室", "卫生所", "药店", "药房", "饭店", "餐馆", "网吧", "酒吧",
		"博物馆", "纪念馆", "文化馆", "体育场", "游泳馆", "健身房", "养殖场", "屠宰场",
		"煤矿", "矿山", "采石场", "林场", "农场", "景区", "风景区", "度假区", "监狱", "猪场", "鸡场", "牛场")...)
	all = append(all, mk(kindLandmark, nameProper, "梁", "桥")...)
	all = append(all, mk(kindLandmark, nameProper, "南北东西", "河")...)
	all = append(all, mk(kindLandmark, nameProper, "南北水面边畔", "湖")...)
	all = append(all, mk(kindLandmark, nameProper, "家商长属", "厂")...)
	all = append(all, mk(kindLandmark, nameProper, "长岗点", "站")...)
	all = append(all, mk(kindLandmark, nameProper, "澳币股", "港")...)
	all = append(all, mk(kindLandmark, nameProper, "", "塘", "坝", "渠", "寺", "庙")...)
	all = append(all, mk(kindBuilding, nameCode, "", "号楼", "号院", "栋", "幢", "单元")...)
	all = append(all, mk(kindBuilding, nameCode, "厅", "室")...)
	all = append(all, mk(kindBuilding, nameCode, "", "座")...)
	number := mk(kindNumber, nameCode, "码线召称", "号")
	number[0].chainOnly = true
	all = append(all, number...)
	// Schools by number, right after their county: "C4市一中", "D10县二小".
	for _, x := range [...]struct{ word, notBefore string }{{"中", "心学国央间途期旬部队专巴医药"}, {"小", "学区时组孩孩型城"}} {
		school := mk(kindLandmark, nameCode, x.notBefore, x.word)
		school[0].chainOnly = true
		all = append(all, school...)
	}
	floor := mk(kindBuilding, nameCode, "下上道梯层顶", "楼")
	floor[0].chainOnly = true
	all = append(all, floor...)
	// Named offices and companies: whom the matter is about ("A市教育局",
	// "奥新燃气公司"). The name must not be generic (orgName).
	all = append(all, mk(kindOrg, nameProper, "长势面部限域", "局")...)
	all = append(all, mk(kindOrg, nameProper, "长", "厅")...)
	all = append(all, mk(kindOrg, nameProper, "员托书会屈婉", "委")...)
	all = append(all, mk(kindOrg, nameProper, "", "政府", "公司", "有限公司", "有限责任公司",
		"集团", "出租车公司", "管委会", "法院", "检察院", "研究院", "设计院", "学院", "协会", "驾校", "分行",
		"支行", "分局", "分公司", "总公司", "子公司", "营业厅", "办公室", "事务所", "会所", "门诊部", "矿业", "实业", "铝业", "煤业",
		"纸业", "药业", "舞厅", "歌厅", "足浴", "浴场", "洗浴中心")...)
	all = append(all, mk(kindOrg, nameProper, "", "中队", "大队", "支队", "供销社", "信用社",
		"合作社")...)
	for _, unit := range mk(kindOrg, nameProper, "", "所", "处") {
		unit.inUnit = true
		all = append(all, unit)
	}
	all = append(all, mk(kindOrg, nameProper, "程", "化工")...)
	all = append(all, mk(kindOrg, nameProper, "顾", "置业")...)
	all = append(all, mk(kindOrg, nameProper, "城区", "中心")...)
	all = append(all, mk(kindNear, nameChain, "", "门口", "附近", "对面", "旁边", "路口",
		"十字路口", "交叉口", "东侧", "西侧", "南侧", "北侧", "一带", "周边", "后面",
		"前面", "周围", "东边", "西边", "南边", "北边", "东头", "西头", "南头", "北头", "后边",
		"前边", "斜对面", "边上", "拐角")...)
	m := map[string]marker{}
	for _, x := range all {
		m[string(x.word)] = x
	}
	return m
}()

// markerLens holds, by first rune, the lengths of the markers that start
// with it (bit n for n runes): most positions of a text start none, and at
// the others only the lengths there are are looked up (所 starts 所 alone).
var markerLens = func() map[rune]uint32 {
	lens := map[rune]uint32{}
	for w := range markers {
		rs := []rune(w)
		lens[rs[0]] |= 1 << len(rs)
	}
	return lens
}()

// markerOf looks the runes up as a marker without allocating (see
// lexicon.has).
func markerOf(rs []rune) (marker, bool) {
	var buf [64]byte
	b := buf[:0]
	for _, r := range rs {
		b = utf8.AppendRune(b, r)
	}
	m, ok := markers[string(b)]
	return m, ok
}

var markerMax = func() int {
	n := 0
	for w := range markers {
		n = max(n, len([]rune(w)))
	}
	return n
}()

// commonWords end in a marker but are ordinary words ("城市", "公路",
// "农村"): whatever stands before them, they name no place.
var commonWords = newLexicon("城市", "都市", "股市", "上市", "门市", "夜市", "闹市", "黑市",
	"城区", "地区", "市区", "县区", "山区", "灾区", "误区", "禁区", "城镇", "乡镇",
	"村镇", "重镇", "城乡", "家乡", "老乡", "故乡", "下乡", "农村", "乡村", "山村", "渔村",
	"公路", "道路", "马路", "铁路", "线路", "思路", "出路", "走路", "修路", "一路", "电路",
	"套路", "弯路", "退路", "门路", "上路", "带路", "迷路", "过路", "网路", "跑路", "上街", "逛街",
	"沿街", "临街", "满街", "当街", "小组", "班组", "网站", "校路", "神弄", "天村", "过河", "过桥",
	"校园", "果园", "菜园", "田园", "乐园", "陵园", "墓园", "县城", "省城", "进城", "全城",
	"满城", "京城", "主城", "老城", "山城", "名城", "围城", "边城", "入城", "出城", "港湾",
	"海湾", "台湾", "鬼城", "绕城", "双城", "转城", "同城", "开园", "闭园", "游园",
	"大厅", "客厅", "餐厅", "门厅", "展厅", "前厅", "堵路", "挡路", "拦路", "占路", "让路", "引路",
	"开路", "断路", "赶路", "问路", "认路", "探路", "绕路", "封路", "铺路", "学生宿舍", "员工宿舍")

// shortCommonWords are ordinary words only with a short name before them:
// "车站", "景区" alone, but "长沙车站", "张家界景区" are places.
var shortCommonWords = newLexicon("景区", "园区", "辖区", "片区", "郊区", "学区", "专区",
	"街区", "校区", "厂区", "病区", "工厂", "水厂", "药厂", "河道", "小河", "大河", "小桥",
	"车站", "小站")
