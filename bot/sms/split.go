package sms

import (
	"unicode/utf16"
	"unicode/utf8"
)

// MaxBody is the longest body Twilio takes in one message, in characters.
// Characters are counted as UTF-16 code units (as the carriers' UCS-2
// does): a character outside the BMP counts twice, so a part never exceeds
// the limit however Twilio counts.
const MaxBody = 1600

// breakWindow is how far before the limit a cut looks for a natural break.
const breakWindow = 200

// Split cuts a body into parts of at most MaxBody characters, in order, on
// rune boundaries. A cut prefers to fall just after a line break or the end
// of a sentence (。！？) within the last breakWindow characters before the
// limit, so a long message reads as whole sentences. The parts joined give
// the body back exactly. An empty body has no parts.
func Split(body string) []string {
	var parts []string
	for body != "" {
		cut := splitPoint(body)
		parts = append(parts, body[:cut])
		body = body[cut:]
	}
	return parts
}

// splitPoint is the byte length of the first part of body.
func splitPoint(body string) int {
	units := 0      // UTF-16 units up to pos
	pos := 0        // byte offset of the hard cut
	lastBreak := -1 // byte offset just after the latest break near the limit
	for pos < len(body) {
		r, size := utf8.DecodeRuneInString(body[pos:])
		w := utf16.RuneLen(r) // U+FFFD (invalid UTF-8) is 1
		if units+w > MaxBody {
			break
		}
		units += w
		pos += size
		if isBreak(r) && units > MaxBody-breakWindow {
			lastBreak = pos
		}
	}
	if pos < len(body) && lastBreak > 0 {
		return lastBreak
	}
	return pos
}

func isBreak(r rune) bool {
	switch r {
	case '\n', '。', '！', '？':
		return true
	}
	return false
}
