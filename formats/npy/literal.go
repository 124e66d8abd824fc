package npy

import (
	"fmt"
	"strconv"
	"strings"
)

// parser reads the Python literals numpy writes in headers: dicts with
// string keys, tuples, lists, strings, integers, True, False and None.
type parser struct {
	s    string
	i    int
	base int64 // offset of s in the file, for errors
}

func (p *parser) errf(format string, args ...any) error {
	return &Error{p.base + int64(p.i), fmt.Sprintf(format, args...)}
}

func (p *parser) space() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *parser) value(depth int) (any, error) {
	if depth > maxDepth {
		return nil, p.errf("literal nested deeper than %d", maxDepth)
	}
	p.space()
	if p.i >= len(p.s) {
		return nil, p.errf("unexpected end of header")
	}
	switch c := p.s[p.i]; {
	case c == '{':
		return p.dict(depth)
	case c == '(':
		v, err := p.seq(depth, ')')
		return tuple(v), err
	case c == '[':
		return p.seq(depth, ']')
	case c == '\'' || c == '"':
		return p.str()
	case c == '-' || c == '+' || c >= '0' && c <= '9':
		return p.int()
	}
	for _, w := range []struct {
		s string
		v any
	}{{"True", true}, {"False", false}, {"None", nil}} {
		if strings.HasPrefix(p.s[p.i:], w.s) {
			p.i += len(w.s)
			return w.v, nil
		}
	}
	return nil, p.errf("unexpected %q", p.s[p.i])
}

func (p *parser) dict(depth int) (any, error) {
	p.i++ // {
	m := map[string]any{}
	for {
		p.space()
		if p.i < len(p.s) && p.s[p.i] == '}' {
			p.i++
			return m, nil
		}
		k, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		ks, ok := k.(string)
		if !ok {
			return nil, p.errf("dict key %v is not a string", k)
		}
		if _, dup := m[ks]; dup {
			return nil, p.errf("duplicate key %q", ks)
		}
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return nil, p.errf("expected ':'")
		}
		p.i++
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		m[ks] = v
		p.space()
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
			continue
		}
		if p.i < len(p.s) && p.s[p.i] == '}' {
			continue
		}
		return nil, p.errf("expected ',' or '}'")
	}
}

// seq parses a tuple or list; a one-element tuple needs its trailing comma.
func (p *parser) seq(depth int, close byte) ([]any, error) {
	p.i++
	out := []any{}
	comma := false
	for {
		p.space()
		if p.i < len(p.s) && p.s[p.i] == close {
			p.i++
			if close == ')' && len(out) == 1 && !comma {
				return nil, p.errf("parenthesised value is not a tuple")
			}
			return out, nil
		}
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		p.space()
		comma = false
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
			comma = true
			continue
		}
		if p.i < len(p.s) && p.s[p.i] == close {
			continue
		}
		return nil, p.errf("expected ',' or %q", close)
	}
}

func (p *parser) str() (string, error) {
	q := p.s[p.i]
	p.i++
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == q:
			p.i++
			return b.String(), nil
		case c == '\\':
			if p.i+1 >= len(p.s) {
				return "", p.errf("unterminated string")
			}
			b.WriteByte(p.s[p.i+1]) // only \\ and quotes occur in dtype names
			p.i += 2
		case c == '\n':
			return "", p.errf("newline in string")
		default:
			b.WriteByte(c)
			p.i++
		}
	}
	return "", p.errf("unterminated string")
}

func (p *parser) int() (int64, error) {
	j := p.i
	if p.s[j] == '-' || p.s[j] == '+' {
		j++
	}
	for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
		j++
	}
	n, err := strconv.ParseInt(p.s[p.i:j], 10, 64)
	if err != nil {
		return 0, p.errf("bad integer %q", p.s[p.i:j])
	}
	if j < len(p.s) && p.s[j] == 'L' { // Python 2 longs in old files
		j++
	}
	p.i = j
	return n, nil
}
