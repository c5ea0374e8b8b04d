package classify

import (
	"strings"

	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/textnorm"
)

// CategoryDef is a configured category (config intake.categories).
type CategoryDef struct {
	Code, Label, Name string
	Keywords          []string // a description containing one is this category, whatever the model says
}

// Folding is m reading text through textnorm.Fold first: traditional
// characters and full-width forms read as the simplified training data.
func Folding(m *Model) *Model {
	return m.WithNormalize(func(s string) string { return Normalize(textnorm.Fold(s)) })
}

// Categorizer maps a description onto the deployment's categories: a
// keyword match first, else the model's label through the category whose
// label it is.
type Categorizer struct {
	model *Model // reads text already folded
	cats  []CategoryDef
	byLab map[string]int
}

// NewCategorizer builds a categorizer; the model reads text folded by
// textnorm (traditional characters and full-width forms understood).
func NewCategorizer(m *Model, cats []CategoryDef) *Categorizer {
	c := &Categorizer{model: m.WithNormalize(Normalize), cats: cats, byLab: map[string]int{}}
	for i, d := range cats {
		label := d.Label
		if label == "" {
			label = d.Name
		}
		c.byLab[label] = i
	}
	return c
}

// Categorize suggests the category of a description, and its second-level
// category (Subcategory) where the taxonomy knows the first-level label and
// the text's words point to one. A model label that no configured category
// carries gives the label itself as the name, without code.
func (c *Categorizer) Categorize(text string) intake.Category {
	folded := textnorm.Fold(text)
	for _, d := range c.cats {
		for _, k := range d.Keywords {
			if k != "" && strings.Contains(folded, textnorm.Fold(k)) {
				level1 := d.Label
				if level1 == "" {
					level1 = d.Name
				}
				return intake.Category{Code: d.Code, Name: d.Name, Confidence: 1, Subcategory: subcategory(level1, folded)}
			}
		}
	}
	// The text is folded once, here, for the keywords, the model and the
	// second level: folding is half the cost of an SMS otherwise.
	label, conf := c.model.Classify(folded)
	conf = float64(int(conf*100+0.5)) / 100 // two decimals are all it is worth
	sub := subcategory(label, folded)
	if i, ok := c.byLab[label]; ok {
		return intake.Category{Code: c.cats[i].Code, Name: c.cats[i].Name, Confidence: conf, Subcategory: sub}
	}
	return intake.Category{Name: label, Confidence: conf, Subcategory: sub}
}
