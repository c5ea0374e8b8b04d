package outbox

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Journal is the case map on local disk: one JSON line per petition the
// backend took ({"at","petition_id","case_id","cv","reply"}), written before
// the outbox acknowledges the delivery. Redis holds the same and serves
// every lookup; the journal is only read when Redis lost its data
// (Outbox.CheckStore). Each replica keeps its own journal of what it
// delivered; together they hold every case.
//
// A line is in the file (the page cache) when Append returns, so a crash
// of the process loses nothing; it reaches the disk within SyncEvery
// (default 1 s, as Redis's own AOF everysec): only a machine crash at the
// same moment as Redis losing its data could lose the last second. An fsync
// per delivery would cost each delivery a disk flush (measured: a fifth of
// the outbox's throughput on this machine).
//
// Lines older than the retention are dropped when the journal is opened (a
// conversation is forgotten after that anyway). A last line without its
// newline, left by a crash in the middle of a write, is cut: the outbox
// retries that delivery and writes it again.
type Journal struct {
	path      string
	retention time.Duration
	sync      time.Duration
	now       func() time.Time
	log       *slog.Logger

	mu    sync.Mutex
	f     *os.File
	dirty bool // written since the last fsync
	stop  chan struct{}
	done  chan struct{}
}

// JournalOptions configure OpenJournal.
type JournalOptions struct {
	Path      string
	Retention time.Duration    // default 400 days
	Now       func() time.Time // default time.Now
	Logger    *slog.Logger
	// SyncEvery is how often written lines are fsync'd (default 1s;
	// negative: at every Append).
	SyncEvery time.Duration
}

// journalLine is one line of the journal.
type journalLine struct {
	At time.Time `json:"at"`
	Delivered
}

// OpenJournal opens (creating if needed) the journal and compacts it.
func OpenJournal(opt JournalOptions) (*Journal, error) {
	if opt.Path == "" {
		return nil, errors.New("journal: no path")
	}
	if opt.Retention <= 0 {
		opt.Retention = 400 * 24 * time.Hour
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if err := os.MkdirAll(filepath.Dir(opt.Path), 0o750); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	j := &Journal{path: opt.Path, retention: opt.Retention, now: opt.Now, log: opt.Logger, sync: opt.SyncEvery}
	if j.sync == 0 {
		j.sync = time.Second
	}
	if err := j.compact(); err != nil {
		return nil, fmt.Errorf("journal %s: %w", opt.Path, err)
	}
	f, err := os.OpenFile(opt.Path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	j.f = f
	if j.sync > 0 {
		j.stop, j.done = make(chan struct{}), make(chan struct{})
		go j.syncLoop()
	}
	return j, nil
}

// syncLoop fsyncs what was written, every SyncEvery.
func (j *Journal) syncLoop() {
	defer close(j.done)
	t := time.NewTicker(j.sync)
	defer t.Stop()
	for {
		select {
		case <-j.stop:
			return
		case <-t.C:
			j.mu.Lock()
			if j.f != nil && j.dirty {
				if err := j.f.Sync(); err != nil {
					j.log.Error("journal fsync failed", "path", j.path, "err", err)
				} else {
					j.dirty = false
				}
			}
			j.mu.Unlock()
		}
	}
}

// Path is the journal's file.
func (j *Journal) Path() string { return j.path }

// Append writes one delivery durably.
func (j *Journal) Append(d Delivered) error {
	line, err := json.Marshal(journalLine{At: j.now().UTC().Truncate(time.Second), Delivered: d})
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	line = append(line, '\n')
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return errors.New("journal closed")
	}
	if _, err := j.f.Write(line); err != nil {
		return err
	}
	if j.sync < 0 {
		return j.f.Sync()
	}
	j.dirty = true
	return nil
}

// Each calls fn with every delivery in the journal, oldest first.
func (j *Journal) Each(fn func(Delivered) error) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	f, err := os.Open(j.path)
	if err != nil {
		return err
	}
	defer f.Close()
	return scanJournal(f, func(l journalLine) error { return fn(l.Delivered) })
}

// Close fsyncs and closes the file.
func (j *Journal) Close() error {
	if j.stop != nil {
		close(j.stop)
		<-j.done
		j.stop = nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	err := errors.Join(j.f.Sync(), j.f.Close())
	j.f = nil
	return err
}

// compact rewrites the journal without lines past the retention and
// without a torn last line; a journal that needs neither is left alone.
func (j *Journal) compact() error {
	f, err := os.Open(j.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	cutoff := j.now().Add(-j.retention)
	var keep [][]byte
	dropped, torn := 0, false
	r := bufio.NewReaderSize(f, 64<<10)
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 && line[len(line)-1] != '\n' {
			torn = true
			break
		}
		if len(line) > 0 {
			var l journalLine
			if json.Unmarshal(line, &l) == nil && l.At.Before(cutoff) {
				dropped++
			} else {
				keep = append(keep, line)
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
	}
	if dropped == 0 && !torn {
		return nil
	}
	tmp := j.path + ".tmp"
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(out)
	for _, l := range keep {
		_, _ = w.Write(l)
	}
	if err := errors.Join(w.Flush(), out.Sync(), out.Close()); err != nil {
		return err
	}
	if err := os.Rename(tmp, j.path); err != nil {
		return err
	}
	j.log.Info("journal compacted", "path", j.path, "dropped_old", dropped, "cut_torn_line", torn)
	return nil
}

func scanJournal(r io.Reader, fn func(journalLine) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var l journalLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil || l.CaseID == "" || l.PetitionID == "" {
			continue // a torn or foreign line: nothing to restore from it
		}
		if err := fn(l); err != nil {
			return err
		}
	}
	return sc.Err()
}
