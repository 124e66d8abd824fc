package pii

import (
	"strings"
	"unicode/utf8"
)

// Stream bounds (see the package doc, "Streaming").
const (
	// DefaultHoldBack is how many bytes of the newest text a Stream keeps
	// back, so that an entity split across chunks is seen whole before
	// any of it is written. It exceeds every multi-word entity the
	// recognizers find (addresses are at most maxAddress bytes).
	DefaultHoldBack = 128
	// StreamContext is how much already-written text a Stream keeps, so
	// context words and the checks that look left of a span (a letter
	// glued to digits, "my name is") see what the batch analyzer sees.
	StreamContext = 256
	// MaxHold bounds the held text: a run of more than MaxHold bytes
	// without white space is cut there (no recognizer finds entities that
	// long), and an unterminated private-key block longer than that is
	// written as one redaction and then swallowed up to its END line.
	MaxHold = 64 << 10
)

// A Stream redacts text that arrives in chunks, such as the tokens of a
// streamed LLM answer, and never writes a byte of an entity before it has
// seen the entity whole: it holds back the last DefaultHoldBack bytes,
// never cuts inside a span or a word, and keeps StreamContext bytes of
// written text as context. What it writes is what Redact would write for
// the whole text, except in rare cases where a cut changes how an entity
// is seen, and then it redacts more, not less (the fuzz test checks that
// no span the batch analyzer finds is ever written in clear). A Stream is
// not safe for concurrent use.
type Stream struct {
	r        *Redactor
	field    string
	hold     int
	ctx      string // the last written text, unredacted, for context
	pending  string // received, not yet written
	inPEM    bool   // swallowing the rest of an overlong private key
	outBytes int    // original bytes written so far
	outRunes int    // original code points written so far
	outLines int    // line breaks written so far
	nextTry  int    // pending length at which to try again after a fruitless try
	spans    []Span
	err      error
}

// NewStream starts a stream whose text is the value of field ("" for
// none), holding back holdBack bytes (DefaultHoldBack when 0 or less).
func (r *Redactor) NewStream(field string, holdBack int) *Stream {
	if holdBack <= 0 {
		holdBack = DefaultHoldBack
	}
	return &Stream{r: r, field: field, hold: holdBack}
}

// Push adds a chunk and returns the redacted text that may be written now
// (often empty: the newest text is held back). After an error the stream
// is broken and returns the same error for every call.
func (s *Stream) Push(chunk string) (string, error) {
	if s.err != nil {
		return "", s.err
	}
	s.pending += chunk
	var out strings.Builder
	if s.inPEM && !s.swallowPEM() {
		return "", nil
	}
	for len(s.pending) > s.hold && len(s.pending) >= s.nextTry {
		n, err := s.emit(false, &out)
		if err != nil {
			s.err = err
			return "", err
		}
		if n == 0 {
			// Nothing could be written (a long word or span in progress):
			// wait until pending has doubled, so a stream without white
			// space costs linear time, not one analysis per chunk.
			s.nextTry = 2 * len(s.pending)
			break
		}
		s.nextTry = 0
		if s.inPEM && !s.swallowPEM() {
			break
		}
	}
	return out.String(), nil
}

// Close ends the stream and returns the rest of the text, redacted.
func (s *Stream) Close() (string, error) {
	if s.err != nil {
		return "", s.err
	}
	if s.inPEM {
		s.pending = "" // an unterminated key runs to the end, as in Redact
		return "", nil
	}
	var out strings.Builder
	if _, err := s.emit(true, &out); err != nil {
		s.err = err
		return "", err
	}
	return out.String(), nil
}

// Spans returns the spans written since the last call, with offsets into
// the whole stream's text (code points and bytes).
func (s *Stream) Spans() []Span {
	sp := s.spans
	s.spans = nil
	return sp
}

