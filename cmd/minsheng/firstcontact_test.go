package main

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// firstContact is one case of testdata/first_contact.jsonl: one or two
// messages a citizen sends, and what must follow. The cases were written
// by someone who had not read the dialog's rules, from what a hotline
// office expects (see the file's kinds).
type firstContact struct {
	Name     string   `json:"name"`
	Kind     string   `json:"kind"`
	Messages []string `json:"messages"`
	Expect   struct {
		Petitions       int             `json:"petitions"`
		FirstReply      string          `json:"first_reply"`
		SecondReply     string          `json:"second_reply"`
		EmergencyNumber json.RawMessage `json:"emergency_number"`
		Urgency         []string        `json:"urgency"`
		Location        string          `json:"location_contains"`
	} `json:"expect"`
}

// numbers is the emergency numbers a case accepts.
func (c firstContact) numbers() []string {
	var one string
	if json.Unmarshal(c.Expect.EmergencyNumber, &one) == nil && one != "" {
		return []string{one}
	}
	var many []string
	_ = json.Unmarshal(c.Expect.EmergencyNumber, &many)
	return many
}

var callRe = regexp.MustCompile(`拨打(1[12][09])`)

// replyKind reads a reply as the citizen does: emergency (a number to call
// and a case id), receipt (a new case id), supplement or info (the first
// case's id, added to / what to do), question, prompt.
func replyKind(text, firstID string) string {
	id := idRe.FindString(text)
	switch {
	case callRe.MatchString(text) && id != "":
		return "emergency"
	case id != "" && strings.Contains(text, "已补充"):
		return "supplement"
	case id != "" && firstID != "" && id == firstID && strings.Contains(text, "补充情况请直接回复"):
		return "info"
	case id != "" && id != firstID:
		return "receipt"
	case id != "":
		return "same-id"
	case strings.Contains(text, "请直接发送") || strings.Contains(text, "请用文字说明"):
		return "prompt"
	case strings.ContainsAny(text, "？?"):
		return "question"
	}
	return "other"
}

// TestFirstContact runs every case through `minsheng chat --json` on the
// embedded defaults, one chat per case, as a citizen would try it.
func TestFirstContact(t *testing.T) {
	f, err := os.Open("testdata/first_contact.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []firstContact
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var c firstContact
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("first_contact.jsonl: %v", err)
		}
		cases = append(cases, c)
	}
	if len(cases) < 100 {
		t.Fatalf("%d cases, want the whole file", len(cases))
	}
	for _, c := range cases {
		t.Run(c.Kind+"/"+c.Name, func(t *testing.T) {
			checkFirstContact(t, c)
		})
	}
}

func checkFirstContact(t *testing.T, c firstContact) {
	path := isolate(t)
	t.Chdir(t.TempDir()) // the embedded store's data folder, fresh
	var replies [][]jsonReply
	code, stdout, stderr := 0, "", ""
	// One chat, one line a message: replies to each line are printed
	// before the next is read, so they split by the ids they name.
	code, stdout, stderr = runCmd(t, context.Background(), strings.Join(c.Messages, "\n")+"\n", "chat", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	all := jsonReplies(t, stdout)
	if len(all) == 0 {
		t.Fatalf("no reply at all to %q", c.Messages)
	}
	replies = append(replies, all)
	first := all[0].Text
	firstID := idRe.FindString(first)
	if got := replyKind(first, ""); got != c.Expect.FirstReply && !(c.Expect.FirstReply == "receipt" && got == "receipt") {
		t.Errorf("first reply to %q is %s, want %s: %s", c.Messages[0], got, c.Expect.FirstReply, first)
	}
	if c.Expect.FirstReply == "emergency" {
		m := callRe.FindStringSubmatch(first)
		if m == nil || !containsString(c.numbers(), m[1]) {
			t.Errorf("emergency reply names %v, want one of %v: %s", m, c.numbers(), first)
		}
	}
	if len(c.Messages) > 1 {
		if len(all) < 2 {
			t.Fatalf("the second message %q got no reply: %v", c.Messages[1], all)
		}
		second := all[1].Text
		got := replyKind(second, firstID)
		want := c.Expect.SecondReply
		switch {
		case got == want:
		case want == "supplement" && got == "emergency" && firstID != "" && strings.Contains(second, firstID):
			// danger now in a supplement: the number, and the same case
		case want == "question" && got == "prompt":
		default:
			t.Errorf("second reply to %q is %s, want %s: %s", c.Messages[1], got, want, second)
		}
	}
	// Petitions in the order the citizen was given their ids (the outbox
	// may deliver two at once); a supplement that reports danger makes its petition urgent.
	var pets []map[string]any
	urgentBy := map[string]bool{}
	added := map[string]string{} // petition id → its supplements' words
	if _, err := os.Stat(path); err == nil {
		for _, p := range readPetitions(t, path) {
			switch p["type"] {
			case "petition":
				pets = append(pets, p)
			case "supplement":
				id := p["petition_id"].(string)
				if p["urgency"] == "urgent" {
					urgentBy[id] = true
				}
				text, _ := p["text"].(string)
				added[id] += text
			}
		}
	}
	said := map[string]int{} // id → the reply that first named it
	for i := len(all) - 1; i >= 0; i-- {
		if id := idRe.FindString(all[i].Text); id != "" {
			said[id] = i
		}
	}
	sort.SliceStable(pets, func(i, j int) bool { return said[pets[i]["id"].(string)] < said[pets[j]["id"].(string)] })
	for _, p := range pets {
		if urgentBy[p["id"].(string)] {
			p["urgency"] = "urgent"
		}
	}
	if len(pets) != c.Expect.Petitions {
		t.Errorf("%d petitions, want %d (replies %v)", len(pets), c.Expect.Petitions, all)
	}
	for i, u := range c.Expect.Urgency {
		if i < len(pets) && pets[i]["urgency"] != u {
			t.Errorf("petition %d urgency %v, want %s: %v", i+1, pets[i]["urgency"], u, pets[i]["description"])
		}
	}
	if want := c.Expect.Location; want != "" && len(pets) > 0 {
		// The place of a petition filed at once (an emergency) comes as
		// its supplement.
		last := pets[len(pets)-1]
		loc, _ := last["location"].(map[string]any)
		if text, _ := loc["text"].(string); !strings.Contains(text, want) && !strings.Contains(added[last["id"].(string)], want) {
			t.Errorf("location %q, want it to contain %q", text, want)
		}
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
