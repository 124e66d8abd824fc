package pii

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// ErrJSON is wrapped by every error about malformed JSON.
var ErrJSON = errors.New("malformed JSON")

// MaxJSONDepth bounds the nesting of arrays and objects, so a hostile
// record cannot exhaust the stack.
const MaxJSONDepth = 512

// jsonWalker reads one JSON document byte by byte (RFC 8259, strictly) and
// calls visit for each selected string (and number) value. When rewriting,
// it copies the document to out unchanged except for the values visit
// replaces, so keys, order, spacing and untouched values stay byte for
// byte as they were.
type jsonWalker struct {
	src     []byte
	pos     int
	rewrite bool
	out     []byte
	copied  int
	path    []pathElem
	sel     *Selector
	visit   func(path []pathElem, value string) (string, bool)
	id      []byte // the raw value of a top-level "id" (string or number)
	// views makes keys, numbers and strings without escapes strings that
	// share src's memory instead of copies (a quarter of the gateway's
	// redaction allocations). Only for a walk whose visit keeps none of
	// them past the walk (RedactJSON without custom recognizers).
	views bool
}

// text is src[start:end] as a string: a view when w.views, else a copy.
func (w *jsonWalker) text(start, end int) string {
	if w.views {
		return unsafe.String(unsafe.SliceData(w.src[start:end]), end-start)
	}
	return string(w.src[start:end])
}

func (w *jsonWalker) errorf(format string, args ...any) error {
	return fmt.Errorf("%w at byte %d: %s", ErrJSON, w.pos, fmt.Sprintf(format, args...))
}

func (w *jsonWalker) run() error {
	w.ws()
	if w.pos >= len(w.src) {
		return w.errorf("empty document")
	}
	if err := w.value(0); err != nil {
		return err
	}
	w.ws()
	if w.pos != len(w.src) {
		return w.errorf("unexpected data after the value")
	}
	if w.rewrite {
		w.out = append(w.out, w.src[w.copied:]...)
	}
	return nil
}

func (w *jsonWalker) ws() {
	for w.pos < len(w.src) {
		switch w.src[w.pos] {
		case ' ', '\t', '\n', '\r':
			w.pos++
		default:
			return
		}
	}
}

func (w *jsonWalker) value(depth int) error {
	if depth > MaxJSONDepth {
		return w.errorf("nested deeper than %d levels", MaxJSONDepth)
	}
	if w.pos >= len(w.src) {
		return w.errorf("unexpected end of input")
	}
	switch c := w.src[w.pos]; {
	case c == '{':
		return w.object(depth)
	case c == '[':
		return w.array(depth)
	case c == '"':
		start := w.pos
		s, err := w.str()
		if err != nil {
			return err
		}
		w.leaf(start, s)
		return nil
	case c == '-' || c >= '0' && c <= '9':
		start := w.pos
		if err := w.number(); err != nil {
			return err
		}
		w.leaf(start, w.text(start, w.pos))
		return nil
	default:
		for _, lit := range []string{"true", "false", "null"} {
			if len(w.src)-w.pos >= len(lit) && string(w.src[w.pos:w.pos+len(lit)]) == lit {
				w.pos += len(lit)
				return nil
			}
		}
		return w.errorf("unexpected character %q", c)
	}
}

// leaf handles a string or number value spanning src[start:w.pos] whose
// text is s.
func (w *jsonWalker) leaf(start int, s string) {
	if len(w.path) == 1 && !w.path[0].isIdx && w.path[0].key == "id" {
		w.id = w.src[start:w.pos]
	}
	if w.visit == nil || !w.sel.match(w.path) {
		return
	}
	repl, changed := w.visit(w.path, s)
	if changed && w.rewrite {
		w.out = append(w.out, w.src[w.copied:start]...)
		w.out = appendJSONString(w.out, repl)
		w.copied = w.pos
	}
}

func (w *jsonWalker) object(depth int) error {
	w.pos++ // {
	w.ws()
	if w.pos < len(w.src) && w.src[w.pos] == '}' {
		w.pos++
		return nil
	}
	for {
		w.ws()
		if w.pos >= len(w.src) || w.src[w.pos] != '"' {
			return w.errorf("expected a key in quotes")
		}
		key, err := w.str()
		if err != nil {
			return err
		}
		w.ws()
		if w.pos >= len(w.src) || w.src[w.pos] != ':' {
			return w.errorf("expected ':' after a key")
		}
		w.pos++
		w.ws()
		w.path = append(w.path, pathElem{key: key})
		if err := w.value(depth + 1); err != nil {
			return err
		}
		w.path = w.path[:len(w.path)-1]
		w.ws()
		if w.pos >= len(w.src) {
			return w.errorf("unexpected end of input in an object")
		}
		switch w.src[w.pos] {
		case ',':
			w.pos++
		case '}':
			w.pos++
			return nil
		default:
			return w.errorf("expected ',' or '}' in an object")
		}
	}
}

