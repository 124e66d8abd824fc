package pii

import (
	"net/netip"
	"strings"

	"golang.org/x/net/publicsuffix"
)

var emailContext = []string{"email", "e-mail", "mail", "contact"}

// findEmails proposes local@domain addresses around each "@": a local part
// of RFC 5322 atom characters and dots (at most 64 bytes), a domain of at
// least two labels (at most 253 bytes) whose top-level domain is in the
// ICANN section of the Public Suffix List (golang.org/x/net/publicsuffix;
// Presidio checks the TLD with tldextract). Validated addresses score 1.0.
// Quoted local parts and internationalised domains are not recognised.
func findEmails(st *state) {
	t := st.text
	for off := 0; ; {
		k := strings.IndexByte(t[off:], '@')
		if k < 0 {
			return
		}
		at := off + k
		off = at + 1
		s := at
		for s > 0 && at-s < 64 && class[t[s-1]]&cLocal != 0 {
			s--
		}
		for s < at && t[s] == '.' {
			s++
		}
		if s == at || alnumAt(t, s-1) || at-s >= 64 && class[t[s-1]]&cLocal != 0 {
			continue
		}
		e := at + 1
		for e < len(t) && e-at <= 253 && (isAlnum(t[e]) || t[e] == '-' || t[e] == '.') {
			e++
		}
		for e > at+1 && (t[e-1] == '.' || t[e-1] == '-') {
			e--
		}
		if e-at > 253 || wordAt(t, e) {
			continue
		}
		dom := t[at+1 : e]
		dot := strings.LastIndexByte(dom, '.')
		if dot <= 0 || strings.Contains(dom, "..") || dom[0] == '-' || dom[0] == '.' {
			continue
		}
		tld := dom[dot+1:]
		if len(tld) < 2 || !allAlpha(tld) {
			continue
		}
		if _, icann := publicsuffix.PublicSuffix(strings.ToLower(dom)); !icann {
			continue
		}
		st.add(Email, s, e, 1.0, emailContext)
		off = e
	}
}

func allAlpha(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isAlpha(s[i]) {
			return false
		}
	}
	return true
}

// findIPv6 proposes IPv6 addresses around each colon: the run of hex
// digits, colons and dots (for an embedded IPv4 tail) must parse with
// net/netip, hold at least two colons and four hex digits (so "::" and
// "::1" are not reported, clock times and MAC addresses do not parse), and
// not be glued to letters or digits. Score 0.6, as in Presidio.
func findIPv6(st *state) {
	t := st.text
	for off := 0; ; {
		k := strings.IndexByte(t[off:], ':')
		if k < 0 {
			return
		}
		c := off + k
		off = c + 1
		s := c
		for s > 0 && (isHex(t[s-1]) || t[s-1] == ':') {
			s--
		}
		e := c + 1
		colons, hex := 0, 0
		for e < len(t) && (isHex(t[e]) || t[e] == ':' || t[e] == '.') {
			e++
		}
		for e > c && (t[e-1] == '.' || t[e-1] == ':' && (e-2 < 0 || t[e-2] != ':')) {
			e--
		}
		off = max(off, e)
		for i := s; i < e; i++ {
			switch {
			case t[i] == ':':
				colons++
			case isHex(t[i]):
				hex++
			}
		}
		if colons < 2 || hex < 4 || wordAt(t, s-1) || wordAt(t, e) {
			continue
		}
		if a, err := netip.ParseAddr(t[s:e]); err == nil && a.Is6() {
			st.add(IPAddress, s, e, 0.6, ipContext)
		}
	}
}

var ibanContext = []string{"iban", "bank", "account", "transfer", "transaction", "sepa", "konto", "payee", "wire"}

// ibanLength is the length of an IBAN per country (ISO 13616 registry).
var ibanLength = map[string]int{
	"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27,
	"BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28,
	"EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
	"GL": 18, "GR": 27, "GT": 28, "HN": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
	"IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21,
	"LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28,
	"NL": 18, "NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22,
	"RU": 33, "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25,
	"SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}

// findIBANs proposes IBANs: a country code with a registered length, two
// check digits, then the account number, written solid or in the printed
// form with a space after every four characters (either case). The
// ISO 13616 / ISO 7064 mod-97 check must give 1. Validated IBANs score 1.0.
func findIBANs(st *state) {
	t := st.text
	var buf [40]byte
	for _, g := range st.numGroups() {
		s := g.start - 2
		if s < 0 || g.glen() < 2 || !isAlpha(t[s]) || !isAlpha(t[s+1]) || wordAt(t, s-1) {
			continue
		}
		n, ok := ibanLength[string([]byte{t[s] &^ 0x20, t[s+1] &^ 0x20})]
		if !ok {
			continue
		}
		b := buf[:0]
		i := s
		for i < len(t) && len(b) < n {
			c := t[i]
			if c == ' ' && len(b)%4 == 0 && len(b) > 0 && i+1 < len(t) && isAlnum(t[i+1]) {
				i++
				continue
			}
			if !isAlnum(c) {
				break
			}
			if isLower(c) {
				c -= 'a' - 'A'
			}
			b = append(b, c)
			i++
		}
		if len(b) != n || alnumAt(t, i) || !mod97(b) {
			continue
		}
		st.add(IBAN, s, i, 1.0, ibanContext)
	}
}

// mod97 checks an upper-case IBAN: move the first four characters to the
// end, read letters as 10-35, and the number mod 97 must be 1.
func mod97(b []byte) bool {
	if !isDigit(b[2]) || !isDigit(b[3]) {
		return false
	}
	r := 0
	for k := 0; k < len(b); k++ {
		c := b[(k+4)%len(b)]
		switch {
		case isDigit(c):
			r = (r*10 + int(c-'0')) % 97
		case isUpper(c):
			r = (r*100 + int(c-'A') + 10) % 97
		default:
			return false
		}
	}
	return r == 1
}
