// Package outbox delivers petitions, supplements and ratings to the case
// backend durably: records wait in a Redis Streams queue (intake/queue) until
// the backend took them, with the same idempotency key on every attempt, and
// a supplement or rating is never delivered before its petition.
//
// When the backend took a petition, the outbox keeps its case id, the
// citizen's conversation and how to reach them, in Redis and in a journal on
// local disk (Journal). Redis can lose its data (a restart without
// persistence, a failover to an empty replica, a flush); the outbox notices
// (an epoch key per shard disappears) and writes the journal back, so a
// status event for a case delivered before the loss still reaches its
// citizen, and never another one.
package outbox

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
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
	TypeReopen     = "reopen_requested" // the office asks for a 复核 (intake/report, office page)
)

// Record is one delivery to the backend.
type Record struct {
	Type string `json:"type"`
	// Conversation is where the citizen is reached ("sms:+86…"): status
	// events for the case go there.
	Conversation string                `json:"cv"`
	Petition     *intake.Petition      `json:"petition,omitempty"`
	Supplement   *intake.Supplement    `json:"supplement,omitempty"`
	Rating       *intake.Rating        `json:"rating,omitempty"`
	Reopen       *intake.ReopenRequest `json:"reopen,omitempty"`
	// Reply is how the runtime reaches the citizen (its own JSON, opaque
	// here): kept with the case so that status events find them even when
	// the conversation's state is gone.
	Reply json.RawMessage `json:"reply,omitempty"`
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
	case r.Reopen != nil:
		return r.Reopen.PetitionID
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
	case TypeReopen:
		return r.PetitionID() + "/reopen/" + strconv.FormatInt(r.Reopen.At.UnixNano(), 36)
	}
	return r.PetitionID()
}

// Delivered is what the outbox learned when the backend took a petition.
type Delivered struct {
	PetitionID   string          `json:"petition_id"`
	CaseID       string          `json:"case_id"`
	Conversation string          `json:"cv"`
	Reply        json.RawMessage `json:"reply,omitempty"`
	// Linked is the earlier petition the outbox linked this one to
	// (Options.Duplicates), "" when it did not (none, or the dialog had),
	// and ReceivedAt the petition's: for the office's figures, which
	// counted it without a duplicate when the conversation committed it.
	Linked     string    `json:"-"`
	ReceivedAt time.Time `json:"-"`
}

// Outbox is the worker side: it drains the queue into a backend.
type Outbox struct {
	rdb     redis.UniversalClient
	prefix  string
	backend intake.Backend
	q       *queue.Queue
	opt     Options
	epochs  epochs
	// OnDelivered is called when a petition was taken, with the pipeline
	// that stores its case id and acknowledges it: what it adds there is
	// written in that round trip, ahead of the acknowledgement.
	OnDelivered func(ctx context.Context, pipe redis.Pipeliner, d Delivered)
}

// Options of an outbox beyond its queue's.
type Options struct {
	// Journal keeps the case map on local disk (nil: Redis only, and a
	// status event for a case delivered before Redis lost its data is
	// answered 404).
	Journal *Journal
	// WaitForPetition is how long a supplement or rating waits before it
	// looks again whether its petition was taken (default 2s).
	WaitForPetition time.Duration
	// CheckEvery is how often Run looks whether Redis lost its data
	// (default 30s); a lookup that misses looks at once.
	CheckEvery time.Duration
	// OnStoreLost is called when Redis lost its data, after the journal
	// was written back (for metrics; the outbox logs it).
	OnStoreLost func()
	// Ephemeral says the store is expected to start empty (the embedded
	// store of `chat`): writing the journal back is then routine, not an
	// error.
	Ephemeral bool
	Logger    *slog.Logger
	// Duplicates links a petition to an earlier one of the same citizen
	// written to another official or on another channel (intake/dedup),
	// before it is delivered: the backend sees duplicate_of (nil: only
	// what the dialog linked in the conversation).
	Duplicates Linker
	// HotIssues gives a petition its hot issue (intake/hot/live) before it
	// is delivered, in the same round trip as Duplicates: the backend sees
	// hot_issue (nil: always null). When it fails, the delivery is retried;
	// from the third attempt on, the petition goes without it (logged)
	// rather than wait.
	HotIssues HotIssues
}

// hotAttempts is the attempt from which a petition whose hot issue could
// not be found is delivered without it.
const hotAttempts = 3

