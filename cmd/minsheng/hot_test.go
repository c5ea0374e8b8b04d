package main

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeAppeals writes appeals in the shared data's format, gzip-compressed.
func writeAppeals(t *testing.T, lines []string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "appeals.jsonl.gz")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	z := gzip.NewWriter(f)
	for _, l := range lines {
		fmt.Fprintln(z, l)
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestHotCommand(t *testing.T) {
	isolate(t)
	appeal := func(id, user, title, text, at string) string {
		b, _ := json.Marshal(map[string]string{"id": id, "user": user, "title": title, "text": text, "time": at})
		return string(b)
	}
	path := writeAppeals(t, []string{
		appeal("1", "u1", "A2区丽发新城小区旁搅拌站噪音扰民", "日夜轰鸣，粉尘很大", "2019-11-13 08:00:00"),
		appeal("2", "u2", "投诉丽发新城附近建搅拌站", "晚上睡不着觉，灰尘大", "2019-11-14 09:00:00"),
		appeal("3", "u2", "投诉丽发新城附近建搅拌站", "晚上睡不着觉，灰尘大", "2019-11-14 09:05:00"),
		appeal("4", "u3", "梅溪湖壹号御湾停水", "停水三天了", "2019-11-15 10:00:00"),
		appeal("5", "u4", "A市公交太挤", "A市的公交车早上太挤了", "2019-11-15 10:00:00"),
	})
	code, stdout, stderr := runCmd(t, context.Background(), "", "hot", "--data", path)
	if code != 0 {
		t.Fatalf("hot: exit %d %s", code, stderr)
	}
	if !strings.Contains(stdout, "5 appeals, 4 with a place") ||
		!strings.Contains(stdout, " 1. 丽发新城") || !strings.Contains(stdout, "2 citizens, 3 appeals") ||
		!strings.Contains(stdout, " 2. 梅溪湖壹号御湾·停水  1 citizens") {
		t.Errorf("hot text:\n%s", stdout)
	}

	code, stdout, stderr = runCmd(t, context.Background(), "", "hot", "--data", path, "--format", "json", "--top", "1")
	var got []struct {
		ID, Title string
		Citizens  int
		Appeals   int
		Members   []struct{ ID, Text string }
	}
	if err := json.Unmarshal([]byte(stdout), &got); code != 0 || err != nil {
		t.Fatalf("hot json: exit %d %v %s\n%s", code, err, stderr, stdout)
	}
	if len(got) != 1 || got[0].ID != "hot-1" || got[0].Citizens != 2 || got[0].Appeals != 3 || len(got[0].Members) != 3 {
		t.Errorf("hot json = %+v", got)
	}

	for _, tc := range []struct {
		args []string
		code int
		say  string
	}{
		{[]string{"hot"}, 2, "needs --since"},
		{[]string{"hot", "--data", path, "--since", "2026-03-01"}, 2, "without --since"},
		{[]string{"hot", "--since", "March"}, 2, "want a date"},
		{[]string{"hot", "--data", path, "--format", "csv"}, 2, "one of text, json"},
		{[]string{"hot", "--data", path, "--window", "0s"}, 2, "positive"},
		{[]string{"hot", "--data", filepath.Join(t.TempDir(), "none.jsonl")}, 2, "no such file"},
		{[]string{"hot", "--data", writeAppeals(t, []string{"not json"})}, 1, "line 1"},
	} {
		code, _, stderr := runCmd(t, context.Background(), "", tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.say) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d %q, want %d and %q on one line", tc.args, code, stderr, tc.code, tc.say)
		}
	}
}
