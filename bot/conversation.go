package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"github.com/minsheng/minsheng/intake/queue"
	"github.com/minsheng/minsheng/intake/report"
	"github.com/redis/go-redis/v9"
)

// A conversation is an actor over Redis: inputs are appended to its inbox;
// whoever holds its lock runs the dialog over the whole inbox, in order, and
// commits state, replies and petitions in one script that also trims the
// inbox. Two messages arriving at once on two replicas are both kept, in
// arrival order; a worker that dies holding the lock loses nothing: the
// inbox stays, the lock expires, and the conversation's timer (set on every
// ingest) makes the scheduler run it again.
//
// Every key of a conversation carries its shard's hash tag, as do the send
// queue and outbox streams of that shard, so both scripts work in Redis Cluster.

// convKeys are the keys of one conversation.
//
// What a conversation keeps between steps is one hash (c:), kept as long
// as its state: its record (field s, see encodeRecord), its message count
// in the flood window (f: "window start ms:count"), the last inputs it took
// in (i: up to maxSeen short hashes of provider message ids, so a
// redelivery is taken once) and the Seq of the last message sent to the
// citizen (o, see SendQueue). One key instead of four: a key costs Redis
// about 60 bytes before its value.
type convKeys struct {
	shard  int
	tag    string
	hash   string
	inbox  string
	lock   string
	timers string
	// Written by versions before the hash; read until they expire.
	legacyState string
}

func (s *Store) conv(conv string) convKeys {
	shard := queue.ShardOf(conv)
	tag := queue.Tag(s.Prefix, shard)
	return convKeys{
		shard: shard, tag: tag,
		hash:        convHashKey(s.Prefix, conv),
		inbox:       tag + "inbox:" + conv,
		lock:        tag + "lock:" + conv,
		timers:      timerKey(tag, conv),
		legacyState: tag + "conv:" + conv,
	}
}

// Timers: a shard's due conversations are spread over timerBuckets sorted
// sets ({sN}:t0…), by timerBucket of the conversation key. Up to 128
// entries a sorted set keeps Redis's compact encoding (listpack, ≈ 35 bytes
// an entry: member and score) instead of a skiplist (≈ 125 bytes): with 32
// buckets, 65,000 open timers over the 16 shards before any grows past it.
// The one set per shard of earlier versions ({sN}:timers) is still read;
// a conversation due there moves to its bucket.
const timerBuckets = 32

// timerBucket spreads conversation keys over the buckets: a polynomial hash
// of the key's bytes modulo 2^31-1, mixed twice by Park and Miller's
// multiplier (every step exact in Lua's doubles), its middle bits; dueScript
// computes the same (timer_key). 20,000 sequential phone numbers fill the
// 32 buckets within 618 to 633; a plain sum or polynomial piles them into
// a few.
func timerBucket(conv string) int {
	const m = 2147483647
	h := 0
	for i := 0; i < len(conv); i++ {
		h = (h*31 + int(conv[i])) % m
	}
	h = h * 48271 % m
	h = h * 48271 % m
	return h / 4096 % timerBuckets
}

// timerKey is the sorted set that keeps conv's timer, under the shard's tag.
func timerKey(tag, conv string) string { return tag + "t" + strconv.Itoa(timerBucket(conv)) }

// ConversationHashKey is a conversation's hash (see convKeys). A channel
// may keep a field of its own there, named with a letter the hash does not
// use (the SMS loop guard's are "l…"): it lives as long as the
// conversation and costs no key.
func ConversationHashKey(prefix, conv string) string { return convHashKey(prefix, conv) }

// convHashKey is a conversation's hash (see convKeys).
func convHashKey(prefix, conv string) string {
	return queue.Tag(prefix, queue.ShardOf(conv)) + "c:" + conv
}

// legacySeen is where earlier versions marked an input taken in.
func (k convKeys) legacySeen(id string) string { return k.tag + "seen:" + id }

// maxSeen is how many inputs of a conversation are remembered to take a
// redelivery once: a provider redelivers within minutes, and a citizen's
// burst is a few messages.
const maxSeen = 32

