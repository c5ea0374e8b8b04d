// Package live gives each petition its hot issue (intake/hot) as it is
// delivered, the same on every replica of the bot.
//
// The petitions of hot issues are one Redis stream ({hot}:items): the
// outbox adds a petition and, in the same script, reads what this process
// has not applied yet; each process applies the stream, in stream order, to
// one hot.Clusterer, so every replica assigns the same cluster ids and
// sizes; the entries' ids are the clock (see replay for why they agree
// even when a replica reads late). A process that starts, or finds that
// Redis lost the stream (its
// epoch changed: logged as an error), reads the stream from its beginning,
// in pages. The stream keeps the petitions of live clusters only: when a
// cluster ends (its window passed), a process writes its summary when it
// had two citizens or more ({hot}:done, by id; {hot}:ended, by its last
// time) and deletes its entries, in the script of its next petition. The
// summaries are kept for the retention (report.retention), for `minsheng
// hot --since` and the office page.
package live

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/hot"
	"github.com/redis/go-redis/v9"
)

// page is how many entries one read of the stream holds at most.
const page = 256

// inlinePage is how many entries the script that adds a petition returns
// after the caller's last one. A process applying a petition now and then
// is at most a few entries behind, and gets them in that answer; under
// load, every concurrent delivery was sent the same page of others'
// entries, to apply one of them: 64 deliveries at once made Redis send,
// and serve parse, up to 64 copies of 256 entries. Beyond inlinePage the
// entries are read once, by one caller at a time (syncTo), for all.
const inlinePage = 16

// endedPerCall is how many ended clusters one script call removes at most.
const endedPerCall = 64

// Index is the live hot issues of one process, kept in step with the
// stream. It is safe for concurrent use.
type Index struct {
	rdb       redis.UniversalClient
	keys      []string // items, meta, done, ended
	window    time.Duration
	retention time.Duration
	log       *slog.Logger
	onLost    func()

	syncing sync.Mutex // one reader of pages at a time: the others wait, then find them applied

	mu      sync.Mutex
	epoch   string // the stream's, as this process last saw it; "" before
	r       *replay
	waiting map[string]map[streamID]hot.Issue // petition id → the issues its entries got
}

// Options of an index.
type Options struct {
	// Window is intake.hot_window: a cluster ends this long after its last
	// petition (default hot.DefaultWindow).
	Window time.Duration
	// Retention is how long an ended hot issue stays listed, after its
	// last petition (default 400 days, report.retention's).
	Retention time.Duration
	Logger    *slog.Logger
	// OnLost is called when the stream was lost (for metrics).
	OnLost func()
}

