package report

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/minsheng/minsheng/intake"
	"github.com/redis/go-redis/v9"
)

// Lua defines report_apply(kb, a): it runs the operations a Batch encoded
// in ARGV from index a, on KEYS after index kb. A script that commits state
// prepends it to its source and calls it once, so the records are written
// with the state they describe, in the same round trip.
//
// Operations (ARGV, each led by its name):
//
//	cmd  name key nargs args…   a Redis command on one of the batch's keys
//	cmdx name key nargs args…   the same, only if the key exists (records
//	                            past retention are not brought back)
//	once key field value must   HSETNX (must = 1: only on a key that
//	                            exists); when it set nothing, skip the
//	                            operations up to the next end
//	hcat key field text         append text to a field of an existing hash
//	                            (its oldest ";"-ended entries dropped past 64 bytes)
//	ifx key                     skip the operations up to the next end
//	                            unless key exists
//	end                         ends what a once or an ifx guards
//	count rec day month metric n o u c ch g t cy condField condAt mask
//	                            HINCRBY metric in the day (day…day+7) and
//	                            month (month…month+7) hashes of each
//	                            dimension; a dimension's value is the one
//	                            given, else the record's (rec ≠ 0), else it
//	                            is skipped. condField ≠ "": only when the
//	                            record's field (a deadline, unix s) ≥ condAt.
//	                            mask: "1" at a dimension's place to count it.
//	move rec unit nz (from offset)×nz
//	                            before the record's unit becomes unit (a
//	                            unit the backend named): what the record
//	                            counted under its unit — the petition and
//	                            its duplicate, incomplete and call-back
//	                            flags on the day received, the steps
//	                            reached (and on time) on their days, the
//	                            rating and solved answer on the rating's
//	                            day — moves from the old unit to the new
//	                            one in the day and month hashes that still
//	                            exist. Days are the time zone's: nz zone
//	                            periods from unix from with their UTC
//	                            offset (s), as Go's time zone data has them.
//	expire key at               EXPIREAT, only when a count of this run
//	                            created a field in the key (a new key is
//	                            such): a counter hash gets its expiry once,
//	                            not from every batch
const Lua = `
-- the civil date of a count of days since 1970-01-01 (H. Hinnant's
-- civil_from_days)
local function report_civil(z)
  z = z + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) - math.floor(doe / 146096)) / 365)
  local y = yoe + era * 400
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local d = doy - math.floor((153 * mp + 2) / 5) + 1
  local m = mp < 10 and mp + 3 or mp - 9
  if m <= 2 then y = y + 1 end
  return y, m, d
end

-- moves a record's counts from its unit to unit (op move, see Batch.MoveUnit)
local function report_move(rec, unit, zones)
  if unit == '' or redis.call('EXISTS', rec) == 0 then return end
  local h = {}
  local raw = redis.call('HGETALL', rec)
  for i = 1, #raw, 2 do h[raw[i]] = raw[i + 1] end
  local old = h['u'] or ''
  if old == unit then return end
  local tag = string.match(rec, '^(.*)rep:p:')
  if not tag then return end
  local function keys(at)
    local off = zones[1][2]
    for _, z in ipairs(zones) do if at >= z[1] then off = z[2] end end
    local y, m, d = report_civil(math.floor((at + off) / 86400))
    return tag .. string.format('rep:d:%04d%02d%02d:u', y, m, d), tag .. string.format('rep:m:%04d%02d:u', y, m)
  end
  local moves = {}
  local r = tonumber(h['r'] or '')
  if r then
    table.insert(moves, {'pet', r})
    if (h['d'] or '') ~= '' then table.insert(moves, {'dup', r}) end
    local flags = ',' .. (h['f'] or '') .. ','
    if string.find(flags, ',incomplete,', 1, true) then table.insert(moves, {'inc', r}) end
    if string.find(flags, ',callback_requested,', 1, true) then table.insert(moves, {'cbr', r}) end
  end
  for s, dl in pairs({assigned = 'da', contacted = 'dc', resolved = 'dr'}) do
    local at = tonumber(h['t:' .. s] or '')
    if at then
      table.insert(moves, {'st:' .. s, at})
      local due = tonumber(h[dl] or '')
      if due and due >= at then table.insert(moves, {'ot:' .. s, at}) end
    end
  end
  local ra = tonumber(h['ra'] or '')
  if ra and h['rt'] then
    table.insert(moves, {'rate:' .. h['rt'], ra})
    if h['sv'] == 'y' then table.insert(moves, {'solved:yes', ra}) end
    if h['sv'] == 'n' then table.insert(moves, {'solved:no', ra}) end
  end
  for _, mv in ipairs(moves) do
    local dk, mk = keys(mv[2])
    for _, k in ipairs({dk, mk}) do
      if redis.call('EXISTS', k) == 1 then
        if old ~= '' and redis.call('HEXISTS', k, old .. '|' .. mv[1]) == 1 then
          if redis.call('HINCRBY', k, old .. '|' .. mv[1], -1) <= 0 then redis.call('HDEL', k, old .. '|' .. mv[1]) end
        end
        redis.call('HINCRBY', k, unit .. '|' .. mv[1], 1)
      end
    end
  end
end

local function report_apply(kb, a)
  local n = tonumber(ARGV[a]); a = a + 1
  local dims = {'a', 'o', 'u', 'c', 'ch', 'g', 't', 'cy'}
  local skipping = false
  -- fields of petition records read by count operations, until an
  -- operation that writes: a commit counts one petition several times
  local known = {}
  -- counter hashes a field was created in (HINCRBY answered the increment
  -- itself): a new hash is among them, so it gets its expiry, and a hash
  -- that had its fields has had it since
  local created = {}
  local function field(rec, name)
    local k = rec .. '\0' .. name
    local v = known[k]
    if v == nil then
      v = redis.call('HGET', rec, name) or false
      known[k] = v
    end
    return v or nil
  end
  for _ = 1, n do
    local op = ARGV[a]
    local size
    if op ~= 'count' and op ~= 'expire' then known = {} end
    if op == 'cmd' or op == 'cmdx' then
      size = 4 + tonumber(ARGV[a + 3])
      local key = KEYS[kb + tonumber(ARGV[a + 2])]
      if not skipping and (op == 'cmd' or redis.call('EXISTS', key) == 1) then
        redis.call(ARGV[a + 1], key, unpack(ARGV, a + 4, a + size - 1))
      end
    elseif op == 'once' then
      size = 5
      local key = KEYS[kb + tonumber(ARGV[a + 1])]
      if not skipping and ((ARGV[a + 4] == '1' and redis.call('EXISTS', key) == 0)
          or redis.call('HSETNX', key, ARGV[a + 2], ARGV[a + 3]) == 0) then
        skipping = true
      end
    elseif op == 'hcat' then
      size = 4
      local key = KEYS[kb + tonumber(ARGV[a + 1])]
      if not skipping and redis.call('EXISTS', key) == 1 then
        local v = (redis.call('HGET', key, ARGV[a + 2]) or '') .. ARGV[a + 3]
        -- at most 64 bytes, the oldest entries dropped: a longer value
        -- would turn the whole record from a listpack into a hash table
        while #v > 64 and string.find(v, ';') do v = string.sub(v, string.find(v, ';') + 1) end
        redis.call('HSET', key, ARGV[a + 2], v)
      end
    elseif op == 'ifx' then
      size = 2
      if not skipping and redis.call('EXISTS', KEYS[kb + tonumber(ARGV[a + 1])]) == 0 then skipping = true end
    elseif op == 'end' then
      size = 1
      skipping = false
    elseif op == 'move' then
      local nz = tonumber(ARGV[a + 3])
      size = 4 + 2 * nz
      if not skipping then
        local zones = {}
        for i = 0, nz - 1 do
          table.insert(zones, {tonumber(ARGV[a + 4 + 2 * i]), tonumber(ARGV[a + 5 + 2 * i])})
        end
        report_move(KEYS[kb + tonumber(ARGV[a + 1])], ARGV[a + 2], zones)
      end
    elseif op == 'expire' then
      size = 3
      local k = kb + tonumber(ARGV[a + 1])
      if created[k] then redis.call('EXPIREAT', KEYS[k], ARGV[a + 2]) end
    else -- count
      size = 16
      local mask = ARGV[a + 15]
      local ri = tonumber(ARGV[a + 1])
      local rec = ri > 0 and KEYS[kb + ri] or nil
      local day, month = kb + tonumber(ARGV[a + 2]), kb + tonumber(ARGV[a + 3])
      local ok = not skipping
      local cond = ARGV[a + 13]
      if ok and cond ~= '' then
        local dl = rec and tonumber(field(rec, cond) or '') or nil
        ok = dl ~= nil and dl >= tonumber(ARGV[a + 14])
      end
      if ok then
        for d, name in ipairs(dims) do
          local v = ''
          if d > 1 then
            v = ARGV[a + 5 + d - 1]
            if v == '' and rec then v = field(rec, name) or '' end
          end
          if (d == 1 or v ~= '') and string.sub(mask, d, d) == '1' then
            local f = ARGV[a + 4]
            if d > 1 then f = v .. '|' .. f end
            local by = tonumber(ARGV[a + 5])
            if redis.call('HINCRBY', KEYS[day + d - 1], f, by) == by then created[day + d - 1] = true end
            if redis.call('HINCRBY', KEYS[month + d - 1], f, by) == by then created[month + d - 1] = true end
          end
        end
      end
    end
    a = a + size
  end
end
`

