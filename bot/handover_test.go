package bot

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/backend/webhook/webhooktest"
	"github.com/minsheng/minsheng/intake/queue"
	"github.com/minsheng/minsheng/intake/report"
	"github.com/minsheng/minsheng/internal/testwait"
)

const (
	resident   = "+8613912345678"
	groupConv  = "telegram:g-100777:u9002" // the intake group's conversation about the resident
	residentSM = "sms:" + resident
)

// groupRecorder is the world's Telegram channel: what goes to the group.
type groupRecorder struct{ w *world }

func (r groupRecorder) Name() string    { return ChannelTelegram }
func (r groupRecorder) Sender() Sender  { return r }
func (r groupRecorder) Routes() []Route { return nil }
func (r groupRecorder) Send(_ context.Context, m Outbound) error {
	r.w.mu.Lock()
	r.w.sent = append(r.w.sent, m)
	r.w.mu.Unlock()
	return nil
}

// forwarded is a resident's complaint staff forwarded in the intake group
// (what bot/telegram makes of it), the resident's phone as Notify.
func forwarded(text, update string) Inbound {
	return Inbound{Channel: "telegram_group", Conversation: groupConv,
		Reply:  Address{Channel: ChannelTelegram, To: "-100777", Thread: "55"},
		Notify: &Address{Channel: ChannelSMS, To: resident, From: "+8613800000001"},
		To:     "@minsheng_bot", Citizen: intake.Citizen{Name: "李大爷", TelegramUser: 9002, Phone: resident},
		ReportedBy: &intake.Reporter{Name: "王网格员", TelegramUser: 4242, Chat: -100777, ChatTitle: "幸福社区居民群"},
		Text:       text, ProviderID: update, At: time.Now()}
}

// sentTo is what went to a conversation so far, by template.
func (w *world) sentTo(conv string) []Outbound {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []Outbound
	for _, m := range w.sent {
		if m.Conversation == conv {
			out = append(out, m)
		}
	}
	return out
}

func templatesOf(ms []Outbound) string {
	var n []string
	for _, m := range ms {
		n = append(n, m.Template)
	}
	return strings.Join(n, ",")
}

// A complaint forwarded from a Telegram group with the resident's phone:
// the group's conversation hands the resolution over, the resident's SMS
// conversation (on another shard) sends the survey and takes the answer;
// the backend gets the rating for the petition, and the office's figures
// count the survey and the rating on the petition's shard, where its
// record is (the 不满意专区 shows it with the reason).
func TestAHandedOverSurveyIsAnsweredWhereTheResidentIs(t *testing.T) { testHandedOverSurvey(t, false) }

// On Redis Cluster the two conversations and the petition's figures live
// in different slots: nothing may need them in one script (CROSSSLOT).
func TestAHandedOverSurveyIsAnsweredWhereTheResidentIsOnRedisCluster(t *testing.T) {
	testHandedOverSurvey(t, true)
}

