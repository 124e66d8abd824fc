package pii

import (
	"bytes"
	"encoding/base64"
	"math"
	"strings"
	"unicode/utf8"
)

// A secretPrefix is a credential format that announces itself: a fixed
// prefix, then a body of allowed characters with a known length range.
type secretPrefix struct {
	prefix         string
	minBody, maxBd int
	charset        uint8 // class bits the body may use, plus '-' and '_' when dash is set
	dash           bool
	score          float64
}

// secretPrefixes are the published token formats of common providers.
var secretPrefixes = []secretPrefix{
	// AWS access key IDs: a four-letter type prefix, 16 base32 characters.
	{"AKIA", 16, 16, cUpper | cDigit, false, 0.95},
	{"ASIA", 16, 16, cUpper | cDigit, false, 0.95},
	{"ABIA", 16, 16, cUpper | cDigit, false, 0.95},
	{"ACCA", 16, 16, cUpper | cDigit, false, 0.95},
	// GitHub tokens (classic: 36 characters; fine-grained: 82).
	{"ghp_", 36, 36, cUpper | cLower | cDigit, false, 0.95},
	{"gho_", 36, 36, cUpper | cLower | cDigit, false, 0.95},
	{"ghu_", 36, 36, cUpper | cLower | cDigit, false, 0.95},
	{"ghs_", 36, 36, cUpper | cLower | cDigit, false, 0.95},
	{"ghr_", 36, 36, cUpper | cLower | cDigit, false, 0.95},
	{"github_pat_", 50, 100, cUpper | cLower | cDigit, true, 0.95},
	{"glpat-", 20, 40, cUpper | cLower | cDigit, true, 0.95},
	// Slack bot, user, app, refresh and legacy tokens.
	{"xoxb-", 10, 250, cUpper | cLower | cDigit, true, 0.9},
	{"xoxp-", 10, 250, cUpper | cLower | cDigit, true, 0.9},
	{"xoxa-", 10, 250, cUpper | cLower | cDigit, true, 0.9},
	{"xoxr-", 10, 250, cUpper | cLower | cDigit, true, 0.9},
	{"xoxs-", 10, 250, cUpper | cLower | cDigit, true, 0.9},
	{"xoxe-", 10, 250, cUpper | cLower | cDigit, true, 0.9},
	// Stripe secret and restricted keys, webhook secrets.
	{"sk_live_", 16, 250, cUpper | cLower | cDigit, false, 0.95},
	{"sk_test_", 16, 250, cUpper | cLower | cDigit, false, 0.9},
	{"rk_live_", 16, 250, cUpper | cLower | cDigit, false, 0.95},
	{"rk_test_", 16, 250, cUpper | cLower | cDigit, false, 0.9},
	{"whsec_", 24, 250, cUpper | cLower | cDigit, false, 0.9},
	// OpenAI-style keys (also Anthropic's sk-ant-).
	{"sk-proj-", 20, 250, cUpper | cLower | cDigit, true, 0.95},
	{"sk-svcacct-", 20, 250, cUpper | cLower | cDigit, true, 0.95},
	{"sk-admin-", 20, 250, cUpper | cLower | cDigit, true, 0.95},
	{"sk-ant-", 20, 250, cUpper | cLower | cDigit, true, 0.95},
	{"sk-", 32, 250, cUpper | cLower | cDigit, false, 0.8},
	// Google API keys, Hugging Face and npm tokens.
	{"AIza", 35, 35, cUpper | cLower | cDigit, true, 0.9},
	{"hf_", 30, 40, cUpper | cLower, false, 0.9},
	{"npm_", 36, 36, cUpper | cLower | cDigit, false, 0.9},
}

// secretKeyNames: a value assigned to a key whose name (lower case,
// letters and digits only) ends with one of these is a credential.
var (
	passwordNames = []string{"password", "passwd", "pwd", "passphrase", "passcode"}
	tokenNames    = []string{"apikey", "secret", "secretkey", "accesskey", "privatekey", "token", "accesstoken", "refreshtoken", "authtoken", "idtoken", "clientsecret", "apisecret", "signingkey", "encryptionkey", "masterkey", "credential", "credentials", "auth", "authorization", "bearer", "sessionid", "sessiontoken", "cookie", "connectionstring", "dsn"}
)

