package file

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/backend"
)

var t0 = time.Date(2026, 3, 11, 14, 5, 0, 123456789, time.FixedZone("CST", 8*3600))

func petition(id string) *intake.Petition {
	return &intake.Petition{
		SchemaVersion: intake.SchemaVersion,
		ID:            id,
		ReceivedAt:    t0,
		Channel:       "sms",
		Citizen:       intake.Citizen{Phone: "+8613912345678"},
		AddressedTo:   intake.Addressee{Number: "+8613800000001", Title: "市长"},
		Description:   "小区门口路灯坏了 <三个月> & 没人修",
		Location:      intake.Location{Text: "谯城区汤陵街道某某小区", County: "谯城区", Town: "汤陵街道"},
		Category:      intake.Category{Code: "urban", Name: "城乡建设", Confidence: 0.82},
		Urgency:       intake.UrgencyNormal,
	}
}

// petitionLine is the line the backend writes for petition(id).
func petitionLine(t *testing.T, id string) string {
	t.Helper()
	rec := backend.NormalizePetition(petition(id))
	rec.Type, rec.CaseID = "petition", id
	line, err := encodeLine(rec)
	if err != nil {
		t.Fatal(err)
	}
	return string(line)
}

func open(t *testing.T, path string) *Backend {
	t.Helper()
	b, err := New(Options{Path: path})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// readLines decodes every line of the file, failing on anything that is not
// one JSON object per newline-terminated line.
func readLines(t *testing.T, path string) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		t.Fatalf("file does not end with a newline: %q", data[max(0, len(data)-40):])
	}
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %d is not JSON: %v: %q", len(out)+1, err, sc.Text())
		}
		out = append(out, m)
	}
	return out
}

func keys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func TestRecordsFormat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "petitions.jsonl")
	b := open(t, path)
	ctx := context.Background()

	id, err := b.Submit(ctx, petition("MS-20260311-K7Q2P"), "MS-20260311-K7Q2P")
	if err != nil || id != "MS-20260311-K7Q2P" {
		t.Fatalf("Submit = %q, %v; want the petition id", id, err)
	}
	if err := b.Supplement(ctx, &intake.Supplement{PetitionID: "MS-20260311-K7Q2P", Text: "补充：灯杆编号 17", At: t0.Add(time.Minute)}, "k2"); err != nil {
		t.Fatal(err)
	}
	if err := b.Rate(ctx, &intake.Rating{PetitionID: "MS-20260311-K7Q2P", CaseID: "CASE-9", Rating: intake.RatingUnsatisfied, Comment: "还没修", At: t0.Add(time.Hour)}, "k3"); err != nil {
		t.Fatal(err)
	}

	lines := readLines(t, path)
	if len(lines) != 3 {
		t.Fatalf("%d lines, want 3", len(lines))
	}
	p, s, r := lines[0], lines[1], lines[2]
	if p["type"] != "petition" || p["case_id"] != "MS-20260311-K7Q2P" || p["id"] != "MS-20260311-K7Q2P" {
		t.Errorf("petition line: type %v case_id %v id %v", p["type"], p["case_id"], p["id"])
	}
	// Lists are [] not null, reported_by stays null, as in the contract.
	for _, k := range []string{"contacts", "attachments", "transcript", "flags"} {
		if _, ok := p[k].([]any); !ok {
			t.Errorf("petition %s = %#v, want a JSON array", k, p[k])
		}
	}
	if v, ok := p["reported_by"]; !ok || v != nil {
		t.Errorf("reported_by = %#v, want null", v)
	}
	if want := []string{"at", "attachments", "case_id", "petition_id", "text", "type"}; !reflect.DeepEqual(keys(s), want) {
		t.Errorf("supplement keys = %v, want %v", keys(s), want)
	}
	if s["type"] != "supplement" || s["case_id"] != "MS-20260311-K7Q2P" || s["text"] != "补充：灯杆编号 17" {
		t.Errorf("supplement line = %v", s)
	}
	if want := []string{"at", "case_id", "comment", "petition_id", "rating", "type"}; !reflect.DeepEqual(keys(r), want) {
		t.Errorf("rating keys = %v, want %v", keys(r), want)
	}
	if r["type"] != "rating" || r["case_id"] != "CASE-9" || r["rating"] != "unsatisfied" {
		t.Errorf("rating line = %v (a given case id is kept)", r)
	}

	raw, _ := os.ReadFile(path)
	if !bytes.Contains(raw, []byte("<三个月> & 没人修")) {
		t.Errorf("citizen text was HTML-escaped: %s", raw)
	}
}

func TestFileAndDirectoryModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "data")
	path := filepath.Join(dir, "p.jsonl")
	open(t, path)
	for _, c := range []struct {
		path string
		max  os.FileMode
	}{{dir, 0o750}, {path, 0o640}} {
		st, err := os.Stat(c.path)
		if err != nil {
			t.Fatal(err)
		}
		perm := st.Mode().Perm()
		if perm&^c.max != 0 || perm&0o600 != 0o600 {
			t.Errorf("%s mode %v, want at most %v with owner rw", c.path, perm, c.max)
		}
	}
}

func TestRepeatsWriteOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.jsonl")
	b := open(t, path)
	ctx := context.Background()
	sup := &intake.Supplement{PetitionID: "A", Text: "照片", Attachments: []intake.Attachment{{Kind: "image", URL: "https://x/1.jpg"}}, At: t0}
	rat := &intake.Rating{PetitionID: "A", Rating: intake.RatingSatisfied, At: t0}
	for i := 0; i < 3; i++ {
		if _, err := b.Submit(ctx, petition("A"), "A"); err != nil {
			t.Fatal(err)
		}
		if err := b.Supplement(ctx, sup, "s"); err != nil {
			t.Fatal(err)
		}
		if err := b.Rate(ctx, rat, "r"); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(readLines(t, path)); n != 3 {
		t.Fatalf("%d lines after three rounds of the same records, want 3", n)
	}

	// Records that differ in any part of their identity are new.
	different := []func() error{
		func() error { _, err := b.Submit(ctx, petition("B"), "B"); return err },
		func() error { s := *sup; s.Text = "另一张照片"; return b.Supplement(ctx, &s, "") },
		func() error {
			s := *sup
			s.Attachments = []intake.Attachment{{URL: "https://x/2.jpg"}}
			return b.Supplement(ctx, &s, "")
		},
		func() error { s := *sup; s.At = t0.Add(time.Nanosecond); return b.Supplement(ctx, &s, "") },
		func() error { s := *sup; s.PetitionID = "B"; return b.Supplement(ctx, &s, "") },
		func() error { r := *rat; r.Rating = intake.RatingUnsatisfied; return b.Rate(ctx, &r, "") },
		func() error { r := *rat; r.Comment = "快"; return b.Rate(ctx, &r, "") },
	}
	for i, f := range different {
		if err := f(); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
	}
	if n := len(readLines(t, path)); n != 3+len(different) {
		t.Fatalf("%d lines, want %d", n, 3+len(different))
	}

	// The same instant in another zone is the same record.
	s := *sup
	s.At = t0.UTC()
	if err := b.Supplement(ctx, &s, ""); err != nil {
		t.Fatal(err)
	}
	if n := len(readLines(t, path)); n != 3+len(different) {
		t.Errorf("same instant in UTC was written again: %d lines", n)
	}
}

func TestReopenDoesNotRewrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.jsonl")
	ctx := context.Background()
	sup := &intake.Supplement{PetitionID: "A", Text: "补充\n第二行 \xff", At: t0}
	rat := &intake.Rating{PetitionID: "A", Rating: intake.RatingUnderstood, Comment: "理解", At: t0}

	b := open(t, path)
	if _, err := b.Submit(ctx, petition("A"), "A"); err != nil {
		t.Fatal(err)
	}
	if err := b.Supplement(ctx, sup, "s"); err != nil {
		t.Fatal(err)
	}
	if err := b.Rate(ctx, rat, "r"); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Submit(ctx, petition("C"), "C"); err == nil {
		t.Error("Submit after Close succeeded")
	}
	before, _ := os.ReadFile(path)

	b2 := open(t, path)
	if id, err := b2.Submit(ctx, petition("A"), "A"); err != nil || id != "A" {
		t.Fatalf("Submit after reopen = %q, %v", id, err)
	}
	if err := b2.Supplement(ctx, sup, "s"); err != nil {
		t.Fatal(err)
	}
	if err := b2.Rate(ctx, rat, "r"); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Fatalf("repeats after reopen changed the file:\nbefore %s\nafter  %s", before, after)
	}
	if _, err := b2.Submit(ctx, petition("B"), "B"); err != nil {
		t.Fatal(err)
	}
	if n := len(readLines(t, path)); n != 4 {
		t.Errorf("%d lines, want 4", n)
	}
}

func TestTornLastLineIsCut(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.jsonl")
	good := petitionLine(t, "A")
	torn := `{"type":"petition","id":"B","case_id":"B","description":"路灯`
	if err := os.WriteFile(path, []byte(good+torn), 0o640); err != nil {
		t.Fatal(err)
	}
	b := open(t, path)
	if got, _ := os.ReadFile(path); string(got) != good {
		t.Fatalf("after New the file is %q, want the torn line cut", got)
	}
	// B was not written (its line was torn), so the retry writes it; A was.
	ctx := context.Background()
	if _, err := b.Submit(ctx, petition("B"), "B"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Submit(ctx, petition("A"), "A"); err != nil {
		t.Fatal(err)
	}
	lines := readLines(t, path)
	if len(lines) != 2 || lines[0]["id"] != "A" || lines[1]["id"] != "B" {
		t.Errorf("lines = %v, want A then B", lines)
	}
}

func TestWholeLastLineWithoutNewlineIsKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.jsonl")
	content := petitionLine(t, "A") + `{"type":"rating","petition_id":"A","rating":"satisfied","comment":"","at":"2026-03-11T14:05:00.123456789+08:00"}`
	if err := os.WriteFile(path, []byte(content), 0o640); err != nil {
		t.Fatal(err)
	}
	b := open(t, path)
	if got, _ := os.ReadFile(path); string(got) != content+"\n" {
		t.Fatalf("after New the file is %q, want the last line finished with a newline", got)
	}
	if err := b.Rate(context.Background(), &intake.Rating{PetitionID: "A", Rating: "satisfied", At: t0}, "r"); err != nil {
		t.Fatal(err)
	}
	if n := len(readLines(t, path)); n != 2 {
		t.Errorf("%d lines, want 2: the kept rating must count as written", n)
	}
}

func TestForeignLinesAreIgnored(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.jsonl")
	content := "not json\n\n" + `{"type":"note","id":"A"}` + "\n" + petitionLine(t, "A")
	if err := os.WriteFile(path, []byte(content), 0o640); err != nil {
		t.Fatal(err)
	}
	b := open(t, path)
	if _, err := b.Submit(context.Background(), petition("A"), "A"); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != content {
		t.Errorf("file changed to %q; foreign lines must be left alone and A not rewritten", got)
	}
}

func TestConcurrentSubmits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.jsonl")
	b := open(t, path)
	ctx := context.Background()
	const workers, ids = 16, 40
	var wg sync.WaitGroup
	errs := make(chan error, workers*ids*2)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Every worker submits every record, so each one races.
			for i := 0; i < ids; i++ {
				id := fmt.Sprintf("MS-%03d", (i+w)%ids)
				if _, err := b.Submit(ctx, petition(id), id); err != nil {
					errs <- err
				}
				if err := b.Supplement(ctx, &intake.Supplement{PetitionID: id, Text: strings.Repeat("长", 2000), At: t0}, ""); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	lines := readLines(t, path)
	count := map[string]int{}
	for _, l := range lines {
		switch l["type"] {
		case "petition":
			count["p:"+l["id"].(string)]++
		case "supplement":
			count["s:"+l["petition_id"].(string)]++
		}
	}
	if len(lines) != 2*ids || len(count) != 2*ids {
		t.Fatalf("%d lines, %d distinct records; want %d of each", len(lines), len(count), 2*ids)
	}
	for k, n := range count {
		if n != 1 {
			t.Errorf("%s written %d times", k, n)
		}
	}
}

