package understand

import (
	"sort"
	"strings"
	"unicode"
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
// 87.4% (85.5%, 84.5%); on 200 more (place_labels_fair4.tsv, never tuned
// on), 173 name one: 91.3% and 92.9%.
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
	ps = append(ps, standalonePhrases(fold, ps)...)
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].start < ps[j].start })
	return ps
}

// standalonePlaces are places a county town has one of, named without a
// name: the streets by a direction ("东街", "西大街") and the markets by
// their trade ("五金城", "建材城").
var standalonePlaces = newLexicon("东街", "西街", "南街", "北街", "中街", "东大街", "西大街", "南大街",
	"北大街", "正街", "十字街", "五金城", "建材城", "家具城", "服装城", "小商品城", "电脑城", "数码城",
	"美食城", "商贸城", "物流城", "汽配城", "批发城", "灯饰城", "家电城", "农机城")

// standalonePhrases finds the standalone places no other phrase covers.
func standalonePhrases(fold []rune, ps []phrase) []phrase {
	var out []phrase
	for i := 0; i < len(fold); i++ {
		n := standalonePlaces.longestAt(fold, i)
		if n == 0 {
			continue
		}
		if end := i + n; end < len(fold) && strings.ContainsRune("坊头道市", fold[end]) {
			continue // 东街坊, 街头, 街道, 城市 are other words
		}
		covered := false
		for _, p := range ps {
			covered = covered || p.start < i+n && i < p.end
		}
		if !covered {
			out = append(out, phrase{start: i, end: i + n, kind: kindStreet})
		}
		i += n - 1
	}
	return out
}

// markerPhrases scans for markers and the names before them.
func markerPhrases(fold []rune) []phrase {
	var out []phrase
	lastEnd := -10 // end of the previous phrase
	for i := 0; i < len(fold); i++ {
		// Longest marker first; a shorter one may still fit where the longer
		// does not ("人民路口" without a phrase before: 路口 no, 路 yes).
		lens := markerLens[fold[i]]
		if lens == 0 {
			continue
		}
		for n := min(markerMax, len(fold)-i); n > 0; n-- {
			if lens&(1<<n) == 0 {
				continue
			}
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
	lens := markerLens[fold[i]]
	for n := min(markerMax, len(fold)-i); n > 0 && lens != 0; n-- {
		if lens&(1<<n) == 0 {
			continue
		}
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
	j := nameStart(fold, nameRun(fold, i, bound), i)
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
	if m.kind == kindOrg && !orgMarkerName(name, m, chained) ||
		m.kind == kindLandmark && len(name) >= 2 && kindOfPlace.has(name[len(name)-2:]) {
		return 0, false
	}
	if chained && m.rule == nameProper && m.kind != kindRegion && len(name) <= 4 {
		// Vouched for by the phrase just before ("张家村3组", "A市人民路").
		return j, true
	}
	if m.rule == nameChain {
		return i, chained
	}

	code, hasLatin, hasDigit := codeSuffix(name)
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

// nameRun returns where the run of name characters before fold[i] starts,
// at most 8 back and not past bound.
func nameRun(fold []rune, i, bound int) int {
	j := i
	sawHan := false
	for j > bound && i-j < 8 && (isNameRune(fold[j-1]) || innerDu(fold, j-1, bound)) {
		if sawHan && isASCIIAlnum(fold[j-1]) {
			break // a name does not run back over a date or a code ("1日回大忠桥")
		}
		sawHan = sawHan || isHan(fold[j-1])
		j--
	}
	return j
}

// codeSuffix returns the code part at the end of a name: "G4" in "投诉G4",
// "3" in "3" (号楼), and whether it has a Latin letter or a digit.
func codeSuffix(name []rune) (code []rune, hasLatin, hasDigit bool) {
	c := len(name)
	for c > 0 && isCodeRune(name[c-1]) {
		c--
	}
	code = name[c:]
	for _, r := range code {
		hasLatin = hasLatin || r >= 'a' && r <= 'z'
		hasDigit = hasDigit || isDigit(r)
	}
	return code, hasLatin, hasDigit
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