// seenID is the short form of an input's id kept in the hash.
func seenID(id string) string {
	h := fnv.New64a()
	h.Write([]byte(id))
	return strconv.FormatUint(h.Sum64(), 36)
}

// busy is the shard's copy of an official's busy period (officials.BusyKey).
func (k convKeys) busy(number string) string {
	if number == "" {
		number = "-"
	}
	return k.tag + "busy:" + number
}
func (k convKeys) counter(day string) string { return k.tag + "pid:" + day }

// stateLua keeps a conversation's record in its hash as chunks of at most
// stateChunk bytes (fields s1…sN, N in field sn): Redis keeps a hash whose
// values are all 64 bytes or less in its compact encoding (listpack, by
// default), and a single 300-byte value would cost the hash about 200
// bytes more. Field s holds a record written whole by an earlier version,
// the legacy key one written before the hash.
const stateLua = `
local function read_state(h, legacy)
  local n = tonumber(redis.call('HGET', h, 'sn') or '0')
  if n > 0 then
    local f = {}
    for j = 1, n do f[j] = 's' .. j end
    local parts = redis.call('HMGET', h, unpack(f))
    for j = 1, n do parts[j] = parts[j] or '' end
    return table.concat(parts)
  end
  return redis.call('HGET', h, 's') or redis.call('GET', legacy) or ''
end
local function write_state(h, st, waits)
  local old = tonumber(redis.call('HGET', h, 'sn') or '0')
  local set, n = {}, 0
  for p = 1, #st, 60 do
    n = n + 1
    set[#set + 1] = 's' .. n
    set[#set + 1] = string.sub(st, p, p + 59)
  end
  set[#set + 1] = 'sn'
  set[#set + 1] = n
  local del = {'s'}
  if waits then
    set[#set + 1] = 'w'
    set[#set + 1] = '1'
  else
    del[#del + 1] = 'w'
  end
  redis.call('HSET', h, unpack(set)) -- one call: each one scans the listpack
  for j = n + 1, old do del[#del + 1] = 's' .. j end
  redis.call('HDEL', h, unpack(del))
end
`

// readStateScript reads a conversation's stored record (staff tools, tests).
// KEYS: hash, legacy state.
var readStateScript = redis.NewScript(stateLua + `return read_state(KEYS[1], KEYS[2])`)

