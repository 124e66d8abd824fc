package fairness

import (
	"errors"
	"fmt"
	"math"
	"os"
	"slices"

	"github.com/mlsec/mlsec/internal/decfloat"
	"github.com/mlsec/mlsec/internal/table"
)

// Streaming load. table.ReadChunks hands over the table a few thousand
// rows at a time; each chunk is narrowed at once into the compact columns
// Data keeps (one bool per label, the score, one code per sensitive value
// into a dictionary shared across chunks) and let go, so the whole wide
// frame (4 bytes per label cell, per-chunk builders merged into whole
// columns) never exists. This keeps the peak of a million-row report close
// to what Data retains (issue 15: peak RSS under 100 MB).
//
// The stream covers well-formed tables. Anything irregular (a missing or
// third label, a score that is not a number, a text column with too many
// distinct values) stops it with errIrregular and Load reads the file
// again through table.ReadFrame and frameLoader, which decide exactly as
// before: which error comes first, its line and its words. Those are
// error paths, so reading twice costs nothing that matters; the
// differential test TestStreamMatchesFrame holds the two paths equal.

// errIrregular stops the stream: the frame path decides.
var errIrregular = errors.New("fairness: irregular table, read it as a frame")

// labelAcc narrows one label column: up to two distinct values in order
// of first appearance, and per row whether it is the second one, as bit
// shift of the row's two bits in the streamer's outcomes (Data.outcome).
// Which value is positive is known only at the end (Labels needs every
// distinct value of both columns), when the bits are flipped if needed.
type labelAcc struct {
	name  string
	shift uint // 1: true label, 0: prediction
	vals  []LabelValue
	// per chunk: the local index of each dictionary code (-1 unknown).
	byCode []int8
}

func (a *labelAcc) index(lv LabelValue) (int8, bool) {
	for i, v := range a.vals {
		if v.same(lv) {
			return int8(i), true
		}
	}
	if len(a.vals) == 2 {
		return 0, false
	}
	a.vals = append(a.vals, lv)
	return int8(len(a.vals) - 1), true
}

// set marks row r as holding the column's second value.
func (a *labelAcc) set(out []uint8, r int) {
	out[r>>2] |= 1 << (uint(r&3)*2 + a.shift)
}

// add narrows the chunk's rows, from row base on.
func (a *labelAcc) add(c *table.Column, rows, base int, out []uint8) error {
	if c.Kind == table.KindUnknown || c.Nulls > 0 {
		return errIrregular // a missing label (or a column with none)
	}
	if c.Kind == table.KindNumber {
		last, lastIdx := math.NaN(), int8(0)
		for i, v := range c.Num {
			if v != last {
				lv, _ := frameLabel(c, i)
				idx, ok := a.index(lv)
				if !ok {
					return errIrregular
				}
				last, lastIdx = v, idx
			}
			if lastIdx == 1 {
				a.set(out, base+i)
			}
		}
		return nil
	}
	a.byCode = a.byCode[:0]
	for range c.Dict {
		a.byCode = append(a.byCode, -1)
	}
	for i, code := range c.Codes[:rows] {
		idx := a.byCode[code]
		if idx < 0 {
			lv, _ := frameLabel(c, i)
			var ok bool
			if idx, ok = a.index(lv); !ok {
				return errIrregular
			}
			a.byCode[code] = idx
		}
		if idx == 1 {
			a.set(out, base+i)
		}
	}
	return nil
}

// finish turns the column's bits into "is the positive label" given the
// label indexes (in Labels) of its first and second value. Bits past the
// last row may flip too; nothing reads them.
func (a *labelAcc) finish(global func(LabelValue) int, pos int, out []uint8) {
	is := [2]bool{}
	for k, v := range a.vals {
		is[k] = global(v) == pos
	}
	mask := uint8(0b01010101) << a.shift
	switch {
	case is == [2]bool{false, true}:
	case is == [2]bool{true, false}:
		for i := range out {
			out[i] ^= mask
		}
	case is[0]: // one value, the positive one
		for i := range out {
			out[i] |= mask
		}
	default:
		for i := range out {
			out[i] &^= mask
		}
	}
}

// sensAcc narrows one sensitive column to a code per row into a
// dictionary of its distinct values (text, or numbers compared by value),
// one byte a row while there are fewer than 255 values, then four.
type sensAcc struct {
	name  string
	force table.Kind
	kind  table.Kind // KindUnknown until the first value
	redo  bool       // kinds mixed: read again as text
	small []uint8
	codes []uint32 // replaces small past 254 values
	strs  []string
	strIx map[string]uint32
	nums  []float64
	numIx map[float64]uint32
	remap []uint32 // per chunk: chunk code -> code
}

