package officeauth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"
)

// Role is what an account may do: clerks use the page, admins also read
// the audit trail.
type Role string

// The roles.
const (
	Clerk Role = "clerk"
	Admin Role = "admin"
)

// ParseRole reads a role by its name.
func ParseRole(s string) (Role, error) {
	switch r := Role(strings.ToLower(strings.TrimSpace(s))); r {
	case Clerk, Admin:
		return r, nil
	}
	return "", fmt.Errorf("role %q: want clerk or admin", s)
}

// can reports whether a holder of r may do what needs want.
func (r Role) can(want Role) bool { return want == Clerk || r == Admin }

// Account is a named account of the office page, as listed: no hash.
type Account struct {
	Name        string
	Role        Role
	Created     time.Time
	PasswordSet time.Time
	Disabled    time.Time // zero: active
	LastLogin   time.Time
}

// Errors of the account commands.
var (
	ErrExists    = errors.New("an account of that name exists")
	ErrNoAccount = errors.New("no account of that name")
	ErrBadName   = errors.New("account name refused")
)

// CheckName is a name's canonical form (ASCII letters folded to lower
// case), or why it is refused: 1–32 letters (of any script), digits, '.',
// '_' or '-', starting with a letter or digit. Names in parentheses are
// the page's own actors ("(admin_token)", "(api)"), never accounts.
func CheckName(name string) (string, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if n == "" || utf8.RuneCountInString(n) > 32 {
		return "", fmt.Errorf("%w: 1 to 32 characters", ErrBadName)
	}
	for i, r := range n {
		ok := unicode.IsLetter(r) || unicode.IsDigit(r) || (i > 0 && (r == '.' || r == '_' || r == '-'))
		if !ok {
			return "", fmt.Errorf("%w: %q: letters, digits, '.', '_' and '-' only, starting with a letter or digit", ErrBadName, name)
		}
	}
	return n, nil
}

// addScript creates an account unless one of its name exists, and ends
// the sessions opened with http.admin_token: named accounts now exist.
// KEYS: account, the names, the first-run sessions set. ARGV: role,
// hash, now (ms), key prefix.
var addScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'role', ARGV[1], 'pw', ARGV[2], 'created', ARGV[3], 'pw_at', ARGV[3])
redis.call('SADD', KEYS[2], ARGV[5])
for _, sid in ipairs(redis.call('SMEMBERS', KEYS[3])) do redis.call('DEL', ARGV[4] .. 's:' .. sid) end
redis.call('DEL', KEYS[3])
return 1
`)

// changeScript changes an existing account and ends its sessions (when
// ARGV[1] is 1). KEYS: account, its sessions set. ARGV: end sessions (0 or
// 1), key prefix, then field/value pairs to set ("" value: delete).
var changeScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
for i = 3, #ARGV, 2 do
  if ARGV[i+1] == '' then redis.call('HDEL', KEYS[1], ARGV[i]) else redis.call('HSET', KEYS[1], ARGV[i], ARGV[i+1]) end
end
local n = 0
if ARGV[1] == '1' then
  for _, sid in ipairs(redis.call('SMEMBERS', KEYS[2])) do n = n + redis.call('DEL', ARGV[2] .. 's:' .. sid) end
  redis.call('DEL', KEYS[2])
end
return n
`)

// AddUser creates an account; by is who did it (the audit trail's who).
func (d *Door) AddUser(ctx context.Context, by Actor, name string, role Role, password string) error {
	n, err := CheckName(name)
	if err != nil {
		return err
	}
	if _, err := ParseRole(string(role)); err != nil {
		return err
	}
	if err := CheckPassword(n, password); err != nil {
		return err
	}
	h, err := d.hash(ctx, password)
	if err != nil {
		return err
	}
	now := ms(d.now())
	ok, err := addScript.Run(ctx, d.rdb, []string{d.k.user(n), d.k.users(), d.k.userSessions(firstRunName)},
		string(role), h, now, d.k.p, n).Int()
	if err != nil {
		return fmt.Errorf("add office account %s: %w", n, err)
	}
	if ok == 0 {
		return fmt.Errorf("%w: %s", ErrExists, n)
	}
	return d.record(ctx, by, Record{Action: ActionUserAdd, What: n, Detail: "role " + string(role)})
}

