package dialog

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/minsheng/minsheng/intake/understand"
)

// summary is the few words of the matter a survey quotes to the citizen
// ("（幸福小区5号楼电梯坏了…）"): the matter, not the greeting before it
// ("县长您好"), cut where a reader would pause, never inside a word when
// it can be helped.
func summary(s string) string { return matterWords(s, summaryRunes) }

// summaryRunes is how much of the matter a case remembers: the survey's
// share of one SMS with the case id, the unit's note and the answers.
const summaryRunes = 14

// matterWords is the matter of a text in at most n characters (and "…"
// when cut): greetings and fillers before it dropped, the first clauses
// that say something kept, cut at a clause or word boundary.
func matterWords(s string, n int) string {
	clauses := splitKeep(s)
	start := 0
	for start < len(clauses)-1 && understand.IsFiller(clauses[start]) {
		start++ // "县长您好，" "你好 "
	}
	text := strings.TrimSpace(strings.Join(clauses[start:], ""))
	text = strings.Join(strings.Fields(text), " ")
	text = strings.TrimRightFunc(text, func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSpace(r) })
	rs := []rune(text)
	if len(rs) <= n {
		return text
	}
	k := cutAt(rs, n)
	if k == len(rs) {
		return text // two more characters end it: no cut
	}
	return strings.TrimRightFunc(string(rs[:k]), func(r rune) bool {
		return unicode.IsPunct(r) || unicode.IsSpace(r)
	}) + "…"
}

// splitKeep splits a text after each punctuation mark or space, keeping
// them, so the pieces join back to the text.
func splitKeep(s string) []string {
	var out []string
	start := 0
	for i, r := range s {
		if unicode.IsPunct(r) || unicode.IsSpace(r) {
			end := i + utf8.RuneLen(r)
			out = append(out, s[start:end])
			start = end
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// cutAt is where to cut rs to about n runes: the end of the first clause
// when it ends within two more, else after the last clause end in the
// second half, else after a character that ends a word ("了", "的", a
// digit run, the end of a place marker), else at n.
func cutAt(rs []rune, n int) int {
	for k := n + 1; k <= n+2 && k <= len(rs); k++ {
		if k == len(rs) || unicode.IsPunct(rs[k]) || unicode.IsSpace(rs[k]) {
			return k
		}
	}
	for k := n; k > n/2; k-- {
		if unicode.IsPunct(rs[k-1]) || unicode.IsSpace(rs[k-1]) {
			return k
		}
	}
	for k := n; k > n/2; k-- {
		if wordEnd(rs, k) {
			return k
		}
	}
	return n
}

// wordEnd reports whether a word plausibly ends before rs[k]: after a
// particle or a place marker, or where digits meet a character.
func wordEnd(rs []rune, k int) bool {
	prev := rs[k-1]
	next := rs[k]
	switch {
	case strings.ContainsRune("了的地得着过区县市镇乡村路街巷号楼栋室院站场店厂口门里边", prev):
		return !strings.ContainsRune("的了子头边面口", next)
	case isDigitRune(prev) != isDigitRune(next):
		return !strings.ContainsRune("号楼栋层单元室年月日点", next)
	}
	return false
}

func isDigitRune(r rune) bool { return r >= '0' && r <= '9' || r >= '０' && r <= '９' }
