package pii

import (
	"net/netip"
	"strings"
)

// A group is a run of ASCII digits. Groups joined by a short separator
// (one to three bytes of " -./()") form a chain, the raw material of the
// card, SSN, IPv4, date and phone recognizers: the chain is built once per
// text and each recognizer looks at windows of consecutive groups in it.
// Scanning for digits and slicing is much cheaper than running one regular
// expression per pattern over the whole text.
type group struct {
	start, end int
	sep        byte // separator kind to the next group; 0 when not joined
	sepEnd     int  // where the next group starts, when joined
}

// Separator kinds: the byte itself for a one-byte " -./" separator, 'p' for
// separators with parentheses ("(0)", ") "), 'm' for other mixtures (". ").
const (
	sepParen = 'p'
	sepMixed = 'm'
)

// numGroups returns the digit groups of the text, computing them once.
func (st *state) numGroups() []group {
	if st.gdone {
		return st.groups
	}
	st.gdone = true
	t := st.text
	gs := st.groups[:0]
	for i := 0; i < len(t); {
		if !isDigit(t[i]) {
			i++
			// Skip eight bytes at a time while none is a digit.
			for i+8 <= len(t) && !hasDigit8(t[i:i+8]) {
				i += 8
			}
			continue
		}
		s := i
		for i < len(t) && isDigit(t[i]) {
			i++
		}
		if n := len(gs); n > 0 && gs[n-1].sep == 0 {
			// Join to the previous group when only a separator lies between.
			p := &gs[n-1]
			if k := sepKind(t[p.end:s]); k != 0 {
				p.sep, p.sepEnd = k, s
			}
		}
		gs = append(gs, group{start: s, end: i})
	}
	st.groups = gs
	return gs
}

// hasDigit8 reports whether one of the eight bytes of s is an ASCII digit,
// eight at a time: after XOR with '0' a digit byte is below 10, and the
// classic "has a byte less than n" bit trick finds one (it is exact about
// whether any byte qualifies).
func hasDigit8(s string) bool {
	v := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
	x := v ^ 0x3030303030303030
	return (x-0x0A0A0A0A0A0A0A0A)&^x&0x8080808080808080 != 0
}

func sepKind(s string) byte {
	if len(s) == 0 || len(s) > 3 {
		return 0
	}
	if len(s) == 1 {
		switch s[0] {
		case ' ', '-', '.', '/':
			return s[0]
		case '(', ')':
			return sepParen
		}
		return 0
	}
	paren := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(', ')':
			paren = true
		case ' ', '-', '.', '/':
		default:
			return 0
		}
	}
	if paren {
		return sepParen
	}
	return sepMixed
}

// chainList returns every maximal chain of joined groups that is not glued
// to an identifier (see glued), computing the list once per text.
func (st *state) chainList() [][]group {
	if st.cdone {
		return st.chains
	}
	st.cdone = true
	gs := st.numGroups()
	cs := st.chains[:0]
	for i := 0; i < len(gs); {
		j := i
		for gs[j].sep != 0 {
			j++
		}
		if !glued(st.text, gs[i].start, gs[j].end) {
			cs = append(cs, gs[i:j+1])
		}
		i = j + 1
	}
	st.chains = cs
	return cs
}

// glued reports whether the chain [s, e) is part of a larger identifier:
// a letter right before it, or a dash, dot, underscore or slash after a
// letter or digit ("ORD-1234567", "v1.2.3.4", a UUID's hex groups, the
// digits of an IBAN); or a letter right after it, other than an extension
// (x123), a time (T10:), an ordinal (12th) or a single house-number letter.
// Such digits are never a card, SSN, IP, date or phone number.
func glued(t string, s, e int) bool {
	if s > 0 {
		c := t[s-1]
		if isAlpha(c) || c >= 0x80 {
			return true
		}
		if (c == '-' || c == '.' || c == '_' || c == '/') && alnumAt(t, s-2) {
			return true
		}
	}
	if ibanBefore(t, s) {
		return true
	}
	if e < len(t) && isAlpha(t[e]) {
		switch c := t[e]; {
		case (c == 'x' || c == 'X' || c == 'T') && e+1 < len(t) && isDigit(t[e+1]):
			return false
		case !alnumAt(t, e+1):
			return false // 12a, 12A
		case e+2 <= len(t) && !alnumAt(t, e+2):
			switch strings.ToLower(t[e : e+2]) {
			case "st", "nd", "rd", "th":
				return false
			}
		}
		return true
	}
	return false
}

