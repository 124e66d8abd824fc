package table

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// source is one format's record stream. next fills out (one field per
// selected column) and returns the record's line or row number, io.EOF at
// the end, or an *Error.
type source interface {
	names() []string
	next(out []field) (int64, error)
	close() error
}

var (
	_ source = (*csvSource)(nil)
	_ source = (*jsonlSource)(nil)
	_ source = (*parquetSource)(nil)
)

// Reader streams the rows of a table. It holds one record (CSV, JSON Lines)
// or one page per selected column (Parquet) at a time. It is not safe for
// concurrent use.
type Reader struct {
	name   string
	src    source
	cols   []string
	force  []Kind
	nulls  *nullSet
	fields []field
	rows   int64
	max    int64
	closer []io.Closer
	rowBuf []byte
	size   int64       // input size in bytes when known (uncompressed files), for ReadFrame's estimate
	count  *countingRd // bytes consumed so far, when size is known
	// sniffed buffers the input when the format was detected from content.
	sniffed *bufio.Reader
	reuse   bool
	workers int // Options.Workers
	cells   []Cell
	err     error // the first error, returned again by every later Next
}

// Open opens the table at path. Compressed files (.gz, or gzip content) are
// decompressed as they are read.
func Open(path string, opt Options) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{File: path, Err: err}
	}
	r, err := newReader(f, path, opt, f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return r, nil
}

// NewReader reads a table from r; name is used to detect the format by
// extension and in errors. A Parquet stream that is not an io.ReaderAt and
// io.Seeker (for example a .parquet.gz) is spooled to a temporary file,
// removed on Close.
func NewReader(r io.Reader, name string, opt Options) (*Reader, error) {
	return newReader(r, name, opt, nil)
}

// maxSpool bounds a Parquet stream copied to disk (a decompression bomb must
// not fill the disk).
const maxSpool = 8 << 30

func newReader(in io.Reader, name string, opt Options, file *os.File) (*Reader, error) {
	rd := &Reader{name: name, max: opt.MaxRows, reuse: opt.ReuseRow, workers: opt.Workers}
	if file != nil {
		rd.closer = append(rd.closer, file)
	}
	fail := func(err error) (*Reader, error) {
		rd.Close()
		return nil, err
	}
	br := bufio.NewReaderSize(in, 64<<10)
	head, _ := br.Peek(4)
	var stream io.Reader = br
	gz := strings.HasSuffix(strings.ToLower(name), ".gz") || bytes.HasPrefix(head, []byte{0x1f, 0x8b})
	if gz {
		z, err := gzip.NewReader(br)
		if err != nil {
			return fail(&Error{File: name, Err: wrapf(ErrCorrupt, "gzip: %v", err)})
		}
		rd.closer = append(rd.closer, z)
		stream = z
	} else if file != nil {
		if st, err := file.Stat(); err == nil && st.Mode().IsRegular() {
			rd.size = st.Size()
			rd.count = &countingRd{r: br}
			stream = rd.count
		}
	}
	format := opt.Format
	if format == "" {
		format = formatByName(name)
	}
	if format == "" {
		rd.sniffed = bufio.NewReaderSize(stream, 64<<10)
		stream = rd.sniffed
		format = sniff(rd.sniffed)
	}
	var err error
	switch format {
	case CSV:
		delim := opt.Delimiter
		if delim == 0 {
			delim = ','
			if strings.HasSuffix(strings.TrimSuffix(strings.ToLower(name), ".gz"), ".tsv") {
				delim = '\t'
			}
		}
		if delim == '"' || delim == '\n' || delim == '\r' || (opt.TrimLeadingSpace && delim == ' ') {
			return fail(fmt.Errorf("table: delimiter %q cannot be used", delim))
		}
		var s *csvSource
		if s, err = newCSV(stream, name, &opt, delim); err == nil {
			rd.src = s
		}
	case JSONL:
		var s *jsonlSource
		if s, err = newJSONL(stream, name, &opt); err == nil {
			rd.src = s
		}
	case Parquet:
		ra, size, cerr := rd.readerAt(in, stream, file, gz)
		if cerr != nil {
			return fail(cerr)
		}
		var s *parquetSource
		if s, err = newParquet(ra, size, name, &opt); err == nil {
			rd.src = s
		}
		rd.count = nil
	default:
		return fail(fmt.Errorf("table: unknown format %q: use csv, jsonl or parquet", format))
	}
	if err != nil {
		return fail(err)
	}
	if err := rd.project(&opt); err != nil {
		return fail(err)
	}
	rd.nulls = newNullSet(opt.NullValues)
	return rd, nil
}

