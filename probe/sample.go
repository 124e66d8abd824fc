package probe

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/mlsec/mlsec/internal/table"
)

// Kind says which values of a feature are valid.
type Kind string

// Feature kinds.
const (
	// Continuous features take any value in their range.
	Continuous Kind = "continuous"
	// Integer features take whole numbers: probes round them before an
	// input counts.
	Integer Kind = "integer"
	// Categorical features take one of their listed values; they have no
	// order, so the search attacks leave them alone and only the
	// featurewise baseline tries their other values.
	Categorical Kind = "categorical"
)

// Feature is one input column as the probe sees it.
type Feature struct {
	Name string `json:"name"`
	Kind Kind   `json:"kind"`
	// Min and Max bound the values the probe may send (declared, else the
	// smallest and largest in the table).
	Min float64 `json:"min"`
	Max float64 `json:"max"`
	// Values are a categorical feature's valid values (those in the
	// table unless declared).
	Values []float64 `json:"values,omitempty"`
	// Fixed features are never changed (declared, or constant in the
	// table).
	Fixed bool `json:"fixed,omitempty"`
}

// width is the feature's range, 1 for a constant one.
func (f *Feature) width() float64 {
	if w := f.Max - f.Min; w > 0 {
		return w
	}
	return 1
}

// Sample is the table a probe runs on: its features, the rows to probe
// (input units), their row numbers in the table, and their true labels
// when the table has a label column.
type Sample struct {
	// Name is the table's file name; SHA256 its content digest (hex).
	Name   string `json:"name"`
	SHA256 string `json:"sha256,omitempty"`
	// TableRows is how many data rows the table holds.
	TableRows int       `json:"table_rows"`
	Features  []Feature `json:"features"`
	// Label names the label column ("" when there is none).
	Label string `json:"label,omitempty"`
	// Rows are the inputs to probe, Index their 0-based data-row numbers
	// in the table (row 0 is the first row after the header), Labels
	// their true labels (nil without a label column).
	Rows   [][]float64 `json:"-"`
	Index  []int       `json:"-"`
	Labels []string    `json:"-"`
}

// SampleOptions chooses and describes the columns.
type SampleOptions struct {
	// Features are the input columns in the model's order (default:
	// every column but Label).
	Features []string
	// Label is the true-label column (optional for robustness: without
	// it robust accuracy counts unchanged answers; required for
	// permutation importance).
	Label string
	// Fixed, Integer and Categorical declare features' kinds; integer
	// columns are also recognised by their values (whole numbers written
	// without a decimal point).
	Fixed, Integer, Categorical []string
	// Ranges declares [min, max] per feature (default: the table's).
	Ranges map[string][2]float64
	// Rows caps the rows probed: a seeded random choice of that many,
	// in table order (0 = all).
	Rows int
	Seed uint64
	// TrimSpace drops spaces after CSV delimiters (files written with
	// ", ").
	TrimSpace bool
}

// ErrSample is wrapped by every problem with the sample table's content.
var ErrSample = errors.New("unusable sample table")

// LoadSample reads a CSV, JSON Lines or Parquet table (optionally .gz)
// with internal/table and prepares the rows to probe.
func LoadSample(path string, opt SampleOptions) (*Sample, error) {
	f, err := table.ReadFrame(path, table.Options{TrimLeadingSpace: opt.TrimSpace, NullValues: table.PandasNullValues})
	if err != nil {
		return nil, err
	}
	sum, err := fileSHA256(path)
	if err != nil {
		return nil, err
	}
	s, err := FromFrame(f, opt)
	if err != nil {
		return nil, err
	}
	s.Name, s.SHA256 = filepath.Base(path), sum
	return s, nil
}

