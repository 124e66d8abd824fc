package drift

import (
	"math"

	"github.com/mlsec/mlsec/internal/table"
)

// FromFrame turns a table.Frame into a Table, taking ownership of its
// numeric slices (filtered and sorted in place) so no second copy of a
// large column is made; the frame must not be used afterwards.
func FromFrame(f *table.Frame) *Table {
	t := &Table{Name: f.Name, Rows: f.Rows, Columns: make([]*Column, len(f.Columns))}
	parallel(len(f.Columns), func(i int) { t.Columns[i] = fromTableColumn(f.Columns[i], f.Rows) })
	return t
}

func fromTableColumn(c *table.Column, rows int) *Column {
	out := &Column{Name: c.Name, Rows: rows, Nulls: c.Nulls}
	out.Kind = c.Kind
	switch c.Kind {
	case table.KindNumber:
		out.Integer = c.Integer
		vals := c.Num[:0]
		for _, v := range c.Num {
			switch {
			case math.IsNaN(v):
			case math.IsInf(v, 0):
				out.Inf++
			default:
				vals = append(vals, v)
			}
		}
		sortFloats(vals, nil)
		out.Values = vals
		out.compress()
		c.Num = nil
	default:
		counts := make([]int, len(c.Dict))
		for _, code := range c.Codes {
			if code != table.NullCode {
				counts[code]++
			}
		}
		idx := make([]int, len(c.Dict))
		for i := range idx {
			idx[i] = i
		}
		sortByKey(idx, c.Dict)
		for _, i := range idx {
			if counts[i] > 0 {
				out.Cats = append(out.Cats, c.Dict[i])
				out.Counts = append(out.Counts, counts[i])
			}
		}
		c.Codes = nil
	}
	return out
}

// ProfileFrame builds a profile of a frame (a reference for live checks).
func ProfileFrame(name string, f *table.Frame) *Profile {
	specs := make([]ColumnSpec, len(f.Columns))
	for i, c := range f.Columns {
		specs[i] = ColumnSpec{c.Name, c.Kind}
	}
	p := NewProfile(name, specs)
	p.Rows = int64(f.Rows)
	for i, c := range f.Columns {
		cp := p.Columns[i]
		for r := 0; r < f.Rows; r++ {
			if c.Kind == table.KindNumber {
				cp.AddNumber(c.Num[r], c.Integer)
				continue
			}
			if code := c.Codes[r]; code == table.NullCode {
				cp.AddNull()
			} else {
				cp.AddString(c.Dict[code])
			}
		}
		if c.Kind == table.KindNumber {
			cp.Integer = c.Integer
		}
	}
	return p
}
