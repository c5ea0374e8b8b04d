package understand

import (
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/minsheng/minsheng/intake/textnorm"
)

var fuzzSeeds = []string{
	"", "？", "你好", "书记您好，我们小区门口的路灯坏了", "書記您好，我們小區門口的路燈壞了",
	"查詢 ＭＳ－２０２６０３１１－Ｋ７Ｑ２Ｐ", "ＳＴＯＰ", "退 订！", "取消订阅", "我要人工",
	"电话：+86 139 1234 5678，0558-5123456", "(0558)5123456", "身份证号110101199003071234",
	"2026年3月11日", "A市A3区幸福里小区3栋2单元501", "谯城区汤陵街道某某小区", "人民路8号",
	"1 满意", "3 不满意", "满意个鬼", "不是很满意", "满意，但是还有点小问题", "4", "😀🙏👍",
	"停电两天了，家里老人要用制氧机", "楼道堆满杂物，存在火灾隐患", "bad\xffbyte\x00",
	"13912345678 13812345678", "+1 415 555 2671", "0086 139-1234-5678", "滿意，謝謝",
	"路灯坏了", "我们这停水两天了", "今年养老金什么时候调整？", "奥新燃气公司乱收开户费",
	"新城国际花都的电梯天天坏", "我组的路灯坏了", "ＫＴＶ天天唱到半夜", "城北供电局长",
	"2017年9月1日晚发生火灾，至今，现在又停电了", "万一没有发生火灾", "停水了，不急", "快过年了还拖欠工资",
	"本人西地省E市人", "在广东工作的西地省人", "2014A7县教育局", "刚入学火炬学校", "请问运管所", "7栋1802号",
	"实行政府主导", "M2县人民政府", "向", "省", "广西", "县里和镇里", "所", "处",
}

var (
	e164Mobile = regexp.MustCompile(`^\+861[3-9]\d{9}$`)
	e164Other  = regexp.MustCompile(`^\+[1-9]\d{7,14}$`)
	landlineRE = regexp.MustCompile(`^0\d{2,3}-[1-9]\d{6,7}$`)
	canonID    = regexp.MustCompile(`^MS-20\d{6}-[0-9A-Z]{5}$`)
)

func FuzzParseCommand(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cmd, arg := ParseCommand(s)
		if cmd < None || cmd > Subscribe {
			t.Fatalf("ParseCommand(%q) = %d: no such command", s, cmd)
		}
		if arg != "" && !canonID.MatchString(arg) {
			t.Fatalf("ParseCommand(%q) argument %q is not a canonical id", s, arg)
		}
		if cmd == None && arg != "" {
			t.Fatalf("ParseCommand(%q) = None with argument %q", s, arg)
		}
		// A command is a short message: a keyword never hides in a sentence.
		if cmd != None && len([]rune(textnorm.Compact(s))) > 40 {
			t.Fatalf("ParseCommand(%q) = %v for a long message", s, cmd)
		}
		// Fillers and commands are never matters.
		if (cmd != None || IsFiller(s)) && Describes(s) {
			t.Fatalf("%q is a command or a filler and yet Describes", s)
		}
	})
}

func FuzzPhones(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s, "110101199003071234")
	}
	f.Fuzz(func(t *testing.T, s, id string) {
		got := Phones(s)
		seen := map[string]bool{}
		for _, p := range got {
			if !e164Mobile.MatchString(p) && !e164Other.MatchString(p) && !landlineRE.MatchString(p) {
				t.Fatalf("Phones(%q) returned %q: not a valid number", s, p)
			}
			if strings.HasPrefix(p, "+86") && !e164Mobile.MatchString(p) && len(p) > 14 {
				t.Fatalf("Phones(%q) returned %q: too long for +86", s, p)
			}
			if seen[p] {
				t.Fatalf("Phones(%q) returned %q twice", s, p)
			}
			seen[p] = true
		}
		// A run of 18 digits (an ID card number) adds nothing, wherever the
		// fuzzer's digits come from.
		var d strings.Builder
		for _, r := range id {
			if r >= '0' && r <= '9' {
				d.WriteRune(r)
			}
		}
		for d.Len() < 18 {
			d.WriteString("7")
		}
		run := d.String()[:18]
		with := Phones(s + "，身份证" + run + "。")
		without := Phones(s + "，身份证。")
		if !reflect.DeepEqual(with, without) {
			t.Fatalf("an ID number changed Phones(%q): %q vs %q", s, with, without)
		}
	})
}