// ingestScript records one input. It returns {status, reserved, flood,
// state, items…}: status 0 = a duplicate (nothing done), 1 = recorded and the
// lock taken (state and the whole inbox follow), 2 = recorded for the lock
// holder, who will process it before letting go, or (deferred) for the
// scheduler, whose timer for the conversation it sets to now, 3 = recorded
// to wait for the rest of its burst: the conversation's timer is set to the
// end of the window (waitMs), when the scheduler runs the dialog once. It
// waits only where the last commit marked the conversation so (field w:
// dialog.Machine.Waits) or there is none yet, and within the flood limit
// (whose notice is not held back).
//
// KEYS: hash, inbox, lock, counter, timers, busy (the shard's copy of the
// written-to official's busy period), legacy state, legacy seen
// ARGV: item, seen id (” = no deduplication), stateTTLms, reserve(0/1),
//
//	day, token, lockTTLms, nowMs, conv, floodWindowMs, idFloor, maxSeen,
//	deferred(0/1), waitMs (0 = answer now), floodMax (0 = none)
var ingestScript = redis.NewScript(stateLua + `
local now = tonumber(ARGV[8])
local wait = tonumber(ARGV[14])
-- the hash's fields ingest reads, in one call; its writes go in one HSET
local h = redis.call('HMGET', KEYS[1], 'w', 'i', 'f')
if wait > 0 and h[1] ~= '1' and
    (h[2] or h[3] or redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[7]) == 1) then
  wait = 0 -- the state may answer it at once: the dialog runs now
end
local set = {}
if ARGV[2] ~= '' then
  local seen = h[2] or ''
  if string.find(' ' .. seen .. ' ', ' ' .. ARGV[2] .. ' ', 1, true) then return {0} end
  if redis.call('EXISTS', KEYS[8]) == 1 then return {0} end
  local ids = {}
  for id in string.gmatch(seen, '%S+') do ids[#ids+1] = id end
  ids[#ids+1] = ARGV[2]
  while #ids > tonumber(ARGV[12]) do table.remove(ids, 1) end
  set[#set+1] = 'i'
  set[#set+1] = table.concat(ids, ' ')
end
local reserved = ''
if ARGV[4] == '1' then
  -- a hybrid clock: never below the floor, so ids do not repeat after the
  -- counter was lost (intake/id.go)
  local n = redis.call('INCR', KEYS[4])
  local floor = tonumber(ARGV[11])
  if n < floor then
    n = floor
    redis.call('SET', KEYS[4], n, 'EX', 172800)
  elseif n == 1 then
    redis.call('EXPIRE', KEYS[4], 172800)
  end
  reserved = ARGV[5] .. ':' .. n
end
local flood = 0
local win = tonumber(ARGV[10])
if win > 0 then
  local start, n = now, 0
  if h[3] then
    local a, b = string.match(h[3], '^(%d+):(%d+)$')
    if a and now - tonumber(a) < win then start, n = tonumber(a), tonumber(b) end
  end
  flood = n + 1
  set[#set+1] = 'f'
  set[#set+1] = string.format('%.0f:%d', start, flood)
end
local fmax = tonumber(ARGV[15])
if wait > 0 and fmax > 0 and flood > fmax then wait = 0 end -- the flood notice goes now
if wait > 0 then -- a burst's next message waits too
  set[#set+1] = 'w'
  set[#set+1] = '1'
end
if #set > 0 then
  redis.call('HSET', KEYS[1], unpack(set))
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
-- the official's busy period, as its shard copy has it (会后联系)
local busy = redis.call('GET', KEYS[6]) or ''
redis.call('RPUSH', KEYS[2], reserved .. '|' .. flood .. '|' .. busy .. '\n' .. ARGV[1])
-- if whoever processes this dies, the scheduler comes back after the lock
-- expired; a deferred input is the scheduler's at once
local rescue = now + tonumber(ARGV[7])
if wait > 0 then rescue = wait elseif ARGV[13] == '1' then rescue = now end
redis.call('ZADD', KEYS[5], 'LT', rescue, ARGV[9]) -- an earlier timer stays
if wait > 0 then return {3, reserved, flood} end
if ARGV[13] ~= '1' and redis.call('SET', KEYS[3], ARGV[6], 'NX', 'PX', ARGV[7]) then
  local st = read_state(KEYS[1], KEYS[7])
  local out = {1, reserved, flood, st}
  for _, it in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do out[#out+1] = it end
  return out
end
return {2, reserved, flood}
`)

// commitScript writes the outcome of processing n inbox items, if the lock
// is still ours. It returns {-1} when the lock was lost (another worker will
// redo the items: nothing was written), {0} when done (lock released), or
// {1, items…} when more arrived meanwhile (lock kept, process those).
//
// KEYS: lock, hash, inbox, timers, sendq, outbox, bulk, callbacks, legacy state, handover, report…
// ARGV: token, n, state, stateTTLs, wakeMs (0 = none), conv, lockTTLms, nowMs,
//
//	waits (0/1: dialog.Machine.Waits, for ingest), nSend, send…, nOut, out…,
//	nBulk, bulk…, nCallback, callback…, nHandover, handover…, report…
var commitScript = redis.NewScript(report.Lua + stateLua + `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {-1} end
write_state(KEYS[2], ARGV[3], ARGV[9] == '1')
redis.call('EXPIRE', KEYS[2], ARGV[4])
redis.call('DEL', KEYS[9])
redis.call('LTRIM', KEYS[3], tonumber(ARGV[2]), -1)
local i = 10
local ns = tonumber(ARGV[i])
for j = 1, ns do redis.call('XADD', KEYS[5], '*', 'e', ARGV[i + j]) end
i = i + ns + 1
local no = tonumber(ARGV[i])
for j = 1, no do redis.call('XADD', KEYS[6], '*', 'e', ARGV[i + j]) end
i = i + no + 1
local nb = tonumber(ARGV[i])
for j = 1, nb do redis.call('XADD', KEYS[7], '*', 'e', ARGV[i + j]) end
i = i + nb + 1
local nc = tonumber(ARGV[i])
for j = 1, nc do redis.call('XADD', KEYS[8], '*', 'e', ARGV[i + j]) end
i = i + nc + 1
local nh = tonumber(ARGV[i])
for j = 1, nh do redis.call('XADD', KEYS[10], '*', 'e', ARGV[i + j]) end
report_apply(10, i + nh + 1) -- the office's figures (intake/report)
local rest = redis.call('LRANGE', KEYS[3], 0, -1)
if #rest > 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[7])
  redis.call('ZADD', KEYS[4], tonumber(ARGV[8]) + tonumber(ARGV[7]), ARGV[6])
  local out = {1}
  for _, it in ipairs(rest) do out[#out+1] = it end
  return out
end
if tonumber(ARGV[5]) > 0 then
  redis.call('ZADD', KEYS[4], ARGV[5], ARGV[6])
else
  redis.call('ZREM', KEYS[4], ARGV[6])
end
redis.call('DEL', KEYS[1])
return {0}
`)

