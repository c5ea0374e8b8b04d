package file

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/internal/escapetest"
)

// Every record type the file backend writes — petition, supplement,
// rating, reopen request — keeps every text field readable: Chinese,
// emoji, "<" and "&" as themselves, never \u escapes (only control
// characters and U+2028/U+2029, which show nothing, are escaped).
func TestEveryRecordIsReadable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "petitions.jsonl")
	b := open(t, path)
	ctx := context.Background()
	const id = "MS-20260311-K7Q2P"
	w := func(s string) string { return s + `：路灯 "坏了" <三个月> & 没人修 😡` }
	staff := &intake.Reporter{Name: w("李明"), TelegramUser: 42, Chat: -100, ChatTitle: w("谯城区网格群")}
	attach := []intake.Attachment{{Kind: "image", URL: "https://files.example.org/a.jpg?x=1&y=<2>", Type: "image/jpeg", FileID: w("file")}}
	p := petition(id)
	p.Citizen.Name = w("王")
	p.ReportedBy = staff
	p.AddressedTo.Name = w("张")
	p.Description = w("描述") + "\t\u0001\u2028"
	p.Location = intake.Location{Text: w("地点"), County: w("县"), Town: w("镇")}
	p.Category.Subcategory = w("物业服务")
	p.Contacts = []string{w("电话")}
	p.Attachments = attach
	p.Transcript = []intake.Turn{{At: t0, From: "citizen", Text: w("市民")}, {At: t0, From: "bot", Text: w("回复")}, {At: t0, From: "staff", Text: w("转发")}}
	p.HotIssue = &intake.HotIssue{ID: "hot-" + id, Title: w("热点"), Size: 2}
	p.Flags = []string{intake.FlagIncomplete}
	if _, err := b.Submit(ctx, p, id); err != nil {
		t.Fatal(err)
	}
	records := []func() error{
		func() error {
			return b.Supplement(ctx, &intake.Supplement{PetitionID: id, Text: w("补充"), Attachments: attach, At: t0.Add(time.Minute)}, "")
		},
		func() error {
			return b.Rate(ctx, &intake.Rating{PetitionID: id, Rating: intake.RatingUnsatisfied, Comment: w("不满意"), At: t0.Add(time.Hour), RecordedBy: staff}, "")
		},
		func() error {
			return b.RequestReopen(ctx, &intake.ReopenRequest{PetitionID: id, Reason: w("复核"), RequestedBy: w("办公室"), At: t0.Add(2 * time.Hour)}, "")
		},
	}
	for _, write := range records {
		if err := write(); err != nil {
			t.Fatal(err)
		}
	}

	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSuffix(raw, []byte("\n")), []byte("\n"))
	types := map[string]bool{}
	for i, m := range readLines(t, path) {
		types[m["type"].(string)] = true
		if esc := escapetest.Printable(lines[i]); len(esc) > 0 {
			t.Errorf("%s line hides %q behind escapes:\n%s", m["type"], esc, lines[i])
		}
	}
	if len(types) != 4 {
		t.Errorf("record types written: %v, want petition, supplement, rating, reopen_requested", types)
	}
	readable := []byte(`路灯 \"坏了\" <三个月> & 没人修 😡`)
	if n := bytes.Count(raw, readable); n != 22 { // every text field above (15 in the petition, 2, 3, 2), as typed
		t.Errorf("the words appear as typed %d times, want 22:\n%s", n, raw)
	}
}
