package officeauth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/minsheng/minsheng/intake/queue/redistest"
	"github.com/redis/go-redis/v9"
)

var cheap = &Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newDoor(t *testing.T, p *Params) (*Door, *clock) {
	t.Helper()
	rdb, prefix := redistest.Client(t)
	clk := &clock{t: time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)}
	return New(Options{Redis: rdb, Prefix: prefix, Now: clk.Now, Params: p, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}), clk
}

var cli = Actor{Name: "(cli:test)"}

// TestPasswordsAreStoredAsArgon2idWithTheirParameters: the default
// parameters are written into the hash, nothing else of the password is
// kept, two accounts with one password get different hashes (salt), and a
// hash of weaker parameters is hashed again at the next login.
func TestPasswordsAreStoredAsArgon2idWithTheirParameters(t *testing.T) {
	d, _ := newDoor(t, nil)
	ctx := context.Background()
	if err := d.AddUser(ctx, cli, "wang", Clerk, "lamp-post-17"); err != nil {
		t.Fatal(err)
	}
	if err := d.AddUser(ctx, cli, "li", Clerk, "lamp-post-17"); err != nil {
		t.Fatal(err)
	}
	_, h1, _, _ := d.account(ctx, "wang")
	_, h2, _, _ := d.account(ctx, "li")
	if !strings.HasPrefix(h1, "$argon2id$v=19$m=65536,t=3,p=1$") || h1 == h2 || strings.Contains(h1, "lamp") {
		t.Fatalf("hashes %q %q", h1, h2)
	}
	p, salt, key, err := parseHash(h1)
	if err != nil || p.Memory != 65536 || p.Time != 3 || p.Threads != 1 || len(salt) != 16 || len(key) != 32 {
		t.Fatalf("parsed %+v %d %d %v", p, len(salt), len(key), err)
	}
	all, _ := d.rdb.HGetAll(ctx, d.k.user("wang")).Result()
	for k, v := range all {
		if strings.Contains(v, "lamp-post") {
			t.Errorf("the password in field %s", k)
		}
	}

	// an old hash of weaker parameters verifies, and is replaced at login
	weak, err := hashPassword("lamp-post-17", *cheap)
	if err != nil {
		t.Fatal(err)
	}
	d.rdb.HSet(ctx, d.k.user("wang"), "pw", weak)
	role, why, err := d.verify(ctx, "wang", "lamp-post-17", false)
	if err != nil || why != "" || role != Clerk {
		t.Fatalf("verify: %q %q %v", role, why, err)
	}
	if _, h, _, _ := d.account(ctx, "wang"); !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=1$") {
		t.Errorf("not hashed again with the raised parameters: %s", h)
	}
	if _, why, _ := d.verify(ctx, "wang", "lamp-post-18", false); why != "wrong password" {
		t.Errorf("a wrong password: %q", why)
	}
}

func TestNamesAndPasswordPolicy(t *testing.T) {
	for name, want := range map[string]string{"Wang": "wang", " 王芳 ": "王芳", "li.na-2": "li.na-2", "": "", "(admin_token)": "", "a b": "", "-x": "", "x:y": "",
		strings.Repeat("a", 33): ""} {
		got, err := CheckName(name)
		if got != want || (want == "") != errors.Is(err, ErrBadName) {
			t.Errorf("CheckName(%q) = %q, %v; want %q", name, got, err, want)
		}
	}
	for pw, ok := range map[string]bool{"lamp-post-17": true, "路灯坏了一个月了2026": true, "short-1": false, "onlyletterslong": false,
		"12345678901": false, "wang-secret-1": false, "line\nbreak-123": false} {
		if err := CheckPassword("wang", pw); (err == nil) != ok {
			t.Errorf("CheckPassword(%q): %v, want ok %v", pw, err, ok)
		}
	}
	d, _ := newDoor(t, cheap)
	ctx := context.Background()
	if err := d.AddUser(ctx, cli, "wang", "boss", "lamp-post-17"); err == nil {
		t.Error("an unknown role taken")
	}
	if err := d.AddUser(ctx, cli, "wang", Clerk, "short"); !errors.Is(err, ErrWeakPassword) {
		t.Errorf("a weak password: %v", err)
	}
	if err := d.AddUser(ctx, cli, "wang", Clerk, "lamp-post-17"); err != nil {
		t.Fatal(err)
	}
	if err := d.AddUser(ctx, cli, "WANG", Admin, "lamp-post-17"); !errors.Is(err, ErrExists) {
		t.Errorf("a second wang: %v", err)
	}
	if _, err := d.Disable(ctx, cli, "zhao"); !errors.Is(err, ErrNoAccount) {
		t.Errorf("disable an unknown name: %v", err)
	}
}

