package dialog

import (
	"strings"
	"testing"
	"time"

	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/classify"
)

var t0 = time.Date(2026, 3, 11, 14, 5, 0, 0, time.FixedZone("CST", 8*3600))

// step is one line of a conversation: at an offset from t0, the citizen
// sends text (or a tick/flush happens); the dialog answers with these
// templates (in order) and emits these events ("submit", "supplement").
type step struct {
	at     time.Duration
	text   string
	kind   Kind
	want   []string
	events []string
	check  func(t *testing.T, st *State, out Output)
}

func machine(mod func(*Settings)) *Machine {
	set := Settings{Location: t0.Location(), SupplementWindow: 30 * time.Minute, IdleSubmitAfter: 30 * time.Minute,
		DedupWindow: 72 * time.Hour, FloodMax: 20}
	if mod != nil {
		mod(&set)
	}
	return New(set, nil)
}

var idSeq int

func play(t *testing.T, m *Machine, steps []step) *State {
	t.Helper()
	st := &State{}
	for i, s := range steps {
		in := Input{Kind: s.kind, Now: t0.Add(s.at), Official: Official{Number: "+8613800000001", Title: "市长"}}
		if in.Kind == "" {
			in.Kind = KindMessage
			idSeq++
			in.Message = &Message{Channel: "sms", Citizen: intake.Citizen{Phone: "+8613912345678"},
				Text: s.text, At: t0.Add(s.at), PetitionID: "MS-20260311-" + strings.Repeat("0", 4) + string(rune('A'+idSeq%26))}
		}
		out := m.Step(st, in)
		var got, events []string
		for _, r := range out.Replies {
			got = append(got, r.Template)
		}
		for _, e := range out.Events {
			switch {
			case e.Submit != nil:
				events = append(events, "submit")
			case e.Supplement != nil:
				events = append(events, "supplement")
			}
		}
		if strings.Join(got, ",") != strings.Join(s.want, ",") {
			t.Fatalf("step %d (%q at %s): replies %v, want %v", i, s.text, s.at, got, s.want)
		}
		if strings.Join(events, ",") != strings.Join(s.events, ",") {
			t.Fatalf("step %d (%q): events %v, want %v", i, s.text, events, s.events)
		}
		if s.check != nil {
			s.check(t, st, out)
		}
	}
	return st
}

func submitted(t *testing.T, out Output) *intake.Petition {
	t.Helper()
	for _, e := range out.Events {
		if e.Submit != nil {
			return e.Submit
		}
	}
	t.Fatal("no petition submitted")
	return nil
}

func TestCompleteFirstMessageGetsOnlyTheReceipt(t *testing.T) {
	play(t, machine(nil), []step{{
		text: "幸福小区3号楼门口的路灯坏了一个月了，晚上很黑", want: []string{"receipt"}, events: []string{"submit"},
		check: func(t *testing.T, st *State, out Output) {
			p := submitted(t, out)
			if !strings.Contains(out.Replies[0].Text, p.ID) || p.HasFlag(intake.FlagIncomplete) || p.Location.Text == "" ||
				p.Description != "幸福小区3号楼门口的路灯坏了一个月了，晚上很黑" || len(p.Transcript) != 2 ||
				p.Contacts[0] != "+8613912345678" || p.AddressedTo.Title != "市长" || p.Deadlines.AssignBy.IsZero() {
				t.Errorf("petition %+v", p)
			}
			if st.Draft != nil || len(st.Cases) != 1 {
				t.Error("draft should be closed and the case remembered")
			}
		},
	}})
}

func TestGreetingThenComplaint(t *testing.T) {
	play(t, machine(nil), []step{
		{text: "书记您好", want: []string{"prompt"}},
		{at: time.Minute, text: "人民路和解放路路口的红绿灯坏了", want: []string{"receipt"}, events: []string{"submit"},
			check: func(t *testing.T, st *State, out Output) {
				p := submitted(t, out)
				if p.Transcript[0].Text != "书记您好" || strings.Contains(p.Description, "书记您好") {
					t.Errorf("greeting belongs in the transcript, not the description: %+v", p)
				}
			}},
	})
}

