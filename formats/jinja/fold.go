package jinja

import (
	"strconv"
	"strings"
)

// vkind is what the folder knows about a value.
type vkind int

const (
	vUnknown vkind = iota
	vStr
	vNum
	vList
)

// val is a constant-folded value: a string, an integer, a list of
// values, or unknown.
type val struct {
	k    vkind
	s    string
	n    int64
	list []val
}

var unknown = val{}

func str(s string) val { return val{k: vStr, s: s} }

// text renders a value as Jinja's str() would, if known.
func (v val) text() (string, bool) {
	switch v.k {
	case vStr:
		return v.s, true
	case vNum:
		return strconv.FormatInt(v.n, 10), true
	}
	return "", false
}

// maxValue bounds one folded string; budget bounds all folding work.
const maxValue = 1 << 20

func (c *checker) mk(s string) val {
	c.budget -= len(s)
	if len(s) > maxValue || c.budget < 0 {
		return unknown
	}
	c.noteString(s)
	return str(s)
}

// concat folds a ~ b (any types stringified) or a + b (strict).
func (c *checker) concat(a, b val, strict bool) val {
	if strict && a.k == vList && b.k == vList {
		if len(a.list)+len(b.list) > 10000 {
			return unknown
		}
		return val{k: vList, list: append(append([]val{}, a.list...), b.list...)}
	}
	if strict && a.k == vNum && b.k == vNum {
		return val{k: vNum, n: a.n + b.n}
	}
	if strict && (a.k != vStr || b.k != vStr) {
		return unknown
	}
	x, ok1 := a.text()
	y, ok2 := b.text()
	if !ok1 || !ok2 {
		return unknown
	}
	return c.mk(x + y)
}

// percent folds printf-style formatting: '%s%s' % ('__cla', 'ss__').
func (c *checker) percent(f val, args val) val {
	if f.k != vStr {
		if f.k == vNum && args.k == vNum && args.n != 0 {
			return val{k: vNum, n: f.n % args.n}
		}
		return unknown
	}
	list := []val{args}
	if args.k == vList {
		list = args.list
	}
	var b strings.Builder
	s := f.s
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		i++
		if i >= len(s) {
			return unknown
		}
		if s[i] == '%' {
			b.WriteByte('%')
			continue
		}
		if len(list) == 0 {
			return unknown
		}
		a := list[0]
		list = list[1:]
		switch s[i] {
		case 's', 'r', 'd', 'i':
			t, ok := a.text()
			if !ok {
				return unknown
			}
			if s[i] == 'r' && a.k == vStr {
				t = "'" + t + "'"
			}
			b.WriteString(t)
		case 'c':
			switch a.k {
			case vNum:
				b.WriteRune(rune(a.n))
			case vStr:
				b.WriteString(a.s)
			default:
				return unknown
			}
		default:
			return unknown
		}
	}
	return c.mk(b.String())
}

// pyFormat folds str.format with {} and {N} fields.
func (c *checker) pyFormat(f string, args []val) val {
	var b strings.Builder
	auto := 0
	for i := 0; i < len(f); i++ {
		switch {
		case f[i] == '{' && i+1 < len(f) && f[i+1] == '{':
			b.WriteByte('{')
			i++
		case f[i] == '}' && i+1 < len(f) && f[i+1] == '}':
			b.WriteByte('}')
			i++
		case f[i] == '{':
			j := strings.IndexByte(f[i:], '}')
			if j < 0 {
				return unknown
			}
			field := f[i+1 : i+j]
			idx := auto
			if field != "" {
				n, err := strconv.Atoi(field)
				if err != nil {
					return unknown
				}
				idx = n
			} else {
				auto++
			}
			if idx < 0 || idx >= len(args) {
				return unknown
			}
			t, ok := args[idx].text()
			if !ok {
				return unknown
			}
			b.WriteString(t)
			i += j
		default:
			b.WriteByte(f[i])
		}
	}
	return c.mk(b.String())
}

func reverse(s string) string {
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}

