package jinja

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

type tokKind int

const (
	tkName tokKind = iota
	tkString
	tkNumber
	tkOp
	tkEnd // end of a tag
)

type token struct {
	kind tokKind
	val  string // decoded value for strings
	off  int
	// escaped marks a string literal that used a backslash escape other
	// than \n, \t, \r, \\, \' and \".
	escaped bool
}

// A tag is one {{ }} or {% %} block, or a run of template text.
type tag struct {
	stmt bool // {% %} rather than {{ }}
	text string
	toks []token
	off  int
	// isText marks literal template data (text holds it).
	isText bool
}

type lexError struct {
	off int
	msg string
}

func (e *lexError) Error() string { return fmt.Sprintf("offset %d: %s", e.off, e.msg) }

// lex splits a template into text runs and tags. Comments are dropped and
// {% raw %} blocks become text, as in Jinja's default configuration.
func lex(src string) ([]tag, error) {
	var out []tag
	pos := 0
	for pos < len(src) {
		i := nextOpen(src, pos)
		if i < 0 {
			out = append(out, tag{isText: true, text: src[pos:], off: pos})
			break
		}
		if i > pos {
			out = append(out, tag{isText: true, text: src[pos:i], off: pos})
		}
		kind := src[i+1]
		p := i + 2
		if p < len(src) && (src[p] == '-' || src[p] == '+') {
			p++
		}
		switch kind {
		case '#':
			j := strings.Index(src[p:], "#}")
			if j < 0 {
				return out, &lexError{i, "unterminated comment"}
			}
			pos = p + j + 2
			continue
		case '%':
			if end, body, ok := rawBlock(src, p); ok {
				out = append(out, tag{isText: true, text: body, off: p})
				pos = end
				continue
			}
		}
		toks, end, err := lexExpr(src, p, kind == '%')
		if err != nil {
			// Keep what the broken tag held up to the error: a template
			// that does not parse is still checked.
			if len(toks) > 0 {
				out = append(out, tag{stmt: kind == '%', toks: append(toks, token{kind: tkEnd, off: end}), off: i})
			}
			return out, err
		}
		out = append(out, tag{stmt: kind == '%', toks: toks, off: i})
		pos = end
	}
	return out, nil
}

func nextOpen(src string, pos int) int {
	for {
		j := strings.IndexByte(src[pos:], '{')
		if j < 0 || pos+j+1 >= len(src) {
			return -1
		}
		c := src[pos+j+1]
		if c == '{' || c == '%' || c == '#' {
			return pos + j
		}
		pos += j + 1
	}
}

