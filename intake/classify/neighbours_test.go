package classify

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"math"
	"os"
	"slices"
	"testing"
)

// TestLogCountRatio checks r on a hand-made set of three texts over three
// features: p = 1 + the vectors of class 0, q = 1 + those of the rest.
func TestLogCountRatio(t *testing.T) {
	docs := []doc{
		{ids: []int32{0, 1}, label: 0},
		{ids: []int32{0}, label: 0},
		{ids: []int32{1, 2}, label: 1},
	}
	x := [][]float64{{0.6, 0.8}, {1}, {0.8, 0.6}}
	r := logCountRatio(docs, x, 3, 0, 1)
	p := []float64{1 + 0.6 + 1, 1 + 0.8, 1}
	q := []float64{1, 1 + 0.8, 1 + 0.6}
	sp, sq := p[0]+p[1]+p[2], q[0]+q[1]+q[2]
	for f := range 3 {
		want := math.Log((p[f] / sp) / (q[f] / sq))
		if math.Abs(r[f]-want) > 1e-12 {
			t.Errorf("r[%d] = %v, want %v", f, r[f], want)
		}
	}
	if !(r[0] > 0 && r[2] < 0) {
		t.Errorf("r = %v: feature 0 (class 0 only) should be positive, 2 (the rest only) negative", r)
	}
	// With a huge alpha every ratio tends to ln(1) = 0.
	for f, v := range logCountRatio(docs, x, 3, 0, 1e9) {
		if math.Abs(v) > 1e-6 {
			t.Errorf("alpha 1e9: r[%d] = %v, want about 0", f, v)
		}
	}
}

// TestLogCountRatioTrains: NBSVM classifies the obvious examples, and its
// stored weights score like any linear model.
func TestLogCountRatioTrains(t *testing.T) {
	m, err := Train(synthetic(20), Options{Algorithm: SVM, MinCount: 1, MaxN: 3, Sublinear: true, IDF: true, LogCountRatio: true})
	if err != nil {
		t.Fatal(err)
	}
	for text, want := range map[string]string{"公交车的红绿灯坏了": "交通", "公司拖欠工资": "劳动", "工厂排放废水": "环境"} {
		if got, p := m.Classify(text); got != want {
			t.Errorf("Classify(%q) = %s (%.2f), want %s", text, got, p, want)
		}
	}
}

