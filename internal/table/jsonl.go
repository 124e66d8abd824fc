package table

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"unicode/utf8"
)

// jsonlSource reads JSON Lines: one object per line, blank lines skipped.
// Each line is checked with json.Valid (so invalid JSON is always caught,
// and named by line and byte) and then walked by a small scanner that
// only has to handle valid JSON and copies nothing for unselected keys.
type jsonlSource struct {
	name      string
	br        *bufio.Reader
	line      int64 // lines consumed
	maxField  int
	maxRecord int
	long      []byte // a line longer than the bufio buffer

	keys    []string       // the first object's keys, in order
	strict  bool           // Columns was nil: a key outside keys is an error
	index   map[string]int // selected key -> output position
	sel     []string
	seen    []bool // selected key seen in some line (for the missing check)
	stamp   []int64
	pending []byte // the first line, read to learn the keys
	pendLn  int64
	strs    [][]byte // per output: an unescaped string
}

func newJSONL(r io.Reader, name string, opt *Options) (*jsonlSource, error) {
	s := &jsonlSource{name: name, br: bufio.NewReaderSize(r, 64<<10),
		maxField: opt.maxField(), maxRecord: opt.maxRecord()}
	ln, line, err := s.readLine()
	if err == io.EOF {
		return nil, &Error{File: name, Err: wrapf(ErrEmpty, "no JSON object")}
	}
	if err != nil {
		return nil, err
	}
	ln = bytes.TrimPrefix(ln, []byte("\xef\xbb\xbf"))
	if err := s.check(ln, line); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	err = walkObject(ln, func(key []byte, _ []byte, _ byte) error {
		k := string(key)
		if seen[k] {
			return &Error{File: name, Line: line, Column: k, Err: wrapf(ErrDuplicateColumn, "key appears twice in one object")}
		}
		seen[k] = true
		s.keys = append(s.keys, k)
		return nil
	})
	if err != nil {
		return nil, s.walkErr(err, line)
	}
	if len(s.keys) > maxColumns {
		return nil, &Error{File: name, Line: line, Err: wrapf(ErrFormat, "more than %d keys", maxColumns)}
	}
	s.pending = append([]byte(nil), ln...)
	s.pendLn = line
	return s, nil
}

func (s *jsonlSource) names() []string { return s.keys }
func (s *jsonlSource) close() error    { return nil }

// project selects columns by name. A name absent from the first object is
// accepted for now (keys may be sparse) and is an ErrMissingColumn at the
// end if no line has it.
func (s *jsonlSource) project(names []string, strict bool) {
	s.sel = names
	s.strict = strict
	s.index = make(map[string]int, len(names))
	for i, n := range names {
		s.index[n] = i
	}
	s.seen = make([]bool, len(names))
	s.stamp = make([]int64, len(names))
	s.strs = make([][]byte, len(names))
}

// readLine returns the next non-blank line without its line end.
func (s *jsonlSource) readLine() ([]byte, int64, error) {
	for {
		ln, err := s.br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			s.long = append(s.long[:0], ln...)
			for err == bufio.ErrBufferFull {
				if len(s.long) > s.maxRecord {
					return nil, 0, &Error{File: s.name, Line: s.line + 1, Err: wrapf(ErrFieldTooLarge, "line longer than %d bytes", s.maxRecord)}
				}
				ln, err = s.br.ReadSlice('\n')
				s.long = append(s.long, ln...)
			}
			ln = s.long
		}
		if err != nil && err != io.EOF {
			return nil, 0, &Error{File: s.name, Line: s.line + 1, Err: err}
		}
		if len(ln) == 0 && err == io.EOF {
			return nil, 0, io.EOF
		}
		s.line++
		if len(ln) > s.maxRecord {
			return nil, 0, &Error{File: s.name, Line: s.line, Err: wrapf(ErrFieldTooLarge, "line longer than %d bytes", s.maxRecord)}
		}
		ln = bytes.TrimRight(ln, "\r\n")
		if len(bytes.Trim(ln, " \t\r\n")) > 0 { // JSON's whitespace only
			return ln, s.line, nil
		}
		if err == io.EOF {
			return nil, 0, io.EOF
		}
	}
}

// check rejects invalid JSON and invalid UTF-8, naming the byte or key.
func (s *jsonlSource) check(ln []byte, line int64) error {
	if !json.Valid(ln) {
		var v any
		err := json.Unmarshal(ln, &v)
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return &Error{File: s.name, Line: line, Err: wrapf(ErrFormat, "invalid JSON at byte %d: %v", se.Offset, se)}
		}
		return &Error{File: s.name, Line: line, Err: wrapf(ErrFormat, "invalid JSON: %v", err)}
	}
	if !utf8.Valid(ln) {
		// Name the key whose key or value holds the bad bytes.
		col := ""
		_ = walkObject(ln, func(key, val []byte, _ byte) error {
			if !utf8.Valid(key) || !utf8.Valid(val) {
				col = string(bytes.ToValidUTF8(key, []byte("\uFFFD")))
				return io.EOF
			}
			return nil
		})
		return &Error{File: s.name, Line: line, Column: col, Err: wrapf(ErrUTF8, "byte sequence is not UTF-8")}
	}
	return nil
}

