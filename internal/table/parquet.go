package table

import (
	"errors"
	"io"
	"math"
	"math/big"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/format"
)

// parquetSource reads the selected columns of a Parquet file one row group
// at a time and, within it, one page per column at a time. Only top-level,
// non-repeated leaf columns can be read; a nested or repeated column is
// refused when selected.
type parquetSource struct {
	name     string
	f        *parquet.File
	r        io.ReaderAt
	size     int64
	maxField int
	top      []*parquet.Column // top-level columns, in schema order
	names_   []string

	sel   []*parquet.Column
	conv  []valueConv
	rg    int // next row group to open
	left  int64
	row   int64
	cols  []*pqColumn
	texts [][]byte
}

type pqColumn struct {
	pages parquet.Pages
	page  parquet.Page
	vals  parquet.ValueReader
	buf   []parquet.Value
	i, n  int
}

// valueConv describes how a column's values become fields.
type valueConv struct {
	// noText skips formatting plain numbers as text: ReadFrame stores the
	// number only, and shortest-form float formatting is costly.
	noText  bool
	kind    parquet.Kind
	logical string // "string", "date", "timestamp", "decimal", "uint", "time", ""
	unit    time.Duration
	scale   int32
}

func newParquet(r io.ReaderAt, size int64, name string, opt *Options) (src *parquetSource, err error) {
	defer recoverCorrupt(name, &err)
	if err := checkFooter(r, size); err != nil {
		return nil, &Error{File: name, Err: wrapf(ErrCorrupt, "%v", err)}
	}
	f, err := parquet.OpenFile(r, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return nil, &Error{File: name, Err: wrapf(ErrCorrupt, "not a readable Parquet file: %v", err)}
	}
	s := &parquetSource{name: name, f: f, r: r, size: size, maxField: opt.maxField()}
	s.top = f.Root().Columns()
	for _, c := range s.top {
		s.names_ = append(s.names_, c.Name())
	}
	return s, nil
}

// recoverCorrupt turns a panic inside parquet-go on hostile input into
// ErrCorrupt: the library is not hardened against every malformed file.
func recoverCorrupt(name string, err *error) {
	if p := recover(); p != nil {
		*err = &Error{File: name, Err: wrapf(ErrCorrupt, "Parquet reader failed: %v", p)}
	}
}

func (s *parquetSource) names() []string { return s.names_ }

func (s *parquetSource) project(idx []int) (err error) {
	defer recoverCorrupt(s.name, &err)
	s.sel = s.sel[:0]
	for _, i := range idx {
		c := s.top[i]
		if !c.Leaf() || c.Repeated() {
			return &Error{File: s.name, Column: c.Name(), Err: wrapf(ErrType,
				"nested or repeated column (list, map or struct); only flat columns can be read")}
		}
		cv, err := convOf(c.Type())
		if err != nil {
			return &Error{File: s.name, Column: c.Name(), Err: err}
		}
		s.sel = append(s.sel, c)
		s.conv = append(s.conv, cv)
	}
	s.cols = make([]*pqColumn, len(s.sel))
	s.texts = make([][]byte, len(s.sel))
	return nil
}

func convOf(t parquet.Type) (valueConv, error) {
	cv := valueConv{kind: t.Kind()}
	if lt := t.LogicalType(); lt != nil && lt.Value != nil {
		switch v := lt.Value.(type) {
		case *format.StringType, *format.EnumType, *format.JsonType:
			cv.logical = "string"
		case *format.DateType:
			cv.logical = "date"
		case *format.TimestampType:
			cv.logical, cv.unit = "timestamp", unitOf(&v.Unit)
		case *format.TimeType:
			cv.logical, cv.unit = "time", unitOf(&v.Unit)
		case *format.DecimalType:
			cv.logical, cv.scale = "decimal", v.Scale
		case *format.IntType:
			if !v.IsSigned {
				cv.logical = "uint"
			}
		}
	} else if ct := t.ConvertedType(); ct != nil {
		switch *ct {
		case deprecated.UTF8, deprecated.Enum, deprecated.Json:
			cv.logical = "string"
		case deprecated.Date:
			cv.logical = "date"
		case deprecated.TimestampMillis:
			cv.logical, cv.unit = "timestamp", time.Millisecond
		case deprecated.TimestampMicros:
			cv.logical, cv.unit = "timestamp", time.Microsecond
		case deprecated.Uint8, deprecated.Uint16, deprecated.Uint32, deprecated.Uint64:
			cv.logical = "uint"
		}
	}
	if cv.kind == parquet.Int96 {
		cv.logical = "int96"
	}
	return cv, nil
}

