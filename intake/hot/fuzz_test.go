package hot

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzPlace checks that any place text gives a key of two characters or
// more, or none, and that matching never panics.
func FuzzPlace(f *testing.F) {
	for _, s := range []string{"A市A3区幸福小区门口", "西地省", "长沙市岳麓区", "苑小区", "Ａ３区", "县市区省", "\xff市"} {
		f.Add(s, "丽发新城小区")
	}
	f.Fuzz(func(t *testing.T, place, other string) {
		k := placeKey(place)
		if k != "" && utf8.RuneCountInString(k) < 2 {
			t.Errorf("placeKey(%q) = %q: shorter than two characters", place, k)
		}
		if k != "" && !samePlace(k, k) {
			t.Errorf("samePlace(%q, itself) = false", k)
		}
		samePlace(k, placeKey(other))
	})
}

// FuzzReadAppeals checks that any input is read or refused with an error,
// never a panic.
func FuzzReadAppeals(f *testing.F) {
	f.Add(`{"id":"1","user":"u","title":"A市幸福小区噪音","text":"吵","time":"2019-01-02 03:04:05"}`)
	f.Add(`{"id":"1","time":"bad"}`)
	f.Add("\x1f\x8bnot gzip")
	f.Fuzz(func(t *testing.T, in string) {
		items, err := ReadAppeals(strings.NewReader(in), nil, nil)
		if err == nil && len(items) > strings.Count(in, "\n")+1 {
			t.Errorf("%d items from %d lines", len(items), strings.Count(in, "\n")+1)
		}
	})
}
