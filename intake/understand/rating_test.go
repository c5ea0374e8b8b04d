package understand

import "testing"

func TestParseRating(t *testing.T) {
	const (
		sat   = Satisfied
		und   = Understood
		unsat = Unsatisfied
		no    = ""
	)
	tests := []struct {
		in   string
		want string // "" means ok=false
	}{
		// digits
		{"1", sat},
		{"2", und},
		{"3", unsat},
		{"１", sat},
		{"３", unsat},
		{" 2 ", und},
		{"3。", unsat},
		{"1！", sat},
		{"1 满意", sat},
		{"1满意", sat},
		{"2 理解", und},
		{"3 不满意", unsat},
		{"３ 不滿意", unsat},
		{"我选1", sat},
		{"选 2", und},
		{"满意 1", sat},
		{"4", no},
		{"0", no},
		{"12", no},
		{"123", no},
		{"4 满意", no},
		{"4，还是没人来", unsat},
		// words, both scripts
		{"满意", sat},
		{"滿意", sat},
		{"非常满意", sat},
		{"非常滿意！", sat},
		{"很满意", sat},
		{"满意谢谢", sat},
		{"满意，谢谢书记", sat},
		{"问题已解决，谢谢", sat},
		{"修好了，很好", sat},
		{"不错", sat},
		{"没问题了", sat},
		{"5星好评", sat},
		{"理解", und},
		{"基本满意", und},
		{"基本滿意", und},
		{"还算满意", und},
		{"还行吧", und},
		{"一般", und},
		{"比较满意", und},
		{"可以理解", und},
		{"满意，但是还有点小问题", und},
		{"满意，就是处理得有点慢", und},
		{"不满意", unsat},
		{"不滿意", unsat},
		{"不太满意", unsat},
		{"很不满意", unsat},
		{"非常不满意！！！", unsat},
		{"一点也不满意", unsat},
		{"不是很满意", unsat},
		{"不 满意", unsat},
		{"不能说满意", unsat},
		{"谈不上满意", unsat},
		{"我不觉得满意", unsat},
		{"满意个鬼", unsat},
		{"满意个屁，路灯还是黑的", unsat},
		{"没解决", unsat},
		{"沒解決", unsat},
		{"问题还在", unsat},
		{"問題還在", unsat},
		{"还是没修", unsat},
		{"没人来", unsat},
		{"没有人联系我", unsat},
		{"根本没人来看过，敷衍", unsat},
		{"3天了还没人来", unsat},
		{"不理解", unsat},
		{"不好", unsat},
		{"没想到这么快就解决了，满意", sat},
		// contradictions: the least favourable reading
		{"1 不满意", unsat},
		{"1，问题还在", unsat},
		{"3 满意", unsat},
		{"1 理解", und},
		{"2 满意", und},
		{"理解，满意", und},
		{"满意，但是没解决", unsat},
		{"不是不满意", unsat},
		// unclear
		{"谢谢", no},
		{"好", no},
		{"好的", no},
		{"嗯", no},
		{"收到", no},
		{"满意吗？", no},
		{"你们觉得我会满意吗", no},
		{"", no},
		{"？", no},
		{"😀", no},
		{"路灯什么时候修", no},
		{"满意度调查是什么", no},
	}
	for _, tt := range tests {
		got, ok := ParseRating(tt.in, nil)
		if ok != (tt.want != "") || got != tt.want {
			t.Errorf("ParseRating(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
}

func TestParseRatingWords(t *testing.T) {
	words := map[string]string{
		"基本满意": Satisfied,   // an office that counts 基本满意 as satisfied
		"OK":   Satisfied,   // folded: matches "ok", "ＯＫ"
		"凑合":   Unsatisfied, // stricter than the default
		"好":    Satisfied,
		"不满意":  Satisfied, // a wrong entry must not break the guarantee
		"随便":   "maybe",   // not a rating: ignored
	}
	tests := []struct{ in, want string }{
		{"基本满意", Satisfied},
		{"ＯＫ", Satisfied},
		{"凑合吧", Unsatisfied},
		{"好", Satisfied},
		{"不好", Unsatisfied}, // the longer built-in word wins
		{"不满意", Unsatisfied},
		{"随便", ""},
		{"满意", Satisfied},
	}
	for _, tt := range tests {
		got, ok := ParseRating(tt.in, words)
		if ok != (tt.want != "") || got != tt.want {
			t.Errorf("ParseRating(%q, words) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
}

// The survey asks, beside the rating, whether the problem is solved:
// 是 or 否 after the digit, or words.
func TestParseSolved(t *testing.T) {
	yes, no, none := 1, 0, -1
	for text, want := range map[string]int{
		"1是": yes, "1 是": yes, "1，是": yes, "１是": yes, "满意 已解决": yes, "满意，是": yes, "是": yes, "是的": yes,
		"非常满意，问题已解决，谢谢": yes, "2是": yes, "修好了": yes, "已經解決": yes, "我选1是": yes,
		"3否": no, "3 否": no, "否": no, "没解决": no, "不满意，问题还在": no, "1是，可是又坏了没人修": no, "满意，但没修好": no,
		"2否": no, "路灯还是老样子": no, "谈不上修好了": no, "还没解决呢": no,
		"1": none, "满意": none, "3": none, "不是很满意": none, "是否能再来看看": none, "谢谢": none, "": none, "不满意": none,
	} {
		s, ok := ParseSolved(text)
		got := none
		if ok {
			got = map[bool]int{true: yes, false: no}[s]
		}
		if got != want {
			t.Errorf("ParseSolved(%q) = %d, want %d (1 solved, 0 not, -1 not said)", text, got, want)
		}
	}
	// the rating reads the same answers as before
	for text, want := range map[string]string{"1是": Satisfied, "3否": Unsatisfied, "2否": Understood, "满意 已解决": Satisfied, "没解决": Unsatisfied} {
		if got, ok := ParseRating(text, nil); !ok || got != want {
			t.Errorf("ParseRating(%q) = %q %v, want %q", text, got, ok, want)
		}
	}
}