// chainDigits is the number of digits in a chain.
func chainDigits(gs []group) int {
	n := 0
	for _, g := range gs {
		n += g.glen()
	}
	return n
}

// glen is the number of digits in a group.
func (g group) glen() int { return g.end - g.start }

// ibanBefore reports whether the digits at s continue a printed IBAN (or
// other bank number): "GB04 MHFR 5645 ...", "NL92 KVGS 2928 ...", that is
// groups of four letters and digits back to two letters and two digits.
func ibanBefore(t string, s int) bool {
	for k := 0; k < 8 && s >= 5 && t[s-1] == ' '; k++ {
		w := t[s-5 : s-1]
		if s-6 >= 0 && wordAt(t, s-6) {
			return false
		}
		if !isAlnum(w[0]) || !isAlnum(w[1]) || !isAlnum(w[2]) || !isAlnum(w[3]) {
			return false
		}
		if isAlpha(w[0]) && isAlpha(w[1]) && isDigit(w[2]) && isDigit(w[3]) {
			return true
		}
		s -= 5
	}
	return false
}

// uniformSep returns the separator kind shared by the joins inside
// gs[i..j], 0 for a single group, or 255 when they differ.
func uniformSep(gs []group, i, j int) byte {
	if i == j {
		return 0
	}
	k := gs[i].sep
	for x := i + 1; x < j; x++ {
		if gs[x].sep != k {
			return 255
		}
	}
	return k
}

// isolated reports whether window gs[i..j] with separator k is not part of
// a longer run with the same separator (so "1.2.3.4.5" holds no IPv4
// address and "12-34-56-7890" no SSN).
func isolated(gs []group, i, j int, k byte) bool {
	if i > 0 && gs[i-1].sep == k {
		return false
	}
	return gs[j].sep == 0 || gs[j].sep != k
}

// edgeOK reports whether the window [s, e) is not glued to a letter or
// digit on either side.
func edgeOK(t string, s, e int) bool { return !alnumAt(t, s-1) && !alnumAt(t, e) }

// digitsOf appends the digits of gs[i..j] to buf.
func digitsOf(t string, gs []group, i, j int, buf []byte) []byte {
	for x := i; x <= j; x++ {
		buf = append(buf, t[gs[x].start:gs[x].end]...)
	}
	return buf
}

var cardContext = []string{"credit", "card", "visa", "mastercard", "cc", "amex", "discover", "jcb", "diners", "maestro", "instapayment", "payment", "debit"}

// findCards proposes 12-19 digit numbers, contiguous or in groups split by
// one kind of space or dash (first group of four, others of three to six),
// that pass the Luhn check and start with a known issuer prefix (IIN) for
// their length. Validated numbers score 1.0, as in Presidio.
func findCards(st *state) {
	t := st.text
	var buf [24]byte
	for _, gs := range st.chainList() {
		if chainDigits(gs) < 12 {
			continue
		}
		for i := 0; i < len(gs); i++ {
			best := -1
			for j := i; j < len(gs) && j < i+5; j++ {
				k := uniformSep(gs, i, j)
				if k != 0 && k != ' ' && k != '-' {
					break
				}
				if j > i && (gs[i].glen() != 4 || gs[j].glen() < 3 || gs[j].glen() > 6) {
					break // grouped numbers: a first group of four, then three to six
				}
				d := digitsOf(t, gs, i, j, buf[:0])
				if len(d) > 19 {
					break
				}
				if len(d) < 12 || !edgeOK(t, gs[i].start, gs[j].end) || j > i && !isolated(gs, i, j, k) {
					continue
				}
				if luhn(d) && knownIIN(d) {
					best = j
				}
			}
			if best >= 0 {
				st.add(CreditCard, gs[i].start, gs[best].end, 1.0, cardContext)
				i = best
			}
		}
	}
}