// TestNeighbourVotePicksIdenticalText: a training text whose label goes
// against everything else is given that label back when the one nearest
// neighbour outvotes the linear model.
func TestNeighbourVotePicksIdenticalText(t *testing.T) {
	exs := synthetic(20)
	odd := "您好，公交车的问题，出租车。尽快处理地铁站"
	exs = append(exs, Example{ID: "odd", Text: odd, Label: "环境"})
	opts := Options{Algorithm: SVM, MinCount: 1, MaxN: 3, Sublinear: true, IDF: true, NoCalibrate: true,
		Neighbours: 1, NeighbourWeight: 100, NeighbourMaxDF: 1}
	m, err := Train(exs, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := m.Classify(odd); got != "环境" {
		t.Errorf("Classify(the odd text) = %s, want 环境 (its own label, by the vote)", got)
	}
	if got, _ := m.Classify("公交车红绿灯出租车"); got != "交通" {
		t.Errorf("Classify(a transport text) = %s, want 交通", got)
	}
	// The vote is the nearest text's label: the same text scored without it
	// must lose by about the weight.
	with := m.scores(odd)
	lin := m.WithNormalize(nil)
	lin.nbr = nil
	without := lin.scores(odd)
	env := 2 // 交通, 劳动, 环境
	if d := with[env] - without[env]; math.Abs(d-100) > 1e-3 {
		t.Errorf("vote added %v to 环境, want 100", d)
	}
	// No n-gram in common with any training text: no vote.
	if got, want := m.scores("zzz"), lin.scores("zzz"); !closeAll(got, want) {
		t.Errorf("scores of an unknown text %v with the vote, %v without", got, want)
	}
}

// TestNeighbourVoteSimilarityWeighted: with k = all texts the vote of each
// label is its share of the similarity.
func TestNeighbourVoteSimilarityWeighted(t *testing.T) {
	m := &Model{labels: []string{"a", "b"}, feats: []string{"x", "y"}, weights: make([]float32, 4), bias: make([]float32, 2)}
	docs := []nbrDoc{
		{ids: []int32{0}, counts: []uint8{1}, label: 0},       // (1, 0)
		{ids: []int32{0, 1}, counts: []uint8{1, 1}, label: 1}, // (1, 1)/√2
		{ids: []int32{1}, counts: []uint8{1}, label: 1},       // (0, 1)
	}
	nb := buildNeighbours(m, docs, []doc{{ids: []int32{0}}, {ids: []int32{0, 1}}, {ids: []int32{1}}}, 2, 1, 1)
	s := make([]float64, 2)
	// Query (1, 0): similarities 1, 1/√2, 0; the two best vote.
	nb.vote(s, []int32{0}, []float64{1}, 1)
	h := 1 / math.Sqrt2
	if want := []float64{1 / (1 + h), h / (1 + h)}; math.Abs(s[0]-want[0]) > 1e-6 || math.Abs(s[1]-want[1]) > 1e-6 {
		t.Errorf("vote %v, want %v", s, want)
	}
	// maxDF leaves a feature found in more than that share out.
	nb = buildNeighbours(m, docs, []doc{{ids: []int32{0}}, {ids: []int32{0, 1}}, {ids: []int32{1}}}, 2, 1, 0.5)
	if nb.start[2] != 0 {
		t.Errorf("%d postings with maxDF 0.5, want none (both features are in 2 of 3 texts)", nb.start[2])
	}
}

// trainV3 trains a model with every part a version 3 file stores.
func trainV3(t *testing.T) *Model {
	t.Helper()
	m, err := Train(noisy(600), Options{Algorithm: SVM, MinCount: 1, MaxN: 3, Sublinear: true, IDF: true,
		LogCountRatio: true, Neighbours: 5, NeighbourMaxDF: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	if m.nbr == nil || m.isoX == nil {
		t.Fatal("model has no neighbour index or no isotonic curve")
	}
	return m
}

func TestWriteReadV3(t *testing.T) {
	m := trainV3(t)
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	if v := binary.BigEndian.Uint16(buf.Bytes()[len(fileMagic):]); v != 3 {
		t.Errorf("written version %d, want 3", v)
	}
	m2, err := Read(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	a, b := m.nbr, m2.nbr
	if b == nil || a.k != b.k || a.weight != b.weight || !bytes.Equal(a.labels, b.labels) ||
		!slices.Equal(a.norms, b.norms) || !slices.Equal(a.start, b.start) || !slices.Equal(a.docs, b.docs) || !bytes.Equal(a.counts, b.counts) || !slices.Equal(a.vals, b.vals) {
		t.Fatal("neighbour index differs after a round trip")
	}
	if !closeAll(m.isoX, m2.isoX) || !closeAll(m.isoY, m2.isoY) {
		t.Error("isotonic curve differs after a round trip")
	}
	for _, ex := range append(noisy(30), Example{Text: "公交车拖欠工资排放废水"}, Example{Text: ""}) {
		l1, p1 := m.Classify(ex.Text)
		l2, p2 := m2.Classify(ex.Text)
		if l1 != l2 || math.Abs(p1-p2) > 1e-3 {
			t.Errorf("%q: before %s %.5f, after %s %.5f", ex.Text, l1, p1, l2, p2)
		}
	}
	var again bytes.Buffer
	if _, err := m2.WriteTo(&again); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Error("a model read back does not write the same bytes")
	}
}

// TestReadV2 reads a version 2 file written by the code before version 3
// (testdata/v2.model: an SVM on synthetic(8), sublinear tf-idf 1-3-grams)
// and checks it classifies as it did then.
func TestReadV2(t *testing.T) {
	data, err := os.ReadFile("testdata/v2.model")
	if err != nil {
		t.Fatal(err)
	}
	if v := binary.BigEndian.Uint16(data[len(fileMagic):]); v != 2 {
		t.Fatalf("testdata/v2.model is version %d", v)
	}
	m, err := Read(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if m.nbr != nil || m.isoX != nil {
		t.Error("a version 2 model has a neighbour index or an isotonic curve")
	}
	// As printed by the version 2 code when it wrote the file.
	for text, want := range map[string]struct {
		label string
		p     float64
	}{
		"公交车红绿灯": {"交通", 0.760747},
		"拖欠工资":   {"劳动", 0.647113},
		"排放废水":   {"环境", 0.658122},
		"您好":     {"劳动", 0.339960},
	} {
		if l, p := m.Classify(text); l != want.label || math.Abs(p-want.p) > 1e-3 {
			t.Errorf("Classify(%q) = %s %.6f, want %s %.6f", text, l, p, want.label, want.p)
		}
	}
}

// TestReadRejectsBadNeighbours corrupts the version 3 parts one at a time:
// each must be an ErrBadModel, not a panic or a model.
func TestReadRejectsBadNeighbours(t *testing.T) {
	m := trainV3(t)
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	good := decodeFile(t, buf.Bytes())
	for name, spoil := range map[string]func(fm *fileModel){
		"k too big":          func(fm *fileModel) { fm.NbrK = maxNeighbours + 1 },
		"index without k":    func(fm *fileModel) { fm.NbrK = 0 },
		"negative weight":    func(fm *fileModel) { fm.NbrWeight = -1 },
		"NaN weight":         func(fm *fileModel) { fm.NbrWeight = math.NaN() },
		"label out of range": func(fm *fileModel) { fm.NbrLabels = append([]byte{200}, fm.NbrLabels[1:]...) },
		"norms short":        func(fm *fileModel) { fm.NbrNorms = fm.NbrNorms[1:] },
		"zero norm":          func(fm *fileModel) { fm.NbrNorms = append([]float32{0}, fm.NbrNorms[1:]...) },
		"postings cut":       func(fm *fileModel) { fm.NbrPostings = fm.NbrPostings[:len(fm.NbrPostings)/2] },
		"postings extra":     func(fm *fileModel) { fm.NbrPostings = append(bytes.Clone(fm.NbrPostings), 0) },
		"counts short":       func(fm *fileModel) { fm.NbrCounts = fm.NbrCounts[1:] },
		"counts long":        func(fm *fileModel) { fm.NbrCounts = append(bytes.Clone(fm.NbrCounts), 1) },
		"doc beyond texts": func(fm *fileModel) {
			p := binary.AppendUvarint(nil, 1)
			p = binary.AppendUvarint(p, uint64(len(fm.NbrLabels)))
			fm.NbrPostings = append(p, fm.NbrPostings[lenFirstPosting(fm.NbrPostings):]...)
		},
		"huge gap":      func(fm *fileModel) { fm.NbrPostings = binary.AppendUvarint([]byte{2, 0}, math.MaxUint64) },
		"iso lengths":   func(fm *fileModel) { fm.IsoY = fm.IsoY[1:] },
		"iso above one": func(fm *fileModel) { fm.IsoY = append(append([]float64(nil), fm.IsoY[:len(fm.IsoY)-1]...), 1.5) },
		"iso down": func(fm *fileModel) {
			fm.IsoX = []float64{0.2, 0.5}
			fm.IsoY = []float64{0.6, 0.4}
		},
		"iso NaN": func(fm *fileModel) { fm.IsoX = append([]float64{math.NaN()}, fm.IsoX[1:]...) },
	} {
		fm := *good
		spoil(&fm)
		_, err := Read(bytes.NewReader(encodeFile(t, &fm, 3)))
		if !errors.Is(err, ErrBadModel) {
			t.Errorf("%s: Read error = %v, want ErrBadModel", name, err)
		}
	}
	if _, err := Read(bytes.NewReader(encodeFile(t, good, 3))); err != nil {
		t.Errorf("the unspoilt file: %v", err)
	}
}

// lenFirstPosting is the bytes of the first feature's postings.
func lenFirstPosting(p []byte) int {
	n, w := binary.Uvarint(p)
	at := w
	for range n {
		_, w := binary.Uvarint(p[at:])
		at += w
	}
	return at
}

func decodeFile(t *testing.T, data []byte) *fileModel {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(data[len(fileMagic)+2:]))
	if err != nil {
		t.Fatal(err)
	}
	var fm fileModel
	if err := gob.NewDecoder(zr).Decode(&fm); err != nil {
		t.Fatal(err)
	}
	return &fm
}

func encodeFile(t *testing.T, fm *fileModel, version uint16) []byte {
	t.Helper()
	var buf bytes.Buffer
	buf.WriteString(fileMagic)
	binary.Write(&buf, binary.BigEndian, version)
	zw := gzip.NewWriter(&buf)
	if err := gob.NewEncoder(zw).Encode(fm); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	return buf.Bytes()
}