// rawBlock recognises "raw %}...{% endraw %}" starting at p.
func rawBlock(src string, p int) (end int, body string, ok bool) {
	q := skipSpace(src, p)
	if !strings.HasPrefix(src[q:], "raw") {
		return 0, "", false
	}
	q = skipSpace(src, q+3)
	if q < len(src) && (src[q] == '-' || src[q] == '+') {
		q++
	}
	if !strings.HasPrefix(src[q:], "%}") {
		return 0, "", false
	}
	start := q + 2
	for k := start; k < len(src); {
		j := strings.Index(src[k:], "{%")
		if j < 0 {
			break
		}
		m := k + j + 2
		if m < len(src) && (src[m] == '-' || src[m] == '+') {
			m++
		}
		m = skipSpace(src, m)
		if strings.HasPrefix(src[m:], "endraw") {
			m = skipSpace(src, m+6)
			if m < len(src) && (src[m] == '-' || src[m] == '+') {
				m++
			}
			if strings.HasPrefix(src[m:], "%}") {
				return m + 2, src[start : k+j], true
			}
		}
		k = k + j + 2
	}
	return 0, "", false
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

var ops3 = []string{"//", "**", "==", "!=", "<=", ">="}

// lexExpr tokenizes the inside of a tag up to its closing delimiter.
// Braces are balanced, as Jinja does, so a dict literal's "}}" does not
// end a {{ }} block.
func lexExpr(src string, p int, stmt bool) ([]token, int, error) {
	closer := "}}"
	if stmt {
		closer = "%}"
	}
	var toks []token
	depth := 0
	for {
		p = skipSpace(src, p)
		if p >= len(src) {
			return toks, p, &lexError{p, "unterminated tag"}
		}
		if depth == 0 {
			q := p
			if src[q] == '-' || src[q] == '+' {
				q++
			}
			if strings.HasPrefix(src[q:], closer) {
				toks = append(toks, token{kind: tkEnd, off: q})
				return toks, q + 2, nil
			}
		}
		c := src[p]
		switch {
		case c == '\'' || c == '"':
			val, n, esc, err := decodeString(src, p)
			if err != nil {
				return toks, p, err
			}
			toks = append(toks, token{kind: tkString, val: val, off: p, escaped: esc})
			p += n
		case isIdentStart(c):
			q := p
			for q < len(src) && isIdentPart(src[q]) {
				q++
			}
			toks = append(toks, token{kind: tkName, val: src[p:q], off: p})
			p = q
		case c >= '0' && c <= '9':
			q := p
			for q < len(src) && (isIdentPart(src[q]) || src[q] == '.' && q+1 < len(src) && src[q+1] >= '0' && src[q+1] <= '9') {
				q++
			}
			toks = append(toks, token{kind: tkNumber, val: src[p:q], off: p})
			p = q
		default:
			op := string(c)
			for _, o := range ops3 {
				if strings.HasPrefix(src[p:], o) {
					op = o
				}
			}
			switch op {
			case "(", "[", "{":
				depth++
			case ")", "]", "}":
				depth--
			}
			if c >= utf8.RuneSelf {
				_, n := utf8.DecodeRuneInString(src[p:])
				op = src[p : p+n]
			}
			toks = append(toks, token{kind: tkOp, val: op, off: p})
			p += len(op)
		}
	}
}

func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isIdentPart(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }

// decodeString decodes a quoted literal at src[p] with Python's
// unicode-escape rules, which is what Jinja applies. It returns the value,
// the literal's length and whether an unusual escape was used.
func decodeString(src string, p int) (string, int, bool, error) {
	q := src[p]
	var b strings.Builder
	esc := false
	i := p + 1
	for i < len(src) {
		c := src[i]
		if c == q {
			return b.String(), i + 1 - p, esc, nil
		}
		if c != '\\' {
			b.WriteByte(c)
			i++
			continue
		}
		if i+1 >= len(src) {
			break
		}
		e := src[i+1]
		i += 2
		switch e {
		case '\\', '\'', '"':
			b.WriteByte(e)
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case '\n':
			// line continuation
		case 'a', 'b', 'f', 'v':
			esc = true
			b.WriteByte(map[byte]byte{'a': 7, 'b': 8, 'f': 12, 'v': 11}[e])
		case 'x', 'u', 'U':
			esc = true
			n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
			if i+n > len(src) {
				return "", 0, esc, &lexError{i, "truncated \\" + string(e) + " escape"}
			}
			v, err := strconv.ParseUint(src[i:i+n], 16, 32)
			if err != nil || v > utf8.MaxRune {
				return "", 0, esc, &lexError{i, "bad \\" + string(e) + " escape"}
			}
			b.WriteRune(rune(v))
			i += n
		case 'N':
			esc = true
			j := strings.IndexByte(src[i:], '}')
			if i >= len(src) || src[i] != '{' || j < 0 {
				return "", 0, esc, &lexError{i, "bad \\N escape"}
			}
			name := strings.ToUpper(src[i+1 : i+j])
			i += j + 1
			if r, ok := unicodeNames[name]; ok {
				b.WriteRune(r)
			} else {
				b.WriteString("\\N{" + name + "}")
			}
		default:
			if e >= '0' && e <= '7' {
				esc = true
				v := int(e - '0')
				for k := 0; k < 2 && i < len(src) && src[i] >= '0' && src[i] <= '7'; k++ {
					v = v*8 + int(src[i]-'0')
					i++
				}
				b.WriteRune(rune(v))
				continue
			}
			b.WriteByte('\\')
			b.WriteByte(e)
		}
	}
	return "", 0, esc, &lexError{p, "unterminated string"}
}

// unicodeNames covers the \N{...} names an attacker needs to spell
// identifiers; other names are kept verbatim.
var unicodeNames = map[string]rune{
	"LOW LINE": '_', "FULL STOP": '.', "SPACE": ' ', "LEFT SQUARE BRACKET": '[', "RIGHT SQUARE BRACKET": ']',
}

func init() {
	for c := 'A'; c <= 'Z'; c++ {
		unicodeNames["LATIN CAPITAL LETTER "+string(c)] = c
		unicodeNames["LATIN SMALL LETTER "+string(c)] = c + 32
	}
}
