// Package file is the case backend that appends every record to a JSON-lines
// file: the default when no case system is configured, and an audit trail
// that tools like jq can read.
//
// Lines are, per docs/backend-openapi.yaml: the petition with "type":"petition" and
// "case_id" equal to its id; {"type":"supplement","petition_id","case_id",
// "text","attachments","at"}; {"type":"rating","petition_id","case_id",
// "rating","comment","at"}; {"type":"reopen_requested","petition_id",
// "case_id","reason","requested_by","at"}. The words are written as they
// are (Chinese, "<", "&"): people read this file with tail and jq.
//
// Each record is one write(2) of the whole line followed by fsync, so a
// record acknowledged to the outbox survives a crash. Records are written
// once: a repeat of a record already in the file, even from before a
// restart, is acknowledged without writing.
//
// A petition whose id is already in the file with other content (ids repeat
// only when the bot's store lost its counters, e.g. several `chat` runs on
// the embedded store) is not taken for a repeat: it is written under the
// case id "<id>-2" (then -3…), which the outbox hands back to the
// conversation, and the conflict is logged as an error. A Backend is safe for concurrent
// use within one process; several processes appending to the same file are
// not supported (each keeps its own view of what is written, so both would
// write a record retried across them, and a crash repair in one could cut a
// line the other is writing).
package file

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/backend"
)

// Options configure a Backend.
type Options struct {
	Path   string       // backend.file.path, e.g. ./data/petitions.jsonl
	Logger *slog.Logger // where repairs and unreadable lines are reported; nil = slog.Default()
}

// Backend appends records to one file. Create it with New, stop with Close.
type Backend struct {
	path string
	log  *slog.Logger

	mu        sync.Mutex
	f         *os.File
	size      int64             // the file's length after the last good write
	seen      map[string]bool   // supplement and rating keys already in the file
	petitions map[string]string // case id → content digest of the petitions in the file
	broken    error             // set when the file may hold a partial line we could not remove
}

var _ intake.Backend = (*Backend)(nil)

// New opens (creating if needed) the file and reads it once to learn which
// records it holds. A last line without its newline — a crash in the middle
// of a write — is cut off when it is not a whole JSON object (the outbox
// will retry that record), or finished with a newline when it is (a file
// edited by hand), so the next record starts on a line of its own.
func New(opts Options) (*Backend, error) {
	if opts.Path == "" {
		return nil, errors.New("file backend: no path")
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	dir := filepath.Dir(opts.Path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("file backend: create directory: %w", err)
	}
	_, statErr := os.Stat(opts.Path)
	created := errors.Is(statErr, os.ErrNotExist)
	f, err := os.OpenFile(opts.Path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("file backend: open: %w", err)
	}
	b := &Backend{path: opts.Path, log: log, f: f, seen: map[string]bool{}, petitions: map[string]string{}}
	if err := b.load(); err != nil {
		f.Close()
		return nil, fmt.Errorf("file backend: %s: %w", opts.Path, err)
	}
	if created {
		// Make the new directory entry durable too, or a crash could lose
		// the whole file along with every fsynced record in it.
		if err := syncDir(dir); err != nil {
			f.Close()
			return nil, fmt.Errorf("file backend: sync directory: %w", err)
		}
	}
	return b, nil
}

// Path is the file written to.
func (b *Backend) Path() string { return b.path }

// Close closes the file. Calls after Close fail.
func (b *Backend) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.f == nil {
		return nil
	}
	err := b.f.Close()
	b.f = nil
	return err
}

// Submit appends the petition; the case id is the petition id, unless that
// id is already in the file with other content (see the package comment).
func (b *Backend) Submit(ctx context.Context, p *intake.Petition, _ string) (string, error) {
	if p == nil || p.ID == "" {
		return "", fmt.Errorf("file backend: %w", &intake.PermanentError{Body: "petition without id"})
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	rec := backend.NormalizePetition(p)
	rec.Type = "petition"
	rec.CaseID = p.ID
	line, err := encodeLine(rec)
	if err != nil {
		return "", fmt.Errorf("file backend: petition %s: %w", p.ID, err)
	}
	digest, err := petitionDigest(line)
	if err != nil {
		return "", fmt.Errorf("file backend: petition %s: %w", p.ID, &intake.PermanentError{Body: "encode: " + err.Error()})
	}

	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.usable(); err != nil {
		return "", fmt.Errorf("file backend: petition %s: %w", p.ID, err)
	}
	for k := 1; ; k++ {
		caseID := p.ID
		if k > 1 {
			caseID = p.ID + "-" + strconv.Itoa(k)
		}
		had, ok := b.petitions[caseID]
		if ok && had == digest {
			return caseID, nil // a repeat: written before
		}
		if ok {
			continue
		}
		if k > 1 {
			b.log.Error("file backend: a different petition already has this id (the store lost its counters?); written under another case id",
				"petition", p.ID, "case_id", caseID)
			rec.CaseID = caseID
			if line, err = encodeLine(rec); err != nil {
				return "", fmt.Errorf("file backend: petition %s: %w", p.ID, err)
			}
		}
		if err := b.writeLine(line); err != nil {
			return "", fmt.Errorf("file backend: petition %s: %w", p.ID, err)
		}
		b.petitions[caseID] = digest
		return caseID, nil
	}
}

// PetitionIDs are the case ids of the petitions in the file: petition ids,
// and "<id>-2"… for ids that were taken (see the package comment).
func (b *Backend) PetitionIDs() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]string, 0, len(b.petitions))
	for id := range b.petitions {
		out = append(out, id)
	}
	return out
}

