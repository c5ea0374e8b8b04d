package classify

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzRead feeds Read arbitrary bytes: it must answer a model or an error
// wrapping ErrBadModel, never panic.
func FuzzRead(f *testing.F) {
	m, err := Train(synthetic(5), Options{Algorithm: SVM, MinCount: 1, Sublinear: true, IDF: true})
	if err != nil {
		f.Fatal(err)
	}
	var good bytes.Buffer
	if _, err := m.WriteTo(&good); err != nil {
		f.Fatal(err)
	}
	f.Add(good.Bytes())
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
