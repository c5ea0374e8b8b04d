package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/spool"
	"github.com/prometheus/client_golang/prometheus"
)

// Spooled is the Intake channels use when `redis.spool` is set: a message
// whose signature checked out but that Redis cannot take (down, restarting,
// failing over) is appended to a local file with fsync and answered as
// taken; it is replayed in order once Redis answers. While anything waits
// in the spool, new messages join the queue behind it, so a citizen's
// messages keep their order. Replaying is safe because intake is
// idempotent by provider id (Twilio MessageSid, Telegram update id), and
// status events by their case, status and time.
//
// A record that Redis, once back, still refuses five times (a bug, not an
// outage) goes to "<spool>.dead" (JSON lines) and is counted, never dropped.
type Spooled struct {
	pipeline *Pipeline
	events   *Events
	sp       *spool.Spool
	ping     func(context.Context) error
	log      *slog.Logger
	now      func() time.Time
	kick     chan struct{}
	// DirectTimeout bounds the direct attempt, so a provider waiting on its
	// webhook (Twilio: 15 s) hears back before it gives up.
	directTimeout time.Duration

	deadMu sync.Mutex
	total  *prometheus.CounterVec
}

// spoolRecord is one spooled item.
type spoolRecord struct {
	Kind  string              `json:"k"` // "in" | "ev"
	In    *Inbound            `json:"in,omitempty"`
	Case  string              `json:"case,omitempty"`
	Event *intake.StatusEvent `json:"ev,omitempty"`
}

// errBadInbound marks a message refused for what it is: not spooled.
var errBadInbound = errors.New("bad inbound message")

// errUnknownCase: a spooled status event whose case the store does not know.
var errUnknownCase = errors.New("unknown case")

// NewSpooled wraps the pipeline with the spool at sp; ping says whether
// Redis answers. Its metrics join reg.
func NewSpooled(p *Pipeline, sp *spool.Spool, ping func(context.Context) error, reg *prometheus.Registry, log *slog.Logger) *Spooled {
	s := &Spooled{
		pipeline: p, sp: sp, ping: ping, log: log, now: p.opt.Now,
		kick: make(chan struct{}, 1), directTimeout: 5 * time.Second,
		total: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "minsheng_spool_total",
			Help: "Messages and status events kept in the local spool while Redis could not take them, by result: spooled, replayed, dead.",
		}, []string{"result"}),
	}
	if reg != nil {
		reg.MustRegister(s.total, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "minsheng_spool_depth",
			Help: "Records in the local spool waiting for Redis.",
		}, func() float64 { return float64(sp.Depth()) }))
	}
	return s
}

// Depth is how many records wait in the spool.
func (s *Spooled) Depth() int { return s.sp.Depth() }

// Handle takes a message in through the pipeline, or keeps it in the spool.
func (s *Spooled) Handle(ctx context.Context, in Inbound) (Result, error) {
	if in.At.IsZero() {
		in.At = s.now() // the replay keeps the time it arrived
	}
	if s.sp.Depth() == 0 {
		dctx, cancel := context.WithTimeout(ctx, s.directTimeout)
		res, err := s.pipeline.Handle(dctx, in)
		cancel()
		if err == nil || errors.Is(err, errBadInbound) {
			return res, err
		}
		s.log.Warn("redis cannot take a message: kept in the local spool", "conv", in.Conversation, "err", err)
	}
	if err := s.append(spoolRecord{Kind: "in", In: &in}); err != nil {
		return Result{}, err
	}
	return Result{Spooled: true}, nil
}

// OptOut needs Redis; the send queue retries it.
func (s *Spooled) OptOut(ctx context.Context, conv string) error {
	return s.pipeline.OptOut(ctx, conv)
}

// spoolEvent keeps a status event the store could not take.
func (s *Spooled) spoolEvent(caseID string, ev intake.StatusEvent) error {
	return s.append(spoolRecord{Kind: "ev", Case: caseID, Event: &ev})
}

