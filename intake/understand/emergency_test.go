package understand

import (
	"os"
	"slices"
	"strings"
	"testing"
)

func TestEmergency(t *testing.T) {
	tests := []struct {
		in    string
		calls string // "" = no emergency
		urg   string
	}{
		{"我闻到楼道里有很大的煤气味，怕是漏气了，城南花园7栋2单元", "119", Urgent},
		{"幸福小区3号楼配电箱冒烟了", "119", Urgent},
		{"樓道電錶箱冒煙了還有火花", "119", Urgent},
		{"我爸叫不醒了，屋里有煤炉", "120", Urgent},
		{"有人拿刀在菜市场砍人", "110", Urgent},
		{"小孩掉进河里了", "110", Urgent},
		{"电梯里困着人，快来，已经半小时了", "119", Urgent},
		{"电梯困人了，现在还在里面", "119", Urgent},
		{"着火了，有人受伤流血不止", "119、120", Urgent},
		{"隔壁两口子正在打架，男的在打人", "110", Urgent},
		// urgent, but no number's
		{"南关村自来水停了三天了", "", Urgent},
		{"建设路菜市场旁边的下水道井盖丢了，晚上看不见很危险", "", Urgent},
		{"1栋电梯共计发生故障22次，其中有两次困人", "", Urgent},
		{"电梯经常掉层", "", Urgent},
		// neither
		{"城管打人，要求严惩", "", Normal},
		{"楼道堆满杂物，存在火灾隐患", "", Normal},
		{"去年着火以后一直没人管", "", Normal},
		{"工厂每天浓烟滚滚", "", Normal},
		{"担心煤气泄漏", "", Normal},
		{"没有着火，只是有烟味", "", Normal},
		{"火锅店油烟太大", "", Normal},
	}
	for _, tt := range tests {
		a := defaultUrgency.Assess(tt.in)
		var calls []string
		for _, c := range a.Calls {
			calls = append(calls, string(c))
		}
		if got := strings.Join(calls, "、"); got != tt.calls || a.Urgency != tt.urg {
			t.Errorf("Assess(%q) = %s calls %q (on %q), want %s calls %q", tt.in, a.Urgency, got, a.Word, tt.urg, tt.calls)
		}
		if a.Emergency() != (tt.calls != "") {
			t.Errorf("Emergency(%q) = %v", tt.in, a.Emergency())
		}
	}
}

// emergencyLabel is one row of a hand-labelled emergency set.
type emergencyLabel struct {
	id, text string
	want     bool     // E: the citizen must be told to call now
	calls    []string // the numbers the labeller gave
}

// readEmergencyLabels reads testdata/emergency_*.tsv: the labels came
// first, from a labeller who never saw these rules (see each file's
// header for how its texts were chosen).
func readEmergencyLabels(t *testing.T, name string, withID bool) []emergencyLabel {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var out []emergencyLabel
	header := true
	for i, line := range strings.Split(string(b), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if header {
			header = false
			continue
		}
		f := strings.Split(line, "\t")
		if !withID {
			f = append([]string{""}, f...)
		}
		if len(f) != 5 || (f[1] != "E" && f[1] != "N") {
			t.Fatalf("%s:%d: want [id,] E|N, numbers, note, text: %q", name, i+1, line)
		}
		l := emergencyLabel{id: f[0], want: f[1] == "E", text: f[4]}
		if l.want {
			l.calls = strings.Split(f[2], ",")
		}
		out = append(out, l)
	}
	return out
}

// emergencyScore is the emergency reply measured against labels.
type emergencyScore struct {
	confusion
	rightCall int // true positives whose first number the labeller gave
}

func scoreEmergency(t *testing.T, labels []emergencyLabel) emergencyScore {
	t.Helper()
	var s emergencyScore
	for _, l := range labels {
		a := defaultUrgency.Assess(l.text)
		switch {
		case a.Emergency() && l.want:
			s.tp++
			if slices.Contains(l.calls, string(a.Calls[0])) {
				s.rightCall++
			} else {
				t.Logf("other number %v (labelled %v): %s", a.Calls, l.calls, l.text)
			}
		case a.Emergency():
			s.fp++
			t.Logf("false alarm on %q %v: %s", a.Word, a.Calls, l.text)
		case l.want:
			s.fn++
			t.Logf("missed: %s", l.text)
		default:
			s.tn++
		}
	}
	return s
}

// TestEmergencyOnRealAppeals measures false alarms of the emergency reply
// on the first SMS (70 characters) of 450 real appeals labelled by hand
// before the rules ran on them: 200 at random, 250 of those that name a
// danger word of the labeller's own list. Two are emergencies.
func TestEmergencyOnRealAppeals(t *testing.T) {
	s := scoreEmergency(t, readEmergencyLabels(t, "emergency_labels.tsv", true))
	t.Logf("450 real first SMS: tp %d fp %d fn %d tn %d; precision %.2f recall %.2f",
		s.tp, s.fp, s.fn, s.tn, s.precision(), s.recall())
	if s.fp > 9 { // 2% of the texts
		t.Errorf("%d false alarms on 450 real appeals, want at most 9", s.fp)
	}
}

// TestEmergencyOnWrittenSMS measures precision and recall on 140 SMS a
// labeller wrote as citizens text (70 emergencies of every kind, 70 hard
// negatives with the same words), labelled as written.
func TestEmergencyOnWrittenSMS(t *testing.T) {
	s := scoreEmergency(t, readEmergencyLabels(t, "emergency_sms.tsv", false))
	t.Logf("140 written SMS: tp %d fp %d fn %d tn %d; precision %.2f recall %.2f; the labeller's number %d of %d",
		s.tp, s.fp, s.fn, s.tn, s.precision(), s.recall(), s.rightCall, s.tp)
	if s.precision() < 0.9 || s.recall() < 0.9 {
		t.Errorf("precision %.2f, recall %.2f, want both ≥ 0.90", s.precision(), s.recall())
	}
}
