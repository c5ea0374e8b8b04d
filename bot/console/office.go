package console

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/minsheng/minsheng/dialog"
	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/outbox"
)

// The office's commands: a line starting with "/" plays the case backend
// on the citizen's latest petition (or the one named), so the whole loop —
// appeal, status, survey, rating — can be tried at a terminal. They go the
// way a backend's status event goes (bot.Events: the outbox's case map,
// then the pipeline's Status), so what is printed is what a citizen gets.
// They are never a citizen's message.

// Verbs of the office's commands.
const (
	verbAssign  = "assign"
	verbResolve = "resolve"
	verbHelp    = "help"
)

// verbs maps what may be typed to a verb; English words in any case.
var verbs = map[string]string{
	"交办": verbAssign, "assign": verbAssign,
	"办结": verbResolve, "resolve": verbResolve,
	"帮助": verbHelp, "help": verbHelp,
}

// defaultUnit is who an assigned case goes to when neither the command nor
// the category's configuration names a unit.
const defaultUnit = "承办单位"

// help is what /帮助 prints, one note a line.
var help = []string{
	"办理命令（扮演承办单位，作用于最近一件诉求；可先写编号 MS-…）：",
	"  /交办 [单位]  交办，默认该类别的承办单位（/assign）",
	"  /办结 [说明]  办结，并发满意度回访（/resolve）",
	"  /帮助         本说明（/help）",
}

// command is one office command line.
type command struct {
	word string // as typed, with its slash: "/交办"
	verb string // "" when unknown
	id   string // the petition named, "" = the latest
	arg  string // the unit (assign) or the note (resolve)
}

// parseCommand reads a line starting with "/" (or a full-width "／", as a
// Chinese keyboard types it); ok is false for any other line.
func parseCommand(line string) (command, bool) {
	line = strings.TrimSpace(line)
	rest, ok := strings.CutPrefix(line, "/")
	if !ok {
		if rest, ok = strings.CutPrefix(line, "／"); !ok {
			return command{}, false
		}
	}
	name, args := cutSpace(rest)
	cmd := command{word: "/" + name, verb: verbs[strings.ToLower(name)]}
	if first, more := cutSpace(args); strings.HasPrefix(strings.ToUpper(first), "MS-") {
		cmd.id, args = strings.ToUpper(first), more
	}
	cmd.arg = args
	return cmd, true
}

// cutSpace splits s at its first space (a full-width one too), trimmed.
func cutSpace(s string) (head, tail string) {
	s = strings.TrimSpace(s)
	i := strings.IndexFunc(s, unicode.IsSpace)
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimSpace(s[i:])
}

// office runs one command. A problem with it (no petition yet, an unknown
// id) is a note and the session goes on; an error is the store failing.
func (c *Console) office(ctx context.Context, cmd command) error {
	switch cmd.verb {
	case verbHelp:
		c.note(help...)
		return nil
	case "":
		c.note(fmt.Sprintf("未知命令 %s：输入 /帮助 查看办理命令", cmd.word))
		return nil
	}
	if c.opt.Cases == nil {
		c.note("办理命令不可用：没有案件记录")
		return nil
	}
	d, cs, problem, err := c.target(ctx, cmd.id)
	if problem != "" {
		c.note(problem)
	}
	if err != nil || problem != "" {
		return err
	}
	ev := intake.StatusEvent{CaseID: d.CaseID, Status: intake.StatusResolved, Note: cmd.arg, At: c.opt.Now()}
	done := "已办结 " + d.PetitionID
	if cmd.verb == verbAssign {
		ev.Status, ev.Note, ev.Unit = intake.StatusAssigned, "", c.unit(cmd.arg, cs.Category)
		done = "已交办 " + d.PetitionID + "：" + ev.Unit
	} else if ev.Note != "" {
		done += "：" + ev.Note
	}
	c.note(done)
	res, err := c.p.Status(ctx, d, ev)
	if err != nil {
		return fmt.Errorf("%s %s: %w", cmd.word, d.PetitionID, err)
	}
	c.await(ctx, res.Replies)
	if res.Processed && res.Replies == 0 {
		return c.noteSilence(ctx, d.PetitionID, ev.Status)
	}
	return nil
}

// unit is who an assigned case goes to: the one typed, else the unit the
// category's configuration names, else defaultUnit.
func (c *Console) unit(typed, category string) string {
	if typed != "" {
		return typed
	}
	if c.opt.Unit != nil {
		if u := c.opt.Unit(category); u != "" {
			return u
		}
	}
	return defaultUnit
}

// target finds the case a command acts on, as the outbox recorded it: the
// petition named, or the citizen's latest. A status can only come for a
// case the backend took, so it waits (up to Wait) for the outbox to
// deliver a petition just submitted. problem is a note for the operator.
func (c *Console) target(ctx context.Context, id string) (d outbox.Delivered, cs dialog.Case, problem string, err error) {
	st, err := c.p.State(ctx, c.Conversation())
	if err != nil {
		return d, cs, "", err
	}
	cs, found := pick(st, id)
	if !found && id == "" {
		return d, cs, "还没有已提交的诉求：先发一条诉求", nil
	}
	caseID := id // one this conversation does not know: looked up as a case id (the file backend's are petition ids)
	if found {
		if cs, err = c.awaitDelivery(ctx, cs); err != nil {
			return d, cs, "", err
		}
		if cs.CaseID == "" {
			return d, cs, "诉求" + cs.ID + "还未送到承办系统，请稍后再试", nil
		}
		caseID = cs.CaseID
	}
	d, ok, err := c.opt.Cases.Lookup(ctx, caseID)
	if err == nil && !ok {
		return d, cs, "找不到诉求 " + caseID, nil
	}
	return d, cs, "", err
}

// pick is the case named by id (petition or case id), or the latest.
func pick(st dialog.State, id string) (dialog.Case, bool) {
	if id == "" && len(st.Cases) > 0 {
		return st.Cases[len(st.Cases)-1], true
	}
	for _, cs := range st.Cases {
		if id != "" && (cs.ID == id || cs.CaseID == id) {
			return cs, true
		}
	}
	return dialog.Case{}, false
}

// awaitDelivery reads the case again until the backend's case id is known
// (the outbox delivers in the background) or Wait passes.
func (c *Console) awaitDelivery(ctx context.Context, cs dialog.Case) (dialog.Case, error) {
	deadline := time.Now().Add(c.opt.Wait)
	for cs.CaseID == "" && time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return cs, nil
		case <-time.After(20 * time.Millisecond):
		}
		st, err := c.p.State(ctx, c.Conversation())
		if err != nil {
			return cs, err
		}
		if again, ok := pick(st, cs.ID); ok {
			cs = again
		}
	}
	return cs, nil
}

// noteSilence says why a status sent the citizen nothing, which at a
// terminal would look like a bug: quiet hours hold it, the citizen opted
// out, or the office does not tell this status (notify.statuses).
func (c *Console) noteSilence(ctx context.Context, petition, status string) error {
	st, err := c.p.State(ctx, c.Conversation())
	if err != nil {
		return err
	}
	for _, h := range st.Held {
		if h.Case == petition {
			c.note("免打扰时段（quiet_hours）：消息在时段结束后发出")
			return nil
		}
	}
	if st.OptedOut {
		c.note("市民已退订（退订），不发状态消息")
		return nil
	}
	c.note("notify.statuses 不含 " + status + "：不告诉市民")
	return nil
}