var secretContext = []string{"key", "token", "secret", "password", "credential", "apikey", "auth", "bearer"}

// findSecrets proposes credentials: private-key PEM blocks (to the END
// line, or to the end of the text when it is missing), known token formats
// by prefix and length (AWS, GitHub, GitLab, Slack, Stripe, OpenAI-style,
// Google, Hugging Face, npm), JSON Web Tokens whose header decodes to a
// JSON object with "alg", and values assigned to key-like names
// (password=..., "api_key": "...", Authorization: Bearer ...): passwords
// of four characters or more, other values when they are at least 16
// characters with Shannon entropy of at least 3 bits per character and
// both letters and digits (see assigned). A random-looking string with no
// such name before it (a hash, a UUID) is not a secret here.
func findSecrets(st *state) {
	t := st.text
	findPEM(st)
	findAssignments(st)
	if len(st.field) > 0 {
		// A whole value under a credential's field name.
		if k := fieldKeyKind(st.field); k == 'p' || k == 't' && tokenRun(t, 0) == len(t) {
			st.assigned(k, 0, len(t))
		}
	}
	// Runs of token characters of minSecretRun bytes or more. Any such run
	// covers the last byte of every window of minSecretRun bytes it spans,
	// so probing one byte per window skips most of the text.
	for i := 0; i+minSecretRun <= len(t); {
		j := i + minSecretRun - 1
		if class[t[j]]&cToken == 0 {
			i = j + 1
			continue
		}
		s := j
		for s > i && class[t[s-1]]&cToken != 0 {
			s--
		}
		e := tokenRun(t, s)
		i = max(e, j+1)
		if e-s >= minSecretRun {
			st.secretRun(s, e)
		}
	}
}

// minSecretRun is the shortest token looked at: the shortest credential
// value after "Bearer" or "token" (provider formats and JWTs are longer).
const minSecretRun = 16

// tokenRun returns where the run of token characters starting at s ends,
// with up to two '=' of base64 padding and without a trailing full stop
// (a sentence's; '-', '_' and '/' end base64 tokens, so they stay).
func tokenRun(t string, s int) int {
	e := s
	for e < len(t) && class[t[e]]&cToken != 0 {
		e++
	}
	for n := 0; n < 2 && e < len(t) && t[e] == '='; n++ {
		e++
	}
	for e > s && t[e-1] == '.' {
		e--
	}
	return e
}

// secretRun checks a token of minSecretRun bytes or more against the
// provider formats and JWTs (20 bytes or more), then as the value after a
// free-standing "Bearer" or "token" word ("use bearer eyJ...", "token
// 9f8e..."), judged like a credential value (see assigned).
func (st *state) secretRun(s, e int) {
	t := st.text
	run := t[s:e]
	if len(run) >= 20 {
		if strings.HasPrefix(run, "eyJ") {
			if n := jwtLen(run); n > 0 {
				st.add(Secret, s, s+n, 0.95, secretContext)
				return
			}
		}
		for _, p := range secretPrefixes {
			if strings.HasPrefix(run, p.prefix) && !wordAt(t, s-1) {
				if n := p.bodyLen(run[len(p.prefix):]); n > 0 {
					st.add(Secret, s, s+len(p.prefix)+n, p.score, secretContext)
					return
				}
			}
		}
		if strings.Contains(run, "hooks.slack.com/services/T") {
			st.add(Secret, s, e, 0.9, secretContext)
			return
		}
	}
	if s >= 6 && t[s-1] == ' ' {
		w := s - 1
		for w > 0 && isAlpha(t[w-1]) && s-w <= 7 {
			w--
		}
		if word := t[w : s-1]; (strings.EqualFold(word, "bearer") || strings.EqualFold(word, "token")) && !wordAt(t, w-1) {
			if mixed(run) && entropy(run) >= 3.0 {
				st.add(Secret, s, e, 0.8, secretContext)
			}
		}
	}
}

