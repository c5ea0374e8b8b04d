package understand

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Location is where a message says the matter is. Text is in the citizen's
// own characters; County and Town are filled from the known places.
type Location struct {
	Text, County, Town string
	Found              bool
}

// placeKind orders what a place phrase says; the weight is how specific it
// is, used to pick the best group of phrases when a message has several.
type placeKind int

const (
	kindRegion   placeKind = iota // 省 市 州 县 区 开发区: too wide to find anything in
	kindLocal                     // 镇 乡 街道 村 社区 组
	kindEstate                    // 小区 花园 苑 家园 公寓 华府 世纪城 园 城 湾
	kindStreet                    // 路 街 巷 大道 胡同 弄 (a bare 道 is too often 知道, 公道)
	kindNumber                    // 号 after a street
	kindBuilding                  // 号楼 栋 幢 单元 室 楼
	kindLandmark                  // 广场 公园 学校 医院 市场 桥 河 厂 …
	kindNear                      // 门口 附近 对面 旁边 路口: only after another phrase
	kindKnown                     // a configured county or town
	kindOrg                       // a named office or company: 教育局 奥新燃气公司 人民政府
	kindProvince                  // a province without 省 (在广东打工): mostly where the writer was
)

var kindWeight = [...]int{kindRegion: 1, kindLocal: 2, kindEstate: 3, kindStreet: 3,
	kindNumber: 2, kindBuilding: 2, kindLandmark: 2, kindNear: 1, kindKnown: 2, kindOrg: 2, kindProvince: 0}

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
		"前面", "周围")...)
	m := map[string]marker{}
	for _, x := range all {
		m[string(x.word)] = x
	}
	return m
}()

// markerFirst holds the first runes of the markers: most positions of a
// text start none.
var markerFirst = func() map[rune]bool {
	first := map[rune]bool{}
	for w := range markers {
		first[[]rune(w)[0]] = true
	}
	return first
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
	"大厅", "客厅", "餐厅", "门厅", "展厅", "前厅")

// shortCommonWords are ordinary words only with a short name before them:
// "车站", "景区" alone, but "长沙车站", "张家界景区" are places.
var shortCommonWords = newLexicon("景区", "园区", "辖区", "片区", "郊区", "学区", "专区",
	"街区", "校区", "厂区", "病区", "工厂", "水厂", "药厂", "河道", "小河", "大河", "小桥",
	"车站", "小站")

// stopRunes cannot be part of a place name: function words, pronouns,
// verbs of motion and measure words ("住在", "我们", "进", "一座", "一条").
// Characters common in street names stay out of it even when they are
// also function words: 和平路, 向阳路, 太平街, 沿江大道, 时代广场, 名都花园.
const stopRunes = "的了在是我你他她它们这那有与及或到从对给被把将就都也还又不没很更最说" +
	"要想会能可以为因所而但如若则等个些每各全本该此其住去来于由让请叫问您咱啊吧呢吗哦嗯即" +
	"并且已曾着得之次位处只件种样点座条间块辆离往经过进出回靠近原啥哪谁年级" +
	"下看见按否必响亲孩儿几旁边投诉报入打另属励系读求询独证者多映告据今至"

const numeralRunes = "零〇一二三四五六七八九十百两壹贰叁肆伍陆柒捌玖拾"

// connectorRunes may stand between two phrases of one address
// ("人民路与解放路交叉口", "幸福小区的门口", "A市A3区，人民路8号").
const connectorRunes = "的与和及跟、,( )-·"

func isNameRune(r rune) bool {
	if isASCIIAlnum(r) || r == '#' || r == '-' {
		return true
	}
	return isHan(r) && !strings.ContainsRune(stopRunes, r)
}

func isCodeRune(r rune) bool {
	return isASCIIAlnum(r) || r == '#' || r == '-' || strings.ContainsRune(numeralRunes, r)
}

// phrase is a place phrase found in the folded text, as a rune span.
type phrase struct {
	start, end int
	kind       placeKind
	county     string // for kindKnown
	town       string
	addressee  bool // an office greeted ("尊敬的C市教育局领导"): whom the letter goes to
}