// emit analyses context+pending, writes the longest safe prefix of
// pending to out and returns its length in bytes.
func (s *Stream) emit(final bool, out *strings.Builder) (int, error) {
	window := s.ctx + s.pending
	off := len(s.ctx)
	spans := s.r.a.AnalyzeField(window, s.field)
	b := len(s.pending)
	if !final {
		b = s.cut(spans, off)
	}
	if b == 0 {
		return 0, nil
	}
	// Redact the spans that lie within the prefix; a span that began in
	// the context (seen only now) is redacted from the context's end on.
	var mine []Span
	for _, sp := range spans {
		if sp.ByteEnd <= off || sp.ByteStart-off >= b {
			continue
		}
		sp.ByteStart = max(sp.ByteStart-off, 0)
		sp.ByteEnd -= off
		mine = append(mine, sp)
	}
	text := s.pending[:b]
	red, err := s.r.Apply(text, mine)
	if err != nil {
		return 0, err
	}
	out.WriteString(red)
	for _, sp := range mine {
		sp.Start = s.outRunes + utf8.RuneCountInString(text[:sp.ByteStart])
		sp.End = sp.Start + utf8.RuneCountInString(text[sp.ByteStart:sp.ByteEnd])
		sp.Line = s.outLines + strings.Count(text[:sp.ByteStart], "\n") + 1
		sp.ByteStart += s.outBytes
		sp.ByteEnd += s.outBytes
		s.spans = append(s.spans, sp)
	}
	s.outBytes += b
	s.outRunes += utf8.RuneCountInString(text)
	s.outLines += strings.Count(text, "\n")
	ctx := s.ctx + text
	if len(ctx) > StreamContext {
		i := len(ctx) - StreamContext
		for i < len(ctx) && !utf8.RuneStart(ctx[i]) {
			i++
		}
		ctx = ctx[i:]
	}
	s.ctx = ctx
	s.pending = s.pending[b:]
	return b, nil
}

// cut returns how many bytes of pending may be written: all but the last
// hold bytes, moved back to the start of any span or word that would be
// cut, and to a code point boundary. Each step moves the cut left, so it
// ends.
func (s *Stream) cut(spans []Span, off int) int {
	p := s.pending
	for _, sp := range spans {
		// Begun in written text and seen only now: write the rest of it,
		// redacted, at once; hold it while it may still grow.
		if st, en := sp.ByteStart-off, sp.ByteEnd-off; st < 0 && en > 0 {
			if en < len(p) {
				return en
			}
			if len(p) > MaxHold {
				return len(p) - s.hold
			}
			return 0
		}
	}
	b := len(p) - s.hold
	for b > 0 {
		if !utf8.RuneStart(p[b]) {
			b--
			continue
		}
		if !isSpace(p[b-1]) && !isSpace(p[b]) {
			w := b
			for w > 0 && !isSpace(p[w-1]) {
				w--
			}
			if b-w < MaxHold {
				b = w // never cut a word, unless it is overlong
				continue
			}
		}
		moved := false
		for _, sp := range spans {
			st, en := sp.ByteStart-off, sp.ByteEnd-off
			if st < b && (en > b || en == len(p)) {
				b, moved = st, true // inside a span, or a span that may grow
				break
			}
		}
		if !moved {
			break
		}
	}
	if b <= 0 && len(p) > MaxHold {
		return s.overlong(spans, off)
	}
	return max(b, 0)
}

// overlong handles held text past MaxHold that cannot be cut: an
// unterminated private-key block is written as one redaction and the rest
// of it swallowed up to its END line.
func (s *Stream) overlong(spans []Span, off int) int {
	for _, sp := range spans {
		st := sp.ByteStart - off
		if sp.Entity == Secret && st == 0 && strings.HasPrefix(s.pending, "-----BEGIN ") {
			if en := sp.ByteEnd - off; en < len(s.pending) {
				return en // a whole (huge) block: write it redacted
			}
			s.inPEM = true
			return len(s.pending) // redacted whole by emit, then swallowed
		}
	}
	// A word longer than MaxHold: cut it (no recognizer finds one so long).
	return len(s.pending) - s.hold
}

// swallowPEM drops pending text up to and including a private key's END
// line; it reports whether the key ended.
func (s *Stream) swallowPEM() bool {
	i := strings.Index(s.pending, "-----END ")
	if i >= 0 {
		if j := strings.Index(s.pending[i+9:], "-----"); j >= 0 {
			n := i + 9 + j + 5
			s.outBytes += n
			s.outRunes += utf8.RuneCountInString(s.pending[:n])
			s.outLines += strings.Count(s.pending[:n], "\n")
			s.pending = s.pending[n:]
			s.inPEM = false
			return true
		}
	}
	// Keep a tail in case the END line is split across chunks.
	if keep := 64; len(s.pending) > keep {
		n := len(s.pending) - keep
		for n > 0 && !utf8.RuneStart(s.pending[n]) {
			n--
		}
		s.outBytes += n
		s.outRunes += utf8.RuneCountInString(s.pending[:n])
		s.outLines += strings.Count(s.pending[:n], "\n")
		s.pending = s.pending[n:]
	}
	return false
}
