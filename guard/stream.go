package guard

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/mlsec/mlsec/pii"
)

// Stream bounds.
const (
	// StreamHoldBack is the fewest bytes of checked answer text a
	// StreamChecker keeps back (after the pii engine's own hold-back), so
	// a banned term or the canary is seen whole before any of it is
	// written. It grows with the longest banned term.
	StreamHoldBack = 128
	// StreamLookBehind is how much already-written text the leak checks
	// read again with each piece (a canary spelled across pieces, or
	// encoded, is still found, though then some of it may be out).
	StreamLookBehind = 512
)

// A StreamChecker runs the output scanners over an answer that arrives in
// pieces (the content deltas of a streamed chat completion). It writes
// nothing it has not checked: the pii engine's stream holds back what may
// be the start of an entity, and the checker holds back StreamHoldBack more
// bytes for banned terms and the canary. An answer that must be JSON is
// held whole (up to JSONConfig.MaxBytes) and validated at Close. Memory is
// bounded by those hold-backs, not by the answer. Not safe for concurrent
// use: one per streamed choice.
type StreamChecker struct {
	x       *Exchange
	pii     *pii.Stream
	nspans  int
	hold    string
	tail    string
	holdMin int
	ov      *overlap
	leaked  bool
	jsonBuf strings.Builder
	flagged map[string]bool
	v       Verdict
	stopped bool
}

// NewStreamChecker returns a checker for one streamed answer of the
// exchange.
func (x *Exchange) NewStreamChecker() *StreamChecker {
	s := &StreamChecker{x: x, holdMin: StreamHoldBack, flagged: map[string]bool{}}
	if p := x.g.answerPII; p != nil {
		s.pii = p.red.NewStream("content", pii.DefaultHoldBack)
	}
	if b := x.g.outBanned; b != nil {
		s.holdMin = max(s.holdMin, b.maxLen)
	}
	s.ov = x.newOverlap()
	return s
}

// Verdict returns every decision made so far.
func (s *StreamChecker) Verdict() Verdict { return s.v }

// Stopped reports whether a block decision ended the answer.
func (s *StreamChecker) Stopped() bool { return s.stopped }

// decide records d once per scanner and rule (a flag in a stream fires
// once, not per piece) and reports whether the stream must stop.
func (s *StreamChecker) decide(d Decision) bool {
	k := d.Scanner + "/" + d.Rule
	if d.Action != Block && s.flagged[k] {
		return false
	}
	s.flagged[k] = true
	s.v.add(d)
	if d.Action == Block {
		s.stopped = true
		s.hold = ""
		return true
	}
	return false
}

// Push checks the next piece of the answer and returns the text that may
// be written now (often less than was pushed, or nothing). After a block
// decision it returns "" and Stopped is true: the caller ends the stream
// (FilterSSE writes a final content_filter event).
func (s *StreamChecker) Push(piece string) string {
	return s.push(piece, false)
}

// Close ends the answer and returns the rest that may be written.
func (s *StreamChecker) Close() string {
	return s.push("", true)
}

func (s *StreamChecker) push(piece string, final bool) string {
	if s.stopped {
		return ""
	}
	const stage = "stream"
	g := s.x.g
	text := toValidUTF8(piece)
	if s.pii != nil {
		var err error
		if final {
			var rest string
			if text, err = s.pii.Push(text); err == nil {
				rest, err = s.pii.Close()
				text += rest
			}
		} else {
			text, err = s.pii.Push(text)
		}
		if err != nil {
			s.decide(Decision{Scanner: ScannerGuard, Rule: "unreadable", Action: Block, Stage: stage, Detail: "pii stream: " + err.Error()})
			return ""
		}
		if spans := s.pii.Spans(); len(spans) > s.nspans {
			for _, d := range piiDecisions(spans[s.nspans:], g.answerPII.action, stage, "content") {
				if d.Action == Flag {
					// a count per value found, not once per stream
					s.v.add(d)
				} else if s.decide(d) {
					return ""
				}
			}
			s.nspans = len(spans)
		}
	}
	if s.x.spec != nil {
		if s.jsonBuf.Len()+len(text) > g.json.maxBytes {
			s.decide(Decision{Scanner: ScannerJSON, Rule: "too_long", Action: Block, Stage: stage,
				Detail: fmt.Sprintf("answer held for validation is over %d bytes", g.json.maxBytes)})
			return ""
		}
		s.jsonBuf.WriteString(text)
		if !final {
			return ""
		}
		text = s.jsonBuf.String()
		s.jsonBuf.Reset()
		if rule, detail, ok := s.x.spec.check(text); !ok {
			if s.decide(Decision{Scanner: ScannerJSON, Rule: rule, Action: g.json.action, Stage: stage, Detail: detail}) {
				return ""
			}
		}
	}
	s.hold += text
	if c := g.cfg.Leakage; c != nil && !s.leaked {
		if canaryIn(s.tail+s.hold, s.x.canary) {
			s.leaked = true
			if s.decide(Decision{Scanner: ScannerLeakage, Rule: "canary", Action: c.Action, Stage: stage,
				Detail: "the answer repeats the canary of the system prompt"}) {
				return ""
			}
		}
		if s.ov != nil && s.ov.feed(text, final) {
			s.leaked = true
			if s.decide(Decision{Scanner: ScannerLeakage, Rule: "overlap", Action: c.Action, Stage: stage,
				Detail: fmt.Sprintf("the answer repeats %d or more consecutive words of the system prompt", c.MinOverlapWords)}) {
				return ""
			}
		}
	}
	if b := g.outBanned; b != nil {
		if hits := b.find(s.hold); len(hits) > 0 {
			act := b.action
			if act == Redact {
				out, _, ok := b.redact(s.hold, hits)
				if ok {
					s.hold = out
				} else {
					act = Block // hidden by obfuscation: cannot cut it out exactly
				}
			}
			for _, d := range b.decisions(hits, act, stage, "content") {
				if act == Redact {
					s.v.add(d) // each redaction counts
				} else if s.decide(d) {
					return ""
				}
			}
		}
	}
	// Write all but the hold-back. A banned term starting in the written
	// part is at most holdMin bytes long, so it ended inside s.hold and
	// was redacted above.
	cut := len(s.hold)
	if !final {
		cut -= s.holdMin
		for cut > 0 && !utf8.RuneStart(s.hold[cut]) {
			cut--
		}
		if cut <= 0 {
			return ""
		}
	}
	out := s.hold[:cut]
	s.hold = s.hold[cut:]
	s.tail += out
	if len(s.tail) > StreamLookBehind {
		s.tail = s.tail[len(s.tail)-StreamLookBehind:]
	}
	return out
}
