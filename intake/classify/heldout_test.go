package classify

import (
	"os"
	"testing"

	"github.com/minsheng/minsheng/internal/appealstest"
)

// appealsPath is the labelled data beside the repository (shared/data).
var appealsPath = appealstest.Path(appealstest.LabeledFile)

// fixedSplit reads the labelled appeals and splits them on a fixed rule
// (every fifth line held out), so the floor below is checked on the same
// texts every run.
func fixedSplit(t *testing.T) (train, test []Example) {
	t.Helper()
	f, err := os.Open(appealsPath)
	if err != nil {
		t.Skipf("labelled data not available: %v", err)
	}
	defer f.Close()
	exs, err := ReadJSONL(f)
	if err != nil {
		t.Fatal(err)
	}
	for i, ex := range exs {
		if i%5 == 0 {
			test = append(test, ex)
		} else {
			train = append(train, ex)
		}
	}
	return train, test
}

// TestDefaultOptionsHeldOut trains with the shipped settings on four fifths
// of the real appeals, calibration and all, and checks the fifth: macro-F1
// above a floor on whole texts and on their first 70 characters, and
// confidences that mean what they say (accuracy rises with confidence;
// calibration error small). Training calibrates on its own inner folds, so
// the fifth is as unseen as an SMS in production.
func TestDefaultOptionsHeldOut(t *testing.T) {
	train, test := fixedSplit(t)
	m, err := Train(train, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	var full, sms []prediction
	for _, ex := range test {
		l, p := m.Classify(ex.Text)
		full = append(full, prediction{ex.Label, l, p})
		l, p = m.Classify(prefix(ex.Text, SMSChars))
		sms = append(sms, prediction{ex.Label, l, p})
	}
	ev := score(append(full, sms...), m.Labels())
	fullF1, smsF1 := score(full, m.Labels()).MacroF1, score(sms, m.Labels()).MacroF1
	t.Logf("held-out macro-F1 %.4f whole, %.4f first %d; calibration error %.4f", fullF1, smsF1, SMSChars, ev.ECE)
	// Measured 0.9278 and 0.8886 on this split; the floors leave room for
	// noise from changes that do not matter, not for a worse model.
	if fullF1 < 0.915 {
		t.Errorf("held-out macro-F1 on whole texts %.4f, want >= 0.915", fullF1)
	}
	if smsF1 < 0.875 {
		t.Errorf("held-out macro-F1 on the first %d characters %.4f, want >= 0.875", SMSChars, smsF1)
	}
	if ev.ECE > 0.025 {
		t.Errorf("calibration error %.4f on held-out texts, want <= 0.025", ev.ECE)
	}
	// Accuracy rises with confidence: each bin with enough texts to say
	// anything is at least as right as the one before, give or take 0.05.
	prev := -1.0
	for _, b := range ev.Reliability {
		if b.N < 30 {
			continue
		}
		if b.Accuracy < prev-0.05 {
			t.Errorf("reliability not monotone: confidence %.1f–%.1f right %.2f after %.2f; table %+v", b.Lo, b.Hi, b.Accuracy, prev, ev.Reliability)
		}
		prev = b.Accuracy
	}
}

// TestDefaultModelConfidence checks the embedded model's confidences on
// texts it has never seen: a clear complaint is sure, an empty one is not.
func TestDefaultModelConfidence(t *testing.T) {
	m := Folding(Default())
	for _, text := range []string{"公司拖欠工资三个月不发", "小区门口的路灯坏了一个月了，晚上很黑"} {
		if _, p := m.Classify(text); p < 0.8 {
			t.Errorf("Classify(%q) confidence %.2f, want >= 0.8", text, p)
		}
	}
	for _, text := range []string{"", "你好", "请帮帮忙"} {
		if _, p := m.Classify(text); p >= 0.5 {
			t.Errorf("Classify(%q) confidence %.2f, want < 0.5 (below the default min_confidence)", text, p)
		}
	}
}
