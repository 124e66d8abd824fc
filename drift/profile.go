package drift

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
)

// ProfileSchema identifies the JSON format of a Profile.
const ProfileSchema = "https://mlsec.dev/drift-profile/v1"

// MaxCategories caps the distinct categories a profile counts per column;
// later new categories are counted together as Other and the column's
// categorical tests become approximate (Truncated).
const MaxCategories = 10000

// Profile is a bounded-memory, mergeable summary of a table (a reference
// built once with 'mlsec drift profile', or one window of live traffic):
// per column a quantile sketch for numbers or capped exact counts for
// strings. Compare two profiles with CompareProfiles. A Profile is not safe
// for concurrent use; give each goroutine its own window and Merge them.
type Profile struct {
	Schema  string           `json:"schema"`
	Name    string           `json:"name"`
	Rows    int64            `json:"rows"`
	Columns []*ColumnProfile `json:"columns"`
}

// ColumnProfile summarises one column.
type ColumnProfile struct {
	Name    string `json:"name"`
	Kind    Kind   `json:"-"`
	Integer bool   `json:"integer"`
	Rows    int64  `json:"rows"`
	Nulls   int64  `json:"nulls"`
	Inf     int64  `json:"infinite"`
	// Numeric is set for KindNumber columns.
	Numeric *Quantiles `json:"numeric,omitempty"`
	// Counts holds category counts for KindString/KindBool columns.
	Counts    map[string]int64 `json:"counts,omitempty"`
	Other     int64            `json:"other,omitempty"`
	Truncated bool             `json:"truncated,omitempty"`
}

// ColumnSpec names a column and its kind for NewProfile.
type ColumnSpec struct {
	Name string
	Kind Kind
}

// NewProfile returns an empty profile with the given columns.
func NewProfile(name string, cols []ColumnSpec) *Profile {
	p := &Profile{Schema: ProfileSchema, Name: name}
	for _, c := range cols {
		cp := &ColumnProfile{Name: c.Name, Kind: c.Kind, Integer: true}
		if c.Kind == KindNumber {
			cp.Numeric = NewQuantiles(0)
		} else {
			cp.Counts = map[string]int64{}
		}
		p.Columns = append(p.Columns, cp)
	}
	return p
}

// NewWindow returns an empty profile with p's columns, for the next window.
func (p *Profile) NewWindow(name string) *Profile {
	specs := make([]ColumnSpec, len(p.Columns))
	for i, c := range p.Columns {
		specs[i] = ColumnSpec{c.Name, c.Kind}
	}
	return NewProfile(name, specs)
}

// Value is one cell for Profile.Update.
type Value struct {
	Null bool
	// Num is the number (IsNum) and Int says it was written as an integer.
	Num   float64
	IsNum bool
	Int   bool
	// Str is the text of a string or bool cell.
	Str string
}

// Update adds one row (one Value per column, in column order).
func (p *Profile) Update(row []Value) error {
	if len(row) != len(p.Columns) {
		return fmt.Errorf("drift: row has %d values, the profile has %d columns", len(row), len(p.Columns))
	}
	p.Rows++
	for i, v := range row {
		c := p.Columns[i]
		switch {
		case v.Null:
			c.AddNull()
		case c.Kind == KindNumber && v.IsNum:
			c.AddNumber(v.Num, v.Int)
		case c.Kind == KindNumber:
			// Text in a numeric column cannot be tested as a number; it is
			// counted as missing, as pandas' to_numeric(errors="coerce").
			c.AddNull()
		default:
			c.AddString(v.Str)
		}
	}
	return nil
}

// AddNull counts a missing value.
func (c *ColumnProfile) AddNull() { c.Rows++; c.Nulls++ }

// AddNumber adds a number to a numeric column.
func (c *ColumnProfile) AddNumber(x float64, isInt bool) {
	c.Rows++
	switch {
	case math.IsNaN(x):
		c.Nulls++
	case math.IsInf(x, 0):
		c.Inf++
		c.Integer = false
	default:
		c.Integer = c.Integer && isInt
		c.Numeric.Add(x)
	}
}

// AddString adds a category to a string or bool column.
func (c *ColumnProfile) AddString(s string) {
	c.Rows++
	if n, ok := c.Counts[s]; ok || len(c.Counts) < MaxCategories {
		c.Counts[s] = n + 1
		return
	}
	c.Other++
	c.Truncated = true
}

