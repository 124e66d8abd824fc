package xmlx

import (
	"fmt"
	"sort"
	"strings"
)

// An entity is one <!ENTITY> declaration.
type entity struct {
	name   string
	param  bool   // a parameter entity (<!ENTITY % name ...>)
	value  string // replacement text of an internal entity
	system string // SYSTEM or PUBLIC system literal
	public string
	ext    bool // declared with SYSTEM or PUBLIC
}

// doctype is a parsed DOCTYPE directive.
type doctype struct {
	root           string
	system, public string // external DTD subset
	hasExternalID  bool
	general        map[string]*entity
	param          map[string]*entity
	order          []*entity
	peRefs         []string // %name; references in the internal subset
	decls          int      // ENTITY declarations, duplicates included
}

// dtdScanner walks the text of a DOCTYPE directive.
type dtdScanner struct {
	s string
	i int
}

func (p *dtdScanner) ws() bool {
	j := p.i
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
	return p.i > j
}

func (p *dtdScanner) eat(lit string) bool {
	if strings.HasPrefix(p.s[p.i:], lit) {
		p.i += len(lit)
		return true
	}
	return false
}

func isNameByte(c byte, first bool) bool {
	switch {
	case c == '_' || c == ':' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= 0x80:
		return true
	case c == '-' || c == '.' || c >= '0' && c <= '9':
		return !first
	}
	return false
}

func (p *dtdScanner) name() (string, error) {
	j := p.i
	for p.i < len(p.s) && isNameByte(p.s[p.i], p.i == j) {
		p.i++
	}
	if p.i == j {
		return "", fmt.Errorf("expected a name at byte %d", p.i)
	}
	return p.s[j:p.i], nil
}

func (p *dtdScanner) quoted() (string, error) {
	if p.i >= len(p.s) || (p.s[p.i] != '"' && p.s[p.i] != '\'') {
		return "", fmt.Errorf("expected a quoted literal at byte %d", p.i)
	}
	q := p.s[p.i]
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", fmt.Errorf("unterminated literal at byte %d", p.i)
	}
	v := p.s[p.i+1 : p.i+1+end]
	p.i += end + 2
	return v, nil
}

// externalID reads SYSTEM "uri" or PUBLIC "id" "uri", if present.
func (p *dtdScanner) externalID() (system, public string, ok bool, err error) {
	switch {
	case p.eat("SYSTEM"):
		p.ws()
		system, err = p.quoted()
		return system, "", true, err
	case p.eat("PUBLIC"):
		p.ws()
		if public, err = p.quoted(); err != nil {
			return "", "", true, err
		}
		p.ws()
		if p.i < len(p.s) && (p.s[p.i] == '"' || p.s[p.i] == '\'') {
			system, err = p.quoted()
		}
		return system, public, true, err
	}
	return "", "", false, nil
}

// skipDecl skips a markup declaration up to its closing '>', past quoted
// literals.
func (p *dtdScanner) skipDecl() error {
	for p.i < len(p.s) {
		switch c := p.s[p.i]; c {
		case '"', '\'':
			if _, err := p.quoted(); err != nil {
				return err
			}
			continue
		case '>':
			p.i++
			return nil
		}
		p.i++
	}
	return fmt.Errorf("unterminated declaration")
}

// parseDoctype parses "DOCTYPE name [externalID] [[subset]]". What was
// parsed before an error is returned with it.
func parseDoctype(s string, maxEntities int) (*doctype, error) {
	dt := &doctype{general: map[string]*entity{}, param: map[string]*entity{}}
	p := &dtdScanner{s: s}
	p.eat("DOCTYPE")
	p.ws()
	var err error
	if dt.root, err = p.name(); err != nil {
		return dt, err
	}
	p.ws()
	if dt.system, dt.public, dt.hasExternalID, err = p.externalID(); err != nil {
		return dt, err
	}
	p.ws()
	if !p.eat("[") {
		return dt, nil
	}
	for {
		p.ws()
		switch {
		case p.i >= len(p.s):
			return dt, fmt.Errorf("unterminated internal subset")
		case p.eat("]"):
			return dt, nil
		case p.eat("<!--"):
			end := strings.Index(p.s[p.i:], "-->")
			if end < 0 {
				return dt, fmt.Errorf("unterminated comment")
			}
			p.i += end + 3
		case p.eat("<?"):
			end := strings.Index(p.s[p.i:], "?>")
			if end < 0 {
				return dt, fmt.Errorf("unterminated processing instruction")
			}
			p.i += end + 2
		case p.eat("<!ENTITY"):
			if dt.decls++; dt.decls > maxEntities {
				return dt, fmt.Errorf("%w: more than %d entities declared", ErrLimit, maxEntities)
			}
			if err := dt.entityDecl(p); err != nil {
				return dt, err
			}
		case p.eat("<!"):
			if err := p.skipDecl(); err != nil {
				return dt, err
			}
		case p.eat("%"):
			n, err := p.name()
			if err != nil || !p.eat(";") {
				return dt, fmt.Errorf("malformed parameter entity reference at byte %d", p.i)
			}
			dt.peRefs = append(dt.peRefs, n)
		default:
			return dt, fmt.Errorf("unexpected %q in the internal subset at byte %d", p.s[p.i], p.i)
		}
	}
}

