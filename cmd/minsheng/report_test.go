package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minsheng/minsheng/bot"
	"github.com/minsheng/minsheng/config"
	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/outbox"
	"github.com/minsheng/minsheng/intake/queue"
	"github.com/minsheng/minsheng/intake/queue/redistest"
	"github.com/minsheng/minsheng/intake/report"
	"github.com/minsheng/minsheng/internal/testwait"
)

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

// fakeClock is the month's time.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Set(t time.Time)     { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func (c *fakeClock) advance(t time.Time) { c.Set(t) }

// The categories of the generated month: a keyword each (so the category
// is known without the model) and the unit that handles it.
// named is the unit the backend names for a third of them (a petition
// counts under the category's unit until then, under the named one after).
var monthCategories = []struct{ code, name, keyword, problem, unit, named string }{
	{"urban", "城乡建设", "路灯", "门口的路灯坏了一个月了，晚上很黑", "市住建局", "谯城区住建局"},
	{"env", "环境保护", "噪音", "楼下饭店夜里噪音太大，吵得睡不着", "市生态环境局", "谯城区生态环境分局"},
	{"labor", "劳动和社会保障", "工资", "所在的公司拖欠工资三个月了", "市人社局", "谯城区人社局"},
	{"traffic", "交通运输", "公交站", "旁边的公交站牌被撞倒了没人修", "市交通运输局", "谯城区交通运输局"},
}

// monthCounties are the counties of the generated appeals (intake.places).
var monthCounties = []string{"谯城区", "涡阳县"}

const monthAdminToken = "office0123456789"

var monthOfficials = []string{"+8613800000001", "+8613800000002", "+8613800000003"}

// appeal is one generated citizen and what happens to their appeal.
type appeal struct {
	phone, to, text string
	cat             int
	kind            string // complete | noplace | manual
	dup             bool   // the same text again an hour later
	id              string // the petition id, once submitted
	dupID           string
	unit            string // the unit the backend names when it assigns
	assigned        bool   // it is assigned (its counts move to unit)
}

// finalUnit is the unit a's petition counts under at the end: the named
// one once assigned, else the category's.
func (a *appeal) finalUnit() string {
	if a.assigned {
		return a.unit
	}
	return monthCategories[a.cat].unit
}

// step is one thing that happens at a time.
type step struct {
	at   time.Time
	a    *appeal
	do   string // say | status | tick
	text string
	ev   string // status
}

// expected is the independent count: what happened, by event day and
// petition, from the generated steps alone; summed by dimension when asked
// (a petition's unit is the one it ends under; its appeal type and county
// are what the backend received).
type expected struct {
	entries []entry
	info    map[string]petInfo // by petition id, from the backend's file
	// pendingOnTime are statuses first reached, checked against the
	// deadlines the backend got once the month has run.
	pendingOnTime []onTime
}

type entry struct {
	at     time.Time
	a      *appeal // nil: no petition
	dup    bool    // about a's duplicate petition
	metric string
	n      int64
}

type petInfo struct{ appealType, county string }

func (e *expected) add(at time.Time, a *appeal, metric string, n int64) {
	e.entries = append(e.entries, entry{at: at, a: a, metric: metric, n: n})
}

func (e *expected) addDup(at time.Time, a *appeal, metric string, n int64) {
	e.entries = append(e.entries, entry{at: at, a: a, dup: true, metric: metric, n: n})
}

// keptByTypeAndCounty: the metrics the appeal type and county dimensions keep.
func keptByTypeAndCounty(metric string) bool {
	switch metric {
	case report.MPetitions, report.MDuplicates, report.MSurveys, report.MReopened, report.MReopenUnsat:
		return true
	}
	for _, p := range []string{"st:", "ot:", "rate:", "solved:", "od:"} {
		if strings.HasPrefix(metric, p) {
			return true
		}
	}
	return false
}

// value is an entry's value of a dimension ("" = not counted there).
func (e *expected) value(en entry, dim string) string {
	if en.a == nil {
		return ""
	}
	id := en.a.id
	if en.dup {
		id = en.a.dupID
	}
	switch dim {
	case "u":
		if en.dup {
			return monthCategories[en.a.cat].unit // never assigned
		}
		return en.a.finalUnit()
	case "t":
		if keptByTypeAndCounty(en.metric) {
			return e.info[id].appealType
		}
	case "cy":
		if keptByTypeAndCounty(en.metric) {
			return e.info[id].county
		}
	}
	return ""
}