// dueScript hands out conversations whose timer is due, pushing each timer
// a lease into the future so that a worker dying on it does not lose it. It
// appends a tick to each one's inbox and takes its lock where free, as
// ingest does, returning its state and inbox in the same round trip: a
// scheduled tick costs the read it shares with the shard's other due
// conversations, and its commit. It returns {when the next timer is due
// (ms, 0 = none), then per conversation: conv, token (” = the lock is
// held: its holder takes the tick), state, #items, items…}.
//
// The keys of each conversation are named from the shard's tag (ARGV[4]),
// as Store.conv names them: they share KEYS[1]'s hash slot.
//
// KEYS: the shard's timers of earlier versions (the buckets are named from
// the tag)  ARGV: nowMs, leaseMs, limit, tag, token, lockTTLms, tick item
var dueScript = redis.NewScript(stateLua + `
local now, limit, tag = tonumber(ARGV[1]), tonumber(ARGV[3]), ARGV[4]
local lease = now + tonumber(ARGV[2])
local function timer_key(c) -- Store.conv's timerKey
  local m = 2147483647
  local h = 0
  for i = 1, #c do h = (h * 31 + string.byte(c, i)) % m end
  h = (h * 48271) % m
  h = (h * 48271) % m
  return tag .. 't' .. (math.floor(h / 4096) % ` + strconv.Itoa(timerBuckets) + `)
end
local sets = {KEYS[1]} -- the shard's set of earlier versions
for b = 0, ` + strconv.Itoa(timerBuckets-1) + ` do sets[#sets+1] = tag .. 't' .. b end
local out = {'0'}
local n = 0
for _, set in ipairs(sets) do
  if n >= limit then break end
  for _, c in ipairs(redis.call('ZRANGEBYSCORE', set, '-inf', now, 'LIMIT', 0, limit - n)) do
    n = n + 1
    if set == KEYS[1] then redis.call('ZREM', set, c) end
    redis.call('ZADD', timer_key(c), lease, c)
    local inbox = tag .. 'inbox:' .. c
    redis.call('RPUSH', inbox, ARGV[7])
    local token = ARGV[5] .. ':' .. n
    if redis.call('SET', tag .. 'lock:' .. c, token, 'NX', 'PX', ARGV[6]) then
      local items = redis.call('LRANGE', inbox, 0, -1)
      out[#out+1] = c
      out[#out+1] = token
      out[#out+1] = read_state(tag .. 'c:' .. c, tag .. 'conv:' .. c)
      out[#out+1] = tostring(#items)
      for _, it in ipairs(items) do out[#out+1] = it end
    else
      out[#out+1] = c
      out[#out+1] = ''
      out[#out+1] = ''
      out[#out+1] = '0'
    end
  end
end
local first
for _, set in ipairs(sets) do
  local next = redis.call('ZRANGE', set, 0, 0, 'WITHSCORES')
  if #next == 2 and (not first or tonumber(next[2]) < first) then first = tonumber(next[2]) end
end
if first then out[1] = string.format('%.0f', first) end
return out
`)