// ApplyScript runs a batch on its own, for writes that belong to no
// conversation commit (a 复核 request from the office page, a call-back
// marked done). KEYS: the batch's; ARGV: the batch's.
var ApplyScript = redis.NewScript(Lua + `
report_apply(0, 1)
return 1
`)

// Batch is the report writes of one commit, all under one shard's hash
// tag. The zero value is not usable: get one from Recorder.Batch.
type Batch struct {
	r    *Recorder
	tag  string
	keys []string
	idx  map[string]int
	args []any
	n    int
	// expire is each counter key's expiry (unix s): set by the batch that
	// creates a field in the key (a new key has none), not by every batch.
	expire map[string]int64
}

// Batch starts the writes of one commit under the shard tag ("ms:{s3}:").
func (r *Recorder) Batch(tag string) *Batch {
	return &Batch{r: r, tag: tag, idx: map[string]int{}, expire: map[string]int64{}}
}

// BatchFor starts the writes about one petition outside a conversation
// commit (its shard from its id).
func (r *Recorder) BatchFor(petitionID string) (*Batch, error) {
	_, shard, _, ok := intake.ParsePetitionID(petitionID)
	if !ok {
		return nil, fmt.Errorf("not a petition id: %q", petitionID)
	}
	return r.Batch(r.Prefix + "{s" + strconv.Itoa(shard) + "}:"), nil
}

