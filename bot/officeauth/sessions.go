package officeauth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Session is a login: server-side in Redis, so that logging out and
// disabling the account end it at once on every replica. The cookie holds
// a random token; Redis keeps only its SHA-256.
type Session struct {
	id      string // hex SHA-256 of the cookie's token
	Name    string
	Role    Role
	Created time.Time
	// CSRF is the session's form token: every POST form carries it.
	CSRF string
}

// firstRunName is the session name of a login with http.admin_token.
const firstRunName = "(admin_token)"

// randomToken is 32 random bytes, URL-safe.
func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func sessionID(token string) string {
	s := sha256.Sum256([]byte(token))
	return hex.EncodeToString(s[:])
}

// Why a session could not be opened.
var (
	errDisabled     = errors.New("account disabled")
	errGone         = errors.New("account removed")
	errAccountsNow  = errors.New("named accounts exist: http.admin_token no longer opens the page")
	errNoSession    = errors.New("no session")
	errSessionEnded = errors.New("session ended")
)

// openScript opens a session, for an account that exists and is not
// disabled (checked here, atomically with a Disable), or, with
// http.admin_token, while no account exists. KEYS: the session, the
// user's sessions set, the account (or the names). ARGV: "account" or
// "token", name, role, now (ms), csrf, address, session TTL (ms), session
// id, key prefix.
var openScript = redis.NewScript(`
if ARGV[1] == 'account' then
  if redis.call('EXISTS', KEYS[3]) == 0 then return 'gone' end
  if redis.call('HEXISTS', KEYS[3], 'disabled') == 1 then return 'disabled' end
  redis.call('HSET', KEYS[3], 'last_login', ARGV[4])
elseif redis.call('SCARD', KEYS[3]) > 0 then
  return 'accounts'
end
for _, sid in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if redis.call('EXISTS', ARGV[9] .. 's:' .. sid) == 0 then redis.call('SREM', KEYS[2], sid) end
end
redis.call('HSET', KEYS[1], 'user', ARGV[2], 'role', ARGV[3], 'created', ARGV[4], 'seen', ARGV[4], 'csrf', ARGV[5], 'addr', ARGV[6])
redis.call('PEXPIRE', KEYS[1], ARGV[7])
redis.call('SADD', KEYS[2], ARGV[8])
redis.call('PEXPIRE', KEYS[2], ARGV[7])
return 'ok'
`)

// open starts a session for name and returns the cookie's token.
func (d *Door) open(ctx context.Context, name string, role Role, addr string, firstRun bool) (string, *Session, error) {
	token, err := randomToken()
	if err != nil {
		return "", nil, err
	}
	csrf, err := randomToken()
	if err != nil {
		return "", nil, err
	}
	id, now := sessionID(token), d.now()
	mode, third := "account", d.k.user(name)
	if firstRun {
		mode, third = "token", d.k.users()
	}
	ttl := (d.opt.SessionMax + time.Minute).Milliseconds()
	res, err := openScript.Run(ctx, d.rdb, []string{d.k.session(id), d.k.userSessions(name), third},
		mode, name, string(role), now.UnixMilli(), csrf, addr, ttl, id, d.k.p).Text()
	if err != nil {
		return "", nil, fmt.Errorf("open office session: %w", err)
	}
	switch res {
	case "gone":
		return "", nil, errGone
	case "disabled":
		return "", nil, errDisabled
	case "accounts":
		return "", nil, errAccountsNow
	}
	return token, &Session{id: id, Name: name, Role: role, Created: now, CSRF: csrf}, nil
}

// lookScript reads a session and keeps it alive: it ends (deletes) it
// when idle for too long or past its absolute limit, and notes the time
// seen when the last note is older than touch. KEYS: the session. ARGV:
// now, idle, max, touch (ms), session id, key prefix. Answers {"ok", user,
// role, created, csrf}, {"idle"|"max", user}, or nil.
var lookScript = redis.NewScript(`
local f = redis.call('HMGET', KEYS[1], 'user', 'role', 'created', 'seen', 'csrf')
if not f[1] then return false end
local now, idle, max, touch = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local created, seen = tonumber(f[3]), tonumber(f[4])
local why = nil
if now - seen >= idle then why = 'idle' elseif now - created >= max then why = 'max' end
if why then
  redis.call('DEL', KEYS[1])
  redis.call('SREM', ARGV[6] .. 'us:' .. f[1], ARGV[5])
  return {why, f[1]}
end
if now - seen >= touch then
  redis.call('HSET', KEYS[1], 'seen', ARGV[1])
  redis.call('PEXPIRE', KEYS[1], math.min(idle, max - (now - created)) + 60000)
end
return {'ok', f[1], f[2], f[3], f[5]}
`)

// look finds the session of a cookie's token, ending it when it timed out.
func (d *Door) look(ctx context.Context, token string) (*Session, error) {
	if token == "" {
		return nil, errNoSession
	}
	id := sessionID(token)
	touch := min(time.Minute, d.opt.SessionIdle/10)
	v, err := lookScript.Run(ctx, d.rdb, []string{d.k.session(id)}, d.now().UnixMilli(), d.opt.SessionIdle.Milliseconds(),
		d.opt.SessionMax.Milliseconds(), touch.Milliseconds(), id, d.k.p).StringSlice()
	switch {
	case errors.Is(err, redis.Nil):
		return nil, errNoSession
	case err != nil:
		return nil, fmt.Errorf("read office session: %w", err)
	case len(v) == 2:
		d.log.Info("office session ended", "user", v[1], "why", map[string]string{"idle": "idle timeout", "max": "absolute limit"}[v[0]])
		return nil, errSessionEnded
	case len(v) != 5:
		return nil, fmt.Errorf("read office session: unexpected answer %q", v)
	}
	return &Session{id: id, Name: v[1], Role: Role(v[2]), Created: fromMS(v[3]), CSRF: v[4]}, nil
}

// end deletes a session (logout).
func (d *Door) end(ctx context.Context, s *Session) error {
	_, err := d.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, d.k.session(s.id))
		p.SRem(ctx, d.k.userSessions(s.Name), s.id)
		return nil
	})
	if err != nil {
		return fmt.Errorf("end office session: %w", err)
	}
	return nil
}
