// Package appealstest gives tests and benchmarks the real appeals of the
// shared data set. It lives beside the repository (../shared/data, see its
// README), not in it: every package's tests find and read it here, the same
// way, and skip when it is absent.
package appealstest

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The shared files.
const (
	LabeledFile = "appeals-labeled.jsonl" // 5,677 appeals with their category (label)
	HotFile     = "appeals-hot.jsonl.gz"  // 4,326 unlabelled appeals of another period, with user and time
)

// Appeal is one line of a shared file; a field the file has not is "".
type Appeal struct {
	ID    string `json:"id"`
	User  string `json:"user"`
	Title string `json:"title"`
	Text  string `json:"text"`
	Label string `json:"label"`
	Time  string `json:"time"`
}

// Path is where the shared file name lies: data/ of the directory beside
// the module's root (the directory holding go.mod, found upwards from the
// test's working directory, its package directory).
func Path(name string) string {
	dir, err := os.Getwd()
	if err != nil {
		return filepath.Join("..", "shared", "data", name)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(filepath.Dir(d), "shared", "data", name)
		}
		if filepath.Dir(d) == d {
			return filepath.Join(dir, "..", "shared", "data", name)
		}
	}
}

// Read reads every appeal of the shared file name (gzip when it ends in
// .gz), or skips tb when the file is absent.
func Read(tb testing.TB, name string) []Appeal {
	tb.Helper()
	out, err := ReadFile(name)
	if errors.Is(err, os.ErrNotExist) {
		tb.Skipf("%s not found: the real appeals are not part of the repository", Path(name))
	}
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// ReadFile is Read for a caller that does without: an error wrapping
// os.ErrNotExist when the file is absent.
func ReadFile(name string) ([]Appeal, error) {
	path := Path(name)
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(name, ".gz") {
		z, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		defer z.Close()
		r = z
	}
	var out []Appeal
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var a Appeal
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			return nil, fmt.Errorf("%s line %d: %w", path, len(out)+1, err)
		}
		out = append(out, a)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}
