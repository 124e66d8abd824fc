package pii

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"unicode/utf8"
)

// DefaultThreshold is the score a span needs to be reported when no
// threshold is configured. Presidio's engine defaults to 0 and leaves the
// choice to callers; 0.5 keeps validated and context-backed spans and drops
// bare weak patterns (a 9-digit number with no SSN context scores 0.3).
const DefaultThreshold = 0.5

// The context enhancer's constants (see the package doc).
const (
	ContextBoost   = 0.35 // added when a context word precedes a span
	ContextFloor   = 0.4  // a boosted score is at least this
	ContextPenalty = 0.35 // subtracted when a decoy word precedes a span
	ContextTokens  = 5    // words looked at before a span
	ContextBytes   = 100  // bytes looked at before a span, at most
)

// ErrConfig is wrapped by every configuration error of New.
var ErrConfig = errors.New("pii: invalid configuration")

// A Recognizer proposes candidate spans for one or more entity types. It is
// how callers add their own detectors (an employee-number format, say);
// the built-in recognizers are configured by options instead. Find must
// not keep text or dst after returning and must be safe for concurrent use.
type Recognizer interface {
	Name() string
	Entities() []Entity
	// Find appends the candidates found in text to dst and returns it.
	Find(text string, dst []Candidate) []Candidate
}

// An Analyzer finds personal data and secrets in text. It is immutable once
// built and safe for concurrent use; build one and reuse it.
type Analyzer struct {
	threshold    float64
	enabled      [numEntities]bool
	phoneRegions []string
	custom       []Recognizer
	finders      []finder
	need         uint8 // the prefilter bits of the enabled finders
}

// An Option configures New.
type Option func(*Analyzer) error

// WithThreshold sets the minimum score (0 to 1) of a reported span.
func WithThreshold(t float64) Option {
	return func(a *Analyzer) error {
		if t < 0 || t > 1 || t != t {
			return fmt.Errorf("%w: threshold %v is not between 0 and 1", ErrConfig, t)
		}
		a.threshold = t
		return nil
	}
}

// WithEntities restricts the analyzer to the given entity types (default:
// all of AllEntities).
func WithEntities(es ...Entity) Option {
	return func(a *Analyzer) error {
		if len(es) == 0 {
			return fmt.Errorf("%w: no entity types given", ErrConfig)
		}
		a.enabled = [numEntities]bool{}
		for _, e := range es {
			i := entityIndex(e)
			if i < 0 {
				return fmt.Errorf("%w: %v", ErrConfig, unknownEntity(e))
			}
			a.enabled[i] = true
		}
		return nil
	}
}

// WithPhoneRegions sets the regions (ISO 3166 alpha-2, "GB" for the UK)
// whose national formats are tried for numbers written without a "+"
// country code, in order. The default is US, GB, DE, FR, IN.
func WithPhoneRegions(regions ...string) Option {
	return func(a *Analyzer) error {
		rs, err := checkRegions(regions)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrConfig, err)
		}
		a.phoneRegions = rs
		return nil
	}
}

// WithRecognizers adds recognizers of the caller's own. Their candidates go
// through the same context enhancer, threshold and overlap resolution.
func WithRecognizers(rs ...Recognizer) Option {
	return func(a *Analyzer) error {
		for _, r := range rs {
			if r == nil {
				return fmt.Errorf("%w: nil recognizer", ErrConfig)
			}
		}
		a.custom = append(a.custom, rs...)
		return nil
	}
}

// New builds an analyzer with every built-in recognizer and the default
// threshold, changed by opts.
func New(opts ...Option) (*Analyzer, error) {
	a := &Analyzer{threshold: DefaultThreshold, phoneRegions: defaultPhoneRegions}
	for i := range a.enabled {
		a.enabled[i] = true
	}
	for _, o := range opts {
		if err := o(a); err != nil {
			return nil, err
		}
	}
	for _, f := range builtinFinders {
		for _, e := range f.entities {
			if a.enabled[entityIndex(e)] {
				a.finders = append(a.finders, f)
				a.need |= f.need
				break
			}
		}
	}
	return a, nil
}

// Threshold returns the minimum score of a reported span.
func (a *Analyzer) Threshold() float64 { return a.threshold }

// Enabled reports whether the analyzer looks for entity type e.
func (a *Analyzer) Enabled(e Entity) bool {
	i := entityIndex(e)
	return i >= 0 && a.enabled[i]
}

// Analyze returns the spans of personal data in text, in text order, with
// no two overlapping.
func (a *Analyzer) Analyze(text string) []Span {
	return a.AnalyzeField(text)
}

