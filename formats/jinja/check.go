package jinja

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Rule ids of the issues, shared with the scanner's catalogue.
const (
	// RuleEscape (critical): the template reaches Python internals.
	RuleEscape = "TPL001"
	// RuleSuspicious (medium): obfuscation or reaching outside the chat.
	RuleSuspicious = "TPL002"
	// RuleSyntax (info): the template does not parse and nothing
	// suspicious was found in it; loaders fail to render it.
	RuleSyntax = "TPL003"
)

// An Issue is one problem found in a template.
type Issue struct {
	Rule    string // RuleEscape or RuleSuspicious
	Name    string // the attribute, name or construct concerned
	Message string
	Offset  int // byte offset in the template
}

const maxDepth = 200

type checker struct {
	toks   []token
	pos    int
	vars   map[string]val
	issues []Issue
	seen   map[string]bool
	budget int
	depth  int
	// strs collects every literal string in order, for the fragment check.
	strs []string
}

// Check returns the issues found in a template, most severe first. It is
// safe on any input: work and memory are bounded by the template's length.
func Check(template string) []Issue {
	c := &checker{vars: map[string]val{}, seen: map[string]bool{}, budget: 16 << 20}
	tags, err := lex(template)
	for i := 0; i < len(tags); i++ {
		t := tags[i]
		if t.isText {
			c.checkText(t.text, t.off)
			continue
		}
		c.toks, c.pos = t.toks, 0
		if !t.stmt {
			c.expr()
			continue
		}
		// {% set x %}text{% endset %} assigns the text.
		if len(t.toks) == 3 && t.toks[0].val == "set" && t.toks[1].kind == tkName && i+2 < len(tags) &&
			tags[i+1].isText && !tags[i+2].isText && len(tags[i+2].toks) > 0 && tags[i+2].toks[0].val == "endset" {
			c.vars[t.toks[1].val] = c.mk(tags[i+1].text)
			c.checkText(tags[i+1].text, tags[i+1].off)
			i += 2
			continue
		}
		c.statement()
	}
	c.fragments()
	if err != nil {
		c.broken(template, err)
	}
	sortIssues(c.issues)
	return c.issues
}

// broken reports a template that does not tokenize. What follows the error
// was not parsed, so its raw text is searched for Python internal names;
// a broken template with anything suspicious is TPL002 (with the escapes
// themselves TPL001), a merely broken one only a TPL003 note.
func (c *checker) broken(template string, err error) {
	var le *lexError
	if errors.As(err, &le) && le.off < len(template) {
		for _, m := range dunderRe.FindAllStringIndex(template[le.off:], 8) {
			name := template[le.off+m[0] : le.off+m[1]]
			c.add(RuleEscape, name, le.off+m[0], "the unparsable rest of the template names %q, a Python internal", name)
		}
	}
	if len(c.issues) > 0 {
		c.add(RuleSuspicious, "syntax", 0, "template does not tokenize as Jinja (%v) and holds suspicious constructs", err)
		return
	}
	c.add(RuleSyntax, "syntax", 0, "template does not tokenize as Jinja (%v); loaders will fail to render it, and nothing suspicious was found in it", err)
}

func sortIssues(is []Issue) {
	// Stable: TPL001 first, then by offset.
	for i := 1; i < len(is); i++ {
		for j := i; j > 0 && less(is[j], is[j-1]); j-- {
			is[j], is[j-1] = is[j-1], is[j]
		}
	}
}

func less(a, b Issue) bool {
	if a.Rule != b.Rule {
		return a.Rule < b.Rule
	}
	return a.Offset < b.Offset
}

func (c *checker) add(rule, name string, off int, format string, args ...any) {
	key := rule + "\x00" + name
	if c.seen[key] || len(c.issues) >= 50 {
		return
	}
	c.seen[key] = true
	c.issues = append(c.issues, Issue{Rule: rule, Name: name, Offset: off, Message: fmt.Sprintf(format, args...)})
}

var urlRe = regexp.MustCompile(`(?i)\b(?:https?|ftp)://[^\s'"<>]+`)

// invisible reports format characters used to hide text from reviewers.
func invisible(s string) (rune, bool) {
	for _, r := range s {
		switch {
		case r >= 0x200b && r <= 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2060 && r <= 0x2064,
			r >= 0x2066 && r <= 0x2069, r == 0xfeff, r >= 0xe0000 && r <= 0xe007f:
			return r, true
		}
	}
	return 0, false
}

func (c *checker) checkText(s string, off int) {
	if u := urlRe.FindString(s); u != "" {
		c.add(RuleSuspicious, "url", off, "template text contains a URL %q", u)
	}
	if r, ok := invisible(s); ok {
		c.add(RuleSuspicious, "invisible", off, "template contains invisible character U+%04X", r)
	}
}

// noteString checks every literal or folded string.
func (c *checker) noteString(s string) {
	if m := dunderRe.FindString(s); m != "" {
		c.add(RuleEscape, m, c.off(), "template builds the string %q, a Python internal name", m)
	}
}

