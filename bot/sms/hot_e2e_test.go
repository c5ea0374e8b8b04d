package sms_test

import (
	"context"
	"testing"

	"github.com/minsheng/minsheng/intake/backend/webhook/webhooktest"
	"github.com/minsheng/minsheng/internal/testwait"
)

// Two citizens text about the same place and matter: the second petition
// reaches the case system with the hot issue of the first, of size 2; a
// third citizen's petition at another place starts its own.
func TestHotIssueReachesTheBackend(t *testing.T) {
	office := webhooktest.NewFake(t, "hooksecret")
	h := newHarness(t, harnessOptions{backendURL: office.URL, backendSecret: "hooksecret"})
	h.start()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = h.rt.Outbox.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	h.inbound("+8613900000001", "谯城区汤陵街道幸福小区门口的路灯坏了一个月了，晚上很黑", "SMhot1")
	testwait.For(t, "the first petition", func() bool { return office.Taken() == 1 })
	h.inbound("+8613900000002", "谯城区汤陵街道幸福小区门口路灯坏了好久，晚上黑漆漆的，老人出门不安全", "SMhot2")
	testwait.For(t, "the second petition", func() bool { return office.Taken() == 2 })
	h.inbound("+8613900000003", "梅溪湖壹号御湾门口的路灯坏了一个月了，晚上很黑", "SMhot3")
	testwait.For(t, "the third petition", func() bool { return office.Taken() == 3 })

	byPhone := map[string]string{}
	for id, p := range office.Petitions() {
		byPhone[p.Citizen.Phone] = id
	}
	ps := office.Petitions()
	first, second, third := ps[byPhone["+8613900000001"]], ps[byPhone["+8613900000002"]], ps[byPhone["+8613900000003"]]
	if h := first.HotIssue; h == nil || h.ID != "hot-"+first.ID || h.Size != 1 {
		t.Fatalf("first petition's hot issue: %+v", h)
	}
	if h := second.HotIssue; h == nil || h.ID != first.HotIssue.ID || h.Size != 2 {
		t.Errorf("second petition's hot issue: %+v, want %s of size 2", h, first.HotIssue.ID)
	}
	if h := third.HotIssue; h == nil || h.ID != "hot-"+third.ID || h.Size != 1 {
		t.Errorf("third petition, another place: %+v, want its own", h)
	}
	t.Logf("hot issues: %+v %+v %+v", *first.HotIssue, *second.HotIssue, *third.HotIssue)
}
