// Package textnorm is the text normalisation shared by all parsers of
// citizens' messages.
//
// Messages come from old phones in simplified or traditional characters,
// with full-width digits and punctuation (１３８, ＳＴＯＰ, ？), emoji and stray
// spaces. There are two forms of a text:
//
//   - Clean is what we store: the citizen's own characters, minus what no one
//     typed on purpose (invalid bytes, control and zero-width characters).
//   - Fold is what we match on: Clean plus NFKC (full-width → half-width),
//     traditional → simplified, ASCII lower case and single spaces.
//
// Compact goes one step further for keyword matching and drops everything
// that is not a letter or a digit. FoldRune folds one rune at a time, for
// parsers that must map a match back to the original characters.
//
// Everything here is a pure function.
package textnorm

//go:generate go run ./internal/gen -in testdata/TSCharacters.txt -out tstable.go

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

const zwj = '\u200D'

// Clean returns the text to store: invalid UTF-8 replaced by U+FFFD, CR LF
// and lone CR (and the Unicode line separators) turned into '\n', tab, VT and
// FF into a space, other control characters (C0, DEL, C1) removed, zero-width
// and bidirectional formatting characters and the BOM removed, and leading
// and trailing white space trimmed. A zero-width joiner is kept only inside
// an emoji sequence (👨‍👩‍👧), where it is part of what the citizen sent.
// Nothing else changes: no script conversion, no width folding.
func Clean(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	var b strings.Builder
	b.Grow(len(s))
	var prev rune // last rune written, 0 at the start
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '\r':
			if i < len(s) && s[i] == '\n' {
				continue // the '\n' follows
			}
			r = '\n'
		case r == '\u0085', r == '\u2028', r == '\u2029':
			r = '\n'
		case r == '\t', r == '\v', r == '\f':
			r = ' '
		case r == zwj:
			// Keep one joiner between two emoji; a run of joiners is one.
			// What lies between here and the next kept rune is dropped
			// either way, so skip it (a long run stays linear).
			next, skip := nextKept(s[i:])
			i += skip
			if prev == zwj || !isEmoji(prev) || !isEmoji(next) {
				continue
			}
		case r == '\n':
		case unicode.IsControl(r), invisible(r):
			continue
		}
		b.WriteRune(r)
		prev = r
	}
	return strings.TrimFunc(b.String(), unicode.IsSpace)
}

// nextKept is the first rune of s that Clean does not drop outright
// (joiners are skipped too), or 0, and its byte offset in s.
func nextKept(s string) (rune, int) {
	for k, r := range s {
		if r == zwj || invisible(r) || (unicode.IsControl(r) && !isLineOrSpaceControl(r)) {
			continue
		}
		return r, k
	}
	return 0, len(s)
}

func isLineOrSpaceControl(r rune) bool {
	switch r {
	case '\n', '\r', '\t', '\v', '\f', '\u0085':
		return true
	}
	return false
}

// invisible reports the zero-width, bidi and BOM characters Clean removes.
// They hide inside words (copy-paste from apps) and break matching, and
// bidi controls can make a stored text display differently from its content.
func invisible(r rune) bool {
	switch {
	case r == '\u00AD', r == '\u061C', r == '\u180E', r == '\uFEFF':
		return true
	case r >= '\u200B' && r <= '\u200F' && r != zwj:
		return true
	case r >= '\u202A' && r <= '\u202E':
		return true
	case r >= '\u2060' && r <= '\u206F':
		return true
	case r >= '\uFFF9' && r <= '\uFFFB':
		return true
	}
	return false
}

// isEmoji is a loose test for the runes that take part in emoji sequences.
func isEmoji(r rune) bool {
	switch {
	case r >= 0x1F000 && r <= 0x1FAFF:
		return true
	case r == '\uFE0F', r == '\u20E3':
		return true
	case r >= 0x2600 && r <= 0x27BF:
		return true
	}
	return unicode.Is(unicode.So, r)
}