func TestMissingPiecesAskedOneAtATime(t *testing.T) {
	play(t, machine(nil), []step{
		{text: "路灯坏了好几天了", want: []string{"ask_where"}},
		{at: time.Minute, text: "在幸福小区3号楼", want: []string{"receipt"}, events: []string{"submit"},
			check: func(t *testing.T, st *State, out Output) {
				p := submitted(t, out)
				if p.Description != "路灯坏了好几天了；在幸福小区3号楼" || !strings.Contains(p.Location.Text, "幸福小区") {
					t.Errorf("petition %q at %q", p.Description, p.Location.Text)
				}
			}},
		// A place alone: what is the matter?
		{at: time.Hour, text: "解放路88号", want: []string{"ask_what"}},
		{at: time.Hour + time.Minute, text: "下水道堵了，污水漫到路上", want: []string{"receipt"}, events: []string{"submit"}},
	})
}

func TestQuestionAskedTwiceThenSubmittedIncomplete(t *testing.T) {
	play(t, machine(nil), []step{
		{text: "垃圾好几天没人清理了", want: []string{"ask_where"}},
		{at: time.Minute, text: "臭死了", want: []string{"ask_where"}},
		{at: 2 * time.Minute, text: "赶紧来处理", want: []string{"receipt_incomplete"}, events: []string{"submit"},
			check: func(t *testing.T, st *State, out Output) {
				if p := submitted(t, out); !p.HasFlag(intake.FlagIncomplete) || len(p.Transcript) != 6 {
					t.Errorf("petition %+v", p)
				}
			}},
	})
}

func TestBurstAnsweredOnce(t *testing.T) {
	m := machine(func(s *Settings) { s.CoalesceWindow = 15 * time.Second })
	st := play(t, m, []step{
		{text: "书记您好"}, // the burst gets one answer, not a prompt and then another
		{at: 2 * time.Second, text: "我们小区停水三天了"},
		{at: 6 * time.Second, text: "在汤陵街道幸福小区"},
		{at: 10 * time.Second, kind: KindTick}, // not due yet
		{at: 21 * time.Second, kind: KindTick, want: []string{"receipt_urgent"}, events: []string{"submit"}},
	})
	if len(st.Cases) != 1 {
		t.Fatal("one petition expected")
	}
	if w := m.WakeAt(st); !w.IsZero() {
		t.Errorf("nothing pending, but wake at %s", w)
	}
}

func TestGreetingAloneInABurstIsPromptedAfterTheWindow(t *testing.T) {
	m := machine(func(s *Settings) { s.CoalesceWindow = 15 * time.Second })
	st := play(t, m, []step{
		{text: "在吗"},
		{at: 5 * time.Second, text: "？"},
		{at: 10 * time.Second, kind: KindTick},
		{at: 20 * time.Second, kind: KindTick, want: []string{"prompt"}},
		{at: 40 * time.Second, kind: KindTick},
	})
	if st.Draft != nil || len(st.Cases) != 0 || !m.WakeAt(st).IsZero() {
		t.Errorf("greetings opened something: %+v", st)
	}
}

func TestBurstAnswerIsNotPostponedForever(t *testing.T) {
	m := machine(func(s *Settings) { s.CoalesceWindow = 10 * time.Second })
	st := &State{}
	for i := 0; i < 6; i++ { // a message every 5 s: the quiet window never comes
		at := t0.Add(time.Duration(i*5) * time.Second)
		out := m.Step(st, Input{Kind: KindMessage, Now: at, Message: &Message{Text: "路灯坏了", At: at, PetitionID: "MS-20260311-00001"}})
		if len(out.Replies) > 0 {
			t.Fatalf("answered at %s, before the burst limit", at.Sub(t0))
		}
		if w := m.WakeAt(st); w.After(t0.Add(30 * time.Second)) {
			t.Fatalf("wake at %s: a burst must be answered within 3 windows of its start", w.Sub(t0))
		}
	}
	out := m.Step(st, Input{Kind: KindTick, Now: t0.Add(30 * time.Second)})
	if len(out.Replies) != 1 || out.Replies[0].Template != "ask_where" {
		t.Errorf("at the limit: %+v", out.Replies)
	}
}

