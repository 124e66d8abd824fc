package fairness

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// MissingCode marks a missing value in Feature.Codes.
const MissingCode = ^uint32(0)

// MissingSmall marks a missing value in Feature.Small.
const MissingSmall = ^uint8(0)

// Feature is one sensitive column: numeric (Num, NaN = missing) or not
// (Codes into Dict, MissingCode = missing). An empty string in Dict counts
// as missing too. Small replaces Codes when set: one byte a row for a
// column of fewer than 255 distinct values (MissingSmall = missing), which
// is what Load builds for such columns so 1M rows cost 1 MB, not 4. A
// numeric column may be coded the same way: Num nil, Codes or Small into
// Values, its distinct numbers (Load builds that; NaN is never a value).
type Feature struct {
	Name    string
	Numeric bool
	Num     []float64
	Values  []float64
	Codes   []uint32
	Small   []uint8
	Dict    []string
	// MissingLine is the file line of the first missing value, when the
	// loader knows it (for the error message).
	MissingLine int64
}

func (f *Feature) rows() int {
	if f.Numeric && f.Num != nil {
		return len(f.Num)
	}
	if f.Small != nil {
		return len(f.Small)
	}
	return len(f.Codes)
}

// code is row i's code into Dict (MissingCode when missing), from Small
// or Codes.
func (f *Feature) code(i int) uint32 {
	if f.Small != nil {
		if c := f.Small[i]; c != MissingSmall {
			return uint32(c)
		}
		return MissingCode
	}
	return f.Codes[i]
}

// MissingPolicy says what a missing sensitive value does (--missing).
type MissingPolicy string

// Missing-value policies. Auto is fairlearn's behaviour: a NaN in a
// numeric column leaves the row out of every group (it stays in overall),
// a missing string is an error.
const (
	MissingAuto  MissingPolicy = "auto"
	MissingError MissingPolicy = "error"
	MissingDrop  MissingPolicy = "drop"
	MissingGroup MissingPolicy = "group"
)

// ParseMissing parses a --missing value.
func ParseMissing(s string) (MissingPolicy, error) {
	switch p := MissingPolicy(s); p {
	case MissingAuto, MissingError, MissingDrop, MissingGroup:
		return p, nil
	case "":
		return MissingAuto, nil
	}
	return "", fmt.Errorf("missing-value policy %q: want auto, error, drop or group", s)
}

// ErrMissingValue is wrapped by the error for a missing sensitive value the
// policy does not allow.
var ErrMissingValue = errors.New("missing sensitive value")

// MissingValueError names the column and the first row (0-based data row)
// with a missing value.
type MissingValueError struct {
	Column string
	Row    int
	// Line is the file line of that row when known (0: unknown).
	Line   int64
	Policy MissingPolicy
}

func (e *MissingValueError) Error() string {
	hint := "use --missing drop to leave such rows out of every group (they stay in overall) or --missing group to make them a group of their own"
	if e.Line > 0 {
		// The caller prefixes file:line.
		return fmt.Sprintf("column %q: missing sensitive value; %s", e.Column, hint)
	}
	return fmt.Sprintf("column %q: missing sensitive value (data row %d); %s", e.Column, e.Row+1, hint)
}

func (e *MissingValueError) Unwrap() error { return ErrMissingValue }

// Level is the value of one sensitive column for a group. Missing is the
// group of missing values under --missing group, labelled "".
type Level struct {
	Numeric bool
	Num     float64
	Str     string
	Missing bool
}

func (l Level) String() string {
	switch {
	case l.Missing:
		return `""`
	case l.Numeric:
		return strconv.FormatFloat(l.Num, 'g', -1, 64)
	}
	return l.Str
}

// MarshalJSON writes a number for a numeric level, else a string.
func (l Level) MarshalJSON() ([]byte, error) {
	if l.Numeric && !l.Missing {
		return Number(l.Num).MarshalJSON()
	}
	return json.Marshal(l.Str)
}

// GroupKey is a group: one level per sensitive column, in column order.
type GroupKey struct {
	Columns []string
	Levels  []Level
}