func TestRefusals(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.jsonl")
	b := open(t, path)
	ctx := context.Background()
	if _, err := b.Submit(ctx, &intake.Petition{}, ""); !errors.Is(err, intake.ErrPermanent) {
		t.Errorf("petition without id: %v, want ErrPermanent", err)
	}
	if err := b.Supplement(ctx, &intake.Supplement{Text: "x"}, ""); !errors.Is(err, intake.ErrPermanent) {
		t.Errorf("supplement without petition: %v, want ErrPermanent", err)
	}
	if err := b.Rate(ctx, &intake.Rating{Rating: "satisfied"}, ""); !errors.Is(err, intake.ErrPermanent) {
		t.Errorf("rating without petition: %v, want ErrPermanent", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := b.Submit(cctx, petition("A"), "A"); !errors.Is(err, context.Canceled) || errors.Is(err, intake.ErrPermanent) {
		t.Errorf("cancelled context: %v, want a retryable context.Canceled", err)
	}
	if n := len(readLines(t, path)); n != 0 {
		t.Errorf("%d lines written by refused calls", n)
	}
	if _, err := New(Options{}); err == nil {
		t.Error("New without a path succeeded")
	}
}

func TestUnrecoverableWriteFailureStopsWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.jsonl")
	b := open(t, path)
	ctx := context.Background()
	// Pull the descriptor from under the backend: the write and the repair
	// both fail, so it cannot know the file is clean and must stop.
	b.f.Close()
	if _, err := b.Submit(ctx, petition("A"), "A"); err == nil {
		t.Fatal("Submit on a dead descriptor succeeded")
	}
	_, err := b.Submit(ctx, petition("B"), "B")
	if err == nil || !strings.Contains(err.Error(), "reopen to repair") || errors.Is(err, intake.ErrPermanent) {
		t.Errorf("next Submit = %v, want a retryable 'reopen to repair' error", err)
	}
}

// A different petition under an id already in the file (ids repeated after
// the bot's store lost its counters) is neither dropped nor taken for a
// repeat: it is written under a new case id, once, also across a restart.
func TestConflictingPetitionGetsItsOwnCaseID(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.jsonl")
	ctx := context.Background()
	b := open(t, path)
	if id, err := b.Submit(ctx, petition("A"), "A"); err != nil || id != "A" {
		t.Fatalf("first: %q %v", id, err)
	}
	other := petition("A")
	other.Description = "人民路的井盖丢了"
	for i := 0; i < 2; i++ { // the outbox retries: one line
		if id, err := b.Submit(ctx, other, "A"); err != nil || id != "A-2" {
			t.Fatalf("conflicting petition: %q %v, want case id A-2", id, err)
		}
	}
	b.Close()
	b = open(t, path)
	third := petition("A")
	third.Description = "幸福路积水"
	for _, c := range []struct {
		p    *intake.Petition
		want string
	}{{petition("A"), "A"}, {other, "A-2"}, {third, "A-3"}} {
		if id, err := b.Submit(ctx, c.p, "A"); err != nil || id != c.want {
			t.Errorf("after reopen, %q: %q %v, want %s", c.p.Description, id, err, c.want)
		}
	}
	lines := readLines(t, path)
	if len(lines) != 3 {
		t.Fatalf("%d lines, want 3 petitions", len(lines))
	}
	for i, want := range []string{"A", "A-2", "A-3"} {
		if lines[i]["case_id"] != want || lines[i]["id"] != "A" {
			t.Errorf("line %d: id %v case_id %v, want A %s", i, lines[i]["id"], lines[i]["case_id"], want)
		}
	}
	if got := b.PetitionIDs(); len(got) != 3 {
		t.Errorf("PetitionIDs = %v", got)
	}
}
