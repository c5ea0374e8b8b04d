package classify

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/minsheng/minsheng/internal/appealstest"
)

// synthetic builds a small three-class set: each text mixes a few words of
// its class with neutral filler, so the classes overlap in characters but
// are separable by bigrams.
func synthetic(perClass int) []Example {
	words := map[string][]string{
		"交通": {"公交车", "红绿灯", "高速路", "出租车", "地铁站", "停车位"},
		"劳动": {"拖欠工资", "社保缴纳", "劳动合同", "加班费", "养老保险", "辞退"},
		"环境": {"排放废水", "噪音扰民", "垃圾焚烧", "空气污染", "河道发臭", "油烟"},
	}
	filler := []string{"您好", "请领导", "尽快处理", "我们小区", "已经很久了", "谢谢"}
	var out []Example
	for _, label := range []string{"交通", "劳动", "环境"} {
		ws := words[label]
		for i := range perClass {
			text := filler[i%len(filler)] + "，" + ws[i%len(ws)] + "的问题，" +
				ws[(i+2)%len(ws)] + "。" + filler[(i+3)%len(filler)]
			out = append(out, Example{ID: fmt.Sprintf("%s-%d", label, i), Text: text, Label: label})
		}
	}
	return out
}

func TestTrainClassifiesObviousExamples(t *testing.T) {
	for _, algo := range []Algorithm{LogReg, NaiveBayes, SVM} {
		t.Run(algo.String(), func(t *testing.T) {
			m, err := Train(synthetic(20), Options{Algorithm: algo, MinCount: 1})
			if err != nil {
				t.Fatal(err)
			}
			for text, want := range map[string]string{
				"公交车开得太快":    "交通",
				"公司拖欠工资不发":   "劳动",
				"工厂排放废水，河里臭": "环境",
			} {
				got, conf := m.Classify(text)
				if got != want {
					t.Errorf("Classify(%q) = %q (%.2f), want %q; top %v", text, got, conf, want, m.Top(text, 0))
				}
				if conf < 1.0/3 || conf > 1 {
					t.Errorf("Classify(%q) confidence %v, want in (1/3, 1]", text, conf)
				}
			}
			top := m.Top("加班费", 2)
			if len(top) != 2 || top[0].Label != "劳动" || top[0].Probability < top[1].Probability {
				t.Errorf("Top(加班费, 2) = %v", top)
			}
			var sum float64
			for _, s := range m.Top("加班费", 0) {
				sum += s.Probability
			}
			if math.Abs(sum-1) > 1e-9 {
				t.Errorf("probabilities sum to %v", sum)
			}
			if got := strings.Join(m.Labels(), ","); got != "交通,劳动,环境" {
				t.Errorf("Labels() = %s", got)
			}
		})
	}
}

