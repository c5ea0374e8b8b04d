package queue

import (
	"context"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// The sweep: retries whose time has come go back into their streams, and
// entries a stopped worker read but never finished are taken over.

// maintain moves due retries back and takes over entries of dead workers.
// It sleeps until the earliest retry it knows of (its own, or one a sweep
// found) or the next sweep (Poll), and looks for stale entries every
// ClaimIdle: an idle queue does not poll Redis every second.
func (q *Queue) maintain(ctx context.Context, ls *handOff) {
	lastClaim := time.Now()
	next := time.Now() // sweep at start: retries left by an earlier run
	for {
		wait := time.Until(next)
		if due := q.nextDue.Load(); due != 0 {
			wait = min(wait, time.Until(time.UnixMilli(due)))
		}
		t := time.NewTimer(max(wait, 0))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-q.wake:
			t.Stop()
			continue
		case <-t.C:
		}
		q.nextDue.Store(0)
		claim := time.Since(lastClaim) >= q.opt.ClaimIdle
		if claim {
			lastClaim = time.Now()
		}
		if earliest := q.sweep(ctx, ls, claim); earliest != 0 {
			q.noteDue(earliest)
		}
		next = time.Now().Add(q.opt.Poll)
	}
}

// MoveDue puts retries whose time has come back into their streams, and
// returns when the earliest one left falls due (unix ms, 0 = none).
func (q *Queue) MoveDue(ctx context.Context) int64 {
	now := q.opt.Now().UnixMilli()
	var earliest int64
	for s := 0; s < Shards; s++ {
		res, err := dueScript.Run(ctx, q.rdb, []string{q.retryKey(s), q.StreamKey(s)}, now, 100).Int64Slice()
		if err != nil {
			if ctx.Err() == nil {
				q.opt.Logger.Warn("queue could not move retries", "queue", q.name, "err", err)
			}
			continue
		}
		if len(res) == 2 && res[1] > 0 && (earliest == 0 || res[1] < earliest) {
			earliest = res[1]
		}
	}
	return earliest
}

// sweep moves due retries back into their streams and, with claim, takes
// over entries that another consumer read but did not finish within
// ClaimIdle (that consumer is presumed dead): one script per shard, so an
// idle queue's sweep costs Redis 16 commands. It returns when the earliest
// retry left falls due (unix ms, 0 = none).
func (q *Queue) sweep(ctx context.Context, ls *handOff, claim bool) int64 {
	if !claim {
		return q.MoveDue(ctx)
	}
	now := q.opt.Now().UnixMilli()
	var earliest int64
	for s := 0; s < Shards && ctx.Err() == nil; s++ {
		res, err := sweepScript.Run(ctx, q.rdb, []string{q.retryKey(s), q.StreamKey(s)},
			now, 100, q.group, q.opt.Consumer, q.opt.ClaimIdle.Milliseconds()).Slice()
		if err != nil || len(res) != 4 {
			if ctx.Err() == nil {
				q.opt.Logger.Warn("queue sweep failed", "queue", q.name, "err", err)
			}
			continue
		}
		if at, _ := res[1].(int64); at > 0 && (earliest == 0 || at < earliest) {
			earliest = at
		}
		if e, _ := res[3].(string); e != "" && !strings.Contains(e, "NOGROUP") {
			q.opt.Logger.Warn("queue takeover failed", "queue", q.name, "err", e)
		}
		claimed, _ := res[2].([]any)
		for _, m := range claimed {
			id, values, ok := claimedEntry(m)
			if !ok {
				continue
			}
			if values == nil { // deleted while pending
				_ = q.ack(ctx, q.StreamKey(s), id, nil)
				continue
			}
			q.opt.Logger.Warn("queue took over an entry from a stopped worker", "queue", q.name, "id", id)
			ls.put(s, redis.XMessage{ID: id, Values: values}, 1)
		}
	}
	return earliest
}

// claimedEntry reads one entry of XAUTOCLAIM's answer as a script returns
// it: {id, {field, value, …}}, or {id, false} for an entry deleted while
// pending (Redis 6.2; Redis 7 leaves those out).
func claimedEntry(m any) (id string, values map[string]any, ok bool) {
	pair, _ := m.([]any)
	if len(pair) < 1 {
		return "", nil, false
	}
	if id, ok = pair[0].(string); !ok {
		return "", nil, false
	}
	if len(pair) < 2 {
		return id, nil, true
	}
	fields, _ := pair[1].([]any)
	if len(fields) == 0 {
		return id, nil, true
	}
	values = make(map[string]any, len(fields)/2)
	for i := 0; i+1 < len(fields); i += 2 {
		if k, ok := fields[i].(string); ok {
			values[k] = fields[i+1]
		}
	}
	return id, values, true
}

// moveDueLua moves retries that are due back into the stream, oldest
// first (KEYS: retry set, stream; ARGV: now ms, limit), leaving the count
// in due and when the next one is due (ms, 0 = none) in at.
const moveDueLua = `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, m in ipairs(due) do
  redis.call('XADD', KEYS[2], '*', 'e', m)
  redis.call('ZREM', KEYS[1], m)
end
local next = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local at = 0
if #next == 2 then at = tonumber(next[2]) end
`

var (
	// dueScript returns {moved, when the next retry is due}.
	dueScript = redis.NewScript(moveDueLua + `return {#due, at}`)

	// sweepScript moves due retries, then XAUTOCLAIMs the stream's entries
	// idle ARGV[5] ms for consumer ARGV[4] of group ARGV[3]. It returns
	// {moved, earliest retry, claimed entries, error of the claim or ''}.
	sweepScript = redis.NewScript(moveDueLua + `
local claimed, err = {}, ''
if redis.call('EXISTS', KEYS[2]) == 1 then
  local ok, r = pcall(redis.call, 'XAUTOCLAIM', KEYS[2], ARGV[3], ARGV[4], ARGV[5], '0-0', 'COUNT', 100)
  if ok then claimed = r[2] else err = tostring(r.err or r) end
end
return {#due, at, claimed, err}`)
)