func testHandedOverSurvey(t *testing.T, onCluster bool) {
	if queue.ShardOf(groupConv) == queue.ShardOf(residentSM) {
		t.Fatal("the test needs the two conversations on two shards")
	}
	f := webhooktest.NewFake(t, "hooksecret")
	w := newWorld(t, worldOptions{backend: webhookTo(t, f), onCluster: onCluster})
	w.rt.Add(groupRecorder{w})
	w.run()
	ctx := context.Background()
	if _, err := w.p.Handle(ctx, forwarded("幸福小区5栋下水道堵了好几天，电话13912345678", "u1")); err != nil {
		t.Fatal(err)
	}
	testwait.For(t, "the petition at the backend", func() bool { return f.Taken() == 1 })
	var id string
	for _, p := range f.Petitions() {
		id = p.ID
	}
	if _, shard, _, _ := intake.ParsePetitionID(id); shard != queue.ShardOf(groupConv) {
		t.Fatalf("petition %s is not on the group conversation's shard", id)
	}
	if code := w.postEvent("CASE-A", map[string]any{"status": "resolved", "unit": "谯城区住建局", "note": "已疏通",
		"at": time.Now().Format(time.RFC3339)}, ""); code != 200 {
		t.Fatalf("status event: %d", code)
	}
	testwait.For(t, "the survey to the resident", func() bool { return templatesOf(w.sentTo(residentSM)) == "survey" })
	s := w.sentTo(residentSM)[0]
	if s.Channel != ChannelSMS || s.To != resident || s.From != "+8613800000001" || !s.Bulk || s.Case != id ||
		!strings.Contains(s.Text, id) || !strings.Contains(s.Text, "幸福小区5栋") {
		t.Errorf("survey %+v", s)
	}
	w.sayAs(resident, "不满意，下水道还是堵")
	testwait.For(t, "the rating at the backend", func() bool {
		for _, r := range f.Requests() {
			if r.Path == "/petitions/"+id+"/rating" && r.Response == 200 {
				return true
			}
		}
		return false
	})
	if err := w.rt.Drain(ctx, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if got := templatesOf(w.sentTo(residentSM)); got != "survey,survey_thanks_unsatisfied" {
		t.Errorf("to the resident: %s", got)
	}
	if got := templatesOf(w.sentTo(groupConv)); got != "receipt_reported" {
		t.Errorf("to the group: %s (status and survey are the resident's)", got)
	}
	var rating struct{ Rating, Comment string }
	for _, r := range f.Requests() {
		if strings.HasSuffix(r.Path, "/rating") {
			_ = json.Unmarshal([]byte(r.Body), &rating)
		}
	}
	if rating.Rating != intake.RatingUnsatisfied || rating.Comment != "不满意，下水道还是堵" || f.Taken() != 1 {
		t.Errorf("rating %+v, %d petitions", rating, f.Taken())
	}
	x, err := w.p.State(ctx, groupConv)
	if err != nil {
		t.Fatal(err)
	}
	if x.Survey != nil || len(x.Cases) != 1 || x.Cases[0].Status != intake.StatusResolved || x.Cases[0].HandedTo == "" {
		t.Errorf("the group's state: survey %+v, cases %+v", x.Survey, x.Cases)
	}

	rd := &report.Reader{Redis: w.store.Redis, Prefix: w.store.Prefix, Loc: w.cfg.Location()}
	day := time.Now()
	sums, err := rd.Sum(ctx, report.Period{Since: day.AddDate(0, 0, -1), Until: day.AddDate(0, 0, 1)}, "a")
	if err != nil {
		t.Fatal(err)
	}
	fig := report.FiguresOf(sums[""])
	if fig.Petitions != 1 || fig.Resolved.Reached != 1 || fig.Survey.Sent != 1 || fig.Survey.Answered != 1 || fig.Survey.Unsatisfied != 1 {
		t.Errorf("figures: petitions %d, resolved %+v, survey %+v", fig.Petitions, fig.Resolved, fig.Survey)
	}
	items, err := rd.Unsatisfied(ctx, 0)
	if err != nil || len(items) != 1 || items[0].ID != id || items[0].Unit != "谯城区住建局" || items[0].Reason != "不满意，下水道还是堵" {
		t.Errorf("不满意专区: %v %+v", err, items)
	}
}

// The handover worker dies after it delivered the status to the resident's
// conversation and before it acknowledged the entry: another worker takes
// the entry over and delivers it again; the resident gets one survey.
func TestARedeliveredHandoverGivesOneSurvey(t *testing.T) {
	f := webhooktest.NewFake(t, "hooksecret")
	w := newWorld(t, worldOptions{backend: webhookTo(t, f), noHandover: true})
	w.rt.Add(groupRecorder{w})
	w.run()
	ctx := context.Background()
	if _, err := w.p.Handle(ctx, forwarded("幸福小区5栋下水道堵了好几天，电话13912345678", "u1")); err != nil {
		t.Fatal(err)
	}
	testwait.For(t, "the petition at the backend", func() bool { return f.Taken() == 1 })
	if code := w.postEvent("CASE-A", map[string]any{"status": "resolved", "unit": "谯城区住建局", "at": time.Now().Format(time.RFC3339)}, ""); code != 200 {
		t.Fatalf("status event: %d", code)
	}

	// The attempts at the status entry (the entry of the survey's figures,
	// which the resident's conversation wrote, is held and taken over too).
	var mu sync.Mutex
	var attempts []int
	note := func(e queue.Entry) {
		if strings.Contains(e.Key, "/handover/") {
			mu.Lock()
			attempts = append(attempts, e.Attempt)
			mu.Unlock()
		}
	}
	delivered, release := make(chan struct{}), make(chan struct{})
	opt := queue.Options{Block: 50 * time.Millisecond, Poll: 50 * time.Millisecond, Logger: quietLog(), Group: handoverGroup}
	doomedOpt := opt
	doomedOpt.Consumer = "doomed"
	doomed := queue.New(w.store.Redis, w.store.Prefix, HandoverQueueName, func(ctx context.Context, e queue.Entry) error {
		err := w.p.HandOver(ctx, e)
		note(e)
		if strings.Contains(e.Key, "/handover/") {
			close(delivered)
		}
		<-release // dead before the acknowledgement
		return err
	}, doomedOpt)
	dctx, stopDoomed := context.WithCancel(ctx)
	doomedDone := make(chan struct{})
	go func() { defer close(doomedDone); _ = doomed.Run(dctx) }()
	t.Cleanup(func() { close(release); stopDoomed(); <-doomedDone })
	<-delivered
	testwait.For(t, "the survey of the first delivery", func() bool { return templatesOf(w.sentTo(residentSM)) == "survey" })

	survivorOpt := opt
	survivorOpt.Consumer, survivorOpt.ClaimIdle = "survivor", 300*time.Millisecond
	survivor := queue.New(w.store.Redis, w.store.Prefix, HandoverQueueName, func(ctx context.Context, e queue.Entry) error {
		note(e)
		return w.p.HandOver(ctx, e)
	}, survivorOpt)
	sctx, stopSurvivor := context.WithCancel(ctx)
	survivorDone := make(chan struct{})
	go func() { defer close(survivorDone); _ = survivor.Run(sctx) }()
	defer func() { stopSurvivor(); <-survivorDone }()
	testwait.For(t, "the entry taken over and acknowledged", func() bool {
		st, err := survivor.Stats(ctx)
		return err == nil && st.Empty() && st.Pending == 0
	})
	if err := w.rt.Drain(ctx, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	got := attempts
	mu.Unlock()
	if len(got) != 2 || got[0] != 1 || got[1] != 2 {
		t.Fatalf("deliveries by attempt %v, want the doomed worker's and the survivor's", got)
	}
	if got := templatesOf(w.sentTo(residentSM)); got != "survey" {
		t.Errorf("to the resident: %s, want one survey", got)
	}
	y, err := w.p.State(ctx, residentSM)
	if err != nil {
		t.Fatal(err)
	}
	if len(y.Cases) != 1 || len(y.Cases[0].History) != 1 || y.Survey == nil {
		t.Errorf("the resident's state: cases %+v survey %+v", y.Cases, y.Survey)
	}
	rd := &report.Reader{Redis: w.store.Redis, Prefix: w.store.Prefix, Loc: w.cfg.Location()}
	sums, err := rd.Sum(ctx, report.Period{Since: time.Now().AddDate(0, 0, -1), Until: time.Now().AddDate(0, 0, 1)}, "a")
	if err != nil {
		t.Fatal(err)
	}
	if fig := report.FiguresOf(sums[""]); fig.Survey.Sent != 1 {
		t.Errorf("surveys counted: %d, want 1", fig.Survey.Sent)
	}
}
