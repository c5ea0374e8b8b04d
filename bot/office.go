package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/minsheng/minsheng/bot/officials"
	"github.com/minsheng/minsheng/dialog"
	"github.com/minsheng/minsheng/intake/workday"
)

// newOffice builds the officials' side from the configuration (nil when no
// official is configured).
func newOffice(rt *Runtime, cal *workday.Calendar) *officials.Office {
	cfg := rt.Config
	if len(cfg.Officials) == 0 {
		return nil
	}
	var list []officials.Official
	for _, o := range cfg.Officials {
		hours, err := workday.ParseHours(o.Schedule.Days, o.Schedule.From, o.Schedule.To)
		if err != nil {
			rt.Log.Warn("official's schedule does not parse; using Monday to Friday 08:00–18:00", "official", o.Number, "err", err)
			hours = workday.DefaultHours
		}
		list = append(list, officials.Official{Number: o.Number, Name: o.Name, Title: o.Title, ForwardTo: o.ForwardTo,
			TelegramUser: o.TelegramUser, StaffChat: o.StaffChat, Hours: hours})
	}
	return officials.New(rt.Store.Redis, rt.Store.Prefix, officials.Options{
		Officials: list, Calendar: cal, RemindAfter: cfg.Callbacks.RemindAfter, Notifier: officeNotifier{rt}, Now: rt.now, Logger: rt.Log,
		Done: rt.countCallbackDone, // the office's figures (bot/report.go)
	})
}

// awayOf is the pipeline's view of an official's availability.
func awayOf(office *officials.Office) func(number string, busy []byte, now time.Time) *dialog.Away {
	return func(number string, busy []byte, now time.Time) *dialog.Away {
		st := office.StateOf(number, busy, now)
		off, ok := office.Lookup(number)
		if !ok || st.State == officials.Available {
			return nil
		}
		return &dialog.Away{Kind: st.State, Period: st.Period, Until: st.Until, Reason: st.Reason, Number: number, Who: off.Who()}
	}
}

// officeNotifier sends officials their lists through the send queue: to
// their Telegram chat and office chat when Telegram is on, else by SMS to
// their own phone.
type officeNotifier struct{ rt *Runtime }

func (n officeNotifier) Notify(ctx context.Context, off *officials.Official, l officials.List) error {
	var actions []Action
	for _, b := range l.Actions {
		actions = append(actions, Action{Label: b.Label, Data: b.Data})
	}
	var out []Outbound
	chats := []int64{off.TelegramUser, off.StaffChat}
	if l.ToOffice && off.StaffChat != 0 {
		chats = []int64{off.StaffChat}
	}
	if n.rt.SendQueue.Has(ChannelTelegram) {
		for _, chat := range chats {
			if chat != 0 {
				to := strconv.FormatInt(chat, 10)
				out = append(out, Outbound{Key: l.Key + ":" + to, Channel: ChannelTelegram, To: to, Text: l.Text, Actions: actions, Template: l.Template, Vars: l.Vars})
			}
		}
	}
	if len(out) == 0 && off.ForwardTo != "" && n.rt.SendQueue.Has(ChannelSMS) {
		out = append(out, Outbound{Key: l.Key + ":sms", Channel: ChannelSMS, To: off.ForwardTo, From: off.Number, Text: l.Text, Template: l.Template, Vars: l.Vars})
	}
	if len(out) == 0 {
		n.rt.Log.Warn("a message to an official's office has nowhere to go: set the official's telegram_user, staff_chat or forward_to",
			"official", off.Number, "items", len(l.Items))
	}
	var errs []error
	for _, m := range out {
		if err := n.rt.SendQueue.Enqueue(ctx, m); err != nil {
			errs = append(errs, fmt.Errorf("queue %s for %s: %w", l.Key, m.Channel, err))
		}
	}
	return errors.Join(errs...)
}

// officeChannels is what channels may ask of the officials (bot.Officials).
type officeChannels struct {
	office *officials.Office
	log    *slog.Logger
}

func (o officeChannels) Availability(ctx context.Context, number string) (Availability, error) {
	off, ok := o.office.Lookup(number)
	if !ok {
		return Availability{}, nil
	}
	st, err := o.office.State(ctx, number)
	if err != nil {
		return Availability{}, err
	}
	return Availability{Known: true, State: st.State, Until: st.Until, Reason: st.Reason, ForwardTo: off.ForwardTo}, nil
}

func (o officeChannels) Command(ctx context.Context, c Command) (Answer, bool, error) {
	a, ok := actor(c)
	if !ok {
		return Answer{}, false, nil
	}
	text, buttons, mine, err := o.office.Command(ctx, a, c.Text)
	if !mine || err != nil {
		return Answer{}, mine, err
	}
	ans := Answer{Text: text}
	for _, b := range buttons {
		ans.Actions = append(ans.Actions, Action{Label: b.Label, Data: b.Data})
	}
	return ans, true, nil
}

func (o officeChannels) Press(ctx context.Context, c Command) (string, error) {
	a, ok := actor(c)
	if !ok {
		return "", errors.New("officials: a press from a chat that is not Telegram")
	}
	return o.office.Press(ctx, a, c.Text)
}

// actor reads a command's sender: officials are known by their Telegram
// account and office chat.
func actor(c Command) (officials.Actor, bool) {
	if c.Channel != ChannelTelegram && c.Channel != "telegram_group" {
		return officials.Actor{}, false
	}
	user, err1 := strconv.ParseInt(c.User, 10, 64)
	chat, err2 := strconv.ParseInt(c.Chat, 10, 64)
	return officials.Actor{User: user, Chat: chat, Name: c.Name}, err1 == nil && err2 == nil
}
