package report

import (
	"context"
	"testing"
	"time"

	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/queue/redistest"
	"github.com/redis/go-redis/v9"
)

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

type fixture struct {
	t   *testing.T
	rdb redis.UniversalClient
	rec *Recorder
	rd  *Reader
}

func newFixture(t *testing.T) *fixture {
	rdb, prefix := redistest.Client(t)
	return &fixture{t: t, rdb: rdb,
		rec: &Recorder{Prefix: prefix, Loc: shanghai, Units: map[string]string{"urban": "市住建局"}},
		rd:  &Reader{Redis: rdb, Prefix: prefix, Loc: shanghai, DeadQueues: []string{"outbox"}}}
}

// apply writes one batch about petition id, as a commit would.
func (f *fixture) apply(id string, fill func(b *Batch)) {
	f.t.Helper()
	b, err := f.rec.BatchFor(id)
	if err != nil {
		f.t.Fatal(err)
	}
	fill(b)
	if err := b.Apply(context.Background(), f.rdb); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) totals(since, until string) Figures {
	f.t.Helper()
	s, _ := time.ParseInLocation("2006-01-02", since, shanghai)
	u, _ := time.ParseInLocation("2006-01-02", until, shanghai)
	sums, err := f.rd.Sum(context.Background(), Period{s, u}, "a")
	if err != nil {
		f.t.Fatal(err)
	}
	return FiguresOf(sums[""])
}

func petition(id string, at time.Time) *intake.Petition {
	return &intake.Petition{ID: id, ReceivedAt: at, Channel: "sms", Citizen: intake.Citizen{Phone: "+8613912345678"},
		AddressedTo: intake.Addressee{Number: "+8613800000001"}, Description: "幸福小区3号楼门口的路灯坏了",
		Category: intake.Category{Code: "urban", Name: "城乡建设"}, Urgency: intake.UrgencyNormal,
		Deadlines: intake.Deadlines{AssignBy: at.Add(24 * time.Hour), ContactBy: at.Add(72 * time.Hour), ResolveBy: at.Add(7 * 24 * time.Hour)}}
}

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

func TestStatusesRatingsAndRepeatsAreCountedOnce(t *testing.T) {
	f := newFixture(t)
	t0 := at("2026-03-10 09:00")
	id := intake.PetitionID(t0, 3, 17)
	p := petition(id, t0)
	f.apply(id, func(b *Batch) { b.Message(t0, "sms", "+8613800000001"); b.Petition(p, 4*time.Second) })
	f.apply(id, func(b *Batch) { b.Petition(p, 4*time.Second) }) // a redone write
	ev := func(status string, when time.Time) intake.StatusEvent {
		return intake.StatusEvent{Status: status, Unit: "市住建局", At: when}
	}
	f.apply(id, func(b *Batch) { b.Status(id, ev(intake.StatusAssigned, t0.Add(2*time.Hour)), "", false) })
	f.apply(id, func(b *Batch) { b.Status(id, ev(intake.StatusContacted, t0.Add(96*time.Hour)), "", false) }) // late
	f.apply(id, func(b *Batch) { b.Status(id, ev(intake.StatusResolved, t0.Add(100*time.Hour)), "", true) })
	f.apply(id, func(b *Batch) {
		b.Rating(&intake.Rating{PetitionID: id, Rating: intake.RatingUnsatisfied, At: t0.Add(101 * time.Hour)}, "")
	})
	f.apply(id, func(b *Batch) { // the reason, sent after: not a second answer
		b.Rating(&intake.Rating{PetitionID: id, Rating: intake.RatingUnsatisfied, Comment: "路灯还是不亮", At: t0.Add(102 * time.Hour)}, intake.RatingUnsatisfied)
	})
	f.apply(id, func(b *Batch) {
		b.Status(id, ev(intake.StatusReopened, t0.Add(110*time.Hour)), intake.RatingUnsatisfied, false)
	})
	f.apply(id, func(b *Batch) { b.Status(id, ev(intake.StatusResolved, t0.Add(120*time.Hour)), "", true) })
	f.apply(id, func(b *Batch) {
		b.Rating(&intake.Rating{PetitionID: id, Rating: intake.RatingUnderstood, At: t0.Add(121 * time.Hour)}, "")
	})

	got := f.totals("2026-03-01", "2026-03-31")
	want := Figures{Messages: 1, Petitions: 1, WithoutDuplicates: 1,
		FirstReply:    Timing{Count: 1, MeanSeconds: 4, MedianSeconds: 5, P90Seconds: 5},
		Assigned:      Step{Reached: 1, OnTime: 1, OnTimeShare: 1},
		Contacted:     Step{Reached: 1, OnTime: 0},
		Resolved:      Step{Reached: 1, OnTime: 1, OnTimeShare: 1},
		ResolvedShare: 1, Reopened: 1, ReopenedUnsat: 1,
		Survey: Survey{Sent: 2, Answered: 2, Understood: 1, Unsatisfied: 1, UnderstoodShare: 0.5, UnsatisfiedShare: 0.5}}
	if got != want {
		t.Fatalf("figures\n got %+v\nwant %+v", got, want)
	}
	items, err := f.rd.Unsatisfied(context.Background(), 0)
	if err != nil || len(items) != 1 {
		t.Fatalf("不满意专区: %v %+v", err, items)
	}
	it := items[0]
	if it.Reason != "路灯还是不亮" || it.Citizen != "+86139****5678" || it.Unit != "市住建局" || len(it.History) != 5 || it.Rating != intake.RatingUnderstood {
		t.Fatalf("item %+v", it)
	}
	units, _ := f.rd.Sum(context.Background(), Period{at("2026-03-01 00:00"), at("2026-03-31 00:00")}, "u")
	if units["市住建局"][Reached(intake.StatusResolved)] != 1 || units["市住建局"][MPetitions] != 1 {
		t.Fatalf("by unit: %v", units)
	}
}

