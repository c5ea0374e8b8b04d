package aliyun_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/minsheng/minsheng/bot"
	"github.com/minsheng/minsheng/intake/queue"
)

// TestAReplyGoesAsItsApprovedTemplate: the receipt is SendSms with the
// receipt's template code, the signature, the variables, the official's
// extension and the message key as OutId; its text never goes.
func TestAReplyGoesAsItsApprovedTemplate(t *testing.T) {
	u := newUnit(t, unitOptions{})
	if err := u.send(msg(1, "receipt", map[string]string{"id": "MS-20261208-YFR31"})); err != nil {
		t.Fatal(err)
	}
	got := u.fake.Messages()
	if len(got) != 1 {
		t.Fatalf("messages at the provider: %d", len(got))
	}
	m := got[0]
	want := aliyunConfig(u.fake, 50).Templates["receipt"].Code
	if m.TemplateCode != want || m.Sign != signName || m.Phone != "13912345678" || m.Params["id"] != "MS-20261208-YFR31" ||
		m.Ext != ext || m.OutID != "sms:"+citizen+":1" {
		t.Errorf("SendSms: %+v (want template %s)", m, want)
	}
	if !strings.HasPrefix(m.Content, "【"+signName+"】已收到您的诉求，编号MS-20261208-YFR31。") || strings.Contains(m.Content, "text never sent") {
		t.Errorf("content: %s", m.Content)
	}
	// The same message again (a redelivery after the acknowledgement was
	// lost) is not sent twice.
	if err := u.send(msg(1, "receipt", map[string]string{"id": "MS-20261208-YFR31"})); err != nil {
		t.Fatal(err)
	}
	if n := len(u.fake.Messages()); n != 1 {
		t.Errorf("sent %d times", n)
	}
}

// TestVariablesKeepToTheProvidersRules: a handler's mobile is not a phone
// the template may carry (the hotline stands there), a landline is; a
// long note is cut to 35 characters, a link and a mobile in it go; an
// optional part missing is filled.
func TestVariablesKeepToTheProvidersRules(t *testing.T) {
	u := newUnit(t, unitOptions{})
	long := "已安排维修人员更换灯具，详见 https://example.org/x 或致电13812345678，另外附近的三盏灯也一并检修完毕"
	if err := u.send(msg(1, "status_assigned", map[string]string{"id": "MS-1", "unit": "谯城区住建局", "phone": "13812345678"})); err != nil {
		t.Fatal(err)
	}
	if err := u.send(msg(2, "status_assigned", map[string]string{"id": "MS-2", "unit": "谯城区住建局", "handler": "李明", "phone": "0558-5123456"})); err != nil {
		t.Fatal(err)
	}
	if err := u.send(msg(3, "status_in_progress", map[string]string{"id": "MS-3", "note": long})); err != nil {
		t.Fatal(err)
	}
	got := u.fake.Messages()
	if len(got) != 3 {
		t.Fatalf("messages: %d", len(got))
	}
	if p := got[0].Params; p["phone"] != "12345" || p["handler"] != "工作人员" {
		t.Errorf("a mobile and no handler: %v", p)
	}
	if p := got[1].Params; p["phone"] != "0558-5123456" || p["handler"] != "李明" {
		t.Errorf("a landline: %v", p)
	}
	note := got[2].Params["note"]
	if n := len([]rune(note)); n > 35 || strings.Contains(note, "http") || strings.Contains(note, "13812345678") {
		t.Errorf("note (%d characters): %q", n, note)
	}
}