// sumBy adds up the entries of the days since…until by a dimension's value.
func (e *expected) sumBy(dim, since, until string) map[string]report.Counts {
	out := map[string]report.Counts{}
	for _, en := range e.entries {
		day := en.at.In(shanghai).Format("2006-01-02")
		if day < since || day > until {
			continue
		}
		v := ""
		if dim != "a" {
			if v = e.value(en, dim); v == "" {
				continue
			}
		}
		if out[v] == nil {
			out[v] = report.Counts{}
		}
		out[v][en.metric] += en.n
	}
	return out
}

func (e *expected) sum(since, until string) (report.Counts, map[string]report.Counts) {
	all := e.sumBy("a", since, until)[""]
	if all == nil {
		all = report.Counts{}
	}
	return all, e.sumBy("u", since, until)
}

// workHours moves t into 09:00–17:00 of its day or the next.
func workHours(t time.Time, r *rand.Rand) time.Time {
	t = t.In(shanghai)
	if t.Hour() >= 9 && t.Hour() < 17 {
		return t
	}
	d := time.Date(t.Year(), t.Month(), t.Day(), 9, 0, 0, 0, shanghai)
	if t.Hour() >= 17 {
		d = d.AddDate(0, 0, 1)
	}
	return d.Add(time.Duration(r.IntN(8*60)) * time.Minute)
}

// generateMonth plans March 2026: 3–8 appeals a day to three numbers in
// four categories; some incomplete, some asking for a person, some sent
// twice; assigned, contacted, resolved at random delays (some late, some
// never); every survey answer, and none; reopenings after 不满意.
func generateMonth(seed uint64) ([]*appeal, []step) {
	r := rand.New(rand.NewPCG(seed, 7))
	var appeals []*appeal
	var steps []step
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, shanghai)
	n := 0
	for day := 0; day < 31; day++ {
		for k := 3 + r.IntN(6); k > 0; k-- {
			n++
			a := &appeal{phone: fmt.Sprintf("+86139%08d", 10000000+n), to: monthOfficials[r.IntN(3)], cat: r.IntN(len(monthCategories)), kind: "complete"}
			c := monthCategories[a.cat]
			a.text = fmt.Sprintf("%s汤陵街道幸福小区%d号楼%s", monthCounties[n%5/4], n, c.problem) // one in five in 涡阳县
			a.unit = c.unit
			if n%3 == 0 {
				a.unit = c.named
			}
			t0 := start.AddDate(0, 0, day).Add(8*time.Hour + time.Duration(r.IntN(10*60))*time.Minute)
			if day == 30 && r.IntN(2) == 0 {
				t0 = start.AddDate(0, 0, day).Add(23*time.Hour + 30*time.Minute) // late on the month's last day
			}
			switch x := r.IntN(100); {
			case x < 8 && a.cat == 0:
				a.kind, a.text = "noplace", "路灯坏了，晚上很黑"
				steps = append(steps, step{at: t0, a: a, do: "say", text: a.text},
					step{at: t0.Add(31 * time.Minute), a: a, do: "tick"}, step{at: t0.Add(62 * time.Minute), a: a, do: "tick"})
			case x < 12 && a.cat == 0:
				a.kind, a.text = "manual", "路灯坏了，晚上很黑"
				steps = append(steps, step{at: t0, a: a, do: "say", text: a.text}, step{at: t0.Add(time.Minute), a: a, do: "say", text: "人工"})
			default:
				steps = append(steps, step{at: t0, a: a, do: "say", text: a.text})
				if r.IntN(10) == 0 {
					a.dup = true
					steps = append(steps, step{at: t0.Add(time.Hour), a: a, do: "say", text: a.text})
				}
			}
			appeals = append(appeals, a)
			t := t0.Add(2 * time.Hour)
			if r.IntN(100) >= 85 {
				continue // never assigned: overdue
			}
			t = workHours(t.Add(time.Duration(r.IntN(40))*time.Hour), r)
			steps = append(steps, step{at: t, a: a, do: "status", ev: intake.StatusAssigned})
			a.assigned = true
			if r.IntN(100) >= 85 {
				continue
			}
			t = workHours(t.Add(time.Duration(1+r.IntN(90))*time.Hour), r)
			steps = append(steps, step{at: t, a: a, do: "status", ev: intake.StatusContacted})
			if r.IntN(100) >= 80 {
				continue
			}
			t = workHours(t.Add(time.Duration(1+r.IntN(120))*time.Hour), r)
			steps = append(steps, step{at: t, a: a, do: "status", ev: intake.StatusResolved})
			steps = append(steps, surveySteps(r, a, t, true)...)
		}
	}
	sort.SliceStable(steps, func(i, j int) bool { return steps[i].at.Before(steps[j].at) })
	return appeals, steps
}

