package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/minsheng/minsheng/bot/aliyun/aliyuntest"
)

// TestTemplatesPrintsTheTextsAndChecksCoverage: the text to submit for
// every reply key, a ready YAML block, and a configured channel missing a
// template fails both `templates` and `config check`.
func TestTemplatesPrintsTheTextsAndChecksCoverage(t *testing.T) {
	isolate(t)
	var out, errb strings.Builder
	if code := run(t.Context(), []string{"templates", "--channel", "aliyun"}, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("templates: exit %d\n%s", code, errb.String())
	}
	for _, want := range []string{"receipt\n  已收到您的诉求，编号${id}。", "status_assigned\n  您的诉求${id}已交${unit}办理，负责人${handler}，电话${phone}。",
		"variables: id: 其他号码", "office_urgent\n", "digest\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no %q in:\n%s", want, out.String())
		}
	}
	out.Reset()
	if code := run(t.Context(), []string{"templates", "--channel", "aliyun", "--format", "yaml"}, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("templates yaml: exit %d", code)
	}
	if !strings.Contains(out.String(), "sms:\n  aliyun:\n    templates:\n") || !strings.Contains(out.String(), "      receipt: { code: SMS_TODO_receipt, params: [id] }") {
		t.Errorf("yaml:\n%s", out.String())
	}
	if code := run(t.Context(), []string{"templates", "--channel", "twilio"}, strings.NewReader(""), &out, &errb); code != exitUsage {
		t.Errorf("--channel twilio: exit %d, want %d", code, exitUsage)
	}

	// Configured, with the receipt missing: both commands fail naming it.
	fake := aliyuntest.New("LTAI5tTemplates01", "templatesSecret012345", "某某市长热线")
	defer fake.Close()
	path, _ := aliyunConfigFile(t, fake, "push-token-0123456789")
	raw, _ := os.ReadFile(path)
	var kept []string
	for _, line := range strings.Split(string(raw), "\n") {
		if !strings.HasPrefix(line, "      receipt:") {
			kept = append(kept, line)
		}
	}
	missing := filepath.Join(t.TempDir(), "missing.yaml")
	if err := os.WriteFile(missing, []byte(strings.Join(kept, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"templates", "--channel", "aliyun", "--config", missing}, {"config", "check", "--config", missing}} {
		errb.Reset()
		if code := run(t.Context(), args, strings.NewReader(""), &out, &errb); code != exitProblem || !strings.Contains(errb.String(), "sms.aliyun.templates.receipt: missing") {
			t.Errorf("%v: exit %d\n%s", args, code, errb.String())
		}
	}
	errb.Reset()
	if code := run(t.Context(), []string{"config", "check", "--config", path}, strings.NewReader(""), &out, &errb); code != 0 {
		t.Errorf("config check with every template: exit %d\n%s", code, errb.String())
	}
}
