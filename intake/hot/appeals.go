package hot

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/minsheng/minsheng/intake/classify"
	"github.com/minsheng/minsheng/intake/understand"
)

// appealsTime is the time format of the shared appeals' "time" field.
const appealsTime = "2006-01-02 15:04:05"

// appeal is one line of the shared appeals files (appeals-hot.jsonl.gz).
type appeal struct {
	ID    string `json:"id"`
	User  string `json:"user"`
	Title string `json:"title"`
	Text  string `json:"text"`
	Time  string `json:"time"`
}

// ReadAppeals reads appeals in the shared data's JSON lines (id, user,
// title, text, time; gzip-compressed or not) as items in time order. The
// place is the one the title names, else the text's (a title is short and
// names the place first); the category is model's (none when model is nil).
// Times without a zone are read in loc (UTC when nil).
func ReadAppeals(r io.Reader, model *classify.Model, loc *time.Location) ([]Item, error) {
	if loc == nil {
		loc = time.UTC
	}
	br := bufio.NewReader(r)
	if head, err := br.Peek(2); err == nil && head[0] == 0x1f && head[1] == 0x8b {
		z, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("read appeals: %w", err)
		}
		defer z.Close()
		br = bufio.NewReader(z)
	}
	sc := bufio.NewScanner(br)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	var out []Item
	for line := 1; sc.Scan(); line++ {
		var a appeal
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			return nil, fmt.Errorf("read appeals: line %d: %w", line, err)
		}
		at, err := time.ParseInLocation(appealsTime, a.Time, loc)
		if err != nil {
			return nil, fmt.Errorf("read appeals: line %d: time: %w", line, err)
		}
		text := a.Text
		if a.Title != "" {
			text = a.Title + "。" + a.Text
		}
		place := understand.Place(a.Title, nil).Text
		if placeKey(place) == "" {
			place = understand.Place(a.Text, nil).Text
		}
		it := Item{ID: a.ID, Citizen: a.User, Time: at, Text: text, Place: place}
		if model != nil {
			it.Category, _ = model.Classify(text)
		}
		out = append(out, it)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read appeals: %w", err)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out, nil
}