// TestATimeoutTheProviderTookIsFoundNotSentAgain: SendSms times out after
// the provider took the message; the retry finds it by its OutId with
// QuerySendDetails and does not send it again.
func TestATimeoutTheProviderTookIsFoundNotSentAgain(t *testing.T) {
	u := newUnit(t, unitOptions{requestTimeout: 300 * time.Millisecond})
	u.fake.Hang(1, true)
	m := msg(1, "receipt", map[string]string{"id": "MS-20261208-YFR31"})
	if err := u.send(m); err == nil {
		t.Fatal("a send without an answer returned nil")
	}
	if err := u.send(m); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if n, calls := len(u.fake.Messages()), u.fake.Calls("SendSms"); n != 1 || calls != 1 {
		t.Errorf("messages %d, SendSms calls %d: want 1 and 1 (found, not sent again)", n, calls)
	}
	if u.fake.Calls("QuerySendDetails") == 0 {
		t.Error("the retry did not look the message up")
	}
	if err := u.send(m); err != nil || u.fake.Calls("SendSms") != 1 {
		t.Errorf("a third delivery: %v, SendSms calls %d", err, u.fake.Calls("SendSms"))
	}
}

// TestATimeoutTheProviderDidNotTakeIsSentOnce: not found by the lookup,
// the message is sent once more, and only once.
func TestATimeoutTheProviderDidNotTakeIsSentOnce(t *testing.T) {
	u := newUnit(t, unitOptions{requestTimeout: 300 * time.Millisecond})
	u.fake.Hang(1, false)
	m := msg(1, "receipt", map[string]string{"id": "MS-20261208-YFR31"})
	if err := u.send(m); err == nil {
		t.Fatal("a send without an answer returned nil")
	}
	if err := u.send(m); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if n, calls := len(u.fake.Messages()), u.fake.Calls("SendSms"); n != 1 || calls != 2 {
		t.Errorf("messages %d, SendSms calls %d: want 1 and 2", n, calls)
	}
	if err := u.send(m); err != nil || len(u.fake.Messages()) != 1 {
		t.Errorf("a redelivery: %v, messages %d", err, len(u.fake.Messages()))
	}
}

// TestRefusals: the provider's flow control defers without counting the
// day's budget; a template it does not know is refused for good; a
// number outside the allowed countries is dropped.
func TestRefusals(t *testing.T) {
	u := newUnit(t, unitOptions{limit: 2})
	u.fake.Refuse(1, "isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控Permits:1")
	m := msg(1, "receipt", map[string]string{"id": "MS-1"})
	err := u.send(m)
	if err == nil || !strings.Contains(err.Error(), "deferred for 1m0s") {
		t.Fatalf("flow control: %v, want a 1-minute deferral", err)
	}
	// The refused attempt gave its slot back: with daily_limit 2 the
	// first message still goes on its own, not merged.
	if err := u.send(m); err != nil || len(u.fake.Messages()) != 1 || len(u.resends.all()) != 0 {
		t.Fatalf("after the flow control: %v, messages %d, digests %d", err, len(u.fake.Messages()), len(u.resends.all()))
	}
	u = newUnit(t, unitOptions{})
	u.fake.Refuse(1, "isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板")
	if err := u.send(msg(2, "supplement", map[string]string{"id": "MS-1"})); !errors.Is(err, queue.ErrPermanent) {
		t.Errorf("an unknown template: %v, want permanent", err)
	}
	if err := u.send(msg(3, "no_such_reply", nil)); !errors.Is(err, queue.ErrPermanent) {
		t.Errorf("a reply key without a template: %v, want permanent", err)
	}
	foreign := msg(4, "receipt", map[string]string{"id": "MS-1"})
	foreign.To = "+85291234567"
	if err := u.send(foreign); !errors.Is(err, bot.ErrDropped) {
		t.Errorf("outside allowed countries: %v, want dropped", err)
	}
}

// TestConcurrentSendsShareNoSDKState: sends run in parallel (workers.send);
// each call has its own SDK client over one transport (go test -race).
func TestConcurrentSendsShareNoSDKState(t *testing.T) {
	u := newUnit(t, unitOptions{})
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		go func() {
			m := msg(int64(i+1), "receipt", map[string]string{"id": "MS-" + strings.Repeat("1", i+1)})
			m.To = "+861391234560" + string(rune('0'+i))
			m.Conversation, m.Key = "sms:"+m.To, "sms:"+m.To+":1"
			errs <- u.send(m)
		}()
	}
	for i := 0; i < 8; i++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if n := len(u.fake.Messages()); n != 8 {
		t.Errorf("sent %d of 8", n)
	}
}
