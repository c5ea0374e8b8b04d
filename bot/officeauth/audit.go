package officeauth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// The audit trail's actions.
const (
	ActionLogin        = "login"
	ActionLoginFailed  = "login_failed"
	ActionLogout       = "logout"
	ActionView         = "view"          // a page with citizens' full numbers (the call-back list)
	ActionExport       = "export"        // a CSV download
	ActionRecheck      = "recheck"       // 复核 asked of the backend
	ActionCallbackDone = "callback_done" // 已回电
	ActionRetry        = "retry"         // a failed delivery (dead letter) tried again
	ActionUserAdd      = "user_add"
	ActionUserDisable  = "user_disable"
	ActionUserEnable   = "user_enable"
	ActionUserPasswd   = "user_passwd"
)

// Record is one entry of the audit trail: who did what, when, about which
// case or official, from where.
type Record struct {
	ID       string    `json:"id"`
	At       time.Time `json:"at"`
	Who      string    `json:"who"`
	Role     Role      `json:"role,omitempty"`
	Action   string    `json:"action"`
	What     string    `json:"what,omitempty"`     // the page or list, the account
	Case     string    `json:"case,omitempty"`     // petition id
	Official string    `json:"official,omitempty"` // official's number
	Item     string    `json:"item,omitempty"`     // call-back item
	Rows     int       `json:"rows,omitempty"`     // rows exported
	Addr     string    `json:"addr,omitempty"`
	Detail   string    `json:"detail,omitempty"`
}

// Actor is who acts: an account, or the page's own actors: "(admin_token)"
// on first run, "(api)" for the bearer API, "(cli:user@host)" for the
// command line.
type Actor struct {
	Name string
	Role Role
	Addr string
}

// record writes rec by as who, now, to the trail (trimmed to the
// retention) and to the log.
func (d *Door) record(ctx context.Context, by Actor, rec Record) error {
	var id [8]byte
	if _, err := rand.Read(id[:]); err != nil {
		return fmt.Errorf("audit id: %w", err)
	}
	rec.ID, rec.At = hex.EncodeToString(id[:]), d.now()
	rec.Who, rec.Role, rec.Addr = by.Name, by.Role, by.Addr
	b, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("audit record: %w", err)
	}
	at := rec.At.UnixMilli()
	_, err = d.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZAdd(ctx, d.k.audit(), redis.Z{Score: float64(at), Member: b})
		p.ZRemRangeByScore(ctx, d.k.audit(), "-inf", "("+strconv.FormatInt(at-d.opt.AuditRetention.Milliseconds(), 10))
		p.PExpire(ctx, d.k.audit(), d.opt.AuditRetention)
		return nil
	})
	attrs := []any{"who", rec.Who, "action", rec.Action, "addr", rec.Addr}
	for _, kv := range [][2]string{{"role", string(rec.Role)}, {"what", rec.What}, {"case", rec.Case}, {"official", rec.Official},
		{"item", rec.Item}, {"detail", rec.Detail}} {
		if kv[1] != "" {
			attrs = append(attrs, kv[0], kv[1])
		}
	}
	if rec.Rows > 0 {
		attrs = append(attrs, "rows", rec.Rows)
	}
	if err != nil {
		d.log.Error("office audit: not kept in Redis", append(attrs, "err", err)...)
		return fmt.Errorf("audit trail: %w", err)
	}
	d.log.Info("office audit", attrs...)
	return nil
}

// Audit records what the logged-in user of r did (the session the door
// put in r's context; "(api)" without one).
func (d *Door) Audit(r *http.Request, rec Record) error {
	return d.record(r.Context(), d.ActorOf(r), rec)
}

// Record writes rec by as who: the command line's account changes, the
// API's actions.
func (d *Door) Record(ctx context.Context, by Actor, rec Record) error { return d.record(ctx, by, rec) }

// AuditTrail is the newest records first, at most limit, since the time
// given (zero: the whole retention).
func (d *Door) AuditTrail(ctx context.Context, since time.Time, limit int) ([]Record, error) {
	lo := "-inf"
	if !since.IsZero() {
		lo = strconv.FormatInt(since.UnixMilli(), 10)
	}
	vs, err := d.rdb.ZRevRangeByScore(ctx, d.k.audit(), &redis.ZRangeBy{Min: lo, Max: "+inf", Count: int64(limit)}).Result()
	if err != nil {
		return nil, fmt.Errorf("read the audit trail: %w", err)
	}
	out := make([]Record, 0, len(vs))
	for _, v := range vs {
		var rec Record
		if err := json.Unmarshal([]byte(v), &rec); err != nil {
			return nil, fmt.Errorf("audit record %q: %w", v, err)
		}
		out = append(out, rec)
	}
	return out, nil
}
