package classify

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
)

// A model file is the 8-byte magic, a big-endian uint16 format version, and a
// gzip stream holding one gob-encoded fileModel. The magic lets Read say
// "this is not a model" instead of a confusing gzip or gob error; the version
// lets a newer binary refuse an older layout cleanly.
const (
	fileMagic = "MSCLASS\x00"
	// 2 added Sublinear and IDF, 3 the neighbour index and the isotonic
	// calibration curve; files of versions 1 and 2 read as before.
	fileVersion = 3
)

// ErrBadModel is wrapped by every Read error caused by the content of the
// input (as opposed to the reader failing).
var ErrBadModel = errors.New("not a valid minsheng category model")

// fileModel is the stored form. Weights are quantised to 16 bits: the
// rounding error (range/131070, about 1e-4 here) is far below anything that
// changes a prediction, and it halves the file against float32.
type fileModel struct {
	Labels    []string
	MaxN      int
	Algorithm int
	Binary    bool
	L2Norm    bool
	Sublinear bool
	IDF       []float32 // per feature; empty = none
	Temp      float64
	Features  string // joined with "\n"; n-grams never contain a newline
	Bias      []float64
	WMin      float64
	WStep     float64
	Weights   []byte // little-endian uint16, (w-WMin)/WStep, row-major features × labels

	// Version 3. IsoX and IsoY are the isotonic curve's breakpoints (none =
	// no curve). NbrK = 0 means no neighbour vote; otherwise the index holds
	// len(NbrLabels) training texts, with their labels and norms, and
	// NbrPostings has, per feature in order, the uvarint number of texts
	// having it and their uvarint ids, the first as is and each next one as
	// its gap from the one before; NbrCounts has the n-gram's count in each
	// of those texts, one byte per posting in the same order.
	IsoX, IsoY  []float64
	NbrK        int
	NbrWeight   float64
	NbrLabels   []byte
	NbrNorms    []float32
	NbrPostings []byte
	NbrCounts   []byte
}

// WriteTo writes the model in the versioned binary format Read accepts.
func (m *Model) WriteTo(w io.Writer) (int64, error) {
	fm := fileModel{
		Labels:    m.labels,
		MaxN:      m.maxN,
		Algorithm: int(m.algo),
		Binary:    m.binary,
		L2Norm:    m.l2norm,
		Sublinear: m.sublin,
		IDF:       m.idf,
		Temp:      m.temp,
		Features:  strings.Join(m.feats, "\n"),
	}
	for _, b := range m.bias {
		fm.Bias = append(fm.Bias, float64(b))
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range m.weights {
		lo, hi = math.Min(lo, float64(v)), math.Max(hi, float64(v))
	}
	fm.WMin, fm.WStep = lo, (hi-lo)/math.MaxUint16
	if len(m.weights) == 0 || fm.WStep == 0 {
		fm.WMin, fm.WStep = 0, 1
	}
	fm.Weights = make([]byte, 2*len(m.weights))
	for i, v := range m.weights {
		q := math.Round((float64(v) - fm.WMin) / fm.WStep)
		binary.LittleEndian.PutUint16(fm.Weights[2*i:], uint16(q))
	}

	fm.IsoX, fm.IsoY = m.isoX, m.isoY
	if nb := m.nbr; nb != nil {
		fm.NbrK, fm.NbrWeight = nb.k, nb.weight
		fm.NbrLabels, fm.NbrNorms, fm.NbrCounts = nb.labels, nb.norms, nb.counts
		for f := 0; f+1 < len(nb.start); f++ {
			lo, hi := nb.start[f], nb.start[f+1]
			fm.NbrPostings = binary.AppendUvarint(fm.NbrPostings, uint64(hi-lo))
			prev := int32(0)
			for _, d := range nb.docs[lo:hi] {
				fm.NbrPostings = binary.AppendUvarint(fm.NbrPostings, uint64(d-prev))
				prev = d
			}
		}
	}

	cw := &countingWriter{w: w}
	var hdr [len(fileMagic) + 2]byte
	copy(hdr[:], fileMagic)
	binary.BigEndian.PutUint16(hdr[len(fileMagic):], fileVersion)
	if _, err := cw.Write(hdr[:]); err != nil {
		return cw.n, fmt.Errorf("classify: write model header: %w", err)
	}
	zw, err := gzip.NewWriterLevel(cw, gzip.BestCompression)
	if err != nil {
		return cw.n, fmt.Errorf("classify: write model: %w", err)
	}
	if err := gob.NewEncoder(zw).Encode(&fm); err != nil {
		return cw.n, fmt.Errorf("classify: encode model: %w", err)
	}
	if err := zw.Close(); err != nil {
		return cw.n, fmt.Errorf("classify: write model: %w", err)
	}
	return cw.n, nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// Read loads a model written by WriteTo. The returned model's Normalize is
// the package default; set it if the model was trained with another one.
func Read(r io.Reader) (*Model, error) {
	var hdr [len(fileMagic) + 2]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("classify: read model: %w: file too short", ErrBadModel)
		}
		return nil, fmt.Errorf("classify: read model: %w", err)
	}
	if string(hdr[:len(fileMagic)]) != fileMagic {
		return nil, fmt.Errorf("classify: read model: %w: wrong magic %q", ErrBadModel, hdr[:len(fileMagic)])
	}
	if v := binary.BigEndian.Uint16(hdr[len(fileMagic):]); v < 1 || v > fileVersion {
		return nil, fmt.Errorf("classify: read model: %w: format version %d, this build reads 1 to %d", ErrBadModel, v, fileVersion)
	}
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("classify: read model: %w: %v", ErrBadModel, err)
	}
	var fm fileModel
	if err := gob.NewDecoder(zr).Decode(&fm); err != nil {
		return nil, fmt.Errorf("classify: read model: %w: %v", ErrBadModel, err)
	}
	m, err := fm.model()
	if err != nil {
		return nil, fmt.Errorf("classify: read model: %w: %v", ErrBadModel, err)
	}
	return m, nil
}