func TestChangedMindReplacesTheRating(t *testing.T) {
	f := newFixture(t)
	t0 := at("2026-03-10 09:00")
	id := intake.PetitionID(t0, 5, 1)
	f.apply(id, func(b *Batch) { b.Petition(petition(id, t0), -1) })
	f.apply(id, func(b *Batch) {
		b.Rating(&intake.Rating{PetitionID: id, Rating: intake.RatingUnsatisfied, At: t0.Add(time.Hour)}, "")
	})
	f.apply(id, func(b *Batch) {
		b.Rating(&intake.Rating{PetitionID: id, Rating: intake.RatingSatisfied, Comment: "其实已经修好了，满意", At: t0.Add(time.Hour + time.Minute)}, intake.RatingUnsatisfied)
	})
	s := f.totals("2026-03-10", "2026-03-10").Survey
	if s.Answered != 1 || s.Satisfied != 1 || s.Unsatisfied != 0 {
		t.Fatalf("survey %+v", s)
	}
	if items, _ := f.rd.Unsatisfied(context.Background(), 0); len(items) != 0 {
		t.Fatalf("a changed mind left the 不满意专区 with %v", items)
	}
}

// A petition late on the last evening of a month in Shanghai (still the
// same day in UTC minus 8 h) counts on that day and month; month hashes
// and day hashes agree.
func TestPeriodAcrossMonthEndInTimezone(t *testing.T) {
	f := newFixture(t)
	late := at("2026-03-31 23:30") // 15:30 UTC
	early := at("2026-04-01 00:10")
	for i, when := range []time.Time{late, early} {
		id := intake.PetitionID(when, i, int64(i+1))
		f.apply(id, func(b *Batch) { b.Petition(petition(id, when), -1) })
	}
	for _, c := range []struct {
		since, until string
		want         int64
	}{
		{"2026-03-01", "2026-03-31", 1}, // the month hash
		{"2026-03-31", "2026-03-31", 1},
		{"2026-04-01", "2026-04-30", 1},
		{"2026-03-31", "2026-04-01", 2},
		{"2026-03-15", "2026-04-15", 2},
		{"2026-02-01", "2026-02-28", 0}, // empty
	} {
		if got := f.totals(c.since, c.until).Petitions; got != c.want {
			t.Errorf("%s…%s: %d petitions, want %d", c.since, c.until, got, c.want)
		}
	}
	empty := f.totals("2025-01-01", "2025-12-31")
	if empty != (Figures{}) {
		t.Fatalf("an empty period: %+v", empty)
	}
}