var dunderRe = regexp.MustCompile(`__[A-Za-z][A-Za-z0-9_]*__|_TemplateReference__context|catch_warnings`)

// Attribute names that reach interpreter internals without a leading
// underscore, and those that run commands when called.
var (
	badAttrs    = set("mro", "func_globals", "func_code", "f_globals", "f_locals", "f_back", "f_builtins", "gi_frame", "gi_code", "cr_frame", "ag_frame", "tb_frame", "co_code", "im_func", "im_self", "catch_warnings", "import_module", "subprocess", "builtins")
	badCalls    = set("system", "popen", "eval", "exec", "spawn", "spawnv", "check_output", "getoutput", "execv", "execve", "run_path", "load_module")
	badNames    = set("eval", "exec", "getattr", "setattr", "__import__", "compile", "globals", "locals", "vars", "open")
	oddGlobals  = set("lipsum", "cycler", "joiner", "request", "config", "url_for", "get_flashed_messages", "session", "g", "self", "os", "sys", "subprocess")
	attrFilters = set("map", "selectattr", "rejectattr", "sort", "groupby", "sum", "unique", "min", "max")
)

func set(names ...string) map[string]bool {
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	return m
}

// access checks an attribute or subscript name.
func (c *checker) access(name string, called bool, off int, how string) {
	for _, part := range strings.Split(name, ".") {
		switch {
		case strings.HasPrefix(part, "_"):
			c.add(RuleEscape, part, off, "template accesses %q through %s: underscore attributes reach Python internals (sandbox escape, CVE-2024-34359)", part, how)
		case badAttrs[part]:
			c.add(RuleEscape, part, off, "template accesses %q through %s, an interpreter internal", part, how)
		case badCalls[part] && called:
			c.add(RuleEscape, part, off, "template calls %q through %s, which runs commands or code", part, how)
		}
	}
}

func (c *checker) off() int {
	if c.pos < len(c.toks) {
		return c.toks[c.pos].off
	}
	return 0
}

func (c *checker) peek() token {
	if c.pos < len(c.toks) {
		return c.toks[c.pos]
	}
	return token{kind: tkEnd}
}

func (c *checker) next() token {
	t := c.peek()
	if c.pos < len(c.toks) {
		c.pos++
	}
	return t
}

func (c *checker) is(op string) bool {
	t := c.peek()
	return (t.kind == tkOp || t.kind == tkName) && t.val == op
}

func (c *checker) accept(op string) bool {
	if c.is(op) {
		c.pos++
		return true
	}
	return false
}

// statement checks a {% %} tag: the tag name, then every expression in it.
func (c *checker) statement() {
	head := c.next()
	switch head.val {
	case "import", "include", "extends", "from":
		c.add(RuleSuspicious, head.val, head.off, "template uses {%% %s %%}, which loads other templates", head.val)
	case "set":
		// {% set a = expr %} or {% set a, b = ... %} or {% set ns.x = ... %}
		start := c.pos
		var names []string
		for c.peek().kind == tkName || c.is(",") {
			if t := c.next(); t.kind == tkName {
				names = append(names, t.val)
			}
		}
		if c.accept(".") {
			if t := c.next(); t.kind == tkName {
				c.access(t.val, false, t.off, "set")
			}
			names = nil
		}
		if c.accept("=") {
			v := c.expr()
			for _, n := range names {
				c.vars[n] = unknown
			}
			if len(names) == 1 {
				c.vars[names[0]] = v
			}
		} else {
			c.pos = start
		}
	case "for":
		for c.peek().kind == tkName && c.peek().val != "in" || c.is(",") {
			if t := c.next(); t.kind == tkName {
				c.vars[t.val] = unknown
			}
		}
		c.accept("in")
	case "macro", "call", "block":
		// Names and parameters; defaults are expressions.
		if head.val != "call" {
			c.next()
		}
	}
	// Check every remaining expression in the tag.
	for c.peek().kind != tkEnd {
		before := c.pos
		c.expr()
		if c.pos == before {
			c.next()
		}
	}
}

// expr parses and folds one expression. It tolerates syntax it does not
// know by skipping tokens: checking matters more than parsing.
func (c *checker) expr() val {
	c.depth++
	defer func() { c.depth-- }()
	if c.depth > maxDepth {
		c.add(RuleSuspicious, "depth", c.off(), "template expressions nest deeper than %d levels", maxDepth)
		c.pos = len(c.toks)
		return unknown
	}
	v := c.binary(0)
	if c.accept("if") {
		c.binary(0)
		if c.accept("else") {
			c.expr()
		}
		return unknown
	}
	return v
}

// Binary operator precedence, lowest first.
var levels = [][]string{
	{"or"}, {"and"}, {"==", "!=", "<", ">", "<=", ">=", "in", "not"}, {"+", "-"}, {"~"}, {"*", "/", "//", "%"}, {"**"},
}