// Supplement appends the supplement. The outbox's key is not used: the line
// format has no place for it, so repeats are recognised by content (petition,
// instant, text and attachments), which is what the key stands for.
func (b *Backend) Supplement(ctx context.Context, s *intake.Supplement, _ string) error {
	if s == nil || s.PetitionID == "" {
		return fmt.Errorf("file backend: %w", &intake.PermanentError{Body: "supplement without petition id"})
	}
	rec := *s
	rec.Type = "supplement"
	if rec.CaseID == "" {
		rec.CaseID = s.PetitionID // in this backend the case id is the petition id
	}
	if rec.Attachments == nil {
		rec.Attachments = []intake.Attachment{}
	}
	if err := b.append(ctx, rec); err != nil {
		return fmt.Errorf("file backend: supplement to %s: %w", s.PetitionID, err)
	}
	return nil
}

// Rate appends the rating; repeats are recognised by petition, instant,
// rating and comment.
func (b *Backend) Rate(ctx context.Context, r *intake.Rating, _ string) error {
	if r == nil || r.PetitionID == "" {
		return fmt.Errorf("file backend: %w", &intake.PermanentError{Body: "rating without petition id"})
	}
	rec := *r
	rec.Type = "rating"
	if rec.CaseID == "" {
		rec.CaseID = r.PetitionID
	}
	if err := b.append(ctx, rec); err != nil {
		return fmt.Errorf("file backend: rating of %s: %w", r.PetitionID, err)
	}
	return nil
}

// RequestReopen appends {"type":"reopen_requested",…} (a 复核 asked from
// the office page).
func (b *Backend) RequestReopen(ctx context.Context, r *intake.ReopenRequest, _ string) error {
	if r == nil || r.PetitionID == "" {
		return fmt.Errorf("file backend: %w", &intake.PermanentError{Body: "reopen request without petition id"})
	}
	rec := *r
	rec.Type = "reopen_requested"
	if rec.CaseID == "" {
		rec.CaseID = r.PetitionID
	}
	if err := b.append(ctx, rec); err != nil {
		return fmt.Errorf("file backend: reopen request of %s: %w", r.PetitionID, err)
	}
	return nil
}

func (b *Backend) append(ctx context.Context, rec any) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	line, err := encodeLine(rec)
	if err != nil {
		return err
	}
	// The key comes from the encoded line, exactly as New will read it back
	// after a restart (encoding replaces invalid UTF-8, for one).
	key, err := recordKey(line)
	if err != nil {
		return &intake.PermanentError{Body: "encode: " + err.Error()}
	}

	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.usable(); err != nil {
		return err
	}
	if b.seen[key] {
		return nil
	}
	if err := b.writeLine(line); err != nil {
		return err
	}
	b.seen[key] = true
	return nil
}

// usable reports why nothing can be written, if so. Call with mu held.
func (b *Backend) usable() error {
	switch {
	case b.f == nil:
		return errors.New("closed")
	case b.broken != nil:
		return b.broken
	}
	return nil
}

// encodeLine renders a record as one JSON line.
func encodeLine(rec any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep "<" and "&" in citizens' words readable
	if err := enc.Encode(rec); err != nil {
		// Only unencodable data gets here; a retry would fail the same way.
		return nil, &intake.PermanentError{Body: "encode: " + err.Error()}
	}
	return buf.Bytes(), nil // Encode ended it with '\n'
}

// petitionDigest identifies a petition line's content, whatever its case
// id: decoded and encoded again, so a line read back after a restart gives
// the digest it had when written.
func petitionDigest(line []byte) (string, error) {
	var p intake.Petition
	if err := json.Unmarshal(line, &p); err != nil {
		return "", err
	}
	p.Type, p.CaseID = "", ""
	raw, err := json.Marshal(p)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:16]), nil
}

