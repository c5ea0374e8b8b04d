package sms

import (
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"
)

func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }

func TestSplitShortBodyIsOnePart(t *testing.T) {
	for _, body := range []string{"已收到", strings.Repeat("路", MaxBody)} {
		if parts := Split(body); len(parts) != 1 || parts[0] != body {
			t.Errorf("%d chars: %d parts", utf8.RuneCountInString(body), len(parts))
		}
	}
	if parts := Split(""); len(parts) != 0 {
		t.Errorf("empty body: %q", parts)
	}
}

func TestSplit1700CharactersIntoTwoInOrder(t *testing.T) {
	body := strings.Repeat("路", 1700)
	parts := Split(body)
	if len(parts) != 2 || utf8.RuneCountInString(parts[0]) != MaxBody || utf8.RuneCountInString(parts[1]) != 100 {
		t.Fatalf("parts of %d and %d", utf8.RuneCountInString(parts[0]), utf8.RuneCountInString(parts[1]))
	}
}

func TestSplitPrefersASentenceEndNearTheCut(t *testing.T) {
	// A sentence ends 50 characters before the limit: the cut goes there.
	body := strings.Repeat("甲", MaxBody-51) + "。" + strings.Repeat("乙", 300)
	parts := Split(body)
	if len(parts) != 2 || !strings.HasSuffix(parts[0], "。") || utf8.RuneCountInString(parts[0]) != MaxBody-50 {
		t.Fatalf("first part ends %q after %d chars", lastRune(parts[0]), utf8.RuneCountInString(parts[0]))
	}
	// A line break counts too.
	body = strings.Repeat("a", MaxBody-10) + "\n" + strings.Repeat("b", 20)
	if parts := Split(body); !strings.HasSuffix(parts[0], "\n") {
		t.Errorf("line break not preferred: %q", lastRune(parts[0]))
	}
	// A break far from the limit is not worth a short part: cut hard.
	body = "开头。" + strings.Repeat("丙", 2000)
	if parts := Split(body); utf8.RuneCountInString(parts[0]) != MaxBody {
		t.Errorf("first part of %d chars, want a hard cut at %d", utf8.RuneCountInString(parts[0]), MaxBody)
	}
}

func TestSplitCountsCharactersOutsideTheBMPTwice(t *testing.T) {
	body := strings.Repeat("😀", 1000) // 2,000 UTF-16 units
	parts := Split(body)
	if len(parts) != 2 || utf16Len(parts[0]) != MaxBody || utf16Len(parts[1]) != 400 {
		t.Fatalf("parts of %d and %d units", utf16Len(parts[0]), utf16Len(parts[1]))
	}
}

func lastRune(s string) string {
	r, _ := utf8.DecodeLastRuneInString(s)
	return string(r)
}

func FuzzSplit(f *testing.F) {
	f.Add(strings.Repeat("路灯坏了。", 400))
	f.Add(strings.Repeat("a\n", 1000))
	f.Add(strings.Repeat("😀x", 900))
	f.Add("\xff\xfe" + strings.Repeat("b", 1700))
	f.Fuzz(func(t *testing.T, body string) {
		parts := Split(body)
		if strings.Join(parts, "") != body {
			t.Fatal("parts do not join back into the body")
		}
		for i, p := range parts {
			if p == "" || utf16Len(p) > MaxBody {
				t.Fatalf("part %d: %d units", i, utf16Len(p))
			}
			if utf8.ValidString(body) && !utf8.ValidString(p) {
				t.Fatalf("part %d cut inside a rune", i)
			}
		}
	})
}
