package bot

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minsheng/minsheng/config"
	"github.com/minsheng/minsheng/dialog"
	"github.com/minsheng/minsheng/intake/outbox"
	"github.com/minsheng/minsheng/intake/queue/redistest"
)

// A transcript is a conversation as a table: at an offset, the citizen
// sends a line ("" = only time passes); the bot answers with these
// templates (replies and ticks that fell due meanwhile, in order), each
// containing the given text, and these outbox records are written.
type line struct {
	at     time.Duration
	text   string
	want   []string
	has    string // every reply of this line contains it ("{id}" = the last petition id)
	events []string
}

type transcript struct {
	name   string
	window time.Duration // dialog.coalesce_window
	lines  []line
}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

var transcripts = []transcript{
	{name: "complete first message", lines: []line{
		{text: "幸福小区3号楼门口的路灯坏了一个月了，晚上很黑", want: []string{"receipt"}, has: "{id}", events: []string{"petition"}},
	}},
	{name: "greeting then complaint", lines: []line{
		{text: "书记您好", want: []string{"prompt"}},
		{at: time.Minute, text: "人民路和解放路路口的红绿灯坏了，很危险", want: []string{"receipt"}, has: "{id}", events: []string{"petition"}},
	}},
	{name: "greeting and complaint in one burst", window: 15 * time.Second, lines: []line{
		{text: "书记您好"},
		{at: 4 * time.Second, text: "人民路和解放路路口的红绿灯坏了，很危险"},
		{at: 10 * time.Second},
		{at: 20 * time.Second, want: []string{"receipt"}, has: "{id}", events: []string{"petition"}},
	}},
	{name: "greeting alone, SMS timing", window: 15 * time.Second, lines: []line{
		{text: "在吗"},
		{at: 16 * time.Second, want: []string{"prompt"}},
	}},
	{name: "complaint without place", lines: []line{
		{text: "路灯坏了好几天了", want: []string{"ask_where"}},
		{at: 2 * time.Minute, text: "汤陵街道幸福小区北门", want: []string{"receipt"}, has: "{id}", events: []string{"petition"}},
	}},
	{name: "two bursts", window: 15 * time.Second, lines: []line{
		{text: "书记您好"},
		{at: 3 * time.Second, text: "我们小区停水三天了"},
		{at: 8 * time.Second, text: "老人孩子都没水喝"},
		{at: 30 * time.Second, want: []string{"ask_where"}},
		{at: 2 * time.Minute, text: "幸福小区"},
		{at: 2*time.Minute + 4*time.Second, text: "3号楼"},
		{at: 2*time.Minute + 30*time.Second, want: []string{"receipt_urgent"}, has: "{id}", events: []string{"petition"}},
	}},
	{name: "supplement", lines: []line{
		{text: "幸福小区3号楼的路灯坏了", want: []string{"receipt"}, events: []string{"petition"}},
		{at: 5 * time.Minute, text: "是北边那盏，已经一个月了", want: []string{"supplement"}, has: "{id}", events: []string{"supplement"}},
	}},
	{name: "idle submit", lines: []line{
		{text: "楼上天天半夜装修，吵得没法睡", want: []string{"ask_where"}},
		{at: 29 * time.Minute},
		{at: 31 * time.Minute, want: []string{"receipt_incomplete"}, has: "{id}", events: []string{"petition"}},
	}},
	{name: "keywords simplified", lines: []line{
		{text: "帮助", want: []string{"help"}},
		{text: "查询", want: []string{"query_none"}},
		{text: "路灯坏了", want: []string{"ask_where"}},
		{text: "取消", want: []string{"cancel"}},
		{text: "人工", want: []string{"human"}, has: "{id}", events: []string{"petition"}},
		{text: "查询", want: []string{"query"}, has: "{id}"},
		{text: "退订", want: []string{"unsubscribe"}},
		{text: "订阅", want: []string{"subscribe"}},
	}},
	{name: "keywords traditional", lines: []line{
		{text: "幫助", want: []string{"help"}},
		{text: "查詢", want: []string{"query_none"}},
		{text: "進度", want: []string{"query_none"}},
		{text: "退訂", want: []string{"unsubscribe"}},
		{text: "訂閱", want: []string{"subscribe"}},
	}},
	{name: "keywords full width", lines: []line{
		{text: "ＴＤ", want: []string{"unsubscribe"}},
		{text: "ＳＴＡＲＴ", want: []string{"subscribe"}},
		{text: "ＳＴＯＰ", want: []string{"unsubscribe"}},
		{text: "　帮　助！", want: []string{"help"}},
	}},
	{name: "keyword inside a complaint", lines: []line{
		{text: "物业说要取消我家的停车位", want: []string{"ask_where"}},
		{at: time.Minute, text: "幸福小区", want: []string{"receipt"}, events: []string{"petition"}},
	}},
	{name: "2000-character message", lines: []line{
		{text: "幸福小区3号楼下水道堵了，" + strings.Repeat("污水漫到路上，", 284), want: []string{"receipt"}, has: "{id}", events: []string{"petition"}},
	}},
	{name: "emoji only", lines: []line{
		{text: "🙏🙏", want: []string{"prompt"}},
		{text: "👍", want: []string{"prompt"}},
	}},
	{name: "never answers the location question", lines: []line{
		{text: "垃圾好几天没人清理了，臭气熏天", want: []string{"ask_where"}},
		{at: time.Minute, text: "快点来处理", want: []string{"ask_where"}},
		{at: 2 * time.Minute, text: "你们管不管", want: []string{"receipt_incomplete"}, has: "{id}", events: []string{"petition"}},
	}},
}

