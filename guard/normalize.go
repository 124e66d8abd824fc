package guard

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// A view is one reading of a text that the rules are matched against: the
// text as written (folded), or what an obfuscation hid (base64, rot13,
// leetspeak, Unicode tag characters...).
type view struct {
	name  string // "text", "base64", "rot13", ... (for decisions: never the content)
	canon string // lower-case words of letters and digits, one space apart
	base  string // NFKC, invisible characters removed, homoglyphs folded
}

// invisible reports code points that render as nothing: zero-width
// spaces and joiners, the BOM, soft hyphens, bidirectional controls and
// variation selectors. Tag characters (U+E0000..E007F) are handled apart:
// they spell hidden ASCII.
func invisible(r rune) bool {
	switch {
	case r == 0x00AD, r == 0x034F, r == 0x061C, r == 0x115F, r == 0x1160, r == 0x17B4, r == 0x17B5,
		r == 0x180E, r >= 0x200B && r <= 0x200F, r >= 0x202A && r <= 0x202E, r >= 0x2060 && r <= 0x206F,
		r == 0x3164, r == 0xFEFF, r == 0xFFA0, r >= 0xFE00 && r <= 0xFE0F, r >= 0xE0100 && r <= 0xE01EF,
		r >= 0x1BCA0 && r <= 0x1BCA3:
		return true
	}
	return false
}

// hidden holds what stripping found: text spelled in tag characters, and
// whether invisible characters sat inside words (splitting a trigger word
// so a plain match misses it; emoji sequences, where a joiner is normal,
// do not count).
type hidden struct {
	tags       string
	inWord     int // invisible characters between two letters
	mixedWords int // words mixing Latin with Cyrillic or Greek letters
}

// strip removes invisible characters and tag characters, returning the
// visible text and what was hidden.
func strip(s string) (string, hidden) {
	var h hidden
	// Fast path: nothing above U+00AC, nothing to strip.
	fast := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0xC2 {
			fast = false
			break
		}
	}
	if fast {
		return s, h
	}
	var b strings.Builder
	var tags strings.Builder
	b.Grow(len(s))
	var prev rune
	for i, r := range s {
		switch {
		case r >= 0xE0000 && r <= 0xE007F:
			if r >= 0xE0020 && r <= 0xE007E && tags.Len() < maxDecoded {
				tags.WriteByte(byte(r - 0xE0000))
			}
			continue
		case invisible(r):
			if unicode.IsLetter(prev) {
				next, _ := utf8.DecodeRuneInString(s[i+utf8.RuneLen(r):])
				if unicode.IsLetter(next) {
					h.inWord++
				}
			}
			continue
		}
		b.WriteRune(r)
		prev = r
	}
	h.tags = tags.String()
	return b.String(), h
}

// homoglyphs maps letters of other scripts that look like Latin letters to
// those letters (the confusables an attacker uses to slip a trigger word
// past a plain match). NFKC already folds full-width and mathematical
// letters.
var homoglyphs = map[rune]rune{
	// Cyrillic
	'а': 'a', 'в': 'b', 'е': 'e', 'ё': 'e', 'к': 'k', 'м': 'm', 'н': 'h', 'о': 'o', 'р': 'p', 'с': 'c', 'т': 't',
	'у': 'y', 'х': 'x', 'ѕ': 's', 'і': 'i', 'ї': 'i', 'ј': 'j', 'ԁ': 'd', 'ԛ': 'q', 'ԝ': 'w', 'һ': 'h', 'ӏ': 'l',
	'ɡ': 'g', 'ո': 'n', 'ս': 'u', 'օ': 'o', 'ք': 'p',
	'А': 'A', 'В': 'B', 'Е': 'E', 'К': 'K', 'М': 'M', 'Н': 'H', 'О': 'O', 'Р': 'P', 'С': 'C', 'Т': 'T', 'У': 'Y',
	'Х': 'X', 'Ѕ': 'S', 'І': 'I', 'Ј': 'J', 'Ԁ': 'D', 'Ԛ': 'Q', 'Ԝ': 'W',
	// Greek
	'α': 'a', 'β': 'b', 'ε': 'e', 'η': 'n', 'ι': 'i', 'κ': 'k', 'ν': 'v', 'ο': 'o', 'ρ': 'p', 'τ': 't', 'υ': 'u',
	'χ': 'x', 'ω': 'w', 'Α': 'A', 'Β': 'B', 'Ε': 'E', 'Ζ': 'Z', 'Η': 'H', 'Ι': 'I', 'Κ': 'K', 'Μ': 'M', 'Ν': 'N',
	'Ο': 'O', 'Ρ': 'P', 'Τ': 'T', 'Υ': 'Y', 'Χ': 'X',
	// Latin look-alikes outside ASCII that NFKC keeps
	'ı': 'i', 'ȷ': 'j', 'ɑ': 'a', 'ɩ': 'i', 'ʏ': 'y', 'ᴀ': 'a', 'ʙ': 'b', 'ᴄ': 'c', 'ᴅ': 'd', 'ᴇ': 'e', 'ɢ': 'g',
	'ʜ': 'h', 'ɪ': 'i', 'ᴊ': 'j', 'ᴋ': 'k', 'ʟ': 'l', 'ᴍ': 'm', 'ɴ': 'n', 'ᴏ': 'o', 'ᴘ': 'p', 'ʀ': 'r', 'ᴛ': 't',
	'ᴜ': 'u', 'ᴠ': 'v', 'ᴡ': 'w', 'ᴢ': 'z',
	// punctuation that hides word boundaries or quotes
	'‘': '\'', '’': '\'', '‛': '\'', '“': '"', '”': '"', '„': '"', '‐': '-', '‑': '-', '‒': '-', '–': '-', '—': '-',
}