// readerAt gives parquet-go random access: the file itself, an
// io.ReaderAt+io.Seeker, or else a temporary copy of the stream.
func (rd *Reader) readerAt(in, stream io.Reader, file *os.File, gz bool) (io.ReaderAt, int64, error) {
	if !gz && file != nil && rd.size > 0 {
		return file, rd.size, nil
	}
	if ras, ok := in.(interface {
		io.ReaderAt
		io.Seeker
	}); ok && !gz {
		size, err := ras.Seek(0, io.SeekEnd)
		if err != nil {
			return nil, 0, &Error{File: rd.name, Err: err}
		}
		return ras, size, nil
	}
	tmp, err := os.CreateTemp("", "mlsec-parquet-*")
	if err != nil {
		return nil, 0, &Error{File: rd.name, Err: err}
	}
	rd.closer = append(rd.closer, tempFile{tmp})
	n, err := io.Copy(tmp, io.LimitReader(stream, maxSpool+1))
	if err != nil {
		return nil, 0, &Error{File: rd.name, Err: wrapf(ErrCorrupt, "%v", err)}
	}
	if n > maxSpool {
		return nil, 0, &Error{File: rd.name, Err: wrapf(ErrFieldTooLarge, "Parquet stream larger than %d bytes", int64(maxSpool))}
	}
	return tmp, n, nil
}

type tempFile struct{ f *os.File }

func (t tempFile) Close() error {
	t.f.Close()
	return os.Remove(t.f.Name())
}

type countingRd struct {
	r io.Reader
	n int64
}

func (c *countingRd) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// project resolves Options.Columns and Options.Types against the file.
func (rd *Reader) project(opt *Options) error {
	have := rd.src.names()
	pos := make(map[string]int, len(have))
	dup := map[string]bool{}
	for i, n := range have {
		if _, ok := pos[n]; ok {
			dup[n] = true
			continue
		}
		pos[n] = i
	}
	want := opt.Columns
	if want == nil {
		want = have
	}
	seen := make(map[string]bool, len(want))
	idx := make([]int, 0, len(want))
	_, isJSON := rd.src.(*jsonlSource)
	for _, n := range want {
		if seen[n] {
			return &Error{File: rd.name, Column: n, Err: wrapf(ErrDuplicateColumn, "column selected twice")}
		}
		seen[n] = true
		if dup[n] {
			return &Error{File: rd.name, Column: n, Err: wrapf(ErrDuplicateColumn,
				"the header names this column more than once, so which one to read is ambiguous")}
		}
		i, ok := pos[n]
		if !ok && !isJSON {
			return missingColumn(rd.name, n, have)
		}
		idx = append(idx, i)
	}
	for n := range opt.Types {
		if _, ok := pos[n]; !ok && !isJSON {
			return missingColumn(rd.name, n, have)
		}
	}
	rd.cols = append([]string(nil), want...)
	rd.force = make([]Kind, len(want))
	for i, n := range want {
		rd.force[i] = opt.Types[n]
	}
	rd.fields = make([]field, len(want))
	switch s := rd.src.(type) {
	case *csvSource:
		return s.project(idx)
	case *parquetSource:
		return s.project(idx)
	case *jsonlSource:
		s.project(rd.cols, opt.Columns == nil)
	}
	return nil
}

// Columns returns the selected column names, in the order cells come.
func (rd *Reader) Columns() []string { return rd.cols }

