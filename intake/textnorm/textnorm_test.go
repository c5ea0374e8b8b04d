package textnorm

import (
	"bufio"
	"os"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

func TestClean(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"   \t\n ", ""},
		{"  路灯坏了  ", "路灯坏了"},
		{"路灯\r\n坏了", "路灯\n坏了"},
		{"路灯\r坏了\r", "路灯\n坏了"},
		{"a\r\r\nb", "a\n\nb"},
		{"路灯\t坏了", "路灯 坏了"},
		{"路\x00灯\x07坏\x1b了\x7f", "路灯坏了"},
		{"路\u0085灯", "路\n灯"},                   // NEL is a line break
		{"路\u0090灯\u009f", "路灯"},               // other C1 controls go
		{"\uFEFF你好", "你好"},                     // BOM
		{"退\u200B订", "退订"},                     // zero-width space
		{"退\u200C\u200D订", "退订"},               // ZWNJ, ZWJ between letters
		{"退\u2060订\u00AD", "退订"},               // word joiner, soft hyphen
		{"\u202E好坏\u202C", "好坏"},               // bidi override
		{"行\u2028行", "行\n行"},                   // line separator
		{"👨\u200D👩\u200D👧", "👨\u200D👩\u200D👧"}, // emoji sequence kept
		{"👨\u200D\u200D👩", "👨\u200D👩"},         // one joiner is enough
		{"👍\u200D", "👍"},                       // dangling joiner
		{"ＳＴＯＰ　１３８？", "ＳＴＯＰ　１３８？"},             // no width folding
		{"幫助 區", "幫助 區"},                       // no script conversion
		{"bad\xffbyte", "bad\uFFFDbyte"},
		{"\u3000 全角空格\u3000", "全角空格"},
	}
	for _, tt := range tests {
		if got := Clean(tt.in); got != tt.want {
			t.Errorf("Clean(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"１３８１２３４５６７８", "13812345678"},
		{"ＳＴＯＰ", "stop"},
		{"Stop", "stop"},
		{"？", "?"},
		{"查詢進度", "查询进度"},
		{"幫助", "帮助"},
		{"退訂", "退订"},
		{"訂閱", "订阅"},
		{"書記您好", "书记您好"},
		{"我們這個區的路燈壞了", "我们这个区的路灯坏了"},
		{"  多个   空格\n\n换行\t制表 ", "多个 空格 换行 制表"},
		{"全角　空格", "全角 空格"},
		{"ＭＳ－２０２６０３１１－ｋ７ｑ２ｐ", "ms-20260311-k7q2p"},
		{"退\u200B订", "退订"},
		{"👨\u200D👩", "👨👩"},
		{"Ⅻ号楼", "xii号楼"},   // NFKC compatibility forms
		{"ÉCOLE", "École"}, // only ASCII is lower-cased
		{"乾淨", "干净"},       // first OpenCC candidate
		{"瞭解", "瞭解"},       // 瞭 lists itself first: left as is
	}
	for _, tt := range tests {
		if got := Fold(tt.in); got != tt.want {
			t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if again := Fold(Fold(tt.in)); again != Fold(tt.in) {
			t.Errorf("Fold not idempotent on %q: %q then %q", tt.in, Fold(tt.in), again)
		}
	}
}

func TestCompact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"退 订！", "退订"},
		{"退訂。", "退订"},
		{"ＴＤ", "td"},
		{"  S-T-O-P!!! ", "stop"},
		{"查询 MS-20260311-K7Q2P", "查询ms20260311k7q2p"},
		{"😀🙏👍", ""},
		{"？。。。", ""},
		{"3栋2单元501", "3栋2单元501"},
		{"人工、服务~", "人工服务"},
	}
	for _, tt := range tests {
		if got := Compact(tt.in); got != tt.want {
			t.Errorf("Compact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestToSimplified(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"abc 123", "abc 123"},
		{"简体字不变", "简体字不变"},
		{"區縣鎮鄉街樓號門燈壞電話車場醫學環境噪聲錢資員問題還沒決們這個裡麼",
			"区县镇乡街楼号门灯坏电话车场医学环境噪声钱资员问题还没决们这个里么"},
		{"滿意 不滿意 沒解決 理解", "满意 不满意 没解决 理解"},
		{"查詢 進度 幫助 退訂 訂閱 轉人工", "查询 进度 帮助 退订 订阅 转人工"},
		{"書記 縣長 鄉鎮 街道辦 樓棟 單元", "书记 县长 乡镇 街道办 楼栋 单元"},
		{"燃氣洩漏 觸電 著火 溺水 塌陷", "燃气泄漏 触电 著火 溺水 塌陷"},
		{"後來 發現 髮型", "后来 发现 发型"},
	}
	for _, tt := range tests {
		if got := ToSimplified(tt.in); got != tt.want {
			t.Errorf("ToSimplified(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestTableMatchesSource checks the generated table against the stored
// OpenCC file, so a hand edit of either is caught.
func TestTableMatchesSource(t *testing.T) {
	f, err := os.Open("testdata/TSCharacters.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	src := map[rune]rune{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, vals, _ := strings.Cut(line, "\t")
		k, _ := utf8.DecodeRuneInString(key)
		v, _ := utf8.DecodeRuneInString(strings.Fields(vals)[0])
		src[k] = v
	}
	n := 0
	for k, v := range src {
		if k == v {
			if simplified(k) != k {
				t.Errorf("%q maps to itself first in OpenCC but to %q here", k, simplified(k))
			}
			continue
		}
		n++
		// A chain (薴 → 苧 → 苎) is followed to its end, so Fold is idempotent.
		for w, ok := src[v]; ok && w != v; w, ok = src[v] {
			v = w
		}
		if got := simplified(k); got != v {
			t.Errorf("simplified(%q) = %q, OpenCC says %q", k, got, v)
		}
	}
	if n != len(tsTable) {
		t.Errorf("table has %d entries, source %d mappings", len(tsTable), n)
	}
	for i := 1; i < len(tsTable); i++ {
		if tsTable[i-1].t >= tsTable[i].t {
			t.Fatalf("table not sorted at %d", i)
		}
	}
}

func TestFoldRune(t *testing.T) {
	tests := []struct{ in, want rune }{
		{'Ａ', 'a'}, {'１', '1'}, {'？', '?'}, {'　', ' '}, {'\t', ' '},
		{'區', '区'}, {'号', '号'}, {'B', 'b'}, {'㈠', '㈠'}, {'①', '1'},
	}
	for _, tt := range tests {
		if got := FoldRune(tt.in); got != tt.want {
			t.Errorf("FoldRune(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// FoldRune agrees with Fold on single runes that fold to one rune.
	for _, r := range "ＡＢＣａ１２３區縣鎮汤陵街道，。？！" {
		if f := Fold(string(r)); utf8.RuneCountInString(f) == 1 && []rune(f)[0] != FoldRune(r) {
			t.Errorf("FoldRune(%q) = %q, Fold = %q", r, FoldRune(r), f)
		}
	}
}

var fuzzSeeds = []string{
	"", " ", "ＳＴＯＰ", "１３８１２３４５６７８", "書記您好，我們小區門口的路燈壞了",
	"退 订！", "a\r\nb\rc\td", "\uFEFF\u200B\u200D👨\u200D👩", "bad\xffbyte\x00",
	"™\u200D😀", "a\u0301 ´", "\u0085\u2028\u3000x", "ＭＳ－２０２６０３１１－ｋ７ｑ２ｐ",
	"\u202Eabc\u202C", "Ⅻ ㈠ ① ㎡", "👍🏻\u200D",
}

func FuzzClean(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := Clean(s)
		if !utf8.ValidString(c) {
			t.Fatalf("Clean(%q) = %q: invalid UTF-8", s, c)
		}
		for _, r := range c {
			if r != '\n' && unicode.IsControl(r) {
				t.Fatalf("Clean(%q) = %q: control %U left", s, c, r)
			}
			if invisible(r) || r == '\r' || r == '\t' {
				t.Fatalf("Clean(%q) = %q: %U left", s, c, r)
			}
		}
		if c != strings.TrimFunc(c, unicode.IsSpace) {
			t.Fatalf("Clean(%q) = %q: not trimmed", s, c)
		}
		if again := Clean(c); again != c {
			t.Fatalf("Clean not idempotent: %q → %q → %q", s, c, again)
		}
	})
}

func FuzzFold(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fs := Fold(s)
		if slow := foldAny(s); fs != slow {
			t.Fatalf("Fold(%q) = %q, the full path gives %q", s, fs, slow)
		}
		if again := Fold(fs); again != fs {
			t.Fatalf("Fold not idempotent: %q → %q → %q", s, fs, again)
		}
		if strings.Contains(fs, "  ") || fs != strings.TrimSpace(fs) {
			t.Fatalf("Fold(%q) = %q: white space not folded", s, fs)
		}
		for _, r := range fs {
			if r >= 'A' && r <= 'Z' {
				t.Fatalf("Fold(%q) = %q: upper-case ASCII left", s, fs)
			}
			if r >= '\uFF01' && r <= '\uFF5E' {
				t.Fatalf("Fold(%q) = %q: full-width %q left", s, fs, r)
			}
			if unicode.IsSpace(r) && r != ' ' || unicode.IsControl(r) {
				t.Fatalf("Fold(%q) = %q: %U left", s, fs, r)
			}
		}
		c := Compact(s)
		for _, r := range c {
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				t.Fatalf("Compact(%q) = %q: %U left", s, c, r)
			}
		}
		if ToSimplified(fs) != fs {
			t.Fatalf("Fold(%q) = %q still has traditional characters", s, fs)
		}
	})
}

// TestLongInputsStayLinear guards against quadratic paths (a long run of
// joiners once rescanned the rest of the text for each one). The bound is
// two orders of magnitude above the real cost, so a loaded machine passes.
func TestLongInputsStayLinear(t *testing.T) {
	inputs := []string{
		"😀" + strings.Repeat("\u200D", 50000) + "a",
		strings.Repeat("😀\u200D\u200B", 20000),
		strings.Repeat("區 ", 30000),
	}
	for _, s := range inputs {
		start := time.Now()
		Clean(s)
		Fold(s)
		Compact(s)
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%d bytes took %v", len(s), d)
		}
	}
}