// surveySteps answers a survey sent at t (or not), and may reopen the case
// after a 不满意.
func surveySteps(r *rand.Rand, a *appeal, t time.Time, first bool) []step {
	answer := func(text string) step {
		return step{at: t.Add(time.Duration(10+r.IntN(600)) * time.Minute), a: a, do: "say", text: text}
	}
	var out []step
	unsat := false
	x := r.IntN(100)
	if monthCategories[a.cat].code == "traffic" {
		x = 55 + x*45/100 // the bus stops' unit is seldom thanked: its bottom places make a streak
	}
	switch {
	case x < 20:
		out = append(out, answer("1是")) // satisfied, and solved
	case x < 40:
		out = append(out, answer("1"))
	case x < 55:
		out = append(out, answer("2"))
	case x < 65 && first:
		s := answer("3")
		out = append(out, s, step{at: s.at.Add(5 * time.Minute), a: a, do: "say", text: "还是不亮"})
		unsat = true
	case x < 75 && first:
		out = append(out, answer("不满意，路灯还是没修好")) // not solved
		unsat = true
	default: // no answer: the reminder, then expiry
		out = append(out, step{at: t.Add(24*time.Hour + time.Second), a: a, do: "tick"}, step{at: t.Add(72*time.Hour + time.Second), a: a, do: "expire"})
	}
	if unsat && r.IntN(2) == 0 {
		re := workHours(t.Add(30*time.Hour), r)
		res := workHours(re.Add(30*time.Hour), r)
		out = append(out, step{at: re, a: a, do: "status", ev: intake.StatusReopened}, step{at: res, a: a, do: "status", ev: intake.StatusResolved})
		out = append(out, surveySteps(r, a, res, false)...)
	}
	return out
}