func (c *checker) binary(level int) val {
	if level == len(levels) {
		return c.unary()
	}
	if level == 2 && c.accept("not") {
		c.binary(level)
		return unknown
	}
	v := c.binary(level + 1)
	for {
		t := c.peek()
		if t.kind != tkOp && t.kind != tkName {
			return v
		}
		match := false
		for _, op := range levels[level] {
			if t.val == op {
				match = true
			}
		}
		if !match {
			return v
		}
		c.next()
		if t.val == "not" {
			c.accept("in")
		}
		w := c.binary(level + 1)
		switch t.val {
		case "~":
			v = c.concat(v, w, false)
		case "+":
			v = c.concat(v, w, true)
		case "%":
			v = c.percent(v, w)
		case "*":
			v = c.repeat(v, w)
		default:
			v = unknown
		}
	}
}

func (c *checker) repeat(a, b val) val {
	if a.k == vNum && b.k == vStr {
		a, b = b, a
	}
	if a.k == vStr && b.k == vNum && b.n >= 0 && int64(len(a.s))*b.n <= maxValue {
		return c.mk(strings.Repeat(a.s, int(b.n)))
	}
	if a.k == vNum && b.k == vNum {
		return val{k: vNum, n: a.n * b.n}
	}
	return unknown
}

func (c *checker) unary() val {
	if c.accept("-") || c.accept("+") {
		v := c.unary()
		if v.k == vNum {
			return val{k: vNum, n: -v.n}
		}
		return unknown
	}
	v, name := c.primary()
	return c.postfix(v, name)
}

// primary parses a literal, a name, or a parenthesised, list or dict
// expression. name is set for bare identifiers.
func (c *checker) primary() (val, string) {
	t := c.next()
	switch t.kind {
	case tkString:
		s := t.val
		esc := t.escaped
		for c.peek().kind == tkString { // adjacent literals concatenate
			n := c.next()
			s += n.val
			esc = esc || n.escaped
		}
		c.strs = append(c.strs, s)
		if esc && strings.ContainsAny(s, "_.[]") {
			c.add(RuleSuspicious, "escape", t.off, "string literal spells %q with escape sequences", s)
		}
		if u := urlRe.FindString(s); u != "" {
			c.add(RuleSuspicious, "url", t.off, "template string contains a URL %q", u)
		}
		if r, ok := invisible(s); ok {
			c.add(RuleSuspicious, "invisible", t.off, "template string contains invisible character U+%04X", r)
		}
		return c.mk(s), ""
	case tkNumber:
		if n, err := strconv.ParseInt(t.val, 0, 64); err == nil {
			return val{k: vNum, n: n}, ""
		}
		return unknown, ""
	case tkName:
		switch t.val {
		case "true", "false", "none", "True", "False", "None":
			return unknown, ""
		}
		if strings.HasPrefix(t.val, "__") {
			c.add(RuleEscape, t.val, t.off, "template names %q, a Python internal", t.val)
		}
		if badNames[t.val] {
			c.add(RuleEscape, t.val, t.off, "template uses %q, which evaluates code or reaches arbitrary attributes", t.val)
		} else if oddGlobals[t.val] {
			c.add(RuleSuspicious, t.val, t.off, "template uses the global %q, which chat templates do not need and escapes use to reach Python globals", t.val)
		}
		if v, ok := c.vars[t.val]; ok {
			return v, t.val
		}
		return unknown, t.val
	case tkOp:
		switch t.val {
		case "(":
			vs := c.seq(")")
			if len(vs) == 1 {
				return vs[0], ""
			}
			return val{k: vList, list: vs}, ""
		case "[":
			return val{k: vList, list: c.seq("]")}, ""
		case "{":
			for !c.accept("}") && c.peek().kind != tkEnd {
				c.expr()
				if !c.accept(":") && !c.accept(",") && !c.is("}") {
					c.next()
				}
			}
			return unknown, ""
		}
	}
	return unknown, ""
}

// seq parses comma-separated expressions up to the closing token.
func (c *checker) seq(closer string) []val {
	var out []val
	for !c.accept(closer) {
		if c.peek().kind == tkEnd {
			return out
		}
		before := c.pos
		out = append(out, c.expr())
		c.accept(",")
		if c.pos == before {
			c.next()
		}
	}
	return out
}

// args parses call arguments after "(", returning positional values and
// keyword values.
func (c *checker) args() ([]val, map[string]val) {
	var pos []val
	kw := map[string]val{}
	for !c.accept(")") {
		if c.peek().kind == tkEnd {
			break
		}
		before := c.pos
		if c.peek().kind == tkName && c.pos+1 < len(c.toks) && c.toks[c.pos+1].val == "=" {
			k := c.next()
			c.next()
			if strings.HasPrefix(k.val, "__") {
				c.add(RuleEscape, k.val, k.off, "template names %q, a Python internal", k.val)
			}
			kw[k.val] = c.expr()
		} else {
			c.accept("*")
			c.accept("**")
			pos = append(pos, c.expr())
		}
		c.accept(",")
		if c.pos == before {
			c.next()
		}
	}
	return pos, kw
}
