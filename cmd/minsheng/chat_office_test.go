package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/minsheng/minsheng/internal/escapetest"
)

// quietHoursOff lets status and survey messages go at any hour: the tests
// run on the real clock, and default quiet hours (22:00–07:00 Shanghai)
// would hold them.
func quietHoursOff(t *testing.T) {
	t.Setenv("MINSHENG_QUIET_HOURS_START", "")
	t.Setenv("MINSHENG_QUIET_HOURS_END", "")
}

// The whole loop on the embedded defaults: an appeal, the office resolves
// it (/办结), the citizen gets the survey naming the petition, answers "1",
// and the file backend records the rating as satisfied. stdout holds the
// bot's replies only; what the command did goes to stderr.
func TestChatOfficeResolvesAndTheSurveyAnswerIsRecorded(t *testing.T) {
	path := isolate(t)
	quietHoursOff(t)
	in := "幸福小区3号楼门口的路灯坏了一个月了，晚上很黑\n/办结 路灯已修好\n1\n"
	code, stdout, stderr := runCmd(t, context.Background(), in, "chat", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	r := jsonReplies(t, stdout)
	if len(r) != 3 {
		t.Fatalf("want receipt, survey and thanks, got %+v\n%s", r, stderr)
	}
	id := idRe.FindString(r[0].Text)
	survey := r[1].Text
	if id == "" || !strings.Contains(survey, id) || !strings.Contains(survey, "已办结") ||
		!strings.Contains(survey, "路灯已修好") || !strings.Contains(survey, "1满意") {
		t.Errorf("the survey %q should name %q, the note, and how to answer", survey, id)
	}
	if !strings.Contains(stderr, "已办结 "+id+"：路灯已修好") {
		t.Errorf("stderr should say what /办结 did: %q", stderr)
	}
	ps := readPetitions(t, path)
	var ratings []map[string]any
	for _, p := range ps {
		if p["type"] == "rating" {
			ratings = append(ratings, p)
		}
	}
	if len(ps) != 2 || ps[0]["type"] != "petition" || ps[0]["id"] != id || len(ratings) != 1 ||
		ratings[0]["petition_id"] != id || ratings[0]["case_id"] != id || ratings[0]["rating"] != "satisfied" {
		t.Errorf("want the petition and its rating \"satisfied\", the file holds %v", ps)
	}
}

// /交办 without a unit assigns to the category's configured unit, and the
// citizen is told so; "/x" gets a hint. Neither is a citizen's message: no
// supplement, no second petition, nothing in the transcript.
func TestChatOfficeAssignsToTheCategorysUnitAndSlashLinesAreNotMessages(t *testing.T) {
	path := isolate(t)
	quietHoursOff(t)
	in := "幸福小区3号楼门口的路灯坏了一个月了，晚上很黑\n/交办\n/x 路灯\n／assign 区住建局\n"
	code, stdout, stderr := runCmd(t, context.Background(), in, "chat")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	id := idRe.FindString(stdout)
	for _, want := range []string{
		"办理> 已交办 " + id + "：市住建局\n民声> 您的诉求" + id + "已交市住建局办理。\n",
		"办理> 未知命令 /x：输入 /帮助 查看办理命令\n",
		"办理> 已交办 " + id + "：区住建局\n民声> 您的诉求" + id + "已交区住建局办理。\n",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if n := strings.Count(stdout, "民声> "); n != 3 {
		t.Errorf("want the receipt and two status messages, got %d replies:\n%s", n, stdout)
	}
	ps := readPetitions(t, path)
	if len(ps) != 1 || ps[0]["type"] != "petition" {
		t.Fatalf("a slash line reached the dialog: the file holds %v", ps)
	}
	for _, turn := range ps[0]["transcript"].([]any) {
		if text := turn.(map[string]any)["text"].(string); strings.Contains(text, "/") || strings.Contains(text, "／") {
			t.Errorf("the transcript holds a slash line: %q", text)
		}
	}
}

// Before any petition an office command says so and the session goes on;
// a petition id that is nowhere is named.
func TestChatOfficeWithoutAPetition(t *testing.T) {
	isolate(t)
	code, stdout, stderr := runCmd(t, context.Background(), "/办结\n/resolve MS-20260101-AAAAA 好了\n/help\n", "chat")
	if code != 0 || !strings.Contains(stdout, "办理> 还没有已提交的诉求：先发一条诉求\n") ||
		!strings.Contains(stdout, "办理> 找不到诉求 MS-20260101-AAAAA\n") || !strings.Contains(stdout, "/交办 [单位]") ||
		strings.Contains(stdout, "民声> ") {
		t.Errorf("exit %d\n%s%s", code, stdout, stderr)
	}
}

// `chat --help` tells the office's commands.
func TestChatHelpNamesTheOfficeCommands(t *testing.T) {
	code, stdout, _ := runCmd(t, context.Background(), "", "chat", "--help")
	for _, want := range []string{"/交办 [单位]", "/办结 [说明]", "/帮助", "/assign", "/resolve", "/help", "MS-"} {
		if code != 0 || !strings.Contains(stdout, want) {
			t.Errorf("chat --help lacks %q (exit %d)", want, code)
		}
	}
}

// The prompt is for a person at a terminal: a character device such as a
// terminal's end (/dev/ptmx) is one; a pipe, a file, /dev/null and
// anything not a file (the tests' input) are not.
func TestInteractiveOnlyAtATerminal(t *testing.T) {
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	file, err := os.Create(filepath.Join(t.TempDir(), "in.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	for name, in := range map[string]io.Reader{"pipe": pr, "file": file, "/dev/null": null, "strings.Reader": strings.NewReader("x\n")} {
		if interactive(in) {
			t.Errorf("%s taken for a terminal", name)
		}
	}
	tty, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal to check the positive case: %v", err)
	}
	defer tty.Close()
	if !interactive(tty) {
		t.Error("a pseudo-terminal is not taken for a terminal")
	}
}

// Piped input gets no prompt: plain and JSON output stay as they were.
func TestChatPipedInputGetsNoPrompt(t *testing.T) {
	isolate(t)
	for _, args := range [][]string{{"chat"}, {"chat", "--json"}} {
		_, stdout, _ := runCmd(t, context.Background(), "幸福小区3号楼门口的路灯坏了一个月了，晚上很黑\n/帮助\n", args...)
		if strings.Contains(stdout, "你>") || stdout == "" {
			t.Errorf("%v: %q", args, stdout)
		}
	}
}

// `tail data/petitions.jsonl` is readable: the petition, a supplement and
// a rating written by a chat session keep the citizen's and the office's
// words as typed, "<", "&" and emoji included, with no \u escapes.
func TestChatPetitionsFileIsReadable(t *testing.T) {
	path := isolate(t)
	quietHoursOff(t)
	words := []string{
		"幸福小区<3号楼>门口的路灯&电线坏了一个月了，晚上很黑😡",
		"还有旁边的垃圾桶也满了 <急> & 臭",
		"路灯已修好 <已验收> & 好",
		"不满意，路灯还是不亮 <骗人> & 😡",
	}
	in := words[0] + "\n" + words[1] + "\n/办结 " + words[2] + "\n" + words[3] + "\n"
	if code, _, stderr := runCmd(t, context.Background(), in, "chat", "--json"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	types := map[any]bool{}
	for _, p := range readPetitions(t, path) {
		types[p["type"]] = true
	}
	if !types["petition"] || !types["supplement"] || !types["rating"] {
		t.Fatalf("want a petition, a supplement and a rating, the file holds:\n%s", raw)
	}
	for i, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		if esc := escapetest.Printable([]byte(line)); len(esc) > 0 {
			t.Errorf("line %d hides %q behind escapes: %s", i+1, esc, line)
		}
	}
	for _, w := range []string{words[0], words[1], words[3]} { // the petition, the supplement, the rating's comment
		if !strings.Contains(string(raw), `"`+w+`"`) {
			t.Errorf("%q is not in the file as typed:\n%s", w, raw)
		}
	}
}