// fold applies NFKC and the homoglyph map, and counts words that mix
// Latin with Cyrillic or Greek letters (a sign of deliberate look-alikes).
func fold(s string, h *hidden) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	s = norm.NFKC.String(s)
	var b strings.Builder
	b.Grow(len(s))
	latin, other := false, false
	for _, r := range s {
		if unicode.IsLetter(r) {
			switch {
			case r < 0x250:
				latin = true
			case unicode.In(r, unicode.Cyrillic, unicode.Greek, unicode.Armenian):
				if _, ok := homoglyphs[r]; ok {
					other = true
				}
			}
		} else {
			if latin && other {
				h.mixedWords++
			}
			latin, other = false, false
		}
		if m, ok := homoglyphs[r]; ok {
			r = m
		}
		b.WriteRune(r)
	}
	if latin && other {
		h.mixedWords++
	}
	return b.String()
}

// canon lower-cases s and keeps its words (letters and digits of any
// script), one space apart; apostrophes inside words are dropped ("don't"
// reads "dont") and letters spelled one at a time ("i g n o r e",
// "i.g.n.o.r.e") are joined.
func canon(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 1)
	b.WriteByte(' ')
	pendingSpace := false
	var prev rune
	for i, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if pendingSpace {
				b.WriteByte(' ')
				pendingSpace = false
			}
			if r < utf8.RuneSelf {
				if 'A' <= r && r <= 'Z' {
					r += 'a' - 'A'
				}
				b.WriteByte(byte(r))
			} else {
				b.WriteRune(unicode.ToLower(r))
			}
		case r == '\'' && unicode.IsLetter(prev) && i+1 < len(s) && isLetterAt(s, i+1):
			// within a word: "don't" -> "dont"
		default:
			if b.Len() > 1 {
				pendingSpace = true
			}
		}
		prev = r
	}
	return joinSpelled(b.String()[1:])
}

func isLetterAt(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsLetter(r)
}

// joinSpelled joins runs of four or more one-letter words ("i g n o r e"
// -> "ignore"). Runs are ended by a two-letter word, so "i g n o r e  a l
// l" reads "ignore all" only when the attacker kept the words apart in
// some other way; the joined run is still matched as one word, which the
// rules that matter (ignore, previous, instructions) survive.
func joinSpelled(s string) string {
	if !strings.Contains(s, " ") {
		return s
	}
	words := strings.Split(s, " ")
	single := 0
	for _, w := range words {
		if utf8.RuneCountInString(w) == 1 {
			single++
		}
	}
	if single < 4 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(words); {
		j := i
		for j < len(words) && utf8.RuneCountInString(words[j]) == 1 {
			j++
		}
		if j-i >= 4 {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			for _, w := range words[i:j] {
				b.WriteString(w)
			}
			i = j
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(words[i])
		i++
	}
	return b.String()
}

// leet maps the digits and symbols of leetspeak to letters. It is applied
// only to words that mix letters with them, so numbers stay numbers.
var leet = map[rune]rune{
	'0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '8': 'b', '9': 'g', '@': 'a', '$': 's', '!': 'i',
	'|': 'l', '+': 't', '€': 'e',
}

// unleet rewrites leetspeak words ("1gn0r3", "pr3v!0us") and reports
// whether any word changed.
func unleet(s string) (string, bool) {
	changed := false
	var b strings.Builder
	b.Grow(len(s))
	start := -1
	flush := func(end int) {
		w := s[start:end]
		letters, subs := 0, 0
		for _, r := range w {
			if unicode.IsLetter(r) {
				letters++
			} else if _, ok := leet[r]; ok {
				subs++
			}
		}
		if letters > 0 && subs > 0 && letters+subs == utf8.RuneCountInString(w) {
			for _, r := range w {
				if m, ok := leet[r]; ok {
					r = m
				}
				b.WriteRune(r)
			}
			changed = true
		} else {
			b.WriteString(w)
		}
	}
	for i, r := range s {
		_, isLeet := leet[r]
		if unicode.IsLetter(r) || unicode.IsDigit(r) || isLeet {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			flush(i)
			start = -1
		}
		b.WriteRune(r)
	}
	if start >= 0 {
		flush(len(s))
	}
	return b.String(), changed
}

// rot13 rotates ASCII letters by 13.
func rot13(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case 'a' <= c && c <= 'z':
			b[i] = 'a' + (c-'a'+13)%26
		case 'A' <= c && c <= 'Z':
			b[i] = 'A' + (c-'A'+13)%26
		}
	}
	return string(b)
}

// reverse reverses s by code points.
func reverse(s string) string {
	rs := []rune(s)
	for i, j := 0, len(rs)-1; i < j; i, j = i+1, j-1 {
		rs[i], rs[j] = rs[j], rs[i]
	}
	return string(rs)
}

// toValidUTF8 replaces invalid bytes so every later step sees text.
func toValidUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}
