package officeauth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Limits are how many failed logins are let through within Window: per
// name (known or not, so that a stranger cannot tell which names exist)
// and per address. Beyond them a login is answered 429 with Retry-After,
// the right password included, until the oldest failure leaves the
// window.
type Limits struct {
	PerName, PerAddr int
	Window           time.Duration
}

// DefaultLimits: 5 failures for one name or 20 from one address within 15
// minutes.
var DefaultLimits = Limits{PerName: 5, PerAddr: 20, Window: 15 * time.Minute}

// reserveScript counts an attempt as a failure before the password is
// checked (a success takes it back), so that parallel guesses cannot pass
// the limit: it trims both windows and refuses when either is full,
// answering which and the milliseconds until it has room. KEYS: the
// name's failures, the address's. ARGV: now, window (ms), per name, per
// address, the attempt's member.
var reserveScript = redis.NewScript(`
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local limits = {tonumber(ARGV[3]), tonumber(ARGV[4])}
local which = {'name', 'addr'}
for i = 1, 2 do
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window)
  local n = redis.call('ZCARD', KEYS[i])
  if n >= limits[i] then
    local oldest = redis.call('ZRANGE', KEYS[i], n - limits[i], n - limits[i], 'WITHSCORES')
    return {which[i], tonumber(oldest[2]) + window - now}
  end
end
for i = 1, 2 do
  redis.call('ZADD', KEYS[i], now, ARGV[5])
  redis.call('PEXPIRE', KEYS[i], window)
end
return {'ok', 0}
`)

// attempt is a login attempt counted as a failure until it succeeds.
type attempt struct {
	nameKey, addrKey, member string
}

// throttled is a refused attempt: which limit, and how long to wait.
type throttled struct {
	which string
	wait  time.Duration
}

// reserve counts an attempt for name from addr, or says it must wait.
func (d *Door) reserve(ctx context.Context, name, addr string) (*attempt, *throttled, error) {
	member, err := randomToken()
	if err != nil {
		return nil, nil, err
	}
	a := &attempt{nameKey: d.k.failName(name), addrKey: d.k.failAddr(addr), member: member}
	l := d.opt.Limits
	v, err := reserveScript.Run(ctx, d.rdb, []string{a.nameKey, a.addrKey}, d.now().UnixMilli(), l.Window.Milliseconds(),
		l.PerName, l.PerAddr, member).Slice()
	if err != nil {
		return nil, nil, fmt.Errorf("count login attempts: %w", err)
	}
	if len(v) != 2 {
		return nil, nil, fmt.Errorf("count login attempts: unexpected answer %v", v)
	}
	if which, _ := v[0].(string); which != "ok" {
		wait, _ := v[1].(int64)
		return nil, &throttled{which: which, wait: time.Duration(max(wait, 1000)) * time.Millisecond}, nil
	}
	return a, nil, nil
}

// succeeded takes the attempt back and forgets the name's failures.
func (d *Door) succeeded(ctx context.Context, a *attempt) error {
	_, err := d.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, a.nameKey)
		p.ZRem(ctx, a.addrKey, a.member)
		return nil
	})
	if err != nil {
		return fmt.Errorf("clear login failures: %w", err)
	}
	return nil
}

// nameTag is how a name that is no account's appears in throttling keys
// and logs: a short hash, since people type passwords into name fields.
func nameTag(name string) string {
	s := sha256.Sum256([]byte("minsheng office name\x00" + name))
	return hex.EncodeToString(s[:8])
}
