package officials

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Notifier sends an official (their Telegram chat and office chat, or an
// SMS to their own phone) a list. The runtime implements it on the send
// queue, so a list is sent durably, once (List.Key).
type Notifier interface {
	Notify(ctx context.Context, off *Official, l List)
}

// List is a call-back list ready to send.
type List struct {
	Key     string // the same for the same list: sent once
	Text    string
	Actions []Button
	Items   []Item
	// ToOffice: for the office chat (staff_chat) only, when there is one
	// (reminders); else the official too.
	ToOffice bool
}

// Button is a 已回电 button: a press brings Data back (Office.Press).
type Button struct{ Label, Data string }

// listHeads head each kind of list; %d is the number of people.
var listHeads = map[string]string{
	"busy":      "会议期间有%d位群众来信来电，请回电：",
	"off_hours": "下班期间有%d位群众来信来电，请回电：",
	"reminder":  "以下%d位群众超过一天仍未回电，请尽快联系：",
	"callbacks": "未回电%d人：",
}

// periodEnded sends the list of a busy or off-hours period that ended.
func (o *Office) periodEnded(ctx context.Context, number, period, kind string) {
	off, ok := o.byNumber[number]
	if !ok || o.notify == nil {
		return
	}
	items, err := o.Items(ctx, number, true, period)
	if err != nil {
		o.log.Warn("call-back list not read", "official", number, "err", err)
		return
	}
	if len(items) == 0 && kind != "busy" {
		return // a quiet night needs no message
	}
	l := o.render(off, items, kind, o.now())
	l.Key = "office:" + number + ":" + kind + ":" + period
	o.notify.Notify(ctx, off, l)
}

// render writes a list: who (name, phone to call), when, the case or 未形成
// 诉求, a few words, 临期 when the 3-day contact deadline is within a day;
// a 已回电 button per item.
func (o *Office) render(off *Official, items []Item, kind string, now time.Time) List {
	var b strings.Builder
	if len(items) == 0 {
		b.WriteString("会议期间没有群众来信来电。")
		return List{Text: b.String(), Key: "office:" + off.Number + ":" + kind + ":" + now.Format("200601021504")}
	}
	fmt.Fprintf(&b, listHeads[kind], len(items))
	l := List{Items: items, Key: "office:" + off.Number + ":" + kind + ":" + now.Format("200601021504")}
	for i, it := range items {
		b.WriteString("\n")
		b.WriteString(line(i+1, it, now, o.loc()))
		l.Actions = append(l.Actions, Button{Label: "已回电 " + strconv.Itoa(i+1), Data: PressData(off.Number, it.ID)})
	}
	l.Text = b.String()
	return l
}

// line is one item of a list.
func line(n int, it Item, now time.Time, loc *time.Location) string {
	who := it.Name
	if it.Phone != "" {
		who = strings.TrimSpace(who + " " + it.Phone) // the official taps it to call
	}
	if who == "" {
		who = "（未留电话）"
	}
	what := "未形成诉求"
	if it.PetitionID != "" {
		what = it.PetitionID
	}
	s := fmt.Sprintf("%d. %s %s %s", n, who, it.At.In(loc).Format("01-02 15:04"), what)
	if it.Summary != "" {
		s += " " + it.Summary
	}
	if contains(it.Reasons, "missed_call") {
		s += "（来电）"
	}
	if it.DueSoon(now) {
		s += "【临期】"
	}
	if it.State == Done {
		s += "（已回电）"
	}
	return s
}

// PressData is a 已回电 button's data: "cb:<number>:<item>", well inside
// Telegram's 64 bytes.
func PressData(number, id string) string { return "cb:" + number + ":" + id }

// ParsePress reads PressData.
func ParsePress(data string) (number, id string, ok bool) {
	rest, found := strings.CutPrefix(data, "cb:")
	if !found {
		return "", "", false
	}
	i := strings.LastIndexByte(rest, ':')
	if i <= 0 || i == len(rest)-1 {
		return "", "", false
	}
	return rest[:i], rest[i+1:], true
}