func (dt *doctype) entityDecl(p *dtdScanner) error {
	if !p.ws() {
		return fmt.Errorf("malformed ENTITY declaration at byte %d", p.i)
	}
	e := &entity{}
	if p.eat("%") {
		e.param = true
		p.ws()
	}
	var err error
	if e.name, err = p.name(); err != nil {
		return err
	}
	p.ws()
	if e.system, e.public, e.ext, err = p.externalID(); err != nil {
		return err
	}
	if !e.ext {
		if e.value, err = p.quoted(); err != nil {
			return err
		}
	}
	p.ws()
	if p.eat("NDATA") { // unparsed entity: a notation, never expanded in text
		p.ws()
		if _, err := p.name(); err != nil {
			return err
		}
		p.ws()
	}
	if !p.eat(">") {
		return fmt.Errorf("malformed ENTITY declaration for %q at byte %d", e.name, p.i)
	}
	m := dt.general
	if e.param {
		m = dt.param
	}
	if _, dup := m[e.name]; !dup { // the first declaration binds (XML 1.0, 4.2)
		m[e.name] = e
		dt.order = append(dt.order, e)
	}
	return nil
}

// expansion is the length of an entity's replacement text with every
// general entity reference expanded (saturating at limit+1); cyclic is set
// when the expansion refers back to itself. memo holds every entity's
// result (-1 for cyclic ones), so the whole DTD costs linear time.
func (dt *doctype) expansion(name string, memo map[string]int64, visiting map[string]bool, limit int64) (n int64, cyclic bool) {
	if v, ok := memo[name]; ok {
		return v, v < 0
	}
	e := dt.general[name]
	if e == nil || e.ext {
		return int64(len(name) + 2), false
	}
	if visiting[name] {
		return -1, true
	}
	visiting[name] = true
	defer delete(visiting, name)
	v := e.value
	for len(v) > 0 {
		i := strings.IndexByte(v, '&')
		if i < 0 {
			n += int64(len(v))
			break
		}
		n += int64(i)
		v = v[i+1:]
		j := strings.IndexByte(v, ';')
		if j < 0 {
			n += int64(len(v)) + 1
			break
		}
		ref := v[:j]
		v = v[j+1:]
		switch {
		case strings.HasPrefix(ref, "#"), ref == "lt", ref == "gt", ref == "amp", ref == "apos", ref == "quot":
			n++
		default:
			k, cyc := dt.expansion(ref, memo, visiting, limit)
			if cyc {
				memo[name] = -1 // every entity on the way is cyclic too
				return -1, true
			}
			n += k
		}
		if n > limit {
			n = limit + 1
		}
	}
	memo[name] = n
	return n, false
}

// issues reports what the DOCTYPE makes a resolving parser do. off is the
// DOCTYPE's offset, size the document's.
func (dt *doctype) issues(off, size int64, lim Limits) []Issue {
	var out []Issue
	if dt.hasExternalID {
		id := dt.system
		if id == "" {
			id = dt.public
		}
		out = append(out, Issue{Kind: External, Offset: off, Name: id,
			Detail: fmt.Sprintf("DOCTYPE %s names an external DTD %q, which DTD-loading parsers fetch", dt.root, id)})
	}
	for _, e := range dt.order {
		switch {
		case e.param:
			what := fmt.Sprintf("value %q", clip(e.value))
			if e.ext {
				what = fmt.Sprintf("SYSTEM %q", e.system)
			}
			out = append(out, Issue{Kind: External, Offset: off, Name: "%" + e.name,
				Detail: fmt.Sprintf("parameter entity %%%s; (%s): parameter entities build declarations at parse time, the basis of out-of-band XXE", e.name, what)})
		case e.ext:
			out = append(out, Issue{Kind: External, Offset: off, Name: e.name,
				Detail: fmt.Sprintf("external entity &%s; = %q: a resolving parser reads that file or URL into the document (XXE)", e.name, e.system)})
		}
	}
	limit := lim.MaxExpansion
	if big := 100 * size; big > limit {
		limit = big
	}
	memo := map[string]int64{}
	var worst string
	var worstN int64
	var bad []string
	for _, e := range dt.order {
		if e.param || e.ext {
			continue
		}
		n, cyc := dt.expansion(e.name, memo, map[string]bool{}, limit)
		if cyc {
			out = append(out, Issue{Kind: Expansion, Offset: off, Name: e.name,
				Detail: fmt.Sprintf("entity &%s; refers to itself: expanding it never ends", e.name)})
			continue
		}
		if n > limit {
			bad = append(bad, e.name)
			if n > worstN || worst == "" {
				worst, worstN = e.name, n
			}
		}
	}
	if worst != "" {
		sort.Strings(bad)
		out = append(out, Issue{Kind: Expansion, Offset: off, Name: worst,
			Detail: fmt.Sprintf("entities %s expand to more than %d characters (the larger of 1 MiB and 100 times the file): a billion-laughs expansion", strings.Join(bad, ", "), limit)})
	}
	return out
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}