// ingestResult is what ingest learned.
type ingestResult struct {
	status   int // 0 duplicate, 1 locked, 2 queued, 3 waiting for its burst
	reserved string
	flood    int64
	state    string
	items    []string
}

type ingestArgs struct {
	conv     string
	item     []byte
	dedupID  string // "" = no deduplication
	reserve  bool
	day      string
	token    string
	lockTTL  time.Duration
	stateTTL time.Duration // how long the conversation's hash lives
	now      time.Time
	floodWin time.Duration
	idFloor  int64  // the lowest counter a reserved id may take
	official string // the number written to ("" for other inputs)
	deferred bool   // leave the input to the scheduler (timer at now), do not take the lock
	// waitUntil, when set, is when the input's burst window ends: where
	// the conversation's state Waits, it is left to the scheduler until
	// then (status 3).
	waitUntil time.Time
	floodMax  int
}

func (s *Store) ingest(ctx context.Context, a ingestArgs) (ingestResult, error) {
	k := s.conv(a.conv)
	seen, legacySeen := "", k.legacySeen("-")
	if a.dedupID != "" {
		seen, legacySeen = seenID(a.dedupID), k.legacySeen(a.dedupID)
	}
	reserve, deferred := "0", "0"
	if a.reserve {
		reserve = "1"
	}
	if a.deferred {
		deferred = "1"
	}
	wait := int64(0)
	if !a.waitUntil.IsZero() {
		wait = max(a.waitUntil.UnixMilli(), 1)
	}
	res, err := ingestScript.Run(ctx, s.Redis,
		[]string{k.hash, k.inbox, k.lock, k.counter(a.day), k.timers, k.busy(a.official), k.legacyState, legacySeen},
		a.item, seen, a.stateTTL.Milliseconds(), reserve, a.day, a.token,
		a.lockTTL.Milliseconds(), a.now.UnixMilli(), a.conv, a.floodWin.Milliseconds(), a.idFloor, maxSeen, deferred,
		wait, a.floodMax,
	).Slice()
	if err != nil {
		return ingestResult{}, fmt.Errorf("ingest into %s: %w", redactConv(a.conv), err)
	}
	var r ingestResult
	r.status = int(res[0].(int64))
	if r.status == 0 {
		return r, nil
	}
	r.reserved, _ = res[1].(string)
	r.flood, _ = res[2].(int64)
	if r.status == 1 {
		r.state, _ = res[3].(string)
		for _, it := range res[4:] {
			str, _ := it.(string)
			r.items = append(r.items, str)
		}
	}
	return r, nil
}

type commitArgs struct {
	conv     string
	token    string
	n        int
	state    []byte
	stateTTL time.Duration
	wake     time.Time
	waits    bool // a plain message may wait for its burst without the dialog (dialog.Machine.Waits)
	lockTTL  time.Duration
	now      time.Time
	sends    []string // encoded queue envelopes: replies
	outbox   []string // petitions and what follows them
	bulk     []string // status and survey messages (sent after replies)
	calls    []string // call-back items (officials' lists)
	// handover: status events for the conversation that reaches the
	// citizen, and figures of petitions kept on other shards (handover.go)
	handover []string
	report   *report.Batch
}

// errLockLost means another worker took the conversation over; it redoes the work.
var errLockLost = errors.New("conversation lock lost")

// streamKeys name the streams a commit appends to, by shard.
type streamKeys struct{ sendq, outbox, bulk, calls, handover func(shard int) string }

