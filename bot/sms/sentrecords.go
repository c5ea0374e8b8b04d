package sms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/minsheng/minsheng/bot"
	"github.com/redis/go-redis/v9"
)

// What a sent part is recorded as, how a status callback finds it, and the
// Outbound kept for a re-send (see records for the keys).

// convHash is the conversation hash of the citizen at number to, where the
// sids of the messages sent to it are kept.
func (s *records) convHash(to string) string {
	return bot.ConversationHashKey(s.prefix, bot.ConversationKey(bot.ChannelSMS, to))
}

// sidField is a sid's field in the recipient's conversation hash: its last
// 12 characters (48 random bits: among one citizen's messages of a day a
// clash is out of reach, and would only cost a lookup its answer).
func sidField(sid string) string { return "x" + sid[max(0, len(sid)-12):] }

// memberOf is a message key as the recipient's conversation hash and the
// status callback's URL name it: after the conversation (":3", ":3#r1"),
// or whole when the key is not under the recipient's SMS conversation.
func memberOf(key, to string) string {
	if rest, ok := strings.CutPrefix(key, bot.ConversationKey(bot.ChannelSMS, to)); ok && strings.HasPrefix(rest, ":") {
		return rest
	}
	return key
}

// keyOf is the message key memberOf named.
func keyOf(member, to string) string {
	if strings.HasPrefix(member, ":") {
		return bot.ConversationKey(bot.ChannelSMS, to) + member
	}
	return member
}

// sidValue is what sidField keeps: the message part and when it was sent.
func sidValue(member string, n int, at time.Time) string {
	return member + "|" + strconv.Itoa(n) + "|" + strconv.FormatInt(at.Unix(), 10)
}

// parseSidValue reads sidValue back into the part it names.
func parseSidValue(v, to string) (partRef, bool) {
	rest, _, ok := cutLast(v, "|")
	if !ok {
		return partRef{}, false
	}
	member, n, ok := cutLast(rest, "|")
	part, err := strconv.Atoi(n)
	if !ok || err != nil || part < 0 || member == "" {
		return partRef{}, false
	}
	return partRef{key: keyOf(member, to), n: part}, true
}