// AnalyzeField is Analyze for the value of a named field (a JSON key, a
// table column): the words of the field name, such as "email" in
// "customer_email" or "birth" in "dateOfBirth", count as context before
// every span (see FieldContext).
func (a *Analyzer) AnalyzeField(text string, context ...string) []Span {
	return a.AppendSpans(nil, text, context...)
}

// AppendSpans is AnalyzeField appending to dst: with a reused dst it
// allocates nothing for a text without personal data.
func (a *Analyzer) AppendSpans(dst []Span, text string, context ...string) []Span {
	// Fast path: a text holding no byte any recognizer starts from (a
	// lower-case word, "yes", "n/a") needs no state at all.
	m := prefilter(text)
	if len(a.custom) == 0 && len(context) == 0 && m&a.need == 0 {
		return dst
	}
	st := getState(text, context)
	defer putState(st)
	a.candidates(st, m)
	return a.resolve(st, dst)
}

// candidates fills st.cands with every recognizer's candidates, scored by
// the context enhancer; m is the text's prefilter bits.
func (a *Analyzer) candidates(st *state, m uint8) {
	st.a = a
	if len(st.field) > 0 && fieldKeyKind(st.field) != 0 {
		m |= pField
	}
	for _, f := range a.finders {
		if f.need == 0 || m&f.need != 0 {
			f.find(st)
		}
	}
	for _, r := range a.custom {
		st.cands = r.Find(st.text, st.cands)
	}
	for i := range st.cands {
		c := &st.cands[i]
		if c.Start < 0 || c.End > len(st.text) || c.Start >= c.End {
			c.Score = -1 // a custom recognizer's bad span: dropped
			continue
		}
		c.Score = st.enhance(c)
	}
}

// resolve applies the threshold and the overlap rule to st.cands and
// appends the surviving spans to dst, in text order, with code point
// offsets.
//
// Overlap rule: candidates are taken by descending score, then descending
// length, then ascending start, then AllEntities order; a candidate that
// overlaps one already taken is dropped. So of two overlapping spans the
// more certain wins, and at equal certainty the longer (a date of birth
// over the date inside it, an address over the house number).
func (a *Analyzer) resolve(st *state, dst []Span) []Span {
	cs := st.cands[:0]
	for _, c := range st.cands {
		if c.Score < a.threshold || c.Score <= 0 {
			continue
		}
		if entityIndex(c.Entity) < 0 || a.Enabled(c.Entity) { // custom types are always enabled
			cs = append(cs, c)
		}
	}
	slices.SortStableFunc(cs, func(x, y Candidate) int {
		switch {
		case x.Score != y.Score:
			return cmp.Compare(y.Score, x.Score)
		case x.End-x.Start != y.End-y.Start:
			return cmp.Compare(y.End-y.Start, x.End-x.Start)
		case x.Start != y.Start:
			return cmp.Compare(x.Start, y.Start)
		}
		return cmp.Compare(entityRank(x.Entity), entityRank(y.Entity))
	})
	taken := st.taken[:0]
	for _, c := range cs {
		// taken is sorted by start; find the first span ending after c starts.
		k, _ := slices.BinarySearchFunc(taken, c.Start, func(t Candidate, start int) int {
			if t.End > start {
				return 1
			}
			return -1
		})
		if k < len(taken) && taken[k].Start < c.End {
			continue
		}
		taken = slices.Insert(taken, k, c)
	}
	st.taken = taken
	pos, cp := 0, 0
	for _, c := range taken {
		cp += utf8.RuneCountInString(st.text[pos:c.Start])
		start := cp
		cp += utf8.RuneCountInString(st.text[c.Start:c.End])
		pos = c.End
		dst = append(dst, Span{Entity: c.Entity, Start: start, End: cp, Score: round3(c.Score), ByteStart: c.Start, ByteEnd: c.End})
	}
	return dst
}

// round3 rounds a score to three decimals, so 0.5+0.35 prints as 0.85.
func round3(f float64) float64 {
	return float64(int64(f*1000+0.5)) / 1000
}

const numEntities = 11

func entityIndex(e Entity) int {
	for i, x := range AllEntities {
		if x == e {
			return i
		}
	}
	return -1
}

// tieOrder breaks overlap ties between equal scores and lengths: the type
// with the stricter validation first, so a 3-2-4 number that libphonenumber
// also accepts stays an SSN and a date of birth is not a plain date.
var tieOrder = []Entity{Secret, CreditCard, IBAN, USSSN, Email, IPAddress, DateOfBirth, Phone, StreetAddress, DateTime, Person}

// entityRank orders entities for the overlap tie-break; custom types last.
func entityRank(e Entity) int {
	for i, x := range tieOrder {
		if x == e {
			return i
		}
	}
	return len(tieOrder)
}

func unknownEntity(e Entity) error {
	_, err := ParseEntity(string(e))
	return err
}