// New builds the index over the key prefix.
func New(rdb redis.UniversalClient, prefix string, opt Options) *Index {
	if opt.Window <= 0 {
		opt.Window = hot.DefaultWindow
	}
	if opt.Retention <= 0 {
		opt.Retention = 400 * 24 * time.Hour
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	return &Index{rdb: rdb, window: opt.Window, retention: opt.Retention, log: opt.Logger, onLost: opt.OnLost,
		keys: []string{prefix + "{hot}:items", prefix + "{hot}:meta", prefix + "{hot}:done", prefix + "{hot}:ended"},
		r:    newReplay(opt.Window), waiting: map[string]map[streamID]hot.Issue{}}
}

// ItemOf is a petition as the clusterer takes it. The citizen is the phone,
// else the Telegram user, else (a staff forward about someone unnamed) the
// petition itself: each such counts as another citizen.
func ItemOf(p *intake.Petition) hot.Item {
	citizen := "id:" + p.ID
	switch {
	case p.Citizen.Phone != "":
		citizen = "p" + p.Citizen.Phone
	case p.Citizen.TelegramUser != 0:
		citizen = "t" + strconv.FormatInt(p.Citizen.TelegramUser, 10)
	}
	category := p.Category.Name
	if category == "" {
		category = p.Category.Code
	}
	return hot.Item{ID: p.ID, Citizen: citizen, Time: p.ReceivedAt, Text: p.Description, Place: p.Location.Text, Category: category}
}

// Issue adds the petition and returns its hot issue: one round trip, more
// when this process is behind the stream (at its start: the whole stream,
// in pages). Nil when the petition names no place finer than a region.
func (x *Index) Issue(ctx context.Context, p *intake.Petition) (*intake.HotIssue, error) {
	pipe := x.rdb.Pipeline()
	finish := x.QueueIssue(ctx, pipe, p)
	if finish == nil {
		return nil, nil
	}
	_, _ = pipe.Exec(ctx) // finish reads the answer, and its error
	return finish(ctx)
}

// QueueIssue is Issue in a pipeline the caller sends: it queues the script
// and returns what reads its answer once the pipeline ran (nil when the
// petition names no place finer than a region: nothing was queued). A
// petition given again (a retried delivery) gets the same id and is counted
// once.
func (x *Index) QueueIssue(ctx context.Context, pipe redis.Pipeliner, p *intake.Petition) func(context.Context) (*intake.HotIssue, error) {
	finish := x.queue(ctx, pipe, ItemOf(p))
	if finish == nil {
		return nil
	}
	return func(ctx context.Context) (*intake.HotIssue, error) {
		is, err := finish(ctx)
		if err != nil {
			return nil, err
		}
		return &intake.HotIssue{ID: is.ID, Title: is.Title, Size: is.Citizens}, nil
	}
}

// queue is QueueIssue for an item.
func (x *Index) queue(ctx context.Context, pipe redis.Pipeliner, it hot.Item) func(context.Context) (hot.Issue, error) {
	if !hot.HasPlace(it.Place) {
		return nil
	}
	if rs := []rune(it.Text); len(rs) > hot.TextRunes {
		it.Text = string(rs[:hot.TextRunes])
	}
	x.mu.Lock()
	if is, ok := x.r.c.Lookup(it.ID); ok { // delivered again: its entry is applied, its cluster lives
		x.mu.Unlock()
		return func(context.Context) (hot.Issue, error) { return is, nil }
	}
	c := &call{it: it, epoch: x.epoch, after: x.r.last, gone: x.r.take(endedPerCall)}
	if x.waiting[it.ID] == nil {
		x.waiting[it.ID] = map[streamID]hot.Issue{}
	}
	x.mu.Unlock()
	var err error
	if c.args, err = x.scriptArgs(c.epoch, c.after, c.gone, &it); err != nil {
		x.giveBack(c.epoch, c.gone)
		return func(context.Context) (hot.Issue, error) { x.unwait(it.ID); return hot.Issue{}, err }
	}
	cmd := addScript.EvalSha(ctx, pipe, x.keys, c.args...)
	return func(ctx context.Context) (hot.Issue, error) {
		defer x.unwait(it.ID)
		is, err := x.finish(ctx, cmd, c)
		if err != nil {
			return hot.Issue{}, fmt.Errorf("hot issue of %s: %w", it.ID, err)
		}
		return is, nil
	}
}

// call is one script call's arguments and what the caller knew then.
type call struct {
	it    hot.Item
	epoch string   // this process's when the call was made
	after streamID // its last applied entry then
	gone  []ended  // the ended clusters it removes
	args  []any
}

// finish reads the script's answer, applies it and, when this process is
// still behind the new entry, the stream up to it; then answers the
// entry's cluster.
func (x *Index) finish(ctx context.Context, cmd *redis.Cmd, c *call) (hot.Issue, error) {
	reply, err := cmd.Slice()
	if redis.HasErrorPrefix(err, "NOSCRIPT") { // Redis restarted, or a first run: it did not run
		reply, err = addScript.Eval(ctx, x.rdb, x.keys, c.args...).Slice()
	}
	if err != nil {
		x.giveBack(c.epoch, c.gone)
		return hot.Issue{}, err
	}
	storeEpoch, added, es, err := parseReply(reply)
	if err != nil {
		return hot.Issue{}, err
	}
	x.absorb(c.epoch, storeEpoch, c.after, es)
	if err := x.syncTo(ctx, &added); err != nil {
		return hot.Issue{}, err
	}
	x.mu.Lock()
	is, ok := x.waiting[c.it.ID][added]
	x.mu.Unlock()
	if !ok { // the stream was lost since, or the entry ended before it was read
		return hot.Issue{}, fmt.Errorf("entry %s was not applied (the stream was reset, or it ended at once)", added)
	}
	return is, nil
}

func (x *Index) unwait(id string) {
	x.mu.Lock()
	delete(x.waiting, id)
	x.mu.Unlock()
}

// giveBack returns ended clusters a failed call did not remove, unless the
// stream changed meanwhile.
func (x *Index) giveBack(epoch string, gone []ended) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.epoch == epoch && len(gone) > 0 {
		x.r.giveBack(gone)
	}
}

// scriptArgs are addScript's ARGV (see there).
func (x *Index) scriptArgs(epoch string, after streamID, gone []ended, it *hot.Item) ([]any, error) {
	cutoff := int64(0)
	if after.ms > 0 {
		cutoff = after.time().Add(-x.retention).UnixMilli()
	}
	args := []any{epoch, newEpoch(), after.String(), inlinePage, cutoff}
	if it == nil {
		args = append(args, "", "", "", "", "", "")
	} else {
		args = append(args, it.Time.UnixMilli(), it.ID, it.Citizen, it.Text, it.Place, it.Category)
	}
	var ids []any
	var sums []any
	for _, g := range gone {
		for _, id := range g.ids {
			ids = append(ids, id.String())
		}
		if g.cluster != nil {
			raw, err := json.Marshal(summaryOf(*g.cluster))
			if err != nil {
				return nil, fmt.Errorf("summary of %s: %w", g.cluster.ID, err)
			}
			sums = append(sums, g.cluster.ID, g.cluster.Last.UnixMilli(), string(raw))
		}
	}
	args = append(args, len(ids))
	args = append(args, ids...)
	args = append(args, len(sums)/3)
	return append(args, sums...), nil
}

