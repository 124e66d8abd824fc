package pii

import (
	"encoding/json"
	"fmt"
)

// A RecordResult is what one JSON record holds: its "id" (the raw JSON
// value of a top-level "id" string or number, nil when absent) and the
// spans found in its selected values.
type RecordResult struct {
	ID    json.RawMessage
	Spans []FieldSpan
}

// AnalyzeJSON finds personal data in the values sel selects (nil: every
// string) of one JSON document. Each value is analysed with its key as
// field context, so "email", "dob" or "api_key" in a key raise the score of
// what its value holds. Numbers in selected places are analysed as text
// too: a card number stored as a JSON number is still a card number. Keys
// themselves are not analysed. A malformed document returns an error
// wrapping ErrJSON with the byte offset.
func (a *Analyzer) AnalyzeJSON(doc []byte, sel *Selector) (RecordResult, error) {
	var res RecordResult
	w := jsonWalker{src: doc, sel: sel}
	w.visit = func(path []pathElem, v string) (string, bool) {
		for _, s := range a.AnalyzeField(v, fieldKey(path)) {
			res.Spans = append(res.Spans, FieldSpan{Field: formatPath(path), Span: s})
		}
		return "", false
	}
	if err := w.run(); err != nil {
		return RecordResult{}, err
	}
	res.ID = json.RawMessage(w.id)
	return res, nil
}

// RedactJSON returns doc with every value sel selects redacted in place:
// the rest of the document (keys, order, white space, other values) is
// unchanged byte for byte. A redacted number becomes a string. On a
// malformed document or an operator error it returns the error and no
// output.
func (r *Redactor) RedactJSON(doc []byte, sel *Selector) ([]byte, RecordResult, error) {
	var res RecordResult
	var opErr error
	// Views: nothing of a value outlives the walk here. The analyzer's
	// state drops its text and field words when it goes back to its pool,
	// spans hold offsets, and an operator's output is copied into out; a
	// custom recognizer, though, may keep the text it is given.
	w := jsonWalker{src: doc, sel: sel, rewrite: true, out: make([]byte, 0, len(doc)), views: len(r.a.custom) == 0}
	w.visit = func(path []pathElem, v string) (string, bool) {
		if opErr != nil {
			return "", false
		}
		spans := r.a.AnalyzeField(v, fieldKey(path))
		if len(spans) == 0 {
			return "", false
		}
		out, err := r.Apply(v, spans)
		if err != nil {
			opErr = err
			return "", false
		}
		field := formatPath(path)
		for _, s := range spans {
			res.Spans = append(res.Spans, FieldSpan{Field: field, Span: s})
		}
		return out, true
	}
	if err := w.run(); err != nil {
		return nil, RecordResult{}, err
	}
	if opErr != nil {
		return nil, RecordResult{}, fmt.Errorf("redacting: %w", opErr)
	}
	res.ID = json.RawMessage(w.id)
	return w.out, res, nil
}

// fieldKey is the context a value's path gives: its last key ("email" for
// user.email, "content" for messages[2].content).
func fieldKey(path []pathElem) string {
	for i := len(path) - 1; i >= 0; i-- {
		if !path[i].isIdx {
			return path[i].key
		}
	}
	return ""
}
