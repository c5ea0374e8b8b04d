package report_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/minsheng/minsheng/intake/queue/redistest"
	"github.com/minsheng/minsheng/intake/report"
	"github.com/minsheng/minsheng/intake/report/reporttest"
)

// BenchmarkSizeOfADay writes one day at Fuyang's volume (4,239 petitions,
// each with its statuses and rating, as the commits write them) and
// measures the Redis memory of the records and of the counters, with a
// year extrapolated from them:
//
//	go test ./intake/report -run '^$' -bench SizeOfADay -benchtime 1x
func BenchmarkSizeOfADay(b *testing.B) {
	rdb, prefix := redistest.Client(b)
	loc, _ := time.LoadLocation("Asia/Shanghai")
	rec := &report.Recorder{Prefix: prefix, Loc: loc}
	ctx := context.Background()
	const perDay = 4239
	day := time.Date(2026, 3, 10, 0, 0, 0, 0, loc)
	for b.Loop() {
		start := time.Now()
		if _, err := reporttest.WriteDay(ctx, rdb, rec, day, perDay, reporttest.Bozhou, 1); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(time.Since(start).Microseconds())/perDay, "µs/petition-written")
	}
	var records, counters, months, indexes, nRecords int64
	days := map[string]bool{}
	iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	for iter.Next(ctx) {
		k := iter.Val()
		n, err := rdb.MemoryUsage(ctx, k, 0).Result()
		if err != nil {
			b.Fatal(err)
		}
		switch {
		case strings.Contains(k, ":rep:p:"):
			records += n // with the reasons of ratings (":rc")
			if !strings.HasSuffix(k, ":rc") {
				nRecords++
			}
		case strings.Contains(k, ":rep:m:"):
			months += n
		case strings.Contains(k, ":rep:d:"):
			counters += n
			days[strings.Split(k[strings.Index(k, ":rep:d:")+7:], ":")[0]] = true
		default:
			indexes += n
		}
	}
	if nRecords != perDay {
		b.Fatalf("%d records, want %d", nRecords, perDay)
	}
	perPetition := float64(records+indexes) / perDay
	// counters: one day's hashes (statuses spill into the next days: the
	// spread is the same every day); months: 12 of them
	perDayCounters := float64(counters) / float64(len(days))
	// a year of days: each day's hashes hold that day's events of the
	// petitions of about a week, so a steady day is about counters/len(days)
	// times the days the events spread over
	steady := float64(counters)
	year := perPetition*perDay*365 + steady*365 + float64(months)*12
	b.ReportMetric(float64(records)/perDay, "B/record")
	b.ReportMetric(perPetition, "B/petition-with-indexes")
	b.ReportMetric(perDayCounters, "B/counter-day")
	b.ReportMetric(steady, "B/steady-day-of-counters")
	b.ReportMetric(year/1e6, "MB/year")
}
