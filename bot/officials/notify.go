package officials

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/minsheng/minsheng/intake"
)

// Notifier sends an official (their Telegram chat and office chat, or an
// SMS to their own phone) a list. The runtime implements it on the send
// queue, so a list is sent durably, once (List.Key); an error says it was
// not queued everywhere (the caller may try again: the key keeps it once).
type Notifier interface {
	Notify(ctx context.Context, off *Official, l List) error
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
	// Template and Vars say the list as an approved SMS template (one of
	// SMSTemplates) for a channel that sends no free text: the count, the
	// earliest item; the names and phones stay on the office page.
	Template string
	Vars     map[string]string
}

// SMSTemplates are the texts of the officials' messages as templates with
// ${variables}, by template name (List.Template), for a channel that may
// only send templates approved in advance (a mainland SMS gateway). They
// carry no citizen's phone: the providers' rules for notifications allow
// no personal mobile numbers in them; the list is on the office page.
var SMSTemplates = map[string]string{
	"office_busy":      "会议期间有${count}位群众来信来电，请回电。最早一位：${first}。名单和电话请看办公页面。",
	"office_off_hours": "下班期间有${count}位群众来信来电，请回电。最早一位：${first}。名单和电话请看办公页面。",
	"office_reminder":  "有${count}位群众超过一天仍未回电，请尽快联系。最早一位：${first}。名单和电话请看办公页面。",
	"office_callbacks": "未回电${count}人。最早一位：${first}。名单和电话请看办公页面。",
	"office_none":      "会议期间没有群众来信来电。",
	"office_urgent":    "紧急诉求${id}：${summary}。请立即查看办公页面并回电群众。",
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
	if err := o.notify.Notify(ctx, off, l); err != nil {
		o.log.Error("call-back list not sent", "official", number, "err", err)
	}
}

// alert tells an official's office at once of an urgent petition (its
// call-back item it), whatever the schedule: their Telegram chat and
// office chat, else an SMS to their own phone. The send queue keeps it
// once per petition, so a retried queue entry alerts once.
func (o *Office) alert(ctx context.Context, it Item, cb intake.Callback) error {
	off, ok := o.byNumber[it.Official]
	if !ok || o.notify == nil {
		return nil
	}
	now := o.now()
	l := List{Key: "office:" + off.Number + ":urgent:" + cb.PetitionID, Items: []Item{it},
		Actions: []Button{{Label: "已回电", Data: PressData(off.Number, it.ID)}}}
	l.Text = alertText(it, cb, o.loc(), now)
	l.Template, l.Vars = "office_urgent", map[string]string{"id": cb.PetitionID, "summary": cb.Summary}
	return o.notify.Notify(ctx, off, l)
}

// alertText is the alert: what, who to call, what the citizen was told.
func alertText(it Item, cb intake.Callback, loc *time.Location, now time.Time) string {
	var b strings.Builder
	b.WriteString("【紧急诉求】")
	b.WriteString(cb.PetitionID)
	b.WriteString(" ")
	b.WriteString(cb.At.In(loc).Format("01-02 15:04"))
	if cb.Summary != "" {
		b.WriteString("\n" + cb.Summary)
	}
	who := strings.TrimSpace(it.Name + " " + it.Phone)
	if who == "" {
		who = "未留电话"
	}
	b.WriteString("\n群众：" + who)
	if cb.Emergency != "" {
		b.WriteString("\n已提示群众拨打" + cb.Emergency + "。")
	}
	b.WriteString("\n请立即处理，回电后点“已回电”。")
	return b.String()
}

// render writes a list: who (name, phone to call), when, the case or 未形成
// 诉求, a few words, 临期 when the 3-day contact deadline is within a day;
// a 已回电 button per item.
func (o *Office) render(off *Official, items []Item, kind string, now time.Time) List {
	var b strings.Builder
	if len(items) == 0 {
		b.WriteString("会议期间没有群众来信来电。")
		return List{Text: b.String(), Key: "office:" + off.Number + ":" + kind + ":" + now.Format("200601021504"), Template: "office_none"}
	}
	fmt.Fprintf(&b, listHeads[kind], len(items))
	l := List{Items: items, Key: "office:" + off.Number + ":" + kind + ":" + now.Format("200601021504")}
	for i, it := range items {
		b.WriteString("\n")
		b.WriteString(line(i+1, it, now, o.loc()))
		l.Actions = append(l.Actions, Button{Label: "已回电 " + strconv.Itoa(i+1), Data: PressData(off.Number, it.ID)})
	}
	l.Text = b.String()
	first := items[0]
	what := "未形成诉求"
	if first.PetitionID != "" {
		what = first.PetitionID
	}
	l.Template = "office_" + kind
	l.Vars = map[string]string{"count": strconv.Itoa(len(items)), "first": what + " " + first.At.In(o.loc()).Format("01-02 15:04")}
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
	if contains(it.Reasons, intake.CallbackUrgent) {
		s += "【紧急】"
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
