// Package outbox delivers petitions, supplements and ratings to the case
// backend durably: records wait in a Redis Streams queue (intake/queue) until
// the backend took them, with the same idempotency key on every attempt, and
// a supplement or rating is never delivered before its petition.
package outbox

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/backend"
	"github.com/minsheng/minsheng/intake/queue"
	"github.com/redis/go-redis/v9"
)

// QueueName is the name of the outbox stream.
const QueueName = "outbox"

// Record types.
const (
	TypePetition   = "petition"
	TypeSupplement = "supplement"
	TypeRating     = "rating"
)

// Record is one delivery to the backend.
type Record struct {
	Type string `json:"type"`
	// Conversation is where the citizen is reached ("sms:+86…"): status
	// events for the case go there.
	Conversation string             `json:"cv"`
	Petition     *intake.Petition   `json:"petition,omitempty"`
	Supplement   *intake.Supplement `json:"supplement,omitempty"`
	Rating       *intake.Rating     `json:"rating,omitempty"`
}

// PetitionID is the petition the record belongs to.
func (r Record) PetitionID() string {
	switch {
	case r.Petition != nil:
		return r.Petition.ID
	case r.Supplement != nil:
		return r.Supplement.PetitionID
	case r.Rating != nil:
		return r.Rating.PetitionID
	}
	return ""
}

// Key is the record's idempotency key, the same on every attempt.
func (r Record) Key() string {
	switch r.Type {
	case TypeSupplement:
		return r.PetitionID() + "/supplement/" + strconv.FormatInt(r.Supplement.At.UnixNano(), 36)
	case TypeRating:
		return r.PetitionID() + "/rating/" + strconv.FormatInt(r.Rating.At.UnixNano(), 36)
	}
	return r.PetitionID()
}

// Delivered is what the outbox learned when the backend took a petition.
type Delivered struct {
	PetitionID   string
	CaseID       string
	Conversation string
}

// Outbox is the worker side: it drains the queue into a backend.
type Outbox struct {
	rdb     redis.UniversalClient
	prefix  string
	backend intake.Backend
	q       *queue.Queue
	// OnDelivered is called after a petition was taken and its case id stored.
	OnDelivered func(ctx context.Context, d Delivered)
}

// New builds the outbox. opt.Done, if set, still sees every outcome.
func New(rdb redis.UniversalClient, prefix string, backend intake.Backend, opt queue.Options) *Outbox {
	o := &Outbox{rdb: rdb, prefix: prefix, backend: backend}
	done := opt.Done
	opt.Done = func(e queue.Entry, out queue.Outcome, err error) {
		if out == queue.Dead {
			o.markDead(e)
		}
		if done != nil {
			done(e, out, err)
		}
	}
	o.q = queue.New(rdb, prefix, QueueName, o.handle, opt)
	return o
}

// Queue is the underlying queue (stats, dead letters, its stream keys for
// scripts that enqueue atomically with other writes).
func (o *Outbox) Queue() *queue.Queue { return o.q }

// Run delivers until ctx is done.
func (o *Outbox) Run(ctx context.Context) error { return o.q.Run(ctx) }

// Envelope renders a record for the queue (used by scripts that XADD it).
func Envelope(r Record, now time.Time) (queue.Envelope, error) {
	return queue.NewEnvelope(r.Key(), r, now)
}

func (o *Outbox) petitionKey(id string) string { return o.prefix + "p:{" + id + "}" }
func (o *Outbox) caseKey(caseID string) string { return o.prefix + "case:{" + caseID + "}" }

// Lookup finds the petition and conversation of a backend case id.
func (o *Outbox) Lookup(ctx context.Context, caseID string) (Delivered, bool, error) {
	pid, err := o.rdb.Get(ctx, o.caseKey(caseID)).Result()
	if errors.Is(err, redis.Nil) {
		return Delivered{}, false, nil
	}
	if err != nil {
		return Delivered{}, false, fmt.Errorf("look up case %s: %w", caseID, err)
	}
	cv, err := o.rdb.HGet(ctx, o.petitionKey(pid), "cv").Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return Delivered{}, false, fmt.Errorf("look up petition %s: %w", pid, err)
	}
	return Delivered{PetitionID: pid, CaseID: caseID, Conversation: cv}, true, nil
}