// Empty reports whether the batch has nothing to write.
func (b *Batch) Empty() bool { return b == nil || b.n == 0 }

// Encode returns the batch's keys (to append to KEYS) and arguments (to
// append to ARGV, led by the number of operations), after adding the
// counters' expiries.
func (b *Batch) Encode() (keys []string, args []any) {
	if b == nil {
		return nil, []any{0}
	}
	for _, k := range b.keys {
		if at, ok := b.expire[k]; ok {
			b.args = append(b.args, "expire", b.key(k), at)
			b.n++
		}
	}
	b.expire = map[string]int64{}
	return b.keys, append([]any{b.n}, b.args...)
}

// Queue adds the batch to a pipeline (ApplyScript, sent whole: a pipeline
// cannot fall back from EVALSHA).
func (b *Batch) Queue(ctx context.Context, pipe redis.Pipeliner) {
	if b.Empty() {
		return
	}
	keys, args := b.Encode()
	ApplyScript.Eval(ctx, pipe, keys, args...)
}

// Apply runs the batch on its own (ApplyScript): one round trip.
func (b *Batch) Apply(ctx context.Context, rdb redis.Scripter) error {
	if b.Empty() {
		return nil
	}
	keys, args := b.Encode()
	if err := ApplyScript.Run(ctx, rdb, keys, args...).Err(); err != nil && err != redis.Nil {
		return fmt.Errorf("write report records: %w", err)
	}
	return nil
}

func (b *Batch) key(k string) int {
	if i, ok := b.idx[k]; ok {
		return i
	}
	b.keys = append(b.keys, k)
	b.idx[k] = len(b.keys)
	return len(b.keys)
}

