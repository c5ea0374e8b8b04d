package understand

import (
	"strings"
	"unicode/utf8"
)

// When the run of characters before a marker is a name, and where it
// starts: the sentence before it left out, regions by their names,
// offices and companies by theirs.

// sentenceWords end the sentence before a name and are never part of one:
// "开始无视教育局", "莫非市人社局", "成立新塘镇", "硬化奉家镇". Words that do
// name places (建设路, 联合村, 希望小学, 管理局) stay out of it.
var sentenceWords = newLexicon(
	// when, whether, how
	"什么", "怎么", "为何", "何时", "难道", "莫非", "虽然", "但是", "可是", "而且", "甚至",
	"首先", "目前", "按照", "当时", "当前", "此前", "之前", "以前", "之后", "以后", "现任", "长期", "面向",
	"一直", "经常", "已经", "曾经", "如今", "现在", "当地", "本地",
	// verbs that take a place or an office as their object
	"开始", "成立", "开办", "开设", "拟建", "拆除", "关停", "硬化", "扎根", "无视", "落实",
	"转发", "缴纳", "致电", "欣闻", "遵循", "遵照", "依照", "符合", "尊重", "接受", "召开",
	"安排", "配合", "包含", "包括", "比邻", "紧邻", "位于", "地处", "坐落", "来到", "前往",
	"居住", "就读", "就职", "上班", "租用", "购买", "建议", "造成", "导致", "发现", "知道", "感觉",
	"进驻", "加上", "本人",
	"认为", "涉嫌", "故意", "强烈", "委托", "依法", "乘坐", "上访", "违规", "违反", "追缴",
	"走访", "调查", "规定", "解决", "评估", "调整", "重视", "力推", "联系", "找到", "要求",
	"请求", "恳请", "呼吁", "反映", "反应", "举报", "感谢", "督促", "入学", "退休", "面临",
	// what a name is called
	"全名", "名义", "简称", "名叫", "叫做",
	// a marker without a name before a name: "现居住小区青园花都"
	"小区",
	// one of: "一名乡村医生", "一家医院"
	"一名", "一家", "一所", "一个")

// unitRunes after a number end a date or a count, not begin a name:
// "589号白鹤咀停车场", "5月白沙镇".
const unitRunes = "号年月日时点分元个届期次"

// nameStart returns where a name running back to fold[j] from the marker
// at fold[i] starts: after the last sentence word that ends in it, and
// after a number's unit at its start.
func nameStart(fold []rune, j, i int) int {
	if j > 0 && j < i && isDigit(fold[j-1]) && strings.ContainsRune(unitRunes, fold[j]) {
		j++
		if j < i && fold[j] == '线' { // "3号线烈士公园东站"
			j++
		}
	}
	start := j
	// A word may begin before the run: 入 stops it in "刚入学火炬学校".
	for k := max(0, j-sentenceWords.max+1); k < i; k++ {
		if n := sentenceWords.longestAt(fold[:i], k); n > 0 {
			start = max(start, k+n)
		}
		if k < j {
			continue
		}
		// 向 "to" ("退休工人向政府", "分别向物业公司"), not 向阳, 向东, 向家.
		if fold[k] == '向' && !strings.ContainsRune("阳东家", fold[k+1]) {
			start = max(start, k+1)
		}
	}
	return start
}

// codeLead is how many runes at the start of an anonymised code come
// before its letter: "2015" in "2015C市", "一" in "一M3县".
func codeLead(code []rune) int {
	for k, r := range code {
		if r >= 'a' && r <= 'z' {
			return k
		}
	}
	return 0
}

// provinces are the names before 省: a closed list, so "落实省内医保",
// "大部分省" name none. 西地 is the province of the public appeals data
// (shared/data), whose organisers anonymised it.
var provinces = newLexicon("河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽",
	"福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南",
	"陕西", "甘肃", "青海", "台湾", "广西", "内蒙古", "西藏", "宁夏", "新疆", "西地")

// provincePhrases finds provinces named without 省 ("在广东打工", "广西贺州")
// where a word starts: not "中山西路", "涟水河南岸". They weigh nothing: a
// place of the deployment's, anywhere in the text, is where the matter is
// ("在广东工作的西地省人").
func provincePhrases(fold []rune) []phrase {
	var out []phrase
	for i := 0; i < len(fold); i++ {
		n := provinces.longestAt(fold, i)
		if n == 0 || i > 0 && isNameRune(fold[i-1]) || i+n < len(fold) && fold[i+n] == '省' ||
			hasAt(fold, i, []rune("台湾")) { // 台湾同胞: seldom where a matter is
			continue
		}
		out = append(out, phrase{start: i, end: i + n, kind: kindProvince})
		i += n - 1
	}
	return out
}

