package aliyun_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/minsheng/minsheng/bot"
	"github.com/minsheng/minsheng/bot/aliyun"
	"github.com/minsheng/minsheng/bot/aliyun/aliyuntest"
	"github.com/minsheng/minsheng/config"
	"github.com/minsheng/minsheng/intake/queue"
	"github.com/minsheng/minsheng/intake/queue/redistest"
	"github.com/prometheus/client_golang/prometheus"
)

func TestTemplatesCoverEveryReplyKey(t *testing.T) {
	keys := aliyun.ReplyKeys(nil)
	names := map[string]bool{}
	for _, k := range keys {
		names[k.Name] = true
		if strings.Contains(k.Text, "{{") || strings.ContainsAny(k.Text, "【】") {
			t.Errorf("%s: not a text to submit: %s", k.Name, k.Text)
		}
	}
	for _, want := range []string{"receipt", "status_assigned", "survey", "survey_remind", "meeting_auto_reply", "office_urgent", "office_busy", "digest"} {
		if !names[want] {
			t.Errorf("no reply key %s", want)
		}
	}
	fake := aliyuntest.New(keyID, keySecret, signName)
	defer fake.Close()
	full := approved(fake)
	if probs := aliyun.CheckTemplates(full, keys); len(probs) != 0 {
		t.Errorf("a full block has problems: %v", probs)
	}
	delete(full, "survey")
	full["receipt"] = config.AliyunTemplate{Code: "SMS_TODO_receipt", Params: []string{"id", "nonsense"}}
	full["no_such"] = config.AliyunTemplate{Code: "SMS_1"}
	all := strings.Join(aliyun.CheckTemplates(full, keys), "\n")
	for _, want := range []string{"templates.survey: missing", "templates.receipt.code: SMS_TODO_receipt is a placeholder",
		"templates.receipt.params: nonsense is not a variable", "templates.no_such: no such reply key"} {
		if !strings.Contains(all, want) {
			t.Errorf("no problem %q in:\n%s", want, all)
		}
	}
	// The channel refuses to start without every template.
	rdb, prefix := redistest.Client(t)
	cfg := aliyunConfig(fake, 50)
	delete(cfg.Templates, "receipt")
	_, err := aliyun.New(aliyun.Options{Aliyun: cfg}, bot.ChannelEnv{Intake: &intakeStub{}, Resend: &resends{}, Redis: rdb, Prefix: prefix, Metrics: prometheus.NewRegistry()})
	if err == nil || !strings.Contains(err.Error(), "templates.receipt: missing") {
		t.Errorf("New without a receipt template: %v", err)
	}
}

// TestAWrongSecretIsRefused: the fake checks the SDK's signature; signed
// with another secret the request is refused, for good.
func TestAWrongSecretIsRefused(t *testing.T) {
	fake := aliyuntest.New(keyID, keySecret, signName)
	defer fake.Close()
	rdb, prefix := redistest.Client(t)
	cfg := aliyunConfig(fake, 50)
	cfg.AccessKeySecret = "another-secret"
	ch, err := aliyun.New(aliyun.Options{Aliyun: cfg, AllowedCountryCodes: []string{"+86"}, LookupSettle: -1},
		bot.ChannelEnv{Intake: &intakeStub{}, Resend: &resends{}, Redis: rdb, Prefix: prefix, Metrics: prometheus.NewRegistry(),
			Log: bot.NewLogger(io.Discard, "info", "text")})
	if err != nil {
		t.Fatal(err)
	}
	err = ch.Sender().Send(context.Background(), msg(1, "receipt", map[string]string{"id": "MS-1"}))
	if !errors.Is(err, queue.ErrPermanent) || !strings.Contains(err.Error(), "SignatureDoesNotMatch") {
		t.Errorf("send with a wrong secret: %v", err)
	}
	if len(fake.Messages()) != 0 {
		t.Error("taken with a wrong signature")
	}
}
