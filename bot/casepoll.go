package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/outbox"
	"github.com/redis/go-redis/v9"
)

// StatusSource is a backend that is asked for statuses (Open311 has no
// callbacks): it returns the current status of each case id.
type StatusSource interface {
	Statuses(ctx context.Context, ids []string) ([]intake.StatusEvent, error)
}

// CasePoller polls the backend for the cases still open and turns each
// change of status into a status event, as if the backend had posted it.
// Several replicas may run it: a round is taken by one of them, and the
// pipeline applies an event (case, status, time) once anyway.
type CasePoller struct {
	rdb      redis.UniversalClient
	prefix   string
	source   StatusSource
	cases    CaseLookup
	pipeline *Pipeline
	log      *slog.Logger
}

// NewCasePoller builds a poller.
func NewCasePoller(rdb redis.UniversalClient, prefix string, source StatusSource, cases CaseLookup, p *Pipeline, log *slog.Logger) *CasePoller {
	return &CasePoller{rdb: rdb, prefix: prefix, source: source, cases: cases, pipeline: p, log: log}
}

func (c *CasePoller) openKey() string { return c.prefix + "poll:open" }
func (c *CasePoller) lastKey() string { return c.prefix + "poll:last" }
func (c *CasePoller) lockKey() string { return c.prefix + "poll:lock" }

// Track adds a case to the polled set (called when the backend took it).
// TrackIn is Track as a command of pipe.
func (c *CasePoller) TrackIn(ctx context.Context, pipe redis.Pipeliner, caseID string) {
	pipe.SAdd(ctx, c.openKey(), caseID)
}

func (c *CasePoller) Track(ctx context.Context, caseID string) error {
	if err := c.rdb.SAdd(ctx, c.openKey(), caseID).Err(); err != nil {
		return fmt.Errorf("track case %s: %w", caseID, err)
	}
	return nil
}

// Run polls every interval until ctx is done.
func (c *CasePoller) Run(ctx context.Context, every time.Duration) {
	repeat(ctx, every, func() {
		ok, err := c.rdb.SetNX(ctx, c.lockKey(), "1", every/2).Result()
		if err != nil || !ok {
			return // another replica polls this round
		}
		if _, err := c.Poll(ctx); err != nil && ctx.Err() == nil {
			c.log.Warn("polling case statuses failed", "err", err)
		}
	})
}

// Poll asks once for every open case; it returns how many changes it applied.
func (c *CasePoller) Poll(ctx context.Context) (int, error) {
	ids, err := c.rdb.SMembers(ctx, c.openKey()).Result()
	if err != nil {
		return 0, fmt.Errorf("open cases: %w", err)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	events, serr := c.source.Statuses(ctx, ids)
	applied := 0
	for _, ev := range events {
		last, err := c.rdb.HGet(ctx, c.lastKey(), ev.CaseID).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return applied, fmt.Errorf("last status of %s: %w", ev.CaseID, err)
		}
		if last == ev.Status {
			continue
		}
		d, found, err := c.cases.Lookup(ctx, ev.CaseID)
		if err != nil {
			return applied, err
		}
		if !found {
			c.log.Warn("polled case unknown here, no longer polled", "case", ev.CaseID)
			_ = c.rdb.SRem(ctx, c.openKey(), ev.CaseID).Err()
			continue
		}
		if ev.At.IsZero() {
			ev.At = time.Now()
		}
		if _, err := c.pipeline.Status(ctx, d, ev); err != nil {
			return applied, err
		}
		// Recorded after the event went in: a crash in between repeats the
		// event, which the pipeline applies once.
		pipe := c.rdb.TxPipeline()
		pipe.HSet(ctx, c.lastKey(), ev.CaseID, ev.Status)
		if ev.Status == intake.StatusResolved || ev.Status == intake.StatusClosed {
			pipe.SRem(ctx, c.openKey(), ev.CaseID)
			pipe.HDel(ctx, c.lastKey(), ev.CaseID)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return applied, fmt.Errorf("record status of %s: %w", ev.CaseID, err)
		}
		applied++
	}
	if serr != nil {
		return applied, fmt.Errorf("statuses of %s cases: %w", strconv.Itoa(len(ids)), serr)
	}
	return applied, nil
}

var _ CaseLookup = (*outbox.Outbox)(nil)