func fileSHA256(path string) (string, error) {
	fh, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer fh.Close()
	h := sha256.New()
	if _, err := io.Copy(h, fh); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// FromFrame prepares a sample from a loaded table.
func FromFrame(f *table.Frame, opt SampleOptions) (*Sample, error) {
	if f.Rows == 0 {
		return nil, fmt.Errorf("%w: %s has no data rows", ErrSample, f.Name)
	}
	names := opt.Features
	if len(names) == 0 {
		for _, c := range f.Columns {
			if c.Name != opt.Label {
				names = append(names, c.Name)
			}
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%w: %s has no feature column", ErrSample, f.Name)
	}
	for _, lists := range [][]string{opt.Fixed, opt.Integer, opt.Categorical} {
		for _, n := range lists {
			if !slices.Contains(names, n) {
				return nil, fmt.Errorf("%w: %q is not one of the features %q", ErrSample, n, names)
			}
		}
	}
	for n := range opt.Ranges {
		if !slices.Contains(names, n) {
			return nil, fmt.Errorf("%w: range for %q, which is not one of the features %q", ErrSample, n, names)
		}
	}
	cols := make([]*table.Column, len(names))
	s := &Sample{Name: f.Name, TableRows: f.Rows, Label: opt.Label}
	for j, n := range names {
		c, ok := f.Column(n)
		if !ok {
			return nil, fmt.Errorf("%w: %s has no column %q", ErrSample, f.Name, n)
		}
		if n == opt.Label {
			return nil, fmt.Errorf("%w: %q is the label column; it cannot also be a feature", ErrSample, n)
		}
		feat, err := feature(f.Name, c, opt)
		if err != nil {
			return nil, err
		}
		cols[j] = c
		s.Features = append(s.Features, feat)
	}
	var labels *table.Column
	if opt.Label != "" {
		c, ok := f.Column(opt.Label)
		if !ok {
			return nil, fmt.Errorf("%w: %s has no label column %q", ErrSample, f.Name, opt.Label)
		}
		if c.Nulls > 0 {
			return nil, fmt.Errorf("%w: label column %q has %d missing values; drop those rows", ErrSample, opt.Label, c.Nulls)
		}
		labels = c
	}
	s.Index = pick(f.Rows, opt.Rows, opt.Seed)
	for _, i := range s.Index {
		row := make([]float64, len(cols))
		for j, c := range cols {
			row[j] = c.Num[i]
		}
		s.Rows = append(s.Rows, row)
		if labels != nil {
			s.Labels = append(s.Labels, cellText(labels, i))
		}
	}
	return s, nil
}

// feature checks a column and derives its kind and range.
func feature(file string, c *table.Column, opt SampleOptions) (Feature, error) {
	if c.Kind != table.KindNumber {
		ex := ""
		if len(c.Dict) > 0 {
			ex = fmt.Sprintf(" (e.g. %q)", c.Dict[0])
		}
		return Feature{}, fmt.Errorf("%w: %s column %q is %s%s; the probe sends numbers: encode it as numbers, or leave it out with the feature list",
			ErrSample, file, c.Name, c.Kind, ex)
	}
	if c.Nulls > 0 {
		return Feature{}, fmt.Errorf("%w: %s column %q has %d missing values; a model cannot be asked about them: fill or drop those rows", ErrSample, file, c.Name, c.Nulls)
	}
	feat := Feature{Name: c.Name, Kind: Continuous, Min: math.Inf(1), Max: math.Inf(-1)}
	for _, v := range c.Num {
		if math.IsInf(v, 0) {
			return Feature{}, fmt.Errorf("%w: %s column %q holds an infinite value", ErrSample, file, c.Name)
		}
		feat.Min, feat.Max = min(feat.Min, v), max(feat.Max, v)
	}
	switch {
	case slices.Contains(opt.Categorical, c.Name):
		feat.Kind = Categorical
		seen := map[float64]bool{}
		for _, v := range c.Num {
			if !seen[v] {
				seen[v] = true
				feat.Values = append(feat.Values, v)
			}
		}
		slices.Sort(feat.Values)
	case slices.Contains(opt.Integer, c.Name) || c.Integer:
		feat.Kind = Integer
	}
	if r, ok := opt.Ranges[c.Name]; ok {
		if !(r[0] <= r[1]) || r[0] > feat.Min || r[1] < feat.Max {
			return Feature{}, fmt.Errorf("%w: range [%g, %g] of %q must hold every value in the table ([%g, %g])", ErrSample, r[0], r[1], c.Name, feat.Min, feat.Max)
		}
		feat.Min, feat.Max = r[0], r[1]
	}
	feat.Fixed = slices.Contains(opt.Fixed, c.Name) || feat.Max == feat.Min
	return feat, nil
}

// pick returns n of the rows 0..total-1 in order, chosen at random with
// seed (all when n is 0 or at least total).
func pick(total, n int, seed uint64) []int {
	if n <= 0 || n >= total {
		out := make([]int, total)
		for i := range out {
			out[i] = i
		}
		return out
	}
	r := rand.New(rand.NewPCG(seed, 0x5a))
	out := r.Perm(total)[:n]
	slices.Sort(out)
	return out
}

// cellText renders a label cell as text, numbers in Go's shortest form
// (so "1" and "1.0" read alike).
func cellText(c *table.Column, i int) string {
	if c.Kind == table.KindNumber {
		return strconv.FormatFloat(c.Num[i], 'g', -1, 64)
	}
	return c.Dict[c.Codes[i]]
}

// space maps inputs to the attack space, where every feature is scaled to
// its range ([0, 1]), and back.
type space struct{ feats []Feature }

func (sp space) toUnit(x []float64) []float64 {
	u := make([]float64, len(x))
	for j, f := range sp.feats {
		u[j] = (x[j] - f.Min) / f.width()
	}
	return u
}

func (sp space) toInput(u []float64) []float64 {
	x := make([]float64, len(u))
	for j, f := range sp.feats {
		x[j] = f.Min + u[j]*f.width()
	}
	return x
}

// valid makes an input valid in place: in range, integers rounded,
// categories snapped to the nearest listed value, fixed features reset to
// orig.
func (sp space) valid(x, orig []float64) []float64 {
	for j, f := range sp.feats {
		switch {
		case f.Fixed:
			x[j] = orig[j]
			continue
		case f.Kind == Integer:
			x[j] = math.Round(x[j])
		case f.Kind == Categorical:
			best := f.Values[0]
			for _, v := range f.Values {
				if math.Abs(v-x[j]) < math.Abs(best-x[j]) {
					best = v
				}
			}
			x[j] = best
		}
		x[j] = min(max(x[j], f.Min), f.Max)
	}
	return x
}

// hasDiscrete reports whether any changeable feature is integer.
func (sp space) hasDiscrete() bool {
	for _, f := range sp.feats {
		if !f.Fixed && f.Kind == Integer {
			return true
		}
	}
	return false
}

// away rounds integer features away from orig (up when the value grew,
// down when it shrank), in place, so the rounded input lies further along
// the perturbation than the attack's result.
func (sp space) away(x, orig []float64) []float64 {
	for j, f := range sp.feats {
		if f.Kind != Integer {
			continue
		}
		if x[j] > orig[j] {
			x[j] = math.Ceil(x[j])
		} else {
			x[j] = math.Floor(x[j])
		}
	}
	return x
}

// free lists the features search attacks may change.
func (sp space) free() []bool {
	out := make([]bool, len(sp.feats))
	for j, f := range sp.feats {
		out[j] = !f.Fixed && f.Kind != Categorical
	}
	return out
}

// values lists the featurewise candidates per feature (attack space):
// categories, whole numbers (at most 20, evenly spread), nothing for a
// fixed feature, nil for a continuous one.
func (sp space) values() [][]float64 {
	out := make([][]float64, len(sp.feats))
	for j, f := range sp.feats {
		var vals []float64
		switch {
		case f.Fixed:
			out[j] = []float64{}
			continue
		case f.Kind == Categorical:
			vals = f.Values
		case f.Kind == Integer:
			lo, hi := math.Ceil(f.Min), math.Floor(f.Max)
			n := hi - lo + 1
			step := math.Max(1, math.Ceil(n/20))
			for v := lo; v <= hi; v += step {
				vals = append(vals, v)
			}
		default:
			continue
		}
		u := make([]float64, 0, len(vals))
		for _, v := range vals {
			u = append(u, (v-f.Min)/f.width())
		}
		out[j] = u
	}
	return out
}
