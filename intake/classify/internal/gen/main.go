// Command gen trains the category model embedded in package classify and
// prints its cross-validated scores. From the repository root:
//
//	go run ./intake/classify/internal/gen -data ../shared/data/appeals-labeled.jsonl -out intake/classify/default.model
//
// It starts from classify.DefaultOptions, the settings of the shipped model
// (so with no tuning flags it writes the same file as `minsheng train` with
// the same -seed); each tuning flag given changes that one setting, e.g.
// -knn 0 for no neighbour vote or -lcr=false for a plain SVM. -compare
// cross-validates the alternatives that were measured when choosing them.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"github.com/minsheng/minsheng/intake/classify"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("gen: ")
	var (
		data        = flag.String("data", "", "labelled JSONL: {id,title,text,label} per line (required)")
		out         = flag.String("out", "", "write the model trained on all the data here")
		algo        = flag.String("algo", "svm", "logreg | nb | svm")
		maxN        = flag.Int("maxn", 0, "longest character n-gram, 1..3 (0 = package default)")
		minCount    = flag.Int("mincount", 0, "drop n-grams found in fewer texts (0 = package default)")
		maxFeatures = flag.Int("maxfeatures", 0, "keep the top N n-grams by information gain (0 = package default, -1 = all)")
		binary      = flag.Bool("binary", false, "naive Bayes: count an n-gram once per text")
		noAugment   = flag.Bool("noaugment", false, "do not also train on the first 70 characters of each text")
		alpha       = flag.Float64("alpha", 0, "naive Bayes smoothing (0 = package default)")
		epochs      = flag.Int("epochs", 0, "logreg epochs (0 = package default)")
		rate        = flag.Float64("rate", 0, "logreg AdaGrad rate (0 = package default)")
		l2          = flag.Float64("l2", 0, "logreg L2 penalty (0 = package default)")
		sublinear   = flag.Bool("sublinear", false, "1+ln(count) instead of counts (logreg, svm)")
		idf         = flag.Bool("idf", false, "weight n-grams by idf (logreg, svm)")
		cost        = flag.Float64("c", 0, "svm cost C (0 = package default)")
		noCal       = flag.Bool("nocal", false, "skip calibration (faster cross-validation)")
		folds       = flag.Int("cv", 5, "cross-validation folds (0 = skip)")
		seed        = flag.Int64("seed", 1, "seed for folds and shuffling")
		noTitle     = flag.Bool("notitle", false, "drop titles (so the 70-character score is on the citizen's own words)")
		compare     = flag.Bool("compare", false, "cross-validate the alternative settings and print one line each")
		only        = flag.String("only", "", "with -compare: only settings whose name contains this")
		lcr         = flag.Bool("lcr", false, "svm: scale by the log-count ratio (NBSVM)")
		ratioAlpha  = flag.Float64("ralpha", 0, "log-count ratio smoothing (0 = package default)")
		knn         = flag.Int("knn", 0, "nearest training texts that vote (0 = no vote)")
		knnWeight   = flag.Float64("knnw", 0, "weight of the neighbours' vote (0 = package default)")
		knnMaxDF    = flag.Float64("knnmaxdf", 0, "leave n-grams in more than this share of texts out of the neighbour index (0 = package default)")
		knnPrefix   = flag.Bool("knnprefix", false, "also index the 70-character prefixes of the training texts")
		noIso       = flag.Bool("noiso", false, "calibrate with the temperature only")
	)
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: gen -data FILE.jsonl [-out MODEL] [flags]\n"+
			"Tuning flags change one setting of classify.DefaultOptions each; a boolean one\n"+
			"turns off with -flag=false. Defaults below are the flags', not the model's.\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *data == "" {
		flag.Usage()
		os.Exit(2)
	}
	examples, err := load(*data, *noTitle)
	if err != nil {
		log.Fatal(err)
	}
	// Start from the shipped settings; each tuning flag given changes one.
	opts := classify.DefaultOptions()
	opts.Seed, opts.NoCalibrate, opts.NoIsotonic = *seed, *noCal, *noIso
	var bad error
	flag.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "algo":
			switch *algo {
			case "nb":
				opts.Algorithm = classify.NaiveBayes
			case "logreg":
				opts.Algorithm = classify.LogReg
			case "svm":
				opts.Algorithm = classify.SVM
			default:
				bad = fmt.Errorf("unknown -algo %q", *algo)
			}
		case "maxn":
			opts.MaxN = *maxN
		case "mincount":
			opts.MinCount = *minCount
		case "maxfeatures":
			opts.MaxFeatures = *maxFeatures
		case "binary":
			opts.Binary = *binary
		case "noaugment":
			opts.NoAugment = *noAugment
		case "alpha":
			opts.Alpha = *alpha
		case "epochs":
			opts.Epochs = *epochs
		case "rate":
			opts.Rate = *rate
		case "l2":
			opts.L2 = *l2
		case "sublinear":
			opts.Sublinear = *sublinear
		case "idf":
			opts.IDF = *idf
		case "c":
			opts.C = *cost
		case "lcr":
			opts.LogCountRatio = *lcr
		case "ralpha":
			opts.RatioAlpha = *ratioAlpha
		case "knn":
			opts.Neighbours = *knn
		case "knnw":
			opts.NeighbourWeight = *knnWeight
		case "knnmaxdf":
			opts.NeighbourMaxDF = *knnMaxDF
		case "knnprefix":
			opts.NeighbourPrefixes = *knnPrefix
		}
	})
	if bad != nil {
		log.Fatal(bad)
	}
	if *compare {
		runCompare(examples, *folds, *seed, *only)
		return
	}
	if *folds > 0 {
		rep, err := classify.CrossValidate(examples, *folds, opts, *seed)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Print(rep)
	}
	if *out == "" {
		return
	}
	start := time.Now()
	m, err := classify.Train(examples, opts)
	if err != nil {
		log.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	log.Printf("trained on %d texts in %v: %d features, %d bytes → %s",
		len(examples), time.Since(start).Round(time.Millisecond), m.Features(), buf.Len(), *out)
}

