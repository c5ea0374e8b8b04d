package officials_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minsheng/minsheng/bot/officials"
	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/queue"
	"github.com/minsheng/minsheng/intake/queue/redistest"
	"github.com/minsheng/minsheng/intake/workday"
	"github.com/minsheng/minsheng/internal/testwait"
	"github.com/redis/go-redis/v9"
)

const mayor = "+8613800000001"

var loc, _ = time.LoadLocation("Asia/Shanghai")

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// notes records the lists sent.
type notes struct {
	mu    sync.Mutex
	lists []officials.List
}

func (n *notes) Notify(_ context.Context, _ *officials.Official, l officials.List) error {
	n.mu.Lock()
	n.lists = append(n.lists, l)
	n.mu.Unlock()
	return nil
}

func (n *notes) all() []officials.List {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]officials.List(nil), n.lists...)
}

type env struct {
	rdb    redis.UniversalClient
	prefix string
	clk    *clock
	notes  *notes
	office *officials.Office
	done   atomic.Int64 // items told done (the office's figures)
}

// newEnv is an office with one official on a real Redis, at Monday
// 2026-11-30 10:00 (office hours).
func newEnv(t *testing.T) *env {
	t.Helper()
	rdb, prefix := redistest.Client(t)
	e := &env{rdb: rdb, prefix: prefix, clk: &clock{now: time.Date(2026, 11, 30, 10, 0, 0, 0, loc)}, notes: &notes{}}
	e.office = e.replica()
	return e
}

// replica is another process on the same Redis.
func (e *env) replica() *officials.Office {
	cal, _ := workday.New(loc, nil, nil)
	return officials.New(e.rdb, e.prefix, officials.Options{
		Officials: []officials.Official{{Number: mayor, Name: "张三", Title: "市长", ForwardTo: "+8613900000009",
			TelegramUser: 111, StaffChat: -222, Hours: workday.DefaultHours}},
		Calendar: cal, RemindAfter: 24 * time.Hour, Notifier: e.notes, Now: e.clk.Now,
		Done: func(context.Context, string, time.Time) error { e.done.Add(1); return nil },
	})
}

func TestBusyUntilThenTheListGoesOnce(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	st, err := e.office.SetBusy(ctx, mayor, e.clk.Now().Add(2*time.Hour), "开会")
	if err != nil || st.State != officials.Busy || st.Reason != "开会" {
		t.Fatalf("%+v %v", st, err)
	}
	// Every shard has the copy the ingest script reads.
	for s := 0; s < queue.Shards; s++ {
		if n, _ := e.rdb.Exists(ctx, officials.BusyKey(e.prefix, s, mayor)).Result(); n != 1 {
			t.Fatalf("shard %d has no copy", s)
		}
	}
	// Extending keeps the period: citizens told once are not told again.
	st2, _ := e.office.SetBusy(ctx, mayor, e.clk.Now().Add(3*time.Hour), "开会")
	if st2.Period != st.Period || !st2.Until.Equal(e.clk.Now().Add(3*time.Hour)) {
		t.Errorf("extended: %+v, was %+v", st2, st)
	}
	if _, err := e.office.Add(ctx, intake.Callback{Official: mayor, Period: st.Period, Phone: "+8613912345678", At: e.clk.Now(), Reason: intake.CallbackBusy}, "sms:+8613912345678"); err != nil {
		t.Fatal(err)
	}
	other := e.replica()
	e.clk.Add(3*time.Hour + time.Second)
	e.office.Tick(ctx)
	other.Tick(ctx) // two replicas: one list
	lists := e.notes.all()
	if len(lists) != 1 || len(lists[0].Items) != 1 || !strings.Contains(lists[0].Text, "+8613912345678") || len(lists[0].Actions) != 1 {
		t.Fatalf("lists %+v", lists)
	}
	if st, _ := e.office.State(ctx, mayor); st.State != officials.Available {
		t.Errorf("after the end: %+v", st)
	}
}

