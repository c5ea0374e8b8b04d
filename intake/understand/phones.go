package understand

import "strings"

// Phones returns the phone numbers in text, normalised, without duplicates,
// in order of appearance:
//
//   - Chinese mobiles (1[3-9] and 9 more digits, with or without +86, 86,
//     0086 or a leading 0, spaces or dashes inside, full-width digits) as
//     E.164: "+8613912345678";
//   - landlines (0, a 2–3 digit area code, a 7–8 digit local number not
//     starting with 0, with or without a dash or parentheses) as
//     "0558-5123456", "021-12345678";
//   - other numbers written in international form (+, 8–15 digits) as
//     "+" and the digits; +86 numbers are checked as above.
//
// Digits are read in groups separated by one space or dash; a number may
// span several groups but never uses part of a group, so an 18-digit ID
// card number, a date ("20260311", "2026-03-11"), an amount ("5000元"), a
// house number ("3栋2单元501") or a petition id yields nothing. Groups glued
// to Latin letters (codes, ids) or to a decimal point or comma are skipped.
func Phones(text string) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range findPhones(newFolded(text).fold) {
		if !seen[p.number] {
			seen[p.number] = true
			out = append(out, p.number)
		}
	}
	return out
}

// phoneMatch is one number found, with its rune span in the folded text.
type phoneMatch struct {
	start, end int
	number     string
}

// digitGroup is a run of ASCII digits in the folded text.
type digitGroup struct {
	start, end int // rune span of the digits
	digits     string
	tainted    bool // glued to a letter, a decimal point or a comma: not a phone
}

// findPhones scans folded runes for chains of digit groups and matches
// numbers on whole groups, longest first.
func findPhones(fold []rune) []phoneMatch {
	var out []phoneMatch
	for i := 0; i < len(fold); {
		if !isDigit(fold[i]) {
			i++
			continue
		}
		groups, plus, next := digitChain(fold, i)
		out = append(out, matchGroups(groups, plus)...)
		i = next
	}
	return out
}

// digitChain reads the digit groups that start at fold[i] and are joined by
// single separators. plus reports a '+' just before the first group (after
// an optional '('). next is where scanning continues.
func digitChain(fold []rune, i int) (groups []digitGroup, plus bool, next int) {
	j := i - 1
	if j >= 0 && fold[j] == '(' {
		j--
	}
	plus = j >= 0 && fold[j] == '+'
	start := i
	for {
		g := digitGroup{start: start}
		k := start
		for k < len(fold) && isDigit(fold[k]) {
			k++
		}
		g.end = k
		g.digits = string(fold[start:k])
		g.tainted = glued(fold, start-1, -1) || glued(fold, k, +1)
		groups = append(groups, g)
		// A separator: ')' and/or one space or dash, then a digit.
		s := k
		if s < len(fold) && fold[s] == ')' {
			s++
		}
		if s < len(fold) && isPhoneSep(fold[s]) {
			s++
		}
		if s == k || s >= len(fold) || !isDigit(fold[s]) {
			return groups, plus, k
		}
		start = s
	}
}

func isPhoneSep(r rune) bool {
	switch r {
	case ' ', '-', '–', '—', '‐', '‑', '−':
		return true
	}
	return false
}

// glued reports whether the rune at fold[k] (the neighbour of a digit group,
// looking in direction dir) makes the group part of something else: a Latin
// letter (a code or id), or a decimal point or thousands comma followed by
// a digit.
func glued(fold []rune, k, dir int) bool {
	if k < 0 || k >= len(fold) {
		return false
	}
	r := fold[k]
	if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
		return true
	}
	if r == '.' || r == ',' {
		n := k + dir
		return n >= 0 && n < len(fold) && isDigit(fold[n])
	}
	return false
}

