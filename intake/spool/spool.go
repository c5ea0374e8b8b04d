// Package spool is a write-ahead log on local disk for work that could not
// reach Redis: a message whose signature checked out is appended here with
// fsync, answered, and replayed in order once Redis answers again.
//
// The file is a sequence of frames: 4 bytes length, 4 bytes CRC-32C of the
// payload (both big-endian), then the payload. Next to it, "<path>.offset"
// holds how far replay got. A frame torn by a crash while being written was
// never acknowledged to anyone; it is cut off when the spool is opened.
// Replay is at-least-once: a crash between handling a record and saving the
// offset hands the record out again, so what is spooled must be idempotent
// (provider message ids, event keys).
package spool

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// MaxRecord bounds one record: a frame claiming more is a torn or foreign one.
const MaxRecord = 1 << 20

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// ErrFull is returned by Append when the spool holds MaxBytes already.
var ErrFull = errors.New("spool full")

// Spool is one spool file. Its methods are safe for concurrent use; there
// is one reader (the replayer) and any number of appenders.
type Spool struct {
	path     string
	maxBytes int64

	mu      sync.Mutex
	f       *os.File
	size    int64 // bytes written
	read    int64 // offset of the next record to hand out
	done    int64 // offset replay has finished up to (saved lazily)
	depth   int   // records from read to size
	unsaved int   // records replayed since the offset was saved
	synced  int64 // bytes known to be on disk

	syncMu sync.Mutex // one fsync at a time; appenders share it (group commit)
	offset *os.File
}

// Options tune a spool.
type Options struct {
	// MaxBytes caps the file (default 1 GiB): past it Append fails and the
	// caller answers an error, as it would have without a spool.
	MaxBytes int64
}

// Open opens or creates the spool at path, cutting off a torn last frame.
// Dropped is how many bytes were cut (0 normally).
func Open(path string, opt Options) (s *Spool, dropped int64, err error) {
	if opt.MaxBytes <= 0 {
		opt.MaxBytes = 1 << 30
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, 0, fmt.Errorf("spool directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, 0, fmt.Errorf("open spool: %w", err)
	}
	if err := lock(f); err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("spool %s: %w", path, err)
	}
	off, err := os.OpenFile(path+".offset", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("open spool offset: %w", err)
	}
	s = &Spool{path: path, maxBytes: opt.MaxBytes, f: f, offset: off}
	if dropped, err = s.recover(); err != nil {
		s.Close()
		return nil, 0, err
	}
	return s, dropped, nil
}

// ErrInUse: another process holds the spool.
var ErrInUse = errors.New("in use by another process")

// OpenSlot opens the first spool of path, path.2, … path.16 that no other
// process holds: replicas started in one directory each get their own, and
// a replica that restarts takes over a free one, replaying what it holds.
func OpenSlot(path string, opt Options) (s *Spool, dropped int64, err error) {
	for i := 1; i <= 16; i++ {
		p := path
		if i > 1 {
			p = path + "." + strconv.Itoa(i)
		}
		s, dropped, err = Open(p, opt)
		if !errors.Is(err, ErrInUse) {
			return s, dropped, err
		}
	}
	return nil, 0, fmt.Errorf("spool %s: all 16 slots %w", path, ErrInUse)
}

// recover reads the saved offset and counts the records after it.
func (s *Spool) recover() (int64, error) {
	raw, err := io.ReadAll(io.NewSectionReader(s.offset, 0, 64))
	if err != nil {
		return 0, fmt.Errorf("read spool offset: %w", err)
	}
	done, _ := strconv.ParseInt(strings.TrimSpace(string(raw)), 10, 64)
	st, err := s.f.Stat()
	if err != nil {
		return 0, fmt.Errorf("stat spool: %w", err)
	}
	if done < 0 || done > st.Size() {
		done = 0 // the file was emptied after the offset was saved
	}
	r := bufio.NewReader(io.NewSectionReader(s.f, done, st.Size()-done))
	end, n := done, 0
	for {
		rec, err := readFrame(r)
		if err != nil {
			break
		}
		end += frameLen(rec)
		n++
	}
	dropped := st.Size() - end
	if dropped > 0 {
		if err := s.f.Truncate(end); err != nil {
			return 0, fmt.Errorf("cut torn spool frame: %w", err)
		}
	}
	if _, err := s.f.Seek(end, io.SeekStart); err != nil {
		return 0, fmt.Errorf("seek spool: %w", err)
	}
	s.size, s.synced, s.read, s.depth = end, end, done, n
	return dropped, nil
}

func frameLen(rec []byte) int64 { return int64(8 + len(rec)) }

