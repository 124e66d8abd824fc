package guard

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// bannedList matches listed terms as whole words. Detection reads the
// folded text (case, look-alike letters, leetspeak, invisible characters
// undone), so "b0mb" and "bоmb" with a Cyrillic o are found; redaction
// rewrites the occurrences a plain case-insensitive match locates in the
// original text, and an occurrence found only in the folded text (hidden
// by obfuscation, so it cannot be cut out exactly) is blocked instead:
// fail closed.
type bannedList struct {
	action Action
	terms  []bannedTerm
	maxLen int // longest term in bytes, for a stream's hold-back
}

type bannedTerm struct {
	canon string // folded words of the term
	rule  string // "term" or "topic:NAME"
	re    *regexp.Regexp
}

func newBanned(what string, c *BannedConfig) (*bannedList, error) {
	if c == nil {
		return nil, nil
	}
	act, err := action(what, c.Action, Block, Block, Redact, Flag)
	if err != nil {
		return nil, err
	}
	b := &bannedList{action: act}
	add := func(term, rule string) error {
		cn := canon(fold(term, &hidden{}))
		if cn == "" {
			return fmt.Errorf("%w: %s: term %q has no letters or digits", ErrConfig, what, term)
		}
		words := strings.Split(cn, " ")
		for i, w := range words {
			words[i] = regexp.QuoteMeta(w)
		}
		re := regexp.MustCompile(`(?i)(?:^|[^\pL\pN])(` + strings.Join(words, `[^\pL\pN]+`) + `)(?:$|[^\pL\pN])`)
		b.terms = append(b.terms, bannedTerm{canon: cn, rule: rule, re: re})
		b.maxLen = max(b.maxLen, 4*utf8.RuneCountInString(term)+8)
		return nil
	}
	for _, t := range c.Terms {
		if err := add(t, "term"); err != nil {
			return nil, err
		}
	}
	for _, tp := range c.Topics {
		if tp.Name == "" || len(tp.Terms) == 0 {
			return nil, fmt.Errorf("%w: %s: a topic needs a name and terms", ErrConfig, what)
		}
		for _, t := range tp.Terms {
			if err := add(t, "topic:"+tp.Name); err != nil {
				return nil, err
			}
		}
	}
	if len(b.terms) == 0 {
		return nil, fmt.Errorf("%w: %s: no terms or topics listed", ErrConfig, what)
	}
	return b, nil
}

// foldedViews returns the folded words of text, and of its leetspeak
// reading when it has one.
func foldedViews(text string) []string {
	visible, h := strip(toValidUTF8(text))
	base := fold(visible, &h)
	out := []string{canon(base)}
	if u, ok := unleet(base); ok {
		out = append(out, canon(u))
	}
	return out
}

// find returns the terms (indexes) that occur in text.
func (b *bannedList) find(text string) []int {
	views := foldedViews(text)
	var hits []int
	for i, t := range b.terms {
		for _, v := range views {
			if containsWord(v, t.canon) {
				hits = append(hits, i)
				break
			}
		}
	}
	return hits
}

// redact replaces the occurrences of the given terms with "<BANNED>"; ok
// is false when a term found in the folded text has no plain occurrence
// to replace.
func (b *bannedList) redact(text string, hits []int) (string, int, bool) {
	n := 0
	ok := true
	for _, i := range hits {
		re := b.terms[i].re
		locs := re.FindAllStringSubmatchIndex(text, -1)
		if len(locs) == 0 {
			ok = false
			continue
		}
		var sb strings.Builder
		last := 0
		for _, l := range locs {
			sb.WriteString(text[last:l[2]])
			sb.WriteString("<BANNED>")
			last = l[3]
			n++
		}
		sb.WriteString(text[last:])
		text = sb.String()
	}
	return text, n, ok
}

// decisions turns hits into decisions, one per rule.
func (b *bannedList) decisions(hits []int, act Action, stage, where string) []Decision {
	count := map[string]int{}
	var order []string
	for _, i := range hits {
		r := b.terms[i].rule
		if count[r] == 0 {
			order = append(order, r)
		}
		count[r]++
	}
	var out []Decision
	for _, r := range order {
		out = append(out, Decision{Scanner: ScannerBanned, Rule: r, Action: act, Stage: stage, Where: where,
			Detail: fmt.Sprintf("%d listed term(s)", count[r])})
	}
	return out
}
