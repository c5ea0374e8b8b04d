package spool_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/minsheng/minsheng/intake/spool"
)

func open(t *testing.T, path string) *spool.Spool {
	t.Helper()
	s, dropped, err := spool.Open(path, spool.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if dropped != 0 {
		t.Fatalf("dropped %d bytes of a clean spool", dropped)
	}
	return s
}

// drain replays every record, returning them in order.
func drain(t *testing.T, s *spool.Spool, save int) []string {
	t.Helper()
	var got []string
	for {
		rec, ok, err := s.Next()
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			return got
		}
		got = append(got, string(rec))
		if err := s.Done(rec, save); err != nil {
			t.Fatal(err)
		}
	}
}

func TestReplayInOrderThenEmpty(t *testing.T) {
	path := filepath.Join(t.TempDir(), "spool")
	s := open(t, path)
	defer s.Close()
	for i := 0; i < 5; i++ {
		if err := s.Append([]byte(fmt.Sprintf("m%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	if d := s.Depth(); d != 5 {
		t.Fatalf("depth %d, want 5", d)
	}
	// Next hands the same record until Done.
	a, _, _ := s.Next()
	b, _, _ := s.Next()
	if string(a) != "m0" || string(b) != "m0" {
		t.Fatalf("next %q then %q, want m0 twice", a, b)
	}
	got := drain(t, s, 100)
	if want := []string{"m0", "m1", "m2", "m3", "m4"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("replayed %v, want %v", got, want)
	}
	if d := s.Depth(); d != 0 {
		t.Fatalf("depth %d after replay", d)
	}
	if st, _ := os.Stat(path); st.Size() != 0 {
		t.Fatalf("replayed spool still %d bytes", st.Size())
	}
	// It goes on after being emptied.
	if err := s.Append([]byte("m5")); err != nil {
		t.Fatal(err)
	}
	if got := drain(t, s, 100); fmt.Sprint(got) != "[m5]" {
		t.Fatalf("after emptying: %v", got)
	}
}

// A process that dies mid-replay replays from the last saved offset: at
// most save records again, none lost.
func TestReopenAfterPartialReplay(t *testing.T) {
	path := filepath.Join(t.TempDir(), "spool")
	s := open(t, path)
	for i := 0; i < 10; i++ {
		if err := s.Append([]byte(fmt.Sprintf("m%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 7; i++ { // offset saved after m2 and m5 (every 3)
		rec, _, _ := s.Next()
		if err := s.Done(rec, 3); err != nil {
			t.Fatal(err)
		}
	}
	s.Close() // as good as a crash: nothing is buffered

	s = open(t, path)
	defer s.Close()
	if d := s.Depth(); d != 4 {
		t.Fatalf("depth after reopen %d, want 4 (m6 again, m7–m9)", d)
	}
	if got := drain(t, s, 3); fmt.Sprint(got) != "[m6 m7 m8 m9]" {
		t.Fatalf("replayed after reopen %v", got)
	}
}

// A frame torn by a crash mid-write is cut off; the records before it stay.
func TestTornTailCut(t *testing.T) {
	path := filepath.Join(t.TempDir(), "spool")
	s := open(t, path)
	for _, r := range []string{"one", "two"} {
		if err := s.Append([]byte(r)); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	full, _ := os.ReadFile(path)
	for _, tc := range []struct {
		name string
		tail []byte
	}{
		{"half a header", []byte{0, 0}},
		{"header without body", []byte{0, 0, 0, 9, 1, 2, 3, 4}},
		{"bad checksum", append([]byte{0, 0, 0, 3, 0, 0, 0, 0}, "xyz"...)},
		{"absurd length", []byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 'a'}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "spool")
			if err := os.WriteFile(p, append(bytes.Clone(full), tc.tail...), 0o600); err != nil {
				t.Fatal(err)
			}
			s, dropped, err := spool.Open(p, spool.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if dropped != int64(len(tc.tail)) {
				t.Errorf("dropped %d bytes, want %d", dropped, len(tc.tail))
			}
			if err := s.Append([]byte("three")); err != nil {
				t.Fatal(err)
			}
			if got := drain(t, s, 1); fmt.Sprint(got) != "[one two three]" {
				t.Fatalf("replayed %v", got)
			}
		})
	}
}

func TestConcurrentAppendsAllKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "spool")
	s := open(t, path)
	defer s.Close()
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				if err := s.Append([]byte(fmt.Sprintf("w%d-%d", w, i))); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	got := drain(t, s, 10)
	if len(got) != 400 {
		t.Fatalf("%d records, want 400", len(got))
	}
	// Per writer, in its order.
	last := map[string]int{}
	for _, r := range got {
		var w string
		var i int
		fmt.Sscanf(r, "w%1s-%d", &w, &i)
		if prev, ok := last[w]; ok && i != prev+1 {
			t.Fatalf("writer %s: %d after %d", w, i, prev)
		}
		last[w] = i
	}
}

func TestFullRefuses(t *testing.T) {
	s, _, err := spool.Open(filepath.Join(t.TempDir(), "spool"), spool.Options{MaxBytes: 40})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Append(make([]byte, 20)); err != nil {
		t.Fatal(err)
	}
	if err := s.Append(make([]byte, 20)); err != spool.ErrFull {
		t.Fatalf("second append: %v, want ErrFull", err)
	}
	if d := s.Depth(); d != 1 {
		t.Fatalf("depth %d, want 1", d)
	}
}

// FuzzOpen: whatever the file holds, Open neither panics nor hands out a
// record that was not framed whole.
func FuzzOpen(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 0, 0, 1, 0, 0, 0, 0, 'a'})
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "spool")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		s, dropped, err := spool.Open(p, spool.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		depth := s.Depth()
		n := 0
		for {
			rec, ok, err := s.Next()
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				break
			}
			n++
			if err := s.Done(rec, 1); err != nil {
				t.Fatal(err)
			}
		}
		if n != depth || dropped < 0 || dropped > int64(len(data)) {
			t.Fatalf("depth %d, replayed %d, dropped %d of %d", depth, n, dropped, len(data))
		}
	})
}

// Two processes (here: two opens) never share a spool file: the second
// gets the next slot; a slot freed is taken again with what it holds.
func TestSlots(t *testing.T) {
	path := filepath.Join(t.TempDir(), "spool")
	a, _, err := spool.OpenSlot(path, spool.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := spool.OpenSlot(path, spool.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Path() != path || b.Path() != path+".2" {
		t.Fatalf("slots %s and %s", a.Path(), b.Path())
	}
	if err := b.Append([]byte("held by b")); err != nil {
		t.Fatal(err)
	}
	b.Close()
	c, _, err := spool.OpenSlot(path, spool.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	defer a.Close()
	if c.Path() != path+".2" || c.Depth() != 1 {
		t.Fatalf("restart took %s with depth %d, want slot 2 with its record", c.Path(), c.Depth())
	}
}
