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
	"time"

	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/hot/live"
	"github.com/minsheng/minsheng/intake/queue/redistest"
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
	if !strings.Contains(stdout, "5 条诉求，其中 4 条有比区县更细的地点") ||
		!strings.Contains(stdout, " 1. 丽发新城") || !strings.Contains(stdout, "2 位群众，3 件诉求") ||
		!strings.Contains(stdout, " 2. 梅溪湖壹号御湾·停水  1 位群众") {
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

// TestHotCommandOverStoredPetitions lists the hot issues the bot's outbox
// recorded: a live one and one that ended (from its summary), by period.
func TestHotCommandOverStoredPetitions(t *testing.T) {
	isolate(t)
	rdb, prefix := redistest.Client(t)
	t.Setenv("MINSHENG_REDIS_ADDR", redistest.Addr())
	t.Setenv("MINSHENG_REDIS_PREFIX", prefix)
	t.Setenv("MINSHENG_TIMEZONE", "Asia/Shanghai")
	ctx := context.Background()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	x := live.New(rdb, prefix, live.Options{})
	n := 0
	petition := func(day int, phone, place, text string) {
		n++
		p := &intake.Petition{ID: fmt.Sprintf("MS-202603%02d-%05d", day, n), ReceivedAt: time.Date(2026, 3, day, 10, 0, 0, 0, loc),
			Citizen: intake.Citizen{Phone: phone}, Description: text, Location: intake.Location{Text: place}}
		if _, err := x.Issue(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	petition(2, "+8613900000001", "丽发新城小区", "丽发新城小区旁边建了搅拌站，日夜轰鸣，粉尘很大")
	petition(3, "+8613900000002", "丽发新城小区", "投诉丽发新城小区附近的搅拌站噪音扰民，晚上睡不着觉")
	petition(4, "+8613900000003", "丽发新城小区", "丽发新城小区搅拌站灰尘太大了，请管一管")
	// Sixteen days later the first has ended: its summary is written with
	// the next petition, its entries leave the stream.
	petition(20, "+8613900000004", "梅溪湖壹号御湾", "梅溪湖壹号御湾停水三天了，几百户没有水用")
	petition(21, "+8613900000005", "梅溪湖壹号御湾", "梅溪湖壹号御湾又停水了，没有水用")
	petition(21, "+8613900000006", "金域蓝湾", "金域蓝湾小区延期交房，开发商不给说法") // alone
	if n := rdb.XLen(ctx, prefix+"{hot}:items").Val(); n != 3 {
		t.Fatalf("the stream holds %d entries, want the 3 of live hot issues", n)
	}

	for _, tc := range []struct {
		args []string
		want string // titles and sizes, in order
	}{
		{[]string{"--since", "2026-03-01", "--until", "2026-03-31"}, "丽发新城小区·搅拌站 3, 梅溪湖壹号御湾·停水 2"},
		{[]string{"--since", "2026-03-01", "--until", "2026-03-31", "--top", "1"}, "丽发新城小区·搅拌站 3"},
		{[]string{"--since", "2026-03-05", "--until", "2026-03-31"}, "梅溪湖壹号御湾·停水 2"},
		{[]string{"--since", "2026-03-01", "--until", "2026-03-04"}, "丽发新城小区·搅拌站 3"},
		{[]string{"--since", "2026-02-01", "--until", "2026-02-28"}, ""},
	} {
		code, stdout, stderr := runCmd(t, ctx, "", append([]string{"hot", "--format", "json"}, tc.args...)...)
		var got []struct {
			Title    string
			Citizens int
			Members  []struct{ ID, Text string }
		}
		if err := json.Unmarshal([]byte(stdout), &got); code != 0 || err != nil {
			t.Fatalf("hot %v: exit %d %v %s\n%s", tc.args, code, err, stderr, stdout)
		}
		var titles []string
		for _, k := range got {
			titles = append(titles, fmt.Sprintf("%s %d", k.Title, k.Citizens))
			if len(k.Members) != k.Citizens || k.Members[0].Text == "" {
				t.Errorf("hot %v: %s has members %+v", tc.args, k.Title, k.Members)
			}
		}
		if strings.Join(titles, ", ") != tc.want {
			t.Errorf("hot %v = %q, want %q", tc.args, strings.Join(titles, ", "), tc.want)
		}
	}
	code, stdout, stderr := runCmd(t, ctx, "", "hot", "--since", "2026-03-01", "--until", "2026-03-31")
	if code != 0 || !strings.Contains(stdout, "热点（两位及以上群众反映）统计期：2026-03-01 至 2026-03-31（Asia/Shanghai）；热点窗口 7 天") ||
		!strings.Contains(stdout, " 1. 丽发新城小区·搅拌站  3 位群众，3 件诉求，2026-03-02 至 2026-03-04") ||
		!strings.Contains(stdout, " 2. 梅溪湖壹号御湾·停水  2 位群众") {
		t.Errorf("hot text: exit %d %s\n%s", code, stderr, stdout)
	}
}
