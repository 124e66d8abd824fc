package table

import (
	"bytes"
	"errors"
	"io"
	"unicode/utf8"
)

// csvSource is our own RFC 4180 parser (doc.go says why). It works in place
// on a buffer that holds at least one whole record: a field is a slice of
// the buffer unless it is quoted with doubled quotes inside, which is
// unescaped into a scratch buffer. A record that does not fit grows the
// buffer up to maxRecord bytes.
type csvSource struct {
	name      string
	r         io.Reader
	buf       []byte
	pos, end  int // unread data is buf[pos:end]
	eof       bool
	line      int64 // line after the last record read
	recLine   int64 // line where the last record read starts
	delim     byte
	trim      bool
	maxField  int
	maxRecord int
	class     [256]uint8 // non-zero for bytes that end an unquoted run

	header []string
	want   []int // file column -> output position, or -1
	nOut   int
	spans  []span // per file column, for the current record
	scr    []byte // unescaped quoted fields
}

type span struct {
	start, end int32
	scratch    bool // bounds are in scr, not buf
}

const csvChunk = 256 << 10

func newCSV(r io.Reader, name string, opt *Options, delim byte) (*csvSource, error) {
	s := &csvSource{
		name: name, r: r, line: 1, delim: delim, trim: opt.TrimLeadingSpace,
		maxField: opt.maxField(), maxRecord: opt.maxRecord(),
		buf: make([]byte, csvChunk),
	}
	s.class[delim] = 1
	s.class['\n'] = 1
	s.class['\r'] = 1
	s.class['"'] = 1
	if err := s.readHeader(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *csvSource) errorf(line int64, col int, err error) error {
	e := &Error{File: s.name, Line: line, Err: err}
	if col >= 0 && col < len(s.header) {
		e.Column = s.header[col]
	}
	return e
}

func (s *csvSource) readHeader() error {
	if err := s.fill(); err != nil && err != io.EOF {
		return err
	}
	if bytes.HasPrefix(s.buf[s.pos:s.end], []byte("\xef\xbb\xbf")) {
		s.pos += 3
	}
	n, _, err := s.record(-1)
	if err == io.EOF {
		return &Error{File: s.name, Err: wrapf(ErrEmpty, "no header line")}
	}
	if err != nil {
		return err
	}
	s.header = make([]string, n)
	for i := range n {
		s.header[i] = string(s.bytes(i))
	}
	return nil
}

func (s *csvSource) names() []string { return s.header }

func (s *csvSource) project(idx []int) error {
	s.want = make([]int, len(s.header))
	for i := range s.want {
		s.want[i] = -1
	}
	for out, i := range idx {
		s.want[i] = out
	}
	s.nOut = len(idx)
	return nil
}

func (s *csvSource) close() error { return nil }

// bytes returns the content of file column i of the current record.
func (s *csvSource) bytes(i int) []byte {
	sp := s.spans[i]
	if sp.scratch {
		return s.scr[sp.start:sp.end]
	}
	return s.buf[sp.start:sp.end]
}

// next reads the next record into out (one field per selected column).
func (s *csvSource) next(out []field) (int64, error) {
	n, line, err := s.record(len(s.header))
	if err != nil {
		return 0, err
	}
	if n != len(s.header) {
		col := min(n, len(s.header)-1)
		return 0, s.errorf(line, col, wrapf(ErrRagged, "%d fields, header has %d", n, len(s.header)))
	}
	for i, o := range s.want {
		if o >= 0 {
			out[o] = field{b: s.bytes(i), k: fText}
		}
	}
	return line, nil
}

// fill reads more input into the buffer after the unread data, moving the
// unread data to the front and growing the buffer when it is full.
func (s *csvSource) fill() error {
	if s.eof {
		return io.EOF
	}
	if s.pos > 0 {
		copy(s.buf, s.buf[s.pos:s.end])
		s.end -= s.pos
		s.pos = 0
	}
	if s.end == len(s.buf) {
		if len(s.buf) >= s.maxRecord {
			return s.errorf(s.line, -1, wrapf(ErrFieldTooLarge, "record longer than %d bytes", s.maxRecord))
		}
		nb := make([]byte, min(2*len(s.buf), s.maxRecord))
		copy(nb, s.buf[:s.end])
		s.buf = nb
	}
	for {
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		if err == io.EOF {
			s.eof = true
			if n == 0 {
				return io.EOF
			}
			return nil
		}
		if err != nil {
			return &Error{File: s.name, Line: s.line, Err: err}
		}
		if n > 0 {
			return nil
		}
	}
}

var errMore = errors.New("need more input")

// record parses the next non-blank record, filling the buffer as needed,
// and returns its field count and starting line. Its fields are in
// s.spans. limit > 0 stops recording spans after that many fields (the
// count is still exact).
func (s *csvSource) record(limit int) (int, int64, error) {
	for {
		if s.pos < s.end {
			n, err := s.parse(limit)
			if err != errMore {
				return n, s.recLine, err
			}
		} else if s.eof {
			return 0, 0, io.EOF
		}
		if err := s.fill(); err != nil {
			if err != io.EOF {
				return 0, 0, err
			}
			// At EOF: parse what is left, now knowing no more comes.
			if s.pos == s.end {
				return 0, 0, io.EOF
			}
			n, err := s.parse(limit)
			return n, s.recLine, err
		}
	}
}

// parse parses one record at s.pos. It returns errMore if the record may
// continue past the buffered data and more input may come; on success it
// advances s.pos past the record and s.line past its lines, and sets
// s.recLine to the line the record starts on.
func (s *csvSource) parse(limit int) (int, error) {
	buf := s.buf[:s.end]
	i := s.pos
	// Skip blank lines (pandas and encoding/csv do).
	line := s.line
	for i < len(buf) && (buf[i] == '\n' || buf[i] == '\r') {
		if buf[i] == '\r' {
			if i+1 == len(buf) && !s.eof {
				return 0, errMore
			}
			if i+1 < len(buf) && buf[i+1] != '\n' {
				break // a lone CR starts a field
			}
			i++
			continue
		}
		line++
		i++
	}
	if i == len(buf) {
		if s.eof {
			s.pos, s.line = i, line
			return 0, io.EOF
		}
		s.pos, s.line = i, line
		return 0, errMore
	}
	start, startLine := i, line
	spans := s.spans[:0] // a local: the loop below is the hot path
	s.scr = s.scr[:0]
	nf := 0
	var high byte // OR of every byte, to skip UTF-8 validation of ASCII records
	for {
		// One field starting at i.
		if s.trim {
			for i < len(buf) && (buf[i] == ' ' || (buf[i] == '\t' && s.delim != '\t')) {
				i++
			}
		}
		var sp span
		if i < len(buf) && buf[i] == '"' {
			qline := line
			i++
			fs := i
			esc := false
			for {
				j := bytes.IndexByte(buf[i:], '"')
				if j < 0 {
					line += int64(bytes.Count(buf[i:], nl))
					if !s.eof {
						return 0, s.more(len(buf)-fs, nf, startLine)
					}
					return 0, s.errorf(qline, nf, wrapf(ErrFormat, "quoted field never closed (opened on line %d)", qline))
				}
				line += int64(bytes.Count(buf[i:i+j], nl))
				i += j + 1
				if i < len(buf) && buf[i] == '"' {
					esc = true
					i++
					continue
				}
				if i == len(buf) && !s.eof {
					return 0, s.more(i-fs, nf, startLine)
				}
				break
			}
			content := buf[fs : i-1]
			if len(content) > s.maxField {
				return 0, s.errorf(qline, nf, wrapf(ErrFieldTooLarge, "%d bytes, limit %d", len(content), s.maxField))
			}
			for _, c := range content {
				high |= c
			}
			if esc {
				o := len(s.scr)
				for k := 0; k < len(content); k++ {
					s.scr = append(s.scr, content[k])
					if content[k] == '"' {
						k++
					}
				}
				sp = span{int32(o), int32(len(s.scr)), true}
			} else {
				sp = span{int32(fs), int32(i - 1), false}
			}
			if i < len(buf) && buf[i] != s.delim && buf[i] != '\n' && buf[i] != '\r' {
				return 0, s.errorf(line, nf, wrapf(ErrFormat, "text after the closing quote of a quoted field"))
			}
		} else {
			fs := i
			for i < len(buf) && s.class[buf[i]] == 0 {
				high |= buf[i]
				i++
			}
			// A lone CR (not before LF) is data, as in encoding/csv.
			for i < len(buf) && buf[i] == '\r' && (i+1 < len(buf) && buf[i+1] != '\n') {
				i++
				for i < len(buf) && s.class[buf[i]] == 0 {
					high |= buf[i]
					i++
				}
			}
			if i < len(buf) && buf[i] == '"' {
				return 0, s.errorf(line, nf, wrapf(ErrFormat, "quote inside an unquoted field (quote the whole field and double the quote)"))
			}
			if i == len(buf) || (buf[i] == '\r' && i+1 == len(buf)) {
				if !s.eof {
					return 0, s.more(i-fs, nf, startLine)
				}
			}
			if i-fs > s.maxField {
				return 0, s.errorf(line, nf, wrapf(ErrFieldTooLarge, "%d bytes, limit %d", i-fs, s.maxField))
			}
			sp = span{int32(fs), int32(i), false}
		}
		if limit < 0 || nf < limit {
			spans = append(spans, sp)
		}
		nf++
		if nf > maxColumns {
			return 0, s.errorf(startLine, -1, wrapf(ErrFormat, "more than %d fields", maxColumns))
		}
		// After the field: a delimiter, a line end, or the end of input.
		if i == len(buf) {
			break
		}
		c := buf[i]
		if c == s.delim {
			i++
			continue
		}
		if c == '\r' {
			i++ // the LF after it follows (checked above)
		}
		if i < len(buf) && buf[i] == '\n' {
			i++
		}
		line++
		break
	}
	s.spans = spans
	if i-start > s.maxRecord {
		return 0, s.errorf(startLine, -1, wrapf(ErrFieldTooLarge, "record longer than %d bytes", s.maxRecord))
	}
	if high >= utf8.RuneSelf && !utf8.Valid(buf[start:i]) {
		for k := range min(nf, len(s.spans)) {
			if !utf8.Valid(s.bytesIn(buf, s.spans[k])) {
				return 0, s.errorf(startLine, k, wrapf(ErrUTF8, "byte sequence is not UTF-8"))
			}
		}
	}
	if i == len(buf) && i > 0 && buf[i-1] != '\n' {
		line++ // last line without a newline
	}
	s.pos, s.line, s.recLine = i, line, startLine
	return nf, nil
}

func (s *csvSource) bytesIn(buf []byte, sp span) []byte {
	if sp.scratch {
		return s.scr[sp.start:sp.end]
	}
	return buf[sp.start:sp.end]
}

// more is what parse returns when the buffer ends inside a record: a
// field already longer than the limit fails now rather than after reading
// it all.
func (s *csvSource) more(fieldLen, col int, line int64) error {
	if s.end-s.pos > s.maxRecord {
		return s.errorf(line, -1, wrapf(ErrFieldTooLarge, "record longer than %d bytes", s.maxRecord))
	}
	if fieldLen > s.maxField {
		return s.errorf(line, col, wrapf(ErrFieldTooLarge, "more than %d bytes", s.maxField))
	}
	return errMore
}

var nl = []byte{'\n'}
