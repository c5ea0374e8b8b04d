package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTrainThenClassify(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "train.jsonl")
	var b strings.Builder
	for i := 0; i < 30; i++ {
		fmt.Fprintf(&b, `{"id":"u%d","title":"","text":"小区路灯坏了第%d盏，道路破损","label":"城乡建设"}`+"\n", i, i)
		fmt.Fprintf(&b, `{"id":"l%d","title":"工资","text":"公司拖欠工资%d个月，社保没交","label":"劳动和社会保障"}`+"\n", i, i)
	}
	if err := os.WriteFile(data, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	model := filepath.Join(dir, "m.model")
	code, stdout, stderr := runCmd(t, context.Background(), "", "train", "--data", data, "--out", model, "--folds", "3")
	if code != 0 || !strings.Contains(stdout, "城乡建设") || !strings.Contains(stderr, "model written") {
		t.Fatalf("train: exit %d\n%s\n%s", code, stdout, stderr)
	}
	in := `{"id":"a","text":"路灯坏了"}` + "\n" + `{"id":7,"text":"老板拖欠工資"}` + "\n"
	code, stdout, stderr = runCmd(t, context.Background(), in, "classify", "--model", model)
	if code != 0 {
		t.Fatalf("classify: exit %d %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	want := []string{"城乡建设", "劳动和社会保障"}
	for i, l := range lines {
		var r struct {
			ID         any     `json:"id"`
			Category   string  `json:"category"`
			Confidence float64 `json:"confidence"`
		}
		if err := json.Unmarshal([]byte(l), &r); err != nil || r.Category != want[i] || r.Confidence <= 0.5 {
			t.Errorf("line %d: %s (%v)", i, l, err)
		}
	}
	// The embedded model works without --model; bad input is a clear error.
	if code, stdout, _ := runCmd(t, context.Background(), `{"id":1,"text":"出租车司机开车太猛"}`+"\n", "classify"); code != 0 || !strings.Contains(stdout, "交通运输") {
		t.Errorf("default model: %d %s", code, stdout)
	}
	if code, _, stderr := runCmd(t, context.Background(), "not json\n", "classify"); code != 1 || !strings.Contains(stderr, "line 1") {
		t.Errorf("bad input: %d %s", code, stderr)
	}
	if code, _, _ := runCmd(t, context.Background(), "", "train"); code != 2 {
		t.Errorf("train without flags: %d", code)
	}
}