var errNotObject = errors.New("line is not a JSON object")

func (s *jsonlSource) walkErr(err error, line int64) error {
	if _, ok := err.(*Error); ok {
		return err
	}
	return &Error{File: s.name, Line: line, Err: wrapf(ErrFormat, "%v", err)}
}

func (s *jsonlSource) next(out []field) (int64, error) {
	var ln []byte
	var line int64
	if s.pending != nil {
		ln, line = s.pending, s.pendLn
		s.pending = nil
	} else {
		var err error
		ln, line, err = s.readLine()
		if err == io.EOF {
			return 0, s.missing()
		}
		if err != nil {
			return 0, err
		}
		if err := s.check(ln, line); err != nil {
			return 0, err
		}
	}
	for i := range out {
		out[i] = field{k: fNull}
	}
	err := walkObject(ln, func(key, val []byte, typ byte) error {
		i, ok := s.index[string(key)]
		if !ok {
			if s.strict {
				return &Error{File: s.name, Line: line, Column: string(key), Err: wrapf(ErrFormat,
					"key not in the first line's keys; name the columns to read")}
			}
			return nil
		}
		if s.stamp[i] == line {
			return &Error{File: s.name, Line: line, Column: s.sel[i], Err: wrapf(ErrDuplicateColumn, "key appears twice in one object")}
		}
		s.stamp[i] = line
		s.seen[i] = true
		if len(val) > s.maxField {
			return &Error{File: s.name, Line: line, Column: s.sel[i], Err: wrapf(ErrFieldTooLarge, "%d bytes, limit %d", len(val), s.maxField)}
		}
		switch typ {
		case '"':
			b := val[1 : len(val)-1]
			if bytes.IndexByte(b, '\\') >= 0 {
				var str string
				if err := json.Unmarshal(val, &str); err != nil {
					return &Error{File: s.name, Line: line, Column: s.sel[i], Err: wrapf(ErrFormat, "%v", err)}
				}
				s.strs[i] = append(s.strs[i][:0], str...)
				b = s.strs[i]
			}
			out[i] = field{b: b, k: fString}
		case 't', 'f':
			out[i] = field{b: val, k: fBool, bit: typ == 't'}
		case 'n':
			out[i] = field{k: fNull}
		case '{', '[':
			what := "an object"
			if typ == '[' {
				what = "an array"
			}
			return &Error{File: s.name, Line: line, Column: s.sel[i], Err: wrapf(ErrType,
				"value is %s; only scalar values (string, number, bool, null) can be read", what)}
		default:
			out[i] = field{b: val, k: fNumber}
		}
		return nil
	})
	if err != nil {
		return 0, s.walkErr(err, line)
	}
	return line, nil
}

// missing is the end of input: io.EOF, or ErrMissingColumn for a selected
// key that no line had.
func (s *jsonlSource) missing() error {
	for i, ok := range s.seen {
		if !ok {
			return missingColumn(s.name, s.sel[i], s.keys)
		}
	}
	return io.EOF
}

// walkObject calls fn for each key of the valid JSON object in b, with the
// key's raw (still escaped) text, the value's raw text and the value's
// first byte. It stops at the first error fn returns.
func walkObject(b []byte, fn func(key, val []byte, typ byte) error) error {
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return errNotObject
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		return nil
	}
	for i < len(b) {
		ks := i
		i = stringEnd(b, i)
		key := b[ks+1 : i-1]
		if bytes.IndexByte(key, '\\') >= 0 {
			var k string
			if err := json.Unmarshal(b[ks:i], &k); err == nil {
				key = []byte(k)
			}
		}
		i = skipWS(b, i)
		i = skipWS(b, i+1) // ':'
		vs := i
		i = valueEnd(b, i)
		if err := fn(key, b[vs:i], b[vs]); err != nil {
			return err
		}
		i = skipWS(b, i)
		if i < len(b) && b[i] == '}' {
			return nil
		}
		i = skipWS(b, i+1) // ','
	}
	return nil
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index after the closing quote of the string at i.
func stringEnd(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(b)
}

// valueEnd returns the index after the valid JSON value at i.
func valueEnd(b []byte, i int) int {
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = stringEnd(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return len(b)
	}
	for i < len(b) {
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
		i++
	}
	return i
}

// missingColumn is ErrMissingColumn naming the columns there are, and the
// closest one when the name looks misspelled.
func missingColumn(file, name string, have []string) error {
	msg := "available: " + quoteList(have, 50)
	if s := closest(name, have); s != "" {
		msg = "did you mean " + strconv.Quote(s) + "? " + msg
	}
	return &Error{File: file, Column: name, Err: wrapf(ErrMissingColumn, "%s", msg)}
}