// Linker finds the earlier petition a petition repeats, "" when none, and
// gives the same answer when asked again for the same petition. It queues
// its commands in the outbox's pipeline and reads the answer once that ran.
type Linker interface {
	QueueLink(ctx context.Context, pipe redis.Pipeliner, p *intake.Petition) func() (string, error)
}

// HotIssues finds a petition's hot issue, nil when it has none; the same
// id when asked again for the same petition. It queues its commands in the
// outbox's pipeline (nil: nothing queued, no hot issue) and reads the
// answer once that ran.
type HotIssues interface {
	QueueIssue(ctx context.Context, pipe redis.Pipeliner, p *intake.Petition) func(context.Context) (*intake.HotIssue, error)
}

// New builds the outbox. qopt.Done, if set, still sees every outcome.
func New(rdb redis.UniversalClient, prefix string, backend intake.Backend, qopt queue.Options, opts ...Options) *Outbox {
	var opt Options
	if len(opts) > 0 {
		opt = opts[0]
	}
	if opt.WaitForPetition <= 0 {
		opt.WaitForPetition = 2 * time.Second
	}
	if opt.CheckEvery <= 0 {
		opt.CheckEvery = 30 * time.Second
	}
	if opt.Logger == nil {
		opt.Logger = qopt.Logger
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	o := &Outbox{rdb: rdb, prefix: prefix, backend: backend, opt: opt}
	o.epochs = newEpochs(rdb, prefix)
	opt2 := qopt
	done := opt2.Done
	opt2.Done = func(e queue.Entry, out queue.Outcome, err error) {
		if out == queue.Dead {
			o.markDead(e)
		}
		if done != nil {
			done(e, out, err)
		}
	}
	// A petition, its supplements and its rating one at a time, in order.
	opt2.Group = func(key string) string { id, _, _ := strings.Cut(key, "/"); return id }
	o.q = queue.New(rdb, prefix, QueueName, o.handle, opt2)
	return o
}

// Queue is the underlying queue (stats, dead letters, its stream keys for
// scripts that enqueue atomically with other writes).
func (o *Outbox) Queue() *queue.Queue { return o.q }

// Run delivers until ctx is done, and watches that Redis keeps its data.
func (o *Outbox) Run(ctx context.Context) error {
	if _, err := o.CheckStore(ctx); err != nil {
		o.opt.Logger.Warn("could not check whether redis lost its data", "err", err)
	}
	stop := make(chan struct{})
	go func() {
		t := time.NewTicker(o.opt.CheckEvery)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				if _, err := o.CheckStore(ctx); err != nil && ctx.Err() == nil {
					o.opt.Logger.Warn("could not check whether redis lost its data", "err", err)
				}
			}
		}
	}()
	err := o.q.Run(ctx)
	close(stop)
	return err
}

// Envelope renders a record for the queue (used by scripts that XADD it).
func Envelope(r Record, now time.Time) (queue.Envelope, error) {
	return queue.NewEnvelope(r.Key(), r, now)
}

func (o *Outbox) petitionKey(id string) string { return o.prefix + "p:{" + id + "}" }
func (o *Outbox) caseKey(caseID string) string { return o.prefix + "case:{" + caseID + "}" }

// ErrRecording is a case whose petition's record is being written (the
// backend has just taken it): ask again in a moment.
var ErrRecording = errors.New("its petition is still being recorded, retry")

// Lookup finds the petition, conversation and reply route of a backend
// case id. A miss makes it check at once whether Redis lost its data (and
// write the journal back if so) before it says the case is unknown.
func (o *Outbox) Lookup(ctx context.Context, caseID string) (Delivered, bool, error) {
	d, found, err := o.lookup(ctx, caseID)
	if found || err != nil || o.opt.Journal == nil {
		return d, found, err
	}
	lost, err := o.CheckStore(ctx)
	if err != nil || !lost {
		return d, false, err
	}
	return o.lookup(ctx, caseID)
}

