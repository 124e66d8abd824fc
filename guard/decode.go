package guard

import (
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Decoder bounds: what hides in encoded runs is decoded and read like the
// text around it, within these limits (so a prompt of encoded noise costs
// linear time and bounded memory).
const (
	minEncoded = 16       // shortest run tried (12 bytes of base64-encoded text)
	maxBlobs   = 64       // encoded runs decoded per text
	maxDecoded = 64 << 10 // decoded bytes kept per text
	maxDepth   = 2        // base64 inside base64, no deeper
)

// A blob is the text an encoded run decoded to.
type blob struct {
	enc  string // "base64", "base32", "hex", "url"
	text string
}

// decodeBlobs finds runs that look encoded and returns those that decode
// to readable text.
func decodeBlobs(s string) []blob {
	var out []blob
	budget := maxDecoded
	add := func(enc, t string) bool {
		if len(out) >= maxBlobs || budget <= 0 {
			return false
		}
		if len(t) > budget {
			t = t[:budget]
		}
		budget -= len(t)
		out = append(out, blob{enc, t})
		return true
	}
	// One pass over maximal runs of base64 alphabet characters (which
	// contain the hex and base32 alphabets).
	for i := 0; i < len(s); {
		if !b64char(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && b64char(s[j]) {
			j++
		}
		end := j
		for end < len(s) && end-j < 2 && s[end] == '=' {
			end++
		}
		run := s[i:end]
		i = end
		if len(run) < minEncoded {
			continue
		}
		if t, ok := decodeRun(run); ok {
			if !add(t.enc, t.text) {
				break
			}
		}
	}
	// Hex written with separators: "\x69\x67", "0x69 0x67", "69 67 6e".
	if strings.Contains(s, `\x`) || strings.Contains(s, "0x") || spacedHex(s) {
		if t, ok := sepHex(s); ok {
			add("hex", t)
		}
	}
	// Percent-encoding: %69%67%6e...
	if strings.Count(s, "%") >= 8 {
		for _, run := range percentRuns(s) {
			if t, err := url.PathUnescape(run); err == nil && readable(t) {
				if !add("url", t) {
					break
				}
			}
		}
	}
	return out
}

func b64char(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/' || c == '-' || c == '_'
}

// decodeRun tries hex, base32 and base64 (standard and URL alphabets,
// padded or not) on one run and keeps the first that reads as text.
func decodeRun(run string) (blob, bool) {
	body := strings.TrimRight(run, "=")
	if len(body)%2 == 0 && allHex(body) {
		if b, err := hex.DecodeString(body); err == nil && readable(string(b)) {
			return blob{"hex", string(b)}, true
		}
	}
	if allBase32(body) {
		if b, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(body); err == nil && readable(string(b)) {
			return blob{"base32", string(b)}, true
		}
	}
	for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
		b := body
		// A run cut from a longer text may carry a stray last character.
		if len(b)%4 == 1 {
			b = b[:len(b)-1]
		}
		if d, err := enc.DecodeString(b); err == nil && readable(string(d)) {
			return blob{"base64", string(d)}, true
		}
	}
	return blob{}, false
}

func allHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return true
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func allBase32(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || '2' <= c && c <= '7') {
			return false
		}
	}
	return true
}

// spacedHex reports runs of two-digit hex bytes separated by spaces.
func spacedHex(s string) bool {
	n := 0
	for i := 0; i+2 < len(s); i++ {
		if isHex(s[i]) && isHex(s[i+1]) && s[i+2] == ' ' && (i == 0 || s[i-1] == ' ') {
			n++
			if n >= minEncoded/2 {
				return true
			}
			i += 2
		} else if s[i] != ' ' {
			n = 0
		}
	}
	return false
}

// sepHex collects hex bytes written with "\x", "0x" or spaces and decodes
// them as one text.
func sepHex(s string) (string, bool) {
	var b []byte
	for i := 0; i+1 < len(s) && len(b) < maxDecoded; {
		switch {
		case (s[i] == '\\' || s[i] == '0') && i+3 < len(s) && s[i+1] == 'x' && isHex(s[i+2]) && isHex(s[i+3]):
			v, _ := hex.DecodeString(s[i+2 : i+4])
			b = append(b, v...)
			i += 4
		case isHex(s[i]) && isHex(s[i+1]) && (i+2 == len(s) || s[i+2] == ' ' || s[i+2] == ',') && (i == 0 || s[i-1] == ' ' || s[i-1] == ','):
			v, _ := hex.DecodeString(s[i : i+2])
			b = append(b, v...)
			i += 2
		default:
			i++
		}
	}
	if len(b) < minEncoded/2 {
		return "", false
	}
	return string(b), readable(string(b))
}

// percentRuns returns the runs of percent-encoded bytes (with the plain
// characters between them) that hold at least four escapes.
func percentRuns(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		if s[i] != '%' {
			i++
			continue
		}
		j, n := i, 0
		for j < len(s) && s[j] != ' ' && s[j] != '\n' && s[j] != '"' {
			if s[j] == '%' {
				n++
			}
			j++
		}
		if n >= 4 {
			out = append(out, s[i:j])
		}
		i = j
	}
	return out
}

// readable reports decoded bytes that are text: valid UTF-8, at least
// four letters, and at least 85% letters, digits, spaces and common
// punctuation (random bytes and binary formats fail this).
func readable(t string) bool {
	if len(t) < 6 || !utf8.ValidString(t) {
		return false
	}
	good, letters, n := 0, 0, 0
	for _, r := range t {
		n++
		switch {
		case unicode.IsLetter(r):
			letters++
			good++
		case unicode.IsDigit(r), r == ' ', r == '\n', r == '\t', r == '\r':
			good++
		case r < 0x80 && unicode.IsPunct(r) || unicode.IsSymbol(r):
			good++
		}
	}
	return letters >= 4 && good*100 >= n*85 && strings.ContainsAny(t, " \n")
}
