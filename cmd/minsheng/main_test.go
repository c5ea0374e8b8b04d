package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"github.com/minsheng/minsheng/internal/testwait"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// runCmd runs the command line in-process with the given stdin.
func runCmd(t *testing.T, ctx context.Context, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(ctx, args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

// isolate makes the test independent of the caller's environment and
// points the file backend at a temporary file.
func isolate(t *testing.T) (petitions string) {
	t.Helper()
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "MINSHENG_") {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	dir := filepath.Join(t.TempDir(), "data")
	petitions = filepath.Join(dir, "petitions.jsonl")
	t.Setenv("MINSHENG_BACKEND_FILE_PATH", petitions)
	t.Setenv("MINSHENG_BACKEND_JOURNAL", filepath.Join(dir, "cases.jsonl"))
	t.Setenv("MINSHENG_REDIS_SPOOL", filepath.Join(dir, "spool"))
	return petitions
}

var idRe = regexp.MustCompile(`MS-[0-9]{8}-[0-9A-Z]{5}`)

func readPetitions(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("petitions file: %v", err)
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("petitions file line %q: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

type jsonReply struct{ To, Text string }

func jsonReplies(t *testing.T, stdout string) []jsonReply {
	t.Helper()
	var out []jsonReply
	for _, l := range strings.Split(strings.TrimSpace(stdout), "\n") {
		if l == "" {
			continue
		}
		var r jsonReply
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("reply %q is not JSON: %v", l, err)
		}
		out = append(out, r)
	}
	return out
}

// The backbone's check: a message with a description becomes a petition
// with an id, in the file backend's file, and the citizen gets a receipt.
// This one names no place: the bot asks where, and at the end of input the
// draft is submitted as it is (flagged incomplete, staff call back).
func TestChatJSONGivesReceiptAndWritesPetition(t *testing.T) {
	path := isolate(t)
	code, stdout, stderr := runCmd(t, context.Background(), "小区门口的路灯坏了一个月了，晚上很黑\n", "chat", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	replies := jsonReplies(t, stdout)
	last := replies[len(replies)-1]
	id := idRe.FindString(last.Text)
	if last.To != "+8613800138000" || id == "" {
		t.Fatalf("replies %+v", replies)
	}
	ps := readPetitions(t, path)
	if len(ps) != 1 || ps[0]["id"] != id || ps[0]["type"] != "petition" ||
		ps[0]["description"] != "小区门口的路灯坏了一个月了，晚上很黑" || ps[0]["channel"] != "console" {
		t.Errorf("petitions %v", ps)
	}
	first, _, _ := strings.Cut(stderr, "\n")
	if !strings.Contains(first, "trying the bot on the embedded store") || !strings.Contains(first, path) {
		t.Errorf("chat's first line should say it runs on the embedded store and where petitions are kept: %q", stderr)
	}
}

// The must-show of lost state: two chat runs, each on a new embedded
// store, with two appeals into one folder. Each citizen is told their own
// id and the file holds both petitions under those ids.
func TestTwoChatRunsInOneFolderKeepTwoPetitions(t *testing.T) {
	path := isolate(t)
	var told []string
	for _, appeal := range []string{"幸福小区3号楼门口的路灯坏了一个月了，晚上很黑", "人民路和解放路路口的红绿灯坏了，很危险"} {
		code, stdout, stderr := runCmd(t, context.Background(), appeal+"\n", "chat", "--json")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		r := jsonReplies(t, stdout)
		told = append(told, idRe.FindString(r[len(r)-1].Text))
	}
	if told[0] == "" || told[0] == told[1] {
		t.Fatalf("citizens were told %q", told)
	}
	ps := readPetitions(t, path)
	if len(ps) != 2 {
		t.Fatalf("%d petitions in the file, want 2", len(ps))
	}
	for i, p := range ps {
		if p["id"] != told[i] || p["case_id"] != told[i] {
			t.Errorf("petition %d: id %v case_id %v, the citizen was told %s", i, p["id"], p["case_id"], told[i])
		}
	}
}

// The dialog's check: a greeting gets one prompt and no petition; a
// complete message then gets exactly one reply, the receipt.
func TestChatGreetingThenCompleteMessage(t *testing.T) {
	path := isolate(t)
	code, stdout, stderr := runCmd(t, context.Background(), "你好\n", "chat", "--json")
	if code != 0 || len(jsonReplies(t, stdout)) != 1 || idRe.MatchString(stdout) {
		t.Fatalf("greeting: exit %d, %q %s", code, stdout, stderr)
	}
	if _, err := os.Stat(path); err == nil && len(readPetitions(t, path)) > 0 {
		t.Fatal("a greeting opened a petition")
	}
	code, stdout, stderr = runCmd(t, context.Background(), "你好\n幸福小区3号楼门口的路灯坏了一个月了，晚上很黑\n", "chat", "--json")
	replies := jsonReplies(t, stdout)
	if code != 0 || len(replies) != 2 || idRe.MatchString(replies[0].Text) || idRe.FindString(replies[1].Text) == "" {
		t.Fatalf("exit %d, replies %+v %s", code, replies, stderr)
	}
	if ps := readPetitions(t, path); len(ps) != 1 || ps[0]["id"] != idRe.FindString(replies[1].Text) {
		t.Errorf("petitions %v", ps)
	}
}

func TestChatIgnoresBlankLinesAndPrintsPlainText(t *testing.T) {
	path := isolate(t)
	code, stdout, stderr := runCmd(t, context.Background(), "\n   \n\t\n解放路口的路灯坏了\n", "chat", "--from", "+8613900001111", "--to", "+8613800000001")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if strings.Count(stdout, "民声> ") != 1 || idRe.FindString(stdout) == "" {
		t.Errorf("want one plain reply with an id, got %q", stdout)
	}
	ps := readPetitions(t, path)
	if len(ps) != 1 {
		t.Fatalf("want 1 petition, got %d", len(ps))
	}
	citizen := ps[0]["citizen"].(map[string]any)
	to := ps[0]["addressed_to"].(map[string]any)
	if citizen["phone"] != "+8613900001111" || to["number"] != "+8613800000001" {
		t.Errorf("from/to not used: %v %v", citizen, to)
	}
}

func TestUsageErrorsExit2WithOneLine(t *testing.T) {
	isolate(t)
	for _, args := range [][]string{
		{"chat", "--bogus"},
		{"frobnicate"},
		{"config", "check", "--config", filepath.Join(t.TempDir(), "missing.yaml")},
		{"version", "extra"},
	} {
		code, _, stderr := runCmd(t, context.Background(), "", args...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, stderr)
		}
		if n := strings.Count(strings.TrimSpace(stderr), "\n"); n != 0 || stderr == "" {
			t.Errorf("%v: want one line, got %q", args, stderr)
		}
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	_ = os.WriteFile(bad, []byte("timezone: [\n: :\n"), 0o600)
	if code, _, stderr := runCmd(t, context.Background(), "", "chat", "--config", bad); code != 2 {
		t.Errorf("unparseable config: exit %d (%s)", code, stderr)
	}
}

func TestConfigCheck(t *testing.T) {
	isolate(t)
	code, stdout, stderr := runCmd(t, context.Background(), "", "config", "check")
	if code != 0 || !strings.Contains(stdout, "timezone: Asia/Shanghai") {
		t.Fatalf("defaults: exit %d\n%s\n%s", code, stdout, stderr)
	}

	t.Setenv("MINSHENG_TIMEZONE", "Mars/Base")
	code, _, stderr = runCmd(t, context.Background(), "", "config", "check")
	if code != 1 || !strings.Contains(stderr, "timezone:") || !strings.Contains(stderr, "Mars/Base") {
		t.Errorf("bad timezone: exit %d, %q", code, stderr)
	}
	t.Setenv("MINSHENG_TIMEZONE", "Asia/Shanghai")

	t.Setenv("MINSHENG_SMS_TWILIO_ACCOUNT_SID", "AC0123456789")
	t.Setenv("MINSHENG_SMS_TWILIO_AUTH_TOKEN", "supersecret42")
	t.Setenv("MINSHENG_HTTP_PUBLIC_URL", "https://h.example.org")
	code, stdout, stderr = runCmd(t, context.Background(), "", "config", "check")
	if code != 0 || strings.Contains(stdout+stderr, "supersecret42") || !strings.Contains(stdout, "auth_token: '***'") {
		t.Errorf("secrets: exit %d\n%s%s", code, stdout, stderr)
	}

	cfg := filepath.Join(t.TempDir(), "tpl.yaml")
	_ = os.WriteFile(cfg, []byte("dialog:\n  templates:\n    receipt: \"编号{{.ID\"\n"), 0o600)
	code, _, stderr = runCmd(t, context.Background(), "", "config", "check", "--config", cfg)
	if code != 1 || !strings.Contains(stderr, "dialog.templates.receipt") {
		t.Errorf("broken template: exit %d, %q", code, stderr)
	}
}

func TestVersion(t *testing.T) {
	code, stdout, _ := runCmd(t, context.Background(), "", "version")
	if code != 0 || !strings.HasPrefix(stdout, "minsheng dev (commit ") || !strings.Contains(stdout, "go1.") {
		t.Errorf("version: %d %q", code, stdout)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// served is `minsheng serve` running in-process on a free port.
type served struct {
	base string
	log  *syncBuffer
	stop func() int // cancels, as SIGINT/SIGTERM do, and returns the exit code
}

// startServe runs serve with the environment the test set, waits until it
// answers, and stops it when the test ends (if the test did not).
func startServe(t *testing.T) *served { t.Helper(); return startServeWith(t) }

// startServeWith is startServe with more arguments after "serve" (a
// --config file, for what the environment cannot say: lists of officials).
func startServeWith(t *testing.T, args ...string) *served {
	t.Helper()
	addr := freeAddr(t)
	t.Setenv("MINSHENG_HTTP_LISTEN", addr)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	s := &served{base: "http://" + addr, log: &syncBuffer{}}
	go func() { done <- run(ctx, append([]string{"serve"}, args...), strings.NewReader(""), io.Discard, s.log) }()
	var once sync.Once
	code := -1
	s.stop = func() int {
		once.Do(func() {
			cancel()
			select {
			case code = <-done:
			case <-time.After(20 * time.Second):
				t.Error("serve did not stop")
			}
		})
		return code
	}
	t.Cleanup(func() { s.stop() })
	testwait.For(t, "serve to answer", func() bool {
		resp, err := http.Get(s.base + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil
	})
	return s
}

// syncBuffer collects the log written by serve's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestServeAnswersAndStopsCleanly(t *testing.T) {
	isolate(t)
	srv := startServe(t)
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200, "/metrics": 200, "/nope": 404} {
		resp, err := http.Get(srv.base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s = %d, want %d", path, resp.StatusCode, want)
		}
	}
	if code := srv.stop(); code != 0 { // SIGINT/SIGTERM cancel run's context in main
		t.Errorf("serve exited %d after a stop signal:\n%s", code, srv.log.String())
	}
	if !strings.Contains(srv.log.String(), "minsheng stopped") {
		t.Errorf("no clean stop logged:\n%s", srv.log.String())
	}
}

// With --window, lines arriving together are one burst, answered once as
// SMS would be: no prompt for the greeting, then the receipt.
func TestChatWindowAnswersABurstOnce(t *testing.T) {
	isolate(t)
	in := "书记您好\n幸福小区3号楼门口的路灯坏了一个月了\n"
	_, plain, _ := runCmd(t, context.Background(), in, "chat", "--json")
	code, burst, stderr := runCmd(t, context.Background(), in, "chat", "--json", "--window", "5s")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if n := len(jsonReplies(t, plain)); n != 2 {
		t.Errorf("line by line: want prompt and receipt, got %d replies", n)
	}
	r := jsonReplies(t, burst)
	if len(r) != 1 || idRe.FindString(r[0].Text) == "" {
		t.Errorf("with a window: want one receipt, got %+v", r)
	}
}
