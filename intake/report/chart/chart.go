// Package chart draws the report's chart: petitions per day as bars, the
// 满意 share of the day's answers as a line, with Chinese labels in a CJK
// font found on the system (gonum.org/v1/plot; PNG or SVG).
package chart

import (
	"errors"
	"fmt"
	"image/color"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Day is one bar and one point of the line.
type Day struct {
	Date      time.Time
	Petitions int64
	// Satisfied share of the day's answers, 0…1; NaN-free: Answered 0
	// leaves a gap in the line.
	Satisfied float64
	Answered  int64
}

// ErrNoFont means no font with Chinese characters was found.
var ErrNoFont = errors.New("no CJK font found for the chart's Chinese labels: install one (Debian: apt-get install fonts-wqy-microhei or fonts-noto-cjk) or set MINSHENG_CJK_FONT to a .ttf/.ttc/.otf file")

// FontDirs are searched for a CJK font, in order.
var FontDirs = []string{"/usr/share/fonts", "/usr/local/share/fonts", "/Library/Fonts", "/System/Library/Fonts", `C:\Windows\Fonts`}

// cjkName matches the file names of common fonts with Chinese characters;
// TrueType outlines first (x/image reads them best).
var cjkName = regexp.MustCompile(`(?i)(wqy|microhei|zenhei|droidsansfallback|notosanscjk|notoserifcjk|sourcehan|simhei|simsun|msyh|ukai|uming|gbsn|gkai|pingfang|hiragino)`)

// FindFonts lists the CJK fonts to try: MINSHENG_CJK_FONT, else the
// files under FontDirs whose names say CJK, the likeliest to parse first.
func FindFonts() ([]string, error) {
	if p := os.Getenv("MINSHENG_CJK_FONT"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("MINSHENG_CJK_FONT: %w", err)
		}
		return []string{p}, nil
	}
	var found []string
	for _, dir := range FontDirs {
		_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && cjkName.MatchString(d.Name()) {
				ext := strings.ToLower(filepath.Ext(p))
				if ext == ".ttf" || ext == ".ttc" || ext == ".otf" {
					found = append(found, p)
				}
			}
			return nil
		})
	}
	if len(found) == 0 {
		return nil, ErrNoFont
	}
	sort.SliceStable(found, func(i, j int) bool { return rank(found[i]) < rank(found[j]) })
	return found, nil
}

// rank puts single TrueType files first: golang.org/x/image cannot read
// some collections (wqy-microhei.ttc: "invalid table offset").
func rank(p string) int {
	n := strings.ToLower(filepath.Base(p))
	switch {
	case strings.HasSuffix(n, ".ttf"):
		return 0
	case strings.HasSuffix(n, ".otf"):
		return 1
	}
	return 2
}

var (
	fontOnce sync.Once
	fontErr  error
)

// parseFont reads a font file, or the first font of a collection.
func parseFont(path string) (*opentype.Font, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if coll, err := opentype.ParseCollection(raw); err == nil && coll.NumFonts() > 1 {
		return coll.Font(0)
	}
	return opentype.Parse(raw)
}

// hasGlyphs reports whether f draws every character of s (Droid Sans
// Fallback, say, has no digits).
func hasGlyphs(f *opentype.Font, s string) bool {
	var buf sfnt.Buffer
	for _, r := range s {
		if i, err := f.GlyphIndex(&buf, r); err != nil || i == 0 {
			return false
		}
	}
	return true
}

// loadFont registers the first CJK font that parses with the plot's font
// cache, once.
func loadFont() error {
	fontOnce.Do(func() {
		paths, err := FindFonts()
		if err != nil {
			fontErr = err
			return
		}
		var problems []string
		for _, p := range paths {
			f, err := parseFont(p)
			if err == nil && !hasGlyphs(f, "满意率0123456789%") {
				err = errors.New("lacks digits or Chinese characters")
			}
			if err != nil {
				problems = append(problems, p+": "+err.Error())
				continue
			}
			font.DefaultCache.Add([]font.Face{{Font: font.Font{Typeface: "cjk"}, Face: f}})
			return
		}
		fontErr = fmt.Errorf("%w (unreadable: %s)", ErrNoFont, strings.Join(problems, "; "))
	})
	return fontErr
}

// Write draws the chart as format "png" or "svg".
func Write(w io.Writer, format, title string, days []Day) error {
	if err := loadFont(); err != nil {
		return err
	}
	cjk := font.Font{Typeface: "cjk", Size: vg.Points(11)}
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = font.Font{Typeface: "cjk", Size: vg.Points(14)}
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = cjk
		a.Tick.Label.Font = cjk
	}
	p.Legend.TextStyle.Font = cjk
	p.Legend.Top = true
	p.X.Label.Text = "日期"
	p.Y.Label.Text = "诉求件数（折线：满意率，顶端 = 100%）"

	var top float64 = 1
	bars := make(plotter.Values, len(days))
	for i, d := range days {
		bars[i] = float64(d.Petitions)
		top = max(top, bars[i])
	}
	top *= 1.25 // room for the legend
	bc, err := plotter.NewBarChart(bars, vg.Points(max(2, 500/float64(max(1, len(days))))))
	if err != nil {
		return fmt.Errorf("chart bars: %w", err)
	}
	bc.Color = color.RGBA{R: 70, G: 130, B: 180, A: 255}
	bc.LineStyle.Width = 0
	p.Add(bc)
	p.Legend.Add("诉求（件/日）", bc)

	// The share is drawn on the bars' scale: 100% at the top of the axis.
	var pts plotter.XYs
	for i, d := range days {
		if d.Answered > 0 {
			pts = append(pts, plotter.XY{X: float64(i), Y: d.Satisfied * top})
		}
	}
	if len(pts) > 0 {
		line, err := plotter.NewLine(pts)
		if err != nil {
			return fmt.Errorf("chart line: %w", err)
		}
		line.Color = color.RGBA{R: 200, G: 60, B: 40, A: 255}
		line.Width = vg.Points(2)
		p.Add(line)
		p.Legend.Add("满意率", line)
	}
	p.Y.Min, p.Y.Max = 0, top
	labels := make([]string, len(days))
	step := max(1, len(days)/10)
	for i, d := range days {
		if i%step == 0 {
			labels[i] = d.Date.Format("1月2日")
		}
	}
	p.NominalX(labels...)
	p.X.Tick.Label.Font = cjk
	wt, err := p.WriterTo(vg.Points(720), vg.Points(360), format)
	if err != nil {
		return fmt.Errorf("chart %s: %w", format, err)
	}
	if _, err := wt.WriteTo(w); err != nil {
		return fmt.Errorf("write chart: %w", err)
	}
	return nil
}