// assigned proposes the value [s, e) of a key of kind k ('p' password, 't'
// other credential): passwords of four characters or more that are not
// placeholders score 0.7; other values need 16 characters, letters and
// digits, and 3 bits of entropy per character, and score 0.8. A value
// starting with "Bearer " or "Basic " is judged after that word.
func (st *state) assigned(k byte, s, e int) {
	t := st.text
	switch k {
	case 'p':
		if v := t[s:e]; utf8.RuneCountInString(v) >= 4 && !placeholder(v) {
			st.add(Secret, s, e, 0.7, secretContext)
		}
	case 't':
		for _, w := range []string{"Bearer ", "bearer ", "Basic ", "basic ", "Token ", "token "} {
			if strings.HasPrefix(t[s:e], w) {
				s += len(w)
				break
			}
		}
		if v := t[s:e]; len(v) >= 16 && mixed(v) && entropy(v) >= 3.0 {
			st.add(Secret, s, e, 0.8, secretContext)
		}
	}
}

// findAssignments proposes the values assigned to key-like names:
// password=..., "api_key": "...", Authorization: Bearer ..., token: ...
// A quoted value runs to its closing quote; an unquoted one to white space
// or one of ,;&)}]. Values are at most 512 bytes.
func findAssignments(st *state) {
	t := st.text
	nextColon, nextEq := -2, -2
	for p := 0; p < len(t); p++ {
		// The next ':' or '=', found with two vectorised searches.
		if nextColon < p && nextColon != -1 {
			if nextColon = strings.IndexByte(t[p:], ':'); nextColon >= 0 {
				nextColon += p
			}
		}
		if nextEq < p && nextEq != -1 {
			if nextEq = strings.IndexByte(t[p:], '='); nextEq >= 0 {
				nextEq += p
			}
		}
		switch {
		case nextColon < 0 && nextEq < 0:
			return
		case nextColon < 0:
			p = nextEq
		case nextEq < 0:
			p = min(nextColon, len(t))
		default:
			p = min(nextColon, nextEq)
		}
		k := keyBefore(t, p)
		if k == 0 {
			continue
		}
		s := p + 1
		for s < len(t) && s-p <= 3 && (t[s] == ' ' || t[s] == '\t') {
			s++
		}
		if s >= len(t) {
			return
		}
		var quote byte
		if t[s] == '"' || t[s] == '\'' {
			quote = t[s]
			s++
		}
		e := s
		for e < len(t) && e-s < 512 {
			c := t[e]
			if quote != 0 && c == quote || quote == 0 && (isSpace(c) || strings.IndexByte(",;&)}]\"'", c) >= 0) {
				break
			}
			if quote != 0 && (c == '\n' || c == '\r') {
				break
			}
			e++
		}
		if e > s {
			st.assigned(k, s, e)
			p = e - 1
		}
	}
}

func (p secretPrefix) bodyLen(b string) int {
	n := 0
	for n < len(b) && n <= p.maxBd {
		c := b[n]
		if class[c]&p.charset == 0 && !(p.dash && (c == '-' || c == '_')) {
			break
		}
		n++
	}
	if n < p.minBody || n > p.maxBd || n < len(b) && isAlnum(b[n]) {
		return 0
	}
	return n
}

// keyBefore classifies the key name ending just before the separator at p
// (skipping a closing quote and spaces): 'p' for a password, 't' for
// another credential, 0 for none.
func keyBefore(t string, p int) byte {
	i := p
	for k := 0; k < 2 && i > 0 && (t[i-1] == '"' || t[i-1] == '\'' || t[i-1] == ' '); k++ {
		i--
	}
	e := i
	for i > 0 && e-i < 40 && (isAlnum(t[i-1]) || t[i-1] == '_' || t[i-1] == '-' || t[i-1] == '.') {
		i--
	}
	if e == i || wordAt(t, i-1) {
		return 0
	}
	return keyKind(t[i:e])
}

// keyLast holds the last letters of the names in passwordNames and
// tokenNames: most keys are rejected on their last byte.
var keyLast = func() (t [256]bool) {
	for _, n := range append(append([]string{}, passwordNames...), tokenNames...) {
		t[n[len(n)-1]] = true
		t[n[len(n)-1]-'a'+'A'] = true
	}
	return t
}()