func (s *Spooled) append(r spoolRecord) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("spool record: %w", err)
	}
	if err := s.sp.Append(b); err != nil {
		return fmt.Errorf("redis unavailable and the local spool failed: %w", err)
	}
	s.total.WithLabelValues("spooled").Inc()
	select {
	case s.kick <- struct{}{}:
	default:
	}
	return nil
}

// Run replays the spool whenever it holds something and Redis answers,
// until ctx is done.
func (s *Spooled) Run(ctx context.Context) error {
	const (
		minWait  = 100 * time.Millisecond
		maxWait  = 5 * time.Second
		maxFails = 5
	)
	wait, fails := minWait, 0
	pause := func(d time.Duration) bool {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
			return true
		}
	}
	for ctx.Err() == nil {
		if s.sp.Depth() == 0 {
			select {
			case <-ctx.Done():
				return nil
			case <-s.kick:
			}
			continue
		}
		if err := s.ping(ctx); err != nil {
			if !pause(wait) {
				return nil
			}
			wait = min(2*wait, maxWait)
			continue
		}
		rec, ok, err := s.sp.Next()
		if err != nil || !ok { // an append not yet on disk, or a read error
			if err != nil {
				s.log.Error("spool unreadable", "path", s.sp.Path(), "err", err)
			}
			if !pause(minWait) {
				return nil
			}
			continue
		}
		err = s.replay(ctx, rec)
		switch {
		case err == nil:
			s.total.WithLabelValues("replayed").Inc()
		case errors.Is(err, errBadInbound) || errors.Is(err, errUnknownCase) || fails+1 >= maxFails:
			if derr := s.dead(rec, err); derr != nil {
				if !pause(maxWait) { // kept in the spool until it can be set aside
					return nil
				}
				continue
			}
		default:
			fails++
			s.log.Warn("spooled record not replayed yet", "attempt", fails, "err", err)
			if !pause(wait) {
				return nil
			}
			wait = min(2*wait, maxWait)
			continue
		}
		fails, wait = 0, minWait
		if err := s.sp.Done(rec, 100); err != nil {
			s.log.Error("spool offset not saved: records may be replayed again", "err", err)
		}
		if s.sp.Depth() == 0 {
			s.log.Info("local spool replayed: Redis takes messages again")
		}
	}
	return nil
}

// replay hands one record to the pipeline.
func (s *Spooled) replay(ctx context.Context, rec []byte) error {
	var r spoolRecord
	if err := json.Unmarshal(rec, &r); err != nil {
		return fmt.Errorf("%w: undecodable spool record: %v", errBadInbound, err)
	}
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	switch {
	case r.Kind == "in" && r.In != nil:
		_, err := s.pipeline.Handle(rctx, *r.In)
		return err
	case r.Kind == "ev" && r.Event != nil && s.events != nil:
		d, found, err := s.events.cases.Lookup(rctx, r.Case)
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("%w %s", errUnknownCase, r.Case)
		}
		_, err = s.pipeline.Status(rctx, d, *r.Event)
		return err
	}
	return fmt.Errorf("%w: spool record of kind %q", errBadInbound, r.Kind)
}

// dead keeps a record that cannot be replayed in "<spool>.dead", one JSON
// line each, and says so loudly.
func (s *Spooled) dead(rec []byte, why error) error {
	s.total.WithLabelValues("dead").Inc()
	path := s.sp.Path() + ".dead"
	s.log.Error("spooled record cannot be replayed: kept in the spool's dead letters", "file", path, "err", why)
	line, _ := json.Marshal(struct {
		At     time.Time       `json:"at"`
		Err    string          `json:"err"`
		Record json.RawMessage `json:"record"`
	}{s.now(), why.Error(), validJSON(rec)})
	s.deadMu.Lock()
	defer s.deadMu.Unlock()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err == nil {
		_, err = f.Write(append(line, '\n'))
		err = errors.Join(err, f.Sync(), f.Close())
	}
	if err != nil {
		s.log.Error("spool dead letter not written", "file", path, "err", err)
	}
	return err
}

func validJSON(b []byte) json.RawMessage {
	if json.Valid(b) {
		return b
	}
	q, _ := json.Marshal(string(b))
	return q
}
