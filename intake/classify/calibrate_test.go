package classify

import (
	"math"
	"math/rand"
	"testing"
)

func TestFitIsotonic(t *testing.T) {
	for _, tc := range []struct {
		name   string
		conf   []float64
		right  []bool
		xs, ys []float64
	}{
		// The top block is capped at (right+1)/(n+2): two right of two → 3/4.
		{"already monotone", []float64{0.2, 0.5, 0.9}, []bool{false, true, true},
			[]float64{0.2, 0.5, 0.9}, []float64{0, 0.75, 0.75}},
		{"a violation is pooled", []float64{0.3, 0.4, 0.6, 0.8, 0.9}, []bool{true, false, false, true, true},
			[]float64{0.3, 0.6, 0.8, 0.9}, []float64{1.0 / 3, 1.0 / 3, 0.75, 0.75}},
		{"equal confidences share a value", []float64{0.5, 0.5, 0.7, 0.5, 0.5}, []bool{true, false, true, true, false},
			[]float64{0.5, 0.7}, []float64{0.5, 2.0 / 3}},
		{"the ceiling only cuts the top", []float64{0.3, 0.5, 0.6, 0.7, 0.8, 0.9}, []bool{false, true, false, true, true, true},
			[]float64{0.3, 0.5, 0.6, 0.7, 0.9}, []float64{0, 0.5, 0.5, 0.8, 0.8}},
		{"all wrong", []float64{0.9, 0.4}, []bool{false, false},
			[]float64{0.4, 0.9}, []float64{0, 0}},
		{"nothing", nil, nil, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			xs, ys := fitIsotonic(tc.conf, tc.right)
			if !closeAll(xs, tc.xs) || !closeAll(ys, tc.ys) {
				t.Errorf("fitIsotonic = %v → %v, want %v → %v", xs, ys, tc.xs, tc.ys)
			}
		})
	}
}

func closeAll(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > 1e-12 {
			return false
		}
	}
	return true
}

// TestFitIsotonicMonotone fits noisy data and checks the curve and the map
// through it never go down.
func TestFitIsotonicMonotone(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	conf := make([]float64, 5000)
	right := make([]bool, len(conf))
	for i := range conf {
		conf[i] = 0.15 + 0.85*rng.Float64()
		right[i] = rng.Float64() < conf[i]*conf[i] // overconfident
	}
	xs, ys := fitIsotonic(conf, right)
	if len(xs) != len(ys) || len(xs) < 2 {
		t.Fatalf("%d x, %d y", len(xs), len(ys))
	}
	for i := 1; i < len(xs); i++ {
		if xs[i] <= xs[i-1] || ys[i] < ys[i-1] {
			t.Fatalf("breakpoint %d: (%v, %v) after (%v, %v)", i, xs[i], ys[i], xs[i-1], ys[i-1])
		}
	}
	prev := -1.0
	for p := 0.0; p <= 1; p += 0.001 {
		v := isoMap(xs, ys, p)
		if v < prev || v < 0 || v > 1 {
			t.Fatalf("isoMap(%.3f) = %v after %v", p, v, prev)
		}
		prev = v
	}
	// The data is right with chance conf², so the curve is near it.
	for _, p := range []float64{0.4, 0.6, 0.8} {
		if v := isoMap(xs, ys, p); math.Abs(v-p*p) > 0.1 {
			t.Errorf("isoMap(%.1f) = %.3f, want about %.3f", p, v, p*p)
		}
	}
}

func TestIsoMap(t *testing.T) {
	xs, ys := []float64{0.2, 0.4, 0.4, 0.8}, []float64{0.1, 0.3, 0.5, 0.9}
	for p, want := range map[float64]float64{0: 0.1, 0.2: 0.1, 0.3: 0.2, 0.6: 0.7, 0.8: 0.9, 1: 0.9} {
		if got := isoMap(xs, ys, p); math.Abs(got-want) > 1e-12 {
			t.Errorf("isoMap(%v) = %v, want %v", p, got, want)
		}
	}
	if got := isoMap(xs, ys, math.NaN()); got != 0.1 {
		t.Errorf("isoMap(NaN) = %v, want the lowest value", got)
	}
	if got := isoMap(nil, nil, 0.37); got != 0.37 {
		t.Errorf("isoMap with no curve = %v, want the identity", got)
	}
}

// TestCalibratedKeepsTheTop: the map may lower the top probability but not
// below the runner-up, and the probabilities still sum to 1.
func TestCalibratedKeepsTheTop(t *testing.T) {
	m := &Model{isoX: []float64{0, 1}, isoY: []float64{0, 0.5}} // halves the top
	for _, probs := range [][]float64{{0.5, 0.3, 0.2}, {0.9, 0.05, 0.05}, {0.34, 0.33, 0.33}} {
		in := append([]float64(nil), probs...)
		out := m.calibrated(probs)
		best := argmax(in)
		if argmax(out) != best {
			t.Errorf("%v → %v: top moved", in, out)
		}
		var sum float64
		for c, p := range out {
			sum += p
			if c != best && p > out[best]+1e-12 {
				t.Errorf("%v → %v: label %d above the top", in, out, c)
			}
		}
		if math.Abs(sum-1) > 1e-12 {
			t.Errorf("%v → %v: sum %v", in, out, sum)
		}
		if want := math.Max(in[best]/2, 0); out[best] < want-1e-12 {
			t.Errorf("%v → %v: top %v below the curve's %v", in, out, out[best], want)
		}
	}
}

// TestCalibrationFitsACurve: trained on enough texts, the model carries an
// isotonic curve, and confidences are what it maps them to.
func TestCalibrationFitsACurve(t *testing.T) {
	exs := noisy(600)
	m, err := Train(exs, Options{Algorithm: SVM, MinCount: 1, Sublinear: true, IDF: true})
	if err != nil {
		t.Fatal(err)
	}
	if m.isoX == nil {
		t.Fatal("no isotonic curve")
	}
	raw := m.WithNormalize(nil)
	raw.isoX, raw.isoY = nil, nil
	for _, ex := range exs[:20] {
		l, p := m.Classify(ex.Text)
		rl, rp := raw.Classify(ex.Text)
		if l != rl {
			t.Errorf("%q: %s with the curve, %s without", ex.Text, l, rl)
		}
		if want := isoMap(m.isoX, m.isoY, rp); p < want-1e-12 {
			t.Errorf("%q: confidence %v, curve says %v", ex.Text, p, want)
		}
	}
	small, err := Train(synthetic(10), Options{MinCount: 1})
	if err != nil {
		t.Fatal(err)
	}
	if small.isoX != nil {
		t.Errorf("a curve fitted on %d texts", 30)
	}
}

// noisy is synthetic data with a tenth of the labels wrong and texts that
// share words across classes, so a held-out model makes mistakes.
func noisy(n int) []Example {
	rng := rand.New(rand.NewSource(7))
	base := synthetic(n / 3)
	labels := []string{"交通", "劳动", "环境"}
	all := synthetic(n / 3)
	for i := range base {
		other := all[rng.Intn(len(all))]
		base[i].Text += prefix(other.Text, 8)
		if rng.Float64() < 0.1 {
			base[i].Label = labels[rng.Intn(len(labels))]
		}
	}
	return base
}