func (b *Batch) cmd(name, key string, args ...any) {
	b.args = append(b.args, "cmd", name, b.key(key), len(args))
	b.args = append(b.args, args...)
	b.n++
}

// cmdx is cmd on a record that must exist already.
func (b *Batch) cmdx(name, key string, args ...any) {
	b.args = append(b.args, "cmdx", name, b.key(key), len(args))
	b.args = append(b.args, args...)
	b.n++
}

// once guards the operations up to end: they run only the first time
// field is set on key (HSETNX).
func (b *Batch) once(key, field string, value any, mustExist bool) {
	must := "0"
	if mustExist {
		must = "1"
	}
	b.args = append(b.args, "once", b.key(key), field, value, must)
	b.n++
}

func (b *Batch) end() {
	b.args = append(b.args, "end")
	b.n++
}

// dimValues are the values of the dimensions o, u, c, ch, g, t, cy ("" =
// the record's).
type dimValues struct{ o, u, c, ch, g, t, cy string }

// count adds n to metric on day at, in every dimension; rec "" = no record.
func (b *Batch) count(at time.Time, rec string, metric string, n int64, v dimValues, condField string, condAt int64) {
	local := at.In(b.loc())
	day, month := local.Format("20060102"), local.Format("200601")
	dayEnd := time.Date(local.Year(), local.Month(), local.Day()+1, 0, 0, 0, 0, b.loc())
	monthEnd := time.Date(local.Year(), local.Month()+1, 1, 0, 0, 0, 0, b.loc())
	// a day's (a month's) hashes of every dimension are always added together, so they
	// are consecutive keys
	dayBase, monthBase := 0, 0
	for i, d := range Dims {
		if k := b.key(dayKey(b.tag, day, d)); i == 0 {
			dayBase = k
		}
		b.expire[dayKey(b.tag, day, d)] = dayEnd.Add(b.r.retention()).Unix()
	}
	for i, d := range Dims {
		if k := b.key(monthKey(b.tag, month, d)); i == 0 {
			monthBase = k
		}
		b.expire[monthKey(b.tag, month, d)] = monthEnd.Add(b.r.retention()).Unix()
	}
	ri := 0
	if rec != "" {
		ri = b.key(rec)
	}
	b.args = append(b.args, "count", ri, dayBase, monthBase, metric, n, v.o, v.u, v.c, v.ch, v.g, v.t, v.cy, condField, condAt, dimMask(metric))
	b.n++
}

func (b *Batch) loc() *time.Location {
	if b.r.Loc == nil {
		return time.UTC
	}
	return b.r.Loc
}

func (r *Recorder) retention() time.Duration {
	if r.Retention <= 0 {
		return DefaultRetention
	}
	return r.Retention
}

// Message counts a message received.
func (b *Batch) Message(at time.Time, channel, official string) {
	b.count(at, "", MMessages, 1, dimValues{o: official, ch: channel}, "", 0)
}

// NoMatter counts messages with no matter in them: kept, prompted, no
// petition.
func (b *Batch) NoMatter(at time.Time, channel, official string, n int) {
	b.count(at, "", MNoMatter, int64(n), dimValues{o: official, ch: channel}, "", 0)
}

// AutoReply counts a 会后联系 auto-reply sent to a citizen of official.
func (b *Batch) AutoReply(at time.Time, channel, official string) {
	b.count(at, "", MAutoReplies, 1, dimValues{o: official, ch: channel}, "", 0)
}

// Callback counts a call-back item created.
func (b *Batch) Callback(at time.Time, official, reason string) {
	b.count(at, "", MCallbacks, 1, dimValues{o: official}, "", 0)
}

// CallbackDone counts a call-back item marked done.
func (b *Batch) CallbackDone(at time.Time, official string) {
	b.count(at, "", MCallbacksDone, 1, dimValues{o: official}, "", 0)
}

