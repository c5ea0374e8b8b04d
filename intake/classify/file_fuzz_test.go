package classify

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"testing"
)

// storedGzip re-encodes a model file's gzip stream without compression.
func storedGzip(f *testing.F, file []byte) []byte {
	zr, err := gzip.NewReader(bytes.NewReader(file[len(fileMagic)+2:]))
	if err != nil {
		f.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		f.Fatal(err)
	}
	var out bytes.Buffer
	out.Write(file[:len(fileMagic)+2])
	zw, _ := gzip.NewWriterLevel(&out, gzip.NoCompression)
	zw.Write(raw)
	zw.Close()
	return out.Bytes()
}

// FuzzRead feeds Read arbitrary bytes: it must answer a model or an error
// wrapping ErrBadModel, never panic.
func FuzzRead(f *testing.F) {
	// A version 3 file with every part: neighbour index and isotonic curve.
	m, err := Train(noisy(600), Options{Algorithm: SVM, MinCount: 1, Sublinear: true, IDF: true,
		LogCountRatio: true, Neighbours: 3, NeighbourMaxDF: 0.5})
	if err != nil {
		f.Fatal(err)
	}
	var good bytes.Buffer
	if _, err := m.WriteTo(&good); err != nil {
		f.Fatal(err)
	}
	if m.nbr == nil || m.isoX == nil {
		f.Fatal("seed model lacks a version 3 part")
	}
	f.Add(good.Bytes())
	// Uncompressed, so the fuzzer can reach the fields: the same model as a
	// gzip stream of stored blocks.
	f.Add(storedGzip(f, good.Bytes()))
	if v2, err := os.ReadFile("testdata/v2.model"); err == nil {
		f.Add(v2)
	}
	f.Add([]byte(fileMagic + "\x00\x02"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Read(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, ErrBadModel) {
				t.Fatalf("Read error %v does not wrap ErrBadModel", err)
			}
			return
		}
		m.Classify("路灯坏了")
	})
}