func TestSupplementAndNewMatter(t *testing.T) {
	play(t, machine(nil), []step{
		{text: "幸福小区3号楼的路灯坏了", want: []string{"receipt"}, events: []string{"submit"}},
		{at: 5 * time.Minute, text: "是北边那盏，已经一个月了", want: []string{"supplement"}, events: []string{"supplement"}},
		{at: 6 * time.Minute, text: "谢谢", want: []string{"after_receipt"}, events: []string{"supplement"}},
		{at: 10 * time.Minute, text: "另外人民医院门口的公交站牌被撞倒了", want: []string{"receipt"}, events: []string{"submit"}},
		{at: 2 * time.Hour, text: "北边那盏还是不亮", want: []string{"ask_where"}}, // after the window: a new draft
	})
}

func TestIdleDraftSubmittedIncomplete(t *testing.T) {
	m := machine(nil)
	st := play(t, m, []step{
		{text: "楼上天天半夜装修，吵得没法睡", want: []string{"ask_where"}},
		{at: 29 * time.Minute, kind: KindTick},
		{at: 30 * time.Minute, kind: KindTick, want: []string{"receipt_incomplete"}, events: []string{"submit"}},
	})
	if st.Draft != nil || m.WakeAt(st) != (time.Time{}) {
		t.Error("idle draft should be gone")
	}
}

func TestWakeAtFollowsTheDraft(t *testing.T) {
	m := machine(nil)
	st := play(t, m, []step{{text: "路灯坏了", want: []string{"ask_where"}}})
	if got := m.WakeAt(st); !got.Equal(t0.Add(30 * time.Minute)) {
		t.Errorf("WakeAt = %s, want idle deadline", got)
	}
}

