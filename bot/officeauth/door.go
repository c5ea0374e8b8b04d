// Package officeauth is the door of the office page (/office/): named
// accounts with argon2id password hashes, login throttling, server-side
// sessions with idle and absolute time limits, CSRF tokens, security
// headers and the audit trail, all kept in Redis so that every replica
// sees a logout, a disabled account or a lockout at once. It is built to
// 网络安全等级保护 2.0 (GB/T 22239-2019): every user identified, illegal
// logins limited, sessions ended and timed out, security-relevant actions
// audited. bot/officepage uses it; the command line manages the accounts.
package officeauth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// CookieName is the session cookie.
const CookieName = "minsheng_office"

// Options are the door's store, settings and clock.
type Options struct {
	Redis  redis.UniversalClient
	Prefix string // the deployment's key prefix ("ms:")
	// Token is http.admin_token: it opens the page as an admin while no
	// named account exists (the first run), never after.
	Token string
	// SessionIdle ends a session unused this long; SessionMax any session
	// this old (defaults 30 min and 12 h).
	SessionIdle, SessionMax time.Duration
	// AuditRetention is how long the audit trail keeps a record (default
	// 183 days).
	AuditRetention time.Duration
	// TrustedProxies are the proxies whose X-Forwarded-For is believed:
	// the client's address is the last one in it that is not a proxy's.
	TrustedProxies []netip.Prefix
	Limits         Limits  // zero: DefaultLimits
	Params         *Params // nil: DefaultParams
	Now            func() time.Time
	Log            *slog.Logger
}

// Door guards the office page.
type Door struct {
	opt     Options
	rdb     redis.UniversalClient
	k       keys
	params  Params
	log     *slog.Logger
	now     func() time.Time
	hashing chan struct{} // argon2id runs at most one per CPU at a time (64 MiB each)

	dummyOnce sync.Once
	dummy     string // a hash to check unknown names against: the same time as a known one
}

