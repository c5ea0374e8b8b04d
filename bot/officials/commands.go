package officials

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/minsheng/minsheng/intake/textnorm"
)

// Actor is who sent an official's command: their chat account, in a chat
// (their private chat with the bot, or their office chat).
type Actor struct {
	User, Chat int64
	Name       string
}

// official finds whose command it is: the official themself, or anyone in
// their office chat.
func (o *Office) official(a Actor) (*Official, bool) {
	for _, off := range o.list {
		if (off.TelegramUser != 0 && a.User == off.TelegramUser && (a.Chat == a.User || a.Chat == off.StaffChat || a.Chat == 0)) ||
			(off.StaffChat != 0 && a.Chat == off.StaffChat) {
			return off, true
		}
	}
	return nil, false
}

// Command runs an official's command and returns the answer: /busy 2h,
// /busy 16:30 开会, /busy (12 hours), /free, /status, /callbacks. ok is
// false when the sender is no official's, or the text no command of theirs.
func (o *Office) Command(ctx context.Context, a Actor, text string) (answer string, buttons []Button, ok bool, err error) {
	off, mine := o.official(a)
	if !mine {
		return "", nil, false, nil
	}
	cmd, args := splitCommand(text)
	now := o.now()
	switch cmd {
	case "busy":
		until, reason, perr := ParseBusy(args, now.In(o.loc()))
		if perr != nil {
			return "用法：/busy 2h 开会，或 /busy 16:30 开会（不写时间为12小时）。" + perr.Error(), nil, true, nil
		}
		st, err := o.SetBusy(ctx, off.Number, until, reason)
		if err != nil {
			return "", nil, true, err
		}
		return fmt.Sprintf("已设为忙碌至%s%s。来信群众将收到会后联系的自动回复。", st.Until.In(o.loc()).Format("01-02 15:04"), withReason(st.Reason)), nil, true, nil
	case "free":
		// The list of who wrote meanwhile follows as its own message.
		if _, err := o.SetAvailable(ctx, off.Number); err != nil {
			return "", nil, true, err
		}
		return "已恢复为可联系。", nil, true, nil
	case "status":
		st, err := o.State(ctx, off.Number)
		if err != nil {
			return "", nil, true, err
		}
		items, err := o.Items(ctx, off.Number, true, "")
		if err != nil {
			return "", nil, true, err
		}
		return fmt.Sprintf("%s：%s。未回电%d人。", off.Who(), describe(st, o.loc()), len(items)), nil, true, nil
	case "callbacks":
		items, err := o.Items(ctx, off.Number, true, "")
		if err != nil {
			return "", nil, true, err
		}
		if len(items) == 0 {
			return "没有待回电的群众。", nil, true, nil
		}
		l := o.render(off, items, "callbacks", now)
		return l.Text, l.Actions, true, nil
	}
	return "", nil, false, nil
}

// Press marks the item of a 已回电 button done, by whom pressed; only the
// official and their office may.
func (o *Office) Press(ctx context.Context, a Actor, data string) (string, error) {
	number, id, ok := ParsePress(data)
	if !ok {
		return "", fmt.Errorf("%w: button %q", ErrBadRequest, data)
	}
	off, mine := o.official(a)
	if !mine || off.Number != number {
		return "仅本人或其办公室可标记回电", nil
	}
	it, err := o.MarkDone(ctx, number, id, a.Name)
	if errors.Is(err, ErrNoItem) {
		return "该条已不在清单上", nil
	}
	if err != nil {
		return "", err
	}
	who := it.Name
	if who == "" {
		who = mask(it.Phone)
	}
	return "已标记回电：" + who, nil
}

// ParseBusy reads /busy's arguments at now (local time): a duration ("2h",
// "90m", "1h30m", "2小时", "30分钟") or a clock time ("16:30", tomorrow if
// passed today), then an optional reason. No time: zero (the 12-hour cap).
func ParseBusy(args string, now time.Time) (until time.Time, reason string, err error) {
	fields := strings.Fields(textnorm.Fold(args))
	if len(fields) == 0 {
		return time.Time{}, "", nil
	}
	first := fields[0]
	rest := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(args), strings.Fields(args)[0]))
	if d, ok := parseDuration(first); ok {
		if d <= 0 || d > 7*24*time.Hour {
			return time.Time{}, "", errors.New("时长应在一周以内")
		}
		return now.Add(d), rest, nil
	}
	if t, err := time.Parse("15:04", first); err == nil {
		at := time.Date(now.Year(), now.Month(), now.Day(), t.Hour(), t.Minute(), 0, 0, now.Location())
		if !at.After(now) {
			at = at.AddDate(0, 0, 1)
		}
		return at, rest, nil
	}
	return time.Time{}, strings.TrimSpace(args), nil // all of it is the reason
}

func parseDuration(s string) (time.Duration, bool) {
	s = strings.NewReplacer("个小时", "h", "小时", "h", "分钟", "m", "钟头", "h", "天", "d").Replace(s)
	if n, err := strconv.Atoi(s); err == nil {
		return time.Duration(n) * time.Minute, true // a bare number is minutes
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil {
			return time.Duration(n) * 24 * time.Hour, true
		}
	}
	d, err := time.ParseDuration(s)
	return d, err == nil
}

// splitCommand takes "/busy@minsheng_bot 2h 开会" apart.
func splitCommand(text string) (cmd, args string) {
	text = strings.TrimSpace(text)
	if !strings.HasPrefix(text, "/") {
		return "", ""
	}
	head, rest, _ := strings.Cut(text, " ")
	head, _, _ = strings.Cut(strings.TrimPrefix(head, "/"), "@")
	return strings.ToLower(head), strings.TrimSpace(rest)
}

func describe(st State, loc *time.Location) string {
	switch st.State {
	case Busy:
		return "忙碌至" + st.Until.In(loc).Format("01-02 15:04") + withReason(st.Reason)
	case OffHours:
		return "下班时间，" + st.Until.In(loc).Format("01-02 15:04") + "上班"
	}
	return "可联系"
}

func withReason(r string) string {
	if r == "" {
		return ""
	}
	return "（" + r + "）"
}
