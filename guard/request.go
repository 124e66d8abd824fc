package guard

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// responseFormat is the OpenAI request's response_format.
type responseFormat struct {
	Type       string `json:"type"`
	JSONSchema *struct {
		Schema json.RawMessage `json:"schema"`
	} `json:"json_schema,omitempty"`
}

// message is one entry of an OpenAI chat request's messages, kept as raw
// fields so a rewritten request loses nothing the guard does not know.
type message struct {
	fields map[string]json.RawMessage
	role   string
	// texts are the message's text pieces: the content string, or the
	// text of each {"type":"text"} part of a content array.
	texts []string
	parts bool // content is an array of parts
	dirty bool
}

// EstimateTokens estimates the tokens of text without a tokenizer: one per
// three bytes, rounded up. BPE tokenizers average about four bytes per
// token on English text and one token per CJK character (three bytes), so
// the estimate errs high, which is the safe side for a budget.
func EstimateTokens(text string) int { return (len(text) + 2) / 3 }

// tokensPerMessage is the framing each message adds (role and separators
// in the chat template).
const tokensPerMessage = 4

// An Exchange is one inspected request and what its answer is checked
// against: the canary inserted, the system prompts seen, the JSON the
// answer must be. The gateway keeps it for the request's lifetime.
type Exchange struct {
	g *Guard
	// Verdict is the request's verdict.
	Verdict Verdict
	// Body is the request to forward: the original bytes, or the
	// rewritten request when Verdict.Modified.
	Body []byte
	// Stream: the request asked for a streamed answer.
	Stream bool

	canary  string
	systems []string
	spec    *answerSpec
}

// InspectRequest reads an OpenAI chat completion request and runs the
// route's input scanners. It returns ErrTooLarge or ErrMalformed
// (errors.Is) for a body it cannot read; otherwise the Exchange's Verdict
// says whether to block, and its Body is what to forward.
func (g *Guard) InspectRequest(body []byte) (*Exchange, error) {
	if len(body) > g.maxBody {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(body), g.maxBody)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil || top == nil {
		return nil, fmt.Errorf("%w: not a JSON object", ErrMalformed)
	}
	var raws []map[string]json.RawMessage
	if err := json.Unmarshal(top["messages"], &raws); err != nil || len(raws) == 0 {
		return nil, fmt.Errorf("%w: messages must be a non-empty array of objects", ErrMalformed)
	}
	msgs := make([]*message, len(raws))
	for i, f := range raws {
		m, err := readMessage(f)
		if err != nil {
			return nil, fmt.Errorf("%w: messages[%d]: %v", ErrMalformed, i, err)
		}
		msgs[i] = m
	}
	x := &Exchange{g: g, Body: body}
	if s, ok := top["stream"]; ok {
		if err := json.Unmarshal(s, &x.Stream); err != nil {
			return nil, fmt.Errorf("%w: stream must be a boolean", ErrMalformed)
		}
	}
	v := &x.Verdict
	g.checkLength(v, top, msgs)
	g.checkInjection(v, msgs)
	g.checkPromptBanned(v, msgs)
	if err := g.checkPromptPII(v, msgs); err != nil {
		return nil, err
	}
	for _, m := range msgs {
		if m.role == "system" || m.role == "developer" {
			x.systems = append(x.systems, strings.Join(m.texts, "\n"))
		}
	}
	if c := g.cfg.Leakage; c != nil && c.Canary {
		x.canary = newCanary()
		msgs = insertCanary(msgs, x.canary)
		v.Modified = true
	}
	if g.json != nil {
		var rf *responseFormat
		if raw, ok := top["response_format"]; ok && string(raw) != "null" {
			rf = &responseFormat{}
			if err := json.Unmarshal(raw, rf); err != nil {
				return nil, fmt.Errorf("%w: response_format: %v", ErrMalformed, err)
			}
		}
		spec, err := g.json.spec(rf)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		x.spec = spec
	}
	for _, m := range msgs {
		if m.dirty {
			v.Modified = true
		}
	}
	if v.Modified {
		out := make([]json.RawMessage, len(msgs))
		for i, m := range msgs {
			out[i] = m.encode()
		}
		top["messages"] = marshal(out)
		x.Body = marshal(top)
	}
	return x, nil
}

func readMessage(f map[string]json.RawMessage) (*message, error) {
	m := &message{fields: f}
	if err := json.Unmarshal(f["role"], &m.role); err != nil || m.role == "" {
		return nil, fmt.Errorf("role must be a non-empty string")
	}
	c, ok := f["content"]
	if !ok || string(c) == "null" {
		return m, nil // an assistant turn with tool calls only
	}
	c = bytes.TrimSpace(c)
	switch {
	case len(c) > 0 && c[0] == '"':
		var s string
		if err := json.Unmarshal(c, &s); err != nil {
			return nil, fmt.Errorf("content: %v", err)
		}
		m.texts = []string{s}
	case len(c) > 0 && c[0] == '[':
		var parts []map[string]json.RawMessage
		if err := json.Unmarshal(c, &parts); err != nil {
			return nil, fmt.Errorf("content parts: %v", err)
		}
		m.parts = true
		for _, p := range parts {
			var typ, text string
			_ = json.Unmarshal(p["type"], &typ)
			if typ != "text" {
				continue // images and audio are not text the guard reads
			}
			if err := json.Unmarshal(p["text"], &text); err != nil {
				return nil, fmt.Errorf("text part: text must be a string")
			}
			m.texts = append(m.texts, text)
		}
	default:
		return nil, fmt.Errorf("content must be a string or an array of parts")
	}
	return m, nil
}

// encode writes the message back, with its texts as they now are.
func (m *message) encode() json.RawMessage {
	if m.dirty {
		if !m.parts {
			m.fields["content"] = marshal(strings.Join(m.texts, ""))
		} else {
			var parts []map[string]json.RawMessage
			_ = json.Unmarshal(m.fields["content"], &parts)
			k := 0
			for _, p := range parts {
				var typ string
				_ = json.Unmarshal(p["type"], &typ)
				if typ == "text" && k < len(m.texts) {
					p["text"] = marshal(m.texts[k])
					k++
				}
			}
			m.fields["content"] = marshal(parts)
		}
	}
	b := marshal(m.fields)
	return b
}

func where(i, j int, m *message) string {
	if m.parts {
		return fmt.Sprintf("messages[%d].content[%d]", i, j)
	}
	return fmt.Sprintf("messages[%d].content", i)
}

// insertCanary appends the canary notice to the first system message, or
// puts a system message first.
func insertCanary(msgs []*message, canary string) []*message {
	for _, m := range msgs {
		if m.role == "system" || m.role == "developer" {
			if len(m.texts) == 0 {
				m.texts = []string{""}
			}
			m.texts[len(m.texts)-1] += "\n" + canaryNotice(canary)
			m.dirty = true
			return msgs
		}
	}
	content := marshal(canaryNotice(canary))
	sys := &message{role: "system", texts: []string{canaryNotice(canary)}, fields: map[string]json.RawMessage{
		"role": json.RawMessage(`"system"`), "content": content}}
	return append([]*message{sys}, msgs...)
}

func (g *Guard) checkLength(v *Verdict, top map[string]json.RawMessage, msgs []*message) {
	c := g.cfg.Length
	if c == nil {
		return
	}
	nbytes, tokens := 0, 0
	for _, m := range msgs {
		tokens += tokensPerMessage
		for _, t := range m.texts {
			nbytes += len(t)
			tokens += EstimateTokens(t)
		}
	}
	answer := 0
	for _, k := range []string{"max_completion_tokens", "max_tokens"} {
		if raw, ok := top[k]; ok {
			var n int
			if json.Unmarshal(raw, &n) == nil && n > answer {
				answer = n
			}
		}
	}
	check := func(rule string, limit, got int) {
		if limit > 0 && got > limit {
			v.add(Decision{Scanner: ScannerLength, Rule: rule, Action: c.Action, Stage: "request",
				Detail: fmt.Sprintf("%d over the limit of %d", got, limit)})
		}
	}
	check("max_messages", c.MaxMessages, len(msgs))
	check("max_prompt_bytes", c.MaxPromptBytes, nbytes)
	check("max_prompt_tokens", c.MaxPromptTokens, tokens)
	if c.MaxTotalTokens > 0 && answer == 0 {
		// No answer budget asked for: the model may write up to its
		// context, so the whole budget must be declared.
		v.add(Decision{Scanner: ScannerLength, Rule: "max_total_tokens", Action: c.Action, Stage: "request",
			Detail: "no max_tokens or max_completion_tokens in the request"})
		return
	}
	check("max_total_tokens", c.MaxTotalTokens, tokens+answer)
}

func (g *Guard) checkInjection(v *Verdict, msgs []*message) {
	c := g.cfg.Injection
	if c == nil {
		return
	}
	for i, m := range msgs {
		indirect := g.injIndir[m.role]
		if !indirect && !g.injDirect[m.role] {
			continue
		}
		act := c.Action
		if indirect {
			act = c.IndirectAction
		}
		for j, t := range m.texts {
			r := g.inj.Scan(t, indirect)
			if r.Truncated {
				// Fail closed: what was not read is not called clean.
				v.add(Decision{Scanner: ScannerInjection, Rule: "truncated", Action: act, Stage: "request",
					Where: where(i, j, m), Detail: "text longer than the scanner reads"})
			}
			if r.Score < c.Threshold {
				continue
			}
			top := r.Top()
			rs := make([]string, 0, len(r.Matches))
			for _, mt := range r.Matches {
				rs = append(rs, mt.Rule+"@"+mt.View)
			}
			v.add(Decision{Scanner: ScannerInjection, Rule: top.Rule, Action: act, Stage: "request",
				Where: where(i, j, m), Score: r.Score,
				Detail: "rule set " + RuleSetVersion + ": " + strings.Join(rs, ", ")})
			if act == Redact {
				m.texts[j] = "[removed by mlsec guard: prompt injection, rule " + top.Rule + "]"
				m.dirty = true
			}
		}
	}
}

func (g *Guard) checkPromptBanned(v *Verdict, msgs []*message) {
	b := g.inBanned
	if b == nil {
		return
	}
	for i, m := range msgs {
		if m.role == "system" || m.role == "developer" || m.role == "assistant" {
			continue // the application's and the model's own words
		}
		for j, t := range m.texts {
			hits := b.find(t)
			if len(hits) == 0 {
				continue
			}
			act := b.action
			if act == Redact {
				out, _, ok := b.redact(t, hits)
				if ok {
					m.texts[j] = out
					m.dirty = true
				} else {
					act = Block // hidden by obfuscation: cannot cut it out exactly
				}
			}
			for _, d := range b.decisions(hits, act, "request", where(i, j, m)) {
				v.add(d)
			}
		}
	}
}

func (g *Guard) checkPromptPII(v *Verdict, msgs []*message) error {
	p := g.promptPII
	if p == nil {
		return nil
	}
	for i, m := range msgs {
		for j, t := range m.texts {
			out, spans, err := p.red.Redact(toValidUTF8(t))
			if err != nil {
				return fmt.Errorf("guard: prompt pii: %w", err)
			}
			for _, d := range piiDecisions(spans, p.action, "request", where(i, j, m)) {
				v.add(d)
			}
			if len(spans) > 0 && p.action == Redact {
				m.texts[j] = out
				m.dirty = true
			}
		}
	}
	return nil
}

// marshal encodes v without escaping <, > and & (the redaction markers
// stay readable; the gateway sends JSON, not HTML).
func marshal(v any) json.RawMessage {
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	if err := e.Encode(v); err != nil {
		panic("guard: encoding a decoded value: " + err.Error()) // cannot happen: v was decoded from JSON
	}
	return bytes.TrimRight(b.Bytes(), "\n")
}