func writeMonthConfig(t *testing.T, prefix string) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "timezone: Asia/Shanghai\nhttp:\n  admin_token: %q\nredis:\n  addr: %q\n  prefix: %q\nreport:\n  rank_min: 3\n  public_page: true\nintake:\n  places:\n", monthAdminToken, redistest.Addr(), prefix)
	for _, c := range monthCounties {
		fmt.Fprintf(&b, "    - {county: %s}\n", c)
	}
	fmt.Fprintf(&b, "  categories:\n")
	for _, c := range monthCategories {
		fmt.Fprintf(&b, "    - {code: %s, label: %s, name: %s, keywords: [%s], unit: %s}\n", c.code, c.name, c.name, c.keyword, c.unit)
	}
	// two of the three numbers are officials of the configuration; the third is not
	// (at work at every hour of the month: no 会后联系 to count)
	always := `schedule: {days: [1, 2, 3, 4, 5, 6, 7], from: "00:00", to: "23:59"}`
	fmt.Fprintf(&b, "officials:\n  - {number: %q, name: 张三, title: 县长, %s}\n  - {number: %q, name: 李四, title: 副县长, %s}\n",
		monthOfficials[0], always, monthOfficials[1], always)
	path := filepath.Join(t.TempDir(), "minsheng.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// monthWorld is a generated month run through the real pipeline (real
// Redis, fake clock), and the test's own count of it.
type monthWorld struct {
	cfgPath   string
	appeals   []*appeal
	exp       *expected
	deadlines map[string]intake.Deadlines // by petition id, as the backend got them
	open      map[string]map[string]bool  // petition id → statuses reached
	last      time.Time
	units     map[string]string
	rt        *bot.Runtime
	petitions string // the file backend
	clk       *fakeClock
	unsat     map[string]bool // petitions rated 不满意 at some time
}

func runMonth(t *testing.T) *monthWorld {
	t.Helper()
	if redistest.Embedded() {
		// A month of appeals through the whole pipeline takes the
		// embedded store (Go alone, no Redis) past go test's 10 minutes on
		// 2 cores; CI runs it on a real Redis.
		t.Skip("runs on a real Redis only (CI): the generated month is too slow on the embedded store")
	}
	petitions := isolate(t)
	rdb, prefix := redistest.Client(t)
	mw := &monthWorld{cfgPath: writeMonthConfig(t, prefix), deadlines: map[string]intake.Deadlines{}, open: map[string]map[string]bool{},
		petitions: petitions, unsat: map[string]bool{},
		exp: &expected{info: map[string]petInfo{}}, units: map[string]string{}}
	cfg, err := config.Load(mw.cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	clk := &fakeClock{t: time.Date(2026, 3, 1, 0, 0, 0, 0, shanghai)}
	zero := time.Duration(0)
	ctx := context.Background()
	rt, err := bot.NewRuntime(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), bot.RuntimeOptions{
		Store: bot.NewStore(rdb, prefix), Now: clk.Now, Coalesce: &zero,
		Queue: queue.Options{Block: 50 * time.Millisecond, Poll: 20 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rt.Close)
	mw.rt, mw.clk = rt, clk
	octx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = rt.Outbox.Run(octx) }() // the petitions file: the deadlines as the backend got them
	t.Cleanup(func() { cancel(); <-done })

	appeals, steps := generateMonth(20260303) // a month with every case (the manual 人工 among them)
	mw.appeals = appeals
	e := mw.exp
	conv := func(a *appeal) string { return bot.ConversationKey(bot.ChannelSMS, a.phone) }
	lastCase := func(a *appeal) string {
		st, err := rt.Pipeline.State(ctx, conv(a))
		if err != nil || len(st.Cases) == 0 {
			return ""
		}
		return st.Cases[len(st.Cases)-1].ID
	}
	ratingOf := map[*appeal]string{}
	reasonWait := map[*appeal]bool{}
	seq := 0
	for _, s := range steps {
		clk.advance(s.at)
		rt.Pipeline.RunDue(ctx)
		a := s.a
		switch s.do {
		case "expire": // the survey unanswered: recorded as no answer
			e.add(s.at, a, report.Rated(""), 1)
		case "tick":
			if a.kind == "noplace" && a.id == "" {
				if a.id = lastCase(a); a.id == "" {
					t.Fatalf("an idle draft was not submitted after %s", s.at.Sub(firstSay(steps, a)))
				}
				e.add(firstSay(steps, a), a, report.MPetitions, 1)
				e.add(firstSay(steps, a), a, report.MIncomplete, 1)
				e.add(s.at, nil, report.MCallbacks, 1)               // staff call back
				e.add(firstSay(steps, a), a, report.MFirstReplyN, 1) // "where" was asked at once
			}
		case "say":
			seq++
			in := bot.Inbound{Channel: bot.ChannelSMS, Conversation: conv(a), To: a.to, At: s.at, ProviderID: fmt.Sprintf("SM%08d", seq),
				Reply: bot.Address{Channel: bot.ChannelSMS, To: a.phone, From: a.to}, Citizen: intake.Citizen{Phone: a.phone}, Text: s.text}
			if _, err := rt.Pipeline.Handle(ctx, in); err != nil {
				t.Fatal(err)
			}
			e.add(s.at, nil, report.MMessages, 1)
			switch {
			case a.id == "" && a.kind == "complete":
				a.id = lastCase(a)
				e.add(s.at, a, report.MPetitions, 1)
				e.add(s.at, a, report.MFirstReplyN, 1)
			case a.id == "" && a.kind == "manual" && s.text == "人工":
				a.id = lastCase(a)
				e.add(s.at.Add(-time.Minute), a, report.MPetitions, 1)
				e.add(s.at.Add(-time.Minute), a, report.MCallbackReq, 1)
				e.add(s.at.Add(-time.Minute), a, report.MIncomplete, 1)  // still no place
				e.add(s.at, nil, report.MCallbacks, 1)                   // staff call back
				e.add(s.at.Add(-time.Minute), a, report.MFirstReplyN, 1) // "where" was asked at once
			case a.dup && a.dupID == "" && s.text == a.text:
				a.dupID = lastCase(a)
				e.addDup(s.at, a, report.MPetitions, 1)
				e.addDup(s.at, a, report.MDuplicates, 1)
				e.addDup(s.at, a, report.MFirstReplyN, 1)
			case s.text == "1" || s.text == "1是" || s.text == "2" || s.text == "不满意，路灯还是没修好":
				r := map[string]string{"1": intake.RatingSatisfied, "1是": intake.RatingSatisfied, "2": intake.RatingUnderstood}[s.text]
				if r == "" {
					r = intake.RatingUnsatisfied
				}
				if solved, said := map[string]bool{"1是": true, "不满意，路灯还是没修好": false}[s.text]; said {
					e.add(s.at, a, report.Solved(solved), 1)
				}
				ratingOf[a] = r
				if r == intake.RatingUnsatisfied {
					mw.unsat[a.id] = true
				}
				e.add(s.at, a, report.Rated(r), 1)
			case s.text == "3":
				ratingOf[a], reasonWait[a] = intake.RatingUnsatisfied, true
				mw.unsat[a.id] = true
				e.add(s.at, a, report.Rated(intake.RatingUnsatisfied), 1)
			}
		case "status":
			if a.id == "" {
				t.Fatalf("status for an appeal never submitted: %+v", a)
			}
			res, err := rt.Pipeline.Status(ctx, outbox.Delivered{PetitionID: a.id, CaseID: a.id, Conversation: conv(a)},
				intake.StatusEvent{CaseID: a.id, Status: s.ev, Unit: a.unit, At: s.at})
			if err != nil || res.Duplicate {
				t.Fatalf("status: %v %+v", err, res)
			}
			if mw.open[a.id] == nil {
				mw.open[a.id] = map[string]bool{}
			}
			reached := mw.open[a.id]
			switch s.ev {
			case intake.StatusReopened:
				e.add(s.at, a, report.MReopened, 1)
				if ratingOf[a] == intake.RatingUnsatisfied {
					e.add(s.at, a, report.MReopenUnsat, 1)
				}
			default:
				if !reached[s.ev] {
					e.add(s.at, a, report.Reached(s.ev), 1)
					// on time: checked against the backend's deadlines at the end
					e.pendingOnTime = append(e.pendingOnTime, onTime{a: a, status: s.ev, at: s.at})
				}
				reached[s.ev] = true
				if s.ev == intake.StatusResolved {
					e.add(s.at, a, report.MSurveys, 1)
				}
			}
		}
		mw.last = s.at
	}
	// the deadlines as the backend received them
	want := 0
	for _, a := range appeals {
		if a.id != "" {
			want++
		}
		if a.dupID != "" {
			want++
		}
	}
	testwait.For(t, fmt.Sprintf("%d petitions in the file backend", want), func() bool {
		b, _ := os.ReadFile(petitions)
		return strings.Count(string(b), `"type":"petition"`) >= want
	})
	for _, p := range readPetitions(t, petitions) {
		if p["type"] != "petition" {
			continue // ratings follow in the same file
		}
		raw, _ := json.Marshal(p)
		var pet intake.Petition
		if err := json.Unmarshal(raw, &pet); err != nil {
			t.Fatal(err)
		}
		mw.deadlines[pet.ID] = pet.Deadlines
		e.info[pet.ID] = petInfo{appealType: pet.AppealType, county: pet.Location.County}
	}
	// open petitions past a deadline: late for that step, on the deadline's day
	for _, a := range appeals {
		for _, p := range []struct {
			id  string
			dup bool
		}{{a.id, false}, {a.dupID, true}} {
			if p.id == "" {
				continue
			}
			r, d := mw.open[p.id], mw.deadlines[p.id]
			for _, st := range []struct {
				status string
				by     time.Time
				done   bool
			}{
				{intake.StatusAssigned, d.AssignBy, r[intake.StatusAssigned] || r[intake.StatusContacted] || r[intake.StatusResolved]},
				{intake.StatusContacted, d.ContactBy, r[intake.StatusContacted] || r[intake.StatusResolved]},
				{intake.StatusResolved, d.ResolveBy, r[intake.StatusResolved]},
			} {
				if !st.done && st.by.Before(monthReportAt) {
					en := entry{at: st.by, a: a, dup: p.dup, metric: report.OverdueMetric(st.status), n: 1}
					e.entries = append(e.entries, en)
				}
			}
		}
	}
	for _, o := range e.pendingOnTime {
		d := mw.deadlines[o.a.id]
		by := map[string]time.Time{intake.StatusAssigned: d.AssignBy, intake.StatusContacted: d.ContactBy, intake.StatusResolved: d.ResolveBy}[o.status]
		if by.IsZero() {
			t.Fatalf("no deadline for %s of %s", o.status, o.a.id)
		}
		if !o.at.After(by) {
			e.add(o.at, o.a, report.OnTime(o.status), 1)
		}
	}
	for _, c := range monthCategories {
		mw.units[c.code] = c.unit
	}
	return mw
}

// monthReportAt is when the month's reports are read: every deadline of
// March has passed.
var monthReportAt = time.Date(2026, 5, 31, 12, 0, 0, 0, shanghai)

type onTime struct {
	a      *appeal
	status string
	at     time.Time
}

func firstSay(steps []step, a *appeal) time.Time {
	for _, s := range steps {
		if s.a == a && s.do == "say" {
			return s.at
		}
	}
	return time.Time{}
}

// TestReportOfAGeneratedMonth runs a month of generated traffic through
// the pipeline and checks every figure `minsheng report` prints against
// the test's own count of the generated events.
func TestReportOfAGeneratedMonth(t *testing.T) {
	mw := runMonth(t)
	ctx := context.Background()
	report1 := func(args ...string) report.Report {
		t.Helper()
		code, out, errOut := runCmd(t, ctx, "", append([]string{"report", "--config", mw.cfgPath, "--format", "json", "--at", "2026-05-31T12:00:00+08:00"}, args...)...)
		if code != 0 {
			t.Fatalf("report %v: exit %d: %s", args, code, errOut)
		}
		var rep report.Report
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("report %v: %v\n%s", args, err, out)
		}
		return rep
	}
	check := func(name string, got report.Figures, want report.Counts) {
		t.Helper()
		w := report.FiguresOf(want)
		// every time to first reply was 0 s: count n, mean 0, median and
		// p90 the bound of the first bucket (≤ 1 s)
		w.FirstReply = report.Timing{}
		if n := want[report.MFirstReplyN]; n > 0 && !strings.HasPrefix(name, "unit ") { // kept for all only
			w.FirstReply = report.Timing{Count: n, MedianSeconds: 1, P90Seconds: 1}
		}
		if got != w {
			t.Errorf("%s: %s", name, diffJSON(got, w))
		}
	}

	march := report1("--since", "2026-03-01", "--until", "2026-03-31", "--by", "unit")
	all, units := mw.exp.sum("2026-03-01", "2026-03-31")
	check("March", march.Totals, all)
	f := march.Totals
	if f.Petitions < 100 || f.Duplicates == 0 || f.Incomplete == 0 || f.CallbackRequested == 0 || f.Reopened == 0 || f.ReopenedUnsat == 0 ||
		f.Survey.Satisfied == 0 || f.Survey.Understood == 0 || f.Survey.Unsatisfied == 0 || f.Survey.NoAnswer == 0 ||
		f.Assigned.OnTime == f.Assigned.Reached || f.Resolved.OnTime == 0 {
		t.Fatalf("the generated month misses a case: %+v", f)
	}
	// a petition counts under one unit: the named one once there is one
	if len(march.Groups) != len(units) || len(units) != 2*len(monthCategories) {
		t.Fatalf("by unit: %d groups, want %d", len(march.Groups), len(units))
	}
	for _, g := range march.Groups {
		check("unit "+g.Key, g.Figures, units[g.Key])
	}
	var unitPetitions int64
	for _, g := range march.Groups {
		unitPetitions += g.Figures.Petitions
	}
	if unitPetitions != march.Totals.Petitions {
		t.Errorf("by unit: %d petitions, %d in all", unitPetitions, march.Totals.Petitions)
	}
	if want := report.Rank(units, 5, 3); !equalJSON(march.Ranking, want) || len(march.Ranking.SatisfactionTop) == 0 {
		t.Errorf("ranking %+v, want %+v", march.Ranking, want)
	}
	if want := report.Rank(mw.exp.sumBy("cy", "2026-03-01", "2026-03-31"), report.CountyRankN, 3); !equalJSON(march.Counties, want) ||
		len(march.Counties.SatisfactionTop) == 0 {
		t.Errorf("counties' ranking %+v, want %+v", march.Counties, want)
	}
	// open cases past their deadline are late
	if f.Resolved.OpenOverdue == 0 || f.Resolved.OnTimeShare >= report.FiguresOf(report.Counts{report.Reached(intake.StatusResolved): f.Resolved.Reached,
		report.OnTime(intake.StatusResolved): f.Resolved.OnTime}).Resolved.OnTimeShare {
		t.Errorf("open overdue cases do not lower the on-time share: %+v", f.Resolved)
	}
	if f.Rates.Solved.Of == 0 || f.Survey.Solved == 0 || f.Survey.NotSolved == 0 || f.Rates.Response.Of == 0 {
		t.Errorf("the three rates: %+v (survey %+v)", f.Rates, f.Survey)
	}
	// by appeal type and by county
	for _, by := range []struct{ flag, dim string }{{"type", "t"}, {"county", "cy"}} {
		rep := report1("--since", "2026-03-01", "--until", "2026-03-31", "--by", by.flag)
		want := mw.exp.sumBy(by.dim, "2026-03-01", "2026-03-31")
		if len(rep.Groups) != len(want) || len(want) < 2 {
			t.Errorf("by %s: %d groups, want %d", by.flag, len(rep.Groups), len(want))
		}
		for _, g := range rep.Groups {
			check(by.flag+" "+g.Key, g.Figures, want[g.Key])
		}
	}
	// the bottom places of the second half of March that the first half
	// held too are marked
	half := report1("--since", "2026-03-16", "--until", "2026-03-31")
	if half.Before.Since != "2026-02-28" || half.Before.Until != "2026-03-15" {
		t.Errorf("the second half compares with %+v", half.Before)
	}
	wantHalf := report.Rank(mw.exp.sumBy("u", "2026-03-16", "2026-03-31"), 5, 3)
	wantHalf.MarkStreaks(report.Rank(mw.exp.sumBy("u", "2026-02-28", "2026-03-15"), 5, 3))
	if !equalJSON(half.Ranking, wantHalf) {
		t.Errorf("second half's ranking %+v, want %+v", half.Ranking, wantHalf)
	}
	streaks := 0
	for _, e := range append(half.Ranking.SatisfactionBottom, half.Ranking.OnTimeBottom...) {
		if e.Streak {
			streaks++
		}
	}
	if streaks == 0 {
		t.Errorf("no bottom place held twice running: %+v", half.Ranking)
	}
	_, text, _ := runCmd(t, ctx, "", "report", "--config", mw.cfgPath, "--since", "2026-03-16", "--until", "2026-03-31", "--at", "2026-05-31T12:00:00+08:00")
	if os.Getenv("REPORT_TEXT_OUT") != "" {
		_ = os.WriteFile(os.Getenv("REPORT_TEXT_OUT"), []byte(text), 0o644)
	}
	if !strings.Contains(text, "⚠连续两期后位") || !strings.Contains(text, "县区排名") {
		t.Errorf("text report lacks the streak mark or the counties:\n%s", text)
	}
	var over report.Overdue
	for _, a := range mw.appeals {
		for _, id := range []string{a.id, a.dupID} {
			if id == "" {
				continue
			}
			r := mw.open[id]
			if !r[intake.StatusAssigned] && !r[intake.StatusContacted] && !r[intake.StatusResolved] {
				over.Assign++
			}
			if !r[intake.StatusContacted] && !r[intake.StatusResolved] {
				over.Contact++
			}
			if !r[intake.StatusResolved] {
				over.Resolve++
			}
		}
	}
	if march.OverdueNow != over || over.Resolve == 0 {
		t.Errorf("overdue now %+v, want %+v", march.OverdueNow, over)
	}
	if march.DeadLetters.Now != 0 {
		t.Errorf("dead letters %+v", march.DeadLetters)
	}

	// across the month end, in Shanghai
	edge := report1("--since", "2026-03-31", "--until", "2026-04-01", "--by", "day")
	all, _ = mw.exp.sum("2026-03-31", "2026-04-01")
	check("31 March – 1 April", edge.Totals, all)
	if len(edge.Groups) != 2 || edge.Groups[0].Key != "2026-03-31" {
		t.Fatalf("by day: %+v", edge.Groups)
	}
	for _, g := range edge.Groups {
		c, _ := mw.exp.sum(g.Key, g.Key)
		check(g.Key, g.Figures, c)
	}
	// text, CSV and the chart of the same month
	png := filepath.Join(t.TempDir(), "march.png")
	code, out, errOut := runCmd(t, ctx, "", "report", "--config", mw.cfgPath, "--since", "2026-03-01", "--until", "2026-03-31", "--chart", png)
	if code != 0 || !strings.Contains(out, fmt.Sprintf("诉求 %d 件（不含重复件 %d", march.Totals.Petitions, march.Totals.WithoutDuplicates)) {
		t.Fatalf("text report: exit %d %s\n%s", code, errOut, out)
	}
	if b, err := os.ReadFile(png); err != nil || len(b) < 10000 || string(b[1:4]) != "PNG" {
		t.Fatalf("chart: %v, %d bytes", err, len(b))
	}
	if os.Getenv("REPORT_CHART_OUT") != "" { // the README's example
		b, _ := os.ReadFile(png)
		_ = os.WriteFile(os.Getenv("REPORT_CHART_OUT"), b, 0o644)
	}
	for _, want := range []string{"统计期：2026-03-01 至 2026-03-31", "三率：响应率", "解决率", "满意率", "响应率 = "} {
		if !strings.Contains(out, want) {
			t.Errorf("text report lacks %q:\n%s", want, out)
		}
	}
	// the CSV opens in a spreadsheet as Chinese: a byte order mark, Chinese headers and labels
	code, out, _ = runCmd(t, ctx, "", "report", "--config", mw.cfgPath, "--since", "2026-03-01", "--until", "2026-03-31", "--format", "csv", "--by", "channel")
	rows := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(rows) != 3 || !strings.HasPrefix(rows[0], "\uFEFF分组,编码,收到信息,") ||
		!strings.HasPrefix(rows[1], fmt.Sprintf("合计,total,%d,%d,%d,", march.Totals.Messages, march.Totals.NoMatter, march.Totals.Petitions)) || !strings.HasPrefix(rows[2], "短信,sms,") {
		t.Fatalf("csv: exit %d\n%s", code, out)
	}
	// labels a clerk reads: officials by title and name, categories, urgency, appeal types
	for by, want := range map[string][]string{"official": {"[按领导] 县长张三", "[按领导] 其他号码 +8613800000003"}, "category": {"] 城乡建设"},
		"urgency": {"] 一般"}, "type": {"[按诉求类型] 投诉"}, "county": {"[按县区] 涡阳县"}} {
		_, out, _ := runCmd(t, ctx, "", "report", "--config", mw.cfgPath, "--since", "2026-03-01", "--until", "2026-03-31", "--by", by)
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("--by %s lacks %q:\n%s", by, w, out)
			}
		}
		if by == "official" && strings.Contains(out, "] +86138") {
			t.Errorf("an official shown by number:\n%s", out)
		}
	}
	// this month to date, today included, and the output says which period it is
	_, out, _ = runCmd(t, ctx, "", "report", "--config", mw.cfgPath, "--period", "this-month", "--at", "2026-03-20T20:00:00+08:00")
	if c, _ := mw.exp.sum("2026-03-01", "2026-03-20"); !strings.Contains(out, "统计期：本月至今（2026-03-01 至 2026-03-20）") ||
		!strings.Contains(out, fmt.Sprintf("诉求 %d 件", c[report.MPetitions])) {
		t.Errorf("this month to date:\n%s", out)
	}
	// the public page (report.public_page) has the month's figures, and no citizen's number
	srv := httptest.NewServer(mw.rt.Server.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/public/?month=2026-03")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), fmt.Sprintf(`id="p-unique">%d<`, march.Totals.WithoutDuplicates)) ||
		!strings.Contains(string(page), "县区排名") || strings.Contains(string(page), "+86139") || strings.Contains(string(page), "139****") {
		t.Errorf("public page: %d\n%.600s", resp.StatusCode, page)
	}
	// shares of nothing: "—", not 0.0%
	_, out, _ = runCmd(t, ctx, "", "report", "--config", mw.cfgPath, "--since", "2025-01-01", "--until", "2025-01-31")
	for _, want := range []string{"首次答复：—（0 件）", "满意 —", "按时 —", "响应率 —（0/0）"} {
		if !strings.Contains(out, want) {
			t.Errorf("an empty period lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "0.0%") {
		t.Errorf("a share of nothing printed as 0.0%%:\n%s", out)
	}
	// an empty period
	if empty := report1("--since", "2025-01-01", "--until", "2025-01-31"); empty.Totals != (report.Figures{}) {
		t.Errorf("an empty period: %+v", empty.Totals)
	}
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// diffJSON lists the fields where got and want differ: "field got≠want".
func diffJSON(got, want any) string {
	flat := func(v any) map[string]any {
		out := map[string]any{}
		var walk func(p string, v any)
		walk = func(p string, v any) {
			if m, ok := v.(map[string]any); ok {
				for k, x := range m {
					walk(p+"."+k, x)
				}
				return
			}
			out[p] = v
		}
		raw, _ := json.Marshal(v)
		var m any
		_ = json.Unmarshal(raw, &m)
		walk("", m)
		return out
	}
	g, w := flat(got), flat(want)
	var diffs []string
	for k, v := range w {
		if fmt.Sprint(g[k]) != fmt.Sprint(v) {
			diffs = append(diffs, fmt.Sprintf("%s %v≠%v", k, g[k], v))
		}
	}
	sort.Strings(diffs)
	return strings.Join(diffs, ", ")
}
