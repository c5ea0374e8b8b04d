// Package classify suggests a first-level category (城乡建设, 交通运输, …) for a
// citizen's appeal.
//
// The model is a linear classifier over character n-grams (1 to 3 characters
// in DefaultOptions, sublinear tf-idf) of normalised text, plus a vote of the
// training texts nearest to the one classified. Characters rather than words
// because Chinese has no spaces and a word segmenter would be a dependency
// and a source of errors on short, informal SMS; character n-grams capture
// most of what a segmenter would give ("路灯", "工资", "公交"), and word
// features measured no better (see DefaultOptions). Three trainers produce
// the linear part: multinomial naive Bayes, multinomial logistic regression
// and one-vs-rest linear SVMs (see Algorithm), the SVMs optionally on inputs
// scaled by naive Bayes log-count ratios (NBSVM, Options.LogCountRatio); all
// end up as one weight per (feature, class), so scoring and storage are
// shared. The vote (Options.Neighbours, neighbours.go) adds to each label's
// score the similarity-weighted share of the k most similar training texts
// (cosine over the same tf-idf vectors, found through an inverted index)
// that have it. Scores become probabilities through a softmax temperature
// and then an isotonic map of the top probability, both fitted on held-out
// texts (calibrate.go), so a confidence of 0.8 is right about 8 times in 10.
// Subcategory suggests the second level of the taxonomy.
//
// A trained model is immutable and safe for concurrent use, except for the
// Normalize field, which callers set once before sharing the model.
package classify

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Example is one labelled text.
type Example struct {
	ID    string
	Text  string
	Label string
}

// Scored is a label with the model's probability for it.
type Scored struct {
	Label       string
	Probability float64
}

// DefaultCodes maps the seven first-level category names of the training data
// to the short codes used in config (intake.categories[].code) and backends.
var DefaultCodes = map[string]string{
	"城乡建设":    "urban",
	"环境保护":    "environment",
	"交通运输":    "transport",
	"教育文体":    "education",
	"劳动和社会保障": "labour",
	"商贸旅游":    "commerce",
	"卫生计生":    "health",
}

// Algorithm selects the trainer.
type Algorithm int

const (
	// LogReg is multinomial logistic regression trained with SGD (AdaGrad) on
	// L2-normalised n-gram counts. It is the default because it measured
	// best: about 4 points of macro-F1 above naive Bayes on whole texts and
	// 3 on SMS-length ones (see internal/gen -compare).
	LogReg Algorithm = iota
	// NaiveBayes is multinomial naive Bayes with Lidstone smoothing: faster
	// to train, a little less accurate.
	NaiveBayes
	// SVM is one-vs-rest linear support vector machines (squared hinge
	// loss) trained by dual coordinate descent.
	SVM
)

func (a Algorithm) String() string {
	switch a {
	case NaiveBayes:
		return "naive-bayes"
	case LogReg:
		return "logreg"
	case SVM:
		return "svm"
	}
	return fmt.Sprintf("Algorithm(%d)", int(a))
}