// Petition records a submitted petition and counts it. firstReply is the
// time from the citizen's first message to the bot's first answer (< 0:
// unknown).
func (b *Batch) Petition(p *intake.Petition, firstReply time.Duration) {
	rec := recordKey(b.tag, p.ID)
	received := p.ReceivedAt
	unit := b.r.Units[p.Category.Code]
	phone := p.Citizen.Phone
	if phone == "" && len(p.Contacts) > 0 {
		phone = p.Contacts[0]
	}
	fields := []any{
		"r", received.Unix(), "o", p.AddressedTo.Number, "c", p.Category.Code, "cn", p.Category.Name,
		"ch", p.Channel, "g", p.Urgency, "f", strings.Join(p.Flags, ","), "d", p.DuplicateOf,
		"m", MaskPhone(phone), "s", summary(p.Description, 19), "st", "submitted",
	}
	if p.AppealType != "" {
		fields = append(fields, "t", p.AppealType)
	}
	if p.Location.County != "" {
		fields = append(fields, "cy", p.Location.County)
	}
	if unit != "" {
		fields = append(fields, "u", unit)
	}
	if p.CaseID != "" {
		fields = append(fields, "k", p.CaseID)
	}
	for status, f := range deadlineField {
		if at := deadlineOf(p.Deadlines, status); !at.IsZero() {
			fields = append(fields, f, at.Unix())
		}
	}
	if firstReply >= 0 {
		fields = append(fields, "ftr", int64(firstReply/time.Second))
	}
	// A petition recorded twice is one record, counted once.
	b.once(rec, "id", p.ID, false)
	b.cmd("HSET", rec, fields...)
	b.cmd("EXPIREAT", rec, received.Add(b.r.retention()).Unix())
	cutoff := received.Add(-b.r.retention())
	b.cmd("ZADD", allIndex(b.tag), received.UnixMilli(), p.ID)
	b.cmd("ZREMRANGEBYSCORE", allIndex(b.tag), "-inf", cutoff.UnixMilli())
	b.cmd("ZREMRANGEBYSCORE", unsatIndex(b.tag), "-inf", cutoff.UnixMilli())
	for _, status := range dueStatuses {
		if at := deadlineOf(p.Deadlines, status); !at.IsZero() {
			b.cmd("ZADD", b.tag+dueIndex[status], at.Unix(), p.ID) // unix seconds
		}
		b.cmd("ZREMRANGEBYSCORE", b.tag+dueIndex[status], "-inf", cutoff.Unix())
	}
	b.count(received, rec, MPetitions, 1, dimValues{}, "", 0)
	if p.DuplicateOf != "" {
		b.count(received, rec, MDuplicates, 1, dimValues{}, "", 0)
	}
	for _, f := range p.Flags {
		switch f {
		case intake.FlagIncomplete:
			b.count(received, rec, MIncomplete, 1, dimValues{}, "", 0)
		case intake.FlagCallbackRequested:
			b.count(received, rec, MCallbackReq, 1, dimValues{}, "", 0)
		case intake.FlagOfficialBusy:
			b.count(received, rec, MBusy, 1, dimValues{}, "", 0)
		}
	}
	if firstReply >= 0 {
		b.count(received, rec, MFirstReplyN, 1, dimValues{}, "", 0)
		b.count(received, rec, MFirstReplyS, int64(firstReply/time.Second), dimValues{}, "", 0)
		b.count(received, rec, FirstReplyMetric(FirstReplyBucket(firstReply)), 1, dimValues{}, "", 0)
	}
	b.end()
}

// Linked records that a petition counted without a duplicate is one
// (duplicate_of found by the outbox, across conversations): once.
func (b *Batch) Linked(petitionID, duplicateOf string, received time.Time) {
	rec := recordKey(b.tag, petitionID)
	b.once(rec, "dl", 1, true)
	b.cmdx("HSET", rec, "d", duplicateOf)
	b.count(received, rec, MDuplicates, 1, dimValues{}, "", 0)
	b.end()
}

// Delivered notes the backend's case id of a petition.
func (b *Batch) Delivered(petitionID, caseID string) {
	b.cmdx("HSET", recordKey(b.tag, petitionID), "k", caseID)
}