func TestKeywords(t *testing.T) {
	cases := []struct {
		name  string
		steps []step
	}{
		{"help both scripts", []step{{text: "帮助", want: []string{"help"}}, {text: "幫助", want: []string{"help"}}}},
		{"query none", []step{{text: "查询", want: []string{"query_none"}}}},
		{"query full width and traditional", []step{
			{text: "幸福小区门口垃圾堆成山了", want: []string{"receipt"}, events: []string{"submit"}},
			{at: time.Hour, text: "查詢", want: []string{"query"}},
			{at: time.Hour, text: "进度？", want: []string{"query"}},
			{at: time.Hour, text: "查询 MS-20990101-ZZZZZ", want: []string{"query_unknown"}},
		}},
		{"cancel", []step{
			{text: "路灯坏了", want: []string{"ask_where"}},
			{text: "取消", want: []string{"cancel"}},
			{text: "取消", want: []string{"cancel_none"}},
		}},
		{"unsubscribe and back", []step{
			{text: "ＴＤ", want: []string{"unsubscribe"}, check: func(t *testing.T, st *State, _ Output) {
				if !st.OptedOut {
					t.Error("not opted out")
				}
			}},
			{text: "退訂", want: []string{"unsubscribe"}},
			{text: "stop", want: []string{"unsubscribe"}},
			{text: "訂閱", want: []string{"subscribe"}, check: func(t *testing.T, st *State, _ Output) {
				if st.OptedOut {
					t.Error("still opted out")
				}
			}},
			{text: "START", want: []string{"subscribe"}},
		}},
		{"human with a draft", []step{
			{text: "路灯坏了", want: []string{"ask_where"}},
			{text: "人工", want: []string{"human"}, events: []string{"submit"}, check: func(t *testing.T, st *State, out Output) {
				p := submitted(t, out)
				if !p.HasFlag(intake.FlagCallbackRequested) || !p.HasFlag(intake.FlagIncomplete) {
					t.Errorf("flags %v", p.Flags)
				}
			}},
		}},
		{"human alone", []step{{text: "转人工", want: []string{"human"}, events: []string{"submit"}}}},
		{"keyword inside a complaint", []step{
			{text: "物业说要取消我家的停车位", want: []string{"ask_where"}},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { play(t, machine(nil), c.steps) })
	}
}

func TestFillersNeverOpenAPetition(t *testing.T) {
	for _, text := range []string{"你好", "书记您好", "在吗", "在不在", "？", "😀", "🙏🙏", "在嗎"} {
		st := play(t, machine(nil), []step{{text: text, want: []string{"prompt"}}})
		if st.Draft != nil || len(st.Cases) != 0 {
			t.Errorf("%q opened something", text)
		}
	}
}

func TestLongMessageKeptWholeNotEchoed(t *testing.T) {
	long := "幸福小区3号楼下水道堵了，" + strings.Repeat("污水漫到路上，", 300)
	play(t, machine(nil), []step{{text: long, want: []string{"receipt"}, events: []string{"submit"},
		check: func(t *testing.T, st *State, out Output) {
			if p := submitted(t, out); p.Description != long {
				t.Error("the description must keep the whole text")
			}
			for _, r := range out.Replies {
				if len([]rune(r.Text)) > 140 {
					t.Errorf("reply echoes the message: %d chars", len([]rune(r.Text)))
				}
			}
			if n := len([]rune(st.Cases[0].Summary)); n > 13 {
				t.Errorf("summary too long: %d", n)
			}
		}}})
}

func TestFloodNoticeOnceThenSilence(t *testing.T) {
	m := machine(func(s *Settings) { s.FloodMax = 3 })
	st := &State{}
	var notices, replies int
	for i := 1; i <= 8; i++ {
		at := t0.Add(time.Duration(i) * time.Second)
		out := m.Step(st, Input{Kind: KindMessage, Now: at, Flood: int64(i),
			Message: &Message{Text: "幸福小区路灯坏了", At: at, PetitionID: "MS-20260311-0000" + string(rune('A'+i))}})
		for _, r := range out.Replies {
			replies++
			if r.Template == "flood" {
				notices++
			}
		}
	}
	if notices != 1 || replies != 4 {
		t.Errorf("want 3 answers and 1 flood notice, got %d replies, %d notices", replies, notices)
	}
}

func TestFloodSilenceCoversCoalescedAnswers(t *testing.T) {
	m := machine(func(s *Settings) { s.FloodMax, s.FloodWindow, s.CoalesceWindow = 3, 10*time.Minute, 15*time.Second })
	st := &State{}
	var got []string
	for i := 1; i <= 6; i++ {
		at := t0.Add(time.Duration(i) * time.Second)
		out := m.Step(st, Input{Kind: KindMessage, Now: at, Flood: int64(i),
			Message: &Message{Text: "路灯坏了", At: at, PetitionID: "MS-20260311-00001"}})
		got = append(got, templates(out))
	}
	out := m.Step(st, Input{Kind: KindTick, Now: t0.Add(time.Minute)})
	got = append(got, templates(out))
	if strings.Join(got, "|") != "|||flood|||" {
		t.Errorf("replies %q: one notice, then silence, also on ticks", got)
	}
	if st.Draft == nil || len(st.Draft.Texts) != 6 {
		t.Error("every message must still be recorded")
	}
	// After the window the citizen is answered again.
	out = m.Step(st, Input{Kind: KindMessage, Now: t0.Add(11 * time.Minute), Flood: 1,
		Message: &Message{Text: "在幸福小区", At: t0.Add(11 * time.Minute)}})
	out2 := m.Step(st, Input{Kind: KindTick, Now: t0.Add(12 * time.Minute)})
	if templates(out)+templates(out2) != "receipt" {
		t.Errorf("after the window: %q %q", templates(out), templates(out2))
	}
}

func TestDuplicateLinked(t *testing.T) {
	play(t, machine(nil), []step{
		{text: "幸福小区3号楼的路灯坏了一个月了", want: []string{"receipt"}, events: []string{"submit"}},
		{at: 3 * time.Hour, text: "幸福小区3号楼的路灯坏了一个多月了", want: []string{"receipt_duplicate"}, events: []string{"submit"},
			check: func(t *testing.T, st *State, out Output) {
				p := submitted(t, out)
				if p.DuplicateOf != st.Cases[0].ID || !strings.Contains(out.Replies[0].Text, st.Cases[0].ID) {
					t.Errorf("duplicate_of %q, reply %q", p.DuplicateOf, out.Replies[0].Text)
				}
			}},
	})
}

func TestFlushSubmitsTheOpenDraft(t *testing.T) {
	play(t, machine(nil), []step{
		{text: "路灯坏了", want: []string{"ask_where"}},
		{kind: KindFlush, want: []string{"receipt_incomplete"}, events: []string{"submit"}},
		{kind: KindFlush},
	})
}

func TestAskNameAndCategory(t *testing.T) {
	m := machine(func(s *Settings) {
		s.AskName, s.AskCategory = true, true
		s.Categories = []CategoryInfo{{Code: "urban", Name: "城乡建设"}, {Code: "transport", Name: "交通运输"}}
	})
	play(t, m, []step{
		{text: "人民路公交站牌倒了", want: []string{"ask_name"}},
		{text: "匿名", want: []string{"ask_category"}},
		{text: "2", want: []string{"receipt"}, events: []string{"submit"}, check: func(t *testing.T, st *State, out Output) {
			p := submitted(t, out)
			if !p.Citizen.Anonymous || p.Category.Code != "transport" || strings.Contains(p.Description, "匿名") {
				t.Errorf("petition %+v", p)
			}
		}},
	})
}

func TestOptOutInput(t *testing.T) {
	st := &State{}
	machine(nil).Step(st, Input{Kind: KindOptOut, Now: t0})
	if !st.OptedOut {
		t.Error("opt-out not recorded")
	}
}

// After a receipt, a question that needs no place and is of another kind
// is a new appeal, not an addition to the street light; a follow-up that
// is somewhere but says no place is an addition.
func TestPolicyQuestionAfterAReceiptIsANewMatter(t *testing.T) {
	m := machine(func(s *Settings) {
		s.Categorize = func(text string) intake.Category {
			if strings.Contains(text, "养老") {
				return intake.Category{Code: "labour", Confidence: 0.9}
			}
			return intake.Category{Code: "urban", Confidence: 0.9}
		}
	})
	play(t, m, []step{
		{at: 0, text: "幸福小区3号楼门口的路灯坏了一个月了", want: []string{"receipt"}, events: []string{"submit"}},
		{at: time.Minute, text: "旁边的井盖也丢了", want: []string{"supplement_urgent"}, events: []string{"supplement"}},
		{at: 2 * time.Minute, text: "我想咨询一下养老保险补缴的政策", want: []string{"receipt"}, events: []string{"submit"}},
	})
}

// A suggested category less sure than MinCategoryConfidence flags the
// petition category_uncertain, with the real embedded model: a clear
// complaint is not flagged, a vague one is; 0 flags nothing.
func TestMinCategoryConfidenceFlagsUncertainCategory(t *testing.T) {
	categorize := classify.NewCategorizer(classify.Default(), nil).Categorize
	for _, tc := range []struct {
		min  float64
		text string
		want bool
	}{
		{0.5, "幸福小区3号楼门口的路灯坏了一个月了，晚上很黑", false},
		{0.5, "人民路的店铺老板骂人", true},
		{0, "人民路的店铺老板骂人", false},
	} {
		m := machine(func(s *Settings) { s.Categorize, s.MinCategoryConfidence = categorize, tc.min })
		play(t, m, []step{{text: tc.text, want: []string{"receipt"}, events: []string{"submit"},
			check: func(t *testing.T, st *State, out Output) {
				p := submitted(t, out)
				if got := p.HasFlag(intake.FlagCategoryUncertain); got != tc.want {
					t.Errorf("min %.1f, %q (category %+v): flagged %v, want %v", tc.min, tc.text, p.Category, got, tc.want)
				}
			}}})
	}
}
