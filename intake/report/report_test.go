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
		Survey: Survey{Sent: 2, Answered: 2, Understood: 1, Unsatisfied: 1, UnderstoodShare: 0.5, UnsatisfiedShare: 0.5},
		// 响应率: contacted late, 0 of 1; 满意率: 0 of 2 answers; nobody said whether it is solved
		Rates: Rates{Response: Rate{N: 0, Of: 1}, Satisfied: Rate{N: 0, Of: 2}}}
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

// A petition counts under one unit: the category's until the backend names
// one, then the named one — its receipt, steps and answer move there, on
// their own days (and months), and again when it is reassigned.
func TestANamedUnitTakesThePetitionsCounts(t *testing.T) {
	f := newFixture(t)
	t0 := at("2026-03-31 21:00") // received in March, handled in April
	id := intake.PetitionID(t0, 6, 1)
	p := petition(id, t0)
	p.Flags = []string{intake.FlagIncomplete}
	p.AppealType, p.Location.County = "complaint", "谯城区"
	f.apply(id, func(b *Batch) { b.Petition(p, time.Second) })
	ev := func(status, unit string, when time.Time) intake.StatusEvent {
		return intake.StatusEvent{Status: status, Unit: unit, At: when}
	}
	f.apply(id, func(b *Batch) { b.Status(id, ev(intake.StatusContacted, "", at("2026-04-01 10:00")), "", false) }) // no unit named yet
	f.apply(id, func(b *Batch) {
		b.Status(id, ev(intake.StatusAssigned, "谯城区住建局", at("2026-04-02 10:00")), "", false)
	})
	f.apply(id, func(b *Batch) { b.Status(id, ev(intake.StatusResolved, "", at("2026-04-03 10:00")), "", true) })
	yes := true
	f.apply(id, func(b *Batch) {
		b.Answer(&intake.Rating{PetitionID: id, Rating: intake.RatingSatisfied, Solved: &yes, At: at("2026-04-03 12:00")}, "", nil)
	})
	units := func(since, until string) map[string]Counts {
		t.Helper()
		u, err := f.rd.Sum(context.Background(), Period{at(since + " 00:00"), at(until + " 00:00")}, "u")
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	march, april := units("2026-03-01", "2026-03-31"), units("2026-04-01", "2026-04-30")
	if len(march["市住建局"]) != 0 || len(april["市住建局"]) != 0 {
		t.Errorf("the category's unit kept counts: March %v, April %v", march["市住建局"], april["市住建局"])
	}
	if c := march["谯城区住建局"]; c[MPetitions] != 1 || c[MIncomplete] != 1 {
		t.Errorf("March, the named unit: %v", c)
	}
	if c := april["谯城区住建局"]; c[Reached(intake.StatusContacted)] != 1 || c[Reached(intake.StatusAssigned)] != 1 ||
		c[Reached(intake.StatusResolved)] != 1 || c[Rated(intake.RatingSatisfied)] != 1 || c[Solved(true)] != 1 {
		t.Errorf("April, the named unit: %v", c)
	}
	// the days agree with the month
	if d := units("2026-03-31", "2026-03-31")["谯城区住建局"]; d[MPetitions] != 1 {
		t.Errorf("31 March: %v", d)
	}
	// reassigned: everything moves again, once
	f.apply(id, func(b *Batch) {
		b.Status(id, ev(intake.StatusAssigned, "汤陵街道办", at("2026-04-05 10:00")), "", false)
	})
	f.apply(id, func(b *Batch) {
		b.Status(id, ev(intake.StatusAssigned, "汤陵街道办", at("2026-04-05 11:00")), "", false)
	})
	march, april = units("2026-03-01", "2026-03-31"), units("2026-04-01", "2026-04-30")
	if len(march["谯城区住建局"]) != 0 || march["汤陵街道办"][MPetitions] != 1 || april["汤陵街道办"][Rated(intake.RatingSatisfied)] != 1 ||
		april["汤陵街道办"][Reached(intake.StatusAssigned)] != 1 {
		t.Errorf("after reassignment: March %v, April %v", march, april)
	}
	// the other dimensions never moved
	if all := f.totals("2026-03-01", "2026-04-30"); all.Petitions != 1 || all.Assigned.Reached != 1 || all.Survey.Solved != 1 {
		t.Errorf("totals %+v", all)
	}
	for _, dim := range []string{"t", "cy"} {
		v, _ := f.rd.Sum(context.Background(), Period{at("2026-03-01 00:00"), at("2026-04-30 00:00")}, dim)
		if len(v) != 1 || (v["complaint"][MPetitions] != 1 && v["谯城区"][MPetitions] != 1) {
			t.Errorf("by %s: %v", dim, v)
		}
	}
}

// Days are the time zone's, also for counts moved long after they were
// made, across a change of the zone's offset (summer time).
func TestMovedCountsKeepTheirLocalDay(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip(err)
	}
	f := newFixture(t)
	f.rec.Loc, f.rd.Loc = ny, ny
	t0 := time.Date(2026, 7, 31, 22, 30, 0, 0, ny) // 02:30 UTC on 1 August; EDT
	id := intake.PetitionID(t0, 1, 1)
	f.apply(id, func(b *Batch) { b.Petition(petition(id, t0), -1) })
	f.apply(id, func(b *Batch) {
		b.Status(id, intake.StatusEvent{Status: intake.StatusAssigned, Unit: "Parks", At: time.Date(2026, 12, 1, 9, 0, 0, 0, ny)}, "", false) // EST
	})
	day := func(s string) Period { d, _ := time.ParseInLocation("2006-01-02", s, ny); return Period{d, d} }
	for _, c := range []struct {
		p    Period
		want int64
	}{{day("2026-07-31"), 1}, {day("2026-08-01"), 0}, {Period{time.Date(2026, 7, 1, 0, 0, 0, 0, ny), time.Date(2026, 7, 31, 0, 0, 0, 0, ny)}, 1}} {
		u, _ := f.rd.Sum(context.Background(), c.p, "u")
		if got := u["Parks"][MPetitions]; got != c.want {
			t.Errorf("%v: %d petitions under Parks, want %d (%v)", c.p.Since, got, c.want, u)
		}
	}
}