// Status records a case status: its time the first time it is reached,
// the unit the backend names, the history; counts the first time each of
// assigned, contacted and resolved is reached (and whether by its
// deadline), reopenings (after a 不满意 when rating says so), and a survey
// sent.
func (b *Batch) Status(petitionID string, ev intake.StatusEvent, lastRating string, surveySent bool) {
	rec := recordKey(b.tag, petitionID)
	at := ev.At
	fields := []any{"st", ev.Status}
	if ev.Unit != "" {
		fields = append(fields, "u", ev.Unit)
		b.MoveUnit(petitionID, ev.Unit, at)
	}
	b.cmdx("HSET", rec, fields...)
	b.args = append(b.args, "hcat", b.key(rec), "h", statusCode(ev.Status)+strconv.FormatInt(at.Unix(), 10)+";")
	b.n++
	switch ev.Status {
	case intake.StatusReopened:
		b.count(at, rec, MReopened, 1, dimValues{u: ev.Unit}, "", 0)
		if lastRating == intake.RatingUnsatisfied {
			b.count(at, rec, MReopenUnsat, 1, dimValues{u: ev.Unit}, "", 0)
		}
	case intake.StatusAssigned, intake.StatusContacted, intake.StatusResolved, intake.StatusClosed:
		// a later step meets the earlier promises too: off the due lists
		for _, s := range dueStatuses {
			b.cmd("ZREM", b.tag+dueIndex[s], petitionID)
			if s == ev.Status || (s == intake.StatusResolved && ev.Status == intake.StatusClosed) {
				break
			}
		}
		s := ev.Status
		if s == intake.StatusClosed {
			s = intake.StatusResolved // closing without resolving first resolves
		}
		b.once(rec, "t:"+s, at.Unix(), true) // the first time only
		b.count(at, rec, Reached(s), 1, dimValues{u: ev.Unit}, "", 0)
		b.count(at, rec, OnTime(s), 1, dimValues{u: ev.Unit}, deadlineField[s], at.Unix())
		b.end()
	}
	if surveySent {
		b.SurveySent(petitionID, at, ev.Unit)
	}
}

// MoveUnit moves what a petition counted under its unit to unit, when
// unit is another (a unit the backend named, or a reassignment): a
// petition counts under one unit, the named one once there is one. What
// moves: the petition (its duplicate, incomplete and call-back flags) on
// its day, the steps reached and on time on theirs, the rating and the
// solved answer on the rating's day. Surveys sent and reopenings stay
// where they were counted. at is now, for the time zone's periods.
func (b *Batch) MoveUnit(petitionID, unit string, at time.Time) {
	zones := b.r.zones(at)
	b.args = append(b.args, "move", b.key(recordKey(b.tag, petitionID)), unit, len(zones)/2)
	b.args = append(b.args, zones...)
	b.n++
}

// zones are the time zone's periods over the records' lifetime around at,
// as (start unix, UTC offset s) pairs, the first from before the oldest
// record kept.
func (r *Recorder) zones(at time.Time) []any {
	loc := r.Loc
	if loc == nil {
		loc = time.UTC
	}
	from, to := at.Add(-r.retention()-48*time.Hour).In(loc), at.Add(48*time.Hour)
	var out []any
	for t := from; t.Before(to); {
		_, off := t.Zone()
		start, end := t.ZoneBounds()
		if len(out) == 0 || start.Before(from) {
			start = from
		}
		out = append(out, start.Unix(), off)
		if end.IsZero() || !end.After(t) {
			break
		}
		t = end.In(loc)
	}
	return out
}

// SurveySent counts a survey sent on day at (unit: the status event's,
// "" = the record's). Status counts it too; alone, it is for a survey sent
// by a conversation other than the one that recorded the status (a
// handover: the citizen is reached elsewhere).
func (b *Batch) SurveySent(petitionID string, at time.Time, unit string) {
	b.count(at, recordKey(b.tag, petitionID), MSurveys, 1, dimValues{u: unit}, "", 0)
}

// Rating records a survey answer (rating "" = no answer) and counts it.
// prev is the rating of this petition whose reason was awaited ("" for
// none): the same rating again only brings the reason; another one is a
// changed mind, counted instead of prev. It is Answer with nothing said
// before about the problem being solved.
func (b *Batch) Rating(r *intake.Rating, prev string) { b.Answer(r, prev, nil) }

