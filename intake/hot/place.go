package hot

import (
	"strings"
	"unicode"

	"github.com/minsheng/minsheng/intake/textnorm"
)

// regionEnds end an administrative region's name: a region alone (A市,
// A3区, 长沙市岳麓区, 西地省) is too wide to be the place of a hot issue.
var regionEnds = []string{"自治县", "自治州", "开发区", "高新区", "经开区", "新区",
	"县市", "省", "市", "州", "县", "区"}

// notRegion are words ending in a region marker that name a spot, not a
// region: 幸福小区 stays a place.
var notRegion = []string{"小区", "社区", "园区", "片区", "景区", "校区", "厂区", "街区", "城区", "市场"}

// nearWords only say "around there": 凯达园小区附近 is 凯达园小区.
var nearWords = []string{"附近", "周边", "周围", "一带", "门口", "旁边", "对面", "路口"}

// orgSuffixes are dropped from a place: every company is a 有限公司, so two
// of them would share four characters and nothing else.
var orgSuffixes = []string{"股份有限公司", "有限责任公司", "有限公司", "分公司", "公司", "集团"}

// HasPlace reports whether a place is finer than a region: only such a
// petition belongs to a hot issue.
func HasPlace(place string) bool { return placeKey(place) != "" }

// placeKey normalises a place for matching (folded: traditional to
// simplified, full-width to half-width, punctuation dropped), without the
// regions before it and the "around there" words after it. It returns ""
// when nothing but regions remains or what remains is a single character.
func placeKey(place string) string {
	s := textnorm.Compact(place)
	for {
		n := regionPrefix(s)
		if n == 0 {
			break
		}
		s = s[n:]
	}
	for changed := true; changed; {
		changed = false
		for _, w := range append(nearWords, orgSuffixes...) {
			if t, ok := strings.CutSuffix(s, w); ok {
				s, changed = t, true
			}
		}
	}
	if len([]rune(s)) < 2 || genericPlaces[s] {
		return ""
	}
	return s
}

// genericPlaces are kinds of place, not places: every district has a 幼儿园.
var genericPlaces = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`小区 社区 街道 村 镇 乡 幼儿园 学校 小学 中学 大学 医院 卫生院
		地铁站 地铁 公交站 车站 广场 公园 市场 菜市场 超市 商场 工地 政府 人民政府 派出所 银行
		物业 开发商 业主 居委会 村委会 停车场 加油站 高速 公路 道路 马路 农村 城市 医院门口`) {
		m[w] = true
	}
	return m
}()

// regionPrefix returns the length in bytes of the region name s starts with,
// or 0: a letter code (A市, A3区, K4县, A8县市) or one to four Han
// characters then a region marker, not a word like 小区.
func regionPrefix(s string) int {
	rs := []rune(s)
	i := 0
	if i < len(rs) && rs[i] < unicode.MaxASCII && unicode.IsLetter(rs[i]) {
		// a letter code: A, A3, K12
		i++
		for i < len(rs) && rs[i] >= '0' && rs[i] <= '9' {
			i++
		}
		if n := regionEndAt(rs, i); n > 0 {
			return len(string(rs[:i+n]))
		}
		return 0
	}
	for name := 1; name <= 4 && name < len(rs); name++ {
		if !unicode.Is(unicode.Han, rs[name-1]) {
			return 0
		}
		n := regionEndAt(rs, name)
		if n == 0 {
			continue
		}
		whole := string(rs[:name+n])
		for _, w := range notRegion {
			if strings.HasSuffix(whole, w) {
				return 0
			}
		}
		return len(whole)
	}
	return 0
}

// regionEndAt returns the length in runes of the region marker at rs[i:], or 0.
func regionEndAt(rs []rune, i int) int {
	rest := string(rs[i:])
	for _, e := range regionEnds {
		if strings.HasPrefix(rest, e) {
			return len([]rune(e))
		}
	}
	return 0
}

// minShared is the length in runes of a common substring that makes two
// places one: long enough that 人民路 and 人民医院 stay apart (3 would join
// them through nothing, 2 through 人民), short enough for 伊景园滨河苑 and
// 景园滨河苑.
const minShared = 4

// samePlace reports whether two place keys name the same spot: equal, one
// contains the other (of at least 3 characters: 大学 is in every 某某大学),
// or they share minShared characters in a row.
func samePlace(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	if a == b {
		return true
	}
	a, b = kindWords.Replace(a), kindWords.Replace(b)
	if short, long := shorter(a, b); len([]rune(strings.Trim(short, "|"))) >= 3 &&
		strings.Contains(long, strings.Trim(short, "|")) {
		return true
	}
	return sharesRun(a, b, minShared)
}

// kindWords say what kind of place a name is, not which: 恒大雅苑小区 and
// A1区苑小区 share 苑小区, 先福安置小区 and 泉塘安置小区 share 安置小区, and
// neither pair is one place. samePlace matches the names around them only.
var kindWords = strings.NewReplacer("小区", "|", "社区", "|", "街道", "|", "花园", "|",
	"项目", "|", "公司", "|", "广场", "|")

// sharesRun reports whether a and b have a common substring of n runes.
func sharesRun(a, b string, n int) bool {
	ra := []rune(a)
	if len(ra) < n {
		return false
	}
	for i := 0; i+n <= len(ra); i++ {
		if run := string(ra[i : i+n]); !strings.Contains(run, "|") && strings.Contains(b, run) {
			return true
		}
	}
	return false
}

func shorter(a, b string) (short, long string) {
	if len(a) <= len(b) {
		return a, b
	}
	return b, a
}