// runTranscript plays one transcript through the real pipeline on the real
// Redis with a fake clock; it returns the SMS count (in and out) per petition.
func runTranscript(t *testing.T, tr transcript) (smsIn, smsOut, petitions int) {
	rdb, prefix := redistest.Client(t)
	store := NewStore(rdb, prefix)
	cfg := config.Default()
	clk := &clock{now: time.Date(2026, 3, 11, 14, 5, 0, 0, cfg.Location())}
	t0 := clk.Now()
	set := dialog.Settings{Location: cfg.Location(), CoalesceWindow: tr.window, SupplementWindow: cfg.Dialog.SupplementWindow,
		IdleSubmitAfter: cfg.Dialog.IdleSubmitAfter, DedupWindow: cfg.Intake.DedupWindow, FloodMax: cfg.Flood.MaxMessages}
	p := NewPipeline(store, dialog.New(set, nil), &cfg, NewMetrics(), quietLog(), PipelineOptions{Now: clk.Now, Flood: cfg.Flood})
	ctx := context.Background()
	seenOut, seenBox := 0, 0
	lastID := ""
	for i, l := range tr.lines {
		clk.Set(t0.Add(l.at))
		if l.text != "" {
			smsIn++
			in := sms("+8613912345678", l.text, fmt.Sprintf("SM%s%d", tr.name, i))
			in.At = clk.Now()
			if _, err := p.Handle(ctx, in); err != nil {
				t.Fatal(err)
			}
		}
		p.RunDue(ctx)
		outs := streamRecords[Outbound](t, store, SendQueueName)
		boxes := streamRecords[outbox.Record](t, store, outbox.QueueName)
		newOuts, newBoxes := outs[seenOut:], boxes[seenBox:]
		seenOut, seenBox = len(outs), len(boxes)
		var got, events []string
		for _, b := range newBoxes {
			events = append(events, b.Type)
			if b.Petition != nil {
				lastID = b.Petition.ID
				petitions++
			}
		}
		for _, o := range newOuts {
			got = append(got, o.Template)
			smsOut++
			if l.has != "" {
				want := strings.ReplaceAll(l.has, "{id}", lastID)
				if !strings.Contains(o.Text, want) {
					t.Errorf("%s line %d: reply %q lacks %q", tr.name, i, o.Text, want)
				}
			}
		}
		if strings.Join(got, ",") != strings.Join(l.want, ",") {
			t.Fatalf("%s line %d (%q at %s): replies %v, want %v", tr.name, i, l.text, l.at, got, l.want)
		}
		if strings.Join(events, ",") != strings.Join(l.events, ",") {
			t.Fatalf("%s line %d (%q): outbox %v, want %v", tr.name, i, l.text, events, l.events)
		}
	}
	return smsIn, smsOut, petitions
}

func TestTranscripts(t *testing.T) {
	var perPetition []int
	for _, tr := range transcripts {
		t.Run(tr.name, func(t *testing.T) {
			in, out, n := runTranscript(t, tr)
			if n == 1 && !strings.HasPrefix(tr.name, "keywords") {
				perPetition = append(perPetition, in+out)
			}
		})
	}
	if len(perPetition) > 0 {
		sort.Ints(perPetition)
		t.Logf("SMS per completed petition (in+out) over %d transcripts: median %d, max %d, all %v",
			len(perPetition), perPetition[len(perPetition)/2], perPetition[len(perPetition)-1], perPetition)
	}
}