func unitOf(u *format.TimeUnit) time.Duration {
	switch u.Value.(type) {
	case *format.MilliSeconds:
		return time.Millisecond
	case *format.NanoSeconds:
		return time.Nanosecond
	}
	return time.Microsecond
}

func (s *parquetSource) close() (err error) {
	defer recoverCorrupt(s.name, &err)
	for _, c := range s.cols {
		if c != nil {
			c.release()
		}
	}
	return nil
}

func (c *pqColumn) release() {
	if c.page != nil {
		parquet.Release(c.page)
		c.page = nil
	}
	if c.pages != nil {
		c.pages.Close()
		c.pages = nil
	}
}

func (s *parquetSource) next(out []field) (line int64, err error) {
	defer recoverCorrupt(s.name, &err)
	for s.left == 0 {
		rgs := s.f.RowGroups()
		if s.rg >= len(rgs) {
			return 0, io.EOF
		}
		rg := rgs[s.rg]
		meta := s.f.Metadata().RowGroups[s.rg]
		s.rg++
		for _, c := range s.sel {
			if c.Index() >= len(meta.Columns) {
				return 0, &Error{File: s.name, Err: wrapf(ErrCorrupt, "row group %d has %d columns", s.rg, len(meta.Columns))}
			}
			md := meta.Columns[c.Index()].MetaData
			base := md.DataPageOffset
			if md.DictionaryPageOffset != 0 {
				base = md.DictionaryPageOffset
			}
			if err := checkChunk(s.r, s.size, base, md.TotalCompressedSize); err != nil {
				return 0, &Error{File: s.name, Column: c.Name(), Err: wrapf(ErrCorrupt, "row group %d: %v", s.rg, err)}
			}
		}
		s.left = rg.NumRows()
		chunks := rg.ColumnChunks()
		for i, c := range s.sel {
			if s.cols[i] != nil {
				s.cols[i].release()
			}
			s.cols[i] = &pqColumn{pages: chunks[c.Index()].Pages(), buf: make([]parquet.Value, 256)}
		}
	}
	s.left--
	s.row++
	for i, c := range s.cols {
		v, err := c.next()
		if err != nil {
			msg := err
			if err == io.EOF {
				msg = errors.New("column chunk has fewer values than its row group has rows")
			}
			return 0, &Error{File: s.name, Line: s.row, Column: s.sel[i].Name(), Err: wrapf(ErrCorrupt, "%v", msg)}
		}
		var t []byte
		out[i], t, err = s.conv[i].field(s.texts[i][:0], v, s.maxField)
		s.texts[i] = t
		if err != nil {
			return 0, &Error{File: s.name, Line: s.row, Column: s.sel[i].Name(), Err: err}
		}
	}
	return s.row, nil
}

func (c *pqColumn) next() (parquet.Value, error) {
	for c.i == c.n {
		if c.vals == nil {
			if c.page != nil {
				parquet.Release(c.page)
				c.page = nil
			}
			p, err := c.pages.ReadPage()
			if err != nil {
				return parquet.Value{}, err
			}
			c.page, c.vals = p, p.Values()
		}
		n, err := c.vals.ReadValues(c.buf)
		c.i, c.n = 0, n
		if err == io.EOF {
			c.vals = nil
		} else if err != nil {
			return parquet.Value{}, err
		}
	}
	v := c.buf[c.i]
	c.i++
	return v, nil
}

