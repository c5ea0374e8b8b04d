package dedup

import (
	"testing"
)

func TestSimilarity(t *testing.T) {
	base := "小区门口的路灯坏了三个月，晚上很黑，请尽快修理"
	for _, tc := range []struct {
		name     string
		a, b     string
		min, max float64
	}{
		{"same text", base, base, 1, 1},
		{"punctuation and spaces", base, "小区门口的路灯 坏了三个月 晚上很黑 请尽快修理！", 1, 1},
		{"traditional characters", "小區門口的路燈壞了三個月，晚上很黑，請儘快修理", base, 0.9, 1},
		{"full-width digits", "３号楼路灯坏了", "3号楼路灯坏了", 1, 1},
		{"a small edit", base, "您好，小区门口的路灯坏了三个月了，晚上很黑，请尽快修理，谢谢", Threshold, 1},
		{"another matter", base, "楼下烧烤店每天营业到凌晨两点，噪音太大无法入睡", 0, Threshold - 0.1},
	} {
		sa, oka := Sign(tc.a)
		sb, okb := Sign(tc.b)
		if !oka || !okb {
			t.Fatalf("%s: not signed", tc.name)
		}
		if got := Similarity(sa, sb); got < tc.min || got > tc.max {
			t.Errorf("%s: similarity %.3f, want in [%.2f, %.2f]", tc.name, got, tc.min, tc.max)
		}
	}
}

func TestSignEmptyAndShort(t *testing.T) {
	if _, ok := Sign(" ，。！ "); ok {
		t.Error("a text of punctuation only was signed")
	}
	a, ok := Sign("灯")
	if !ok {
		t.Fatal("one character not signed")
	}
	b, _ := Sign("灯")
	if Similarity(a, b) != 1 {
		t.Error("one character differs from itself")
	}
}

func TestSignatureBytes(t *testing.T) {
	s, _ := Sign("路灯坏了")
	back, ok := ParseSignature(s.Bytes())
	if !ok || back != s {
		t.Fatalf("round trip: %v %v", ok, back == s)
	}
	if _, ok := ParseSignature([]byte("short")); ok {
		t.Error("a short value parsed")
	}
}

func FuzzSign(f *testing.F) {
	f.Add("小区门口的路灯坏了", "小區門口的路燈壞了")
	f.Add("", "\xff\xfe")
	f.Fuzz(func(t *testing.T, a, b string) {
		sa, oka := Sign(a)
		sb, okb := Sign(b)
		if !oka || !okb {
			return
		}
		if s := Similarity(sa, sb); s < 0 || s > 1 {
			t.Fatalf("similarity %v", s)
		}
		if Similarity(sa, sa) != 1 {
			t.Fatal("a signature differs from itself")
		}
		if back, ok := ParseSignature(sa.Bytes()); !ok || back != sa {
			t.Fatal("round trip")
		}
	})
}

// BenchmarkSign signs a median-length appeal (about 220 characters).
func BenchmarkSign(b *testing.B) {
	text := "座落在A市A3区联丰路米兰春天G2栋320，一家名叫一米阳光婚纱艺术摄影的影楼，据说年单这一个工作室营业额就上百万，因为地处居民楼内部，而且有蛮长的时间了，请税务局和工商局查一下，看看这个一米阳光有没有正常纳税！如果没有，应该会怎么操作！座落在A市A3区联丰路米兰春天G2栋320，一家名叫一米阳光婚纱艺术摄影的影楼"
	b.ReportAllocs()
	for b.Loop() {
		Sign(text)
	}
}