// Merge adds o (a profile with the same columns) into p.
func (p *Profile) Merge(o *Profile) error {
	if len(o.Columns) != len(p.Columns) {
		return fmt.Errorf("%w: %d and %d columns", ErrMerge, len(p.Columns), len(o.Columns))
	}
	for i, c := range p.Columns {
		oc := o.Columns[i]
		if oc.Name != c.Name || oc.Kind != c.Kind {
			return fmt.Errorf("%w: column %d is %s (%s) and %s (%s)", ErrMerge, i, c.Name, c.Kind, oc.Name, oc.Kind)
		}
	}
	p.Rows += o.Rows
	for i, c := range p.Columns {
		oc := o.Columns[i]
		c.Rows += oc.Rows
		c.Nulls += oc.Nulls
		c.Inf += oc.Inf
		c.Integer = c.Integer && oc.Integer
		if c.Numeric != nil {
			if err := c.Numeric.Merge(oc.Numeric); err != nil {
				return fmt.Errorf("column %s: %w", c.Name, err)
			}
			continue
		}
		for k, n := range oc.Counts {
			if _, ok := c.Counts[k]; ok || len(c.Counts) < MaxCategories {
				c.Counts[k] += n
			} else {
				c.Other += n
				c.Truncated = true
			}
		}
		c.Other += oc.Other
		c.Truncated = c.Truncated || oc.Truncated
	}
	return nil
}

// column turns the profile of one column into a Column the tests accept:
// exact when the sketch never compacted, else a quantile pseudo-sample with
// the exact count, moments and (while few) distinct values.
func (c *ColumnProfile) column() *Column {
	out := &Column{Name: c.Name, Kind: c.Kind, Integer: c.Integer, Rows: int(c.Rows), Nulls: int(c.Nulls), Inf: int(c.Inf)}
	if c.Kind != KindNumber {
		for k := range c.Counts {
			out.Cats = append(out.Cats, k)
		}
		sort.Strings(out.Cats)
		for _, k := range out.Cats {
			out.Counts = append(out.Counts, int(c.Counts[k]))
		}
		if c.Other > 0 {
			// Categories past the cap are one "other" bucket: approximate.
			out.Cats = append(out.Cats, "\x00other")
			out.Counts = append(out.Counts, int(c.Other))
		}
		return out
	}
	q := c.Numeric
	if q.N == 0 {
		return out
	}
	if !q.Many {
		// Few distinct values, all counted exactly: the column is exact.
		for v := range q.Distinct {
			out.Values = append(out.Values, v)
		}
		slices.Sort(out.Values)
		out.Weights = make([]int, len(out.Values))
		for i, v := range out.Values {
			out.Weights[i] = int(q.Distinct[v])
		}
		return out
	}
	out.Values = q.sample(pseudoSampleSize)
	if !q.exact() {
		out.approx, out.n = true, int(q.N)
		out.mean, out.std = q.Mean, q.Std()
		it := q.items()
		out.wVals = make([]float64, len(it))
		out.wCum = make([]float64, len(it)+1)
		for i, x := range it {
			out.wVals[i] = x.v
			out.wCum[i+1] = out.wCum[i] + float64(x.w)
		}
	}
	return out
}

// Table returns the profile as a table for Compare.
func (p *Profile) Table() *Table {
	t := &Table{Name: p.Name, Rows: int(p.Rows)}
	for _, c := range p.Columns {
		t.Columns = append(t.Columns, c.column())
	}
	return t
}

// CompareProfiles runs Compare on two profiles (reference, then a window).
func CompareProfiles(ref, cur *Profile, opt Options) (*Report, error) {
	rep, err := Compare(ref.Table(), cur.Table(), opt)
	if err != nil {
		return nil, err
	}
	for _, c := range append(ref.Columns, cur.Columns...) {
		if c.Truncated {
			rep.Approximate = true
		}
	}
	return rep, nil
}

// MarshalJSON implements json.Marshaler.
func (c *ColumnProfile) MarshalJSON() ([]byte, error) {
	type plain ColumnProfile
	w := struct {
		*plain
		Kind     string       `json:"kind"`
		Distinct [][2]float64 `json:"distinct,omitempty"`
	}{plain: (*plain)(c), Kind: c.Kind.String()}
	if c.Numeric != nil && !c.Numeric.Many {
		for v, n := range c.Numeric.Distinct {
			w.Distinct = append(w.Distinct, [2]float64{v, float64(n)})
		}
		slices.SortFunc(w.Distinct, func(a, b [2]float64) int { return cmp.Compare(a[0], b[0]) })
	}
	return json.Marshal(w)
}

// UnmarshalJSON implements json.Unmarshaler.
func (c *ColumnProfile) UnmarshalJSON(b []byte) error {
	type plain ColumnProfile
	w := struct {
		*plain
		Kind     string       `json:"kind"`
		Distinct [][2]float64 `json:"distinct"`
	}{plain: (*plain)(c)}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	switch w.Kind {
	case "number":
		c.Kind = KindNumber
		if c.Numeric == nil {
			return fmt.Errorf("column %q: a number column needs a numeric sketch", c.Name)
		}
		c.Numeric.seed = 0x9e3779b97f4a7c15
		if c.Numeric.K < 2 || len(c.Numeric.Levels) == 0 {
			return fmt.Errorf("column %q: invalid sketch", c.Name)
		}
		if !c.Numeric.Many {
			c.Numeric.Distinct = map[float64]int64{}
			for _, d := range w.Distinct {
				c.Numeric.Distinct[d[0]] = int64(d[1])
			}
		}
	case "string", "bool":
		c.Kind = KindString
		if w.Kind == "bool" {
			c.Kind = KindBool
		}
		if c.Numeric != nil {
			return fmt.Errorf("column %q: a %s column has a numeric sketch", c.Name, w.Kind)
		}
		if c.Counts == nil {
			c.Counts = map[string]int64{}
		}
	default:
		return fmt.Errorf("column %q: kind %q (want number, string or bool)", c.Name, w.Kind)
	}
	return nil
}

