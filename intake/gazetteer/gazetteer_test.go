package gazetteer

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParse(t *testing.T) {
	in := "\uFEFF# 亳州的一部分\n\n谯城区 谯城\n谯城区/汤陵街道\t汤陵 汤陵办  # 街道\n  涡阳县/城关镇\r\nA3区\n"
	got, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Place{
		{County: "谯城区", Aliases: []string{"谯城"}},
		{County: "谯城区", Town: "汤陵街道", Aliases: []string{"汤陵", "汤陵办"}},
		{County: "涡阳县", Town: "城关镇", Aliases: []string{}},
		{County: "A3区", Aliases: []string{}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Parse = %#v\nwant %#v", got, want)
	}
}

func TestParseRejects(t *testing.T) {
	tests := map[string]string{
		"谯城区/汤陵街道/某村":                   "line 1: \"谯城区/汤陵街道/某村\": one county/town per line",
		"/汤陵街道":                         "line 1: county missing before /",
		"谯城区/":                          "line 1: \"谯城区/\": town missing after /",
		"谯城区\n谯城区":                      "line 2: 谯城区/ is already on line 1",
		"谯城区, 汤陵":                       "line 1: \"谯城区,\": ',' is not part of a place name",
		"\xff\xfe":                      "line 1: not UTF-8",
		strings.Repeat("长", 33):         "longer than 32 characters",
		"县 " + strings.Repeat("a ", 17): "line 1: more than 16 other spellings",
	}
	for in, want := range tests {
		_, err := Parse(strings.NewReader(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) error = %v, want it to say %q", in, err, want)
		}
	}
	big := strings.NewReader(strings.Repeat("#\n", MaxFileBytes/2+1))
	if _, err := Parse(big); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("Parse of an oversized file: %v", err)
	}
}

func TestLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "places.txt")
	if err := os.WriteFile(path, []byte("谯城区/古井镇 古井\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil || len(got) != 1 || got[0].Town != "古井镇" {
		t.Errorf("Load = %v, %v", got, err)
	}
	if _, err := Load(path + ".missing"); err == nil || !strings.Contains(err.Error(), "gazetteer") {
		t.Errorf("Load of a missing file: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.txt")
	os.WriteFile(bad, []byte("谯城区\n/古井镇\n"), 0o600)
	if _, err := Load(bad); err == nil || !strings.Contains(err.Error(), bad+": line 2") {
		t.Errorf("Load of a bad file: %v, want the path and line", err)
	}
}

// TestExampleParses keeps the shipped example gazetteer valid.
func TestExampleParses(t *testing.T) {
	ps, err := Load("../../config/places.example.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) == 0 {
		t.Fatal("the example gazetteer lists no places")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"谯城区 谯城\n谯城区/汤陵街道 汤陵", "# x\n\n", "a/b/c", "/x", "x/", "\xff", "县 a b c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ps, err := Parse(strings.NewReader(s))
		if err != nil {
			return
		}
		for _, p := range ps {
			if p.County == "" {
				t.Fatalf("place without county from %q", s)
			}
			for _, name := range append([]string{p.County, p.Town}, p.Aliases...) {
				if !utf8.ValidString(name) || strings.ContainsAny(name, " \t/#") || utf8.RuneCountInString(name) > maxNameRunes {
					t.Fatalf("bad name %q from %q", name, s)
				}
			}
		}
	})
}
