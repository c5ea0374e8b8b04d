package live

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/minsheng/minsheng/intake/hot"
	"github.com/redis/go-redis/v9"
)

// streamID is a stream entry's id, "<ms>-<seq>". Here ms is the hot
// issues' clock: the latest time received of the petitions added so far.
type streamID struct{ ms, seq uint64 }

func parseID(s string) (streamID, bool) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return streamID{}, false
	}
	ms, err1 := strconv.ParseUint(a, 10, 64)
	seq, err2 := strconv.ParseUint(b, 10, 64)
	return streamID{ms, seq}, err1 == nil && err2 == nil
}

func (a streamID) String() string { return fmt.Sprintf("%d-%d", a.ms, a.seq) }

func (a streamID) less(b streamID) bool { return a.ms < b.ms || a.ms == b.ms && a.seq < b.seq }

func (a streamID) time() time.Time { return time.UnixMilli(int64(a.ms)) }

// entry is one petition of the stream, as the clusterer takes it.
type entry struct {
	id   streamID
	item hot.Item
	bad  bool // not a petition this version can read: deleted, never applied
}

// Fields of an entry.
const (
	fieldID       = "id" // petition id
	fieldCitizen  = "c"  // citizenKey
	fieldTime     = "t"  // received, ms
	fieldText     = "x"  // its text, at most hot.TextRunes characters
	fieldPlace    = "p"  // Location.Text
	fieldCategory = "k"  // category name
)

// entryOf reads an entry's fields (XRANGE's or the script's answer).
func entryOf(id streamID, get func(field string) string) entry {
	e := entry{id: id}
	ms, err := strconv.ParseInt(get(fieldTime), 10, 64)
	e.item = hot.Item{ID: get(fieldID), Citizen: get(fieldCitizen), Time: time.UnixMilli(ms),
		Text: get(fieldText), Place: get(fieldPlace), Category: get(fieldCategory)}
	e.bad = err != nil || e.item.ID == ""
	return e
}

// entriesOfScript reads the entries in a script's answer: XRANGE's shape,
// {{id, {field, value, …}}, …}.
func entriesOfScript(v any) ([]entry, error) {
	rows, ok := v.([]any)
	if !ok && v != nil {
		return nil, fmt.Errorf("entries: %T, want an array", v)
	}
	out := make([]entry, 0, len(rows))
	for _, row := range rows {
		pair, ok := row.([]any)
		if !ok || len(pair) != 2 {
			return nil, fmt.Errorf("entry: %v", row)
		}
		sid, _ := pair[0].(string)
		id, ok := parseID(sid)
		if !ok {
			return nil, fmt.Errorf("entry id %q", sid)
		}
		kv, _ := pair[1].([]any)
		fields := make(map[string]string, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			k, _ := kv[i].(string)
			fields[k], _ = kv[i+1].(string)
		}
		out = append(out, entryOf(id, func(f string) string { return fields[f] }))
	}
	return out, nil
}

// addScript adds a petition to the stream and answers what the caller has
// not applied yet, in the same step; it also writes what the caller found
// ended (summaries, then the entries' deletion) and forgets summaries past
// the retention. The stream id's ms is the latest time received so far, so
// that a cluster's end never depends on an entry a replica did not see.
//
// A missing epoch (Redis lost its data, or a first start) is set to the
// caller's candidate; the stream gone while the epoch stayed counts as
// lost too. When the caller's epoch is not the store's, its deletions are not
// done (they are of another stream) and the answer starts at the stream's
// beginning.
//
// KEYS: items, meta, done, ended
// ARGV: epoch, candidate epoch, after, page, cutoff (ms), received (ms; ""
// adds nothing), id, citizen, text, place, category, then D and D entry
// ids to delete, then S and S × (cluster id, last ms, summary JSON)
//
// Answers {epoch, the new entry's id or "", entries after `after`}.
var addScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 and redis.call('HEXISTS', KEYS[2], 'top') == 1 then
  redis.call('HDEL', KEYS[2], 'epoch', 'top')
end
local epoch = redis.call('HGET', KEYS[2], 'epoch')
if not epoch then
  epoch = ARGV[2]
  redis.call('HSET', KEYS[2], 'epoch', epoch)
end
local same = epoch == ARGV[1]
local n = 12
local d = tonumber(ARGV[n])
if same then
  for i = n + 1, n + d, 500 do
    redis.call('XDEL', KEYS[1], unpack(ARGV, i, math.min(i + 499, n + d)))
  end
end
n = n + d + 1
for i = n + 1, n + 3 * tonumber(ARGV[n]), 3 do
  if same and redis.call('HSETNX', KEYS[3], ARGV[i], ARGV[i + 2]) == 1 then
    redis.call('ZADD', KEYS[4], ARGV[i + 1], ARGV[i])
  end
end
local old = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', '(' .. ARGV[5], 'LIMIT', 0, 64)
if #old > 0 then
  redis.call('HDEL', KEYS[3], unpack(old))
  redis.call('ZREM', KEYS[4], unpack(old))
end
local added = ''
if ARGV[6] ~= '' then
  local at = math.max(tonumber(ARGV[6]), 1)
  local id = string.format('%.0f-0', at)
  local top = redis.call('HGET', KEYS[2], 'top')
  if top then
    local ms, seq = string.match(top, '^(%d+)-(%d+)$')
    if at <= tonumber(ms) then
      id = ms .. '-' .. string.format('%.0f', tonumber(seq) + 1)
    end
  end
  added = redis.call('XADD', KEYS[1], id, 'id', ARGV[7], 'c', ARGV[8], 't', ARGV[6], 'x', ARGV[9], 'p', ARGV[10], 'k', ARGV[11])
  redis.call('HSET', KEYS[2], 'top', added)
end
local from = '(' .. ARGV[3]
if not same then from = '-' end
return {epoch, added, redis.call('XRANGE', KEYS[1], from, '+', 'COUNT', ARGV[4])}
`)