// TestParallelGuessesStayWithinTheLimit: twenty guesses at once for one
// name: five are let through to the password check, the rest wait.
func TestParallelGuessesStayWithinTheLimit(t *testing.T) {
	d, _ := newDoor(t, cheap)
	var wg sync.WaitGroup
	var mu sync.Mutex
	through, waiting := 0, 0
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, thr, err := d.reserve(context.Background(), "wang", fmt.Sprintf("192.0.2.%d", i))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				t.Error(err)
			case a != nil:
				through++
			case thr != nil && thr.which == "name":
				waiting++
			}
		}()
	}
	wg.Wait()
	if through != 5 || waiting != 15 {
		t.Errorf("%d let through, %d waiting; want 5 and 15", through, waiting)
	}
}

func TestClientAddrBehindTrustedProxies(t *testing.T) {
	d := New(Options{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}})
	for _, c := range []struct{ peer, xff, want string }{
		{"203.0.113.5:4000", "198.51.100.1", "203.0.113.5"},                  // not a proxy: its header is not believed
		{"10.1.2.3:4000", "198.51.100.1", "198.51.100.1"},                    // the proxy's client
		{"10.1.2.3:4000", "6.6.6.6, 198.51.100.1, 10.9.9.9", "198.51.100.1"}, // the last hop not a proxy's; what the client wrote is not believed
		{"10.1.2.3:4000", "", "10.1.2.3"},
		{"10.1.2.3:4000", "nonsense", "10.1.2.3"},
		{"[::1]:4000", "2001:db8::7", "2001:db8::7"},
	} {
		r := httptest.NewRequest("GET", "/office/", nil)
		r.RemoteAddr = c.peer
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := d.ClientAddr(r); got != c.want {
			t.Errorf("%s with X-Forwarded-For %q: %s, want %s", c.peer, c.xff, got, c.want)
		}
	}
}

// TestTheAuditTrailKeepsItsRetention: records older than the retention
// are trimmed when the next one is written.
func TestTheAuditTrailKeepsItsRetention(t *testing.T) {
	d, clk := newDoor(t, cheap)
	d.opt.AuditRetention = 180 * 24 * time.Hour
	ctx := context.Background()
	if err := d.Record(ctx, cli, Record{Action: ActionExport, What: "first"}); err != nil {
		t.Fatal(err)
	}
	clk.add(180 * 24 * time.Hour)
	if err := d.Record(ctx, cli, Record{Action: ActionExport, What: "second"}); err != nil {
		t.Fatal(err)
	}
	if recs, _ := d.AuditTrail(ctx, time.Time{}, 10); len(recs) != 2 {
		t.Fatalf("a record exactly the retention old is kept: %d", len(recs))
	}
	clk.add(time.Millisecond)
	if err := d.Record(ctx, cli, Record{Action: ActionExport, What: "third"}); err != nil {
		t.Fatal(err)
	}
	recs, err := d.AuditTrail(ctx, time.Time{}, 10)
	if err != nil || len(recs) != 2 || recs[0].What != "third" || recs[1].What != "second" {
		t.Fatalf("after the retention: %+v %v", recs, err)
	}
}

// TestSameOrigin: the page's own forms pass (Origin null with
// Referrer-Policy no-referrer, or its own origin, or none); another site's
// do not.
func TestSameOrigin(t *testing.T) {
	for _, c := range []struct {
		origin, site string
		ok           bool
	}{
		{"", "", true}, {"null", "same-origin", true}, {"https://hotline.example.org", "same-origin", true},
		{"https://evil.example", "", false}, {"null", "cross-site", false}, {"", "same-site", false},
	} {
		r := httptest.NewRequest("POST", "https://hotline.example.org/office/login", nil)
		if c.origin != "" {
			r.Header.Set("Origin", c.origin)
		}
		if c.site != "" {
			r.Header.Set("Sec-Fetch-Site", c.site)
		}
		if got := sameOrigin(r); got != c.ok {
			t.Errorf("Origin %q, Sec-Fetch-Site %q: %v", c.origin, c.site, got)
		}
	}
}