// provinceBefore returns how many runes at the end of fold[:k] name a
// province, or 0.
func provinceBefore(fold []rune, j, k int) int {
	for n := min(provinces.max, k-j); n >= 2; n-- {
		if provinces.has(fold[k-n : k]) {
			return n
		}
	}
	return 0
}

// longCityNames are cities of more than two characters; every other name
// before 市, 县 or 区 is taken as two ("深圳市", "白云区", not "本人E市" or
// "六月底当地政府联和县"). The deployment's own counties come from its
// gazetteer (kindKnown), whatever their length.
var longCityNames = newLexicon("石家庄", "张家界", "张家口", "哈尔滨", "连云港", "驻马店",
	"平顶山", "马鞍山", "景德镇", "佳木斯", "牡丹江", "秦皇岛", "葫芦岛", "攀枝花", "六盘水",
	"吐鲁番", "齐齐哈尔", "呼和浩特", "乌鲁木齐", "鄂尔多斯", "克拉玛依")

// notRegionNames stand before 市, 县 or 区 as words of the sentence: "希望县领导",
// "贫困县".
var notRegionNames = newLexicon("希望", "部分", "各个", "每个", "全国", "外地", "本地", "这个",
	"那个", "哪个", "一个", "教育", "旅游", "农业", "文物", "经济", "贫困", "隔壁", "地区", "城乡")

// regionName decides on the name fold[j:i] before a one-character region
// marker (省 市 县 区) and returns where the region phrase starts. An
// anonymised code has been taken before.
func regionName(fold []rune, i, j, bound int) (int, bool) {
	if fold[i] == '省' {
		n := provinceBefore(fold, j, i)
		return i - n, n > 0
	}
	n := 2
	for k := min(longCityNames.max, i-j); k > 2; k-- {
		if longCityNames.has(fold[i-k : i]) {
			n = k
			break
		}
	}
	if i-j == 3 && j == bound && bound > 0 {
		n = 3 // right after the place it is in: "韶关市浈江犁市镇"
	}
	if i-j < n {
		return 0, false
	}
	name := fold[i-n : i]
	for _, r := range name {
		if !isHan(r) || strings.ContainsRune(numeralRunes+"省市县区", r) {
			return 0, false // "部分省市", "撤县建市"
		}
	}
	if notRegionNames.has(name) || strings.ContainsRune("强大", name[len(name)-1]) {
		return 0, false // "教育强县", "农业大市"
	}
	return i - n, true
}

// regionPrefix returns where an office's or a landmark's name fold[j:i]
// starts when it begins with its province: at the province's name
// ("商西地省嘉宇实业": 西地省嘉宇实业), or at 省 when what is before is no
// province ("上向省人社厅": 省人社厅). Names before 市 and 县 are not a
// closed list ("津市", "竹市镇"), and are left alone.
func regionPrefix(fold []rune, j, i int) int {
	for k := j; k < i; k++ {
		if fold[k] == '省' {
			return k - provinceBefore(fold, j, k)
		}
	}
	return j
}

// officeUnits are the offices that end in 所 or 处, the character before
// included: "A6区丁字国土所", "I6市园林管理处".
var officeUnits = newLexicon("运管所", "国土所", "社保所", "管理所", "监督所", "环卫所",
	"服务所", "看守所", "储蓄所", "交易所", "鉴定所", "邮政所", "质监所", "检验所", "研究所",
	"科研所", "房管所", "工商所", "园林所", "文物所", "拘留所", "招待所", "特检所", "驾管所",
	"财政所", "司法所", "税务所", "国税所", "地税所", "林业所", "水利所", "水管所", "农技所",
	"农机所", "畜牧所", "兽医所", "安监所", "城管所", "计生所", "规划所", "设计所", "测绘所",
	"防疫所", "保健所", "戒毒所", "区公所", "村公所", "乡公所",
	"管理处", "运管处", "客管处", "环卫处", "社保处", "医保处", "工程处", "售楼处", "港航处",
	"工伤处", "保险处", "稽查处", "信访处", "人事处", "公路处", "养护处", "路政处")

