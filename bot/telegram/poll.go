package telegram

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	msbot "github.com/minsheng/minsheng/bot"
)

// poller takes updates with getUpdates while this replica holds the lease.
// It calls getUpdates itself (the library's loop confirms updates before
// they are handled, and retries an undecodable batch forever): the offset
// in Redis moves past a batch only after every update of it was taken in,
// so a poller that dies mid-batch leaves it to the next one, which takes it
// in again; the pipeline drops what it already had by update id.
type poller struct {
	c    *Channel
	http *http.Client
}

func (p *poller) run(ctx context.Context) error {
	c := p.c
	p.http = &http.Client{Timeout: p.timeout() + 10*time.Second}
	token := newToken()
	defer c.records.release(context.WithoutCancel(ctx), token)
	failures := 0
	for ctx.Err() == nil {
		held, err := c.records.hold(ctx, token, c.opt.LeaseTTL)
		if err != nil || !held {
			// Another replica polls; look again before its lease could end.
			sleep(ctx, c.opt.LeaseTTL/3)
			continue
		}
		if err := p.round(ctx); err != nil && ctx.Err() == nil {
			failures++
			c.log.Warn("telegram polling failed", "err", err, "failures", failures)
			sleep(ctx, min(time.Duration(failures)*time.Second, 30*time.Second))
			continue
		}
		failures = 0
	}
	return nil
}

// timeout is how long one getUpdates waits for updates: well inside the
// lease, so the holder renews it in time.
func (p *poller) timeout() time.Duration {
	return max(min(p.c.opt.PollTimeout, p.c.opt.LeaseTTL/2), time.Second)
}

// round asks for updates once and takes them in, in order.
func (p *poller) round(ctx context.Context) error {
	c := p.c
	offset, err := c.records.offset(ctx)
	if err != nil {
		return fmt.Errorf("read offset: %w", err)
	}
	updates, err := p.getUpdates(ctx, offset)
	if err != nil {
		return err
	}
	next := offset
	for _, raw := range updates {
		var head struct {
			ID int64 `json:"update_id"`
		}
		if json.Unmarshal(raw, &head) != nil {
			c.metrics.updates.WithLabelValues("undecodable").Inc()
			c.log.Warn("telegram update without an update_id skipped")
			continue
		}
		if err := c.handle(ctx, raw); err != nil {
			// Taken in up to here: start there next time.
			if head.ID > next {
				_ = c.records.setOffset(ctx, head.ID)
			}
			return fmt.Errorf("update %d: %w", head.ID, err)
		}
		next = max(next, head.ID+1)
	}
	if next != offset {
		if err := c.records.setOffset(ctx, next); err != nil {
			return fmt.Errorf("store offset: %w", err)
		}
	}
	return nil
}

// getUpdates asks the Bot API for updates at offset, as raw JSON each, so
// that one update that does not decode is skipped alone.
func (p *poller) getUpdates(ctx context.Context, offset int64) ([]json.RawMessage, error) {
	c := p.c
	body, _ := json.Marshal(map[string]any{
		"offset": offset, "timeout": int(p.timeout().Seconds()), "allowed_updates": allowedUpdates,
	})
	base := c.opt.APIURL
	if base == "" {
		base = "https://api.telegram.org"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(base, "/")+"/bot"+c.opt.Token+"/getUpdates", bytes.NewReader(body))
	if err != nil {
		return nil, errors.New("getUpdates: bad telegram.api_url")
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		// The error names the URL, which holds the token.
		return nil, fmt.Errorf("getUpdates: %s", strings.ReplaceAll(err.Error(), c.opt.Token, "***"))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return nil, fmt.Errorf("getUpdates: read: %w", err)
	}
	var ans struct {
		OK          bool              `json:"ok"`
		Result      []json.RawMessage `json:"result"`
		ErrorCode   int               `json:"error_code"`
		Description string            `json:"description"`
	}
	if err := json.Unmarshal(raw, &ans); err != nil {
		return nil, fmt.Errorf("getUpdates: HTTP %d, not JSON", resp.StatusCode)
	}
	if !ans.OK {
		return nil, fmt.Errorf("getUpdates: %d %s", ans.ErrorCode, ans.Description)
	}
	return ans.Result, nil
}

// webhook takes updates Telegram posts (webhook mode).
type webhook struct{ c *Channel }

// SecretHeader carries telegram.webhook_secret on every webhook call.
const SecretHeader = "X-Telegram-Bot-Api-Secret-Token"

func (h *webhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Checked before anything is read: the library would answer 200 to a
	// wrong secret, and Telegram never retries a 4xx.
	got := r.Header.Get(SecretHeader)
	if subtle.ConstantTimeCompare([]byte(got), []byte(h.c.opt.WebhookSecret)) != 1 {
		msbot.Error(w, http.StatusUnauthorized, "bad or missing "+SecretHeader)
		return
	}
	body, ok := msbot.ReadBody(w, r)
	if !ok {
		return
	}
	if err := h.c.handle(r.Context(), body); err != nil {
		// Telegram retries: the update id makes the retry safe.
		h.c.log.Error("telegram update not taken in", "err", msbot.MaskPhones(err.Error()))
		msbot.Error(w, http.StatusInternalServerError, "could not take the update in; retry")
		return
	}
	w.WriteHeader(http.StatusOK)
}

func newToken() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