// New builds the door.
func New(opt Options) *Door {
	if opt.SessionIdle <= 0 {
		opt.SessionIdle = 30 * time.Minute
	}
	if opt.SessionMax <= 0 {
		opt.SessionMax = 12 * time.Hour
	}
	if opt.AuditRetention <= 0 {
		opt.AuditRetention = 183 * 24 * time.Hour
	}
	if opt.Limits == (Limits{}) {
		opt.Limits = DefaultLimits
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	d := &Door{opt: opt, rdb: opt.Redis, k: keys{p: opt.Prefix + "{office}:"}, params: DefaultParams, log: opt.Log, now: opt.Now,
		hashing: make(chan struct{}, max(1, runtime.NumCPU()))}
	if opt.Params != nil {
		d.params = *opt.Params
	}
	return d
}

// keys are the door's Redis keys: one hash tag, so its scripts run on
// Redis Cluster.
type keys struct{ p string }

func (k keys) users() string                { return k.p + "users" }
func (k keys) user(name string) string      { return k.p + "u:" + name }
func (k keys) session(id string) string     { return k.p + "s:" + id }
func (k keys) userSessions(n string) string { return k.p + "us:" + n }
func (k keys) failName(name string) string  { return k.p + "f:n:" + nameTag(name) }
func (k keys) failAddr(addr string) string  { return k.p + "f:a:" + addr }
func (k keys) audit() string                { return k.p + "audit" }

// hash hashes a password, one per CPU at a time.
func (d *Door) hash(ctx context.Context, password string) (string, error) {
	if err := d.acquire(ctx); err != nil {
		return "", err
	}
	defer d.release()
	return hashPassword(password, d.params)
}

func (d *Door) acquire(ctx context.Context) error {
	select {
	case d.hashing <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (d *Door) release() { <-d.hashing }

// check verifies password against hash h ("" = an unknown name: a dummy
// hash is checked instead, so that the answer takes as long).
func (d *Door) check(ctx context.Context, h, password string) (ok, weaker bool, err error) {
	if h == "" {
		d.dummyOnce.Do(func() { d.dummy, _ = hashPassword("minsheng: no such account", d.params) })
		h = d.dummy
	}
	if err := d.acquire(ctx); err != nil {
		return false, false, err
	}
	defer d.release()
	return verifyPassword(h, password, d.params)
}

// Mode is what opens the page now.
type Mode int

// The modes.
const (
	Closed   Mode = iota // no account and no http.admin_token
	FirstRun             // no account yet: http.admin_token opens it
	Accounts             // named accounts only
)

// Mode says what opens the page now.
func (d *Door) Mode(ctx context.Context) (Mode, error) {
	exists, err := d.AnyAccount(ctx)
	switch {
	case err != nil:
		return Closed, err
	case exists:
		return Accounts, nil
	case d.opt.Token != "":
		return FirstRun, nil
	}
	return Closed, nil
}

// Announce logs, at start, what opens the page: named accounts, or
// http.admin_token until the first one exists.
func (d *Door) Announce(ctx context.Context) {
	m, err := d.Mode(ctx)
	switch {
	case err != nil:
		d.log.Warn("office page: could not tell whether office accounts exist", "err", err)
	case m == Accounts:
		d.log.Info("office page: named accounts only; http.admin_token serves the admin API, not the page",
			"session_idle", d.opt.SessionIdle, "session_max", d.opt.SessionMax)
	case m == FirstRun:
		d.log.Warn("office page: no office account yet: http.admin_token opens /office/ as an admin until the first `minsheng office user add` (its sessions then end)")
	default:
		d.log.Info("office page closed: no office account and no http.admin_token (`minsheng office user add NAME --role admin`)")
	}
}

// Outcome is how a login ended.
type Outcome int

// The outcomes.
const (
	LoginOK          Outcome = iota
	LoginRefused             // wrong name or password, disabled, or the token after the first run: one answer for all
	LoginThrottled           // too many failures: wait (Retry-After is set)
	LoginForbidden           // posted from another site
	LoginUnavailable         // the store did not answer
)

// LoginResult is a login's outcome; Wait is set when throttled.
type LoginResult struct {
	Outcome Outcome
	Wait    time.Duration
}

// Login checks the posted form — name and password, or on the first run
// token — and on success opens a session and sets its cookie. Every
// failure is logged and audited; beyond the limits the answer is
// LoginThrottled and the Retry-After header is set.
func (d *Door) Login(w http.ResponseWriter, r *http.Request) LoginResult {
	ctx := r.Context()
	if !sameOrigin(r) {
		return LoginResult{Outcome: LoginForbidden}
	}
	if err := r.ParseForm(); err != nil {
		return LoginResult{Outcome: LoginRefused}
	}
	addr := d.ClientAddr(r)
	token, firstRun := r.PostForm["token"]
	name, password := r.PostFormValue("name"), r.PostFormValue("password")
	if firstRun {
		name, password = firstRunName, strings.Join(token, "")
	} else if n, err := CheckName(name); err == nil {
		name = n
	}
	att, thr, err := d.reserve(ctx, name, addr)
	if err != nil {
		d.log.Error("office login: store unavailable", "err", err)
		return LoginResult{Outcome: LoginUnavailable}
	}
	if thr != nil {
		secs := int((thr.wait + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		d.log.Warn("office login throttled", "user", d.nameForLog(ctx, name), "addr", addr, "limit", thr.which, "retry_after_s", secs)
		return LoginResult{Outcome: LoginThrottled, Wait: thr.wait}
	}
	role, why, err := d.verify(ctx, name, password, firstRun)
	if err != nil {
		d.log.Error("office login: store unavailable", "err", err)
		return LoginResult{Outcome: LoginUnavailable}
	}
	var sess *Session
	var cookie string
	if why == "" {
		cookie, sess, err = d.open(ctx, name, role, addr, firstRun)
		switch {
		case errors.Is(err, errDisabled):
			why = "account disabled"
		case errors.Is(err, errGone):
			why = "no such account"
		case errors.Is(err, errAccountsNow):
			why = "http.admin_token after named accounts exist"
		case err != nil:
			d.log.Error("office login: store unavailable", "err", err)
			return LoginResult{Outcome: LoginUnavailable}
		}
	}
	if why != "" {
		who := d.nameForLog(ctx, name)
		d.log.Warn("office login refused", "user", who, "addr", addr, "why", why)
		_ = d.record(ctx, Actor{Name: who, Addr: addr}, Record{Action: ActionLoginFailed, Detail: why})
		return LoginResult{Outcome: LoginRefused}
	}
	if err := d.succeeded(ctx, att); err != nil {
		d.log.Warn("office login: failures not cleared", "err", err)
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: cookie, Path: "/office/", MaxAge: int(d.opt.SessionMax / time.Second),
		HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode})
	if err := d.record(ctx, Actor{Name: sess.Name, Role: sess.Role, Addr: addr}, Record{Action: ActionLogin}); err != nil {
		d.log.Warn("office login not in the audit trail", "err", err)
	}
	return LoginResult{Outcome: LoginOK}
}

// verify checks a name and password (or the first run's token): the role
// on success, else why not ("" when ok).
func (d *Door) verify(ctx context.Context, name, password string, firstRun bool) (Role, string, error) {
	if firstRun {
		exists, err := d.AnyAccount(ctx)
		switch {
		case err != nil:
			return "", "", err
		case d.opt.Token == "":
			return "", "http.admin_token is empty", nil
		case exists:
			return "", "http.admin_token after named accounts exist", nil
		case subtle.ConstantTimeCompare([]byte(password), []byte(d.opt.Token)) != 1:
			return "", "wrong http.admin_token", nil
		}
		return Admin, "", nil
	}
	acct, h, known, err := d.account(ctx, name)
	if err != nil {
		return "", "", err
	}
	ok, weaker, err := d.check(ctx, h, password)
	switch {
	case err != nil && known:
		return "", "", fmt.Errorf("the hash of %s: %w", name, err)
	case !known:
		return "", "no such account", nil
	case !ok:
		return "", "wrong password", nil
	case !acct.Disabled.IsZero():
		return "", "account disabled", nil
	}
	if weaker { // raised parameters since: hash it again with them
		if nh, err := d.hash(ctx, password); err == nil {
			if err := d.rdb.HSet(ctx, d.k.user(name), "pw", nh).Err(); err != nil {
				d.log.Warn("office login: password not hashed again", "user", name, "err", err)
			}
		}
	}
	return acct.Role, "", nil
}

// nameForLog is a name as logs and the audit trail show it: an account's
// name, else a hash of what was typed ("?3f9a…"), which may be a password.
func (d *Door) nameForLog(ctx context.Context, name string) string {
	if name == firstRunName {
		return name
	}
	if _, err := CheckName(name); err == nil {
		if n, err := d.rdb.Exists(ctx, d.k.user(name)).Result(); err == nil && n == 1 {
			return name
		}
	}
	return "?" + nameTag(name)
}

// Logout ends the request's session (when its form token matches) and
// clears the cookie.
func (d *Door) Logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(CookieName); err == nil && sameOrigin(r) {
		if s, err := d.look(r.Context(), c.Value); err == nil && subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(s.CSRF)) == 1 {
			if err := d.end(r.Context(), s); err != nil {
				d.log.Error("office logout: session not ended", "user", s.Name, "err", err)
			} else {
				_ = d.record(r.Context(), Actor{Name: s.Name, Role: s.Role, Addr: d.ClientAddr(r)}, Record{Action: ActionLogout})
			}
		}
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/office/", MaxAge: -1, HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode})
}

type ctxKey struct{}

// SessionOf is the session the door let r in with (nil outside Require).
func SessionOf(r *http.Request) *Session {
	s, _ := r.Context().Value(ctxKey{}).(*Session)
	return s
}

// ActorOf is who r acts as: its session's user, else "(api)".
func (d *Door) ActorOf(r *http.Request) Actor {
	a := Actor{Name: "(api)", Addr: d.ClientAddr(r)}
	if s := SessionOf(r); s != nil {
		a.Name, a.Role = s.Name, s.Role
	}
	return a
}

// Require lets in requests of a live session whose role may do role:
// others are sent to the login form (GET) or refused 403; a clerk on an
// admin page gets 403. A POST must come from this site and carry the
// session's form token (field csrf): SameSite=Strict cookies and the token
// both, so a page elsewhere cannot post a 复核 or 已回电.
func (d *Door) Require(role Role, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var s *Session
		err := errNoSession
		if c, cerr := r.Cookie(CookieName); cerr == nil {
			s, err = d.look(r.Context(), c.Value)
		}
		switch {
		case err != nil && !errors.Is(err, errNoSession) && !errors.Is(err, errSessionEnded):
			d.log.Error("office page: session store unavailable", "err", err)
			http.Error(w, "存储无响应，请稍后再试", http.StatusServiceUnavailable)
			return
		case err != nil && r.Method == http.MethodGet:
			http.Redirect(w, r, "/office/login", http.StatusSeeOther)
			return
		case err != nil:
			http.Error(w, "请先登录（/office/login）", http.StatusForbidden)
			return
		case !s.Role.can(role):
			d.log.Warn("office page: refused to a clerk", "user", s.Name, "path", r.URL.Path, "addr", d.ClientAddr(r))
			http.Error(w, "仅限管理员", http.StatusForbidden)
			return
		}
		if r.Method == http.MethodPost {
			if !sameOrigin(r) || subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(s.CSRF)) != 1 {
				d.log.Warn("office page: a POST without this session's form token refused", "user", s.Name, "path", r.URL.Path, "addr", d.ClientAddr(r))
				http.Error(w, "请求被拒绝：表单已失效或来自其他网站，请刷新页面后再试", http.StatusForbidden)
				return
			}
		}
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, s)))
	})
}

// sameOrigin refuses a POST another site made the browser send: one whose
// Origin names another site, or that the browser marks as cross-site
// (Sec-Fetch-Site). Origin "null" is taken: with Referrer-Policy
// no-referrer browsers send it for the page's own forms. The session's
// form token is what a forger cannot have.
func sameOrigin(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "cross-site", "same-site":
		return false
	}
	o := r.Header.Get("Origin")
	if o == "" || o == "null" {
		return true
	}
	_, host, _ := strings.Cut(o, "://")
	return host == r.Host
}

// ClientAddr is the address r came from: the peer, or behind a trusted
// proxy the last address of X-Forwarded-For that is not a proxy's.
func (d *Door) ClientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || !d.trusted(peer) {
		return host
	}
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(h, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return host // a malformed hop: believe no further
		}
		if !d.trusted(a) {
			return a.Unmap().String()
		}
	}
	return host
}

func (d *Door) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range d.opt.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
