package outbox

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/minsheng/minsheng/intake"
)

// TestContentSumLeavesTheHotIssueOut: the outbox sets hot_issue on
// delivery, so a petition's sum is the same with it or without, and the
// same as before the field existed (a retried delivery across an upgrade
// is no conflict).
func TestContentSumLeavesTheHotIssueOut(t *testing.T) {
	p := &intake.Petition{SchemaVersion: 1, ID: "MS-20260311-AAAAA", Description: "路灯坏了"}
	without, err := contentSum(p)
	if err != nil {
		t.Fatal(err)
	}
	q := *p
	q.HotIssue = &intake.HotIssue{ID: "hot-MS-20260311-AAAAA", Title: "幸福小区·路灯", Size: 3}
	with, _ := contentSum(&q)
	other := *p
	other.Description = "路灯又坏了"
	changed, _ := contentSum(&other)
	if with != without || changed == without {
		t.Errorf("sum %s without a hot issue, %s with one, %s for another text", without, with, changed)
	}
	// The petition's JSON as it was before hot_issue.
	raw, _ := json.Marshal(p)
	before := strings.Replace(string(raw), `,"hot_issue":null`, "", 1)
	if sum := sha256.Sum256([]byte(before)); hex.EncodeToString(sum[:12]) != without || before == string(raw) {
		t.Errorf("the sum is not of the petition's JSON without hot_issue")
	}
}
