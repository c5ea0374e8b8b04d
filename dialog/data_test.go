package dialog

import (
	"fmt"
	"hash/fnv"
	"sort"
	"testing"
	"time"

	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/internal/appealstest"
)

// appealsFile is the shared set of real appeals (see shared/data/README.md).
// The repository does not ship it.
const appealsFile = appealstest.LabeledFile

// smsRunes is one SMS segment of Chinese text.
const smsRunes = 70

// firstAnswer tallies the first reply to a one-message appeal.
type firstAnswer struct {
	rows, receipt, emergency, where, what, other int
}

func (f *firstAnswer) add(template string) {
	f.rows++
	switch template {
	case "receipt", "receipt_duplicate", "receipt_urgent":
		f.receipt++
	case "receipt_emergency": // the receipt, with the number to call first
		f.receipt++
		f.emergency++
	case "ask_where":
		f.where++
	case "ask_what":
		f.what++
	default:
		f.other++
	}
}

func (f firstAnswer) share(n int) float64 {
	if f.rows == 0 {
		return 0
	}
	return float64(n) / float64(f.rows)
}

func (f firstAnswer) String() string {
	return fmt.Sprintf("%5d rows: receipt %5.1f%% (emergency %d)  ask_where %5.1f%%  ask_what %5.1f%%  other %4.1f%%",
		f.rows, 100*f.share(f.receipt), f.emergency, 100*f.share(f.where), 100*f.share(f.what), 100*f.share(f.other))
}

// devHalf reports whether a row is on the half the word lists were tuned on
// (its id hashes to even), so the other half measures them unseen.
func devHalf(id string) bool {
	h := fnv.New32a()
	h.Write([]byte(id))
	return h.Sum32()%2 == 0
}

// TestRealAppealsAnsweredAtOnce sends the first SMS of each real appeal as
// one message and checks that most are answered with the receipt at once:
// asking "where" of a pension question costs the citizen an SMS for nothing.
func TestRealAppealsAnsweredAtOnce(t *testing.T) {
	rows := appealstest.Read(t, appealsFile)

	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil { // no tzdata on this machine: the same offset will do
		loc = time.FixedZone("CST", 8*3600)
	}
	m := New(Settings{Location: loc, SupplementWindow: 30 * time.Minute, IdleSubmitAfter: 30 * time.Minute,
		DedupWindow: 72 * time.Hour}, nil)
	at := time.Date(2026, 3, 11, 14, 5, 0, 0, loc)

	var all, even, odd firstAnswer
	byLabel := map[string]*firstAnswer{}
	for _, row := range rows {
		text := []rune(row.Text)
		if len(text) > smsRunes {
			text = text[:smsRunes]
		}
		out := m.Step(&State{}, Input{Kind: KindMessage, Now: at, Message: &Message{Channel: "sms",
			Citizen: intake.Citizen{Phone: "+8613912345678"}, Text: string(text), At: at, PetitionID: "MS-20260311-00001"}})
		first := ""
		if len(out.Replies) > 0 {
			first = out.Replies[0].Template
		}
		all.add(first)
		if devHalf(row.ID) {
			even.add(first)
		} else {
			odd.add(first)
		}
		if byLabel[row.Label] == nil {
			byLabel[row.Label] = &firstAnswer{}
		}
		byLabel[row.Label].add(first)
	}
	if all.rows == 0 {
		t.Fatalf("%s has no rows", appealsFile)
	}
	t.Logf("all   %v", all)
	t.Logf("even  %v (the half the word lists were tuned on)", even)
	t.Logf("odd   %v (held out while tuning)", odd)
	labels := make([]string, 0, len(byLabel))
	for l := range byLabel {
		labels = append(labels, l)
	}
	sort.Strings(labels)
	for _, l := range labels {
		t.Logf("%-8s %v", l, *byLabel[l])
	}
	if got := all.share(all.receipt); got < 0.98 {
		t.Errorf("answered at once: %.1f%% of %d first SMS, want ≥ 98%%", 100*got, all.rows)
	}
}

// TestNoPlaceNeeded: a matter that is nowhere in particular gets the
// receipt at once and is not flagged incomplete for lacking a place; a
// place-bound one is still asked.
func TestNoPlaceNeeded(t *testing.T) {
	// text → the location the petition names: a named company is whom the
	// matter is about.
	for text, where := range map[string]string{"今年养老金什么时候调整？": "", "請問教師職稱評審什麼時候開始": "",
		"奥新燃气公司乱收开户费，一户收一千八": "奥新燃气公司", "我组的路灯坏了半年了": ""} {
		play(t, machine(nil), []step{{text: text, want: []string{"receipt"}, events: []string{"submit"},
			check: func(t *testing.T, st *State, out Output) {
				if p := submitted(t, out); p.HasFlag(intake.FlagIncomplete) || p.Location.Text != where {
					t.Errorf("%q: flags %v, location %q, want %q", text, p.Flags, p.Location.Text, where)
				}
			}}})
	}
	play(t, machine(nil), []step{
		{text: "路灯坏了", want: []string{"ask_where"}},
		{at: time.Minute, text: "不知道", want: []string{"ask_where"}},
		{at: 2 * time.Minute, text: "就是养老院门口那条", want: []string{"receipt"}, events: []string{"submit"},
			check: func(t *testing.T, st *State, out Output) {
				// The place in the citizen's own words is the place.
				if p := submitted(t, out); p.Location.Text != "养老院门口那条" || p.HasFlag(intake.FlagIncomplete) {
					t.Errorf("location %q, flags %v", p.Location.Text, p.Flags)
				}
			}},
	})
}