func TestBusyWithoutAnEndIsCappedAndFreeSendsTheList(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	st, _ := e.office.SetBusy(ctx, mayor, time.Time{}, "")
	if !st.Until.Equal(e.clk.Now().Add(officials.MaxBusy)) {
		t.Errorf("until %s, want 12 h from now", st.Until)
	}
	if _, err := e.office.SetBusy(ctx, mayor, e.clk.Now().Add(-time.Minute), ""); err == nil {
		t.Error("a busy end in the past was taken")
	}
	if _, err := e.office.SetBusy(ctx, "+8613800009999", time.Time{}, ""); err != officials.ErrUnknown {
		t.Errorf("unknown official: %v", err)
	}
	e.clk.Add(time.Hour)
	if st, _ := e.office.SetAvailable(ctx, mayor); st.State != officials.Available {
		t.Errorf("after /free: %+v", st)
	}
	if lists := e.notes.all(); len(lists) != 1 || !strings.Contains(lists[0].Text, "没有") {
		t.Errorf("an empty busy period still tells the official: %+v", lists)
	}
}

func TestOffHoursFollowTheSchedule(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, 11, 30, 10, 0, 0, 0, loc), officials.Available},
		{time.Date(2026, 11, 30, 18, 0, 0, 0, loc), officials.OffHours},
		{time.Date(2026, 12, 5, 12, 0, 0, 0, loc), officials.OffHours}, // Saturday
	} {
		if st := e.office.StateOf(mayor, nil, c.at); st.State != c.want {
			t.Errorf("%s: %+v", c.at, st)
		}
	}
	a := e.office.StateOf(mayor, nil, time.Date(2026, 11, 30, 19, 0, 0, 0, loc))
	b := e.office.StateOf(mayor, nil, time.Date(2026, 12, 1, 7, 0, 0, 0, loc))
	c := e.office.StateOf(mayor, nil, time.Date(2026, 12, 1, 19, 0, 0, 0, loc))
	if a.Period != b.Period || b.Period == c.Period {
		t.Errorf("one night is one period: %s %s %s", a.Period, b.Period, c.Period)
	}
}