// keyTails holds the last three letters of the names in passwordNames and
// tokenNames, for a second cheap rejection.
var keyTails = func() map[[3]byte]bool {
	m := map[[3]byte]bool{}
	for _, n := range append(append([]string{}, passwordNames...), tokenNames...) {
		m[[3]byte{n[len(n)-3], n[len(n)-2], n[len(n)-1]}] = true
	}
	return m
}()

func keyKind(name string) byte {
	if len(name) < 3 || !keyLast[name[len(name)-1]] {
		return 0
	}
	n := len(name)
	if !keyTails[[3]byte{name[n-3] | 0x20, name[n-2] | 0x20, name[n-1] | 0x20}] {
		return 0
	}
	var buf [40]byte
	b := buf[:0]
	for i := 0; i < len(name) && len(b) < len(buf); i++ {
		c := name[i]
		switch {
		case isUpper(c):
			b = append(b, c+'a'-'A')
		case isAlnum(c):
			b = append(b, c)
		}
	}
	for _, n := range passwordNames {
		if bytes.HasSuffix(b, []byte(n)) {
			return 'p'
		}
	}
	for _, n := range tokenNames {
		if bytes.HasSuffix(b, []byte(n)) {
			return 't'
		}
	}
	return 0
}

// fieldKeyKind classifies a field name given as context (a JSON key).
func fieldKeyKind(words []string) byte {
	return keyKind(strings.Join(words, ""))
}

func placeholder(v string) bool {
	switch strings.ToLower(v) {
	case "null", "none", "true", "false", "redacted", "hidden", "secret", "password", "changeme", "xxxx", "xxxxxxxx":
		return true
	}
	return strings.Trim(v, "*x.-_") == ""
}

func mixed(v string) bool {
	var letters, digits bool
	for i := 0; i < len(v); i++ {
		letters = letters || isAlpha(v[i])
		digits = digits || isDigit(v[i])
	}
	return letters && digits
}

// entropy is the Shannon entropy of v in bits per byte.
func entropy(v string) float64 {
	var counts [256]int
	for i := 0; i < len(v); i++ {
		counts[v[i]]++
	}
	h, n := 0.0, float64(len(v))
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}

// jwtLen returns the length of a JSON Web Token at the start of run (three
// base64url segments, the header decoding to a JSON object with "alg"), or
// 0.
func jwtLen(run string) int {
	d1 := strings.IndexByte(run, '.')
	if d1 < 10 {
		return 0
	}
	d2 := strings.IndexByte(run[d1+1:], '.')
	if d2 < 10 {
		return 0
	}
	d2 += d1 + 1
	end := d2 + 1
	for end < len(run) && (isAlnum(run[end]) || run[end] == '-' || run[end] == '_') {
		end++
	}
	hdr, err := base64.RawURLEncoding.DecodeString(run[:d1])
	if err != nil || len(hdr) == 0 || hdr[0] != '{' || !bytes.Contains(hdr, []byte(`"alg"`)) {
		return 0
	}
	for _, c := range []byte(run[d1+1 : d2]) {
		if !isAlnum(c) && c != '-' && c != '_' {
			return 0
		}
	}
	return end
}

// findPEM proposes private-key blocks: "-----BEGIN ... PRIVATE KEY-----"
// through the matching END line. A block with no END runs to the end of
// the text: a truncated key is still a key.
func findPEM(st *state) {
	t := st.text
	for off := 0; ; {
		k := strings.Index(t[off:], "-----BEGIN ")
		if k < 0 {
			return
		}
		s := off + k
		off = s + 11
		hdrEnd := strings.Index(t[off:min(len(t), off+60)], "-----")
		if hdrEnd < 0 || !strings.HasSuffix(t[off:off+hdrEnd], "PRIVATE KEY") {
			continue
		}
		e := len(t)
		if m := strings.Index(t[off:], "-----END "); m >= 0 {
			endHdr := off + m + 9
			if n := strings.Index(t[endHdr:min(len(t), endHdr+60)], "-----"); n >= 0 {
				e = endHdr + n + 5
			}
		}
		st.add(Secret, s, e, 1.0, nil)
		off = e
	}
}
