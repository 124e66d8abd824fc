package pii

import (
	"strings"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// state is the scratch space of one analysis: the text, the field's context
// words, the candidates and the numeric groups the recognizers share. States
// are pooled, so analysing many short fields allocates little.
type state struct {
	a      *Analyzer
	text   string
	field  []string // words of the field name, as given (compared case-insensitively)
	cands  []Candidate
	taken  []Candidate
	groups []group // digit runs, computed on first use
	gdone  bool
	chains [][]group // chains of groups, computed on first use
	cdone  bool
	phone  phonenumbers.PhoneNumber
}

var statePool = sync.Pool{New: func() any { return new(state) }}

func getState(text string, field []string) *state {
	st := statePool.Get().(*state)
	st.text = text
	st.field = st.field[:0]
	for _, f := range field {
		st.field = appendWords(st.field, f)
	}
	return st
}

func putState(st *state) {
	if cap(st.cands) > 1<<14 || cap(st.groups) > 1<<16 {
		return // let an outsized state go rather than pin its memory
	}
	st.a, st.text = nil, ""
	clear(st.field) // may be views of a JSON document (jsonWalker.views)
	st.field = st.field[:0]
	st.cands, st.taken, st.groups, st.gdone = st.cands[:0], st.taken[:0], st.groups[:0], false
	clear(st.chains[:cap(st.chains)])
	st.chains, st.cdone = st.chains[:0], false
	statePool.Put(st)
}

func (st *state) add(e Entity, start, end int, score float64, ctx []string) {
	st.cands = append(st.cands, Candidate{Entity: e, Start: start, End: end, Score: score, Context: ctx})
}

// appendWords appends the words of a field name: "customer_email" gives
// customer and email, "dateOfBirth" gives date, Of and Birth (compared
// case-insensitively), "messages[*].content" gives messages and content.
func appendWords(dst []string, name string) []string {
	start := -1
	for i := 0; i <= len(name); i++ {
		var c byte
		if i < len(name) {
			c = name[i]
		}
		switch {
		case i < len(name) && (isAlnum(c) || c >= 0x80):
			if start < 0 {
				start = i
			} else if isUpper(c) && !isUpper(name[i-1]) && !isDigit(name[i-1]) {
				dst = append(dst, name[start:i]) // camelCase boundary
				start = i
			}
		default:
			if start >= 0 {
				dst = append(dst, name[start:i])
				start = -1
			}
		}
	}
	return dst
}

// decoyWords lower a span's score when one of them precedes it: numbers
// after these words are versions, orders, hashes or prices, not personal
// data. Words of four letters or more also match as prefixes.
var decoyWords = []string{
	"version", "ver", "release", "build", "order", "invoice", "isbn", "sku",
	"tracking", "ticket", "sha", "sha1", "sha256", "md5", "hash", "checksum",
	"uuid", "guid", "commit", "price", "amount", "total", "usd", "eur", "gbp",
	"ref", "reference", "serial", "part", "model", "firmware", "license", "licence", "passport",
	"zip", "postal", "postcode", "plz",
}

// enhance returns c's score after the context enhancer: Presidio's rule
// (a context word among the ContextTokens words before the span, within
// ContextBytes: score+ContextBoost, at least ContextFloor, at most 1) and
// mlsec's decoy rule (a decoy word there: minus ContextPenalty). The words
// of the field name count as if they preceded every span.
func (st *state) enhance(c *Candidate) float64 {
	sc := c.Score
	pos, neg := st.contextFlags(c.Start, c.Context)
	if pos {
		sc = min(max(sc+ContextBoost, ContextFloor), 1)
	}
	if neg {
		sc -= ContextPenalty
	}
	return sc
}

// contextFlags walks the words before at (and the field's words) once and
// reports whether one matches words and whether one is a decoy word.
func (st *state) contextFlags(at int, words []string) (pos, neg bool) {
	for _, f := range st.field {
		pos = pos || len(words) > 0 && matchWord(f, words)
		neg = neg || matchWord(f, decoyWords)
	}
	text := st.text
	lo := max(0, at-ContextBytes)
	i := at
	for n := 0; n < ContextTokens && !(pos && neg); n++ {
		for i > lo && !isWordByte(text[i-1]) {
			i--
		}
		end := i
		for i > lo && isWordByte(text[i-1]) {
			i--
		}
		if i == end || i == lo && lo > 0 && isWordByte(text[lo-1]) {
			break // no more words, or one cut by the byte limit
		}
		tok := text[i:end]
		pos = pos || len(words) > 0 && matchWord(tok, words)
		neg = neg || matchWord(tok, decoyWords)
	}
	return pos, neg
}

// hasContext reports whether one of words occurs among the ContextTokens
// words before byte offset at (within ContextBytes) or among the field's
// words. Words are runs of letters and digits (bytes >= 0x80 count as
// letters); a word matches if it equals one of words case-insensitively,
// or, for words of four letters or more, starts with it ("phones",
// "emailed", "birthday" match phone, email, birth): a stand-in for
// Presidio's lemmatizer.
func (st *state) hasContext(at int, words []string) bool {
	for _, f := range st.field {
		if matchWord(f, words) {
			return true
		}
	}
	return contextBefore(st.text, at, words)
}

func contextBefore(text string, at int, words []string) bool {
	lo := max(0, at-ContextBytes)
	i := at
	for n := 0; n < ContextTokens; n++ {
		for i > lo && !isWordByte(text[i-1]) {
			i--
		}
		end := i
		for i > lo && isWordByte(text[i-1]) {
			i--
		}
		if i == end {
			return false
		}
		if i == lo && lo > 0 && isWordByte(text[lo-1]) {
			return false // a word cut by the byte limit does not count
		}
		if matchWord(text[i:end], words) {
			return true
		}
	}
	return false
}

// matchWord reports whether tok matches one of words (lower case): equal,
// or starting with a word of four letters or more, case-insensitively.
func matchWord(tok string, words []string) bool {
	c0 := tok[0]
	if isUpper(c0) {
		c0 += 'a' - 'A'
	}
	for _, w := range words {
		if w[0] != c0 {
			continue
		}
		if len(tok) == len(w) || len(w) >= 4 && len(tok) > len(w) {
			if strings.EqualFold(tok[:len(w)], w) {
				return true
			}
		}
	}
	return false
}