// load reads the data set; with noTitle it keeps only the text field, which
// ReadJSONL would otherwise prefix with the title.
func load(path string, noTitle bool) ([]classify.Example, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if !noTitle {
		return classify.ReadJSONL(f)
	}
	var out []classify.Example
	dec := json.NewDecoder(f)
	for dec.More() {
		var rec struct{ ID, Text, Label string }
		if err := dec.Decode(&rec); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, classify.Example{ID: rec.ID, Text: rec.Text, Label: rec.Label})
	}
	return out, nil
}

// runCompare prints macro-F1 (whole text and first 70 characters) for each
// setting tried when choosing the defaults. Calibration is off: it does not
// change which label wins, only the confidence.
func runCompare(examples []classify.Example, folds int, seed int64, only string) {
	lr := classify.Options{Algorithm: classify.LogReg, Seed: seed, NoCalibrate: true}
	nb := classify.Options{Algorithm: classify.NaiveBayes, Seed: seed, NoCalibrate: true}
	with := func(o classify.Options, f func(*classify.Options)) classify.Options { f(&o); return o }
	configs := []struct {
		name string
		opts classify.Options
	}{
		{"nb, all n-grams, no aug", with(nb, func(o *classify.Options) { o.MinCount = 1; o.MaxFeatures = -1; o.NoAugment = true })},
		{"nb binary, all, no aug", with(nb, func(o *classify.Options) { o.MinCount = 1; o.MaxFeatures = -1; o.NoAugment = true; o.Binary = true })},
		{"nb, min 3, no aug", with(nb, func(o *classify.Options) { o.MaxFeatures = -1; o.NoAugment = true })},
		{"nb, min 3", with(nb, func(o *classify.Options) { o.MaxFeatures = -1 })},
		{"nb, min 3, uni+bi+tri", with(nb, func(o *classify.Options) { o.MaxFeatures = -1; o.MaxN = 3 })},
		{"nb, top 20000", nb},
		{"logreg, all, no aug", with(lr, func(o *classify.Options) { o.MinCount = 1; o.MaxFeatures = -1; o.NoAugment = true })},
		{"logreg, min 3, no aug", with(lr, func(o *classify.Options) { o.MaxFeatures = -1; o.NoAugment = true })},
		{"logreg, all n-grams", with(lr, func(o *classify.Options) { o.MinCount = 1; o.MaxFeatures = -1 })},
		{"logreg, min 3", with(lr, func(o *classify.Options) { o.MaxFeatures = -1 })},
		{"logreg, min 3, uni+bi+tri", with(lr, func(o *classify.Options) { o.MaxFeatures = -1; o.MaxN = 3 })},
		{"logreg, unigrams", with(lr, func(o *classify.Options) { o.MaxN = 1 })},
		{"logreg, L2 1e-4", with(lr, func(o *classify.Options) { o.L2 = 1e-4 })},
		{"logreg, top 5000", with(lr, func(o *classify.Options) { o.MaxFeatures = 5000 })},
		{"logreg, top 20000 (default)", lr},
		{"logreg, unbalanced", with(lr, func(o *classify.Options) { o.Unbalanced = true })},
		{"logreg, n-grams span punct", with(lr, func(o *classify.Options) {
			o.Normalize = func(s string) string { return strings.ReplaceAll(classify.Normalize(s), " ", "") }
		})},
	}
	fmt.Printf("%-28s %8s %8s %8s %8s\n", "setting", "features", "F1 full", "F1 70", "acc 70")
	for _, c := range configs {
		if !strings.Contains(c.name, only) {
			continue
		}
		rep, err := classify.CrossValidate(examples, folds, c.opts, seed)
		if err != nil {
			log.Fatalf("%s: %v", c.name, err)
		}
		fmt.Printf("%-28s %8d %8.3f %8.3f %8.3f\n", c.name, rep.Features, rep.Full.MacroF1, rep.SMS.MacroF1, rep.SMS.Accuracy)
	}
}