// Next returns the next row, or io.EOF after the last. A table with no
// data rows at all (a header only) is an *Error wrapping ErrEmpty instead,
// so a consumer cannot mistake it for a table that has rows. After an
// error, Next returns the same error again: a table is read whole or not
// at all.
func (rd *Reader) Next() (Row, error) {
	line, err := rd.nextFields()
	if err != nil {
		return Row{}, err
	}
	// One string per row, sliced into each cell's Raw.
	rd.rowBuf = rd.rowBuf[:0]
	for i := range rd.fields {
		rd.rowBuf = append(rd.rowBuf, rd.fields[i].b...)
	}
	text := string(rd.rowBuf)
	cells := rd.cells
	if !rd.reuse || cells == nil {
		cells = make([]Cell, len(rd.fields))
		if rd.reuse {
			rd.cells = cells
		}
	}
	row := Row{Line: line, Cells: cells}
	off := 0
	for i := range rd.fields {
		f := &rd.fields[i]
		v, err := classify(f, rd.force[i], rd.nulls)
		if err != nil {
			rd.err = &Error{File: rd.name, Line: line, Column: rd.cols[i], Err: err}
			return Row{}, rd.err
		}
		c := &row.Cells[i]
		*c = Cell{}
		if v.null {
			c.Null = true
		} else {
			c.Raw = text[off : off+len(f.b)]
			c.IsNum, c.Num, c.Int, c.IsBool, c.Bool = v.isNum, v.num, v.isInt, v.isBool, v.bit
		}
		off += len(f.b)
	}
	return row, nil
}

// nextFields reads the next record into rd.fields. An error sticks: every
// later call returns it again, whatever the format.
func (rd *Reader) nextFields() (line int64, err error) {
	if rd.err != nil {
		return 0, rd.err
	}
	defer func() {
		if err != nil && err != io.EOF {
			rd.err = err
		}
	}()
	if rd.max > 0 && rd.rows >= rd.max {
		return 0, io.EOF
	}
	if rd.src == nil {
		return 0, errors.New("table: reader is closed")
	}
	line, err = rd.src.next(rd.fields)
	if err == io.EOF && rd.rows == 0 {
		return 0, &Error{File: rd.name, Err: wrapf(ErrEmpty, "no data rows")}
	}
	if err != nil {
		return 0, err
	}
	rd.rows++
	return line, nil
}

// Close releases the file and any temporary copy.
func (rd *Reader) Close() error {
	var first error
	if rd.src != nil {
		first = rd.src.close()
		rd.src = nil
	}
	for i := len(rd.closer) - 1; i >= 0; i-- {
		if err := rd.closer[i].Close(); err != nil && first == nil {
			first = err
		}
	}
	rd.closer = nil
	return first
}

// DetectFormat names the format of the file at path: by extension (.csv,
// .tsv, .jsonl, .ndjson, .parquet, each optionally followed by .gz), else by
// content (Parquet magic, a line starting with '{', otherwise CSV).
func DetectFormat(path string) (Format, error) {
	if f := formatByName(path); f != "" {
		return f, nil
	}
	file, err := os.Open(path)
	if err != nil {
		return "", &Error{File: path, Err: err}
	}
	defer file.Close()
	var r io.Reader = file
	br := bufio.NewReader(file)
	if head, _ := br.Peek(2); bytes.Equal(head, []byte{0x1f, 0x8b}) {
		z, err := gzip.NewReader(br)
		if err != nil {
			return "", &Error{File: path, Err: wrapf(ErrCorrupt, "gzip: %v", err)}
		}
		defer z.Close()
		r = z
	} else {
		r = br
	}
	return sniff(bufio.NewReader(r)), nil
}

func formatByName(name string) Format {
	n := strings.TrimSuffix(strings.ToLower(name), ".gz")
	switch filepath.Ext(n) {
	case ".csv", ".tsv":
		return CSV
	case ".jsonl", ".ndjson":
		return JSONL
	case ".parquet", ".pq":
		return Parquet
	}
	return ""
}

// sniff guesses the format from the first bytes without consuming them.
func sniff(br *bufio.Reader) Format {
	head, _ := br.Peek(4096)
	if bytes.HasPrefix(head, []byte("PAR1")) {
		return Parquet
	}
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	if t := bytes.TrimLeft(head, " \t\r\n"); len(t) > 0 && t[0] == '{' {
		return JSONL
	}
	return CSV
}