// model checks the decoded fields and builds the in-memory model.
func (fm *fileModel) model() (*Model, error) {
	k := len(fm.Labels)
	switch {
	case k < 2:
		return nil, fmt.Errorf("%d labels", k)
	case fm.MaxN < 1 || fm.MaxN > 3:
		return nil, fmt.Errorf("n-gram length %d", fm.MaxN)
	case Algorithm(fm.Algorithm) != LogReg && Algorithm(fm.Algorithm) != NaiveBayes && Algorithm(fm.Algorithm) != SVM:
		return nil, fmt.Errorf("algorithm %d", fm.Algorithm)
	case !(fm.Temp > 0) || math.IsInf(fm.Temp, 0):
		return nil, fmt.Errorf("temperature %v", fm.Temp)
	case len(fm.Bias) != k:
		return nil, fmt.Errorf("%d biases for %d labels", len(fm.Bias), k)
	case fm.Features == "":
		return nil, errors.New("no features")
	case math.IsNaN(fm.WMin) || math.IsInf(fm.WMin, 0) || !(fm.WStep > 0) || math.IsInf(fm.WStep, 0):
		return nil, errors.New("bad weight scale")
	}
	m := &Model{
		Normalize: Normalize,
		labels:    fm.Labels,
		maxN:      fm.MaxN,
		algo:      Algorithm(fm.Algorithm),
		binary:    fm.Binary,
		l2norm:    fm.L2Norm,
		sublin:    fm.Sublinear,
		temp:      fm.Temp,
		feats:     strings.Split(fm.Features, "\n"),
	}
	if len(fm.Weights) != 2*len(m.feats)*k {
		return nil, fmt.Errorf("%d weight bytes for %d features × %d labels", len(fm.Weights), len(m.feats), k)
	}
	if len(fm.IDF) != 0 {
		if len(fm.IDF) != len(m.feats) {
			return nil, fmt.Errorf("%d idf weights for %d features", len(fm.IDF), len(m.feats))
		}
		for _, v := range fm.IDF {
			if !(v > 0) || math.IsInf(float64(v), 0) {
				return nil, errors.New("bad idf weight")
			}
		}
		m.idf = fm.IDF
	}
	for _, b := range fm.Bias {
		if math.IsNaN(b) || math.IsInf(b, 0) {
			return nil, errors.New("non-finite bias")
		}
		m.bias = append(m.bias, float32(b))
	}
	m.weights = make([]float32, len(m.feats)*k)
	for i := range m.weights {
		q := binary.LittleEndian.Uint16(fm.Weights[2*i:])
		m.weights[i] = float32(fm.WMin + float64(q)*fm.WStep)
	}
	m.buildIndex()
	if len(m.index) != len(m.feats) {
		return nil, errors.New("duplicate features")
	}
	if err := fm.isotonic(m); err != nil {
		return nil, err
	}
	if err := fm.neighbours(m); err != nil {
		return nil, err
	}
	return m, nil
}

// isotonic checks and sets the calibration curve.
func (fm *fileModel) isotonic(m *Model) error {
	if len(fm.IsoX) != len(fm.IsoY) {
		return fmt.Errorf("isotonic curve of %d x and %d y", len(fm.IsoX), len(fm.IsoY))
	}
	if len(fm.IsoX) == 0 {
		return nil
	}
	for i := range fm.IsoX {
		x, y := fm.IsoX[i], fm.IsoY[i]
		if !(x >= 0 && x <= 1 && y >= 0 && y <= 1) {
			return errors.New("isotonic curve outside [0, 1]")
		}
		if i > 0 && (x < fm.IsoX[i-1] || y < fm.IsoY[i-1]) {
			return errors.New("isotonic curve not monotone")
		}
	}
	m.isoX, m.isoY = fm.IsoX, fm.IsoY
	return nil
}