// field converts one Parquet value. Its text is appended to t, a
// per-column buffer, so it stays valid after the page is released; field
// returns t for reuse.
func (cv *valueConv) field(t []byte, v parquet.Value, maxField int) (field, []byte, error) {
	if v.IsNull() {
		return field{k: fNull}, t, nil
	}
	switch cv.kind {
	case parquet.Boolean:
		t = strconv.AppendBool(t, v.Boolean())
		return field{b: t, k: fBool, bit: v.Boolean()}, t, nil
	case parquet.Int32, parquet.Int64:
		n := v.Int64()
		if cv.kind == parquet.Int32 {
			n = int64(v.Int32())
		}
		switch cv.logical {
		case "date":
			t = time.Unix(n*86400, 0).UTC().AppendFormat(t, "2006-01-02")
			return field{b: t, k: fString}, t, nil
		case "timestamp":
			t = time.Unix(0, 0).Add(time.Duration(n)*cv.unit).UTC().AppendFormat(t, time.RFC3339Nano)
			return field{b: t, k: fString}, t, nil
		case "time":
			d := time.Duration(n) * cv.unit
			t = time.Unix(0, 0).UTC().Add(d).AppendFormat(t, "15:04:05.999999999")
			return field{b: t, k: fString}, t, nil
		case "decimal":
			return decimal(t, big.NewInt(n), cv.scale)
		case "uint":
			u := uint64(n)
			if cv.kind == parquet.Int32 {
				u = uint64(uint32(v.Int32()))
			}
			if !cv.noText {
				t = strconv.AppendUint(t, u, 10)
			}
			return field{b: t, k: fFloat, num: float64(u), isInt: true}, t, nil
		}
		if !cv.noText {
			t = strconv.AppendInt(t, n, 10)
		}
		return field{b: t, k: fFloat, num: float64(n), isInt: true}, t, nil
	case parquet.Float:
		f := float64(v.Float())
		if !cv.noText {
			t = strconv.AppendFloat(t, f, 'g', -1, 32)
		}
		return field{b: t, k: fFloat, num: f}, t, nil
	case parquet.Double:
		f := v.Double()
		if !cv.noText {
			t = strconv.AppendFloat(t, f, 'g', -1, 64)
		}
		return field{b: t, k: fFloat, num: f}, t, nil
	case parquet.Int96:
		x := v.Int96()
		nanos := int64(x[0]) | int64(x[1])<<32
		days := int64(x[2]) - 2440588 // Julian day of 1970-01-01
		t = time.Unix(days*86400, nanos).UTC().AppendFormat(t, time.RFC3339Nano)
		return field{b: t, k: fString}, t, nil
	case parquet.ByteArray, parquet.FixedLenByteArray:
		b := v.ByteArray()
		if len(b) > maxField {
			return field{}, t, wrapf(ErrFieldTooLarge, "%d bytes, limit %d", len(b), maxField)
		}
		if cv.logical == "decimal" {
			return decimal(t, twosComplement(b), cv.scale)
		}
		if !utf8.Valid(b) {
			return field{}, t, wrapf(ErrUTF8, "binary value is not UTF-8 text")
		}
		t = append(t, b...)
		return field{b: t, k: fString}, t, nil
	}
	return field{}, t, wrapf(ErrFormat, "unsupported Parquet type %v", cv.kind)
}

// decimal formats an unscaled decimal exactly and converts it to float64.
func decimal(t []byte, unscaled *big.Int, scale int32) (field, []byte, error) {
	if scale < 0 || scale > 1000 {
		return field{}, t, wrapf(ErrCorrupt, "decimal scale %d", scale)
	}
	digits := unscaled.String()
	neg := digits[0] == '-'
	if neg {
		digits = digits[1:]
	}
	for len(digits) <= int(scale) {
		digits = "0" + digits
	}
	txt := digits
	if scale > 0 {
		txt = digits[:len(digits)-int(scale)] + "." + digits[len(digits)-int(scale):]
	}
	if neg {
		txt = "-" + txt
	}
	f, err := strconv.ParseFloat(txt, 64)
	if err != nil && !math.IsInf(f, 0) {
		return field{}, t, wrapf(ErrCorrupt, "decimal %s: %v", txt, err)
	}
	t = append(t, txt...)
	return field{b: t, k: fFloat, num: f, isInt: scale == 0}, t, nil
}

func twosComplement(b []byte) *big.Int {
	x := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 {
		x.Sub(x, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return x
}
