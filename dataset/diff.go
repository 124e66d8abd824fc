package dataset

import (
	"context"
	"hash/fnv"
	"math"
	"slices"
	"sort"
	"strconv"

	"github.com/mlsec/mlsec/drift"
	"github.com/mlsec/mlsec/internal/table"
)

// Diff between two versions of a dataset (mlsec data diff): which files
// were added, removed or changed (from the descriptors' digests alone),
// and for a changed table whose two versions are both at hand, how its
// rows and schema changed and whether its columns drifted (the drift
// library, Evidently's procedure).

// FileChange is one file that differs between two versions.
type FileChange struct {
	Path string `json:"path"`
	// Status is added, removed or changed.
	Status    string `json:"status"`
	OldSHA256 string `json:"old_sha256,omitempty"`
	NewSHA256 string `json:"new_sha256,omitempty"`
	OldSize   int64  `json:"old_size,omitempty"`
	NewSize   int64  `json:"new_size,omitempty"`
}

// DiffFiles compares two versions' file lists by path and digest; the
// changes are in path order.
func DiffFiles(old, cur []DFile) (changes []FileChange, unchanged int) {
	byPath := make(map[string]DFile, len(old))
	for _, f := range old {
		byPath[f.Path] = f
	}
	for _, f := range cur {
		o, ok := byPath[f.Path]
		delete(byPath, f.Path)
		switch {
		case !ok:
			changes = append(changes, FileChange{Path: f.Path, Status: "added", NewSHA256: f.SHA256, NewSize: f.Size})
		case o.SHA256 != f.SHA256:
			changes = append(changes, FileChange{Path: f.Path, Status: "changed", OldSHA256: o.SHA256, NewSHA256: f.SHA256, OldSize: o.Size, NewSize: f.Size})
		default:
			unchanged++
		}
	}
	for _, o := range byPath {
		changes = append(changes, FileChange{Path: o.Path, Status: "removed", OldSHA256: o.SHA256, OldSize: o.Size})
	}
	sort.Slice(changes, func(i, j int) bool { return changes[i].Path < changes[j].Path })
	return changes, unchanged
}

// TableDiff is how one table changed between two versions.
type TableDiff struct {
	Path    string `json:"path"`
	OldRows int    `json:"old_rows"`
	NewRows int    `json:"new_rows"`
	// RowsAdded and RowsRemoved compare rows as multisets over the columns
	// both versions have: an edited row is one removed and one added.
	RowsAdded      int            `json:"rows_added"`
	RowsRemoved    int            `json:"rows_removed"`
	ColumnsAdded   []string       `json:"columns_added"`
	ColumnsRemoved []string       `json:"columns_removed"`
	TypeChanges    []ColumnChange `json:"type_changes"`
	// Drift compares the common columns (nil when there is none, or when
	// they could not be compared: DriftError says why).
	Drift      *drift.Report `json:"drift,omitempty"`
	DriftError string        `json:"drift_error,omitempty"`
}

// ColumnChange is a column whose inferred type changed.
type ColumnChange struct {
	Column string `json:"column"`
	Old    string `json:"old"`
	New    string `json:"new"`
}

// DiffTable compares two versions of a table (CSV, TSV, JSON Lines,
// Parquet, optionally gzip-compressed). Each side is loaded once as a
// compact frame (8 bytes per number, 4 per category), plus 8 bytes per
// old row for the row comparison: memory grows with the tables, unlike
// data scan.
func DiffTable(ctx context.Context, oldPath, newPath, name string, opt table.Options) (*TableDiff, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	of, err := table.ReadFrame(oldPath, opt)
	if err != nil {
		return nil, err
	}
	nf, err := table.ReadFrame(newPath, opt)
	if err != nil {
		return nil, err
	}
	d := &TableDiff{Path: name, OldRows: of.Rows, NewRows: nf.Rows, ColumnsAdded: []string{}, ColumnsRemoved: []string{}, TypeChanges: []ColumnChange{}}
	var common []string
	for _, c := range of.Columns {
		n, ok := nf.Column(c.Name)
		if !ok {
			d.ColumnsRemoved = append(d.ColumnsRemoved, c.Name)
			continue
		}
		common = append(common, c.Name)
		if ot, nt := kindName(c), kindName(n); ot != nt {
			d.TypeChanges = append(d.TypeChanges, ColumnChange{Column: c.Name, Old: ot, New: nt})
		}
	}
	for _, c := range nf.Columns {
		if _, ok := of.Column(c.Name); !ok {
			d.ColumnsAdded = append(d.ColumnsAdded, c.Name)
		}
	}
	counts := map[uint64]int{}
	for _, h := range rowHashes(of, common) {
		counts[h]++
	}
	for _, h := range rowHashes(nf, common) {
		if counts[h] > 0 {
			counts[h]--
		} else {
			d.RowsAdded++
		}
	}
	for _, n := range counts {
		d.RowsRemoved += n
	}
	if len(common) > 0 {
		keep := func(f *table.Frame) *table.Frame {
			f.Columns = slices.DeleteFunc(f.Columns, func(c *table.Column) bool { return !slices.Contains(common, c.Name) })
			return f
		}
		rep, err := drift.Compare(drift.FromFrame(keep(of)), drift.FromFrame(keep(nf)), drift.Options{Columns: common})
		if err != nil {
			d.DriftError = err.Error()
		}
		d.Drift = rep
	}
	return d, nil
}

func kindName(c *table.Column) string {
	switch {
	case c.Kind == table.KindNumber && c.Integer:
		return "integer"
	case c.Kind == table.KindNumber:
		return "number"
	case c.Kind == table.KindBool:
		return "bool"
	}
	return "string"
}

// rowHashes returns a 64-bit FNV-1a hash per row over the named columns'
// values: numbers by value in their shortest form (1 and 1.0 are one
// value), so a column read as numbers in one version and as text in the
// other ("1") still matches; null differs from every value.
func rowHashes(f *table.Frame, cols []string) []uint64 {
	out := make([]uint64, f.Rows)
	cs := make([]*table.Column, len(cols))
	for i, name := range cols {
		cs[i], _ = f.Column(name)
	}
	h := fnv.New64a()
	var buf []byte
	for r := range f.Rows {
		h.Reset()
		for _, c := range cs {
			buf = buf[:0]
			switch {
			case c.Kind == table.KindNumber && math.IsNaN(c.Num[r]):
				buf = append(buf, 0)
			case c.Kind == table.KindNumber:
				buf = strconv.AppendFloat(append(buf, 1), c.Num[r]+0, 'g', -1, 64)
			case c.Codes[r] == table.NullCode:
				buf = append(buf, 0)
			default:
				buf = append(append(buf, 1), c.Dict[c.Codes[r]]...)
			}
			buf = append(buf, 0xff) // field separator no value holds in UTF-8
			h.Write(buf)
		}
		out[r] = h.Sum64()
	}
	return out
}