// neighbours checks and builds the neighbour index.
func (fm *fileModel) neighbours(m *Model) error {
	if fm.NbrK == 0 {
		if len(fm.NbrLabels)+len(fm.NbrNorms)+len(fm.NbrPostings)+len(fm.NbrCounts) != 0 {
			return errors.New("neighbour index without a neighbour count")
		}
		return nil
	}
	n := len(fm.NbrLabels)
	switch {
	case fm.NbrK < 1 || fm.NbrK > maxNeighbours:
		return fmt.Errorf("%d neighbours", fm.NbrK)
	case math.IsNaN(fm.NbrWeight) || math.IsInf(fm.NbrWeight, 0) || fm.NbrWeight < 0:
		return fmt.Errorf("neighbour weight %v", fm.NbrWeight)
	case n == 0 || n > math.MaxInt32:
		return fmt.Errorf("%d texts in the neighbour index", n)
	case len(fm.NbrNorms) != n:
		return fmt.Errorf("%d norms for %d texts", len(fm.NbrNorms), n)
	}
	for _, l := range fm.NbrLabels {
		if int(l) >= len(m.labels) {
			return fmt.Errorf("neighbour label %d of %d", l, len(m.labels))
		}
	}
	for _, v := range fm.NbrNorms {
		if !(v > 0) || math.IsInf(float64(v), 0) {
			return errors.New("bad neighbour norm")
		}
	}
	nb := &neighbours{k: fm.NbrK, weight: fm.NbrWeight, labels: fm.NbrLabels, norms: fm.NbrNorms, counts: fm.NbrCounts}
	nb.start = make([]int32, len(m.feats)+1)
	nb.docs = make([]int32, len(fm.NbrCounts))
	buf := fm.NbrPostings
	next := func() (uint64, error) {
		v, w := binary.Uvarint(buf)
		if w <= 0 {
			return 0, errors.New("neighbour postings cut short")
		}
		buf = buf[w:]
		return v, nil
	}
	at := 0
	for f := range m.feats {
		cnt, err := next()
		if err != nil {
			return err
		}
		if cnt > uint64(n) || cnt > uint64(len(nb.docs)-at) {
			return errors.New("neighbour postings longer than the counts")
		}
		var d uint64
		for i := range cnt {
			gap, err := next()
			if err != nil {
				return err
			}
			if i > 0 && gap == 0 {
				return errors.New("neighbour postings out of order")
			}
			if d += gap; gap >= uint64(n) || d >= uint64(n) {
				return errors.New("neighbour posting beyond the texts")
			}
			nb.docs[at] = int32(d)
			at++
		}
		nb.start[f+1] = int32(at)
	}
	if len(buf) != 0 || at != len(nb.docs) {
		return errors.New("neighbour postings and counts disagree")
	}
	for _, c := range nb.counts {
		if c == 0 {
			return errors.New("zero count in the neighbour index")
		}
	}
	nb.fillVals(m)
	m.nbr = nb
	return nil
}

// ReadJSONL reads labelled examples, one JSON object per line with fields
// id, title, text and label (the format of the appeals data set). Text is
// title + " " + text when there is a title, because the title is often the
// most informative part. Blank lines are skipped; a line that is not valid
// JSON, or has no text or no label, is an error naming the line.
func ReadJSONL(r io.Reader) ([]Example, error) {
	var out []Example
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for line := 1; sc.Scan(); line++ {
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var rec struct {
			ID    string `json:"id"`
			Title string `json:"title"`
			Text  string `json:"text"`
			Label string `json:"label"`
		}
		if err := json.Unmarshal(b, &rec); err != nil {
			return nil, fmt.Errorf("classify: line %d: %w", line, err)
		}
		if rec.Label == "" {
			return nil, fmt.Errorf("classify: line %d (id %q): no label", line, rec.ID)
		}
		text := rec.Text
		if t := strings.TrimSpace(rec.Title); t != "" {
			text = t + " " + text
		}
		if strings.TrimSpace(text) == "" {
			return nil, fmt.Errorf("classify: line %d (id %q): no title or text", line, rec.ID)
		}
		out = append(out, Example{ID: rec.ID, Text: text, Label: rec.Label})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("classify: read examples: %w", err)
	}
	return out, nil
}

// Load reads the model at path, or returns the embedded default when path
// is empty (config intake.classifier.model, `classify --model`).
func Load(path string) (*Model, error) {
	if path == "" {
		return Default(), nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("category model: %w", err)
	}
	defer f.Close()
	m, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("category model %s: %w", path, err)
	}
	return m, nil
}
