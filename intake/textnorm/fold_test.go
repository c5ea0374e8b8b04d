package textnorm

import (
	"testing"

	"github.com/minsheng/minsheng/internal/appealstest"
)

// realAppeals are the texts of the labelled appeals, or the test skips.
func realAppeals(t testing.TB) []string {
	t.Helper()
	var texts []string
	for _, a := range appealstest.Read(t, appealstest.LabeledFile) {
		texts = append(texts, a.Text)
	}
	return texts
}

// The common-runes path gives what the full path gives: on hand-picked
// edges and on every real appeal, whole and cut to one SMS, and how many
// texts take it (FuzzFold checks the same on anything).
func TestFoldCommonIsFold(t *testing.T) {
	for _, s := range []string{"", " ", "  a  ", "ＳＴＯＰ　退订", "退订 ", " 路灯坏了，　请修。", "A市K4县", "１３８ ００１３ ８０００", "開發區路燈壞了", "路灯\n坏了", "x\u200By"} {
		if got, want := Fold(s), foldAny(s); got != want {
			t.Errorf("Fold(%q) = %q, want %q", s, got, want)
		}
	}
	var n, common int
	for _, text := range realAppeals(t) {
		for _, s := range []string{text, string([]rune(text)[:min(70, len([]rune(text)))])} {
			n++
			if _, ok := foldCommon(s); ok {
				common++
			}
			if got, want := Fold(s), foldAny(s); got != want {
				t.Fatalf("Fold(%q) = %q, want %q", s, got, want)
			}
		}
	}
	t.Logf("%d texts, %d (%.0f%%) on the common-runes path", n, common, 100*float64(common)/float64(n))
}

// BenchmarkFold folds the first SMS of real appeals.
func BenchmarkFold(b *testing.B) {
	var sms []string
	for _, text := range realAppeals(b) {
		sms = append(sms, string([]rune(text)[:min(70, len([]rune(text)))]))
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		Fold(sms[i%len(sms)])
		i++
	}
}
