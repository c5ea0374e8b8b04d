package outbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"

	"github.com/minsheng/minsheng/intake/queue"
	"github.com/redis/go-redis/v9"
)

// epochs detect that Redis lost its data: one random value per shard, under
// the shard's hash tag (so a Cluster node that lost its data is noticed
// too), remembered by this process. A value that vanished or changed means
// Redis (or one node) started afresh since this process last looked.
type epochs struct {
	rdb    redis.UniversalClient
	prefix string
	mu     sync.Mutex
	known  [queue.Shards]string // "" until first seen
}

func newEpochs(rdb redis.UniversalClient, prefix string) epochs {
	return epochs{rdb: rdb, prefix: prefix}
}

func (e *epochs) key(shard int) string { return queue.Tag(e.prefix, shard) + "epoch" }

// CheckStore looks whether Redis lost its data since this process last
// looked; if so it writes the journal back into Redis and reports lost.
// The first check of a process counts a missing epoch as a loss too (a
// restart onto an empty Redis); writing the journal back is harmless when
// Redis is merely new.
func (o *Outbox) CheckStore(ctx context.Context) (lost bool, err error) {
	e := &o.epochs
	e.mu.Lock()
	defer e.mu.Unlock()
	pipe := e.rdb.Pipeline()
	cmds := make([]*redis.StringCmd, queue.Shards)
	for s := range cmds {
		cmds[s] = pipe.Get(ctx, e.key(s))
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return false, fmt.Errorf("read epochs: %w", err)
	}
	var missing []int
	for s, c := range cmds {
		v, err := c.Result()
		switch {
		case errors.Is(err, redis.Nil):
			missing = append(missing, s)
			lost = true
		case err != nil:
			return false, fmt.Errorf("read epoch: %w", err)
		case e.known[s] != "" && v != e.known[s]:
			lost = true // another replica noticed first and set a new one
			e.known[s] = v
		default:
			e.known[s] = v
		}
	}
	if !lost {
		return false, nil
	}
	// A process's first look at a Redis without epochs: a new Redis, or one
	// that lost its data while no process ran. The journal tells which.
	fresh := e.known == [queue.Shards]string{} && len(missing) == queue.Shards
	if !fresh {
		o.opt.Logger.Error("redis lost its data: conversations, drafts and queued work held there are gone; writing the case map back from the journal",
			"shards", len(missing))
	}
	if j := o.opt.Journal; j != nil {
		n, err := o.restore(ctx, j)
		if err != nil {
			return true, fmt.Errorf("write the journal back: %w", err)
		}
		switch {
		case n > 0 && fresh && o.opt.Ephemeral:
			o.opt.Logger.Info("case map written back from the journal", "cases", n, "journal", j.Path())
		case n > 0:
			o.opt.Logger.Error("case map written back from the journal", "cases", n, "journal", j.Path())
		}
		fresh = fresh && n == 0
	}
	// All missing epochs in one round trip: a process stopped while setting
	// them one by one left a Redis that the next start took for one that
	// lost part of its data.
	pipe = e.rdb.Pipeline()
	set := make([]*redis.BoolCmd, len(missing))
	vals := make([]string, len(missing))
	for i, s := range missing {
		vals[i] = newEpoch()
		set[i] = pipe.SetNX(ctx, e.key(s), vals[i], 0)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return true, fmt.Errorf("set epochs: %w", err)
	}
	for i, s := range missing {
		v := vals[i]
		if !set[i].Val() { // another replica set it meanwhile
			if v, err = e.rdb.Get(ctx, e.key(s)).Result(); err != nil {
				return true, fmt.Errorf("read epoch: %w", err)
			}
		}
		e.known[s] = v
	}
	if fresh {
		return false, nil // nothing was lost: a new Redis
	}
	if o.opt.OnStoreLost != nil {
		o.opt.OnStoreLost()
	}
	return true, nil
}

// restore writes every case of the journal back that Redis does not have,
// never over what it has. It returns how many cases it read.
func (o *Outbox) restore(ctx context.Context, j *Journal) (int, error) {
	n := 0
	pipe := o.rdb.Pipeline()
	flush := func() error {
		if pipe.Len() == 0 {
			return nil
		}
		_, err := pipe.Exec(ctx)
		return err
	}
	err := j.Each(func(d Delivered) error {
		n++
		pipe.SetNX(ctx, o.caseKey(d.CaseID), d.PetitionID, 0)
		pk := o.petitionKey(d.PetitionID)
		pipe.HSetNX(ctx, pk, "case_id", d.CaseID)
		pipe.HSetNX(ctx, pk, "cv", d.Conversation)
		if len(d.Reply) > 0 {
			pipe.HSetNX(ctx, pk, "reply", string(d.Reply))
		}
		if pipe.Len() >= 2000 {
			return flush()
		}
		return nil
	})
	if err != nil {
		return n, err
	}
	return n, flush()
}

func newEpoch() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
