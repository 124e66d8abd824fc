package pii

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
)

// A Format is how a file's records are laid out.
type Format int

// The formats ScanFile and RedactFile read.
const (
	FormatText      Format = iota // one record: the whole text, field "text"
	FormatJSON                    // one JSON document; a top-level array holds one record per element
	FormatJSONLines               // one JSON document per line
)

func (f Format) String() string {
	return [...]string{"text", "json", "jsonl"}[f]
}

// ParseFormat reads "text", "json", "jsonl" (or "ndjson"); "" or "auto"
// returns -1, for DetectFormat.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(s) {
	case "", "auto":
		return -1, nil
	case "text", "txt":
		return FormatText, nil
	case "json":
		return FormatJSON, nil
	case "jsonl", "ndjson", "jsonlines":
		return FormatJSONLines, nil
	}
	return 0, fmt.Errorf("unknown input format %q: use auto, text, json or jsonl", s)
}

// DetectFormat guesses a file's format from its name (.jsonl, .ndjson,
// .json) and, failing that, from its first bytes: a first line that is a
// complete JSON object means JSON Lines, a leading '{' or '[' otherwise
// means JSON, anything else is text.
func DetectFormat(name string, head []byte) Format {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".jsonl", ".ndjson":
		return FormatJSONLines
	case ".json":
		return FormatJSON
	}
	t := bytes.TrimLeft(head, " \t\r\n\ufeff")
	if len(t) == 0 || t[0] != '{' && t[0] != '[' {
		return FormatText
	}
	if i := bytes.IndexByte(t, '\n'); i > 0 && t[0] == '{' && json.Valid(t[:i]) {
		return FormatJSONLines
	}
	return FormatJSON
}

// TextField is the field name of a plain-text record's spans.
const TextField = "text"

// Limits of the file readers; past them a record is an error, not a
// silent partial read.
const (
	MaxLine     = 16 << 20  // bytes in one JSON Lines record
	MaxDocument = 256 << 20 // bytes in one JSON document
)

// A Record is one record's result in a file report.
type Record struct {
	// ID is the record's "id" value when it has one, else its position:
	// the line number for JSON Lines, the element number (from 1) for a
	// JSON array, 1 for a single document or a text.
	ID    json.RawMessage `json:"id"`
	Spans []FieldSpan     `json:"spans"`
	// Error says why the record could not be read as JSON; it was then
	// analysed (or redacted) as plain text, field "text".
	Error string `json:"error,omitempty"`
	// Line is the line where the record starts (1-based).
	Line int `json:"-"`
}

// ScanFile analyses every record of r in format f (values chosen by sel)
// and calls fn with each record's result, in order. Text is read in
// chunks through a Stream, so its size is not bounded by memory; JSON Lines
// records up to MaxLine bytes and JSON documents up to MaxDocument. An
// error reading r, or returned by fn, stops the scan; a malformed record
// does not (see Record.Error).
func (a *Analyzer) ScanFile(r io.Reader, f Format, sel *Selector, fn func(Record) error) error {
	red, err := NewRedactor(a, Redact{}, nil)
	if err != nil {
		return err
	}
	return red.process(r, nil, f, sel, fn)
}

// RedactFile writes a redacted copy of r to w, record by record, and calls
// fn (which may be nil) with what each record held. JSON keeps its layout
// (see RedactJSON); a record that is not valid JSON is redacted as plain
// text and reported with an Error. On an error nothing more is written;
// the caller should discard w's content.
func (rd *Redactor) RedactFile(r io.Reader, w io.Writer, f Format, sel *Selector, fn func(Record) error) error {
	if fn == nil {
		fn = func(Record) error { return nil }
	}
	return rd.process(r, w, f, sel, fn)
}

func (rd *Redactor) process(r io.Reader, w io.Writer, f Format, sel *Selector, fn func(Record) error) error {
	switch f {
	case FormatText:
		return rd.processText(r, w, fn)
	case FormatJSONLines:
		return rd.processLines(r, w, sel, fn)
	case FormatJSON:
		return rd.processDocument(r, w, sel, fn)
	}
	return fmt.Errorf("pii: unknown format %d", f)
}

func position(n int) json.RawMessage { return json.RawMessage(strconv.Itoa(n)) }