// A citizen who wrote while the official was busy, then sent a petition:
// one item, with the petition; called back, it stays done; 临期 a day
// before the contact deadline; reminded once after a day.
func TestCallBackItems(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	now := e.clk.Now()
	first := intake.Callback{Official: mayor, Period: "b1", Phone: "+8613912345678", At: now, Reason: intake.CallbackBusy, ContactBy: now.Add(72 * time.Hour)}
	later := first
	later.At, later.PetitionID, later.Summary, later.Text = now.Add(time.Minute), "MS-20261130-K7Q2P", "路灯坏了", "市长您好，幸福小区3号楼门口的路灯坏了一个月了"
	later.Emergency = "119"
	for _, cb := range []intake.Callback{first, later, first} {
		if _, err := e.office.Add(ctx, cb, "sms:+8613912345678"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.office.Add(ctx, intake.Callback{Official: mayor, PetitionID: "MS-20261130-ZZZZZ", Reason: intake.CallbackIncomplete, At: now, ContactBy: now.Add(20 * time.Hour)}, "telegram:9"); err != nil {
		t.Fatal(err)
	}
	items, _ := e.office.Items(ctx, mayor, true, "")
	if len(items) == 2 && items[0].PetitionID != "MS-20261130-K7Q2P" {
		items[0], items[1] = items[1], items[0]
	}
	if len(items) != 2 || items[0].PetitionID != "MS-20261130-K7Q2P" || !items[0].At.Equal(now) || items[0].Summary != "路灯坏了" ||
		items[0].Text != later.Text || items[0].Emergency != "119" {
		t.Fatalf("items %+v", items)
	}
	if items[0].DueSoon(now) || !items[1].DueSoon(now) {
		t.Errorf("临期: %v %v", items[0].DueSoon(now), items[1].DueSoon(now))
	}
	done, err := e.office.MarkDone(ctx, mayor, items[0].ID, "王秘书")
	if err != nil || done.State != officials.Done || done.DoneBy != "王秘书" || done.DoneAt.IsZero() {
		t.Fatalf("done %+v %v", done, err)
	}
	if _, err := e.office.MarkDone(ctx, mayor, items[0].ID, "李秘书"); err != nil || e.done.Load() != 1 {
		t.Fatalf("done twice: counted %d times, %v", e.done.Load(), err)
	}
	if _, err := e.office.Add(ctx, later, "sms:+8613912345678"); err != nil {
		t.Fatal(err)
	}
	if items, _ := e.office.Items(ctx, mayor, true, ""); len(items) != 1 {
		t.Errorf("a done item came back open: %+v", items)
	}
	e.clk.Add(25 * time.Hour)
	e.office.Tick(ctx)
	e.office.Tick(ctx)
	e.clk.Add(2 * time.Minute)
	e.office.Tick(ctx)
	var reminders []officials.List
	for _, l := range e.notes.all() {
		if strings.Contains(l.Text, "仍未回电") {
			reminders = append(reminders, l)
		}
	}
	if len(reminders) != 1 || !strings.Contains(reminders[0].Text, "【临期】") {
		t.Errorf("reminders %+v", reminders)
	}
}

func TestParseBusy(t *testing.T) {
	now := time.Date(2026, 11, 30, 15, 0, 0, 0, loc)
	for _, c := range []struct {
		args   string
		until  time.Time
		reason string
	}{
		{"2h", now.Add(2 * time.Hour), ""},
		{"90m 开会", now.Add(90 * time.Minute), "开会"},
		{"2小时 常委会", now.Add(2 * time.Hour), "常委会"},
		{"16:30 开会", time.Date(2026, 11, 30, 16, 30, 0, 0, loc), "开会"},
		{"９:00", time.Date(2026, 12, 1, 9, 0, 0, 0, loc), ""}, // passed today: tomorrow; full-width digits
		{"", time.Time{}, ""},
		{"开会", time.Time{}, "开会"},
	} {
		until, reason, err := officials.ParseBusy(c.args, now)
		if err != nil || !until.Equal(c.until) || reason != c.reason {
			t.Errorf("%q: %s %q %v, want %s %q", c.args, until, reason, err, c.until, c.reason)
		}
	}
	if _, _, err := officials.ParseBusy("30d", now); err == nil {
		t.Error("a month of busy taken")
	}
}

func TestCommandsAndPress(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	official := officials.Actor{User: 111, Chat: 111, Name: "张三"}
	office := officials.Actor{User: 333, Chat: -222, Name: "王秘书"}
	stranger := officials.Actor{User: 444, Chat: 444}
	if _, _, ok, _ := e.office.Command(ctx, stranger, "/busy 2h"); ok {
		t.Error("a stranger's /busy was taken")
	}
	ans, _, ok, err := e.office.Command(ctx, official, "/busy 2h 开会")
	if !ok || err != nil || !strings.Contains(ans, "忙碌") {
		t.Fatalf("/busy: %q %v %v", ans, ok, err)
	}
	ans, _, _, _ = e.office.Command(ctx, office, "/status@minsheng_bot")
	if !strings.Contains(ans, "忙碌") || !strings.Contains(ans, "开会") {
		t.Errorf("/status from the office chat: %q", ans)
	}
	st, _ := e.office.State(ctx, mayor)
	item, _ := e.office.Add(ctx, intake.Callback{Official: mayor, Period: st.Period, Phone: "+8613912345678", At: e.clk.Now(), Reason: intake.CallbackBusy}, "sms:+8613912345678")
	ans, buttons, _, _ := e.office.Command(ctx, office, "/callbacks")
	if !strings.Contains(ans, "+8613912345678") || len(buttons) != 1 {
		t.Fatalf("/callbacks: %q %+v", ans, buttons)
	}
	if msg, _ := e.office.Press(ctx, stranger, buttons[0].Data); !strings.Contains(msg, "仅") {
		t.Errorf("a stranger pressed 已回电: %q", msg)
	}
	if msg, err := e.office.Press(ctx, office, buttons[0].Data); err != nil || !strings.Contains(msg, "已标记") {
		t.Errorf("press: %q %v", msg, err)
	}
	if items, _ := e.office.Items(ctx, mayor, false, ""); len(items) != 1 || items[0].ID != item.ID || items[0].DoneBy != "王秘书" {
		t.Errorf("items %+v", items)
	}
	if _, _, ok, _ := e.office.Command(ctx, official, "/free"); !ok {
		t.Error("/free")
	}
	if lists := e.notes.all(); len(lists) != 1 {
		t.Errorf("/free sent %d lists", len(lists))
	}
}

func TestAdminAPI(t *testing.T) {
	e := newEnv(t)
	mux := http.NewServeMux()
	api := officials.NewAPI(e.office, "tok3n")
	var heard []string // the audit trail's hook
	api.OnDone = func(r *http.Request, number string, it officials.Item) {
		heard = append(heard, number+" "+it.ID+" "+it.DoneBy+" "+r.Method)
	}
	for p, h := range api.Routes() {
		mux.Handle(p, h)
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()
	call := func(method, path, token, body string) (int, string) {
		req, _ := http.NewRequest(method, srv.URL+path, bytes.NewBufferString(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		return resp.StatusCode, b.String()
	}
	path := "/api/v1/officials/" + mayor + "/availability"
	until := e.clk.Now().Add(2 * time.Hour).Format(time.RFC3339)
	for _, c := range []struct {
		name, method, path, token, body string
		want                            int
	}{
		{"no token", "PUT", path, "", `{"state":"busy"}`, 401},
		{"wrong token", "PUT", path, "nope", `{"state":"busy"}`, 401},
		{"unknown number", "GET", "/api/v1/officials/+8613800009999/availability", "tok3n", "", 404},
		{"bad state", "PUT", path, "tok3n", `{"state":"asleep"}`, 400},
		{"bad until", "PUT", path, "tok3n", `{"state":"busy","until":"16:30"}`, 400},
		{"past until", "PUT", path, "tok3n", `{"state":"busy","until":"2020-01-01T00:00:00+08:00"}`, 400},
		{"unknown field", "PUT", path, "tok3n", `{"state":"busy","colour":"red"}`, 400},
		{"not JSON", "PUT", path, "tok3n", `busy`, 400},
		{"busy", "PUT", path, "tok3n", `{"state":"busy","until":"` + until + `","reason":"开会"}`, 200},
		{"unknown item", "POST", "/api/v1/officials/" + mayor + "/callbacks/nope/done", "tok3n", "", 404},
	} {
		if code, body := call(c.method, c.path, c.token, c.body); code != c.want || (code >= 400 && strings.Count(strings.TrimSpace(body), "\n") != 0) {
			t.Errorf("%s: %d %q, want %d and one line", c.name, code, body, c.want)
		}
	}
	code, body := call("GET", path, "tok3n", "")
	var st struct{ State, Reason, Until string }
	if code != 200 || json.Unmarshal([]byte(body), &st) != nil || st.State != "busy" || st.Reason != "开会" {
		t.Errorf("GET: %d %s", code, body)
	}
	e.office.Add(context.Background(), intake.Callback{Official: mayor, Period: "b1", Phone: "+8613912345678", At: e.clk.Now(), Reason: intake.CallbackBusy}, "sms:+8613912345678")
	code, body = call("GET", "/api/v1/officials/"+mayor+"/callbacks", "tok3n", "")
	var list struct {
		Items []struct{ ID, Citizen, Call, Case, State string }
	}
	if code != 200 || json.Unmarshal([]byte(body), &list) != nil || len(list.Items) != 1 || list.Items[0].Citizen != "139****5678" ||
		list.Items[0].Call != "tel:+8613912345678" || list.Items[0].Case != "未形成诉求" || strings.Contains(body, `"phone"`) {
		t.Fatalf("callbacks: %d %s", code, body)
	}
	if code, _ := call("POST", "/api/v1/officials/"+mayor+"/callbacks/"+list.Items[0].ID+"/done", "tok3n", ""); code != 200 {
		t.Errorf("done: %d", code)
	}
	if len(heard) != 1 || heard[0] != mayor+" "+list.Items[0].ID+" api POST" {
		t.Errorf("the done items heard: %q (the unknown one is not)", heard)
	}
	if _, body := call("GET", "/api/v1/officials/"+mayor+"/callbacks", "tok3n", ""); strings.Contains(body, list.Items[0].ID) {
		t.Errorf("a done item is still open: %s", body)
	}
	closed := officials.NewAPI(e.office, "")
	rec := httptest.NewRecorder()
	closed.Routes()["GET /api/v1/officials/{number}/availability"].ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	if rec.Code != 401 {
		t.Errorf("with no admin_token set: %d", rec.Code)
	}
}

// Who wrote in the night is on the list sent when office hours begin,
// once, whatever the replicas; a quiet night sends nothing.
func TestTheNightsListComesWithTheMorning(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	night := time.Date(2026, 11, 30, 22, 0, 0, 0, loc)
	st := e.office.StateOf(mayor, nil, night)
	if st.State != officials.OffHours {
		t.Fatalf("22:00: %+v", st)
	}
	if _, err := e.office.Add(ctx, intake.Callback{Official: mayor, Period: st.Period, Phone: "+8613912345678", At: night, Reason: intake.CallbackBusy}, "sms:+8613912345678"); err != nil {
		t.Fatal(err)
	}
	other := e.replica()
	e.clk.mu.Lock()
	e.clk.now = time.Date(2026, 12, 1, 7, 59, 0, 0, loc)
	e.clk.mu.Unlock()
	e.office.Tick(ctx)
	if n := len(e.notes.all()); n != 0 {
		t.Fatalf("%d lists before the hours began", n)
	}
	e.clk.Add(2 * time.Minute) // 08:01
	e.office.Tick(ctx)
	other.Tick(ctx)
	e.clk.Add(2 * time.Minute)
	e.office.Tick(ctx)
	lists := e.notes.all()
	if len(lists) != 1 || !strings.Contains(lists[0].Text, "下班期间") || !strings.Contains(lists[0].Text, "+8613912345678") {
		t.Fatalf("lists %+v", lists)
	}
	// The next morning, after a quiet night: no night's list; the item
	// still open is reminded (to the office), once.
	e.clk.Add(24 * time.Hour)
	e.office.Tick(ctx)
	lists = e.notes.all()
	if len(lists) != 2 || !strings.Contains(lists[1].Text, "仍未回电") || !lists[1].ToOffice {
		t.Errorf("the next morning: %+v", lists[1:])
	}
}

// An urgent petition alerts the official's office at once, through the
// call-back queue, whatever the schedule (here at night, off hours): the
// alert names the case, whom to call and what the citizen was told, and
// offers 已回电; a redelivered queue entry alerts under the same key (the
// send queue keeps one), and the item carries 【紧急】 on the lists.
func TestAnUrgentPetitionAlertsTheOfficeAtOnce(t *testing.T) {
	e := newEnv(t)
	e.clk.Add(13 * time.Hour) // 23:00, off hours
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	q := e.office.Worker(queue.Options{Poll: 20 * time.Millisecond, Block: 20 * time.Millisecond})
	done := make(chan error, 1)
	go func() { done <- q.Run(ctx) }()
	defer func() { cancel(); <-done }()

	now := e.clk.Now()
	rec := officials.Record{Conversation: "sms:+8613912345678", Callback: intake.Callback{
		Official: mayor, Phone: "+8613912345678", At: now, PetitionID: "MS-20261130-K7Q2P",
		Summary: "城南花园7栋煤气味很大", Reason: intake.CallbackUrgent, Emergency: "119", ContactBy: now.Add(48 * time.Hour)}}
	for i := 0; i < 2; i++ { // the same entry twice, as after a crash before its ack
		if err := q.Enqueue(ctx, "cb:"+strconv.Itoa(i), rec); err != nil {
			t.Fatal(err)
		}
	}
	alerts := func() []officials.List {
		var out []officials.List
		for _, l := range e.notes.all() {
			if strings.Contains(l.Text, "紧急诉求") {
				out = append(out, l)
			}
		}
		return out
	}
	testwait.For(t, "two alerts", func() bool { return len(alerts()) == 2 })
	a := alerts()
	if a[0].Key != a[1].Key || !strings.Contains(a[0].Key, "MS-20261130-K7Q2P") {
		t.Errorf("alert keys %q, %q: one per petition", a[0].Key, a[1].Key)
	}
	for _, want := range []string{"MS-20261130-K7Q2P", "+8613912345678", "煤气味", "拨打119"} {
		if !strings.Contains(a[0].Text, want) {
			t.Errorf("alert %q lacks %q", a[0].Text, want)
		}
	}
	if len(a[0].Actions) != 1 || !strings.HasPrefix(a[0].Actions[0].Label, "已回电") {
		t.Errorf("actions %+v", a[0].Actions)
	}
	items, err := e.office.Items(ctx, mayor, true, "")
	if err != nil || len(items) != 1 {
		t.Fatalf("items %+v %v", items, err)
	}
	l, _, _, err := e.office.Command(ctx, officials.Actor{User: 111, Chat: 111}, "/callbacks")
	if err != nil || !strings.Contains(l, "【紧急】") {
		t.Errorf("the list does not mark the urgent item: %q %v", l, err)
	}
}
