package aliyun_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/minsheng/minsheng/bot"
	"github.com/minsheng/minsheng/intake/queue/redistest"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/minsheng/minsheng/bot/aliyun"
	"github.com/minsheng/minsheng/bot/aliyun/aliyuntest"
)

func TestPushesNeedTheToken(t *testing.T) {
	u := newUnit(t, unitOptions{})
	ctx := context.Background()
	up := aliyuntest.Up{Phone: "13912345678", Content: complaint, DestCode: ext, SequenceID: 1}
	for _, url := range []string{
		u.server.URL + aliyun.UpPath,
		u.server.URL + aliyun.UpPath + "?token=wrong-token-0123456789",
		u.server.URL + aliyun.ReportPath + "?token=",
	} {
		status, _, err := aliyuntest.PushUp(ctx, url, up)
		if err != nil || status != http.StatusUnauthorized {
			t.Errorf("%s: %d %v, want 401", url, status, err)
		}
	}
	if len(u.intake.in) != 0 {
		t.Errorf("taken without the token: %+v", u.intake.in)
	}
}

// TestAPushedSMSIsTheOfficialsAndTakenOnce: the extension picks the
// official, the number becomes E.164, a redelivered batch is a duplicate
// by its sequence_id, and the provider gets {"code":0}.
func TestAPushedSMSIsTheOfficialsAndTakenOnce(t *testing.T) {
	u := newUnit(t, unitOptions{})
	ctx := context.Background()
	url := u.server.URL + aliyun.UpPath + "?token=" + pushToken
	ups := []aliyuntest.Up{
		{Phone: "13912345678", Content: complaint, DestCode: "12345" + ext, SequenceID: 7001},
		{Phone: "8613700000000", Content: "你好", DestCode: "99", SequenceID: 7002},
	}
	for i := 0; i < 2; i++ {
		status, code, err := aliyuntest.PushUp(ctx, url, ups...)
		if err != nil || status != http.StatusOK || code != 0 {
			t.Fatalf("push %d: %d code %d %v", i, status, code, err)
		}
	}
	if len(u.intake.in) != 2 {
		t.Fatalf("taken: %+v", u.intake.in)
	}
	a, b := u.intake.in[0], u.intake.in[1]
	if a.Conversation != "sms:"+citizen || a.Reply.To != citizen || a.To != official || a.Reply.From != official ||
		a.Text != complaint || a.ProviderID != "ali:7001" || a.Citizen.Phone != citizen {
		t.Errorf("first: %+v", a)
	}
	if b.Reply.To != "+8613700000000" || b.To != "" {
		t.Errorf("an unknown extension is the hotline's: %+v", b)
	}
}

// TestABatchIsTakenWholeOrPushedAgain: when one item cannot be taken the
// provider is answered 500 (it pushes the batch again); on the second
// push each item is taken once.
func TestABatchIsTakenWholeOrPushedAgain(t *testing.T) {
	u := newUnit(t, unitOptions{})
	u.intake.failAt = 2
	url := u.server.URL + aliyun.UpPath + "?token=" + pushToken
	ups := []aliyuntest.Up{{Phone: "13912345678", Content: "一", DestCode: ext, SequenceID: 1}, {Phone: "13912345678", Content: "二", DestCode: ext, SequenceID: 2}}
	status, code, err := aliyuntest.PushUp(context.Background(), url, ups...)
	if err != nil || status != http.StatusInternalServerError || code == 0 {
		t.Fatalf("a batch not taken: %d code %d %v, want 500 and a non-zero code", status, code, err)
	}
	status, code, err = aliyuntest.PushUp(context.Background(), url, ups...)
	if err != nil || status != http.StatusOK || code != 0 {
		t.Fatalf("pushed again: %d code %d %v", status, code, err)
	}
	if len(u.intake.in) != 2 || u.intake.in[0].Text != "一" || u.intake.in[1].Text != "二" {
		t.Errorf("taken: %+v", u.intake.in)
	}
}

// TestAReceiptOfABlacklistedNumberOptsOut: a delivery receipt W-BLACK
// opts the citizen out; DELIVERED is recorded on the message.
func TestAReceiptOfABlacklistedNumberOptsOut(t *testing.T) {
	u := newUnit(t, unitOptions{})
	if err := u.send(msg(1, "receipt", map[string]string{"id": "MS-1"})); err != nil {
		t.Fatal(err)
	}
	sent := u.fake.Messages()[0]
	url := u.server.URL + aliyun.ReportPath + "?token=" + pushToken
	status, code, err := aliyuntest.PushReport(context.Background(), url, aliyuntest.Report{Message: sent, Success: true, Code: "DELIVERED"})
	if err != nil || status != http.StatusOK || code != 0 {
		t.Fatalf("report: %d %d %v", status, code, err)
	}
	rec, err := u.rdb.HGet(context.Background(), u.prefix+"ali:{"+citizen+"}", "r::1").Result()
	if err != nil || rec != "1|DELIVERED" {
		t.Errorf("receipt on the message: %q %v", rec, err)
	}
	if len(u.intake.optOuts) != 0 {
		t.Fatalf("opted out on delivery: %v", u.intake.optOuts)
	}
	if _, _, err := aliyuntest.PushReport(context.Background(), url, aliyuntest.Report{Message: sent, Success: false, Code: "W-BLACK"}); err != nil {
		t.Fatal(err)
	}
	if len(u.intake.optOuts) != 1 || u.intake.optOuts[0] != "sms:"+citizen {
		t.Errorf("opt-outs: %v", u.intake.optOuts)
	}
}

// TestPushesAreClosedWithoutAToken: no push_token configured, both
// endpoints answer 404 whatever the query says.
func TestPushesAreClosedWithoutAToken(t *testing.T) {
	fake := aliyuntest.New(keyID, keySecret, signName)
	defer fake.Close()
	rdb, prefix := redistest.Client(t)
	cfg := aliyunConfig(fake, 50)
	cfg.PushToken = ""
	ch, err := aliyun.New(aliyun.Options{Aliyun: cfg}, bot.ChannelEnv{Intake: &intakeStub{}, Resend: &resends{}, Redis: rdb, Prefix: prefix,
		Metrics: prometheus.NewRegistry(), Log: bot.NewLogger(io.Discard, "info", "text")})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range ch.Routes() {
		rec := httptest.NewRecorder()
		r.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/x?token=", strings.NewReader("[]")))
		if rec.Code != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", r.Pattern, rec.Code)
		}
	}
}
