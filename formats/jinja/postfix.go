package jinja

// postfix parses attribute access, subscripts, calls, filters and tests
// after a primary expression, folding what it can and checking every name
// reached.
func (c *checker) postfix(v val, name string) val {
	for {
		t := c.peek()
		switch {
		case t.kind == tkOp && t.val == ".":
			c.next()
			a := c.next()
			if a.kind == tkNumber {
				v, name = c.index(v, a.val), ""
				continue
			}
			called := c.is("(")
			c.access(a.val, called, a.off, "attribute ."+a.val)
			if called {
				c.next()
				pos, _ := c.args()
				v = c.method(v, a.val, pos)
			} else {
				v = unknown
			}
			name = ""
		case t.kind == tkOp && t.val == "[":
			c.next()
			v = c.subscript(v)
			name = ""
		case t.kind == tkOp && t.val == "(":
			c.next()
			pos, kw := c.args()
			if name == "getattr" && len(pos) >= 2 {
				if s, ok := pos[1].text(); ok {
					c.access(s, c.is("("), t.off, "getattr()")
				}
			}
			if name == "dict" {
				for k := range kw {
					c.access(k, false, t.off, "dict() keyword")
				}
			}
			v, name = unknown, ""
		case t.kind == tkOp && t.val == "|":
			c.next()
			v = c.filterCall(v)
			name = ""
		case t.kind == tkName && t.val == "is":
			c.next()
			c.accept("not")
			c.next() // test name
			for c.accept(".") {
				c.next()
			}
			if c.accept("(") {
				c.args()
			} else if p := c.peek(); p.kind == tkString || p.kind == tkNumber {
				c.unary()
			}
			v, name = unknown, ""
		default:
			return v
		}
	}
}

func (c *checker) index(v val, s string) val {
	n := int64(0)
	for _, ch := range s {
		if ch < '0' || ch > '9' {
			return unknown
		}
		n = n*10 + int64(ch-'0')
		if n > 1<<31 {
			return unknown
		}
	}
	lo, hi := n, n+1
	return c.slice(v, &lo, &hi, nil)
}

// subscript parses "[...]" after the "[": an index, a key or a slice.
func (c *checker) subscript(v val) val {
	off := c.off()
	var parts [3]*val
	var have [3]bool
	i := 0
	for !c.accept("]") {
		if c.peek().kind == tkEnd {
			return unknown
		}
		if c.accept(":") {
			i++
			if i > 2 {
				return unknown
			}
			continue
		}
		before := c.pos
		x := c.expr()
		parts[i], have[i] = &x, true
		if c.pos == before {
			c.next()
		}
	}
	if i == 0 {
		if !have[0] {
			return unknown
		}
		k := *parts[0]
		if s, ok := k.text(); ok && k.k == vStr {
			c.access(s, c.is("("), off, "subscript ["+quote(s)+"]")
			return unknown
		}
		if k.k == vNum {
			return c.index(v, itoa(k.n))
		}
		return unknown
	}
	var b [3]*int64
	for j := 0; j < 3; j++ {
		if !have[j] {
			continue
		}
		if parts[j].k != vNum {
			return unknown
		}
		n := parts[j].n
		b[j] = &n
	}
	return c.slice(v, b[0], b[1], b[2])
}

// filterCall parses "name(args)" after "|" and folds or checks it.
func (c *checker) filterCall(v val) val {
	t := c.next()
	name := t.val
	for c.accept(".") {
		name += "." + c.next().val
	}
	var pos []val
	var kw map[string]val
	if c.accept("(") {
		pos, kw = c.args()
	}
	switch name {
	case "attr":
		c.add(RuleSuspicious, "attr", t.off, "template uses the attr() filter, which reaches attributes by computed name")
		if len(pos) > 0 {
			if s, ok := pos[0].text(); ok {
				c.access(s, c.is("("), t.off, "|attr("+quote(s)+")")
			}
		}
		return unknown
	}
	if attrFilters[name] {
		if a, ok := kw["attribute"]; ok {
			if s, ok := a.text(); ok {
				c.access(s, false, t.off, "|"+name+"(attribute="+quote(s)+")")
			}
		}
		if len(pos) > 0 && (name == "selectattr" || name == "rejectattr" || name == "groupby") {
			if s, ok := pos[0].text(); ok {
				c.access(s, false, t.off, "|"+name+"("+quote(s)+")")
			}
		}
	}
	return c.filter(name, v, pos)
}

func quote(s string) string {
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return "'" + s + "'"
}

func itoa(n int64) string {
	if n < 0 {
		return "-"
	}
	var b []byte
	for {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
		if n == 0 {
			return string(b)
		}
	}
}

// escapeNames are the internal names sandbox escapes go through.
var escapeNames = map[string]bool{
	"__class__": true, "__base__": true, "__bases__": true, "__mro__": true, "__subclasses__": true,
	"__globals__": true, "__builtins__": true, "__import__": true, "__init__": true, "__code__": true,
	"__getattribute__": true, "__dict__": true, "__func__": true, "__self__": true, "__closure__": true,
	"__loader__": true, "__spec__": true, "__reduce__": true, "__reduce_ex__": true, "__call__": true,
	"_TemplateReference__context": true, "catch_warnings": true,
}

// fragments is the backstop for names assembled in ways the folder does
// not follow (loops, macros, runtime data): it joins every string literal
// in order, and each one reversed, and looks for internal names.
func (c *checker) fragments() {
	var all, rev []byte
	for _, s := range c.strs {
		all = append(all, s...)
		rev = append(rev, reverse(s)...)
		if len(all) > 64<<20 {
			break
		}
	}
	for _, s := range []string{string(all), string(rev), reverse(string(all))} {
		// Only names escapes use: joined fragments also produce garbled
		// dunders (reversed, interleaved) that would repeat a finding.
		for _, m := range dunderRe.FindAllString(s, 16) {
			if escapeNames[m] {
				c.add(RuleEscape, m, 0, "template string fragments assemble %q, a Python internal name", m)
			}
		}
	}
}
