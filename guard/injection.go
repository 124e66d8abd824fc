package guard

import (
	"slices"
)

// DefaultInjectionThreshold is the combined rule score at which a text is
// an injection (see Rule for how scores combine). Measured on the labelled
// set in docs/guardrails.md.
const DefaultInjectionThreshold = 0.5

// DefaultMaxScanBytes bounds the text the injection scanner reads in one
// piece; longer text is a finding of its own (fail closed: what was not
// read is not called clean).
const DefaultMaxScanBytes = 1 << 20

// A Match is one rule that matched, and in which reading of the text.
type Match struct {
	Rule   string  `json:"rule"`
	Family string  `json:"family"`
	Score  float64 `json:"score"`
	// View is where it matched: "text", or the obfuscation it was hidden
	// by ("base64", "hex", "base32", "url", "rot13", "reversed",
	// "leetspeak", "tag characters"), possibly nested ("base64/rot13").
	View string `json:"view"`
}

// An InjectionResult is what the injection scanner found in one text.
type InjectionResult struct {
	// Score combines the matched rules: 1 - Π(1 - score).
	Score   float64 `json:"score"`
	Matches []Match `json:"matches,omitempty"`
	// Truncated: the text was longer than the scanner reads; only its
	// first MaxBytes were scanned.
	Truncated bool `json:"truncated,omitempty"`
}

// Top returns the highest-scoring match (the rule a decision names).
func (r InjectionResult) Top() Match {
	var best Match
	for _, m := range r.Matches {
		if m.Score > best.Score {
			best = m
		}
	}
	return best
}

// An InjectionScanner matches the rule set against a text and every
// reading of it an attacker may have used to hide a trigger: invisible
// characters removed, look-alike letters folded, leetspeak undone,
// letters spelled one at a time joined, base64 / base32 / hex / percent-
// encoded runs decoded, rot13 and reversed text read, Unicode tag
// characters spelled out. It is safe for concurrent use.
type InjectionScanner struct {
	// MaxBytes bounds the text read (DefaultMaxScanBytes when 0).
	MaxBytes int
}

// Scan scores text. indirect says the text did not come from the user
// (a tool result, a retrieved document): the indirect rules apply too.
func (s *InjectionScanner) Scan(text string, indirect bool) InjectionResult {
	var res InjectionResult
	limit := s.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxScanBytes
	}
	if len(text) > limit {
		text = text[:limit]
		res.Truncated = true
	}
	best := map[string]Match{}
	note := func(r *Rule, viewName string) {
		if old, ok := best[r.ID]; ok && (old.View == "text" || viewName != "text") {
			return
		}
		best[r.ID] = Match{Rule: r.ID, Family: r.Family, Score: r.Score, View: viewName}
	}
	var walk func(raw, prefix string, depth int)
	walk = func(raw, prefix string, depth int) {
		raw = toValidUTF8(raw)
		visible, h := strip(raw)
		base := fold(visible, &h)
		name := func(n string) string {
			if prefix == "" {
				return n
			}
			if n == "text" {
				return prefix
			}
			return prefix + "/" + n
		}
		if h.tags != "" {
			note(&ruleTags, name("text"))
		}
		if h.inWord >= 3 {
			note(&ruleInvisible, name("text"))
		}
		if h.mixedWords >= 2 {
			note(&ruleHomoglyph, name("text"))
		}
		vs := []view{{name: name("text"), canon: canon(base), base: base}}
		if u, changed := unleet(base); changed {
			vs = append(vs, view{name: name("leetspeak"), canon: canon(u), base: u})
		}
		if r := rot13(base); r != base {
			vs = append(vs, view{name: name("rot13"), canon: canon(r), base: r})
		}
		r := reverse(base)
		vs = append(vs, view{name: name("reversed"), canon: canon(r), base: r})
		for i := range vs {
			v := &vs[i]
			rs := rules()
			for j := range rs {
				rl := &rs[j]
				if rl.Indirect && !indirect {
					continue
				}
				if rl.match(v) {
					note(rl, v.name)
				}
			}
		}
		if depth >= maxDepth {
			return
		}
		if h.tags != "" {
			walk(h.tags, name("tag characters"), depth+1)
		}
		for _, b := range decodeBlobs(visible) {
			walk(b.text, name(b.enc), depth+1)
		}
	}
	walk(text, "", 0)
	hiddenOnly := false
	for _, m := range best {
		if m.View != "text" && m.Family != FamilyEncoding {
			hiddenOnly = true
		}
	}
	if hiddenOnly {
		best[ruleEncoded.ID] = Match{Rule: ruleEncoded.ID, Family: ruleEncoded.Family, Score: ruleEncoded.Score, View: "text"}
	}
	clean := 1.0
	for _, m := range best {
		res.Matches = append(res.Matches, m)
		clean *= 1 - m.Score
	}
	slices.SortFunc(res.Matches, func(a, b Match) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		case a.Rule < b.Rule:
			return -1
		case a.Rule > b.Rule:
			return 1
		}
		return 0
	})
	res.Score = round3(1 - clean)
	return res
}

func round3(f float64) float64 {
	return float64(int64(f*1000+0.5)) / 1000
}