// smallCodes: a column keeps one byte a row while its codes are below it
// (fewer than 255 values, as frameLoader decides).
const smallCodes = uint32(MissingSmall) - 1

func (a *sensAcc) put(code uint32, est int) {
	if a.codes == nil {
		switch {
		case code == MissingCode:
			a.small = append(a.small, MissingSmall)
			return
		case code < smallCodes:
			a.small = append(a.small, uint8(code))
			return
		}
		a.codes = make([]uint32, len(a.small), max(est, 2*len(a.small)+1))
		for i, c := range a.small {
			a.codes[i] = uint32(c)
			if c == MissingSmall {
				a.codes[i] = MissingCode
			}
		}
		a.small = nil
	}
	a.codes = append(a.codes, code)
}

// add narrows one chunk column. The kind is the table reader's: one
// chunk's kind differing from the others' makes the column text, read
// again (table.ReadFrame's rule).
func (a *sensAcc) add(c *table.Column, rows, est int) error {
	if a.redo {
		return nil
	}
	if c.Mixed || (c.Kind != table.KindUnknown && a.kind != table.KindUnknown && c.Kind != a.kind) {
		a.redo = true
		a.small, a.codes, a.strs, a.strIx, a.nums, a.numIx = nil, nil, nil, nil, nil, nil
		return nil
	}
	switch c.Kind {
	case table.KindUnknown: // no value in this chunk
		for range rows {
			a.put(MissingCode, est)
		}
		return nil
	case table.KindNumber:
		a.kind = c.Kind
		if a.numIx == nil {
			a.numIx = map[float64]uint32{}
		}
		var lastBits uint64
		lastCode := MissingCode
		haveLast := false
		for _, v := range c.Num {
			if v != v {
				a.put(MissingCode, est)
				continue
			}
			if b := math.Float64bits(v); haveLast && b == lastBits {
				a.put(lastCode, est)
				continue
			}
			code, ok := a.numIx[v]
			if !ok {
				code = uint32(len(a.nums))
				a.nums = append(a.nums, v)
				a.numIx[v] = code
			} else if v == 0 {
				// 0 and -0 are one value; the last one written names it,
				// as a map keyed by the values would (featureLevels).
				a.nums[code] = v
			}
			lastBits, lastCode, haveLast = math.Float64bits(v), code, true
			a.put(code, est)
		}
		return nil
	}
	a.kind = c.Kind
	if a.strIx == nil {
		a.strIx = map[string]uint32{}
	}
	a.remap = a.remap[:0]
	for _, s := range c.Dict {
		code, ok := a.strIx[s]
		if !ok {
			if len(a.strs) >= maxDistinct {
				return errIrregular // an identifier: the frame path words the error
			}
			code = uint32(len(a.strs))
			a.strs = append(a.strs, s)
			a.strIx[s] = code
		}
		a.remap = append(a.remap, code)
	}
	for _, code := range c.Codes[:rows] {
		if code != table.NullCode {
			code = a.remap[code]
		} else {
			code = MissingCode
		}
		a.put(code, est)
	}
	return nil
}

// feature is the finished column; a column without any value is numeric
// (pandas' float64 NaN) unless its kind was forced.
func (a *sensAcc) feature() Feature {
	f := Feature{Name: a.name, Small: a.small, Codes: a.codes}
	kind := a.kind
	if kind == table.KindUnknown {
		kind = a.force
	}
	if kind == table.KindNumber || kind == table.KindUnknown {
		f.Numeric, f.Values = true, a.nums
		if f.Values == nil {
			f.Values = []float64{}
		}
		return f
	}
	f.Dict = a.strs
	if f.Dict == nil {
		f.Dict = []string{}
	}
	return f
}

// streamer folds chunks into the compact columns.
type streamer struct {
	o      LoadOptions
	size   int64 // input bytes (0: unknown), to size the columns once
	bytes  int64
	rows   int
	sized  bool
	yt, yp labelAcc
	out    []uint8 // both labels, two bits a row (Data.outcomes)
	score  decfloat.Floats
	sens   []*sensAcc
}

// estimate guesses the table's rows from the bytes read so far (5% spare).
func (s *streamer) estimate() int {
	if s.size <= 0 || s.bytes <= 0 {
		return 0
	}
	return int(float64(s.size)/float64(s.bytes)*float64(s.rows)*1.05) + 1024
}