// filter folds the string filters attackers use to assemble names.
func (c *checker) filter(name string, v val, args []val) val {
	arg := func(i int) (string, bool) {
		if i < len(args) {
			return args[i].text()
		}
		return "", false
	}
	switch name {
	case "join":
		if v.k != vList && v.k != vStr {
			return unknown
		}
		items := v.list
		if v.k == vStr {
			return v
		}
		sep := ""
		if len(args) > 0 {
			s, ok := arg(0)
			if !ok {
				return unknown
			}
			sep = s
		}
		parts := make([]string, 0, len(items))
		for _, it := range items {
			t, ok := it.text()
			if !ok {
				return unknown
			}
			parts = append(parts, t)
		}
		return c.mk(strings.Join(parts, sep))
	case "reverse":
		switch v.k {
		case vStr:
			return c.mk(reverse(v.s))
		case vList:
			out := make([]val, len(v.list))
			for i, x := range v.list {
				out[len(out)-1-i] = x
			}
			return val{k: vList, list: out}
		}
	case "lower", "upper", "string", "trim", "capitalize", "title", "e", "escape", "safe", "striptags":
		t, ok := v.text()
		if !ok {
			return unknown
		}
		switch name {
		case "lower":
			t = strings.ToLower(t)
		case "upper":
			t = strings.ToUpper(t)
		case "trim":
			t = strings.TrimSpace(t)
		}
		return c.mk(t)
	case "replace":
		t, ok := v.text()
		a, ok1 := arg(0)
		b, ok2 := arg(1)
		if !ok || !ok1 || !ok2 {
			return unknown
		}
		return c.mk(strings.ReplaceAll(t, a, b))
	case "format":
		return c.percent(v, val{k: vList, list: args})
	case "first", "last":
		if v.k == vStr && v.s != "" {
			r := []rune(v.s)
			if name == "first" {
				return c.mk(string(r[0]))
			}
			return c.mk(string(r[len(r)-1]))
		}
		if v.k == vList && len(v.list) > 0 {
			if name == "first" {
				return v.list[0]
			}
			return v.list[len(v.list)-1]
		}
	case "list":
		if v.k == vStr && len(v.s) <= 10000 {
			var out []val
			for _, r := range v.s {
				out = append(out, str(string(r)))
			}
			return val{k: vList, list: out}
		}
		if v.k == vList {
			return v
		}
	}
	return unknown
}

// method folds the str methods reachable without underscores.
func (c *checker) method(recv val, name string, args []val) val {
	if recv.k != vStr {
		return unknown
	}
	switch name {
	case "format":
		return c.pyFormat(recv.s, args)
	case "join":
		if len(args) == 1 {
			return c.filter("join", args[0], []val{recv})
		}
	case "replace", "lower", "upper":
		return c.filter(name, recv, args)
	case "strip":
		return c.mk(strings.TrimSpace(recv.s))
	}
	return unknown
}

// slice folds s[a:b:step] for strings and lists with constant bounds.
func (c *checker) slice(v val, lo, hi, step *int64) val {
	st := int64(1)
	if step != nil {
		st = *step
	}
	if st != 1 && st != -1 {
		return unknown
	}
	var items []val
	switch v.k {
	case vStr:
		for _, r := range v.s {
			items = append(items, str(string(r)))
		}
	case vList:
		items = v.list
	default:
		return unknown
	}
	n := int64(len(items))
	norm := func(p *int64, def int64) int64 {
		if p == nil {
			return def
		}
		x := *p
		if x < 0 {
			x += n
		}
		return min(max(x, 0), n)
	}
	var out []val
	if st == 1 {
		a, b := norm(lo, 0), norm(hi, n)
		if a < b {
			out = items[a:b]
		}
	} else {
		if lo != nil || hi != nil {
			return unknown
		}
		for i := n - 1; i >= 0; i-- {
			out = append(out, items[i])
		}
	}
	if v.k == vList {
		return val{k: vList, list: out}
	}
	var b strings.Builder
	for _, x := range out {
		b.WriteString(x.s)
	}
	return c.mk(b.String())
}
