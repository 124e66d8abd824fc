package gateway

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/mlsec/mlsec/pii"
)

// Body formats recorded in the log.
const (
	formatNone = "none"
	formatJSON = "json"
	formatText = "text"
	formatSSE  = "sse"
)

// redacted is the log form of one body.
type redacted struct {
	text   string
	format string
	trunc  bool
}

// redactor wraps the pii redactor with the gateway's rules for bodies.
type redactor struct {
	r       *pii.Redactor
	maxBody int
}

// errRedact means an operator failed: the record is not written, since a
// body that could not be redacted must not reach the store.
var errRedact = errors.New("redaction failed")

// body redacts a request or response body. JSON is redacted value by value
// (layout kept); anything else, malformed JSON included, as text. Text that
// is not valid UTF-8 is logged with invalid bytes replaced: the log is text.
func (rd *redactor) body(b []byte, counts map[string]int) (redacted, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return redacted{format: formatNone}, nil
	}
	if t := bytes.TrimLeft(b, " \t\r\n"); t[0] == '{' || t[0] == '[' {
		out, res, err := rd.r.RedactJSON(b, nil)
		if err == nil {
			for _, s := range res.Spans {
				counts[string(s.Entity)]++
			}
			// out is RedactJSON's own new buffer, never written again:
			// the record's string shares it rather than copying it.
			return rd.cut(unsafe.String(unsafe.SliceData(out), len(out)), formatJSON), nil
		}
		if !errors.Is(err, pii.ErrJSON) {
			return redacted{}, fmt.Errorf("%w: %s", errRedact, "json operator")
		}
	}
	return rd.text(string(b), formatText, counts)
}

func (rd *redactor) text(s, format string, counts map[string]int) (redacted, error) {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	out, spans, err := rd.r.Redact(s)
	if err != nil {
		return redacted{}, fmt.Errorf("%w: %s", errRedact, "text operator")
	}
	for _, sp := range spans {
		counts[string(sp.Entity)]++
	}
	return rd.cut(out, format), nil
}

// cut bounds logged text after redaction (never before: a cut could split
// an entity so that the analyzer misses the part that is kept).
func (rd *redactor) cut(s, format string) redacted {
	if len(s) <= rd.maxBody {
		return redacted{text: s, format: format}
	}
	end := rd.maxBody
	for end > 0 && !utf8.RuneStart(s[end]) {
		end--
	}
	return redacted{text: s[:end], format: format, trunc: true}
}

// path redacts a request path and query. The query is decoded first, so an
// address written as %40 is seen as "@".
func (rd *redactor) path(u *url.URL, counts map[string]int) (string, error) {
	p := u.Path
	if u.RawQuery != "" {
		q, err := url.QueryUnescape(u.RawQuery)
		if err != nil {
			q = u.RawQuery
		}
		p += "?" + q
	}
	r, err := rd.text(p, formatText, counts)
	return r.text, err
}

// sse redacts a captured event stream. The answer of an OpenAI-style stream
// arrives as pieces in separate events ("ana." then "lopez@exa" then
// "mple.com"), so the pieces are joined first and the whole answer is
// redacted: redacting event by event would miss what an event splits.
// Events that are not JSON are kept as text in the joined answer.
func (rd *redactor) sse(b []byte, counts map[string]int) (redacted, error) {
	var answer strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64<<10), len(b)+1)
	events := 0
	for sc.Scan() {
		line := sc.Text()
		data, ok := strings.CutPrefix(line, "data:")
		if !ok {
			continue
		}
		data = strings.TrimSpace(data)
		events++
		if data == "[DONE]" {
			continue
		}
		if !appendChatPieces(&answer, []byte(data)) {
			answer.WriteString(data)
			answer.WriteByte('\n')
		}
	}
	r, err := rd.text(answer.String(), formatSSE, counts)
	if err != nil {
		return r, err
	}
	r.text = fmt.Sprintf("[%d events] %s", events, r.text)
	return r, nil
}

// chatChunk is the part of an OpenAI chat or completions stream event
// that carries answer text.
type chatChunk struct {
	Choices []struct {
		Text  string `json:"text"`
		Delta struct {
			Content   string `json:"content"`
			Refusal   string `json:"refusal"`
			ToolCalls []struct {
				Function struct {
					Name      string `json:"name"`
					Arguments string `json:"arguments"`
				} `json:"function"`
			} `json:"tool_calls"`
		} `json:"delta"`
	} `json:"choices"`
}

// appendChatPieces adds the text pieces of one event to the answer and
// reports whether the event was a JSON chat chunk.
func appendChatPieces(answer *strings.Builder, data []byte) bool {
	var c chatChunk
	if json.Unmarshal(data, &c) != nil || len(c.Choices) == 0 {
		return false
	}
	for _, ch := range c.Choices {
		answer.WriteString(ch.Text)
		answer.WriteString(ch.Delta.Content)
		answer.WriteString(ch.Delta.Refusal)
		for _, tc := range ch.Delta.ToolCalls {
			answer.WriteString(tc.Function.Name)
			answer.WriteString(tc.Function.Arguments)
		}
	}
	return true
}
