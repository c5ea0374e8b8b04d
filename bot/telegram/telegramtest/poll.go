package telegramtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/go-telegram/bot/models"
)

// AddUpdate queues an update for getUpdates. An update_id of 0 is replaced
// by the next free one; the update_id used is returned.
func (f *Fake) AddUpdate(u models.Update) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	if u.ID == 0 {
		u.ID = f.nextUpdateID
	}
	raw, err := json.Marshal(&u)
	if err != nil {
		f.tb.Errorf("fake Telegram: AddUpdate: %v", err)
		return 0
	}
	f.seeUserMessage(u.Message)
	f.enqueue(u.ID, raw)
	return u.ID
}

// AddRawUpdate queues an update given as JSON, served byte for byte (after
// compaction); it must carry its own update_id. Use it for updates the
// library cannot decode.
func (f *Fake) AddRawUpdate(raw json.RawMessage) {
	var head struct {
		ID *int64 `json:"update_id"`
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		f.tb.Errorf("fake Telegram: AddRawUpdate: %v", err)
		return
	}
	if err := json.Unmarshal(raw, &head); err != nil || head.ID == nil {
		f.tb.Errorf("fake Telegram: AddRawUpdate: no update_id in %s (%v)", raw, err)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.enqueue(*head.ID, buf.Bytes())
}

func (f *Fake) enqueue(id int64, raw json.RawMessage) {
	i := len(f.queue)
	for i > 0 && f.queue[i-1].id > id {
		i--
	}
	f.queue = append(f.queue[:i], append([]queued{{id, raw}}, f.queue[i:]...)...)
	if id >= f.nextUpdateID {
		f.nextUpdateID = id + 1
	}
	f.notify()
}

// PostUpdate posts update (a models.Update, *models.Update, json.RawMessage
// or anything else JSON-encodable) to webhookURL as Telegram does: POST,
// Content-Type application/json, X-Telegram-Bot-Api-Secret-Token when
// secretToken is not "". A models.Update with update_id 0 gets the next free
// one. It returns the HTTP status of the answer.
func (f *Fake) PostUpdate(ctx context.Context, webhookURL, secretToken string, update any) (int, error) {
	var body []byte
	var err error
	switch u := update.(type) {
	case json.RawMessage:
		body = u
	case []byte:
		body = u
	case models.Update:
		body, err = f.marshalUpdate(&u)
	case *models.Update:
		c := *u
		body, err = f.marshalUpdate(&c)
	default:
		body, err = json.Marshal(update)
	}
	if err != nil {
		return 0, fmt.Errorf("fake Telegram: encode update: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, webhookURL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if secretToken != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secretToken)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

func (f *Fake) marshalUpdate(u *models.Update) ([]byte, error) {
	f.mu.Lock()
	if u.ID == 0 {
		u.ID = f.nextUpdateID
		f.nextUpdateID++
	}
	f.seeUserMessage(u.Message)
	f.mu.Unlock()
	return json.Marshal(u)
}

// getUpdates serves a long poll; it takes f.mu itself.
func (f *Fake) getUpdates(ctx context.Context, p map[string]string) (any, *Failure) {
	offset, _ := strconv.ParseInt(p["offset"], 10, 64)
	limit, err := strconv.Atoi(p["limit"])
	if err != nil || limit <= 0 || limit > 100 {
		limit = 100
	}
	timeout, _ := strconv.Atoi(p["timeout"])
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.webhookURL != "" {
		return nil, &Failure{Code: 409, Description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"}
	}
	f.offsets = append(f.offsets, offset)
	switch {
	case offset > 0:
		i := 0
		for i < len(f.queue) && f.queue[i].id < offset {
			i++
		}
		f.queue = f.queue[i:]
	case offset < 0 && int(-offset) < len(f.queue):
		f.queue = f.queue[len(f.queue)-int(-offset):]
	}
	if f.poller != nil {
		close(f.poller) // Telegram ends the older poll
	}
	mine := make(chan struct{})
	f.poller = mine
	f.notify()
	defer func() {
		if f.poller == mine {
			f.poller = nil
		}
	}()
	hold := min(time.Duration(timeout)*time.Second, f.hold)
	timer := time.NewTimer(hold)
	defer timer.Stop()
	for {
		if len(f.queue) > 0 || hold <= 0 {
			out := make([]json.RawMessage, 0, min(limit, len(f.queue)))
			for _, q := range f.queue[:min(limit, len(f.queue))] {
				out = append(out, q.raw)
			}
			return out, nil
		}
		changed := f.changed
		f.mu.Unlock()
		select {
		case <-changed:
		case <-mine:
			f.mu.Lock()
			return nil, &Failure{Code: 409, Description: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"}
		case <-timer.C:
			hold = 0
		case <-ctx.Done():
			hold = 0
		}
		f.mu.Lock()
	}
}
