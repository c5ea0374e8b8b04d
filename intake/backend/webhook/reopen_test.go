package webhook

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/minsheng/minsheng/intake"
)

func TestReopenRequest(t *testing.T) {
	c, f, _ := setup(t, reply(200, ``))
	r := &intake.ReopenRequest{PetitionID: "MS-20261130-K7Q2P", CaseID: "C9", Reason: "路灯还是不亮", RequestedBy: "office", At: t0}
	if err := c.RequestReopen(context.Background(), r, "rq"); err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	checkCommon(t, reqs[0], "/api/petitions/MS-20261130-K7Q2P/reopen_requests", "rq")
	var body map[string]any
	json.Unmarshal(reqs[0].Body, &body)
	if len(body) != 3 || body["reason"] != "路灯还是不亮" || body["requested_by"] != "office" {
		t.Errorf("body %s", reqs[0].Body)
	}
}
