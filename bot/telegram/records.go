package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// records are the channel's own keys in Redis, under "<prefix>tg:":
//
//	poll:lease          the poller's lease (one replica polls)
//	poll:offset         the next update id to ask for
//	msg:{chat}:<id>     a message the bot sent that answers can refer to
//	                    (a receipt staff reply to, a survey's buttons):
//	                    its conversation and petition, for 90 days
//	parts:{key}         how many parts of a long message were sent
type records struct {
	rdb    redis.UniversalClient
	prefix string
}

// botMessage is what the bot remembers of a message it sent.
type botMessage struct {
	Conversation string `json:"cv"`
	Case         string `json:"case,omitempty"`
}

// botMessageTTL is how long answers to a bot's message are taken back to
// its petition: past the survey's expiry and a staff member's follow-up.
const botMessageTTL = 90 * 24 * time.Hour

func (r records) msgKey(chat int64, id int) string {
	return r.prefix + "msg:{" + strconv.FormatInt(chat, 10) + "}:" + strconv.Itoa(id)
}

func (r records) rememberMessage(ctx context.Context, chat int64, id int, m botMessage) error {
	b, _ := json.Marshal(m)
	if err := r.rdb.Set(ctx, r.msgKey(chat, id), b, botMessageTTL).Err(); err != nil {
		return fmt.Errorf("remember message %d: %w", id, err)
	}
	return nil
}

// message finds what a bot's message was about; ok is false when it is not
// one the bot remembers.
func (r records) message(ctx context.Context, chat int64, id int) (botMessage, bool, error) {
	raw, err := r.rdb.Get(ctx, r.msgKey(chat, id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return botMessage{}, false, nil
	}
	if err != nil {
		return botMessage{}, false, fmt.Errorf("look up message %d: %w", id, err)
	}
	var m botMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return botMessage{}, false, nil
	}
	return m, true, nil
}

func (r records) partsKey(key string) string { return r.prefix + "parts:{" + key + "}" }

// partsSent is how many parts of the message keyed key went out already.
func (r records) partsSent(ctx context.Context, key string) (int, error) {
	n, err := r.rdb.Get(ctx, r.partsKey(key)).Int()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	return n, err
}

func (r records) partSent(ctx context.Context, key string, n int) error {
	return r.rdb.Set(ctx, r.partsKey(key), n, 24*time.Hour).Err()
}

func (r records) leaseKey() string  { return r.prefix + "poll:lease" }
func (r records) offsetKey() string { return r.prefix + "poll:offset" }

// leaseScript takes or renews the lease for token.
// KEYS: lease  ARGV: token, ttl ms. Returns 1 when held.
var leaseScript = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if cur == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if cur == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0`)

// releaseScript gives the lease up if it is token's.
var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`)

func (r records) hold(ctx context.Context, token string, ttl time.Duration) (bool, error) {
	n, err := leaseScript.Run(ctx, r.rdb, []string{r.leaseKey()}, token, ttl.Milliseconds()).Int()
	return n == 1, err
}

func (r records) release(ctx context.Context, token string) {
	_ = releaseScript.Run(ctx, r.rdb, []string{r.leaseKey()}, token).Err()
}

func (r records) offset(ctx context.Context) (int64, error) {
	n, err := r.rdb.Get(ctx, r.offsetKey()).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	return n, err
}

func (r records) setOffset(ctx context.Context, n int64) error {
	return r.rdb.Set(ctx, r.offsetKey(), n, 0).Err()
}
