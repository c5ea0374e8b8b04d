package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/minsheng/minsheng/dialog"
	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/queue"
	"github.com/minsheng/minsheng/intake/report"
	"github.com/redis/go-redis/v9"
)

// The survey lives where the citizen will answer (dialog/handover.go).
// A conversation whose status and survey messages go to an address of
// another conversation — a complaint staff forwarded from a Telegram group
// with the resident's phone: the group's conversation, the resident's SMS —
// hands each status event over instead of telling it: its commit appends
// the event to its shard's handover stream, with the state that recorded
// it, and a worker delivers it to the other conversation as a status input
// (HandOver), applied once however often it is delivered. That
// conversation sends the status message or the survey and takes the
// answer.
//
// The office's figures of a petition live on the shard of the conversation
// that made it (its id says which), where the receiving conversation's
// commit cannot write on Redis Cluster. So what that conversation's steps
// add to them (the survey sent, the rating) goes through its own shard's
// handover stream too, and the worker writes it on the petition's shard
// with the entry's acknowledgement.

// HandoverQueueName is the name of the handover stream.
const HandoverQueueName = "handover"

// handoverRecord is one entry of the handover stream: a status event for
// a conversation, or figures for a petition's shard.
type handoverRecord struct {
	// Conversation takes Status; Reply is how it reaches the citizen, for
	// a conversation never seen.
	Conversation string              `json:"cv,omitempty"`
	Reply        json.RawMessage     `json:"reply,omitempty"`
	Status       *dialog.StatusInput `json:"st,omitempty"`
	// Figures are report writes on the petition's shard.
	Figures *figureOps `json:"fig,omitempty"`
}

// figureOps is an encoded report.Batch (report.ApplyScript's keys and
// arguments).
type figureOps struct {
	Keys []string `json:"k"`
	Args []string `json:"a"`
}

// handoverGroup keeps the entries of one petition in order (their keys
// start with its id).
func handoverGroup(key string) string {
	id, _, _ := strings.Cut(key, "/")
	return id
}

// handOver is where another conversation tells the citizen of this one's
// cases (dialog.Input.HandOver): the Notify address, when its conversation
// is another one. Only Notify can be: Reply is where this conversation's
// own messages come from (a group's Reply is the group chat, not a
// conversation of its own).
func (r *record) handOver(conv string) string {
	n := r.Notify
	if n == nil || n.Channel == "" || n.To == "" || ConversationKey(n.Channel, n.To) == conv {
		return ""
	}
	b, err := json.Marshal(n)
	if err != nil {
		return ""
	}
	return string(b)
}

// handoverEntry is the stream entry of a status event handed over. Its
// key, the same on every delivery, is the petition, status and time of the
// event: the receiving conversation takes it once (HandOver).
func handoverEntry(h *dialog.Handover, now time.Time) (string, error) {
	var to Address
	if err := json.Unmarshal([]byte(h.To), &to); err != nil || to.Channel == "" || to.To == "" {
		return "", fmt.Errorf("hand over %s: no address in %q", h.Status.PetitionID, h.To)
	}
	s := h.Status
	key := s.PetitionID + "/handover/" + s.Event.Status + "/" + strconv.FormatInt(s.Event.At.UnixNano(), 36)
	env, err := queue.NewEnvelope(key, handoverRecord{Conversation: ConversationKey(to.Channel, to.To),
		Reply: json.RawMessage(h.To), Status: &s}, now)
	if err != nil {
		return "", err
	}
	return env.Encode(), nil
}

// figures are the report writes of one commit: those on its own shard go
// in the commit script; those about a petition of another shard (a case
// handed over to this conversation) become handover entries.
type figures struct {
	rec   *report.Recorder
	shard int
	own   *report.Batch
	other map[string]*report.Batch // by petition id
	order []string
}

// figuresFor starts a commit's report writes (nil when reports are off).
func (p *Pipeline) figuresFor(shard int) *figures {
	if p.opt.Report == nil {
		return nil
	}
	return &figures{rec: p.opt.Report, shard: shard, own: p.reportBatch(shard), other: map[string]*report.Batch{}}
}

// of is the batch for writes about a petition: the commit's, or the one
// that goes to the petition's shard.
func (f *figures) of(petitionID string) *report.Batch {
	_, shard, _, ok := intake.ParsePetitionID(petitionID)
	if !ok || shard == f.shard {
		return f.own
	}
	if b, ok := f.other[petitionID]; ok {
		return b
	}
	b, err := f.rec.BatchFor(petitionID)
	if err != nil {
		return f.own
	}
	f.other[petitionID] = b
	f.order = append(f.order, petitionID)
	return b
}

// entries are the handover entries of the writes for other shards.
func (f *figures) entries(now time.Time) ([]string, error) {
	if f == nil {
		return nil, nil
	}
	var out []string
	for i, id := range f.order {
		b := f.other[id]
		if b.Empty() {
			continue
		}
		keys, args := b.Encode()
		ops := &figureOps{Keys: keys, Args: make([]string, len(args))}
		for j, a := range args {
			ops.Args[j] = fmt.Sprint(a)
		}
		key := id + "/figures/" + strconv.FormatInt(now.UnixNano(), 36) + "." + strconv.Itoa(i)
		env, err := queue.NewEnvelope(key, handoverRecord{Figures: ops}, now)
		if err != nil {
			return nil, err
		}
		out = append(out, env.Encode())
	}
	return out, nil
}

// batch is the commit's own report batch (nil when reports are off).
func (f *figures) batch() *report.Batch {
	if f == nil {
		return nil
	}
	return f.own
}

// HandOver is the handover stream's handler: a status event goes to the
// conversation that reaches the citizen, taken in once by the entry's key
// (a redelivery after a worker died before the acknowledgement is a
// duplicate there); figures are written on their petition's shard with
// the acknowledgement.
func (p *Pipeline) HandOver(ctx context.Context, e queue.Entry) error {
	var r handoverRecord
	if err := e.Decode(&r); err != nil {
		return fmt.Errorf("%w: %v", queue.ErrPermanent, err)
	}
	switch {
	case r.Status != nil && r.Conversation != "":
		_, err := p.status(ctx, r.Conversation, r.Reply, r.Status, "handover:"+e.Key)
		return err
	case r.Figures != nil && len(r.Figures.Keys) > 0:
		args := make([]any, len(r.Figures.Args))
		for i, a := range r.Figures.Args {
			args[i] = a
		}
		return e.OnAck(ctx, p.store.Redis, func(pipe redis.Pipeliner) {
			report.ApplyScript.Eval(ctx, pipe, r.Figures.Keys, args...)
		})
	}
	return fmt.Errorf("%w: a handover entry with nothing to do", queue.ErrPermanent)
}