// Records and counters older than the retention are gone; the lists do
// not show them.
func TestRetentionExpiresRecordsAndCounters(t *testing.T) {
	f := newFixture(t)
	f.rec.Retention = 30 * 24 * time.Hour
	old := time.Now().Add(-40 * 24 * time.Hour)
	recent := time.Now().Add(-20 * 24 * time.Hour)
	oldID, newID := intake.PetitionID(old, 2, 1), intake.PetitionID(recent, 2, 2)
	f.apply(oldID, func(b *Batch) { b.Petition(petition(oldID, old), -1) })
	f.apply(newID, func(b *Batch) { b.Petition(petition(newID, recent), -1) })
	ctx := context.Background()
	b, _ := f.rec.BatchFor(oldID)
	if n, _ := f.rdb.Exists(ctx, recordKey(b.tag, oldID), dayKey(b.tag, old.In(shanghai).Format("20060102"), "a")).Result(); n != 0 {
		t.Fatalf("%d keys of a petition past retention remain", n)
	}
	ttl, _ := f.rdb.TTL(ctx, recordKey(b.tag, newID)).Result()
	if ttl <= 9*24*time.Hour || ttl > 11*24*time.Hour {
		t.Fatalf("record TTL %s, want about 10 days", ttl)
	}
	items, err := f.rd.Recent(ctx, 20)
	if err != nil || len(items) != 1 || items[0].ID != newID {
		t.Fatalf("recent: %v %+v", err, items)
	}
}

func TestQuantileIsTheBucketBound(t *testing.T) {
	c := Counts{}
	for _, d := range []time.Duration{0, time.Second, 3 * time.Second, 40 * time.Second, 2 * time.Hour} {
		c[FirstReplyMetric(FirstReplyBucket(d))]++
		c[MFirstReplyN]++
	}
	tm := timingOf(c)
	if tm.MedianSeconds != 5 || tm.P90Seconds != 7200 {
		t.Fatalf("%+v", tm)
	}
}

func TestMaskPhone(t *testing.T) {
	for in, want := range map[string]string{
		"+8613812345678": "+86138****5678", "13812345678": "138****5678", "": "", "12345": "*****",
	} {
		if got := MaskPhone(in); got != want {
			t.Errorf("MaskPhone(%q) = %q, want %q", in, got, want)
		}
	}
}

// One batch may count on several days of one month and on the next month
// (a commit that handles a backlog): each lands on its own day and month.
func TestOneBatchAcrossDaysAndMonths(t *testing.T) {
	f := newFixture(t)
	id := intake.PetitionID(at("2026-03-30 09:00"), 4, 1)
	f.apply(id, func(b *Batch) {
		b.Message(at("2026-03-30 09:00"), "sms", "+8613800000001")
		b.Message(at("2026-03-31 09:00"), "sms", "+8613800000001")
		b.Message(at("2026-04-01 09:00"), "sms", "+8613800000002")
		b.Message(at("2026-03-31 10:00"), "telegram", "+8613800000001")
	})
	for _, c := range []struct {
		since, until string
		want         int64
	}{{"2026-03-30", "2026-03-30", 1}, {"2026-03-31", "2026-03-31", 2}, {"2026-04-01", "2026-04-01", 1}, {"2026-03-01", "2026-03-31", 3}, {"2026-04-01", "2026-04-30", 1}} {
		if got := f.totals(c.since, c.until).Messages; got != c.want {
			t.Errorf("%s…%s: %d messages, want %d", c.since, c.until, got, c.want)
		}
	}
	ch, _ := f.rd.Sum(context.Background(), Period{at("2026-03-01 00:00"), at("2026-03-31 00:00")}, "ch")
	if ch["sms"][MMessages] != 2 || ch["telegram"][MMessages] != 1 {
		t.Errorf("by channel: %v", ch)
	}
}