// change applies fields to an existing account, ending its sessions when
// end is set, and records action.
func (d *Door) change(ctx context.Context, by Actor, name, action string, end bool, fields ...string) (int, error) {
	n, err := CheckName(name)
	if err != nil {
		return 0, err
	}
	args := []any{btoi(end), d.k.p}
	for _, f := range fields {
		args = append(args, f)
	}
	ended, err := changeScript.Run(ctx, d.rdb, []string{d.k.user(n), d.k.userSessions(n)}, args...).Int()
	if err != nil {
		return 0, fmt.Errorf("%s %s: %w", action, n, err)
	}
	if ended < 0 {
		return 0, fmt.Errorf("%w: %s", ErrNoAccount, n)
	}
	if ended > 0 {
		d.log.Info("office sessions ended", "user", n, "sessions", ended, "why", action)
	}
	return ended, d.record(ctx, by, Record{Action: action, What: n, Detail: fmt.Sprintf("%d sessions ended", ended)})
}

// Disable stops an account from logging in and ends its sessions at once
// (on every replica: they live in Redis). It returns how many ended.
func (d *Door) Disable(ctx context.Context, by Actor, name string) (int, error) {
	return d.change(ctx, by, name, ActionUserDisable, true, "disabled", ms(d.now()))
}

// Enable lets a disabled account log in again.
func (d *Door) Enable(ctx context.Context, by Actor, name string) error {
	_, err := d.change(ctx, by, name, ActionUserEnable, false, "disabled", "")
	return err
}

// SetPassword replaces an account's password and ends its sessions.
func (d *Door) SetPassword(ctx context.Context, by Actor, name, password string) (int, error) {
	n, err := CheckName(name)
	if err != nil {
		return 0, err
	}
	if err := CheckPassword(n, password); err != nil {
		return 0, err
	}
	h, err := d.hash(ctx, password)
	if err != nil {
		return 0, err
	}
	return d.change(ctx, by, n, ActionUserPasswd, true, "pw", h, "pw_at", ms(d.now()))
}

// Users lists the accounts by name, without their hashes.
func (d *Door) Users(ctx context.Context) ([]Account, error) {
	names, err := d.rdb.SMembers(ctx, d.k.users()).Result()
	if err != nil {
		return nil, fmt.Errorf("list office accounts: %w", err)
	}
	slices.Sort(names)
	cmds := make([]*redis.MapStringStringCmd, len(names))
	_, err = d.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, n := range names {
			cmds[i] = p.HGetAll(ctx, d.k.user(n))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read office accounts: %w", err)
	}
	out := make([]Account, 0, len(names))
	for i, n := range names {
		if f := cmds[i].Val(); len(f) > 0 {
			a, _ := accountOf(n, f)
			out = append(out, a)
		}
	}
	return out, nil
}

// AnyAccount reports whether a named account exists (then http.admin_token
// no longer opens the page).
func (d *Door) AnyAccount(ctx context.Context) (bool, error) {
	n, err := d.rdb.SCard(ctx, d.k.users()).Result()
	if err != nil {
		return false, fmt.Errorf("count office accounts: %w", err)
	}
	return n > 0, nil
}

// account reads one account and its hash; ok is false when there is none.
func (d *Door) account(ctx context.Context, name string) (Account, string, bool, error) {
	f, err := d.rdb.HGetAll(ctx, d.k.user(name)).Result()
	if err != nil {
		return Account{}, "", false, fmt.Errorf("read office account: %w", err)
	}
	if len(f) == 0 {
		return Account{}, "", false, nil
	}
	a, h := accountOf(name, f)
	return a, h, true, nil
}

func accountOf(name string, f map[string]string) (Account, string) {
	return Account{Name: name, Role: Role(f["role"]), Created: fromMS(f["created"]), PasswordSet: fromMS(f["pw_at"]),
		Disabled: fromMS(f["disabled"]), LastLogin: fromMS(f["last_login"])}, f["pw"]
}

// ms is t in Unix milliseconds, as stored.
func ms(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

func fromMS(s string) time.Time {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || s == "" {
		return time.Time{}
	}
	return time.UnixMilli(v)
}
