package understand

import (
	"strings"
	"testing"
	"time"
)

// TestLongInputsStayFast guards against super-linear paths the fuzzer once
// found (every run of digit groups tried against every other; a long
// survey.words entry tried at every position). Real messages are short;
// these are 10–20 KB. The bound is far above the real cost (milliseconds),
// so a loaded machine still passes.
func TestLongInputsStayFast(t *testing.T) {
	inputs := map[string]string{
		"digit groups": strings.Repeat("1 ", 3000),
		"mobiles":      strings.Repeat("13912345678 ", 500),
		"addresses":    strings.Repeat("幸福小区3栋", 1000),
		"markers":      strings.Repeat("路", 5000),
		"ratings":      strings.Repeat("不满意满意个鬼1 ", 1000),
		"greetings":    strings.Repeat("您好", 3000),
	}
	words := map[string]string{strings.Repeat("满", 2000): Satisfied, "满意满": Understood}
	for name, s := range inputs {
		start := time.Now()
		Phones(s)
		Place(s, testPlaces)
		Describes(s)
		ParseCommand(s)
		Urgency(s)
		IsFiller(s)
		ParseRating(s, words)
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s (%d bytes) took %v", name, len(s), d)
		}
	}
}