// String renders the group as col=value, col=value.
func (k GroupKey) String() string {
	parts := make([]string, len(k.Levels))
	for i, l := range k.Levels {
		parts[i] = k.Columns[i] + "=" + l.String()
	}
	return strings.Join(parts, ", ")
}

// Label renders the group's values only (value × value), for charts.
func (k GroupKey) Label() string {
	parts := make([]string, len(k.Levels))
	for i, l := range k.Levels {
		parts[i] = l.String()
	}
	return strings.Join(parts, " × ")
}

// MarshalJSON writes {column: value, ...} in column order.
func (k GroupKey) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, c := range k.Columns {
		if i > 0 {
			b.WriteByte(',')
		}
		name, _ := json.Marshal(c)
		b.Write(name)
		b.WriteByte(':')
		v, err := k.Levels[i].MarshalJSON()
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// denseCells bounds the cross product of levels counted in an array
// (larger products are counted through a map of the combinations present).
const denseCells = 1 << 16

// maxEmptyListed bounds the empty intersectional cells listed by name.
const maxEmptyListed = 1000

// grouping is the assignment of rows to groups.
type grouping struct {
	cell       cells // per row: index into groups, -1 for no group
	groups     []GroupKey
	empty      []GroupKey
	emptyTotal int
	ungrouped  int64
}

// cells holds each row's group: in one byte (the group's index + 1, 0 for
// no group) when there are fewer than 255 groups, as there are in almost
// every report, else as an int32 index (-1 for no group). A million rows
// cost 1 MB rather than 4 at the report's peak.
type cells struct {
	small []uint8
	wide  []int32
}

func (c *cells) at(r int) int32 {
	if c.small != nil {
		return int32(c.small[r]) - 1
	}
	return c.wide[r]
}

// rowLevels gives each row's level index (-1: left out of every group):
// per row for a numeric column, through its codes for a string column (so
// no per-row copy is made).
type rowLevels struct {
	idx   []int32
	codes []uint32
	small []uint8 // used instead of codes when set
	remap []int32 // code -> level
	miss  int32   // level of MissingCode
}

func (l *rowLevels) at(r int) int32 {
	if l.idx != nil {
		return l.idx[r]
	}
	if l.small != nil {
		if c := l.small[r]; c != MissingSmall {
			return l.remap[c]
		}
		return l.miss
	}
	if c := l.codes[r]; c != MissingCode {
		return l.remap[c]
	}
	return l.miss
}

// featureLevels computes the sorted levels of one feature and each row's
// level.
func featureLevels(f *Feature, policy MissingPolicy) ([]Level, *rowLevels, error) {
	n := f.rows()
	var idx []int32
	var lv []Level
	missingRow := -1
	if f.Numeric && f.Num == nil {
		return codedLevels(f, policy)
	}
	if f.Numeric {
		distinct := map[float64]struct{}{}
		for i, v := range f.Num {
			if math.IsNaN(v) {
				if missingRow < 0 {
					missingRow = i
				}
				continue
			}
			distinct[v] = struct{}{}
		}
		vals := make([]float64, 0, len(distinct))
		for v := range distinct {
			vals = append(vals, v)
		}
		slices.Sort(vals)
		pos := make(map[float64]int32, len(vals))
		for i, v := range vals {
			pos[v] = int32(i)
			lv = append(lv, Level{Numeric: true, Num: v})
		}
		miss := int32(-1)
		if policy == MissingGroup && missingRow >= 0 {
			miss = int32(len(lv)) // numpy sorts NaN last
			lv = append(lv, Level{Numeric: true, Missing: true})
		}
		idx = make([]int32, n)
		var last float64
		var lastIdx int32 = -2
		for i, v := range f.Num {
			switch {
			case math.IsNaN(v):
				idx[i] = miss
			case v == last && lastIdx != -2:
				idx[i] = lastIdx
			default:
				idx[i] = pos[v]
				last, lastIdx = v, idx[i]
			}
		}
	} else {
		isMissing := make([]bool, len(f.Dict))
		order := make([]int, 0, len(f.Dict))
		for c, s := range f.Dict {
			if s == "" {
				isMissing[c] = true
				continue
			}
			order = append(order, c)
		}
		slices.SortFunc(order, func(a, b int) int { return strings.Compare(f.Dict[a], f.Dict[b]) })
		for i := range n {
			if c := f.code(i); c == MissingCode || (int(c) < len(isMissing) && isMissing[c]) {
				missingRow = i
				break
			}
		}
		remap := make([]int32, len(f.Dict))
		for i := range remap {
			remap[i] = -1
		}
		if policy == MissingGroup && missingRow >= 0 {
			lv = append(lv, Level{Missing: true}) // "" sorts first
		}
		for _, c := range order {
			remap[c] = int32(len(lv))
			lv = append(lv, Level{Str: f.Dict[c]})
		}
		var miss int32 = -1
		if policy == MissingGroup && missingRow >= 0 {
			miss = 0
		}
		for c := range remap {
			if isMissing[c] {
				remap[c] = miss
			}
		}
		for i := range n {
			if c := f.code(i); c != MissingCode && int(c) >= len(remap) {
				return nil, nil, fmt.Errorf("column %q: row %d: code %d outside the dictionary", f.Name, i+1, c)
			}
		}
		if missingRow >= 0 && (policy == MissingError || policy == MissingAuto) {
			return nil, nil, &MissingValueError{Column: f.Name, Row: missingRow, Line: f.MissingLine, Policy: policy}
		}
		return lv, &rowLevels{codes: f.Codes, small: f.Small, remap: remap, miss: miss}, nil
	}
	if missingRow >= 0 && policy == MissingError {
		return nil, nil, &MissingValueError{Column: f.Name, Row: missingRow, Line: f.MissingLine, Policy: policy}
	}
	return lv, &rowLevels{idx: idx}, nil
}

// codedLevels is featureLevels for a numeric column coded into Values:
// the same levels (sorted numbers; missing rows out of every group, or a
// group sorted last under --missing group) without a per-row copy.
func codedLevels(f *Feature, policy MissingPolicy) ([]Level, *rowLevels, error) {
	n := f.rows()
	missingRow := -1
	for i := range n {
		if f.code(i) == MissingCode {
			missingRow = i
			break
		}
	}
	order := make([]int, len(f.Values))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(f.Values[a], f.Values[b]) })
	remap := make([]int32, len(f.Values))
	lv := make([]Level, 0, len(f.Values)+1)
	for _, c := range order {
		remap[c] = int32(len(lv))
		lv = append(lv, Level{Numeric: true, Num: f.Values[c]})
	}
	miss := int32(-1)
	if policy == MissingGroup && missingRow >= 0 {
		miss = int32(len(lv)) // numpy sorts NaN last
		lv = append(lv, Level{Numeric: true, Missing: true})
	}
	for i := range n {
		if c := f.code(i); c != MissingCode && int(c) >= len(remap) {
			return nil, nil, fmt.Errorf("column %q: row %d: code %d outside the values", f.Name, i+1, c)
		}
	}
	if missingRow >= 0 && policy == MissingError {
		return nil, nil, &MissingValueError{Column: f.Name, Row: missingRow, Line: f.MissingLine, Policy: policy}
	}
	return lv, &rowLevels{codes: f.Codes, small: f.Small, remap: remap, miss: miss}, nil
}

