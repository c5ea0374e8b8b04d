package officials

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/minsheng/minsheng/internal/compact"
)

// How a call-back item is kept: one field of the official's list hash per
// item, by the thousand on a busy night, so compact: the id and the
// official are the field and the key, times are unix seconds, the phone
// is left out when the conversation is its SMS one ("sms:" + phone), the
// state when open; the JSON is deflated (package compact: the summary's
// characters take fewer bits). Items written as plain JSON by earlier
// versions, compact or whole (starting {"id"), read as they are. 435 bytes
// become about 130.
type storedItem struct {
	Period       string   `json:"p,omitempty"`
	Conversation string   `json:"cv,omitempty"`
	Phone        string   `json:"ph,omitempty"`
	Name         string   `json:"n,omitempty"`
	At           int64    `json:"t"`
	PetitionID   string   `json:"pid,omitempty"`
	Summary      string   `json:"s,omitempty"`
	Text         string   `json:"x,omitempty"`
	Emergency    string   `json:"em,omitempty"`
	Reasons      []string `json:"r,omitempty"`
	ContactBy    int64    `json:"c,omitempty"`
	State        string   `json:"st,omitempty"` // "" = open
	DoneBy       string   `json:"db,omitempty"`
	DoneAt       int64    `json:"da,omitempty"`
	Reminded     bool     `json:"rm,omitempty"`
}

// smsConversation is the conversation key of an SMS citizen (bot.ConversationKey).
const smsConversation = "sms:"

func encodeItem(it Item) []byte {
	s := storedItem{Period: it.Period, Conversation: it.Conversation, Phone: it.Phone, Name: it.Name,
		At: unixOrZero(it.At), PetitionID: it.PetitionID, Summary: it.Summary, Reasons: it.Reasons,
		ContactBy: unixOrZero(it.ContactBy), DoneBy: it.DoneBy, DoneAt: unixOrZero(it.DoneAt), Reminded: it.Reminded,
		Text: it.Text, Emergency: it.Emergency}
	if it.State != Open {
		s.State = it.State
	}
	if it.Phone != "" && it.Conversation == smsConversation+it.Phone {
		s.Phone = ""
	}
	raw, _ := compact.Marshal(s) // strings, numbers and bools only: cannot fail
	return raw
}

// decodeItem reads an item kept in official's list under id.
func decodeItem(official, id, raw string, loc *time.Location) (Item, error) {
	if strings.HasPrefix(raw, `{"id"`) { // written whole by an earlier version
		var it Item
		if err := json.Unmarshal([]byte(raw), &it); err != nil {
			return Item{}, fmt.Errorf("call-back item %s unreadable: %w", id, err)
		}
		return it, nil
	}
	var s storedItem
	if err := compact.Unmarshal(raw, &s); err != nil {
		return Item{}, fmt.Errorf("call-back item %s unreadable: %w", id, err)
	}
	it := Item{ID: id, Official: official, Period: s.Period, Conversation: s.Conversation, Phone: s.Phone, Name: s.Name,
		At: timeOrZero(s.At, loc), PetitionID: s.PetitionID, Summary: s.Summary, Reasons: s.Reasons,
		ContactBy: timeOrZero(s.ContactBy, loc), State: s.State, DoneBy: s.DoneBy, DoneAt: timeOrZero(s.DoneAt, loc), Reminded: s.Reminded,
		Text: s.Text, Emergency: s.Emergency}
	if it.State == "" {
		it.State = Open
	}
	if it.Phone == "" && strings.HasPrefix(it.Conversation, smsConversation+"+") {
		it.Phone = strings.TrimPrefix(it.Conversation, smsConversation)
	}
	return it, nil
}

func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func timeOrZero(sec int64, loc *time.Location) time.Time {
	if sec == 0 {
		return time.Time{}
	}
	return time.Unix(sec, 0).In(loc)
}
