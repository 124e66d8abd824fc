package table

import (
	"fmt"
	"io"
	"math"
	"slices"
)

// Frame is selected columns loaded into compact typed storage: 8 bytes per
// numeric cell, 4 bytes per string or bool cell plus its dictionary.
type Frame struct {
	Name    string
	Rows    int
	Columns []*Column
}

// Column returns the column called name.
func (f *Frame) Column(name string) (*Column, bool) {
	for _, c := range f.Columns {
		if c.Name == name {
			return c, true
		}
	}
	return nil, false
}

// Column is one column of a Frame.
type Column struct {
	Name string
	// Kind is forced (Options.Types) or inferred: KindNumber if every
	// non-null value is a number (and for a column with no values at all,
	// as pandas gives float64), KindBool if every one is a bool, otherwise
	// KindString (a column mixing numbers and text is text, as written).
	Kind Kind
	// Integer: KindNumber and every non-null value an integer literal, with
	// at least one such value (pandas gives int64 if Nulls is also 0).
	Integer bool
	// Num (KindNumber) has one value per row, NaN for null.
	Num []float64
	// Codes (KindString, KindBool) has one index into Dict per row,
	// NullCode for null.
	Codes []uint32
	// Dict holds the distinct non-null values in order of first appearance;
	// a bool column's are "true" and "false".
	Dict []string
	// Nulls counts null rows. In a numeric column a NaN value (a literal
	// "nan") is null too, as in pandas.
	Nulls int
	// Mixed is set only in a ReadChunks chunk: the column's values mixed
	// kinds within the chunk, so the column is text and must be read
	// again as KindString.
	Mixed bool
}

// NullCode is the code of a null in Column.Codes.
const NullCode = ^uint32(0)

// Unique counts the distinct non-null values; numbers are compared by
// value (so 1 and 1.0 are one value, and -0 equals 0).
func (c *Column) Unique() int {
	if c.Kind != KindNumber {
		return len(c.Dict)
	}
	seen := make(map[float64]struct{})
	for _, v := range c.Num {
		if v == v { // not NaN
			seen[v+0] = struct{}{} // +0 turns -0 into 0
		}
	}
	return len(seen)
}

// ReadFrame loads the selected columns of the table at path. It reads the
// file once, and a second time only for a column whose first non-null
// values looked like numbers (or bools) and a later one did not: such a
// column is text, and its earlier values are re-read as written.
func ReadFrame(path string, opt Options) (*Frame, error) {
	fr, redo, err := readFrameOnce(path, opt, true)
	if err == errFallback {
		fr, redo, err = readFrameOnce(path, opt, false)
	}
	if err != nil {
		return nil, err
	}
	if len(redo) == 0 {
		return fr, nil
	}
	o2 := opt
	o2.Columns = redo
	o2.Types = map[string]Kind{}
	for _, n := range redo {
		o2.Types[n] = KindString
	}
	fr2, _, err := readFrameOnce(path, o2, true)
	if err == errFallback {
		fr2, _, err = readFrameOnce(path, o2, false)
	}
	if err != nil {
		return nil, err
	}
	if fr2.Rows != fr.Rows {
		return nil, &Error{File: path, Err: fmt.Errorf("file changed while it was read (%d rows, then %d)", fr.Rows, fr2.Rows)}
	}
	for i, c := range fr.Columns {
		if c2, ok := fr2.Column(c.Name); ok && slices.Contains(redo, c.Name) {
			fr.Columns[i] = c2
		}
	}
	return fr, nil
}

func readFrameOnce(path string, opt Options, parallel bool) (*Frame, []string, error) {
	rd, err := Open(path, opt)
	if err != nil {
		return nil, nil, err
	}
	defer rd.Close()
	fr := &Frame{Name: path}
	bs := make([]*colBuilder, len(rd.cols))
	for i, n := range rd.cols {
		bs[i] = &colBuilder{c: &Column{Name: n}, force: rd.force[i]}
		fr.Columns = append(fr.Columns, bs[i].c)
	}
	hinted := false
	if ps, ok := rd.src.(*parquetSource); ok {
		// NumRows comes from the file: trust it as a capacity only as far
		// as the file's size makes it plausible.
		hint := min(ps.f.NumRows(), max(ps.size, 1<<16))
		if rd.max > 0 {
			hint = min(hint, rd.max)
		}
		for i, b := range bs {
			b.hint = int(hint)
			// Numbers go to Num only: their text is needed just when the
			// column is read as a string.
			ps.conv[i].noText = b.force != KindString
		}
		hinted = true
	}
	if parallel && useParallel(rd) {
		if err := readFrameParallel(path, rd, fr, bs); err != nil {
			return nil, nil, err
		}
		if fr.Rows == 0 {
			return nil, nil, &Error{File: rd.name, Err: wrapf(ErrEmpty, "no data rows")}
		}
		return finishFrame(fr, bs)
	}
	for {
		line, err := rd.nextFields()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		for i := range rd.fields {
			if err := bs[i].add(&rd.fields[i], rd.nulls); err != nil {
				return nil, nil, &Error{File: rd.name, Line: line, Column: rd.cols[i], Err: err}
			}
		}
		fr.Rows++
		if _, ok := rd.src.(buffering); ok && !hinted && fr.Rows == 4096 && rd.count != nil && rd.size > 0 {
			// Size the columns once from the bytes per row so far, so
			// growing them does not double the memory at the end.
			unparsed := rd.src.(buffering).buffered()
			if rd.sniffed != nil {
				unparsed += rd.sniffed.Buffered()
			}
			used := max(rd.count.n-int64(unparsed), 1)
			est := int(float64(rd.size)/float64(used)*float64(fr.Rows)*1.05) + 1024
			if rd.max > 0 {
				est = min(est, int(rd.max))
			}
			for _, b := range bs {
				b.reserve(est)
			}
			hinted = true
		}
	}
	return finishFrame(fr, bs)
}