// writeLine appends line durably or leaves the file as it was: after a
// failed or short write, or a failed fsync (after which Linux may have
// dropped the dirty pages), the file is cut back to its last good length so
// the retry writes a whole line after whole lines.
func (b *Backend) writeLine(line []byte) error {
	n, err := b.f.Write(line)
	if err == nil && n != len(line) {
		err = io.ErrShortWrite
	}
	if err == nil {
		err = b.f.Sync()
	}
	if err == nil {
		b.size += int64(len(line))
		return nil
	}
	if terr := b.truncate(b.size); terr != nil {
		b.broken = fmt.Errorf("write failed (%v) and the partial line could not be removed (%v); reopen to repair", err, terr)
		return b.broken
	}
	return fmt.Errorf("write: %w", err)
}

func (b *Backend) truncate(size int64) error {
	if err := b.f.Truncate(size); err != nil {
		return err
	}
	return b.f.Sync()
}

// scanned is what load needs of a line to rebuild its record key.
type scanned struct {
	Type        string              `json:"type"`
	ID          string              `json:"id"`
	CaseID      string              `json:"case_id"`
	PetitionID  string              `json:"petition_id"`
	Text        string              `json:"text"`
	Attachments []intake.Attachment `json:"attachments"`
	Rating      string              `json:"rating"`
	Comment     string              `json:"comment"`
	Reason      string              `json:"reason"`
	RequestedBy string              `json:"requested_by"`
	At          time.Time           `json:"at"`
}

// load reads the whole file, fills seen, and repairs a torn last line.
func (b *Backend) load() error {
	if _, err := b.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	r := bufio.NewReaderSize(b.f, 64<<10)
	var off int64
	lineNo := 0
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 && line[len(line)-1] != '\n' {
			// EOF without newline: the torn tail of an interrupted write.
			if err := b.repairTail(off, line); err != nil {
				return err
			}
			break
		}
		if len(line) > 0 {
			lineNo++
			b.remember(line, lineNo)
			off += int64(len(line))
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("read: %w", err)
		}
	}
	b.size = off
	// O_APPEND writes go to the end whatever the offset; keep it tidy anyway.
	_, err := b.f.Seek(0, io.SeekEnd)
	return err
}

func (b *Backend) repairTail(off int64, tail []byte) error {
	var obj map[string]json.RawMessage
	if json.Unmarshal(tail, &obj) == nil {
		// A whole record that only lacks its newline: keep it.
		if _, err := b.f.Write([]byte{'\n'}); err != nil {
			return fmt.Errorf("finish last line: %w", err)
		}
		if err := b.f.Sync(); err != nil {
			return fmt.Errorf("finish last line: %w", err)
		}
		b.remember(tail, -1)
		b.log.Warn("file backend: last line had no newline; added one", "path", b.path)
		off += int64(len(tail)) + 1
		b.size = off
		return nil
	}
	if err := b.truncate(off); err != nil {
		return fmt.Errorf("cut torn last line: %w", err)
	}
	b.log.Warn("file backend: cut a torn last line left by an interrupted write; its record will be written again",
		"path", b.path, "bytes", len(tail))
	return nil
}

// remember adds one line to what the file holds. Lines that are not ours
// (unreadable, unknown type) are left alone and reported: at worst the
// record they were is written again, which beats refusing to start.
func (b *Backend) remember(line []byte, lineNo int) {
	if len(bytes.TrimSpace(line)) == 0 {
		return
	}
	var s scanned
	err := json.Unmarshal(line, &s)
	if err == nil && s.Type == "petition" {
		caseID := s.CaseID
		if caseID == "" {
			caseID = s.ID
		}
		var digest string
		if digest, err = petitionDigest(line); err == nil && caseID != "" {
			b.petitions[caseID] = digest
			return
		}
		if err == nil {
			err = errors.New("petition without id")
		}
	}
	if err == nil {
		var key string
		if key, err = recordKey(line); err == nil {
			b.seen[key] = true
			return
		}
	}
	b.log.Warn("file backend: line ignored", "path", b.path, "line", lineNo, "err", err)
}

// recordKey is the identity of a supplement or rating line: its petition,
// instant and a digest of its content.
func recordKey(line []byte) (string, error) {
	var s scanned
	if err := json.Unmarshal(line, &s); err != nil {
		return "", err
	}
	switch s.Type {
	case "supplement":
		return backend.SupplementKey(&intake.Supplement{PetitionID: s.PetitionID, Text: s.Text, Attachments: s.Attachments, At: s.At}), nil
	case "rating":
		return backend.RatingKey(&intake.Rating{PetitionID: s.PetitionID, Rating: s.Rating, Comment: s.Comment, At: s.At}), nil
	case "reopen_requested":
		return backend.ReopenKey(&intake.ReopenRequest{PetitionID: s.PetitionID, Reason: s.Reason, RequestedBy: s.RequestedBy, At: s.At}), nil
	default:
		return "", fmt.Errorf("unknown record type %q", s.Type)
	}
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
