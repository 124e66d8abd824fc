package pii

import (
	"fmt"
	"strings"
)

// A Redactor finds personal data with an Analyzer and rewrites it with an
// operator per entity type. It is immutable and safe for concurrent use.
type Redactor struct {
	a   *Analyzer
	ops map[Entity]Operator
	def Operator
}

// NewRedactor returns a redactor that applies ops[e] to spans of type e and
// def (Replace{} when nil: "<ENTITY_TYPE>") to the others.
func NewRedactor(a *Analyzer, def Operator, ops map[Entity]Operator) (*Redactor, error) {
	if a == nil {
		return nil, fmt.Errorf("%w: nil analyzer", ErrConfig)
	}
	if def == nil {
		def = Replace{}
	}
	m := make(map[Entity]Operator, len(ops))
	for e, op := range ops {
		if op == nil {
			return nil, fmt.Errorf("%w: nil operator for %s", ErrConfig, e)
		}
		m[e] = op
	}
	return &Redactor{a: a, ops: m, def: def}, nil
}

// Analyzer returns the redactor's analyzer.
func (r *Redactor) Analyzer() *Analyzer { return r.a }

// Redact returns text with every span the analyzer finds rewritten, and
// the spans (offsets into the original text). On an operator error it
// returns the error and no text, so nothing unredacted can slip out.
func (r *Redactor) Redact(text string) (string, []Span, error) {
	return r.RedactField(text, "")
}

// RedactField is Redact for the value of a named field (see AnalyzeField).
func (r *Redactor) RedactField(text, field string) (string, []Span, error) {
	var spans []Span
	if field == "" {
		spans = r.a.Analyze(text)
	} else {
		spans = r.a.AnalyzeField(text, field)
	}
	out, err := r.Apply(text, spans)
	if err != nil {
		return "", nil, err
	}
	return out, spans, nil
}

// Apply rewrites the given spans of text (in text order, not overlapping,
// as the analyzer returns them).
func (r *Redactor) Apply(text string, spans []Span) (string, error) {
	if len(spans) == 0 {
		return text, nil
	}
	var b strings.Builder
	b.Grow(len(text))
	pos := 0
	for _, s := range spans {
		if s.ByteStart < pos || s.ByteEnd > len(text) || s.ByteStart > s.ByteEnd {
			return "", fmt.Errorf("pii: span %d-%d out of order or outside the text", s.ByteStart, s.ByteEnd)
		}
		op := r.ops[s.Entity]
		if op == nil {
			op = r.def
		}
		v, err := op.Apply(s.Entity, text[s.ByteStart:s.ByteEnd])
		if err != nil {
			return "", fmt.Errorf("pii: %s operator: %w", s.Entity, err)
		}
		b.WriteString(text[pos:s.ByteStart])
		b.WriteString(v)
		pos = s.ByteEnd
	}
	b.WriteString(text[pos:])
	return b.String(), nil
}