// Options control training. The zero value is usable: zero fields take the
// defaults documented on each field.
type Options struct {
	Algorithm Algorithm

	// Normalize maps raw text to the form n-grams are taken from. Nil means
	// the package's Normalize. Whatever it returns, characters that are not
	// letters or digits are never part of an n-gram and break the text, so a
	// normaliser may leave punctuation in. The same function must be used
	// when classifying; it is copied into the Model.
	Normalize func(string) string

	// MaxN is the longest n-gram, 1..3. Default 2.
	MaxN int

	// MinCount drops features that occur in fewer than MinCount training
	// texts. Default 3, which makes the model a third of the size and does
	// not cost accuracy (rare n-grams are mostly names and typos); 1 keeps
	// everything.
	MinCount int

	// MaxFeatures keeps only the MaxFeatures features with the highest
	// information gain about the label (after MinCount). Default 20000:
	// 5,000 to 30,000 all scored within noise of keeping everything, and
	// 20,000 keeps the embedded model small. Negative = no limit.
	MaxFeatures int

	// Alpha is the naive Bayes smoothing constant. Default 0.1.
	Alpha float64

	// Binary counts each n-gram once per text in naive Bayes. It measured
	// about 1.5 points of macro-F1 worse than counts here, so it is off.
	Binary bool

	// Epochs, Rate and L2 tune logistic regression. Defaults 15, 0.2, 3e-4.
	// Epochs is also the SVM's most passes over the data (default 50; it
	// usually stops earlier, when the solution no longer moves).
	Epochs int
	Rate   float64
	L2     float64

	// C is the SVM's cost of a margin violation (inverse regularisation).
	// Default 1.
	C float64

	// Unbalanced turns off class weighting in logistic regression. By
	// default each class's examples weigh N/(K·n_c), so a small class
	// (交通运输 has a third of the examples of 城乡建设) counts as much as a
	// big one: +0.4 points of macro-F1 over three seeds, and the mix of
	// categories in SMS will differ from the training data's anyway.
	Unbalanced bool

	// Seed makes shuffling (logistic regression, calibration folds) repeatable.
	Seed int64

	// NoCalibrate skips fitting the softmax temperature. Calibration trains
	// the model three more times on held-out folds, so cross-validation
	// experiments that only look at F1 can turn it off.
	NoCalibrate bool

	// Sublinear replaces an n-gram's count tf by 1+ln(tf) (logistic
	// regression), so a word repeated in a long text does not drown the rest.
	Sublinear bool

	// IDF multiplies each n-gram's value by its inverse document frequency,
	// ln((1+N)/(1+df))+1 over the training texts (logistic regression).
	IDF bool

	// NoAugment turns off training on SMS-length prefixes. By default every
	// training text longer than SMSChars is also used cut to its first
	// SMSChars characters, so the model learns what a short appeal looks
	// like; this added 1-2 points of macro-F1 on SMS-length texts and cost
	// nothing on whole ones. Random windows besides the prefix did not help.
	NoAugment bool

	// LogCountRatio trains each one-vs-rest SVM on its input scaled by the
	// class's naive Bayes log-count ratio (NBSVM, Wang and Manning 2012):
	// r_c(f) = ln((p_f/‖p‖₁)/(q_f/‖q‖₁)), p = RatioAlpha + the sum of the
	// unit vectors of the texts of class c, q the same over the others. SVM
	// only; the stored weights absorb r, so scoring does not change.
	LogCountRatio bool
	// RatioAlpha smooths the log-count ratio. Default 1.
	RatioAlpha float64

	// Neighbours is how many nearest training texts (cosine similarity of
	// the unit vectors the linear model scores) vote on a text's label; 0 =
	// no vote. Their similarities, over the sum of the Neighbours largest,
	// times NeighbourWeight are added to the linear scores of their labels.
	// The model keeps every training text (as n-gram ids and counts) for it.
	Neighbours      int
	NeighbourWeight float64 // default 0.8
	// NeighbourMaxDF leaves n-grams found in more than this share of the
	// training texts out of the neighbour index. Default 0.1.
	NeighbourMaxDF float64
	// NeighbourPrefixes also indexes the SMS-length prefixes the training
	// texts are augmented with.
	NeighbourPrefixes bool

	// NoIsotonic skips the isotonic map of the top label's probability that
	// calibration fits after the temperature.
	NoIsotonic bool
}

// DefaultOptions are the settings of the embedded model and of `minsheng
// train`. Measured by 5-fold cross-validation on the 5,677 labelled appeals
// (macro-F1, whole text / first 70 characters): logistic regression on
// character 1-2-grams, 20,000 kept, 0.907 / 0.860; with sublinear tf-idf
// and 1-3-grams 0.910 / 0.865; SVMs instead of logistic regression, 60,000
// n-grams found in at least 2 texts, 0.912 / 0.868 (seed 1). From here on
// the mean over seeds 1, 2 and 3: the SVMs on inputs scaled by log-count
// ratios (NBSVM) with the vote of the 10 nearest training texts, weight
// 0.8, 0.9199 / 0.8773; keeping 80,000 n-grams instead of 60,000, 0.9213 /
// 0.8775 (100,000 scored the same, 120,000 0.9204, 150,000 and all of them
// less). The vote costs about 14 µs an SMS (27 µs in all, one core) and 1.4
// million postings in the model (2.7 MB file, 21 MB of heap).
//
// Averaging in naive Bayes or logistic regression, extra features for the
// first characters, more n-grams and word features (go-ego/gse: 8 s to load
// its dictionary, 190 MB, 114 µs to cut one SMS) did not pay; nor, on top of
// NBSVM and the vote, did NBSVM's interpolation towards naive Bayes (β 0.5,
// 0.8), a ratio smoothing other than 1 (0.1 to 3), ratios of binary counts,
// 5 or 20 neighbours, vote weights 0.5 to 1.2, squared or unnormalised
// similarities, index cut-offs of 2 to 20% of the texts, or indexing the
// 70-character prefixes too (-0.005 on them).
func DefaultOptions() Options {
	return Options{Algorithm: SVM, MaxN: 3, MinCount: 2, MaxFeatures: 80000, Sublinear: true, IDF: true,
		LogCountRatio: true, Neighbours: 10}
}

