package pii

import (
	"fmt"
	"strconv"
	"strings"
)

// A Selector chooses the string values of a JSON record to analyse, by
// simple paths: keys separated by dots, "[*]" for every element of an
// array, "[N]" for one element, "*" for any key. "request.prompt",
// "messages[*].content", "choices[0].message.content", "*.text". A nil or
// empty Selector selects every string value.
type Selector struct {
	paths [][]pathSeg
}

type pathSeg struct {
	key   string // a key, or "" for an array index
	index int    // -1 for any index
	any   bool   // "*": any key
	isIdx bool
}

// ParseSelector compiles paths (each may itself be a comma-separated list,
// as a --fields flag gives them).
func ParseSelector(paths ...string) (*Selector, error) {
	s := &Selector{}
	for _, list := range paths {
		for _, p := range strings.Split(list, ",") {
			p = strings.TrimSpace(p)
			if p == "" {
				continue
			}
			segs, err := parsePath(p)
			if err != nil {
				return nil, fmt.Errorf("field path %q: %w", p, err)
			}
			s.paths = append(s.paths, segs)
		}
	}
	return s, nil
}

func parsePath(p string) ([]pathSeg, error) {
	var segs []pathSeg
	for _, part := range strings.Split(p, ".") {
		if part == "" {
			return nil, fmt.Errorf("empty key (two dots, or a dot at an end)")
		}
		key := part
		rest := ""
		if i := strings.IndexByte(part, '['); i >= 0 {
			key, rest = part[:i], part[i:]
		}
		if key != "" {
			segs = append(segs, pathSeg{key: key, any: key == "*"})
		}
		for rest != "" {
			j := strings.IndexByte(rest, ']')
			if rest[0] != '[' || j < 0 {
				return nil, fmt.Errorf("unclosed or misplaced [")
			}
			idx := rest[1:j]
			seg := pathSeg{isIdx: true, index: -1}
			if idx != "*" {
				n, err := strconv.Atoi(idx)
				if err != nil || n < 0 {
					return nil, fmt.Errorf("index %q is neither * nor a number", idx)
				}
				seg.index = n
			}
			segs = append(segs, seg)
			rest = rest[j+1:]
		}
	}
	return segs, nil
}

// all reports whether the selector selects every value.
func (s *Selector) all() bool { return s == nil || len(s.paths) == 0 }

// match reports whether the concrete path (keys and indices) is selected.
func (s *Selector) match(path []pathElem) bool {
	if s.all() {
		return true
	}
outer:
	for _, p := range s.paths {
		if len(p) != len(path) {
			continue
		}
		for i, seg := range p {
			e := path[i]
			switch {
			case seg.isIdx != e.isIdx:
				continue outer
			case seg.isIdx && seg.index >= 0 && seg.index != e.index:
				continue outer
			case !seg.isIdx && !seg.any && seg.key != e.key:
				continue outer
			}
		}
		return true
	}
	return false
}

// A pathElem is one step of a concrete path: a key or an array index.
type pathElem struct {
	key   string
	index int
	isIdx bool
}

// formatPath renders a concrete path: request.prompt, messages[2].content.
func formatPath(path []pathElem) string {
	var b strings.Builder
	for i, e := range path {
		if e.isIdx {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(e.index))
			b.WriteByte(']')
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(e.key)
	}
	return b.String()
}