// Place finds where a message says the matter is.
//
// Found is true when the text names a known county or town (County and Town
// are filled; a town implies its county) or has a place phrase: a name
// followed by a marker, such as "A市", "K4县", "汤陵街道", "幸福小区",
// "人民路", "3号楼", "3栋2单元501", "万达广场", "XX村". A marker without a
// name ("我们小区", "小区的物业费", "门口") is too weak to count, and so are
// ordinary words that end in a marker ("城市", "公路", "农村"). Words like
// 门口/附近/对面/路口 only extend a phrase before them, and a bare 号 or 楼
// counts only after a street or building ("人民路8号", not "8号" the date).
//
// Phrases that follow each other (at most two connecting characters apart,
// such as 的 or a comma) form one address; Text is the most specific such
// address (streets, estates and buildings weigh more than a city), in the
// original characters of the input, so the petition keeps the citizen's words.
//
// A named office, company or school is whom the matter is about and counts
// as a place ("A市城北供电局", "奥新燃气公司", "华都小学"); the offices that
// handle a physical matter without saying where ("供电局", "物业公司") do not.
//
// A name leaves the sentence before it out: words that are never part of
// one ("开始无视教育局", "本人西地省E市": sentenceWords, provinces by their
// closed list, other regions by two characters), a date's unit
// ("589号白鹤咀停车场"), the 一 before a code ("一M3县").
//
// Measured on the 5,677 labelled appeals (shared/data/appeals-labeled.jsonl,
// no known places; data_test.go): Found on 84.8% of their first 70
// characters (one SMS; 85.3% when a sentence's words before a marker still
// counted as a name, "什么县", "部分省") and on 92.0% of whole texts. Most
// misses name no place or office in that span ("我是一名退休职工…"). On 200
// first SMS of appeals-hot checked by hand before Place ran on them
// (testdata/place_labels_fair3.tsv), 184 name one; Place finds 94.0% of
// those (89.7% before these rules) and 94.5% of what it finds is right
// (90.7%). On 200 labelled appeals checked the same way
// (place_labels_fair.tsv, fair before its misses were read): 88.0% and
// 87.4% (85.5%, 84.5%).
//
// Place compiles the known places on every call; with many, compile them
// once with NewPlaceIndex and call its Place.
func Place(text string, known []KnownPlace) Location {
	return NewPlaceIndex(known).Place(text)
}

// Place is Place(text, known) with the known places of the index.
func (x *PlaceIndex) Place(text string) Location {
	fd := newFolded(text)
	ps := placePhrases(fd.fold, x)
	var loc Location
	for _, p := range ps {
		if p.kind != kindNear {
			loc.Found = true
		}
	}
	if !loc.Found {
		return Location{}
	}
	best := bestCluster(fd.fold, ps)
	loc.Text = strings.TrimFunc(string(fd.orig[best.start:best.end]), func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsPunct(r)
	})
	// County and town: a town wins over a county, one inside the chosen
	// address wins over one elsewhere.
	rank := func(p phrase) int {
		r := 0
		if p.town != "" {
			r += 2
		}
		if p.start >= best.start && p.end <= best.end {
			r++
		}
		return r
	}
	bestRank := -1
	for _, p := range ps {
		if p.kind == kindKnown && rank(p) > bestRank {
			bestRank = rank(p)
			loc.County, loc.Town = p.county, p.town
		}
	}
	return loc
}

// placePhrases returns all place phrases in fold, sorted by start.
func placePhrases(fold []rune, known *PlaceIndex) []phrase {
	ps := known.phrases(fold)
	ps = append(ps, markerPhrases(fold)...)
	ps = append(ps, provincePhrases(fold)...)
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].start < ps[j].start })
	return ps
}