func (w *jsonWalker) array(depth int) error {
	w.pos++ // [
	w.ws()
	if w.pos < len(w.src) && w.src[w.pos] == ']' {
		w.pos++
		return nil
	}
	for i := 0; ; i++ {
		w.ws()
		w.path = append(w.path, pathElem{index: i, isIdx: true})
		if err := w.value(depth + 1); err != nil {
			return err
		}
		w.path = w.path[:len(w.path)-1]
		w.ws()
		if w.pos >= len(w.src) {
			return w.errorf("unexpected end of input in an array")
		}
		switch w.src[w.pos] {
		case ',':
			w.pos++
		case ']':
			w.pos++
			return nil
		default:
			return w.errorf("expected ',' or ']' in an array")
		}
	}
}

func (w *jsonWalker) number() error {
	p := w.pos
	if w.src[p] == '-' {
		p++
	}
	digits := func() int {
		n := 0
		for p < len(w.src) && isDigit(w.src[p]) {
			p, n = p+1, n+1
		}
		return n
	}
	if p < len(w.src) && w.src[p] == '0' {
		p++
	} else if digits() == 0 {
		w.pos = p
		return w.errorf("malformed number")
	}
	if p < len(w.src) && w.src[p] == '.' {
		p++
		if digits() == 0 {
			w.pos = p
			return w.errorf("malformed number")
		}
	}
	if p < len(w.src) && (w.src[p] == 'e' || w.src[p] == 'E') {
		p++
		if p < len(w.src) && (w.src[p] == '+' || w.src[p] == '-') {
			p++
		}
		if digits() == 0 {
			w.pos = p
			return w.errorf("malformed number")
		}
	}
	w.pos = p
	return nil
}

// str decodes the string at w.pos (which is a quote) and moves past it.
// Invalid UTF-8 and lone surrogates decode to U+FFFD, as encoding/json
// decodes them.
func (w *jsonWalker) str() (string, error) {
	p := w.pos + 1
	start := p
	// Fast path: no escapes, valid UTF-8.
	for p < len(w.src) {
		c := w.src[p]
		if c == '"' {
			if utf8.Valid(w.src[start:p]) {
				w.pos = p + 1
				return w.text(start, p), nil
			}
			break
		}
		if c == '\\' || c < 0x20 {
			break
		}
		p++
	}
	var b []byte
	p = start
	for {
		if p >= len(w.src) {
			w.pos = p
			return "", w.errorf("unterminated string")
		}
		c := w.src[p]
		switch {
		case c == '"':
			w.pos = p + 1
			return string(b), nil
		case c < 0x20:
			w.pos = p
			return "", w.errorf("control character in a string")
		case c == '\\':
			if p+1 >= len(w.src) {
				w.pos = p
				return "", w.errorf("unterminated escape")
			}
			e := w.src[p+1]
			p += 2
			switch e {
			case '"', '\\', '/':
				b = append(b, e)
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r, n, ok := hex4(w.src, p)
				if !ok {
					w.pos = p
					return "", w.errorf("malformed \\u escape")
				}
				p += n
				if utf16.IsSurrogate(r) {
					r2, n2, ok2 := rune(0), 0, false
					if p+1 < len(w.src) && w.src[p] == '\\' && w.src[p+1] == 'u' {
						r2, n2, ok2 = hex4(w.src, p+2)
					}
					if dec := utf16.DecodeRune(r, r2); ok2 && dec != utf8.RuneError {
						r = dec
						p += 2 + n2
					} else {
						r = utf8.RuneError
					}
				}
				b = utf8.AppendRune(b, r)
			default:
				w.pos = p - 1
				return "", w.errorf("unknown escape \\%c", e)
			}
		case c < utf8.RuneSelf:
			b = append(b, c)
			p++
		default:
			r, n := utf8.DecodeRune(w.src[p:])
			b = utf8.AppendRune(b, r)
			p += n
		}
	}
}

func hex4(src []byte, p int) (rune, int, bool) {
	if p+4 > len(src) {
		return 0, 0, false
	}
	v, err := strconv.ParseUint(string(src[p:p+4]), 16, 32)
	if err != nil {
		return 0, 0, false
	}
	return rune(v), 4, true
}

// appendJSONString appends s as a JSON string. Unlike encoding/json it
// leaves <, > and & alone (a redacted log is not HTML), and like it
// escapes control characters and U+2028/U+2029.
func appendJSONString(b []byte, s string) []byte {
	const hexd = "0123456789abcdef"
	b = append(b, '"')
	for _, r := range s {
		switch {
		case r == '"':
			b = append(b, '\\', '"')
		case r == '\\':
			b = append(b, '\\', '\\')
		case r == '\n':
			b = append(b, '\\', 'n')
		case r == '\r':
			b = append(b, '\\', 'r')
		case r == '\t':
			b = append(b, '\\', 't')
		case r < 0x20 || r == 0x2028 || r == 0x2029:
			b = append(b, '\\', 'u', hexd[r>>12&0xf], hexd[r>>8&0xf], hexd[r>>4&0xf], hexd[r&0xf])
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return append(b, '"')
}
