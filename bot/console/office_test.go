package console

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/minsheng/minsheng/bot"
	"github.com/minsheng/minsheng/dialog"
	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/outbox"
)

func TestParseCommand(t *testing.T) {
	for _, tc := range []struct {
		line string
		ok   bool
		want command
	}{
		{"/交办", true, command{word: "/交办", verb: verbAssign}},
		{"/办结 路灯已修好", true, command{word: "/办结", verb: verbResolve, arg: "路灯已修好"}},
		{"/办结 ms-20261122-vwsk4 路灯 已修好", true, command{word: "/办结", verb: verbResolve, id: "MS-20261122-VWSK4", arg: "路灯 已修好"}},
		{"  ／交办\u3000区住建局 ", true, command{word: "/交办", verb: verbAssign, arg: "区住建局"}}, // full-width slash and space
		{"/Resolve", true, command{word: "/Resolve", verb: verbResolve}},
		{"/help", true, command{word: "/help", verb: verbHelp}},
		{"/帮助", true, command{word: "/帮助", verb: verbHelp}},
		{"/查询 MS-20261122-VWSK4", true, command{word: "/查询", id: "MS-20261122-VWSK4"}},
		{"/", true, command{word: "/"}},
		{"路灯/坏了", false, command{}},
		{"查询", false, command{}},
	} {
		got, ok := parseCommand(tc.line)
		if ok != tc.ok || got != tc.want {
			t.Errorf("parseCommand(%q) = %+v, %v; want %+v, %v", tc.line, got, ok, tc.want, tc.ok)
		}
	}
}

// fakePipeline is one delivered case whose status messages quiet hours
// hold: Status queues nothing and the state holds the message.
type fakePipeline struct {
	state    dialog.State
	statuses []intake.StatusEvent
}

func (f *fakePipeline) Handle(context.Context, bot.Inbound) (bot.Result, error) {
	return bot.Result{}, nil
}
func (f *fakePipeline) OptOut(context.Context, string) error                { return nil }
func (f *fakePipeline) Flush(context.Context, string) (bot.Result, error)   { return bot.Result{}, nil }
func (f *fakePipeline) State(context.Context, string) (dialog.State, error) { return f.state, nil }
func (f *fakePipeline) Status(_ context.Context, d outbox.Delivered, ev intake.StatusEvent) (bot.Result, error) {
	f.statuses = append(f.statuses, ev)
	f.state.Held = append(f.state.Held, dialog.Held{Template: "survey", Case: d.PetitionID})
	return bot.Result{Processed: true}, nil
}

type fakeCases map[string]outbox.Delivered

func (f fakeCases) Lookup(_ context.Context, caseID string) (outbox.Delivered, bool, error) {
	d, ok := f[caseID]
	return d, ok, nil
}

// A status that sends nothing says why (here: quiet hours hold it) rather
// than leaving the terminal silent; with --json the console's own lines go
// to Notes, never among the replies.
func TestAHeldStatusIsNotedAndJSONKeepsNotesApart(t *testing.T) {
	const id = "MS-20261122-VWSK4"
	at := time.Date(2026, 11, 22, 23, 0, 0, 0, time.UTC)
	for _, asJSON := range []bool{false, true} {
		p := &fakePipeline{state: dialog.State{Cases: []dialog.Case{{ID: id, CaseID: id, Category: "urban"}}}}
		var out, notes bytes.Buffer
		c := New(p, &out, Options{From: "+8613800138000", JSON: asJSON, Notes: &notes, Now: func() time.Time { return at },
			Cases: fakeCases{id: {PetitionID: id, CaseID: id}}, Unit: func(string) string { return "市住建局" }})
		if err := c.Run(context.Background(), strings.NewReader("/办结 路灯已修好\n")); err != nil {
			t.Fatal(err)
		}
		if len(p.statuses) != 1 || p.statuses[0] != (intake.StatusEvent{CaseID: id, Status: intake.StatusResolved, Note: "路灯已修好", At: at}) {
			t.Errorf("status events %+v", p.statuses)
		}
		printed, noted := out.String(), notes.String()
		if asJSON {
			printed, noted = noted, printed
		}
		if noted != "" || !strings.Contains(printed, "已办结 "+id+"：路灯已修好") || !strings.Contains(printed, "免打扰时段") {
			t.Errorf("json %v: out %q, notes %q", asJSON, out.String(), notes.String())
		}
	}
}

// With a prompt, each line is asked for; a reply that comes while the
// prompt waits gets a line of its own and the prompt is shown again; at
// the end of input the last prompt's line is ended.
func TestPromptAroundReplies(t *testing.T) {
	var out bytes.Buffer
	c := New(&fakePipeline{}, &out, Options{From: "+8613800138000", Prompt: "你> "})
	if err := c.Run(context.Background(), strings.NewReader("/帮助\n")); err != nil {
		t.Fatal(err)
	}
	want := "你> 办理> " + help[0] + "\n"
	if got := out.String(); !strings.HasPrefix(got, want) || !strings.HasSuffix(got, "\n你> \n") {
		t.Errorf("got %q", got)
	}
	out.Reset()
	c.showPrompt()
	if err := c.Send(context.Background(), bot.Outbound{Text: "诉求已办结"}); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "你> \n民声> 诉求已办结\n你> " {
		t.Errorf("a reply while the prompt waits: %q", got)
	}
}
