package dialog

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestDefaultRepliesFitTwoSegmentsAndMostlyOne(t *testing.T) {
	ts, problems := NewTemplates(nil)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	longest, longestName, oneSegment := 0, "", 0
	for _, name := range Names() {
		text := ts.Render(name, Sample)
		n := utf8.RuneCountInString(text)
		if segs := Segments(text); segs > 2 {
			t.Errorf("%s: %d segments (%d chars): %s", name, segs, n, text)
		} else if segs == 1 {
			oneSegment++
		}
		if n > longest {
			longest, longestName = n, name
		}
		if strings.Contains(text, "<no value>") || strings.Contains(text, "{{") {
			t.Errorf("%s renders badly: %s", name, text)
		}
	}
	t.Logf("longest default reply: %s, %d characters, %d segments; %d of %d templates fit one segment",
		longestName, longest, Segments(ts.Render(longestName, Sample)), oneSegment, len(Names()))
	// The receipt is the reply every citizen gets: one segment.
	if r := ts.Render("receipt", Sample); Segments(r) != 1 {
		t.Errorf("receipt takes %d segments: %d chars", Segments(r), utf8.RuneCountInString(r))
	}
}

func TestOverridesAreCheckedAndCitizenTextIsData(t *testing.T) {
	ts, problems := NewTemplates(map[string]string{
		"receipt":   "收到{{.ID}}，{{.Summary}}",
		"prompt":    "{{.ID",
		"nosuch":    "x",
		"ask_where": strings.Repeat("请告诉我们具体地点。", 15),
	})
	all := strings.Join(problems, "\n")
	for _, want := range []string{"dialog.templates.prompt", "dialog.templates.nosuch: no such template", "dialog.templates.ask_where: 3 SMS segments"} {
		if !strings.Contains(all, want) {
			t.Errorf("missing problem %q in:\n%s", want, all)
		}
	}
	// A broken override keeps the default.
	if got := ts.Render("prompt", Data{}); got != strings.TrimSpace(Defaults["prompt"]) {
		t.Errorf("prompt = %q", got)
	}
	// Citizen words that look like a template stay words.
	got := ts.Render("receipt", Data{ID: "MS-1", Summary: "{{.ID}}{{printf \"%s\" 1}}"})
	if got != `收到MS-1，{{.ID}}{{printf "%s" 1}}` {
		t.Errorf("citizen text was interpreted: %q", got)
	}
}

func TestSegments(t *testing.T) {
	for _, c := range []struct {
		body string
		want int
	}{
		{"", 1},
		{strings.Repeat("a", 160), 1},
		{strings.Repeat("a", 161), 2},
		{strings.Repeat("a", 306), 2},
		{strings.Repeat("a", 307), 3},
		{strings.Repeat("€", 80), 1}, // GSM-7 extension: two septets each
		{strings.Repeat("€", 81), 2},
		{strings.Repeat("路", 70), 1},
		{strings.Repeat("路", 71), 2},
		{strings.Repeat("路", 134), 2},
		{strings.Repeat("路", 135), 3},
		{strings.Repeat("a", 69) + "路", 1},
		{strings.Repeat("a", 69) + "😀", 2}, // 71 UTF-16 units
		{"Your case MS-20260311-K7Q2P was received.", 1},
		{"您的诉求已受理，编号MS-20260311-K7Q2P。", 1},
	} {
		if got := Segments(c.body); got != c.want {
			t.Errorf("Segments(%.20q…) = %d, want %d", c.body, got, c.want)
		}
	}
}

// TestVarsFillThePlaceholderText: every reply rendered with the
// placeholders and filled with VarsOf is the reply rendered with the data,
// so a template channel sends what the others send.
func TestVarsFillThePlaceholderText(t *testing.T) {
	ts, _ := NewTemplates(nil)
	vars := VarsOf(Sample)
	for _, name := range Names() {
		text := ts.Render(name, PlaceholderData())
		filled := text
		for k, v := range vars {
			filled = strings.ReplaceAll(filled, "${"+k+"}", v)
		}
		if strings.Contains(filled, "${") {
			t.Errorf("%s: a placeholder without a variable: %s", name, filled)
		}
		if want := ts.Render(name, Sample); filled != want {
			t.Errorf("%s:\n filled %s\n  wants %s", name, filled, want)
		}
	}
	if VarsOf(Data{}) != nil {
		t.Errorf("no data, no variables: %v", VarsOf(Data{}))
	}
}