// orgGenericNames stand before an office or company without naming one,
// besides NeedsPlace's genericNames ("希望政府", "物业公司").
var orgGenericNames = newLexicon("党和", "我们", "你们", "他们", "单位", "所在", "这家", "那家",
	"哪家", "每个", "各个", "一个", "请问", "上述", "以上", "国家", "中央", "省级", "市级",
	"县级", "乡级", "镇级", "村级", "两个", "几个", "所有", "其他", "其它", "别的", "劳务",
	"用人", "用工", "私人", "个人", "外地", "本地", "当时", "目前", "现在", "问问", "咨询",
	"化气", "然气", "来水", // 液化气公司, 天然气公司, 自来水公司: the supplier, not which
	// verbs before an office: "责令环保局" names none
	"责令", "督促", "拨打", "致电", "告知", "找过", "找了", "去过", "去了", "到了", "打给", "报给",
	"交给", "转给", "转到", "转交", "上报", "通过", "举报", "投诉", "反映", "询问", "请求")

// kindOfPlace stand before a landmark to say what kind it is, not which:
// "民办学校", "农村小学", "大型超市".
var kindOfPlace = newLexicon("民办", "公办", "私立", "公立", "农村", "乡村", "乡镇", "城市", "城区",
	"大型", "小型", "各级", "各类", "当地", "本地", "外地", "一些", "有些", "很多", "部分",
	"所有", "各个", "每个", "这所", "那所", "该所", "一所", "这家", "那家", "该家", "一家",
	"正规", "非法", "黑心", "室内", "室外", "地下", "露天", "临时", "附近", "周边", "全国", "全省", "全市",
	"国营", "国有", "私营", "旅游")

// orgLeadWords stand before an office's name in a sentence: "利用工商局",
// "8号接劳动局电话", "希望加大市教育局".
var orgLeadWords = [][]rune{[]rune("利用"), []rune("加大"), []rune("根据"), []rune("关于"),
	[]rune("对于"), []rune("通过"), []rune("经过"), []rune("要求"), []rune("接到"), []rune("收到"),
	[]rune("接"), []rune("号"), []rune("望"), []rune("用"), []rune("令")}

// orgLead returns how many runes at the start of an office's name are the
// sentence before it: up to the end of the last lead word.
func orgLead(name []rune) int {
	cut := 0
	for k := range name {
		for _, w := range orgLeadWords {
			if hasAt(name, k, w) && len(name)-(k+len(w)) >= 2 {
				cut = max(cut, k+len(w))
			}
		}
	}
	return cut
}

// orgName reports whether the name before an office or company tail names
// one: not generic, not a count ("两室一厅").
func orgName(name []rune) bool {
	n := len(name)
	if n < 2 || strings.ContainsRune(numeralRunes, name[n-1]) || isDigit(name[n-1]) {
		return false
	}
	if strings.ContainsRune("贵该本原总分子母各某", name[n-1]) {
		return false // "问贵局", "子公司": no name of its own
	}
	if n >= 2 && name[n-1] == '家' && strings.ContainsRune(numeralRunes+"几多各每", name[n-2]) {
		return false // "两家公司", "多家医院": a count
	}
	generic := func(w []rune) bool { return genericNames.has(w) || orgGenericNames.has(w) }
	if !generic(name[n-2:]) {
		return true
	}
	// A generic word after a name of its own: "奥新燃气公司", "城北供电局".
	return n >= 4 && isHan(name[n-4]) && isHan(name[n-3]) && !generic(name[n-4:n-2])
}

// orgMarkerName reports whether name, before an office's or a company's
// marker m, names one; chained, it follows a place of its own.
func orgMarkerName(name []rune, m marker, chained bool) bool {
	switch string(m.word) {
	case "政府":
		if !chained && !governmentName(name) {
			return false
		}
	case "中心":
		if strings.HasSuffix(string(name), "城市") { // 贯穿城市中心: the city's centre
			return false
		}
	}
	return orgName(name)
}

// governmentName reports whether the name before 政府 is a place's: it
// ends in 省 市 县 区 镇 乡 村 or 街道, perhaps with its 人民 or its party
// committee after it ("军山铺镇政府", "M2县人民政府", "界首镇党委政府"), or
// is a name of two characters before 人民 ("洞阳人民政府"); "实行政府",
// "人民政府" name none. Right after a place, 人民 is its ("M2县人民政府"): the
// caller asks only when there is none.
func governmentName(name []rune) bool {
	s := string(name)
	if t, ok := strings.CutSuffix(s, "人民"); ok {
		if utf8.RuneCountInString(t) == 2 && !strings.ContainsFunc(t, func(r rune) bool { return !isHan(r) }) {
			return true
		}
		s = t
	} else if t, ok := strings.CutSuffix(s, "党委"); ok {
		s = t
	} else if t, ok := strings.CutSuffix(s, "委"); ok {
		s = t // 县委政府, 市委市政府
	}
	r, _ := utf8.DecodeLastRuneInString(s)
	return strings.ContainsRune("省市县区镇乡村", r) || strings.HasSuffix(s, "街道")
}