// CaseID is the backend's id of a petition, "" until it was taken.
func (o *Outbox) CaseID(ctx context.Context, petitionID string) (string, error) {
	id, err := o.rdb.HGet(ctx, o.petitionKey(petitionID), "case_id").Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	return id, err
}

func (o *Outbox) handle(ctx context.Context, e queue.Entry) error {
	var r Record
	if err := e.Decode(&r); err != nil {
		return fmt.Errorf("%w: %v", queue.ErrPermanent, err)
	}
	pid := r.PetitionID()
	if pid == "" {
		return fmt.Errorf("%w: record of type %q without a petition", queue.ErrPermanent, r.Type)
	}
	state, err := o.rdb.HMGet(ctx, o.petitionKey(pid), "case_id", "dead").Result()
	if err != nil {
		return fmt.Errorf("petition %s state: %w", pid, err)
	}
	caseID, _ := state[0].(string)
	dead, _ := state[1].(string)
	switch r.Type {
	case TypePetition:
		if caseID == "" {
			if caseID, err = o.backend.Submit(ctx, r.Petition, e.Key); err != nil {
				return o.classify(err)
			}
			if caseID == "" {
				caseID = pid
			}
		}
		return o.recordDelivered(ctx, Delivered{PetitionID: pid, CaseID: caseID, Conversation: r.Conversation})
	case TypeSupplement, TypeRating:
		if caseID == "" {
			if dead != "" {
				return fmt.Errorf("%w: petition %s was never delivered", queue.ErrPermanent, pid)
			}
			return queue.Defer(2 * time.Second) // the petition goes first
		}
		if r.Type == TypeSupplement {
			s := *r.Supplement
			s.CaseID = caseID
			err = o.backend.Supplement(ctx, &s, e.Key)
		} else {
			rt := *r.Rating
			rt.CaseID = caseID
			err = o.backend.Rate(ctx, &rt, e.Key)
		}
		if err != nil {
			return o.classify(err)
		}
		return nil
	}
	return fmt.Errorf("%w: unknown record type %q", queue.ErrPermanent, r.Type)
}

func (o *Outbox) recordDelivered(ctx context.Context, d Delivered) error {
	// Two keys in two slots: written in order, each idempotent, so a crash
	// between them is mended by the retry.
	if err := o.rdb.HSet(ctx, o.petitionKey(d.PetitionID), "case_id", d.CaseID, "cv", d.Conversation).Err(); err != nil {
		return fmt.Errorf("store case id of %s: %w", d.PetitionID, err)
	}
	if err := o.rdb.Set(ctx, o.caseKey(d.CaseID), d.PetitionID, 0).Err(); err != nil {
		return fmt.Errorf("store case %s: %w", d.CaseID, err)
	}
	if o.OnDelivered != nil {
		o.OnDelivered(ctx, d)
	}
	return nil
}

// classify maps the backend's permanent refusal onto the queue's, and
// honours a Retry-After the backend sent.
func (o *Outbox) classify(err error) error {
	if errors.Is(err, intake.ErrPermanent) {
		return fmt.Errorf("%w: %w", queue.ErrPermanent, err)
	}
	if d, ok := backend.RetryAfter(err); ok {
		return queue.RetryAfter(err, d)
	}
	return err
}

func (o *Outbox) markDead(e queue.Entry) {
	var r Record
	if e.Decode(&r) != nil || r.Type != TypePetition {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = o.rdb.HSet(ctx, o.petitionKey(r.PetitionID()), "dead", "1", "cv", r.Conversation).Err()
}