func luhn(d []byte) bool {
	sum, dbl := 0, false
	for i := len(d) - 1; i >= 0; i-- {
		v := int(d[i] - '0')
		if dbl {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
		dbl = !dbl
	}
	return sum%10 == 0
}

// iinRule: numbers whose first len(lo) digits lie in [lo, hi] have one of
// the lengths minLen..maxLen.
type iinRule struct {
	lo, hi         string
	minLen, maxLen int
}

// iinRules are the issuer ranges of the major networks (ISO/IEC 7812 as
// published by the networks), including JCB's older 15-digit 1800 and 2131
// ranges and Maestro's 50 and 56-69 ranges (12 to 19 digits).
var iinRules = []iinRule{
	{"4", "4", 13, 19},           // Visa (13, 16, 19)
	{"51", "55", 16, 16},         // Mastercard
	{"2221", "2720", 16, 16},     // Mastercard 2-series
	{"34", "34", 15, 15},         // American Express
	{"37", "37", 15, 15},         // American Express
	{"300", "305", 14, 19},       // Diners Club
	{"3095", "3095", 14, 19},     // Diners Club
	{"36", "36", 14, 19},         // Diners Club
	{"38", "39", 14, 19},         // Diners Club
	{"35", "35", 16, 19},         // JCB issues 3528-3589; no other network has the rest of 35, and generators (Faker) use all of it
	{"1800", "1800", 15, 15},     // JCB (old)
	{"2131", "2131", 15, 15},     // JCB (old)
	{"50", "50", 12, 19},         // Maestro, Verve
	{"56", "69", 12, 19},         // Maestro, Discover, UnionPay, RuPay
	{"2200", "2204", 16, 19},     // Mir
	{"81", "82", 16, 16},         // RuPay
	{"9792", "9792", 16, 16},     // Troy
	{"6011", "6011", 16, 19},     // Discover
	{"622126", "622925", 16, 19}, // Discover / UnionPay co-brand
}

func knownIIN(d []byte) bool {
	for _, r := range iinRules {
		if len(d) < r.minLen || len(d) > r.maxLen || len(d) < len(r.lo) {
			continue
		}
		if p := d[:len(r.lo)]; string(p) >= r.lo && string(p) <= r.hi {
			return true
		}
	}
	return false
}

var ssnContext = []string{"social", "security", "ssn", "ssns", "ssid"}

// findSSNs proposes US social security numbers: three groups of 3, 2 and 4
// digits joined by one kind of dash, space or dot (0.5, Presidio's medium
// pattern), or nine contiguous digits (0.3: needs context to be reported).
// Presidio's invalidations apply (see validSSN).
func findSSNs(st *state) {
	t := st.text
	var buf [12]byte
	for _, gs := range st.chainList() {
		for i := range gs {
			g := gs[i]
			if g.glen() == 9 && (i == 0 || gs[i-1].sep == 0) && g.sep == 0 && edgeOK(t, g.start, g.end) {
				if validSSN(t[g.start:g.end]) {
					st.add(USSSN, g.start, g.end, 0.3, ssnContext)
				}
				continue
			}
			if i+2 >= len(gs) || g.glen() != 3 || gs[i+1].glen() != 2 || gs[i+2].glen() != 4 {
				continue
			}
			k := uniformSep(gs, i, i+2)
			if k != '-' && k != ' ' && k != '.' || !isolated(gs, i, i+2, k) || !edgeOK(t, g.start, gs[i+2].end) {
				continue
			}
			if validSSN(string(digitsOf(t, gs, i, i+2, buf[:0]))) {
				st.add(USSSN, g.start, gs[i+2].end, 0.5, ssnContext)
			}
		}
	}
}

// validSSN applies the Social Security Administration's rules and
// Presidio's invalidations to nine digits: no area 000, 666 or 900-999, no
// group 00, no serial 0000, not all one digit, and none of the numbers
// published in advertising or as examples.
func validSSN(d string) bool {
	area, grp, serial := d[:3], d[3:5], d[5:]
	if area == "000" || area == "666" || area[0] == '9' || grp == "00" || serial == "0000" {
		return false
	}
	same := true
	for i := 1; i < len(d); i++ {
		same = same && d[i] == d[0]
	}
	if same {
		return false
	}
	switch d {
	case "123456789", "078051120", "219099999", "457555462":
		return false
	}
	return true
}

var ipContext = []string{"ip", "ipv4", "ipv6", "address", "addr", "host", "client", "remote", "server", "from"}

// findIPv4 proposes dotted quads that net/netip parses (each part 0-255, no
// leading zeros), not part of a longer dotted number (versions, OIDs) and
// not glued to letters ("v1.2.3.4"). Score 0.6, as in Presidio.
func findIPv4(st *state) {
	t := st.text
	for _, gs := range st.chainList() {
		for i := 0; i+3 < len(gs); i++ {
			if uniformSep(gs, i, i+3) != '.' || !isolated(gs, i, i+3, '.') {
				continue
			}
			s, e := gs[i].start, gs[i+3].end
			if !edgeOK(t, s, e) || s > 0 && t[s-1] == '.' || e+1 < len(t) && t[e] == '.' && isDigit(t[e+1]) {
				continue
			}
			if _, err := netip.ParseAddr(t[s:e]); err == nil {
				st.add(IPAddress, s, e, 0.6, ipContext)
				i += 3
			}
		}
	}
}