// 会后联系: auto-replies, call-back items and those done count by official.
func TestCallbackCountsByOfficial(t *testing.T) {
	f := newFixture(t)
	t0 := at("2026-03-10 09:00")
	b := f.rec.Batch(f.rec.Prefix + "{s1}:")
	b.AutoReply(t0, "sms", "+8613800000001")
	b.Callback(t0, "+8613800000001", intake.CallbackBusy)
	b.Callback(t0, "+8613800000002", intake.CallbackIncomplete)
	b.CallbackDone(t0.Add(time.Hour), "+8613800000001")
	if err := b.Apply(context.Background(), f.rdb); err != nil {
		t.Fatal(err)
	}
	all := f.totals("2026-03-10", "2026-03-10")
	if all.AutoReplies != 1 || all.Callbacks != 2 || all.CallbacksDone != 1 {
		t.Fatalf("%+v", all)
	}
	by, _ := f.rd.Sum(context.Background(), Period{t0, t0}, "o")
	if got := FiguresOf(by["+8613800000001"]); got.Callbacks != 1 || got.CallbacksDone != 1 || got.AutoReplies != 1 {
		t.Fatalf("by official %+v", got)
	}
}

// A counter hash gets its expiry from the batch that creates it, and
// keeps it while later batches count into it: the batches no longer set
// every expiry again (25 EXPIREATs per appeal), so a hash created without
// one would be kept for ever.
func TestEveryCounterHashExpires(t *testing.T) {
	f := newFixture(t)
	f.rec.Retention = 30 * 24 * time.Hour
	ctx := context.Background()
	day := time.Now().Add(-6 * time.Hour) // inside the retention
	for i := range 5 {
		id := intake.PetitionID(day.Add(time.Duration(i)*time.Hour), 2, int64(i+1))
		p := petition(id, day.Add(time.Duration(i)*time.Hour))
		if i == 3 {
			p.Category = intake.Category{Code: "env", Name: "环境保护"} // a new field in hashes that exist
		}
		f.apply(id, func(b *Batch) { b.Petition(p, -1) })
	}
	b, _ := f.rec.BatchFor(intake.PetitionID(day, 2, 1))
	var counters int
	iter := f.rdb.Scan(ctx, 0, b.tag+"rep:[dm]:*", 100).Iterator()
	for iter.Next(ctx) {
		counters++
		ttl, err := f.rdb.TTL(ctx, iter.Val()).Result()
		if err != nil {
			t.Fatal(err)
		}
		if ttl <= 0 {
			t.Errorf("counter hash %s has no expiry (TTL %s)", iter.Val(), ttl)
		}
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	if counters == 0 {
		t.Fatal("no counter hashes written")
	}
}

// A survey sent by another conversation than the one that recorded the
// resolution (a handover) counts as one, in the unit of the record.
func TestSurveySentApartFromItsStatus(t *testing.T) {
	f := newFixture(t)
	t0 := at("2026-03-10 09:00")
	id := intake.PetitionID(t0, 5, 3)
	f.apply(id, func(b *Batch) { b.Petition(petition(id, t0), time.Second) })
	resolved := intake.StatusEvent{Status: intake.StatusResolved, Unit: "市住建局", At: t0.Add(48 * time.Hour)}
	f.apply(id, func(b *Batch) { b.Status(id, resolved, "", false) })
	if got := f.totals("2026-03-01", "2026-03-31"); got.Survey.Sent != 0 || got.Resolved.Reached != 1 {
		t.Fatalf("before the survey: %+v", got)
	}
	f.apply(id, func(b *Batch) { b.SurveySent(id, resolved.At, "") })
	if got := f.totals("2026-03-01", "2026-03-31"); got.Survey.Sent != 1 || got.Resolved.Reached != 1 {
		t.Errorf("after the survey: %+v", got)
	}
	units, _ := f.rd.Sum(context.Background(), Period{at("2026-03-01 00:00"), at("2026-03-31 00:00")}, "u")
	if units["市住建局"][MSurveys] != 1 {
		t.Errorf("by unit: %v", units)
	}
}
