// Package escapetest finds what a JSON text hides behind \u escapes, for
// tests of files people read (the file backend's petitions.jsonl): Chinese,
// "<" and "&" must be written as themselves.
package escapetest

import (
	"strconv"
	"unicode"
	"unicode/utf16"
)

// Printable lists the \u escapes in a JSON text that stand for a character
// a reader could have seen: anything but a control character and the line
// and paragraph separators (U+2028, U+2029), which encoding/json escapes
// always, for JavaScript, and which show nothing anyway. An escaped
// backslash followed by "u" (\\u) is not an escape.
func Printable(text []byte) []string {
	var found []string
	for i := 0; i+1 < len(text); i++ {
		if text[i] != '\\' {
			continue
		}
		if text[i+1] != 'u' {
			i++ // \" \\ \n …: skip the escaped character
			continue
		}
		r, n := escapedRune(text[i:])
		if n == 0 {
			continue // not a whole escape: not JSON; the decoder says so
		}
		if !unicode.IsControl(r) && r != '\u2028' && r != '\u2029' {
			found = append(found, string(text[i:i+n]))
		}
		i += n - 1
	}
	return found
}

// escapedRune reads \uXXXX at the start of b, and a second one when the
// first is a high surrogate; n is the bytes read, 0 if none.
func escapedRune(b []byte) (r rune, n int) {
	r1, ok := hex4(b)
	if !ok {
		return 0, 0
	}
	if utf16.IsSurrogate(r1) {
		if r2, ok := hex4(b[6:]); ok {
			if r := utf16.DecodeRune(r1, r2); r != unicode.ReplacementChar {
				return r, 12
			}
		}
	}
	return r1, 6
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 6 || b[0] != '\\' || b[1] != 'u' {
		return 0, false
	}
	v, err := strconv.ParseUint(string(b[2:6]), 16, 32)
	return rune(v), err == nil
}