// markerPhrases scans for markers and the names before them.
func markerPhrases(fold []rune) []phrase {
	var out []phrase
	lastEnd := -10 // end of the previous phrase
	for i := 0; i < len(fold); i++ {
		// Longest marker first; a shorter one may still fit where the longer
		// does not ("人民路口" without a phrase before: 路口 no, 路 yes).
		if !markerFirst[fold[i]] {
			continue
		}
		for n := min(markerMax, len(fold)-i); n > 0; n-- {
			m, ok := markerOf(fold[i : i+n])
			if !ok {
				continue
			}
			end := i + n
			if end < len(fold) && strings.ContainsRune(m.notBefore, fold[end]) && !(m.kind == kindRegion && afterCode(fold, i)) {
				continue
			}
			start, ok := nameBefore(fold, i, max(lastEnd, 0), m, end)
			if !ok {
				continue
			}
			if m.kind == kindBuilding || m.kind == kindNumber {
				end = roomNumber(fold, end)
			}
			out = append(out, phrase{start: start, end: end, kind: m.kind,
				addressee: m.kind == kindOrg && greetedAt(fold, end)})
			lastEnd = end
			i = end - 1
			break
		}
	}
	return out
}

// markerAt returns the longest marker starting at fold[i].
func markerAt(fold []rune, i int) (marker, bool) {
	if !markerFirst[fold[i]] {
		return marker{}, false
	}
	for n := min(markerMax, len(fold)-i); n > 0; n-- {
		if m, ok := markerOf(fold[i : i+n]); ok {
			return m, true
		}
	}
	return marker{}, false
}

// nameBefore decides whether the marker at fold[i:end] has a name before it
// (not reaching back past bound, the end of the previous phrase) and returns
// where the phrase starts.
func nameBefore(fold []rune, i, bound int, m marker, end int) (int, bool) {
	j := i
	sawHan := false
	for j > bound && i-j < 8 && (isNameRune(fold[j-1]) || innerDu(fold, j-1, bound)) {
		if sawHan && isASCIIAlnum(fold[j-1]) {
			break // a name does not run back over a date or a code ("1日回大忠桥")
		}
		sawHan = sawHan || isHan(fold[j-1])
		j--
	}
	j = nameStart(fold, j, i)
	name := fold[j:i]
	chained := chainedTo(fold, bound, j)
	if m.inUnit && (len(name) < 2 || !officeUnits.has(fold[i-2:end])) {
		return 0, false
	}

	if len(name) == 0 && m.kind == kindRegion {
		if k := spacedCode(fold, i); k >= bound && k >= 0 {
			return k, true
		}
	}
	if len(name) == 0 {
		// Nothing of its own: an extension of the phrase just before, right
		// after it ("幸福花园路", "人民路小学"), or across a connector for
		// 门口, 附近… ("幸福小区的门口").
		if m.kind == kindNear {
			return i, chained
		}
		// A building or a number needs its own ("讯通物流大道中" is no
		// school) unless it ends a room number: "7栋1802号".
		code := m.rule != nameCode || i > 0 && isDigit(fold[i-1])
		return i, m.kind != kindRegion && code && !m.ownName && bound > 0 && bound == i
	}
	if isCommon(name, m) || endsLongerMarker(fold, i, end, m) {
		return 0, false
	}
	if m.kind == kindOrg && (!orgName(name) || string(m.word) == "政府" && !chained && !governmentName(name) ||
		string(m.word) == "中心" && strings.HasSuffix(string(name), "城市")) || m.kind == kindLandmark && len(name) >= 2 && kindOfPlace.has(name[len(name)-2:]) {
		return 0, false
	}
	if chained && m.rule == nameProper && m.kind != kindRegion && len(name) <= 4 {
		// Vouched for by the phrase just before ("张家村3组", "A市人民路").
		return j, true
	}
	if m.rule == nameChain {
		return i, chained
	}

	// The code part right before the marker: "G4" in "投诉G4县", "3" in "3号楼".
	c := len(name)
	for c > 0 && isCodeRune(name[c-1]) {
		c--
	}
	code := name[c:]
	hasLatin, hasDigit := false, false
	for _, r := range code {
		hasLatin = hasLatin || r >= 'a' && r <= 'z'
		hasDigit = hasDigit || isDigit(r)
	}

	if len(code) >= 2 && (hasDigit || hasLatin) && m.kind == kindStreet &&
		(roadCodes[string(m.word)] || string(m.word) == "路" && busRoute(fold, end)) {
		return i - len(code), true
	}
	if m.rule == nameCode {
		return codeName(fold, i, bound, m, end, code, hasLatin, hasDigit)
	}
	// A proper name. An anonymised code ("A3区", "K4县", "D12市") stands
	// alone.
	if hasLatin && !m.ownName { // "C7852城" is a licence plate, not an estate
		return i - len(code) + codeLead(code), true
	}
	return properName(fold, i, j, bound, m, hasDigit)
}

