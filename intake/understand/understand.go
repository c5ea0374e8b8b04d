// Package understand reads what a citizen's message says: keyword commands,
// greetings and fillers, phone numbers, the place, whether it describes a
// matter at all, urgency, and answers to the satisfaction survey.
//
// Every function takes the raw text as it arrived (simplified or traditional
// characters, full-width digits and punctuation, emoji, stray spaces) and
// normalises it itself with package textnorm. Everything is pure: no I/O, no
// clock, no global state that changes.
//
// The rules are heuristics tuned on short messages (one SMS is 70
// characters); each function documents the rule it follows, and the tables
// in the tests are the specification.
package understand

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/minsheng/minsheng/intake/textnorm"
)

// Urgency levels returned by Urgency (the same strings as the petition's
// "urgency" field).
const (
	Normal = "normal"
	Urgent = "urgent"
)

// Survey ratings returned by ParseRating (the strings the backend receives).
const (
	Satisfied   = "satisfied"
	Understood  = "understood"
	Unsatisfied = "unsatisfied"
)

// folded is a text kept in two aligned forms: the cleaned original runes
// (what petitions store) and one folded rune per original rune (what the
// matchers look at), so a match found in fold can be cut out of orig.
type folded struct {
	orig []rune
	fold []rune
}

func newFolded(text string) folded {
	orig := []rune(textnorm.Clean(text))
	fold := make([]rune, len(orig))
	for i, r := range orig {
		fold[i] = textnorm.FoldRune(r)
	}
	return folded{orig: orig, fold: fold}
}

// hasAt reports whether fold[i:] starts with w (w already folded).
func hasAt(fold []rune, i int, w []rune) bool {
	if i < 0 || i+len(w) > len(fold) {
		return false
	}
	for k, r := range w {
		if fold[i+k] != r {
			return false
		}
	}
	return true
}

// lexicon is a set of words for longest-match scanning.
type lexicon struct {
	words map[string]bool
	max   int // longest word, in runes
	// lens holds, by first rune, the lengths of the words that start with
	// it (bit n for n runes; bit 63 for 63 and longer): most positions of
	// a text start none, and are passed over with one lookup instead of
	// max; at the others only the lengths there are are looked up.
	lens map[rune]uint64
}

func newLexicon(words ...string) lexicon {
	l := lexicon{words: map[string]bool{}, lens: map[rune]uint64{}}
	for _, w := range words {
		l.add(w)
	}
	return l
}

func (l *lexicon) add(w string) {
	w = textnorm.Compact(w)
	if w == "" {
		return
	}
	l.words[w] = true
	r, _ := utf8.DecodeRuneInString(w)
	n := utf8.RuneCountInString(w)
	l.lens[r] |= 1 << min(n, 63)
	l.max = max(l.max, n)
}

// longestAt is the length of the longest word starting at rs[i], or 0.
func (l lexicon) longestAt(rs []rune, i int) int {
	if i >= len(rs) {
		return 0
	}
	lens := l.lens[rs[i]]
	for n := min(l.max, len(rs)-i); n > 0 && lens != 0; n-- {
		if lens&(1<<min(n, 63)) == 0 {
			continue
		}
		if l.has(rs[i : i+n]) {
			return n
		}
	}
	return 0
}

// has reports whether the runes are a word. The runes are encoded into a
// stack buffer and looked up as m[string(b)], which Go does without
// allocating: these lookups run for every position of every message.
func (l lexicon) has(rs []rune) bool {
	var buf [128]byte
	b := buf[:0]
	for _, r := range rs {
		b = utf8.AppendRune(b, r)
	}
	return l.words[string(b)]
}

// containsAny reports whether s contains any word of l.
func (l lexicon) containsAny(s string) bool {
	rs := []rune(s)
	for i := range rs {
		if l.longestAt(rs, i) > 0 {
			return true
		}
	}
	return false
}

// clauses splits a folded text at punctuation into the pieces a negation or
// a "resolved" marker can reach, each compacted (letters and digits only).
// White space does not split: "不 满意" is one clause.
func clauses(foldedText string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(foldedText, unicode.IsPunct) {
		if c := compactRunes(p); c != "" {
			out = append(out, c)
		}
	}
	return out
}

// compactRunes keeps the letters and digits of an already folded text.
func compactRunes(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

func isASCIIAlnum(r rune) bool {
	return r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }
