package guard

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/mlsec/mlsec/pii"
)

// piiDecisions turns spans into decisions, one per entity type, with the
// count (never the value).
func piiDecisions(spans []pii.Span, act Action, stage, where string) []Decision {
	count := map[string]int{}
	for _, s := range spans {
		count[string(s.Entity)]++
	}
	types := make([]string, 0, len(count))
	for t := range count {
		types = append(types, t)
	}
	sort.Strings(types)
	out := make([]Decision, 0, len(types))
	for _, t := range types {
		out = append(out, Decision{Scanner: ScannerPII, Rule: t, Action: act, Stage: stage, Where: where,
			Detail: fmt.Sprintf("%d value(s)", count[t])})
	}
	return out
}

// InspectResponse reads a non-streamed chat completion and runs the
// route's output scanners on every choice's message content. It returns
// the verdict and the body to send back (rewritten when
// Verdict.Modified). A body that is not a chat completion, or is larger
// than the guard reads, is blocked (rule "unreadable"): the guard does
// not pass what it could not check.
func (x *Exchange) InspectResponse(body []byte) (Verdict, []byte) {
	var v Verdict
	unreadable := func(why string) (Verdict, []byte) {
		v.add(Decision{Scanner: ScannerGuard, Rule: "unreadable", Action: Block, Stage: "response", Detail: why})
		return v, nil
	}
	if len(body) > x.g.maxBody {
		return unreadable(fmt.Sprintf("answer of %d bytes is over the limit of %d", len(body), x.g.maxBody))
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) != nil || top == nil {
		return unreadable("answer is not a JSON object")
	}
	if _, isErr := top["error"]; isErr {
		return v, body // an upstream error carries no model output
	}
	var choices []map[string]json.RawMessage
	if json.Unmarshal(top["choices"], &choices) != nil {
		return unreadable("answer has no choices array")
	}
	modified := false
	for i, ch := range choices {
		var msg map[string]json.RawMessage
		if json.Unmarshal(ch["message"], &msg) != nil || msg == nil {
			return unreadable(fmt.Sprintf("choices[%d] has no message", i))
		}
		raw, ok := msg["content"]
		if !ok || string(raw) == "null" {
			continue
		}
		var text string
		if json.Unmarshal(raw, &text) != nil {
			return unreadable(fmt.Sprintf("choices[%d].message.content is not a string", i))
		}
		w := fmt.Sprintf("choices[%d].message.content", i)
		out, err := x.checkAnswer(&v, text, "response", w)
		if err != nil {
			return unreadable(err.Error())
		}
		if out != text {
			msg["content"] = marshal(out)
			ch["message"] = marshal(msg)
			modified = true
		}
	}
	if modified {
		top["choices"] = marshal(choices)
		body = marshal(top)
		v.Modified = true
	}
	return v, body
}

// checkAnswer runs the output scanners on one whole answer text.
func (x *Exchange) checkAnswer(v *Verdict, text, stage, where string) (string, error) {
	g := x.g
	text = toValidUTF8(text)
	if c := g.cfg.Leakage; c != nil {
		if canaryIn(text, x.canary) {
			v.add(Decision{Scanner: ScannerLeakage, Rule: "canary", Action: c.Action, Stage: stage, Where: where,
				Detail: "the answer repeats the canary of the system prompt"})
		}
		if o := x.newOverlap(); o != nil && o.feed(text, true) {
			v.add(Decision{Scanner: ScannerLeakage, Rule: "overlap", Action: c.Action, Stage: stage, Where: where,
				Detail: fmt.Sprintf("the answer repeats %d or more consecutive words of the system prompt", c.MinOverlapWords)})
		}
	}
	if x.spec != nil {
		if rule, detail, ok := x.spec.check(text); !ok {
			v.add(Decision{Scanner: ScannerJSON, Rule: rule, Action: g.json.action, Stage: stage, Where: where, Detail: detail})
		}
	}
	if b := g.outBanned; b != nil {
		if hits := b.find(text); len(hits) > 0 {
			act := b.action
			if act == Redact {
				out, _, ok := b.redact(text, hits)
				if ok {
					text = out
				} else {
					act = Block
				}
			}
			for _, d := range b.decisions(hits, act, stage, where) {
				v.add(d)
			}
		}
	}
	if p := g.answerPII; p != nil {
		out, spans, err := p.red.Redact(text)
		if err != nil {
			return "", fmt.Errorf("answer pii: %v", err)
		}
		for _, d := range piiDecisions(spans, p.action, stage, where) {
			v.add(d)
		}
		if len(spans) > 0 && p.action == Redact {
			text = out
		}
	}
	return text, nil
}

// newOverlap builds the overlap check from the route's system prompt and
// the request's own system messages.
func (x *Exchange) newOverlap() *overlap {
	c := x.g.cfg.Leakage
	if c == nil {
		return nil
	}
	prompts := append([]string{c.SystemPrompt}, x.systems...)
	return newOverlap(c.MinOverlapWords, prompts...)
}

// Canary returns the canary inserted in the request's system prompt, or
// "" (for tests and audit records; never send it to a client).
func (x *Exchange) Canary() string { return x.canary }
