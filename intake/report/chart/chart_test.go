package chart

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

func TestNoCJKFontIsAClearError(t *testing.T) {
	t.Setenv("MINSHENG_CJK_FONT", "")
	saved := FontDirs
	FontDirs = []string{t.TempDir()}
	defer func() { FontDirs = saved }()
	if _, err := FindFonts(); !errors.Is(err, ErrNoFont) || !strings.Contains(err.Error(), "fonts-wqy-microhei") {
		t.Fatalf("err %v", err)
	}
}

func TestSVGHasChineseLabels(t *testing.T) {
	if _, err := FindFonts(); err != nil && os.Getenv("CI_REQUIRE_BROWSER") == "" {
		t.Skip("no CJK font on this machine:", err) // CI installs one (.ci/run)
	}
	var days []Day
	for i := 0; i < 31; i++ {
		days = append(days, Day{Date: time.Date(2026, 3, 1+i, 0, 0, 0, 0, time.UTC), Petitions: int64(3 + i%5), Satisfied: float64(i%4) / 4, Answered: int64(i % 3)})
	}
	var b bytes.Buffer
	if err := Write(&b, "svg", "民声 2026年3月", days); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"满意率", "诉求", "3月1日", "<svg"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the SVG lacks %q", want)
		}
	}
}
