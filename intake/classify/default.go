package classify

import (
	"bytes"
	_ "embed" // for the default model
	"fmt"
	"sync"
)

// defaultModel is trained on the 5,677 labelled appeals of the 2020 Teddy Cup
// data set (shared/data/appeals-labeled.jsonl beside the repository) with
// DefaultOptions and seed 1; the same data and seed give the same file.
// Regenerate it (about a minute on two cores; it prints the 5-fold scores
// and the reliability table first) with
//
//	go run ./cmd/minsheng train --data ../shared/data/appeals-labeled.jsonl --out intake/classify/default.model
//
//go:embed default.model
var defaultModel []byte

var loadDefault = sync.OnceValue(func() *Model {
	m, err := Read(bytes.NewReader(defaultModel))
	if err != nil {
		// The file is built into the binary and checked by the tests, so a
		// failure here is a build mistake, not a runtime condition.
		panic(fmt.Sprintf("classify: embedded default model: %v", err))
	}
	return m
})

// Default returns the embedded default model, loaded on first use. Its
// labels are the seven keys of DefaultCodes. The model is shared by every
// caller, so do not assign its Normalize field; use WithNormalize for a copy
// with another normaliser.
func Default() *Model { return loadDefault() }
