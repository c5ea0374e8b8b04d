package officials

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

func TestItemsAreKeptCompactlyAndReadBack(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	at := time.Date(2026, 12, 1, 5, 22, 17, 0, cst)
	for _, it := range []Item{
		{ID: "a1c1fc643b", Official: "+8613800000001", Period: "o1796032800000", Conversation: "sms:+8613905000518",
			Phone: "+8613905000518", At: at, PetitionID: "MS-20261201-K7Q2P", Summary: "下水道堵了好几天，污水漫…",
			Reasons: []string{"official_busy"}, ContactBy: at.Add(96 * time.Hour), State: Open},
		{ID: "e5", Official: "+8613800000001", Phone: "+8613905000518", At: at, PetitionID: "MS-20261201-K7Q2P", Summary: "家里着火了",
			Text: "县长您好，家里着火了，幸福小区3号楼2单元，快来人", Emergency: "119", Reasons: []string{"urgent"}, State: Open},
		{ID: "b2", Official: "+8613800000001", Conversation: "tg:123456", Phone: "+8613905000518", Name: "王阿姨", At: at,
			Reasons: []string{"missed_call", "incomplete"}, State: Done, DoneBy: "李秘书", DoneAt: at.Add(time.Hour), Reminded: true},
		{ID: "c3", Official: "+8613800000001", Phone: "+8613905000518", At: at, Reasons: []string{"callback_requested"}, State: Open},
		{ID: "d4", Official: "+8613800000001", Conversation: "sms:+8613905000518", At: at, State: Open}, // no phone known
	} {
		raw := encodeItem(it)
		got, err := decodeItem(it.Official, it.ID, string(raw), cst)
		if err != nil {
			t.Fatal(err)
		}
		want := it
		if want.Phone == "" && want.Conversation == "sms:+8613905000518" {
			want.Phone = "+8613905000518" // the SMS conversation says it
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("read back\n%+v\nwant\n%+v\n(kept as %s)", got, want, raw)
		}
	}
	// The busy night's typical item: the size Redis keeps per citizen.
	typical := Item{ID: "a1c1fc643b", Official: "+8613800000001", Period: "o1796032800000", Conversation: "sms:+8613905000518",
		Phone: "+8613905000518", At: at.Add(390742839), Summary: "下水道堵了好几天，污水漫…", PetitionID: "MS-20261201-K7Q2P",
		Reasons: []string{"official_busy"}, ContactBy: at.Add(96 * time.Hour), State: Open}
	whole, _ := json.Marshal(typical)
	if n := len(encodeItem(typical)); n > 150 || n*3 > len(whole) {
		t.Errorf("kept in %d bytes (whole JSON %d): want at most 150 and a third", n, len(whole))
	}
	// With the citizen's words for the call back (an SMS of 60 characters).
	typical.Text = "县长您好，我们小区下水道堵了好几天了，污水漫到路上，臭气熏天，老人孩子出门都得绕着走，物业说不归他们管，请帮忙解决"
	if n := len(encodeItem(typical)); n > 280 {
		t.Errorf("with its text kept in %d bytes: want at most 280", n)
	}
}

func TestItemsWrittenWholeByEarlierVersionsAreRead(t *testing.T) {
	raw := `{"id":"a1c1fc643b","official":"+8613800000001","period":"o1796032800000","cv":"sms:+8613905000518","phone":"+8613905000518","at":"2026-12-01T05:22:17.390742839+08:00","summary":"下水道堵了","reasons":["official_busy"],"contact_by":"2026-12-05T23:59:59+08:00","state":"open","done_at":"0001-01-01T00:00:00Z"}`
	it, err := decodeItem("+8613800000001", "a1c1fc643b", raw, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if it.ID != "a1c1fc643b" || it.Phone != "+8613905000518" || it.State != Open || it.Summary != "下水道堵了" ||
		it.At.Nanosecond() != 390742839 || !it.DoneAt.IsZero() {
		t.Errorf("read %+v", it)
	}
	// As the previous version kept it: compact fields, plain JSON.
	it, err = decodeItem("+8613800000001", "a1c1fc643b", `{"p":"o1796032800000","cv":"sms:+8613905000518","t":1796083052,"s":"下水道堵了","r":["official_busy"],"c":1796486399}`, time.UTC)
	if err != nil || it.Phone != "+8613905000518" || it.State != Open || it.Summary != "下水道堵了" || it.At.Unix() != 1796083052 || it.Reasons[0] != "official_busy" {
		t.Errorf("read %+v, %v", it, err)
	}
	if _, err := decodeItem("+8613800000001", "x", `{"t":"yesterday"}`, time.UTC); err == nil {
		t.Error("an unreadable item read without an error")
	}
}
