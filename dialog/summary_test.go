package dialog

import (
	"strings"
	"testing"
	"time"

	"github.com/minsheng/minsheng/intake"
)

// The survey quotes the matter: not the greeting before it, cut where a
// reader pauses, not inside a word.
func TestSummaryQuotesTheMatter(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"幸福小区3号楼门口的路灯坏了", "幸福小区3号楼门口的路灯坏了"},
		{"县长您好，城关镇幸福小区5号楼电梯坏了三天了，老人上不去", "城关镇幸福小区5号楼电梯坏了…"},
		{"幸福小区5号楼电梯一直坏，物业不管", "幸福小区5号楼电梯一直坏…"},
		{"书记您好！ 我们村的路灯坏了", "我们村的路灯坏了"},
		{"你好", "你好"},
		{"楼下烧烤店每天晚上吵到半夜两点，影响休息", "楼下烧烤店每天晚上吵到半夜两点…"},
		{"幸福小区3号楼门口的路灯坏了一个月", "幸福小区3号楼门口的路灯坏了…"},
		{"", ""},
	} {
		if got := summary(tt.in); got != tt.want {
			t.Errorf("summary(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// The survey stays one SMS however long the matter and the unit's note.
func TestTheSurveyIsOneSegment(t *testing.T) {
	m := surveyMachine()
	st := &State{}
	m.Step(st, msgAt("县长您好，城关镇幸福小区5号楼电梯坏了三天了，老人上不去下不来", t0))
	c := st.Cases[0]
	out := m.Step(st, Input{Kind: KindStatus, Now: t0.Add(time.Hour), Status: &StatusInput{PetitionID: c.ID,
		Event: intake.StatusEvent{Status: intake.StatusResolved, Note: "已联系电梯维保单位更换主板并完成安全检测，恢复正常运行", At: t0.Add(time.Hour)}}})
	if len(out.Replies) != 1 || Segments(out.Replies[0].Text) != 1 || !strings.Contains(out.Replies[0].Text, "电梯") {
		t.Fatalf("survey %+v", out.Replies)
	}
}