// matchGroups finds numbers in a chain of groups. From each group on it
// tries the longest run of groups first, so "0558 5123456" is one landline
// and "13912345678 13812345678" two mobiles.
func matchGroups(groups []digitGroup, plus bool) []phoneMatch {
	var out []phoneMatch
	for s := 0; s < len(groups); {
		found := false
		// A number is written in at most maxPhoneGroups parts.
		for e := min(len(groups)-1, s+maxPhoneGroups-1); e >= s && !found; e-- {
			withPlus := plus && s == 0
			if !groupsFit(groups[s:e+1], withPlus) {
				continue
			}
			var d strings.Builder
			for _, g := range groups[s : e+1] {
				d.WriteString(g.digits)
			}
			if n, ok := classifyPhone(d.String(), withPlus); ok {
				out = append(out, phoneMatch{groups[s].start, groups[e].end, n})
				s = e + 1
				found = true
			}
		}
		if !found {
			s++
		}
	}
	return out
}

// maxPhoneGroups bounds the parts of one number: "+86 139 1234 5678" has
// four, "0086 139 1234 5678" too; six leaves room and keeps the scan linear.
const maxPhoneGroups = 6

// groupsFit rejects runs of groups that are unlikely to be one number
// written in parts: a tainted group, or, unless the number starts with '+'
// (then "+33 1 23 45 67 89" is fine), a first group of one digit or a later
// group of fewer than 3 digits ("2026-3-11").
func groupsFit(gs []digitGroup, plus bool) bool {
	for k, g := range gs {
		if g.tainted {
			return false
		}
		if len(gs) == 1 {
			break
		}
		n := len(g.digits)
		if !plus && (k == 0 && n < 2 || k > 0 && n < 3) {
			return false
		}
	}
	return true
}

// classifyPhone normalises the digits of a candidate or reports it is none.
func classifyPhone(d string, plus bool) (string, bool) {
	if !plus && strings.HasPrefix(d, "00") {
		d, plus = d[2:], true // international prefix
	}
	if plus {
		if strings.HasPrefix(d, "86") {
			return classifyChinese(d[2:])
		}
		if len(d) >= 8 && len(d) <= 15 && d[0] != '0' {
			return "+" + d, true
		}
		return "", false
	}
	switch {
	case isMobile(d):
		return "+86" + d, true
	case len(d) == 13 && strings.HasPrefix(d, "86") && isMobile(d[2:]):
		return "+" + d, true
	case len(d) == 12 && d[0] == '0' && isMobile(d[1:]):
		return "+86" + d[1:], true
	}
	return landline(d)
}

// classifyChinese handles the national part of a +86 number.
func classifyChinese(nat string) (string, bool) {
	nat = strings.TrimPrefix(nat, "0") // "+86 0558…": the trunk 0 is wrong but common
	switch {
	case isMobile(nat):
		return "+86" + nat, true
	case len(nat) == 0 || nat[0] == '0':
		return "", false
	case nat[0] == '1':
		// Only Beijing (10) has an area code starting with 1.
		if strings.HasPrefix(nat, "10") && len(nat) == 10 && nat[2] >= '2' {
			return "+86" + nat, true
		}
		return "", false
	case len(nat) >= 9 && len(nat) <= 11:
		return "+86" + nat, true
	}
	return "", false
}

func isMobile(d string) bool {
	return len(d) == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9'
}

// landline formats 0 + area code + local number as "area-local". Area codes
// 010 and 02x are followed by 8 digits; the others have 4 digits in all and
// a 7 or 8 digit local number. Local numbers never start with 0.
func landline(d string) (string, bool) {
	if len(d) < 10 || d[0] != '0' || d[1] == '0' {
		return "", false
	}
	var area, local string
	switch {
	case d[1] == '1':
		if d[2] != '0' {
			return "", false
		}
		area, local = d[:3], d[3:]
		if len(local) != 8 {
			return "", false
		}
	case d[1] == '2':
		area, local = d[:3], d[3:]
		if len(local) != 8 {
			return "", false
		}
	default:
		area, local = d[:4], d[4:]
		if len(local) != 7 && len(local) != 8 {
			return "", false
		}
	}
	if local[0] == '0' {
		return "", false
	}
	return area + "-" + local, true
}