func cutLast(s, sep string) (before, after string, ok bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// owners reads which message and part each sid (sent to the number to)
// was recorded for, within recordTTL, in one round trip: a lookup must not
// take another message's part with the same text for its own.
func (s *records) owners(ctx context.Context, to string, sids []string) (map[string]partRef, error) {
	if len(sids) == 0 {
		return nil, nil
	}
	fields := make([]string, len(sids))
	for i, sid := range sids {
		fields[i] = sidField(sid)
	}
	pipe := s.rdb.Pipeline()
	kept := pipe.HMGet(ctx, s.convHash(to), fields...)
	legacy := make([]*redis.SliceCmd, len(sids))
	for i, sid := range sids {
		legacy[i] = pipe.HMGet(ctx, s.msgKey(sid), "k", "n", "ob")
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("read sent message records: %w", err)
	}
	out := make(map[string]partRef, len(sids))
	for i, sid := range sids {
		if v, _ := kept.Val()[i].(string); v != "" {
			if ref, ok := parseSidValue(v, to); ok {
				out[sid] = ref
				continue
			}
		}
		if ref, ok := legacyRef(legacy[i].Val()); ok {
			out[sid] = ref
		}
	}
	return out, nil
}

// legacyRef reads an earlier version's sid record (k, n, ob).
func legacyRef(vals []any) (partRef, bool) {
	key, _ := vals[0].(string)
	if raw, ok := vals[2].(string); ok && key == "" {
		var ob struct{ Key string }
		if json.Unmarshal([]byte(raw), &ob) == nil {
			key = ob.Key
		}
	}
	if key == "" {
		return partRef{}, false // not ours, or forgotten
	}
	ref := partRef{key: key, n: -1} // recorded before part numbers were
	if v, ok := vals[1].(string); ok {
		ref.n, _ = strconv.Atoi(v)
	}
	return ref, true
}

// partRef names one part of one message.
type partRef struct {
	key string
	n   int // -1: unknown
}

// sentRecord is what a MessageSid stands for.
type sentRecord struct {
	Outbound bot.Outbound
	Part     string // the text sent under this sid
}

// storedOutbound is m without what its key tells (the key itself, the
// channel, the conversation and recipient it is under): a third of the
// bytes. outboundFromStore puts them back.
func storedOutbound(m bot.Outbound) bot.Outbound {
	conv, to := underKey(m.Key)
	m.Key = ""
	if m.Channel == bot.ChannelSMS {
		m.Channel = ""
	}
	if m.Conversation == conv {
		m.Conversation = ""
	}
	if m.To == to {
		m.To = ""
	}
	// Twilio sends the text: the template's variables (for a gateway
	// that sends templates only) would cost every kept part ≈130 bytes.
	m.Vars = nil
	return m
}

// outboundFromStore is the Outbound storedOutbound kept under key.
func outboundFromStore(key string, m bot.Outbound) bot.Outbound {
	conv, to := underKey(key)
	if m.Key == "" {
		m.Key = key
	}
	if m.Channel == "" {
		m.Channel = bot.ChannelSMS
	}
	if m.Conversation == "" {
		m.Conversation = conv
	}
	if m.To == "" {
		m.To = to
	}
	return m
}

// underKey is the conversation a message key is under and, for an SMS
// conversation, its number.
func underKey(key string) (conv, to string) {
	root, _ := resendOf(key)
	i := strings.LastIndexByte(root, ':')
	if i <= 0 {
		return "", ""
	}
	conv = root[:i]
	to, _ = strings.CutPrefix(conv, bot.ChannelSMS+":")
	if to == conv {
		to = ""
	}
	return conv, to
}

// partStatusScript records a delivery status of part ARGV[3] of the
// message whose progress hash is KEYS[1]. It returns {0} when the hash is
// gone (older than recordTTL), else {1, first (this status not seen before
// for this part), claimed (1 if ARGV[3] asked to claim the re-send and
// nobody had)}.
//
// KEYS: out hash. ARGV: twilio status, claim re-send (0/1), part.
var partStatusScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end
local first = redis.call('HSETNX', KEYS[1], 'y' .. ARGV[3] .. ':' .. ARGV[1], '1')
local claimed = 0
if ARGV[2] == '1' then claimed = redis.call('HSETNX', KEYS[1], 'c' .. ARGV[3], '1') end
return {1, first, claimed}
`)

// statusScript records a delivery status of a message sent by an earlier
// version, under its sid (sms:msg:). It returns
// {0} for an unknown sid, else {1, first (this status not seen before for
// this sid), claimed (1 if ARGV[2] asked to claim the re-send and nobody had),
// message key, part number, and, for the oldest records, outbound and part
// text}.
//
// KEYS: msg hash. ARGV: twilio status, claim re-send (0/1).
var statusScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end
local first = redis.call('HSETNX', KEYS[1], 'st:' .. ARGV[1], '1')
local claimed = 0
if ARGV[2] == '1' then claimed = redis.call('HSETNX', KEYS[1], 'resent', '1') end
local v = redis.call('HMGET', KEYS[1], 'k', 'n', 'ob', 'part')
return {1, first, claimed, v[1] or '', v[2] or '', v[3] or '', v[4] or ''}
`)

// statusUpdate is what recording a status found.
type statusUpdate struct {
	known   bool // we sent this sid (within recordTTL)
	first   bool // the first callback with this status for this sid
	claimed bool // this callback owns the re-send
	key     string
	n       int
	record  sentRecord // filled by records of earlier versions; see message
	bySid   bool       // recorded under the sid (sms:msg:), by an earlier version
}

// conversation is the citizen's conversation the sid was sent to.
func (u statusUpdate) conversation() string {
	if u.record.Outbound.Conversation != "" {
		return u.record.Outbound.Conversation
	}
	key, _ := resendOf(u.key)
	if i := strings.LastIndexByte(key, ':'); i > 0 {
		return key[:i]
	}
	return ""
}

// message reads what a sid stands for: the Outbound and the part's text
// (one round trip, for a re-send; records of earlier versions carry it).
func (s *records) message(ctx context.Context, u statusUpdate) (sentRecord, error) {
	if u.record.Outbound.Key != "" {
		return u.record, nil
	}
	pipe := s.rdb.Pipeline()
	out := pipe.HGetAll(ctx, s.outKey(u.key))
	legacy := pipe.Get(ctx, s.obKey(u.key))
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return sentRecord{}, fmt.Errorf("sent message %s: %w", bot.MaskPhones(u.key), err)
	}
	raw, ok := outboundOf(out.Val())
	if !ok {
		if raw = legacy.Val(); raw == "" {
			return sentRecord{}, fmt.Errorf("sent message %s: %w", bot.MaskPhones(u.key), redis.Nil)
		}
	}
	var rec sentRecord
	if err := bot.ReadCompactJSON(raw, &rec.Outbound); err != nil {
		return sentRecord{}, fmt.Errorf("sent message %s unreadable: %w", bot.MaskPhones(u.key), err)
	}
	rec.Outbound = outboundFromStore(u.key, rec.Outbound)
	if parts := Split(rec.Outbound.Text); u.n >= 0 && u.n < len(parts) {
		rec.Part = parts[u.n]
	}
	return rec, nil
}