// group assigns rows to intersectional groups: the cross product of the
// columns' levels in lexicographic order (fairlearn's
// MultiIndex.from_product), empty combinations listed apart.
func group(features []Feature, n int, policy MissingPolicy) (*grouping, error) {
	if len(features) == 0 {
		return nil, errors.New("no sensitive column")
	}
	names := make([]string, len(features))
	levels := make([][]Level, len(features))
	rowLv := make([]*rowLevels, len(features))
	product := uint64(1)
	overflow := false
	for i := range features {
		f := &features[i]
		names[i] = f.Name
		if f.rows() != n {
			return nil, fmt.Errorf("column %q has %d values for %d rows", f.Name, f.rows(), n)
		}
		lv, idx, err := featureLevels(f, policy)
		if err != nil {
			return nil, err
		}
		levels[i], rowLv[i] = lv, idx
		if len(lv) > 0 && product > math.MaxUint64/uint64(len(lv)) {
			overflow = true
		}
		product *= uint64(len(lv))
	}
	if overflow {
		return nil, errors.New("too many combinations of sensitive values to form intersectional groups")
	}
	g := &grouping{}
	key := func(r int) (uint64, bool) {
		k := uint64(0)
		for i := range rowLv {
			l := rowLv[i].at(r)
			if l < 0 {
				return 0, false
			}
			k = k*uint64(len(levels[i])) + uint64(l)
		}
		return k, true
	}
	keyOf := func(k uint64) GroupKey {
		gk := GroupKey{Columns: names, Levels: make([]Level, len(levels))}
		for i := len(levels) - 1; i >= 0; i-- {
			m := uint64(len(levels[i]))
			gk.Levels[i] = levels[i][k%m]
			k /= m
		}
		return gk
	}
	if product <= denseCells {
		// Which combinations occur, so groups get their final, sorted
		// indexes; each row's group is then written once in its final
		// width. Under 255 combinations (the usual case) the first pass
		// stores each row's combination + 1 in a byte, renumbered in
		// place; otherwise the rows' keys are computed twice.
		seen := make([]int32, product)
		if product < 255 {
			g.cell.small = make([]uint8, n)
			for r := 0; r < n; r++ {
				if k, ok := key(r); ok {
					seen[k] = 1
					g.cell.small[r] = uint8(k + 1)
				} else {
					g.ungrouped++
				}
			}
		} else {
			for r := 0; r < n; r++ {
				if k, ok := key(r); ok {
					seen[k] = 1
				}
			}
		}
		for k := range seen {
			if seen[k] == 0 {
				if len(features) > 1 {
					g.emptyTotal++
					if len(g.empty) < maxEmptyListed {
						g.empty = append(g.empty, keyOf(uint64(k)))
					}
				}
				seen[k] = -1
				continue
			}
			seen[k] = int32(len(g.groups))
			g.groups = append(g.groups, keyOf(uint64(k)))
		}
		if g.cell.small != nil {
			var renum [256]uint8 // combination + 1 -> group + 1
			for k, id := range seen {
				renum[k+1] = uint8(id + 1)
			}
			for r, c := range g.cell.small {
				g.cell.small[r] = renum[c]
			}
			return g, nil
		}
		if len(g.groups) < 255 {
			g.cell.small = make([]uint8, n)
		} else {
			g.cell.wide = make([]int32, n)
		}
		for r := 0; r < n; r++ {
			id := int32(-1)
			if k, ok := key(r); ok {
				id = seen[k]
			} else {
				g.ungrouped++
			}
			if g.cell.small != nil {
				g.cell.small[r] = uint8(id + 1)
			} else {
				g.cell.wide[r] = id
			}
		}
		return g, nil
	}
	g.cell.wide = make([]int32, n)
	ids := map[uint64]int32{}
	keys := []uint64{}
	for r := 0; r < n; r++ {
		k, ok := key(r)
		if !ok {
			g.cell.wide[r] = -1
			g.ungrouped++
			continue
		}
		id, ok := ids[k]
		if !ok {
			id = int32(len(keys))
			ids[k] = id
			keys = append(keys, k)
		}
		g.cell.wide[r] = id
	}
	sorted := slices.Clone(keys)
	slices.Sort(sorted)
	rank := make([]int32, len(keys))
	for i, k := range sorted {
		rank[ids[k]] = int32(i)
		g.groups = append(g.groups, keyOf(k))
	}
	for r, c := range g.cell.wide {
		if c >= 0 {
			g.cell.wide[r] = rank[c]
		}
	}
	g.emptyTotal = int(product) - len(keys)
	// Too many combinations to list the empty ones by name; only counted.
	return g, nil
}