// Fold returns the form used for matching only, never for storing: Clean,
// then Unicode NFKC ("１３８" → "138", "ＳＴＯＰ" → "STOP", "？" → "?"), then
// traditional → simplified, ASCII letters lower-cased, every run of white
// space (newlines included) made one space, trimmed. Zero-width joiners are
// dropped as they mean nothing to a matcher. Fold(Fold(s)) == Fold(s).
func Fold(s string) string {
	if f, ok := foldCommon(s); ok {
		return f
	}
	return foldAny(s)
}

// foldCommon is Fold for text made only of the runes nearly every message
// is made of: printable ASCII, CJK unified ideographs, full-width ASCII
// forms and the ideographic comma and full stop. Clean changes none of
// them but the spaces at the ends, and NFKC maps each on its own (the
// full-width forms to ASCII, the rest to themselves), so the result is
// Fold's without the normaliser's passes, which were most of its cost.
// ok is false, and nothing is built, at the first other rune.
func foldCommon(s string) (string, bool) {
	var b strings.Builder
	space := false
	for i, r := range s {
		switch {
		case r == ' ':
			space = b.Len() > 0
			continue
		case r > ' ' && r < 0x7F, r >= '\u4E00' && r <= '\u9FFF', r >= '\uFF01' && r <= '\uFF5E':
			r = FoldRune(r) // one rune to one, as NFKC then Fold map it here
		case r == '\u3001', r == '\u3002': // NFKC-stable; FoldRune would check
		default:
			return "", false
		}
		if b.Cap() == 0 {
			b.Grow(len(s) - i)
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String(), true
}

// foldAny is Fold for any text.
func foldAny(s string) string {
	s = norm.NFKC.String(Clean(s))
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if r == zwj {
			continue
		}
		if unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(lowerASCII(simplified(r)))
	}
	return b.String()
}

// Compact returns Fold(s) without white space, punctuation and symbols: only
// letters (CJK included) and digits remain. Used for keyword matching, where
// "退 订！" must equal "退订".
func Compact(s string) string {
	f := Fold(s)
	var b strings.Builder
	b.Grow(len(f))
	for _, r := range f {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// ToSimplified maps traditional characters to simplified ones, character by
// character, using OpenCC's table (one-to-one mappings only). Other text is
// returned unchanged.
func ToSimplified(s string) string {
	i := strings.IndexFunc(s, func(r rune) bool { return simplified(r) != r })
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for _, r := range s[i:] {
		b.WriteRune(simplified(r))
	}
	return b.String()
}

// FoldRune folds one rune the way Fold folds text, but always to exactly one
// rune, so that a parser can match on the folded runes and cut the matching
// span out of the original: full-width forms to ASCII, the ideographic space
// and other white space to ' ', single-rune NFKC mappings, traditional to
// simplified, ASCII lower case. Runes whose NFKC form is longer than one rune
// (㈠, ㎡) are kept as they are.
func FoldRune(r rune) rune {
	switch {
	case r < utf8.RuneSelf:
		if unicode.IsSpace(r) {
			return ' '
		}
		return lowerASCII(r)
	case r >= '\uFF01' && r <= '\uFF5E':
		return lowerASCII(r - 0xFEE0)
	case unicode.IsSpace(r):
		return ' '
	case r >= '\u4E00' && r <= '\u9FFF':
		// Unified ideographs, nearly every character of a message, are
		// NFKC-normal already; the check below moves its buffer to the
		// heap, one allocation per character.
		return simplified(r)
	}
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	if !norm.NFKC.IsNormal(buf[:n]) {
		if k := norm.NFKC.Bytes(buf[:n]); utf8.RuneCount(k) == 1 {
			r, _ = utf8.DecodeRune(k)
		}
	}
	return lowerASCII(simplified(r))
}

func lowerASCII(r rune) rune {
	if r >= 'A' && r <= 'Z' {
		return r + ('a' - 'A')
	}
	return r
}

// tsPair is one traditional → simplified mapping of the generated table.
type tsPair struct{ t, s rune }

// simplified maps one rune through the table; the table starts at U+3400
// (CJK extension A), so everything below is returned at once.
func simplified(r rune) rune {
	if r < tsTable[0].t {
		return r
	}
	i := sort.Search(len(tsTable), func(i int) bool { return tsTable[i].t >= r })
	if i < len(tsTable) && tsTable[i].t == r {
		return tsTable[i].s
	}
	return r
}
