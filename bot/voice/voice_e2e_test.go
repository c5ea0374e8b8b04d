package voice_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/minsheng/minsheng/bot/sms/smstest"
	"github.com/minsheng/minsheng/bot/voice"
	"github.com/minsheng/minsheng/internal/testwait"
)

// An available official with a forward_to: the call rings their phone,
// showing the caller's number; nothing is handed in.
func TestAvailableOfficialGetsTheCall(t *testing.T) {
	h := newHarness(t, theOfficials())
	_, tw := h.call(citizen, mayor, "CAavail")
	if len(tw.Dial) != 1 || len(tw.Say) != 0 || strings.Join(tw.Verbs, ",") != "Dial" {
		t.Fatalf("want one Dial, got %+v", tw)
	}
	d := tw.Dial[0]
	if d.Timeout != "20" || d.Action != publicURL+voice.AfterPath || d.CallerID != citizen || d.Number != mayorCell {
		t.Errorf("dial %+v", d)
	}
	h.drained()
	if m := h.fake.Messages(); len(m) != 0 {
		t.Errorf("a forwarded call sent SMS: %+v", m)
	}
}

// Busy (set through the admin API): the caller hears the official is in a
// meeting and gets one 会后联系 SMS from the number they called; the
// official gets them on the call-back list. Twilio calling again with the
// same CallSid gets the same answer and sends nothing more.
func TestBusyOfficialCallerIsToldAndTexted(t *testing.T) {
	h := newHarness(t, theOfficials())
	if got := h.setBusy(mayor, "wrong"); got != http.StatusUnauthorized {
		t.Fatalf("PUT busy with a wrong token: %d", got)
	}
	if got := h.setBusy(mayor, adminToken); got != http.StatusOK {
		t.Fatalf("PUT busy: %d", got)
	}
	first, tw := h.call(citizen, mayor, "CAbusy")
	if text := said(t, tw); !strings.Contains(text, "市长张三正在开会") || !strings.Contains(text, "会后联系") {
		t.Errorf("said %q", text)
	}
	m := h.fake.WaitForMessages(t, 1, testwait.Timeout)[0]
	if m.To != citizen || m.From != mayor || !strings.Contains(m.Body, "会后联系") || !strings.Contains(m.Body, "开会") {
		t.Errorf("SMS %+v", m)
	}
	testwait.For(t, "the caller on the call-back list", func() bool {
		cb := h.callbacks(mayor)
		return len(cb) == 1 && strings.HasPrefix(cb[0], citizen+" ") && strings.Contains(cb[0], "missed_call")
	})

	again, _ := h.call(citizen, mayor, "CAbusy")
	if again.body != first.body {
		t.Errorf("redelivery answered %q, first %q", again.body, first.body)
	}
	h.drained()
	if got := h.fake.Messages(); len(got) != 1 {
		t.Errorf("%d SMS after a redelivered CallSid, want 1: %+v", len(got), got)
	}
}

// Off hours by the official's schedule: the caller hears so; the SMS says
// the same.
func TestOffHoursCallerIsToldAndTexted(t *testing.T) {
	h := newHarness(t, theOfficials())
	_, tw := h.call(citizen, secretary, "CAoff")
	if text := said(t, tw); !strings.Contains(text, "下班时间") || !strings.Contains(text, "上班后联系") {
		t.Errorf("said %q", text)
	}
	m := h.fake.WaitForMessages(t, 1, testwait.Timeout)[0]
	if m.To != citizen || m.From != secretary || !strings.Contains(m.Body, "下班时间") {
		t.Errorf("SMS %+v", m)
	}
}

// No forward_to, or a number that is no official's: nobody to ring.
func TestNobodyToRing(t *testing.T) {
	h := newHarness(t, theOfficials())
	for i, to := range []string{deputy, nobody} {
		_, tw := h.call(citizen, to, "CAnobody"+to)
		if text := said(t, tw); !strings.Contains(text, "暂时无法接听") {
			t.Errorf("%s: said %q", to, text)
		}
		m := h.fake.WaitForMessages(t, i+1, testwait.Timeout)[i]
		if m.To != citizen || m.From != to || !strings.Contains(m.Body, "未能接听") {
			t.Errorf("%s: SMS %+v", to, m)
		}
	}
}