// An open petition past a deadline that fell in the period counts as not
// on time for that step; once the step is reached it counts where it was
// reached instead.
func TestOpenOverdueCountsAsLate(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	t0 := at("2026-03-02 09:00")
	late, onTime := intake.PetitionID(t0, 2, 1), intake.PetitionID(t0, 3, 2)
	for _, id := range []string{late, onTime} {
		p := petition(id, t0)
		p.Location.County = "涡阳县"
		f.apply(id, func(b *Batch) { b.Petition(p, -1) })
		f.apply(id, func(b *Batch) {
			b.Status(id, intake.StatusEvent{Status: intake.StatusAssigned, Unit: "市住建局", At: t0.Add(time.Hour)}, "", false)
		})
	}
	f.apply(onTime, func(b *Batch) {
		b.Status(onTime, intake.StatusEvent{Status: intake.StatusContacted, At: t0.Add(24 * time.Hour)}, "", false)
	})
	f.apply(onTime, func(b *Batch) {
		b.Status(onTime, intake.StatusEvent{Status: intake.StatusResolved, At: t0.Add(48 * time.Hour)}, "", false)
	})
	march := Period{at("2026-03-01 00:00"), at("2026-03-31 00:00")}
	build := func(now time.Time, by string) *Report {
		t.Helper()
		rep, err := f.rd.Build(ctx, march, by, 5, 1, now)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	rep := build(at("2026-04-15 12:00"), "county")
	r := rep.Totals.Resolved
	if r.Reached != 1 || r.OnTime != 1 || r.OpenOverdue != 1 || r.OnTimeShare != 0.5 {
		t.Errorf("resolved %+v, want 1 of 2 on time", r)
	}
	if c := rep.Totals.Contacted; c.OpenOverdue != 1 || c.Reached != 1 || rep.Totals.Rates.Response != (Rate{N: 1, Of: 2, Share: 0.5}) {
		t.Errorf("contacted %+v, response rate %+v", c, rep.Totals.Rates.Response)
	}
	if len(rep.Groups) != 1 || rep.Groups[0].Key != "涡阳县" || rep.Groups[0].Figures.Resolved.OpenOverdue != 1 {
		t.Errorf("by county: %+v", rep.Groups)
	}
	if ot := rep.Ranking.OnTimeTop; len(ot) != 1 || ot[0].Of != 2 || ot[0].Share != 0.5 {
		t.Errorf("on-time ranking counts the open late case: %+v", rep.Ranking)
	}
	// before the deadline passed, nothing is overdue
	if early := build(t0.Add(72*time.Hour), ""); early.Totals.Resolved.OpenOverdue != 0 || early.Totals.Contacted.OpenOverdue != 0 {
		t.Errorf("overdue before the deadline: %+v", early.Totals)
	}
	// resolved late, in April: March has nothing open; April has it late
	f.apply(late, func(b *Batch) {
		b.Status(late, intake.StatusEvent{Status: intake.StatusResolved, At: at("2026-04-02 09:00")}, "", false)
	})
	if rep := build(at("2026-04-15 12:00"), ""); rep.Totals.Resolved.OpenOverdue != 0 || rep.Totals.Resolved.OnTimeShare != 1 {
		t.Errorf("after resolution: %+v", rep.Totals.Resolved)
	}
}

// Bottom places held two periods running are marked (约谈 follows): a
// month is compared with the month before.
func TestRankingStreaks(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	n := 0
	rate := func(unit, rating string, when time.Time) {
		n++
		id := intake.PetitionID(when, n%Shards, int64(n))
		p := petition(id, when)
		p.Location.County = map[string]string{"A局": "甲县", "B局": "乙县", "C局": "丙县", "D局": "丁县"}[unit]
		f.apply(id, func(b *Batch) { b.Petition(p, -1) })
		f.apply(id, func(b *Batch) {
			b.Status(id, intake.StatusEvent{Status: intake.StatusResolved, Unit: unit, At: when.Add(time.Hour)}, "", true)
		})
		f.apply(id, func(b *Batch) {
			b.Rating(&intake.Rating{PetitionID: id, Rating: rating, At: when.Add(2 * time.Hour)}, "")
		})
	}
	// February: D and C at the bottom; March: D and B
	for u, r := range map[string][2]string{
		"A局": {intake.RatingSatisfied, intake.RatingSatisfied}, "B局": {intake.RatingSatisfied, intake.RatingUnsatisfied},
		"C局": {intake.RatingUnderstood, intake.RatingSatisfied}, "D局": {intake.RatingUnsatisfied, intake.RatingUnsatisfied},
	} {
		rate(u, r[0], at("2026-02-10 09:00"))
		rate(u, r[1], at("2026-03-10 09:00"))
	}
	rep, err := f.rd.Build(ctx, Period{at("2026-03-01 00:00"), at("2026-03-31 00:00")}, "", 2, 1, at("2026-04-01 09:00"))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Before.Since != "2026-02-01" || rep.Before.Until != "2026-02-28" {
		t.Errorf("compared with %+v", rep.Before)
	}
	streak := map[string]bool{}
	for _, e := range rep.Ranking.SatisfactionBottom {
		streak[e.Unit] = e.Streak
	}
	if len(streak) != 2 || !streak["D局"] || streak["B局"] {
		t.Errorf("bottom %+v", rep.Ranking.SatisfactionBottom)
	}
	cs := map[string]bool{}
	for _, e := range rep.Counties.SatisfactionBottom {
		cs[e.Unit] = e.Streak
	}
	if !cs["丁县"] || cs["乙县"] || rep.Counties.N != CountyRankN {
		t.Errorf("counties' bottom %+v", rep.Counties)
	}
	for _, e := range rep.Ranking.SatisfactionTop {
		if e.Streak {
			t.Errorf("a top place marked: %+v", e)
		}
	}
}

// The solved answer counts once per survey answered: the reason's record
// that repeats it adds nothing, one that changes it replaces it.
func TestSolvedCountsOncePerAnswer(t *testing.T) {
	f := newFixture(t)
	t0 := at("2026-03-10 09:00")
	id := intake.PetitionID(t0, 7, 1)
	f.apply(id, func(b *Batch) { b.Petition(petition(id, t0), -1) })
	no, yes := false, true
	f.apply(id, func(b *Batch) {
		b.Answer(&intake.Rating{PetitionID: id, Rating: intake.RatingUnsatisfied, Solved: &no, At: t0.Add(time.Hour)}, "", nil)
	})
	f.apply(id, func(b *Batch) { // the reason, the same answer
		b.Answer(&intake.Rating{PetitionID: id, Rating: intake.RatingUnsatisfied, Solved: &no, Comment: "还是不亮", At: t0.Add(2 * time.Hour)}, intake.RatingUnsatisfied, &no)
	})
	if s := f.totals("2026-03-10", "2026-03-10").Survey; s.NotSolved != 1 || s.Solved != 0 {
		t.Fatalf("after the reason: %+v", s)
	}
	f.apply(id, func(b *Batch) { // a changed mind
		b.Answer(&intake.Rating{PetitionID: id, Rating: intake.RatingSatisfied, Solved: &yes, Comment: "其实修好了", At: t0.Add(3 * time.Hour)}, intake.RatingUnsatisfied, &no)
	})
	s := f.totals("2026-03-10", "2026-03-10")
	if s.Survey.NotSolved != 0 || s.Survey.Solved != 1 || s.Rates.Solved != (Rate{N: 1, Of: 1, Share: 1}) {
		t.Fatalf("after a changed mind: %+v", s.Survey)
	}
}

// 回头看 is counted apart from the survey: its answers do not change the
// survey's shares.
func TestRevisitCountsApart(t *testing.T) {
	f := newFixture(t)
	t0 := at("2026-03-10 09:00")
	id := intake.PetitionID(t0, 8, 1)
	f.apply(id, func(b *Batch) { b.Petition(petition(id, t0), -1) })
	f.apply(id, func(b *Batch) {
		b.Rating(&intake.Rating{PetitionID: id, Rating: intake.RatingSatisfied, At: t0.Add(time.Hour)}, "")
	})
	f.apply(id, func(b *Batch) { b.RevisitSent(id, t0.Add(7*24*time.Hour)) })
	f.apply(id, func(b *Batch) {
		b.RevisitAnswer(&intake.Rating{PetitionID: id, Rating: intake.RatingUnsatisfied, Revisit: true, At: t0.Add(7*24*time.Hour + time.Hour)})
	})
	got := f.totals("2026-03-01", "2026-03-31")
	if got.Survey.Answered != 1 || got.Survey.Satisfied != 1 || got.Survey.Unsatisfied != 0 {
		t.Errorf("the survey changed: %+v", got.Survey)
	}
	if v := got.Revisit; v.Sent != 1 || v.Answered != 1 || v.Unsatisfied != 1 || v.SatisfiedShare != 0 {
		t.Errorf("回头看 %+v", v)
	}
	items, _ := f.rd.Items(context.Background(), []string{id})
	if len(items) != 1 || items[0].Rating != intake.RatingSatisfied {
		t.Errorf("the record's rating: %+v", items)
	}
}
