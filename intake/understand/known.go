package understand

import "sort"

// KnownPlace is one of the deployment's counties and towns (config
// intake.places). A town names its county; Aliases are other spellings of
// the town (of the county when Town is empty).
type KnownPlace struct {
	County, Town string
	Aliases      []string
}

// PlaceIndex is a set of known places compiled for matching: patterns by
// their first character, longest first. A nil index knows no places. It is
// safe for concurrent use.
type PlaceIndex struct {
	byFirst map[rune][]knownPattern
}

type knownPattern struct {
	w            []rune
	county, town string
}

// NewPlaceIndex compiles the known places under their full names, their
// aliases, and their names without the administrative suffix ("谯城" for
// "谯城区") when at least two characters remain.
func NewPlaceIndex(known []KnownPlace) *PlaceIndex {
	x := &PlaceIndex{byFirst: map[rune][]knownPattern{}}
	add := func(name, county, town string) {
		w := foldWord(name)
		if len(w) < 2 {
			return
		}
		x.byFirst[w[0]] = append(x.byFirst[w[0]], knownPattern{w, county, town})
		for _, suf := range []string{"街道办事处", "街道办", "街道", "办事处", "开发区", "新区", "自治县", "区", "县", "市", "镇", "乡", "村", "社区"} {
			s := foldWord(suf)
			if len(w) >= len(s)+2 && hasAt(w, len(w)-len(s), s) {
				short := w[:len(w)-len(s)]
				x.byFirst[short[0]] = append(x.byFirst[short[0]], knownPattern{short, county, town})
				break
			}
		}
	}
	for _, k := range known {
		if k.County != "" {
			add(k.County, k.County, "")
		}
		if k.Town != "" {
			add(k.Town, k.County, k.Town)
		}
		for _, a := range k.Aliases {
			add(a, k.County, k.Town)
		}
	}
	for _, pats := range x.byFirst {
		sort.SliceStable(pats, func(i, j int) bool { return len(pats[i].w) > len(pats[j].w) })
	}
	return x
}

// phrases finds the known places in fold, longest first at each position.
func (x *PlaceIndex) phrases(fold []rune) []phrase {
	if x == nil || len(x.byFirst) == 0 {
		return nil
	}
	var out []phrase
	for i := 0; i < len(fold); i++ {
		for _, p := range x.byFirst[fold[i]] {
			if hasAt(fold, i, p.w) {
				out = append(out, phrase{start: i, end: i + len(p.w), kind: kindKnown, county: p.county, town: p.town})
				i += len(p.w) - 1
				break
			}
		}
	}
	return out
}

func foldWord(s string) []rune {
	return newFolded(s).fold
}