func TestClassifyEmptyText(t *testing.T) {
	m, err := Train(synthetic(10), Options{MinCount: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"", "   ", "？！。，"} {
		if _, conf := m.Classify(text); conf > 0.6 {
			t.Errorf("Classify(%q) confidence %.2f, want low: there is nothing to go on", text, conf)
		}
	}
}

func TestTrainErrors(t *testing.T) {
	if _, err := Train(nil, Options{}); err == nil {
		t.Error("Train(nil) succeeded")
	}
	one := []Example{{Text: "a", Label: "x"}, {Text: "b", Label: "x"}}
	if _, err := Train(one, Options{}); err == nil {
		t.Error("Train with one label succeeded")
	}
	if _, err := Train([]Example{{Text: "a"}, {Text: "b", Label: "y"}}, Options{}); err == nil {
		t.Error("Train with an unlabelled example succeeded")
	}
	if _, err := Train(synthetic(3), Options{MaxN: 5}); err == nil {
		t.Error("Train with MaxN 5 succeeded")
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"ＡＢＣ１２３":             "abc123",
		"路灯坏了，晚上很黑！":         "路灯坏了 晚上很黑",
		"  Hello,   World  ": "hello world",
		"🚌公交车🚌":              "公交车",
	} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEachGram(t *testing.T) {
	var got []string
	eachGram("路灯坏 ab", 3, func(g string) { got = append(got, g) })
	want := "路 灯 路灯 坏 灯坏 路灯坏 a b ab"
	if strings.Join(got, " ") != want {
		t.Errorf("eachGram = %q, want %q", strings.Join(got, " "), want)
	}
	got = nil
	eachGram("a\xffb", 2, func(g string) { got = append(got, g) }) // invalid UTF-8 breaks the run
	if strings.Join(got, " ") != "a b" {
		t.Errorf("eachGram(invalid) = %q", got)
	}
}

func TestWriteReadRoundTrip(t *testing.T) {
	for name, opts := range map[string]Options{
		"logreg":            {Algorithm: LogReg, MinCount: 1},
		"naive-bayes":       {Algorithm: NaiveBayes, MinCount: 1},
		"svm sublinear idf": {Algorithm: SVM, MinCount: 1, MaxN: 3, Sublinear: true, IDF: true},
	} {
		t.Run(name, func(t *testing.T) {
			m, err := Train(synthetic(20), opts)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			n, err := m.WriteTo(&buf)
			if err != nil {
				t.Fatal(err)
			}
			if n != int64(buf.Len()) {
				t.Errorf("WriteTo returned %d, wrote %d bytes", n, buf.Len())
			}
			m2, err := Read(&buf)
			if err != nil {
				t.Fatal(err)
			}
			if m2.Features() != m.Features() || strings.Join(m2.Labels(), ",") != strings.Join(m.Labels(), ",") {
				t.Fatalf("read model differs: %d features %v, want %d %v", m2.Features(), m2.Labels(), m.Features(), m.Labels())
			}
			for _, ex := range append(synthetic(7), Example{Text: "公交车拖欠工资排放废水"}) {
				l1, p1 := m.Classify(ex.Text)
				l2, p2 := m2.Classify(ex.Text)
				// Weights are stored as 16-bit steps; probabilities may move
				// in the fourth decimal, the label must not.
				if l1 != l2 || math.Abs(p1-p2) > 1e-3 {
					t.Errorf("%q: before %s %.5f, after %s %.5f", ex.Text, l1, p1, l2, p2)
				}
			}
		})
	}
}

func TestReadRejectsGarbage(t *testing.T) {
	m, err := Train(synthetic(5), Options{MinCount: 1})
	if err != nil {
		t.Fatal(err)
	}
	var good bytes.Buffer
	if _, err := m.WriteTo(&good); err != nil {
		t.Fatal(err)
	}
	wrongVersion := bytes.Clone(good.Bytes())
	wrongVersion[len(fileMagic)+1] = 99
	corrupt := bytes.Clone(good.Bytes())
	corrupt = corrupt[:len(corrupt)/2]
	for name, data := range map[string][]byte{
		"empty":         nil,
		"short":         []byte("MSC"),
		"text":          []byte(`{"labels":["a","b"]}` + "\n"),
		"gzip no magic": good.Bytes()[len(fileMagic)+2:],
		"wrong version": wrongVersion,
		"truncated":     corrupt,
		"magic only":    []byte(fileMagic + "\x00\x01"),
	} {
		_, err := Read(bytes.NewReader(data))
		if !errors.Is(err, ErrBadModel) {
			t.Errorf("%s: Read error = %v, want ErrBadModel", name, err)
		}
	}
}

func TestReadJSONL(t *testing.T) {
	in := `{"id":"1","title":"路灯","text":"坏了","label":"城乡建设"}

{"id":"2","title":"","text":"拖欠工资","label":"劳动和社会保障"}
`
	got, err := ReadJSONL(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Example{{"1", "路灯 坏了", "城乡建设"}, {"2", "拖欠工资", "劳动和社会保障"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("ReadJSONL = %v, want %v", got, want)
	}
	for in, line := range map[string]string{
		`{"id":"1","text":"a","label":"x"}` + "\n{oops\n":     "line 2",
		"\n\n" + `{"id":"1","text":"a"}`:                      "line 3",
		`{"id":"1","text":"","title":" ","label":"x"}` + "\n": "line 1",
	} {
		_, err := ReadJSONL(strings.NewReader(in))
		if err == nil || !strings.Contains(err.Error(), line) {
			t.Errorf("ReadJSONL(%q) error = %v, want one naming %s", in, err, line)
		}
	}
}

func TestCrossValidate(t *testing.T) {
	exs := synthetic(30)
	rep, err := CrossValidate(exs, 5, Options{MinCount: 1}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Full.N != len(exs) || rep.SMS.N != len(exs) {
		t.Errorf("N = %d/%d, want %d", rep.Full.N, rep.SMS.N, len(exs))
	}
	if len(rep.Full.Classes) != 3 {
		t.Fatalf("%d classes, want 3", len(rep.Full.Classes))
	}
	for _, e := range []Eval{rep.Full, rep.SMS} {
		support := 0
		for _, c := range e.Classes {
			support += c.Support
			for _, v := range []float64{c.Precision, c.Recall, c.F1} {
				if v < 0 || v > 1 {
					t.Errorf("%s: score %v out of [0,1]", c.Label, v)
				}
			}
		}
		if support != len(exs) {
			t.Errorf("support sums to %d, want %d", support, len(exs))
		}
		// The synthetic classes are separable; anything near chance (1/3)
		// means folds or scoring are broken.
		if e.MacroF1 < 0.8 || e.Accuracy < 0.8 || e.MacroF1 > 1 || e.Accuracy > 1 {
			t.Errorf("macro-F1 %.3f, accuracy %.3f: want high on separable data", e.MacroF1, e.Accuracy)
		}
	}
	s := rep.String()
	for _, want := range []string{"5-fold", "macro-F1", "交通", "劳动", "环境"} {
		if !strings.Contains(s, want) {
			t.Errorf("report lacks %q:\n%s", want, s)
		}
	}
	if _, err := CrossValidate(exs, 1, Options{}, 1); err == nil {
		t.Error("CrossValidate with k=1 succeeded")
	}
}

func TestStratifiedFolds(t *testing.T) {
	exs := synthetic(10) // 10 per class
	folds := stratifiedFolds(exs, 5, 3)
	seen := map[string]bool{}
	for i, f := range folds {
		if len(f) != 6 {
			t.Errorf("fold %d has %d examples, want 6", i, len(f))
		}
		per := map[string]int{}
		for _, ex := range f {
			per[ex.Label]++
			if seen[ex.ID] {
				t.Errorf("%s in two folds", ex.ID)
			}
			seen[ex.ID] = true
		}
		for l, n := range per {
			if n != 2 {
				t.Errorf("fold %d has %d of %s, want 2", i, n, l)
			}
		}
	}
}

func TestDefault(t *testing.T) {
	m := Default()
	if m != Default() {
		t.Error("Default() loads a new model each call")
	}
	labels := m.Labels()
	if len(labels) != len(DefaultCodes) {
		t.Errorf("default labels %v, want the %d of DefaultCodes", labels, len(DefaultCodes))
	}
	for _, l := range labels {
		if DefaultCodes[l] == "" {
			t.Errorf("default label %q has no code", l)
		}
	}
	for text, want := range map[string]string{
		"小区门口的路灯坏了一个月了，晚上很黑": "城乡建设",
		"公司拖欠工资三个月":          "劳动和社会保障",
		// Not "公交车…": buses are 城乡建设 in this taxonomy (公共汽车 under
		// 城市建设和市政管理) and in the data (42 of 73 texts with 公交车).
		"出租车司机开车太猛":      "交通运输",
		"工厂排放废水河里都是死鱼":   "环境保护",
		"孩子学校乱收补课费":      "教育文体",
		"医院看病排队太久，医生态度差": "卫生计生",
		// Not "超市卖过期食品": food safety is 卫生计生 in the taxonomy
		// (食品药品监管), and the model agrees with it.
		"景区门票乱涨价，旅行社强制购物": "商贸旅游",
	} {
		got, conf := m.Classify(text)
		if got != want {
			t.Errorf("Default().Classify(%q) = %s (%.2f), want %s; top %v", text, got, conf, want, m.Top(text, 3))
		}
	}
}

func TestDefaultConcurrent(t *testing.T) {
	texts := []string{"公交车司机开车太猛", "公司拖欠工资三个月", "工厂排放废水河里都是死鱼"}
	want := make([]string, len(texts))
	for i, text := range texts {
		want[i], _ = Default().Classify(text)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i, text := range texts {
				if got, _ := Default().Classify(text); got != want[i] {
					t.Errorf("concurrent Classify(%q) = %s, want %s", text, got, want[i])
				}
			}
		})
	}
	wg.Wait()
}

// TestDefaultOnData checks the embedded model against the labelled data it
// was trained on; it needs the shared data directory next to the repository.
func TestDefaultOnData(t *testing.T) {
	f, err := os.Open(appealstest.Path(appealstest.LabeledFile))
	if err != nil {
		t.Skipf("labelled data not available: %v", err)
	}
	defer f.Close()
	exs, err := ReadJSONL(f)
	if err != nil {
		t.Fatal(err)
	}
	correct := 0
	for _, ex := range exs {
		if l, _ := Default().Classify(ex.Text); l == ex.Label {
			correct++
		}
	}
	// Training accuracy; well below this means the file is stale or broken.
	if acc := float64(correct) / float64(len(exs)); acc < 0.9 {
		t.Errorf("default model accuracy on its training data %.3f, want >= 0.9", acc)
	}
}

func BenchmarkClassify(b *testing.B) {
	m := Default()
	sms := "书记您好，我家小区门口的路灯坏了一个多月了，晚上特别黑，老人孩子出门很不安全，物业说不归他们管，请帮忙协调尽快修好，谢谢！"
	sms = prefix(sms, SMSChars)
	b.ReportAllocs()
	for b.Loop() {
		m.Classify(sms)
	}
}

// BenchmarkCategorize is what an SMS costs in production: folding
// (traditional, full-width), the model, the second level.
func BenchmarkCategorize(b *testing.B) {
	c := NewCategorizer(Default(), nil)
	sms := prefix("书记您好，我家小区门口的路灯坏了一个多月了，晚上特别黑，老人孩子出门很不安全，物业说不归他们管，请帮忙协调尽快修好，谢谢！", SMSChars)
	b.ReportAllocs()
	for b.Loop() {
		c.Categorize(sms)
	}
}

// BenchmarkReadDefault is the cost of loading the embedded model (once per
// process, on first use).
func BenchmarkReadDefault(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Read(bytes.NewReader(defaultModel)); err != nil {
			b.Fatal(err)
		}
	}
}