func (s *streamer) add(ch *table.Frame, n int64) error {
	s.rows += ch.Rows
	s.bytes += n
	est := s.estimate()
	if !s.sized && est > 0 {
		// Allocate each column once at its final size rather than growing
		// it by doubling, which needs twice the memory at the end.
		// (The first chunk with a byte count is the first chunk; Grow
		// keeps whatever came before all the same.)
		s.sized = true
		s.out = slices.Grow(s.out, max(0, est/4+1-len(s.out)))
		// Scores are decimals with a few places, as a rule: 4 bytes each;
		// the first that is not moves them all to 8, sized by Cap.
		s.score.Cap = s.estimate
		if s.o.YScore != "" && s.score.Decimal() {
			s.score.Dec = slices.Grow(s.score.Dec, max(0, est-len(s.score.Dec)))
		}
		for _, a := range s.sens {
			if a.codes != nil {
				a.codes = slices.Grow(a.codes, max(0, est-len(a.codes)))
			} else {
				a.small = slices.Grow(a.small, max(0, est-len(a.small)))
			}
		}
	}
	col := func(name string) *table.Column {
		c, _ := ch.Column(name)
		return c
	}
	// Bytes past len(s.out) were never written, so they are zero.
	base, need := s.rows-ch.Rows, (s.rows+3)/4
	s.out = slices.Grow(s.out, need-len(s.out))[:need]
	if err := s.yt.add(col(s.o.YTrue), ch.Rows, base, s.out); err != nil {
		return err
	}
	if err := s.yp.add(col(s.o.YPred), ch.Rows, base, s.out); err != nil {
		return err
	}
	if s.o.YScore != "" {
		c := col(s.o.YScore)
		if c.Kind != table.KindNumber || c.Nulls > 0 {
			return errIrregular // the frame path names the first bad row
		}
		s.score.AppendAll(c.Num)
	}
	for _, a := range s.sens {
		if err := a.add(col(a.name), ch.Rows, est); err != nil {
			return err
		}
	}
	return nil
}

// stream loads the table through table.ReadChunks; errIrregular means the
// frame path must decide.
func stream(path string, topt table.Options, o LoadOptions) (*Data, error) {
	s := &streamer{o: o, yt: labelAcc{name: o.YTrue, shift: 1}, yp: labelAcc{name: o.YPred}}
	if st, err := os.Stat(path); err == nil && st.Mode().IsRegular() {
		s.size = st.Size() // chunks of compressed input say 0 bytes: no estimate
	}
	for _, name := range o.Sensitive {
		s.sens = append(s.sens, &sensAcc{name: name, force: topt.Types[name]})
	}
	if err := table.ReadChunks(path, topt, s.add); err != nil {
		return nil, err
	}
	if err := s.reread(path, topt); err != nil {
		return nil, err
	}
	lab := Labels{PosLabel: o.PosLabel}
	for _, a := range []*labelAcc{&s.yt, &s.yp} {
		for _, v := range a.vals {
			if _, err := lab.Index(v); err != nil {
				return nil, errIrregular // a third value: the frame path names its row
			}
		}
	}
	pos, err := lab.Positive()
	if err != nil {
		return nil, &table.Error{File: path, Column: o.YTrue + ", " + o.YPred, Err: err}
	}
	global := func(v LabelValue) int {
		for i, sv := range lab.Seen() {
			if sv.same(v) {
				return i
			}
		}
		return -1
	}
	s.yt.finish(global, pos, s.out)
	s.yp.finish(global, pos, s.out)
	d := &Data{outcomes: s.out, n: s.rows}
	if o.YScore != "" {
		d.scores = &s.score
	}
	if pos >= 0 {
		d.Source.PosLabel = lab.Seen()[pos].Raw
	}
	for _, a := range s.sens {
		d.Features = append(d.Features, a.feature())
	}
	return d, nil
}

// reread reads the sensitive columns whose kinds mixed again as text.
func (s *streamer) reread(path string, topt table.Options) error {
	var redo []string
	for _, a := range s.sens {
		if a.redo {
			redo = append(redo, a.name)
		}
	}
	if len(redo) == 0 {
		return nil
	}
	o2 := topt
	o2.Columns = redo
	o2.Types = map[string]table.Kind{}
	for _, n := range redo {
		o2.Types[n] = table.KindString
	}
	s2 := &streamer{size: s.size}
	for _, n := range redo {
		s2.sens = append(s2.sens, &sensAcc{name: n, force: table.KindString})
	}
	rows := 0
	err := table.ReadChunks(path, o2, func(ch *table.Frame, n int64) error {
		rows += ch.Rows
		s2.rows, s2.bytes = rows, s2.bytes+n
		est := s2.estimate()
		for _, a := range s2.sens {
			c, _ := ch.Column(a.name)
			if err := a.add(c, ch.Rows, est); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if rows != s.rows {
		return &table.Error{File: path, Err: fmt.Errorf("file changed while it was read (%d rows, then %d)", s.rows, rows)}
	}
	for _, a := range s2.sens {
		for i, b := range s.sens {
			if b.name == a.name {
				s.sens[i] = a
			}
		}
	}
	return nil
}