func (o Options) withDefaults() Options {
	if o.Normalize == nil {
		o.Normalize = Normalize
	}
	if o.MaxN == 0 {
		o.MaxN = 2
	}
	if o.MinCount == 0 {
		o.MinCount = 3
	}
	if o.MaxFeatures == 0 {
		o.MaxFeatures = 20000
	}
	if o.Alpha == 0 {
		o.Alpha = 0.1
	}
	if o.Epochs == 0 {
		o.Epochs = 15
		if o.Algorithm == SVM {
			o.Epochs = 50
		}
	}
	if o.Rate == 0 {
		o.Rate = 0.2
	}
	if o.C == 0 {
		o.C = 1
	}
	if o.L2 == 0 {
		o.L2 = 3e-4
	}
	if o.RatioAlpha == 0 {
		o.RatioAlpha = 1
	}
	if o.NeighbourWeight == 0 {
		o.NeighbourWeight = 0.8
	}
	if o.NeighbourMaxDF == 0 {
		o.NeighbourMaxDF = 0.1
	}
	return o
}

func (o Options) validate() error {
	if o.MaxN < 1 || o.MaxN > 3 {
		return fmt.Errorf("classify: MaxN %d out of range 1..3", o.MaxN)
	}
	if o.Algorithm != NaiveBayes && o.Algorithm != LogReg && o.Algorithm != SVM {
		return fmt.Errorf("classify: unknown algorithm %v", o.Algorithm)
	}
	if o.Alpha < 0 || o.Rate < 0 || o.L2 < 0 || o.MinCount < 0 || o.Epochs < 0 ||
		o.RatioAlpha < 0 || o.Neighbours < 0 || o.NeighbourWeight < 0 || o.NeighbourMaxDF < 0 {
		return errors.New("classify: negative option")
	}
	if o.Neighbours > maxNeighbours {
		return fmt.Errorf("classify: Neighbours %d, at most %d", o.Neighbours, maxNeighbours)
	}
	return nil
}

// Model is a trained classifier.
type Model struct {
	// Normalize is applied to text before n-grams are taken. Read sets it to
	// the package's Normalize, since a function cannot be stored in the file;
	// a model trained with another normaliser needs it set again after Read.
	Normalize func(string) string

	labels []string
	maxN   int
	algo   Algorithm
	binary bool      // NB: count each n-gram once per text
	l2norm bool      // LogReg: L2-normalise the count vector
	sublin bool      // LogReg: 1+ln(count) instead of count
	idf    []float32 // LogReg: per-feature weight of its value; nil = 1
	temp   float64   // softmax temperature: probabilities are softmax(score/temp)
	// isoX, isoY map the top label's probability to the confidence
	// reported (isotonic calibration, see calibrate.go); nil = identity.
	isoX, isoY []float64

	nbr *neighbours // nearest-neighbour vote; nil = none

	feats   []string         // feature strings, index = row in weights
	index   map[string]int32 // feature → row
	weights []float32        // len(feats) × len(labels), row-major
	bias    []float32        // per label
}

// WithNormalize returns a copy of m that normalises text with f (nil = the
// package's Normalize). The copy shares m's weights, so it is cheap. Use it
// to plug in a richer normaliser (traditional → simplified, say) that agrees
// with the one the model was trained with on text that was already simple.
func (m *Model) WithNormalize(f func(string) string) *Model {
	c := *m
	c.Normalize = f
	return &c
}

// Labels returns the labels the model knows, in a fixed order.
func (m *Model) Labels() []string { return append([]string(nil), m.labels...) }

// Features returns the number of n-gram features the model keeps.
func (m *Model) Features() int { return len(m.feats) }

// Classify returns the most probable label and its probability. A text with
// no known n-gram (empty, all punctuation, off topic) gets the label the
// model leans to a priori with a low probability (under 0.2 for the default
// model), so callers should treat a low confidence as "unknown".
func (m *Model) Classify(text string) (label string, confidence float64) {
	probs := m.probs(text)
	best := argmax(probs)
	return m.labels[best], probs[best]
}