// Answer is Rating, with prevSolved what the earlier record of this answer
// said of the problem being solved (nil: nothing): the solved answer is
// counted like the rating, once per survey answered.
func (b *Batch) Answer(r *intake.Rating, prev string, prevSolved *bool) {
	rec := recordKey(b.tag, r.PetitionID)
	fields := []any{"ra", r.At.Unix(), "rt", orNone(r.Rating)}
	if r.Solved != nil {
		fields = append(fields, "sv", map[bool]string{true: "y", false: "n"}[*r.Solved])
	}
	b.cmdx("HSET", rec, fields...)
	switch {
	case r.Solved == nil:
	case prev == "" || prevSolved == nil:
		b.count(r.At, rec, Solved(*r.Solved), 1, dimValues{}, "", 0)
	case *prevSolved != *r.Solved:
		b.count(r.At, rec, Solved(*prevSolved), -1, dimValues{}, "", 0)
		b.count(r.At, rec, Solved(*r.Solved), 1, dimValues{}, "", 0)
	}
	if r.Comment != "" && r.Rating != "" {
		// the reason apart: long text would make the record a hash table
		b.args = append(b.args, "ifx", b.key(rec)) // not for a record past retention
		b.n++
		b.cmd("SET", reasonKey(rec), summary(r.Comment, 120), "EXAT", r.At.Add(b.r.retention()).Unix())
		b.end()
	}
	if r.Rating == intake.RatingUnsatisfied {
		b.cmd("ZADD", unsatIndex(b.tag), r.At.UnixMilli(), r.PetitionID)
	}
	switch {
	case prev == "":
		b.count(r.At, rec, Rated(r.Rating), 1, dimValues{}, "", 0)
	case prev != r.Rating:
		b.count(r.At, rec, Rated(prev), -1, dimValues{}, "", 0)
		b.count(r.At, rec, Rated(r.Rating), 1, dimValues{}, "", 0)
	}
	if prev == intake.RatingUnsatisfied && r.Rating != prev {
		b.cmd("ZREM", unsatIndex(b.tag), r.PetitionID)
	}
}

// RevisitSent counts a 回头看 re-survey sent about a petition.
func (b *Batch) RevisitSent(petitionID string, at time.Time) {
	b.count(at, recordKey(b.tag, petitionID), MRevisits, 1, dimValues{}, "", 0)
}

// RevisitAnswer records the answer to a 回头看 re-survey (rating "" = no
// answer) apart from the survey's: the record's "rv", counted as such.
func (b *Batch) RevisitAnswer(r *intake.Rating) {
	rec := recordKey(b.tag, r.PetitionID)
	b.cmdx("HSET", rec, "rv", orNone(r.Rating))
	b.count(r.At, rec, RevisitRated(r.Rating), 1, dimValues{}, "", 0)
}

// RecheckRequested records that the office asked for a 复核 of a case
// rated 不满意, and appends entry (the reopen_requested record for the
// backend) to stream, the petition's shard's outbox: once, however often
// the button is pressed.
func (b *Batch) RecheckRequested(petitionID string, at time.Time, stream, entry string) {
	rec := recordKey(b.tag, petitionID)
	b.once(rec, "rq", at.Unix(), true)
	b.cmd("XADD", stream, "*", "e", entry)
	b.count(at, rec, MReopenReq, 1, dimValues{}, "", 0)
	b.end()
}

func reasonKey(rec string) string { return rec + ":rc" }

// statusCodes are the one-letter codes of a record's history.
var statusCodes = map[string]string{
	intake.StatusAccepted: "e", intake.StatusAssigned: "a", intake.StatusContacted: "c", intake.StatusInProgress: "p",
	intake.StatusResolved: "r", intake.StatusReopened: "o", intake.StatusClosed: "x",
}

func statusCode(s string) string {
	if c, ok := statusCodes[s]; ok {
		return c
	}
	return "?"
}

func orNone(rating string) string {
	if rating == "" {
		return "none"
	}
	return rating
}

func deadlineOf(d intake.Deadlines, status string) time.Time {
	switch status {
	case intake.StatusAssigned:
		return d.AssignBy
	case intake.StatusContacted:
		return d.ContactBy
	case intake.StatusResolved:
		return d.ResolveBy
	}
	return time.Time{}
}

// summary is the first n characters of a text, on one line.
func summary(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