// newEpoch is a random name for a stream that has none yet.
func newEpoch() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func parseReply(reply []any) (epoch string, added streamID, es []entry, err error) {
	if len(reply) != 3 {
		return "", streamID{}, nil, fmt.Errorf("script answered %d values, want 3", len(reply))
	}
	epoch, _ = reply[0].(string)
	sid, _ := reply[1].(string)
	var ok bool
	if added, ok = parseID(sid); !ok || epoch == "" {
		return "", streamID{}, nil, fmt.Errorf("script answered epoch %q, entry %q", epoch, sid)
	}
	es, err = entriesOfScript(reply[2])
	return epoch, added, es, err
}

// absorb applies a script's answer: the entries after `after`, or from the
// stream's beginning when the caller's epoch was not the store's. An
// answer from another epoch than this process's resets it, when nothing
// changed here since the call (else it may be older news: syncTo reads
// again).
func (x *Index) absorb(callerEpoch, storeEpoch string, after streamID, es []entry) {
	x.mu.Lock()
	defer x.mu.Unlock()
	from := after
	if callerEpoch != storeEpoch {
		from = streamID{}
	}
	if storeEpoch != x.epoch {
		if callerEpoch != x.epoch {
			return
		}
		x.reset(storeEpoch)
	}
	if x.r.last.less(from) { // entries between were not read: syncTo reads them
		return
	}
	x.applyAll(es)
}

// reset starts over on a new epoch: Redis lost the stream (or this is the
// first answer).
func (x *Index) reset(epoch string) {
	if x.epoch != "" {
		x.log.Error("hot issues: Redis lost the stream of hot issues (its epoch changed); starting over from what it holds now: hot issues so far are forgotten, sizes start again",
			"was", x.epoch, "now", epoch, "key", x.keys[0])
		if x.onLost != nil {
			x.onLost()
		}
	}
	x.epoch = epoch
	x.r = newReplay(x.window)
	for id := range x.waiting {
		x.waiting[id] = map[streamID]hot.Issue{}
	}
}

func (x *Index) applyAll(es []entry) {
	for _, e := range es {
		is, ok := x.r.apply(e)
		if w := x.waiting[e.item.ID]; ok && w != nil {
			w[e.id] = is
		}
	}
}

// syncTo reads the stream from the last applied entry, in pages, until
// entry target was applied or the stream ends (target nil: until it ends).
func (x *Index) syncTo(ctx context.Context, target *streamID) error {
	x.syncing.Lock()
	defer x.syncing.Unlock()
	for {
		x.mu.Lock()
		epoch, last := x.epoch, x.r.last
		x.mu.Unlock()
		if target != nil && !last.less(*target) {
			return nil
		}
		storeEpoch, es, err := x.read(ctx, last)
		if err != nil {
			return err
		}
		x.mu.Lock()
		switch {
		case storeEpoch != x.epoch && epoch == x.epoch:
			x.reset(storeEpoch) // read again from the beginning
		case storeEpoch == x.epoch && epoch == x.epoch:
			x.applyAll(es)
		}
		x.mu.Unlock()
		if storeEpoch == epoch && len(es) < page {
			return nil // the end of the stream
		}
	}
}

// read is one page of the stream after `after`, with its epoch, at once.
func (x *Index) read(ctx context.Context, after streamID) (string, []entry, error) {
	var epoch *redis.StringCmd
	var rng *redis.XMessageSliceCmd
	_, err := x.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		epoch = p.HGet(ctx, x.keys[1], "epoch")
		rng = p.XRangeN(ctx, x.keys[0], "("+after.String(), "+", page)
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return "", nil, fmt.Errorf("read hot issues: %w", err)
	}
	es := make([]entry, 0, len(rng.Val()))
	for _, m := range rng.Val() {
		id, ok := parseID(m.ID)
		if !ok {
			return "", nil, fmt.Errorf("read hot issues: entry id %q", m.ID)
		}
		es = append(es, entryOf(id, func(f string) string { s, _ := m.Values[f].(string); return s }))
	}
	return epoch.Val(), es, nil
}

// Load reads the whole stream (at a process's start; Issue does it when
// it was not done).
func (x *Index) Load(ctx context.Context) error { return x.syncTo(ctx, nil) }
