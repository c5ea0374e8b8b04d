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
		NeedsPlace(s)
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s (%d bytes) took %v", name, len(s), d)
		}
	}
}

// smsAppeal is one SMS segment (70 characters) of a place-bound complaint
// without a place: NeedsPlace reads it to the end.
const smsAppeal = "书记您好，我们这边的路灯坏了快一个月了，晚上黑漆漆的，下水道也堵了，污水漫到路上，臭得不行，老人小孩出门都不方便，请尽快派人来修一修吧，谢谢"

func BenchmarkNeedsPlace(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		NeedsPlace(smsAppeal)
	}
}

func BenchmarkUrgency(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Urgency(smsAppeal)
	}
}
