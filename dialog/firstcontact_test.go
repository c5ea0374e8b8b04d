package dialog

import (
	"strings"
	"testing"
	"time"

	"github.com/minsheng/minsheng/intake"
)

// Danger now: the number to call and the case id in the first reply, at
// once, even inside a coalescing window and without a place; the petition
// is urgent, flagged emergency (and incomplete: staff call back), and the
// office gets an urgent item naming what the citizen was told.
func TestDangerNowGetsTheNumberFirst(t *testing.T) {
	m := machine(func(s *Settings) { s.CoalesceWindow = 15 * time.Second })
	for _, tt := range []struct{ text, call string }{
		{"我闻到楼道里有很大的煤气味，怕是漏气了，城南花园7栋2单元", "119"},
		{"着火了，快来人", "119"},
		{"我爸叫不醒了，屋里烧着炭盆", "120"},
		{"有人拿刀在菜市场砍人", "110"},
	} {
		st := &State{}
		out := m.Step(st, Input{Kind: KindMessage, Now: t0, Official: Official{Number: "+8613800000001"},
			Message: &Message{Channel: "sms", Citizen: intake.Citizen{Phone: "+8613912345678"}, Text: tt.text, At: t0, PetitionID: "MS-20260311-0000E"}})
		if templates(out) != "receipt_emergency" || !strings.Contains(out.Replies[0].Text, "拨打"+tt.call) ||
			!strings.Contains(out.Replies[0].Text, "MS-20260311-0000E") || Segments(out.Replies[0].Text) != 1 {
			t.Fatalf("%q: %+v", tt.text, out.Replies)
		}
		p := submitted(t, out)
		if p.Urgency != intake.UrgencyUrgent || !p.HasFlag(intake.FlagEmergency) {
			t.Errorf("%q: urgency %s, flags %v", tt.text, p.Urgency, p.Flags)
		}
		var alert *intake.Callback
		for _, cb := range callbacks(out) {
			if cb.Reason == intake.CallbackUrgent {
				alert = cb
			}
		}
		if alert == nil || alert.Emergency != tt.call || alert.PetitionID != p.ID || alert.Official != "+8613800000001" {
			t.Errorf("%q: urgent item %+v", tt.text, alert)
		}
	}
	// Told as a hazard, supposed, denied or past: the routine receipt.
	for _, text := range []string{"楼道堆满杂物，存在火灾隐患", "去年着火以后一直没人管", "没有着火，只是烟味", "担心煤气泄漏"} {
		out := play(t, machine(nil), []step{{text: "幸福小区3号楼" + text, want: []string{"receipt"}, events: []string{"submit"}}})
		_ = out
	}
}

// After a receipt: a second matter elsewhere is its own petition with its
// own urgency; the same matter stays a supplement; danger in a supplement
// makes the petition urgent once; a greeting, a question mark or noise is
// answered with the case id.
func TestAfterTheReceipt(t *testing.T) {
	first := step{text: "人民路8号门口的人行道坏了好几块砖", want: []string{"receipt"}, events: []string{"submit"}}
	t.Run("another place", func(t *testing.T) {
		play(t, machine(nil), []step{first,
			{at: time.Minute, text: "还有，建设路菜市场旁边的下水道井盖丢了，晚上看不见很危险", want: []string{"receipt_urgent"}, events: []string{"submit"},
				check: func(t *testing.T, st *State, out Output) {
					if p := submitted(t, out); p.Urgency != intake.UrgencyUrgent || !strings.Contains(p.Location.Text, "建设路") {
						t.Errorf("second petition %+v", p)
					}
				}},
		})
	})
	t.Run("same matter", func(t *testing.T) {
		play(t, machine(nil), []step{first,
			{at: time.Minute, text: "已经一个星期了，老人走路容易绊倒", want: []string{"supplement"}, events: []string{"supplement"}},
			{at: 2 * time.Minute, text: "旁边的井盖也丢了", want: []string{"supplement_urgent"}, events: []string{"supplement"},
				check: func(t *testing.T, st *State, out Output) {
					if s := out.Events[0].Supplement; s.Urgency != intake.UrgencyUrgent || len(callbacks(out)) != 1 {
						t.Errorf("supplement %+v, callbacks %+v", s, callbacks(out))
					}
				}},
			{at: 3 * time.Minute, text: "那个井盖边上还有个坑", want: []string{"supplement"}, events: []string{"supplement"}},
		})
	})
	t.Run("answered", func(t *testing.T) {
		for _, text := range []string{"在吗", "？", "哈哈哈哈哈", "🙏🙏", "谢谢", "asdf", "怎么样了？有人管吗"} {
			play(t, machine(nil), []step{first,
				{at: time.Minute, text: text, want: []string{"after_receipt"}, events: []string{"supplement"},
					check: func(t *testing.T, st *State, out Output) {
						if !strings.Contains(out.Replies[0].Text, st.Cases[0].ID) {
							t.Errorf("%q answered %q", text, out.Replies[0].Text)
						}
					}},
			})
		}
	})
}

// Noise opens nothing and is counted; the prompt says what to send.
func TestNoiseOpensNothing(t *testing.T) {
	for _, text := range []string{"asdfghjkl", "123456", "asdf jkl qwer"} {
		play(t, machine(nil), []step{{text: text, want: []string{"prompt_unclear"},
			check: func(t *testing.T, st *State, out Output) {
				if out.NoMatter != 1 || st.Draft != nil || len(st.Preamble) != 1 {
					t.Errorf("%q: counted %d, draft %v, kept %d", text, out.NoMatter, st.Draft != nil, len(st.Preamble))
				}
			}}})
	}
	// Pinyin (an old phone without Chinese input) and a bare phone number
	// are not noise: the one is filed, the other asks what.
	play(t, machine(nil), []step{{text: "lu deng huai le", want: []string{"receipt"}, events: []string{"submit"}}})
	play(t, machine(nil), []step{{text: "13912345678", want: []string{"ask_what"}}})
}

// The place in the citizen's own words answers "where"; "不知道" is asked
// again; a place-bound nuisance without a place is asked.
func TestThePlaceInTheirOwnWords(t *testing.T) {
	play(t, machine(nil), []step{
		{text: "马路上有个大坑，骑车的都摔了", want: []string{"ask_where"}},
		{at: time.Minute, text: "不知道叫什么路，就在菜市场后面", want: []string{"receipt"}, events: []string{"submit"},
			check: func(t *testing.T, st *State, out Output) {
				if p := submitted(t, out); p.Location.Text != "菜市场后面" || p.HasFlag(intake.FlagIncomplete) {
					t.Errorf("location %q, flags %v", p.Location.Text, p.Flags)
				}
			}},
	})
	play(t, machine(nil), []step{
		{text: "楼下烧烤店每天晚上吵到半夜两点", want: []string{"ask_where"}},
		{at: time.Minute, text: "说不清楚", want: []string{"ask_where"}},
		{at: 2 * time.Minute, text: "三中旁边那条巷子", want: []string{"receipt"}, events: []string{"submit"}},
	})
}