// Top returns the n most probable labels, best first. n <= 0 or larger than
// the number of labels returns all of them.
func (m *Model) Top(text string, n int) []Scored {
	probs := m.probs(text)
	out := make([]Scored, len(probs))
	for c, p := range probs {
		out[c] = Scored{Label: m.labels[c], Probability: p}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Probability > out[j].Probability })
	if n > 0 && n < len(out) {
		out = out[:n]
	}
	return out
}

// probs computes the class probabilities of text.
func (m *Model) probs(text string) []float64 {
	return m.calibrated(softmax(m.scores(text), m.temp))
}

// scores computes the raw linear scores, one per label.
func (m *Model) scores(text string) []float64 {
	normalize := m.Normalize
	if normalize == nil {
		normalize = Normalize
	}
	k := len(m.labels)
	s := make([]float64, k)
	for c := range s {
		s[c] = float64(m.bias[c])
	}
	var rows []int32
	eachGram(normalize(text), m.maxN, func(g string) {
		if r, ok := m.index[g]; ok {
			rows = append(rows, r)
		}
	})
	// Sorting groups repeats of a feature into runs, which gives the counts
	// without a map: binary NB wants each once, LogReg wants the vector
	// length, sqrt(Σ count²), because it was trained on unit vectors.
	slices.Sort(rows)
	feats := rows[:0] // distinct rows, in place
	var vals []float64
	var sumSq float64
	for i := 0; i < len(rows); {
		j := i + 1
		for j < len(rows) && rows[j] == rows[i] {
			j++
		}
		v := m.value(rows[i], float64(j-i))
		feats = append(feats, rows[i])
		vals = append(vals, v)
		sumSq += v * v
		i = j
	}
	scale := 1.0
	if m.l2norm && sumSq > 0 {
		scale = 1 / math.Sqrt(sumSq)
	}
	for i, row := range feats {
		w := m.weights[int(row)*k : int(row)*k+k]
		for c := range s {
			s[c] += scale * vals[i] * float64(w[c])
		}
	}
	if m.nbr != nil && sumSq > 0 {
		m.nbr.vote(s, feats, vals, 1/math.Sqrt(sumSq))
	}
	return s
}

// value is what n occurrences of the feature in row contribute to a text's
// vector before it is scaled to unit length.
func (m *Model) value(row int32, n float64) float64 {
	switch {
	case m.binary:
		n = 1
	case m.sublin:
		n = 1 + math.Log(n)
	}
	if m.idf != nil {
		n *= float64(m.idf[row])
	}
	return n
}

func softmax(s []float64, temp float64) []float64 {
	if temp <= 0 {
		temp = 1
	}
	maxS := math.Inf(-1)
	for _, v := range s {
		maxS = math.Max(maxS, v)
	}
	out := make([]float64, len(s))
	var sum float64
	for c, v := range s {
		out[c] = math.Exp((v - maxS) / temp)
		sum += out[c]
	}
	for c := range out {
		out[c] /= sum
	}
	return out
}

// Normalize is the default normaliser: NFKC (full-width letters and digits
// become ASCII, compatibility ideographs become the unified ones), lower case,
// and every run of characters that are neither letters nor digits (spaces,
// punctuation, symbols, emoji) becomes one space. The space is kept rather
// than dropped so n-grams do not straddle a sentence boundary; the n-gram
// extractor treats it as a break and never emits it.
func Normalize(s string) string {
	s = norm.NFKC.String(s)
	var b strings.Builder
	b.Grow(len(s))
	gap := false
	for _, r := range s {
		if isGramRune(r) {
			if gap && b.Len() > 0 {
				b.WriteByte(' ')
			}
			gap = false
			b.WriteRune(unicode.ToLower(r))
			continue
		}
		gap = true
	}
	return b.String()
}

// isGramRune reports whether r can be part of an n-gram.
func isGramRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }

// eachGram calls fn with every n-gram of length 1..maxN in s, as substrings
// of s (so lookups allocate nothing). Runs of non-letter, non-digit runes
// break the text: no n-gram spans them, whichever normaliser produced s.
func eachGram(s string, maxN int, fn func(g string)) {
	var starts [4]int // byte offsets of the last runes' starts, ring buffer
	run := 0          // runes in the current unbroken segment
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		if !isGramRune(r) {
			run = 0
			i += w
			continue
		}
		starts[run%4] = i
		run++
		i += w
		for n := 1; n <= maxN && n <= run; n++ {
			fn(s[starts[(run-n)%4]:i])
		}
	}
}