// Without officials configured (env.Officials nil) every call is missed.
func TestNoOfficialsConfigured(t *testing.T) {
	h := newHarness(t, nil)
	_, tw := h.call(citizen, mayor, "CAnone")
	if text := said(t, tw); !strings.Contains(text, "暂时无法接听") {
		t.Errorf("said %q", text)
	}
	if m := h.fake.WaitForMessages(t, 1, testwait.Timeout)[0]; m.To != citizen || m.From != mayor {
		t.Errorf("SMS %+v", m)
	}
}

// The forwarded call: nobody took it → the message and the SMS; taken →
// the call just ends, nothing sent.
func TestDialOutcome(t *testing.T) {
	h := newHarness(t, theOfficials())
	for _, status := range []string{"no-answer", "busy", "failed", "canceled"} {
		caller := "+86139000002" + map[string]string{"no-answer": "01", "busy": "02", "failed": "03", "canceled": "04"}[status]
		_, tw := h.dialEnded(caller, mayor, "CAdial"+status, status)
		if text := said(t, tw); !strings.Contains(text, "暂时无法接听") {
			t.Errorf("%s: said %q", status, text)
		}
	}
	msgs := h.fake.WaitForMessages(t, 4, testwait.Timeout)
	for _, m := range msgs {
		if m.From != mayor || !strings.Contains(m.Body, "未能接听") {
			t.Errorf("SMS %+v", m)
		}
	}

	a, tw := h.dialEnded(citizen, mayor, "CAtaken", "completed")
	if len(tw.Verbs) != 0 || !strings.Contains(a.body, "<Response/>") {
		t.Errorf("completed dial answered %q", a.body)
	}
	h.drained()
	if got := h.fake.Messages(); len(got) != 4 {
		t.Errorf("%d SMS after a completed dial, want 4", len(got))
	}
}

// A caller from outside sms.allowed_country_codes hears the message; the
// SMS sender's country guard drops the auto-reply, the call-back item is
// kept.
func TestForeignCallerGetsNoSMS(t *testing.T) {
	const foreign = "+14155550100"
	h := newHarness(t, theOfficials())
	if got := h.setBusy(mayor, adminToken); got != http.StatusOK {
		t.Fatalf("PUT busy: %d", got)
	}
	_, tw := h.call(foreign, mayor, "CAforeign")
	if text := said(t, tw); !strings.Contains(text, "正在开会") {
		t.Errorf("said %q", text)
	}
	testwait.For(t, "the foreign caller on the call-back list", func() bool {
		cb := h.callbacks(mayor)
		return len(cb) == 1 && strings.HasPrefix(cb[0], foreign+" ")
	})
	h.drained()
	if got := h.fake.Messages(); len(got) != 0 {
		t.Errorf("SMS to a foreign caller: %+v", got)
	}
}

// A forged call is refused before anything is taken in: the same CallSid
// signed properly afterwards is a first delivery.
func TestWrongSignatureIsRefused(t *testing.T) {
	h := newHarness(t, nil)
	form := smstest.CallForm(accountSID, citizen, mayor, "CAforged")
	if a := h.post(voice.CallPath, form, "wrongtoken"); a.status != http.StatusForbidden {
		t.Errorf("forged call: %d %q", a.status, a.body)
	}
	if a := h.post(voice.AfterPath, smstest.DialActionForm(accountSID, citizen, mayor, "CAforged", "no-answer"), "wrongtoken"); a.status != http.StatusForbidden {
		t.Errorf("forged dial action: %d %q", a.status, a.body)
	}
	h.drained()
	if got := h.fake.Messages(); len(got) != 0 {
		t.Fatalf("a forged call sent SMS: %+v", got)
	}
	h.call(citizen, mayor, "CAforged")
	h.fake.WaitForMessages(t, 1, testwait.Timeout)
}

func TestBadInputIs400(t *testing.T) {
	h := newHarness(t, nil)
	for _, field := range []string{"CallSid", "From", "To"} {
		form := smstest.CallForm(accountSID, citizen, mayor, "CAbad")
		form.Del(field)
		a := h.post(voice.CallPath, form, authToken)
		if a.status != http.StatusBadRequest || strings.TrimSpace(a.body) != "missing "+field {
			t.Errorf("without %s: %d %q", field, a.status, a.body)
		}
	}
	form := smstest.DialActionForm(accountSID, citizen, mayor, "CAbad", "")
	if a := h.post(voice.AfterPath, form, authToken); a.status != http.StatusBadRequest || !strings.Contains(a.body, "DialCallStatus") {
		t.Errorf("dial action without a status: %d %q", a.status, a.body)
	}
	h.drained()
	if got := h.fake.Messages(); len(got) != 0 {
		t.Errorf("bad input sent SMS: %+v", got)
	}
}