// finishFrame fixes each column's kind and lists the columns to re-read
// as text.
func finishFrame(fr *Frame, bs []*colBuilder) (*Frame, []string, error) {
	var redo []string
	for _, b := range bs {
		if b.redo {
			redo = append(redo, b.c.Name)
			continue
		}
		b.finish(fr.Rows)
	}
	return fr, redo, nil
}

// buffering sources say how many bytes they have read but not parsed.
type buffering interface{ buffered() int }

var (
	_ buffering = (*csvSource)(nil)
	_ buffering = (*jsonlSource)(nil)
)

func (s *csvSource) buffered() int   { return s.end - s.pos }
func (s *jsonlSource) buffered() int { return s.br.Buffered() }

// colBuilder infers one column's kind while storing it.
type colBuilder struct {
	c      *Column
	force  Kind
	state  Kind // KindUnknown until the first non-null value
	lead   int  // nulls before the first value
	notInt bool
	dict   map[string]uint32
	redo   bool
	hint   int
}

func (b *colBuilder) reserve(n int) {
	b.hint = n
	switch b.state {
	case KindNumber:
		if cap(b.c.Num) < n {
			b.c.Num = slices.Grow(b.c.Num, n-len(b.c.Num))
		}
	case KindString, KindBool:
		if cap(b.c.Codes) < n {
			b.c.Codes = slices.Grow(b.c.Codes, n-len(b.c.Codes))
		}
	}
}

func (b *colBuilder) add(f *field, nulls *nullSet) error {
	// The common case first: CSV text in a column already numeric. A null
	// marker that reads as a number other than NaN (say "-999") must be
	// looked up first; NaN markers give a null either way.
	if b.state == KindNumber && f.k == fText && len(f.b) > 0 && (nulls == nil || !nulls.numeric) && b.force == KindUnknown && !b.redo {
		if n, isInt, ok := parseNumber(f.b); ok {
			if n != n {
				b.c.Nulls++
			}
			b.notInt = b.notInt || !isInt
			b.c.Num = append(b.c.Num, n)
			return nil
		}
	}
	v, err := classify(f, b.force, nulls)
	if err != nil {
		return err
	}
	if b.redo {
		return nil
	}
	c := b.c
	if v.null {
		c.Nulls++
		switch b.state {
		case KindUnknown:
			b.lead++
		case KindNumber:
			c.Num = append(c.Num, math.NaN())
		default:
			c.Codes = append(c.Codes, NullCode)
		}
		return nil
	}
	kind := KindString
	if v.isNum {
		kind = KindNumber
	} else if v.isBool {
		kind = KindBool
	}
	if b.state == KindUnknown {
		b.start(kind)
	} else if kind != b.state {
		// Numbers (or bools) then something else: the column is text.
		// Its earlier values are re-read as written (ReadFrame).
		b.redo = true
		c.Num, c.Codes, c.Dict, b.dict = nil, nil, nil, nil
		return nil
	}
	switch kind {
	case KindNumber:
		if v.num != v.num {
			c.Nulls++
		}
		if !v.isInt {
			b.notInt = true
		}
		c.Num = append(c.Num, v.num)
	case KindBool:
		s := "false"
		if v.bit {
			s = "true"
		}
		c.Codes = append(c.Codes, b.code(s))
	default:
		code, ok := b.dict[string(f.b)]
		if !ok {
			code = uint32(len(c.Dict))
			if code == NullCode {
				return wrapf(ErrFieldTooLarge, "more than %d distinct values", NullCode-1)
			}
			s := string(f.b)
			c.Dict = append(c.Dict, s)
			b.dict[s] = code
		}
		c.Codes = append(c.Codes, code)
	}
	return nil
}

func (b *colBuilder) code(s string) uint32 {
	code, ok := b.dict[s]
	if !ok {
		code = uint32(len(b.c.Dict))
		b.c.Dict = append(b.c.Dict, s)
		b.dict[s] = code
	}
	return code
}

// start fixes the column's kind at its first value and stores the nulls
// that came before it.
func (b *colBuilder) start(kind Kind) {
	b.state = kind
	c := b.c
	n := max(b.hint, b.lead+1)
	if kind == KindNumber {
		c.Num = slices.Grow(c.Num[:0], n)[:b.lead]
		for i := range c.Num {
			c.Num[i] = math.NaN()
		}
		return
	}
	if b.dict == nil {
		b.dict = make(map[string]uint32)
	}
	c.Codes = slices.Grow(c.Codes[:0], n)[:b.lead]
	for i := range c.Codes {
		c.Codes[i] = NullCode
	}
}

func (b *colBuilder) finish(rows int) {
	c := b.c
	switch {
	case b.force != KindUnknown && b.state == KindUnknown:
		b.start(b.force) // all null, forced kind
	case b.state == KindUnknown:
		b.start(KindNumber) // all null: pandas gives float64 NaN
	}
	c.Kind = b.state
	if b.force != KindUnknown {
		c.Kind = b.force
	}
	c.Integer = c.Kind == KindNumber && !b.notInt && c.Nulls < rows
	b.dict = nil
}
