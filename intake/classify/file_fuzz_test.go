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
func storedGzip(f testing.TB, file []byte) []byte {
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
	// A small version 3 file with every part: the neighbour index, and an
	// isotonic curve set by hand (a fitted one needs a thousand texts, and
	// the fuzzer minimises every interesting input, slowly when it is big).
	m, err := Train(synthetic(5), Options{Algorithm: SVM, MinCount: 1, Sublinear: true, IDF: true,
		LogCountRatio: true, Neighbours: 3, NeighbourMaxDF: 0.5})
	if err != nil {
		f.Fatal(err)
	}
	m.isoX, m.isoY = []float64{0.2, 0.5, 0.9}, []float64{0.1, 0.6, 0.95}
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