func FuzzPlace(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		loc := Place(s, testPlaces)
		if loc.Found != (loc.Text != "") {
			t.Fatalf("Place(%q) = %+v: Found and Text disagree", s, loc)
		}
		if !strings.Contains(textnorm.Clean(s), loc.Text) {
			t.Fatalf("Place(%q) text %q is not the citizen's words", s, loc.Text)
		}
		if loc.Town != "" && loc.County == "" {
			t.Fatalf("Place(%q) = %+v: a town without its county", s, loc)
		}
		if loc.County != "" {
			ok := false
			for _, k := range testPlaces {
				ok = ok || k.County == loc.County && k.Town == loc.Town
			}
			if !ok {
				t.Fatalf("Place(%q) = %+v: not a known place", s, loc)
			}
		}
		if u, w := defaultUrgency.Judge(s); u != Urgent && u != Normal || (u == Urgent) != (w != "") {
			t.Fatalf("Judge(%q) = %q, %q", s, u, w)
		} else if !strings.Contains(textnorm.Compact(s), w) {
			t.Fatalf("Judge(%q) decided on %q, which is not in the text", s, w)
		}
	})
}

func FuzzNeedsPlace(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		need := NeedsPlace(s)
		if need && Place(s, nil).Found {
			t.Fatalf("NeedsPlace(%q) although Place finds %q", s, Place(s, nil).Text)
		}
		// Full-width forms fold to ASCII: the answer cannot change.
		if wide := toFullWidth(s); NeedsPlace(wide) != need {
			t.Fatalf("NeedsPlace(%q) = %v but NeedsPlace(%q) = %v", s, need, wide, !need)
		}
		// A personal matter after it always wins: never asked where.
		if NeedsPlace(s + "。请问社保怎么交") {
			t.Fatalf("NeedsPlace(%q + a pension question) = true", s)
		}
	})
}

// toFullWidth writes printable ASCII in its full-width forms (Ａ, １, ！).
func toFullWidth(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '!' && r <= '~' {
			return r + 0xFEE0
		}
		return r
	}, s)
}

func FuzzParseRating(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s, "基本满意")
	}
	f.Add("不满意", "不满意")
	f.Fuzz(func(t *testing.T, s, word string) {
		// word is a deployment's survey.words entry claiming "satisfied".
		for _, words := range []map[string]string{nil, {word: Satisfied}} {
			r, ok := ParseRating(s, words)
			if !ok {
				if r != "" {
					t.Fatalf("ParseRating(%q) = %q with ok=false", s, r)
				}
				continue
			}
			if r != Satisfied && r != Understood && r != Unsatisfied {
				t.Fatalf("ParseRating(%q) = %q: not a rating", s, r)
			}
			if r == Satisfied {
				for _, neg := range []string{"不满意", "不滿意", "没解决", "沒解決"} {
					if strings.Contains(s, neg) {
						t.Fatalf("ParseRating(%q, %v) = satisfied despite %q", s, words, neg)
					}
				}
			}
		}
	})
}

// FuzzAssess: an emergency is always urgent, and names only the three
// numbers, each once; noise and fillers are never emergencies.
func FuzzAssess(f *testing.F) {
	for _, s := range append(fuzzSeeds, "着火了 快来人", "我爸叫不醒了", "有人拿刀砍人", "2019.3.18塌方", "昏过去了") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a := defaultUrgency.Assess(s)
		if a.Urgency != Urgent && a.Urgency != Normal {
			t.Fatalf("Assess(%q).Urgency = %q", s, a.Urgency)
		}
		if a.Emergency() && a.Urgency != Urgent {
			t.Fatalf("Assess(%q): an emergency that is not urgent: %+v", s, a)
		}
		seen := map[Call]bool{}
		for _, c := range a.Calls {
			if (c != Call119 && c != Call120 && c != Call110) || seen[c] {
				t.Fatalf("Assess(%q) calls %v", s, a.Calls)
			}
			seen[c] = true
		}
		if (IsNoise(s) || IsFiller(s)) && a.Emergency() {
			t.Fatalf("%q is noise or a filler and yet an emergency", s)
		}
	})
}

// FuzzPlaceAnswer: the words kept are the citizen's own (a part of what
// they wrote, once folded), never empty when accepted; noise is no place.
func FuzzPlaceAnswer(f *testing.F) {
	for _, s := range append(fuzzSeeds, "不知道叫什么路，就在菜市场后面", "老粮站对面", "说不清楚", "asdf") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		words, ok := PlaceAnswer(s)
		if ok && strings.TrimSpace(words) == "" {
			t.Fatalf("PlaceAnswer(%q) accepted nothing", s)
		}
		for _, piece := range strings.Split(words, "，") { // clauses kept, joined by a comma
			if ok && !strings.Contains(textnorm.Clean(s), piece) {
				t.Fatalf("PlaceAnswer(%q) = %q: %q is not the citizen's words", s, words, piece)
			}
		}
		if ok && IsNoise(s) {
			t.Fatalf("PlaceAnswer(%q) = %q for noise", s, words)
		}
	})
}
