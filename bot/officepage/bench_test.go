package officepage

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/minsheng/minsheng/bot/officeauth"
	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/queue/redistest"
	"github.com/minsheng/minsheng/intake/report"
	"github.com/minsheng/minsheng/intake/report/reporttest"
	"github.com/redis/go-redis/v9"
)

// BenchmarkPages times every page over a year at Fuyang's volume (4,239
// petitions a day). One day is written through the real batches; its
// counter hashes are copied to every day and month of the year that the
// pages read (a full-year report reads 12 month hashes per shard and
// dimension and 366 days of the all-dimension hash; a partial month its
// days of every dimension), so the hashes hold a real day's fields. The
// lists' indexes get 100,000 more entries each.
//
//	go test ./bot/officepage -run '^$' -bench Pages
func BenchmarkPages(b *testing.B) {
	rdb, prefix := redistest.Client(b)
	loc, _ := time.LoadLocation("Asia/Shanghai")
	ctx := context.Background()
	rec := &report.Recorder{Prefix: prefix, Loc: loc}
	src := time.Date(2026, 6, 15, 0, 0, 0, 0, loc)
	if _, err := reporttest.WriteDay(ctx, rdb, rec, src, 4239, reporttest.Bozhou, 1); err != nil {
		b.Fatal(err)
	}
	copyYear(b, rdb, prefix, src)
	now := time.Date(2026, 12, 31, 15, 0, 0, 0, loc)
	door := officeauth.New(officeauth.Options{Redis: rdb, Prefix: prefix, Now: func() time.Time { return now }, Log: slog.New(slog.DiscardHandler)})
	if err := door.AddUser(ctx, officeauth.Actor{Name: "(bench)"}, "wang", officeauth.Clerk, clerkPW); err != nil {
		b.Fatal(err)
	}
	p := New(Options{Reader: &report.Reader{Redis: rdb, Prefix: prefix, Loc: loc, DeadQueues: []string{"outbox", "sendq"}},
		Door: door, Loc: loc, Now: func() time.Time { return now }, RankMin: 10, Log: slog.New(slog.DiscardHandler)})
	mux := http.NewServeMux()
	for pattern, h := range p.Routes() {
		mux.Handle(pattern, h)
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()
	resp, err := noRedirect.PostForm(srv.URL+"/office/login", url.Values{"name": {"wang"}, "password": {clerkPW}})
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	cookie := resp.Cookies()[0]
	for _, page := range []string{
		"/office/", "/office/unsatisfied", "/office/overdue", "/office/callbacks",
		"/office/report?since=2026-01-01&until=2026-12-31",
		"/office/report?since=2026-01-01&until=2026-12-31&by=official",
		"/office/report?since=2026-12-01&until=2026-12-31&by=week",
		"/office/report?since=2026-11-16&until=2026-12-15&by=category",
		"/office/chart.svg?since=2026-01-01&until=2026-12-31",
		"/office/unsatisfied?format=csv",
	} {
		b.Run(strings.TrimPrefix(page, "/office/"), func(b *testing.B) {
			for b.Loop() {
				req, _ := http.NewRequest("GET", srv.URL+page, nil)
				req.AddCookie(cookie)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("%s: %d", page, resp.StatusCode)
				}
			}
		})
	}
}

// copyYear copies the day's counters to the year's days and months, and
// pads the indexes.
func copyYear(b *testing.B, rdb redis.UniversalClient, prefix string, src time.Time) {
	ctx := context.Background()
	pipe := rdb.Pipeline()
	day := src.Format("20060102")
	for s := 0; s < report.Shards; s++ {
		tag := prefix + "{s" + strconv.Itoa(s) + "}:"
		for d := time.Date(2026, 1, 1, 0, 0, 0, 0, src.Location()); d.Year() == 2026; d = d.AddDate(0, 0, 1) {
			dims := []string{"a"}
			if d.Month() >= 11 {
				dims = report.Dims // the partial months' days
			}
			for _, dim := range dims {
				if to := d.Format("20060102"); to != day {
					pipe.Copy(ctx, tag+"rep:d:"+day+":"+dim, tag+"rep:d:"+to+":"+dim, 0, true)
				}
			}
		}
		for m := 1; m <= 12; m++ {
			for _, dim := range report.Dims {
				pipe.Copy(ctx, tag+"rep:d:"+day+":"+dim, tag+fmt.Sprintf("rep:m:2026%02d:", m)+dim, 0, true)
			}
		}
		for i := 0; i < 100000/report.Shards; i++ {
			id := intake.PetitionID(src.AddDate(0, 0, -1-i%200), s, int64(i+1))
			score := float64(src.AddDate(0, 0, -1-i%200).UnixMilli())
			pipe.ZAdd(ctx, tag+"rep:all", redis.Z{Score: score, Member: id})
			pipe.ZAdd(ctx, tag+"rep:unsat", redis.Z{Score: score, Member: id})
			pipe.ZAdd(ctx, tag+"rep:due:r", redis.Z{Score: score / 1000, Member: id})
		}
		if _, err := pipe.Exec(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