// WriteProfile writes p as JSON.
func WriteProfile(w io.Writer, p *Profile) error {
	enc := json.NewEncoder(w)
	return enc.Encode(p)
}

// MaxProfileBytes bounds what ReadProfile accepts.
const MaxProfileBytes = 256 << 20

// ErrProfile is wrapped by ReadProfile's errors.
var ErrProfile = errors.New("invalid drift profile")

// ReadProfile reads a profile written by WriteProfile and checks that it is
// internally consistent (a profile may come from another replica or a
// file: a hostile one must not crash or mislead the comparison).
func ReadProfile(r io.Reader) (*Profile, error) {
	var p Profile
	data, err := io.ReadAll(io.LimitReader(r, MaxProfileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrProfile, err)
	}
	if len(data) > MaxProfileBytes {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrProfile, MaxProfileBytes)
	}
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrProfile, err)
	}
	if p.Schema != ProfileSchema {
		return nil, fmt.Errorf("%w: schema %q, want %q", ErrProfile, p.Schema, ProfileSchema)
	}
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrProfile, err)
	}
	return &p, nil
}

func (p *Profile) validate() error {
	if p.Rows < 0 || len(p.Columns) == 0 {
		return fmt.Errorf("rows %d, %d columns", p.Rows, len(p.Columns))
	}
	seen := map[string]bool{}
	for _, c := range p.Columns {
		if c == nil || c.Name == "" || seen[c.Name] {
			return errors.New("a column is unnamed or named twice")
		}
		seen[c.Name] = true
		if c.Rows < 0 || c.Nulls < 0 || c.Inf < 0 || c.Other < 0 || c.Rows > p.Rows || c.Nulls+c.Inf > c.Rows {
			return fmt.Errorf("column %q: inconsistent counts", c.Name)
		}
		var values int64
		if c.Numeric != nil {
			if err := c.Numeric.validate(); err != nil {
				return fmt.Errorf("column %q: %w", c.Name, err)
			}
			values = c.Numeric.N
		} else {
			if len(c.Counts) > MaxCategories {
				return fmt.Errorf("column %q: more than %d categories", c.Name, MaxCategories)
			}
			values = c.Other
			for _, n := range c.Counts {
				if n <= 0 {
					return fmt.Errorf("column %q: a category count is not positive", c.Name)
				}
				values += n
			}
		}
		if values+c.Nulls+c.Inf != c.Rows {
			return fmt.Errorf("column %q: %d values, %d missing and %d infinite do not add up to %d rows", c.Name, values, c.Nulls, c.Inf, c.Rows)
		}
	}
	return nil
}

// maxSketchK bounds a sketch's capacity read from a profile.
const maxSketchK = 1 << 16

func (q *Quantiles) validate() error {
	if q.K < 2 || q.K > maxSketchK || q.K%2 != 0 || len(q.Levels) == 0 || len(q.Levels) > 62 || q.N < 0 {
		return fmt.Errorf("sketch k=%d with %d levels", q.K, len(q.Levels))
	}
	var weight int64
	for h, lv := range q.Levels {
		if len(lv) > q.K {
			return fmt.Errorf("sketch level %d holds %d items, more than k", h, len(lv))
		}
		for i, v := range lv {
			if math.IsNaN(v) || math.IsInf(v, 0) || (q.N > 0 && (v < q.Min || v > q.Max)) {
				return fmt.Errorf("sketch level %d: value %g outside [min, max]", h, v)
			}
			if h > 0 && i > 0 && v < lv[i-1] {
				return fmt.Errorf("sketch level %d is not sorted", h)
			}
		}
		weight += int64(len(lv)) << h
	}
	// Compaction keeps the total weight; an odd leftover may stay behind.
	if weight != q.N {
		return fmt.Errorf("sketch weights %d do not add up to n=%d", weight, q.N)
	}
	for _, x := range []float64{q.Mean, q.M2, q.Min, q.Max} {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return errors.New("sketch moments are not finite")
		}
	}
	if q.M2 < 0 || q.Min > q.Max {
		return errors.New("sketch moments are inconsistent")
	}
	if !q.Many {
		var n int64
		for v, c := range q.Distinct {
			if c <= 0 || math.IsNaN(v) {
				return errors.New("sketch distinct counts are invalid")
			}
			n += c
		}
		if n != q.N || len(q.Distinct) > maxExactDistinct {
			return errors.New("sketch distinct counts do not add up")
		}
	}
	return nil
}
