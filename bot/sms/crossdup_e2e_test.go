package sms_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/minsheng/minsheng/bot/sms"
	"github.com/minsheng/minsheng/bot/sms/smstest"
	"github.com/minsheng/minsheng/config"
	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/report"
	"github.com/minsheng/minsheng/internal/testwait"
)

// deliveredPetitions reads what the file backend took.
func deliveredPetitions(t *testing.T, path string) []intake.Petition {
	t.Helper()
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []intake.Petition
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec struct {
			Type string `json:"type"`
			intake.Petition
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatal(err)
		}
		if rec.Type == "petition" {
			out = append(out, rec.Petition)
		}
	}
	return out
}

// One citizen texts the same matter, reworded, to two officials' numbers:
// the second petition reaches the backend linked to the first.
func TestSameMatterToTwoOfficialsIsLinked(t *testing.T) {
	const mayor, secretary = official, "+8613800000002"
	h := newHarness(t, harnessOptions{configure: func(c *config.Config) {
		c.Officials = append(c.Officials, config.Official{Number: secretary, Name: "李四", Title: "书记"})
		c.Dialog.SupplementWindow = time.Millisecond // the second text is not a supplement to the first
	}})
	h.start()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = h.rt.Outbox.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	first := "谯城区汤陵街道幸福小区门口的路灯坏了一个月了，晚上很黑，老人孩子出门都不安全，请尽快修理"
	second := "书记您好，谯城区汤陵街道幸福小区门口路灯坏了一个多月，晚上黑漆漆的，老人小孩出门很不安全，麻烦尽快派人修一下"
	send := func(to, body, sid string) {
		resp := h.post(sms.InboundPath, smstest.InboundForm(accountSID, citizen, to, body, sid))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("inbound %s: %d", sid, resp.StatusCode)
		}
	}
	send(mayor, first, "SMdup1")
	testwait.For(t, "the first petition delivered", func() bool { return len(deliveredPetitions(t, h.cfg.Backend.File.Path)) == 1 })
	send(secretary, second, "SMdup2")
	testwait.For(t, "both petitions delivered", func() bool { return len(deliveredPetitions(t, h.cfg.Backend.File.Path)) == 2 })
	ps := deliveredPetitions(t, h.cfg.Backend.File.Path)
	if ps[0].AddressedTo.Number != mayor || ps[1].AddressedTo.Number != secretary {
		t.Fatalf("addressed to %s then %s", ps[0].AddressedTo.Number, ps[1].AddressedTo.Number)
	}
	if ps[0].DuplicateOf != "" || ps[1].DuplicateOf != ps[0].ID {
		t.Errorf("duplicate_of: first %q, second %q; want \"\" and %s", ps[0].DuplicateOf, ps[1].DuplicateOf, ps[0].ID)
	}
	// A third text, another matter, to the mayor again: not linked.
	send(mayor, "谯城区汤陵街道幸福小区楼下烧烤店每天营业到凌晨两点，油烟和噪音太大，无法入睡", "SMdup3")
	testwait.For(t, "the third petition delivered", func() bool { return len(deliveredPetitions(t, h.cfg.Backend.File.Path)) == 3 })
	if p := deliveredPetitions(t, h.cfg.Backend.File.Path)[2]; p.DuplicateOf != "" {
		t.Errorf("another matter linked to %s", p.DuplicateOf)
	}
	// The first text again, word for word, to the secretary: the dialog
	// links it itself and says so; the outbox does not count it again.
	send(secretary, first, "SMdup4")
	testwait.For(t, "the fourth petition delivered", func() bool { return len(deliveredPetitions(t, h.cfg.Backend.File.Path)) == 4 })
	if p := deliveredPetitions(t, h.cfg.Backend.File.Path)[3]; p.DuplicateOf != ps[0].ID {
		t.Errorf("the same text again linked to %q, want %s", p.DuplicateOf, ps[0].ID)
	}
	// The office's figures: four petitions, two of them duplicates.
	rd := &report.Reader{Redis: h.rdb, Prefix: h.prefix, Loc: h.cfg.Location()}
	day := time.Now().In(h.cfg.Location())
	testwait.For(t, "the duplicate counted", func() bool {
		sum, err := rd.Sum(context.Background(), report.Period{Since: day.Add(-24 * time.Hour), Until: day.Add(24 * time.Hour)}, "a")
		return err == nil && sum[""][report.MPetitions] == 4 && sum[""][report.MDuplicates] == 2
	})
	msgs := h.fake.WaitForMessages(t, 4, 10*time.Second)
	for _, m := range msgs {
		if !strings.Contains(m.Body, "MS-") {
			t.Errorf("reply without a case number: %q", m.Body)
		}
	}
	// Reworded past the dialog's own test, the link was found by the
	// outbox after the receipt: the citizen got an ordinary one.
	if strings.Contains(msgs[1].Body, "无需重复") {
		t.Errorf("second reply %q: the dialog linked it, the outbox's index was not exercised", msgs[1].Body)
	}
	if !strings.Contains(msgs[3].Body, "无需重复") || !strings.Contains(msgs[3].Body, ps[0].ID) {
		t.Errorf("fourth reply %q: want the duplicate receipt naming %s", msgs[3].Body, ps[0].ID)
	}
}