// status records a delivery status of sid, sent to the number to: of the
// part ref when the callback's URL named it (see callbackURL), else of the
// part the recipient's conversation hash keeps for sid (a second round
// trip), else of an earlier version's record.
func (s *records) status(ctx context.Context, sid, to string, ref *partRef, twilioStatus string, claimResend bool) (statusUpdate, error) {
	claim := "0"
	if claimResend {
		claim = "1"
	}
	if ref == nil && to != "" {
		v, err := s.rdb.HGet(ctx, s.convHash(to), sidField(sid)).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return statusUpdate{}, fmt.Errorf("read the sid's message: %w", err)
		}
		if r, ok := parseSidValue(v, to); ok {
			ref = &r
		}
	}
	if ref != nil {
		res, err := partStatusScript.Run(ctx, s.rdb, []string{s.outKey(ref.key)}, twilioStatus, claim, ref.n).Slice()
		if err != nil {
			return statusUpdate{}, fmt.Errorf("record delivery status: %w", err)
		}
		if n, _ := res[0].(int64); n == 0 || len(res) < 3 {
			return statusUpdate{}, nil
		}
		return statusUpdate{known: true, first: res[1] == int64(1), claimed: res[2] == int64(1), key: ref.key, n: ref.n}, nil
	}
	res, err := statusScript.Run(ctx, s.rdb, []string{s.msgKey(sid)}, twilioStatus, claim).Slice()
	if err != nil {
		return statusUpdate{}, fmt.Errorf("record delivery status: %w", err)
	}
	var u statusUpdate
	if n, _ := res[0].(int64); n == 0 || len(res) < 7 {
		return u, nil
	}
	u.known, u.bySid = true, true
	u.first = res[1] == int64(1)
	u.claimed = res[2] == int64(1)
	u.key, _ = res[3].(string)
	n, _ := res[4].(string)
	if u.n, err = strconv.Atoi(n); err != nil {
		u.n = -1
	}
	if raw, _ := res[5].(string); raw != "" { // an earlier version's record
		if err := json.Unmarshal([]byte(raw), &u.record.Outbound); err != nil {
			return u, fmt.Errorf("sent message record of %s unreadable: %w", sid, err)
		}
		u.record.Part, _ = res[6].(string)
		u.key = u.record.Outbound.Key
	}
	return u, nil
}

// unclaimResend gives the re-send back after it could not be queued, so
// Twilio's retry of the callback can try again.
func (s *records) unclaimResend(ctx context.Context, sid string, u statusUpdate) error {
	if u.bySid {
		return s.rdb.HDel(ctx, s.msgKey(sid), "resent").Err()
	}
	return s.rdb.HDel(ctx, s.outKey(u.key), "c"+strconv.Itoa(u.n)).Err()
}

// obChunk is the size of the Outbound's pieces in its progress hash.
const obChunk = 60

// outboundChunks are the hash fields that keep an encoded Outbound: b1…bN
// and bn = N.
func outboundChunks(ob []byte) []any {
	var f []any
	n := 0
	for p := 0; p < len(ob); p += obChunk {
		n++
		f = append(f, "b"+strconv.Itoa(n), ob[p:min(p+obChunk, len(ob))])
	}
	return append(f, "bn", n)
}

// outboundOf puts an Outbound's chunks back together; false when the hash
// has none (or not all of them).
func outboundOf(h map[string]string) (string, bool) {
	n, err := strconv.Atoi(h["bn"])
	if err != nil || n <= 0 {
		return "", false
	}
	var b strings.Builder
	for i := 1; i <= n; i++ {
		c, ok := h["b"+strconv.Itoa(i)]
		if !ok {
			return "", false
		}
		b.WriteString(c)
	}
	return b.String(), true
}