// TestOnTheEmbeddedStore: the door's scripts run on the embedded store of
// `serve` without redis.addr (trying the page with http.admin_token).
func TestOnTheEmbeddedStore(t *testing.T) {
	m := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: m.Addr()})
	t.Cleanup(func() { rdb.Close() })
	d := New(Options{Redis: rdb, Prefix: "ms:", Token: "office0123456789", Params: cheap, Log: slog.New(slog.DiscardHandler)})
	ctx := context.Background()
	if mode, err := d.Mode(ctx); err != nil || mode != FirstRun {
		t.Fatalf("mode %v %v", mode, err)
	}
	tok, s, err := d.open(ctx, firstRunName, Admin, "127.0.0.1", true)
	if err != nil || s.Role != Admin {
		t.Fatalf("open: %v", err)
	}
	if got, err := d.look(ctx, tok); err != nil || got.Name != firstRunName || got.CSRF != s.CSRF {
		t.Fatalf("look: %+v %v", got, err)
	}
	if err := d.AddUser(ctx, cli, "wang", Clerk, "lamp-post-17"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.look(ctx, tok); !errors.Is(err, errNoSession) {
		t.Fatalf("the first run's session after the first account: %v", err)
	}
	for range 5 {
		if a, thr, err := d.reserve(ctx, "wang", "127.0.0.1"); err != nil || a == nil || thr != nil {
			t.Fatalf("reserve: %v %v", thr, err)
		}
	}
	if _, thr, err := d.reserve(ctx, "wang", "127.0.0.1"); err != nil || thr == nil || thr.wait <= 14*time.Minute || thr.wait > 15*time.Minute {
		t.Fatalf("the 6th: %+v %v", thr, err)
	}
	if n, err := d.Disable(ctx, cli, "wang"); err != nil || n != 0 {
		t.Fatalf("disable: %d %v", n, err)
	}
	if recs, err := d.AuditTrail(ctx, time.Time{}, 10); err != nil || len(recs) != 2 {
		t.Fatalf("audit: %+v %v", recs, err)
	}
}

// TestAnnounceSaysWhatOpensThePage: the log at start names the first
// run's token, or the named accounts.
func TestAnnounceSaysWhatOpensThePage(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	var b strings.Builder
	d := New(Options{Redis: rdb, Prefix: prefix, Token: "office0123456789", Params: cheap, Log: slog.New(slog.NewTextHandler(&b, nil))})
	ctx := context.Background()
	d.Announce(ctx)
	if err := d.AddUser(ctx, cli, "zhang", Admin, "audit-trail-42"); err != nil {
		t.Fatal(err)
	}
	d.Announce(ctx)
	out := b.String()
	if !strings.Contains(out, "level=WARN msg=\"office page: no office account yet: http.admin_token opens /office/ as an admin") ||
		!strings.Contains(out, "msg=\"office page: named accounts only; http.admin_token serves the admin API, not the page\"") {
		t.Errorf("announcements:\n%s", out)
	}
}

// TestOnRedisCluster: every key of the door shares the hash tag {office},
// so its scripts and transactions run on a Redis Cluster.
func TestOnRedisCluster(t *testing.T) {
	rdb, prefix := redistest.Cluster(t)
	clk := &clock{t: time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)}
	d := New(Options{Redis: rdb, Prefix: prefix, Token: "office0123456789", Params: cheap, Now: clk.Now, Log: slog.New(slog.DiscardHandler)})
	ctx := context.Background()
	if _, _, err := d.open(ctx, firstRunName, Admin, "127.0.0.1", true); err != nil {
		t.Fatal(err)
	}
	if err := d.AddUser(ctx, cli, "wang", Clerk, "lamp-post-17"); err != nil {
		t.Fatal(err)
	}
	a, _, err := d.reserve(ctx, "wang", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if _, why, err := d.verify(ctx, "wang", "lamp-post-17", false); err != nil || why != "" {
		t.Fatalf("verify: %q %v", why, err)
	}
	if err := d.succeeded(ctx, a); err != nil {
		t.Fatal(err)
	}
	tok, _, err := d.open(ctx, "wang", Clerk, "127.0.0.1", false)
	if err != nil {
		t.Fatal(err)
	}
	clk.add(31 * time.Minute)
	if _, err := d.look(ctx, tok); !errors.Is(err, errSessionEnded) {
		t.Fatalf("idle on the cluster: %v", err)
	}
	tok, s, err := d.open(ctx, "wang", Clerk, "127.0.0.1", false)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.end(ctx, s); err != nil {
		t.Fatal(err)
	}
	if _, err := d.look(ctx, tok); !errors.Is(err, errNoSession) {
		t.Fatalf("after logout: %v", err)
	}
	if _, err := d.SetPassword(ctx, cli, "wang", "lamp-post-18"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Disable(ctx, cli, "wang"); err != nil {
		t.Fatal(err)
	}
	accts, err := d.Users(ctx)
	if err != nil || len(accts) != 1 || accts[0].Disabled.IsZero() {
		t.Fatalf("users: %+v %v", accts, err)
	}
	if recs, err := d.AuditTrail(ctx, time.Time{}, 10); err != nil || len(recs) != 3 {
		t.Fatalf("audit: %d %v", len(recs), err)
	}
}