func (o *Outbox) lookup(ctx context.Context, caseID string) (Delivered, bool, error) {
	pid, err := o.rdb.Get(ctx, o.caseKey(caseID)).Result()
	if errors.Is(err, redis.Nil) {
		return Delivered{}, false, nil
	}
	if err != nil {
		return Delivered{}, false, fmt.Errorf("look up case %s: %w", caseID, err)
	}
	v, err := o.rdb.HMGet(ctx, o.petitionKey(pid), "cv", "reply").Result()
	if err != nil {
		return Delivered{}, false, fmt.Errorf("look up petition %s: %w", pid, err)
	}
	cv, _ := v[0].(string)
	reply, _ := v[1].(string)
	if cv == "" {
		// The case is mapped in the round trip before the petition's
		// record (recordDelivered): an event in between is for a case
		// being recorded, to be taken a moment later, not for nobody.
		return Delivered{}, false, fmt.Errorf("case %s: %w", caseID, ErrRecording)
	}
	d := Delivered{PetitionID: pid, CaseID: caseID, Conversation: cv}
	if reply != "" {
		d.Reply = json.RawMessage(reply)
	}
	return d, true, nil
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
	if r.Type == TypePetition {
		return o.deliverPetition(ctx, e, r)
	}
	state, err := o.rdb.HMGet(ctx, o.petitionKey(pid), "case_id", "dead").Result()
	if err != nil {
		return fmt.Errorf("petition %s state: %w", pid, err)
	}
	caseID, _ := state[0].(string)
	dead, _ := state[1].(string)
	switch r.Type {
	case TypeSupplement, TypeRating, TypeReopen:
		if caseID == "" {
			if dead != "" {
				return fmt.Errorf("%w: petition %s was never delivered", queue.ErrPermanent, pid)
			}
			return queue.Defer(o.opt.WaitForPetition) // the petition goes first
		}
		if r.Type == TypeReopen { // office page (intake/report): a 复核 request
			rr, ok := o.backend.(intake.ReopenRequester)
			if !ok {
				return fmt.Errorf("%w: this backend takes no reopen_requested records (复核 of %s)", queue.ErrPermanent, pid)
			}
			req := *r.Reopen
			req.CaseID = caseID
			err = rr.RequestReopen(ctx, &req, e.Key)
		} else if r.Type == TypeSupplement {
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

// deliverPetition submits a petition and records its case: two round trips
// on a first delivery (the checks below, then the record with the
// acknowledgement); a retry first looks whether an earlier attempt got
// through, so that it is not submitted again.
func (o *Outbox) deliverPetition(ctx context.Context, e queue.Entry, r Record) error {
	pid := r.PetitionID()
	// The sum is of the petition as queued: a link or hot issue found below
	// may differ on a retry (its earlier petition left the index, the hot
	// issue grew) without making the petition another one.
	sum, err := contentSum(r.Petition)
	if err != nil {
		return fmt.Errorf("%w: %v", queue.ErrPermanent, err)
	}
	earlier, hotIssue, err := o.beforeSubmit(ctx, e, r.Petition)
	if err != nil {
		return fmt.Errorf("petition %s: %w", pid, err)
	}
	linked := ""
	if earlier != "" && r.Petition.DuplicateOf == "" {
		linked = earlier
	}
	if linked != "" || hotIssue != nil { // on a copy: the queued record stays as it was
		p := *r.Petition
		if linked != "" {
			p.DuplicateOf = linked
		}
		p.HotIssue = hotIssue
		r.Petition = &p
	}
	caseID := ""
	if e.Attempt > 1 {
		state, err := o.rdb.HMGet(ctx, o.petitionKey(pid), "case_id", "sum").Result()
		if err != nil {
			return fmt.Errorf("petition %s state: %w", pid, err)
		}
		caseID, _ = state[0].(string)
		if had, _ := state[1].(string); caseID != "" && had != "" && had != sum {
			return errRepeatedID(pid, caseID)
		}
	}
	if caseID == "" {
		if caseID, err = o.backend.Submit(ctx, r.Petition, e.Key); err != nil {
			return o.classify(err)
		}
		if caseID == "" {
			caseID = pid
		}
	}
	return o.recordDelivered(ctx, e, Delivered{PetitionID: pid, CaseID: caseID, Conversation: r.Conversation, Reply: r.Reply,
		Linked: linked, ReceivedAt: r.Petition.ReceivedAt}, sum)
}

// beforeSubmit links the petition to an earlier one it repeats and finds
// its hot issue, in one pipeline: one round trip. The link is recorded even
// when the dialog linked the petition already, so that a later repeat on
// another channel finds it.
func (o *Outbox) beforeSubmit(ctx context.Context, e queue.Entry, p *intake.Petition) (string, *intake.HotIssue, error) {
	pipe := o.rdb.Pipeline()
	link := func() (string, error) { return "", nil }
	if o.opt.Duplicates != nil {
		link = o.opt.Duplicates.QueueLink(ctx, pipe, p)
	}
	var issue func(context.Context) (*intake.HotIssue, error)
	if o.opt.HotIssues != nil {
		issue = o.opt.HotIssues.QueueIssue(ctx, pipe, p)
	}
	if pipe.Len() > 0 {
		_, _ = pipe.Exec(ctx) // each reads its own answer and error
	}
	earlier, err := link()
	var h *intake.HotIssue
	var hotErr error
	if issue != nil {
		h, hotErr = issue(ctx)
	}
	switch {
	case err != nil:
		return "", nil, err
	case hotErr != nil && e.Attempt < hotAttempts:
		return "", nil, hotErr
	case hotErr != nil:
		o.opt.Logger.Warn("petition delivered without its hot issue", "petition", p.ID, "attempt", e.Attempt, "err", hotErr)
	}
	return earlier, h, nil
}

func errRepeatedID(pid, caseID string) error {
	return fmt.Errorf("%w: petition id %s was already delivered with other content (case %s): ids repeated after the store lost its data; this petition was not recorded under it",
		queue.ErrPermanent, pid, caseID)
}

// recordDelivered checks, in one round trip, that the petition's id was
// not delivered before with other content and that the case id is not
// another petition's (ids repeated after the store lost its data); then
// stores the case with the entry's acknowledgement (queue.Entry.OnAck).
func (o *Outbox) recordDelivered(ctx context.Context, e queue.Entry, d Delivered, sum string) error {
	// The case map is set only where free: never over another petition's.
	pipe := o.rdb.Pipeline()
	before := pipe.HMGet(ctx, o.petitionKey(d.PetitionID), "case_id", "sum")
	set := pipe.SetNX(ctx, o.caseKey(d.CaseID), d.PetitionID, 0)
	had := pipe.Get(ctx, o.caseKey(d.CaseID))
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("store case %s: %w", d.CaseID, err)
	}
	if v := before.Val(); len(v) == 2 {
		prevCase, _ := v[0].(string)
		if prevSum, _ := v[1].(string); prevCase != "" && prevSum != "" && prevSum != sum {
			if set.Val() {
				// Ours only for this moment: the case is the backend's answer to a petition it must not map to.
				_ = o.rdb.Del(ctx, o.caseKey(d.CaseID)).Err()
			}
			return errRepeatedID(d.PetitionID, prevCase)
		}
	}
	if owner := had.Val(); owner != d.PetitionID {
		return fmt.Errorf("%w: the backend answered case %s for petition %s, but that case is petition %s: it took this petition for an earlier one with the same id",
			queue.ErrPermanent, d.CaseID, d.PetitionID, owner)
	}
	if j := o.opt.Journal; j != nil {
		if err := j.Append(d); err != nil {
			return fmt.Errorf("journal case %s: %w", d.CaseID, err)
		}
	}
	fields := []any{"case_id", d.CaseID, "cv", d.Conversation, "sum", sum}
	if len(d.Reply) > 0 {
		fields = append(fields, "reply", string(d.Reply))
	}
	return e.OnAck(ctx, o.rdb, func(p redis.Pipeliner) {
		p.HSet(ctx, o.petitionKey(d.PetitionID), fields...)
		if o.OnDelivered != nil {
			o.OnDelivered(ctx, p, d)
		}
	})
}

// contentSum identifies a petition's content, to tell a repeat of it from
// another petition that got the same id.
func contentSum(p *intake.Petition) (string, error) {
	// Without hot_issue, which the outbox sets (never there when queued):
	// a petition delivered before hot issues existed keeps its sum.
	raw, err := json.Marshal(struct {
		*intake.Petition
		HotIssue *struct{} `json:"hot_issue,omitempty"`
	}{Petition: p})
	if err != nil {
		return "", fmt.Errorf("encode petition: %w", err)
	}
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:12]), nil
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
	// Never over a delivered petition's conversation: a record dead for a
	// conflict shares its id with a petition that reached the backend.
	pk := o.petitionKey(r.PetitionID())
	_ = o.rdb.HSet(ctx, pk, "dead", "1").Err()
	_ = o.rdb.HSetNX(ctx, pk, "cv", r.Conversation).Err()
}