// codeName decides on a building or a number: "3号楼", "A座", "501室",
// "人民路8号"; code is the run of digits, letters and numerals before the
// marker at fold[i:end].
func codeName(fold []rune, i, bound int, m marker, end int, code []rune, hasLatin, hasDigit bool) (int, bool) {
	if len(code) == 0 {
		return 0, false
	}
	start := i - len(code)
	chained := chainedTo(fold, bound, start)
	switch {
	case m.chainOnly:
		// Right after the street, no comma between: "广东省，5号回来"
		// is a date.
		return start, bound > 0 && start == bound
	case string(m.word) == "座":
		return start, chained || hasLatin // "A座"; "一座桥" is a count
	case string(m.word) == "室":
		return start, chained || hasDigit && len(code) >= 3 // "501室", not "2室1厅"
	case !hasLatin && !hasDigit:
		// Numerals only: "七栋三单元" is an address, "有七栋房屋" a count.
		return start, chained || end < len(fold) && (isCodeRune(fold[end]) || startsBuilding(fold, end))
	}
	return start, true
}

// properName decides on a name of Han characters, fold[j:i], before the
// marker at fold[i]: at least two Han characters, not all numerals, not an
// ordinary word ending in the marker; it returns where the name starts.
func properName(fold []rune, i, j, bound int, m marker, hasDigit bool) (int, bool) {
	// Names of towns, villages and streets have two or three characters
	// ("叶家坡村", "徐家井路"); a longer run is the sentence before it.
	if m.kind == kindRegion && len(m.word) == 1 && m.word[0] != '州' {
		return regionName(fold, i, j, bound)
	}
	limit := 6 - 3*boolInt(len(m.word) == 1)
	name := fold[j:i]
	if m.kind == kindOrg {
		j += orgLead(name)
		name = fold[j:i]
		limit = 6 // offices have longer names: "城北供电局", "人力资源局"
		if bound > 0 && j == bound {
			limit = len(name) // up to the place before: "K市宇国房地产开发有限责任公司"
		}
	}
	if len(name) > limit {
		j = i - limit
		name = fold[j:i]
	}
	if m.kind == kindOrg || m.kind == kindLandmark {
		j = regionPrefix(fold, j, i)
		name = fold[j:i]
	}
	han := 0
	allNumerals := true
	for _, r := range name {
		if isHan(r) {
			han++
		}
		if !strings.ContainsRune(numeralRunes, r) && !isDigit(r) {
			allNumerals = false
		}
	}
	if allNumerals && (len(name) < 2 || m.kind != kindStreet && m.kind != kindEstate && m.kind != kindLandmark) {
		return 0, false // "三组"; but "五一路", "八一广场" are names
	}
	if len(name) == 1 && strings.ContainsRune("省市县区镇乡", name[0]) && m.kind == kindLandmark {
		return j, true // the county's own: "县体育馆", "市医院"
	}
	if han < 2 && !(han == 1 && hasDigit) { // "红星3组" is fine, "农村" is not
		return 0, false
	}
	if m.chainOnly && j != bound {
		return 0, false
	}
	return j, true
}

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

// innerDu reports whether the 都 at fold[k] is part of a name ("华都小学",
// "名都花园"), not "all": a name character before it and a marker right
// after it.
func innerDu(fold []rune, k, bound int) bool {
	if fold[k] != '都' || k-1 < bound || !isHan(fold[k-1]) || !isNameRune(fold[k-1]) {
		return false
	}
	_, ok := markerAt(fold, k+1)
	return ok
}

// roadCodes are numbered roads: "319国道", "G4高速".
var roadCodes = map[string]bool{"国道": true, "省道": true, "县道": true, "乡道": true, "高速": true}

// busRoute reports whether "路" at fold[end-1] names a bus route: "802路公交车".
func busRoute(fold []rune, end int) bool {
	return hasAt(fold, end, []rune("公交")) || hasAt(fold, end, []rune("车")) || hasAt(fold, end, []rune("班车"))
}

