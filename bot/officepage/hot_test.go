package officepage

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/hot/live"
	"github.com/minsheng/minsheng/intake/queue/redistest"
	"github.com/minsheng/minsheng/intake/report"
)

// TestReportShowsThePeriodsHotIssues: the period's report lists the hot
// issues of two citizens or more with a petition in it, largest first,
// read from the live index the outbox fills.
func TestReportShowsThePeriodsHotIssues(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	ctx := context.Background()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	hot := live.New(rdb, prefix, live.Options{})
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, loc)
	n := 0
	petition := func(day int, phone, place, text string) {
		n++
		p := &intake.Petition{ID: fmt.Sprintf("MS-2026030%d-%05d", day, n), ReceivedAt: at.AddDate(0, 0, day-2),
			Citizen: intake.Citizen{Phone: phone}, Description: text, Location: intake.Location{Text: place}}
		if _, err := hot.Issue(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	petition(2, "+8613900000001", "梅溪湖壹号御湾", "梅溪湖壹号御湾停水三天了，几百户没有水用")
	petition(2, "+8613900000002", "A2区丽发新城小区", "丽发新城小区旁边建了搅拌站，日夜轰鸣，粉尘很大")
	petition(3, "+8613900000003", "丽发新城附近", "投诉丽发新城附近的搅拌站噪音扰民，晚上睡不着觉")
	petition(3, "+8613900000004", "梅溪湖壹号御湾", "梅溪湖壹号御湾又停水了，没有水用")
	petition(4, "+8613900000005", "暮云街道丽发新城", "暮云街道丽发新城搅拌站灰尘太大了，请管一管")
	petition(4, "+8613900000003", "丽发新城附近", "丽发新城搅拌站晚上还在施工，噪音扰民") // the same citizen again
	petition(5, "+8613900000006", "金域蓝湾", "金域蓝湾小区延期交房，开发商不给说法")   // alone: no hot issue

	w := newWorld(t, "")
	w.page.opt.Reader, w.page.opt.HotIssues = &report.Reader{Redis: rdb, Prefix: prefix, Loc: loc}, HotIssuesFrom(hot.List)
	w.user(t, "wang", "clerk", clerkPW)
	c, _ := w.session(t, "wang", clerkPW)
	table := func(query string) string {
		req, _ := http.NewRequest("GET", w.srv.URL+"/office/report?"+query, nil)
		req.AddCookie(c)
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("report?%s: %d %s", query, resp.StatusCode, body)
		}
		m := regexp.MustCompile(`(?s)<table class="cards" id="hot">(.*?)</table>`).FindStringSubmatch(string(body))
		if m == nil {
			t.Fatalf("report?%s has no hot issues table", query)
		}
		rows := regexp.MustCompile(`<tr><td class="text" data-label="热点">([^<]*)</td><td data-label="人数">(\d+)</td><td data-label="件数">(\d+)</td><td data-label="首次">([-\d]+)</td><td data-label="最近">([-\d]+)</td>`).FindAllStringSubmatch(m[1], -1)
		var out []string
		for _, r := range rows {
			out = append(out, strings.Join(r[1:], " "))
		}
		return strings.Join(out, "\n")
	}
	for _, tc := range []struct{ query, want string }{
		{"since=2026-03-01&until=2026-03-31", "丽发新城·搅拌站 3 4 2026-03-02 2026-03-04\n梅溪湖壹号御湾·停水 2 2 2026-03-02 2026-03-03"},
		{"since=2026-03-04&until=2026-03-31", "丽发新城·搅拌站 3 4 2026-03-02 2026-03-04"}, // 梅溪湖's last was the 3rd
		{"since=2026-03-05&until=2026-03-31", ""},
	} {
		if got := table(tc.query); got != tc.want {
			t.Errorf("report?%s hot issues:\n%s\nwant\n%s", tc.query, got, tc.want)
		}
	}
}