func (s *Store) commit(ctx context.Context, a commitArgs, streams streamKeys) ([]string, error) {
	k := s.conv(a.conv)
	wake := int64(0)
	if !a.wake.IsZero() {
		wake = a.wake.UnixMilli()
	}
	args := make([]any, 0, 13+len(a.sends)+len(a.outbox)+len(a.bulk)+len(a.calls)+len(a.handover))
	waits := 0
	if a.waits {
		waits = 1
	}
	args = append(args, a.token, a.n, a.state, int64(a.stateTTL/time.Second), wake, a.conv,
		a.lockTTL.Milliseconds(), a.now.UnixMilli(), waits, len(a.sends))
	for _, e := range a.sends {
		args = append(args, e)
	}
	args = append(args, len(a.outbox))
	for _, e := range a.outbox {
		args = append(args, e)
	}
	args = append(args, len(a.bulk))
	for _, e := range a.bulk {
		args = append(args, e)
	}
	args = append(args, len(a.calls))
	for _, e := range a.calls {
		args = append(args, e)
	}
	args = append(args, len(a.handover))
	for _, e := range a.handover {
		args = append(args, e)
	}
	repKeys, repArgs := a.report.Encode()
	args = append(args, repArgs...)
	res, err := commitScript.Run(ctx, s.Redis,
		append([]string{k.lock, k.hash, k.inbox, k.timers, streams.sendq(k.shard), streams.outbox(k.shard), streams.bulk(k.shard), streams.calls(k.shard), k.legacyState,
			streams.handover(k.shard)}, repKeys...), args...).Slice()
	if err != nil {
		return nil, fmt.Errorf("commit %s: %w", redactConv(a.conv), err)
	}
	switch res[0].(int64) {
	case -1:
		return nil, errLockLost
	case 1:
		more := make([]string, 0, len(res)-1)
		for _, it := range res[1:] {
			str, _ := it.(string)
			more = append(more, str)
		}
		return more, nil
	}
	return nil, nil
}

// dueConv is a conversation whose timer fell due, with its lock taken
// (token) and its state and inbox read; token "" when another worker holds
// the lock (it takes the tick that was appended to the inbox).
type dueConv struct {
	conv, token, state string
	items              []string
}

// dueConversations hands out conversations of a shard whose timer is due
// (see dueScript), and says when the shard's next timer is due (unix ms, 0
// = none).
func (s *Store) dueConversations(ctx context.Context, shard int, now time.Time, lease, lockTTL time.Duration, limit int, tick []byte) ([]dueConv, int64, error) {
	tag := queue.Tag(s.Prefix, shard)
	res, err := dueScript.Run(ctx, s.Redis, []string{tag + "timers"}, now.UnixMilli(), lease.Milliseconds(), limit,
		tag, newToken(), lockTTL.Milliseconds(), tick).StringSlice()
	if err != nil || len(res) == 0 {
		return nil, 0, err
	}
	next, _ := strconv.ParseFloat(res[0], 64)
	var due []dueConv
	for i := 1; i+3 < len(res); {
		d := dueConv{conv: res[i], token: res[i+1], state: res[i+2]}
		n, err := strconv.Atoi(res[i+3])
		if err != nil || i+4+n > len(res) {
			return due, int64(next), fmt.Errorf("due timers of shard %d: malformed answer", shard)
		}
		d.items = res[i+4 : i+4+n]
		due = append(due, d)
		i += 4 + n
	}
	return due, int64(next), nil
}

// splitItem separates what the ingest script learned (the reserved petition
// counter, the sender's message count in the flood window, the official's
// busy period) from an inbox item: "20260311:17|3|{…busy…}\n{…}".
func splitItem(raw string) (reserved string, flood int64, busy []byte, item []byte) {
	i := strings.IndexByte(raw, '\n')
	if i < 0 {
		return "", 0, nil, []byte(raw)
	}
	head := raw[:i]
	r, rest, found := strings.Cut(head, "|")
	reserved = r
	if found {
		f, b, _ := strings.Cut(rest, "|")
		flood, _ = strconv.ParseInt(f, 10, 64)
		if b != "" {
			busy = []byte(b)
		}
	}
	return reserved, flood, busy, []byte(raw[i+1:])
}

// parseReserved splits "20260311:17" into the day and the counter.
func parseReserved(s string) (day string, n int64, ok bool) {
	d, c, found := strings.Cut(s, ":")
	if !found {
		return "", 0, false
	}
	n, err := strconv.ParseInt(c, 10, 64)
	return d, n, err == nil
}

func newToken() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// redactConv masks the phone number inside a conversation key for errors.
func redactConv(conv string) string { return MaskPhones(conv) }