func (rd *Redactor) processText(r io.Reader, w io.Writer, fn func(Record) error) error {
	s := rd.NewStream(TextField, 0)
	rec := Record{ID: position(1), Line: 1, Spans: []FieldSpan{}}
	buf := make([]byte, 64<<10)
	var carry []byte // an incomplete UTF-8 sequence at a chunk's end
	emit := func(out string) error {
		for _, sp := range s.Spans() {
			rec.Spans = append(rec.Spans, FieldSpan{Field: TextField, Span: sp})
		}
		if w != nil {
			_, err := io.WriteString(w, out)
			return err
		}
		return nil
	}
	for {
		n, err := r.Read(buf)
		if n > 0 {
			chunk := append(carry, buf[:n]...)
			k := completeUTF8(chunk)
			carry = append([]byte(nil), chunk[k:]...)
			out, perr := s.Push(string(chunk[:k]))
			if perr != nil {
				return perr
			}
			if werr := emit(out); werr != nil {
				return werr
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
	}
	if len(carry) > 0 {
		if _, err := s.Push(string(carry)); err != nil {
			return err
		}
	}
	out, err := s.Close()
	if err != nil {
		return err
	}
	if err := emit(out); err != nil {
		return err
	}
	return fn(rec)
}

// completeUTF8 returns the length of b without a trailing incomplete UTF-8
// sequence (at most three bytes are held over).
func completeUTF8(b []byte) int {
	for k := 1; k <= 3 && k <= len(b); k++ {
		c := b[len(b)-k]
		if c < 0x80 {
			return len(b)
		}
		if c >= 0xC0 { // a lead byte: is its sequence complete?
			need := 2
			if c >= 0xE0 {
				need = 3
			}
			if c >= 0xF0 {
				need = 4
			}
			if k < need {
				return len(b) - k
			}
			return len(b)
		}
	}
	return len(b)
}

func (rd *Redactor) processLines(r io.Reader, w io.Writer, sel *Selector, fn func(Record) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	for line := 1; ; line++ {
		b, err := readLine(br)
		if len(b) == 0 && errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil && !errors.Is(err, io.EOF) {
			if errors.Is(err, errLineTooLong) {
				return fmt.Errorf("line %d: %w", line, err)
			}
			return err
		}
		body, nl := trimNewline(b)
		if len(bytes.TrimSpace(body)) == 0 {
			if w != nil {
				if _, werr := w.Write(b); werr != nil {
					return werr
				}
			}
			continue
		}
		rec, out, rerr := rd.record(body, w != nil, sel, position(line))
		if rerr != nil {
			return fmt.Errorf("line %d: %w", line, rerr)
		}
		rec.Line = line
		if w != nil {
			if _, werr := w.Write(append(out, nl...)); werr != nil {
				return werr
			}
		}
		if ferr := fn(rec); ferr != nil {
			return ferr
		}
	}
}

var errLineTooLong = fmt.Errorf("a JSON Lines record is longer than %d MiB", MaxLine>>20)

func readLine(br *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		frag, err := br.ReadSlice('\n')
		line = append(line, frag...)
		if len(line) > MaxLine {
			return nil, errLineTooLong
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return line, err
		}
	}
}

func trimNewline(b []byte) ([]byte, []byte) {
	n := len(b)
	if n > 0 && b[n-1] == '\n' {
		n--
		if n > 0 && b[n-1] == '\r' {
			n--
		}
	}
	return b[:n], b[n:]
}

// record analyses (and, when rewrite is set, redacts) one JSON record;
// invalid JSON is handled as text. Only operator errors are returned.
func (rd *Redactor) record(doc []byte, rewrite bool, sel *Selector, pos json.RawMessage) (Record, []byte, error) {
	var res RecordResult
	var out []byte
	var err error
	if rewrite {
		out, res, err = rd.RedactJSON(doc, sel)
	} else {
		res, err = rd.a.AnalyzeJSON(doc, sel)
	}
	if err == nil {
		rec := Record{ID: res.ID, Spans: res.Spans}
		if len(rec.ID) == 0 {
			rec.ID = pos
		}
		if rec.Spans == nil {
			rec.Spans = []FieldSpan{}
		}
		return rec, out, nil
	}
	if !errors.Is(err, ErrJSON) {
		return Record{}, nil, err
	}
	// Fail closed: a record we cannot parse is still redacted, as text.
	text, spans, rerr := rd.RedactField(string(doc), TextField)
	if rerr != nil {
		return Record{}, nil, rerr
	}
	rec := Record{ID: pos, Spans: []FieldSpan{}, Error: err.Error() + "; analysed as plain text"}
	for _, s := range spans {
		rec.Spans = append(rec.Spans, FieldSpan{Field: TextField, Span: s})
	}
	return rec, []byte(text), nil
}

func (rd *Redactor) processDocument(r io.Reader, w io.Writer, sel *Selector, fn func(Record) error) error {
	doc, err := io.ReadAll(io.LimitReader(r, MaxDocument+1))
	if err != nil {
		return err
	}
	if len(doc) > MaxDocument {
		return fmt.Errorf("a JSON document is longer than %d MiB: split it into JSON Lines", MaxDocument>>20)
	}
	elems, err := arrayElements(doc)
	if err != nil || elems == nil {
		// One record (or malformed JSON, handled as text by record).
		rec, out, rerr := rd.record(doc, w != nil, sel, position(1))
		if rerr != nil {
			return rerr
		}
		rec.Line = 1
		if w != nil {
			if _, werr := w.Write(out); werr != nil {
				return werr
			}
		}
		return fn(rec)
	}
	pos := 0
	for i, e := range elems {
		rec, out, rerr := rd.record(doc[e[0]:e[1]], w != nil, sel, position(i+1))
		if rerr != nil {
			return fmt.Errorf("element %d: %w", i+1, rerr)
		}
		rec.Line = 1 + bytes.Count(doc[:e[0]], []byte{'\n'})
		if w != nil {
			if _, werr := w.Write(doc[pos:e[0]]); werr != nil {
				return werr
			}
			if _, werr := w.Write(out); werr != nil {
				return werr
			}
			pos = e[1]
		}
		if ferr := fn(rec); ferr != nil {
			return ferr
		}
	}
	if w != nil {
		_, err = w.Write(doc[pos:])
	}
	return err
}

// arrayElements returns the byte ranges of the elements of a top-level
// JSON array, nil for another valid document, or the syntax error.
func arrayElements(doc []byte) ([][2]int, error) {
	w := jsonWalker{src: doc}
	if err := w.run(); err != nil {
		return nil, err
	}
	w = jsonWalker{src: doc}
	w.ws()
	if w.pos >= len(doc) || doc[w.pos] != '[' {
		return nil, nil
	}
	w.pos++
	elems := [][2]int{}
	for {
		w.ws()
		if doc[w.pos] == ']' {
			return elems, nil
		}
		s := w.pos
		if err := w.value(1); err != nil {
			return nil, err
		}
		elems = append(elems, [2]int{s, w.pos})
		w.ws()
		if doc[w.pos] == ',' {
			w.pos++
		}
	}
}