// greetings follow an office the letter is addressed to.
var greetings = [][]rune{[]rune("："), []rune(":"), []rune("领导"), []rune("局长"), []rune("厅长"), []rune("主任"),
	[]rune("书记"), []rune("各位"), []rune("负责人"), []rune("您好"), []rune("你好")}

// greetedAt reports whether a greeting starts at fold[i]: "教育局领导".
func greetedAt(fold []rune, i int) bool {
	for _, g := range greetings {
		if hasAt(fold, i, g) {
			return true
		}
	}
	return false
}

// afterCode reports whether an anonymised code ends right before fold[i]
// ("B市民" is B市's citizen, "A市长" its mayor: the code is the name).
func afterCode(fold []rune, i int) bool {
	return i > 0 && isASCIIAlnum(fold[i-1])
}

// spacedCode returns where a code written with a space before its marker
// starts ("J10 县"), or -1.
func spacedCode(fold []rune, i int) int {
	if i < 2 || fold[i-1] != ' ' {
		return -1
	}
	j := i - 1
	for j > 0 && isASCIIAlnum(fold[j-1]) {
		j--
	}
	if j == i-1 || !isASCIILetter(fold[j]) {
		return -1
	}
	return j
}

func isASCIILetter(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// isCommon reports whether the last character of the name and a
// one-character marker make an ordinary word.
func isCommon(name []rune, m marker) bool {
	if len(m.word) != 1 {
		return false
	}
	w := string([]rune{name[len(name)-1], m.word[0]})
	return commonWords.words[w] || len(name) <= 3 && shortCommonWords.words[w]
}

// endsLongerMarker reports whether the marker is the end of a longer one
// that starts in the name: "公交站" had no name of its own, so "公交" is not
// the name of a 站, nor "一小" of a 区. Regions are left alone: "高新区"
// never extends the phrase before it, so "A市高新区" counts through 区.
func endsLongerMarker(fold []rune, i, end int, m marker) bool {
	for k := 1; k <= markerMax-len(m.word) && k <= i; k++ {
		if l, ok := markerOf(fold[i-k : end]); ok && l.kind != kindRegion {
			return true
		}
	}
	return false
}

// chainedTo reports whether a phrase starting at start follows the previous
// phrase (ending at prevEnd) directly or across one or two connectors.
func chainedTo(fold []rune, prevEnd, start int) bool {
	if prevEnd <= 0 || start < prevEnd || start-prevEnd > 2 {
		return false
	}
	for _, r := range fold[prevEnd:start] {
		if !strings.ContainsRune(connectorRunes, r) {
			return false
		}
	}
	return true
}

func startsBuilding(fold []rune, i int) bool {
	m, ok := markerAt(fold, i)
	return ok && m.kind == kindBuilding
}

// roomNumber extends a building phrase over a bare room number right after
// it ("3栋2单元501": "501").
func roomNumber(fold []rune, end int) int {
	k := end
	for k < len(fold) && isDigit(fold[k]) {
		k++
	}
	if n := k - end; n >= 3 && n <= 4 && (k == len(fold) || !isASCIIAlnum(fold[k])) {
		return k
	}
	return end
}

// bestCluster groups phrases that follow each other into addresses and
// returns the span of the most specific one (the earliest on a tie).
func bestCluster(fold []rune, ps []phrase) phrase {
	var best, cur phrase
	bestScore, score := -1, 0
	flush := func() {
		if score > bestScore {
			best, bestScore = cur, score
		}
	}
	for k, p := range ps {
		w := kindWeight[p.kind]
		if p.kind == kindKnown && p.town == "" {
			w = 1
		}
		if p.addressee {
			w = 0 // the matter is elsewhere in the letter, if anywhere
		}
		// A province joins only what it touches: "广西贺州", not "…广场19楼，海南".
		joins := p.start <= cur.end || p.kind != kindProvince && chainedTo(fold, cur.end, p.start)
		if k > 0 && joins {
			cur.end = max(cur.end, p.end)
			score += w
			continue
		}
		if k > 0 {
			flush()
		}
		cur, score = phrase{start: p.start, end: p.end}, w
	}
	flush()
	return best
}