func readFrame(r io.Reader) ([]byte, error) {
	var h [8]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(h[:4])
	if n > MaxRecord {
		return nil, fmt.Errorf("frame of %d bytes", n)
	}
	rec := make([]byte, n)
	if _, err := io.ReadFull(r, rec); err != nil {
		return nil, err
	}
	if crc32.Checksum(rec, crcTable) != binary.BigEndian.Uint32(h[4:]) {
		return nil, errors.New("frame checksum mismatch")
	}
	return rec, nil
}

// Append writes rec and returns once it is on disk. Appenders that arrive
// during another's fsync share the next one.
func (s *Spool) Append(rec []byte) error {
	if len(rec) > MaxRecord {
		return fmt.Errorf("spool record of %d bytes: over %d", len(rec), MaxRecord)
	}
	buf := make([]byte, 8+len(rec))
	binary.BigEndian.PutUint32(buf[:4], uint32(len(rec)))
	binary.BigEndian.PutUint32(buf[4:8], crc32.Checksum(rec, crcTable))
	copy(buf[8:], rec)

	s.mu.Lock()
	if s.size+int64(len(buf)) > s.maxBytes {
		s.mu.Unlock()
		return ErrFull
	}
	if _, err := s.f.Write(buf); err != nil {
		// A partial write would leave a torn frame in the middle: cut it.
		_ = s.f.Truncate(s.size)
		_, _ = s.f.Seek(s.size, io.SeekStart)
		s.mu.Unlock()
		return fmt.Errorf("write spool: %w", err)
	}
	s.size += int64(len(buf))
	s.depth++
	end := s.size
	s.mu.Unlock()
	// Should the fsync fail, the caller answers an error; the record may
	// still be replayed (twice is harmless, lost is not).
	return s.syncTo(end)
}

// syncTo makes sure the file is on disk up to end.
func (s *Spool) syncTo(end int64) error {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	s.mu.Lock()
	if s.synced >= end {
		s.mu.Unlock()
		return nil
	}
	upto := s.size
	s.mu.Unlock()
	if err := s.f.Sync(); err != nil {
		return fmt.Errorf("fsync spool: %w", err)
	}
	s.mu.Lock()
	s.synced = max(s.synced, upto)
	s.mu.Unlock()
	return nil
}

// Depth is how many records wait to be replayed.
func (s *Spool) Depth() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.depth
}

// Next returns the oldest record not yet replayed, or ok false when there
// is none. The same record is returned until Done.
func (s *Spool) Next() (rec []byte, ok bool, err error) {
	s.mu.Lock()
	read, synced := s.read, s.synced
	s.mu.Unlock()
	if read >= synced {
		return nil, false, nil
	}
	rec, err = readFrame(io.NewSectionReader(s.f, read, synced-read))
	if err != nil {
		return nil, false, fmt.Errorf("read spool at %d: %w", read, err)
	}
	return rec, true, nil
}

// Done marks the record Next returned as replayed. The offset is saved
// every save records and when the spool empties: a crash replays at most
// that many again.
func (s *Spool) Done(rec []byte, save int) error {
	s.syncMu.Lock() // no fsync in flight while the file may be emptied
	defer s.syncMu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.read += frameLen(rec)
	s.depth--
	s.unsaved++
	if s.read == s.size {
		return s.reset()
	}
	if s.unsaved >= save {
		return s.saveOffset()
	}
	return nil
}

// saveOffset writes how far replay got. s.mu is held.
func (s *Spool) saveOffset() error {
	if err := s.writeOffset(s.read); err != nil {
		return err
	}
	s.unsaved = 0
	return nil
}

func (s *Spool) writeOffset(v int64) error {
	b := []byte(strconv.FormatInt(v, 10) + "\n")
	b = append(b, strings.Repeat(" ", 24-len(b))...) // overwrite any longer value
	if _, err := s.offset.WriteAt(b, 0); err != nil {
		return fmt.Errorf("save spool offset: %w", err)
	}
	if err := s.offset.Sync(); err != nil {
		return fmt.Errorf("fsync spool offset: %w", err)
	}
	return nil
}

// reset empties a fully replayed spool. s.mu and s.syncMu are held.
func (s *Spool) reset() error {
	// Truncate first: a crash before the offset is saved finds an offset
	// past the end, which Open takes as 0.
	if err := s.f.Truncate(0); err != nil {
		return fmt.Errorf("empty spool: %w", err)
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("seek spool: %w", err)
	}
	if err := s.f.Sync(); err != nil {
		return fmt.Errorf("fsync spool: %w", err)
	}
	s.size, s.synced, s.read = 0, 0, 0
	return s.saveOffset()
}

// Path is the spool file.
func (s *Spool) Path() string { return s.path }

// Close closes the files; records not replayed stay for the next Open.
func (s *Spool) Close() error {
	err1 := s.f.Close()
	err2 := s.offset.Close()
	return errors.Join(err1, err2)
}
