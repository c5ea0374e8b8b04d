// Package console is the terminal channel behind `minsheng chat`: one input
// line is one message from a citizen, through the same pipeline as SMS; the
// bot's replies are printed before the next line is read.
package console

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/minsheng/minsheng/bot"
	"github.com/minsheng/minsheng/dialog"
	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/outbox"
)

// Options of a console session.
type Options struct {
	From string // the citizen's number
	To   string // the published number written to
	JSON bool   // one {"to","text"} object per reply instead of plain text
	// Wait bounds how long to wait for the replies to one line, and for a
	// petition to reach the backend before an office command (default 10s).
	Wait time.Duration
	Now  func() time.Time
	// Cases is the case map (the outbox's), where the office's commands
	// find a case as a backend's status event does; nil turns them off.
	Cases bot.CaseLookup
	// Unit names the unit a category's cases go to (/交办 without one).
	Unit func(category string) string
	// Notes takes the console's own lines in JSON mode (what an office
	// command did, hints), so that out holds replies only; nil drops them.
	// In plain mode they go to out, as "办理> …".
	Notes io.Writer
	// Prompt is printed before each line is read ("" = none): chat sets
	// it when a person types at a terminal.
	Prompt string
}

// Intake is what the console needs of the runtime's pipeline: the
// channels' intake, a way to submit what the citizen left open when the
// input ends, and for the office's commands the conversation's cases and
// the path of a backend's status event.
type Intake interface {
	bot.Intake
	Flush(ctx context.Context, conversation string) (bot.Result, error)
	State(ctx context.Context, conversation string) (dialog.State, error)
	Status(ctx context.Context, d outbox.Delivered, ev intake.StatusEvent) (bot.Result, error)
}

// Console is one terminal session. It is a bot.Channel (its own sender,
// no HTTP routes).
type Console struct {
	p       Intake
	out     io.Writer
	opt     Options
	mu      sync.Mutex
	prompt  bool          // the prompt is shown and the line not yet read
	printed chan struct{} // one token per reply printed
	session string
}

// New builds a console session writing replies to out.
func New(p Intake, out io.Writer, opt Options) *Console {
	if opt.Wait <= 0 {
		opt.Wait = 10 * time.Second
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &Console{p: p, out: out, opt: opt, printed: make(chan struct{}, 1024),
		session: strconv.FormatInt(time.Now().UnixNano(), 36)}
}

var _ bot.Channel = (*Console)(nil)

// Name is bot.ChannelConsole.
func (c *Console) Name() string { return bot.ChannelConsole }

// Sender is the console itself.
func (c *Console) Sender() bot.Sender { return c }

// Routes: none.
func (c *Console) Routes() []bot.Route { return nil }

// Conversation is the session's conversation key.
func (c *Console) Conversation() string { return bot.ConversationKey(bot.ChannelConsole, c.opt.From) }

// Send prints one reply; it is the console channel's bot.Sender.
func (c *Console) Send(_ context.Context, m bot.Outbound) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.clearPrompt()
	defer c.showPromptAgain()
	var err error
	if c.opt.JSON {
		err = json.NewEncoder(c.out).Encode(struct {
			To   string `json:"to"`
			Text string `json:"text"`
		}{m.To, m.Text})
	} else {
		_, err = fmt.Fprintf(c.out, "民声> %s\n", strings.ReplaceAll(m.Text, "\n", "\n       "))
	}
	if err != nil {
		return fmt.Errorf("print reply: %w", err)
	}
	select {
	case c.printed <- struct{}{}:
	default:
	}
	return nil
}

// showPrompt prints the prompt before a line is read.
func (c *Console) showPrompt() {
	if c.opt.Prompt == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	fmt.Fprint(c.out, c.opt.Prompt)
	c.prompt = true
}

// lineRead notes that the prompt was answered (the terminal moved to the
// next line with the typed newline); at the end of input, when it was
// not, the line is ended here so the shell starts on its own.
func (c *Console) lineRead(eof bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if eof && c.prompt {
		fmt.Fprintln(c.out)
	}
	c.prompt = false
}

// clearPrompt moves a reply that comes while the prompt waits (a timer's,
// a held message) to a line of its own. Call with mu held.
func (c *Console) clearPrompt() {
	if c.prompt {
		fmt.Fprintln(c.out)
	}
}

// showPromptAgain prints the prompt again after such a reply. Call with mu
// held.
func (c *Console) showPromptAgain() {
	if c.prompt {
		fmt.Fprint(c.out, c.opt.Prompt)
	}
}

// note prints the console's own lines: to out in plain mode, to Notes in
// JSON mode.
func (c *Console) note(lines ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, l := range lines {
		if c.opt.JSON {
			if c.opt.Notes != nil {
				fmt.Fprintln(c.opt.Notes, l)
			}
			continue
		}
		fmt.Fprintf(c.out, "办理> %s\n", l)
	}
}

// Run reads lines until EOF or ctx ends. Empty lines are ignored; a line
// starting with "/" is an office command (office.go), never a citizen's
// message. At EOF whatever the citizen left open is submitted, so nothing
// typed is lost.
func (c *Console) Run(ctx context.Context, in io.Reader) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	n := 0
	for {
		c.showPrompt()
		more := sc.Scan()
		c.lineRead(!more)
		if !more {
			break
		}
		if ctx.Err() != nil {
			return nil
		}
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			continue
		}
		if cmd, ok := parseCommand(line); ok {
			if err := c.office(ctx, cmd); err != nil {
				return err
			}
			continue
		}
		n++
		res, err := c.p.Handle(ctx, bot.Inbound{
			Channel: bot.ChannelConsole, Conversation: c.Conversation(),
			Reply: bot.Address{Channel: bot.ChannelConsole, To: c.opt.From, From: c.opt.To}, To: c.opt.To,
			Citizen: intake.Citizen{Phone: c.opt.From}, Text: line,
			ProviderID: c.session + "-" + strconv.Itoa(n), At: c.opt.Now(),
		})
		if err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
		c.await(ctx, res.Replies)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read input: %w", err)
	}
	res, err := c.p.Flush(ctx, c.Conversation())
	if err != nil {
		return fmt.Errorf("submit open draft: %w", err)
	}
	c.await(ctx, res.Replies)
	return nil
}

// await waits until n replies were printed (or Wait passed).
func (c *Console) await(ctx context.Context, n int) {
	deadline := time.NewTimer(c.opt.Wait)
	defer deadline.Stop()
	for i := 0; i < n; i++ {
		select {
		case <-c.printed:
		case <-deadline.C:
			return
		case <-ctx.Done():
			return
		}
	}
}
