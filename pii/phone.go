package pii

import (
	"fmt"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// defaultPhoneRegions are tried, in order, for numbers written without a
// "+" country code.
var defaultPhoneRegions = []string{"US", "GB", "DE", "FR", "IN"}

func checkRegions(rs []string) ([]string, error) {
	if len(rs) == 0 {
		return nil, fmt.Errorf("no phone regions given")
	}
	supported := phonenumbers.GetSupportedRegions()
	out := make([]string, len(rs))
	for i, r := range rs {
		u := strings.ToUpper(strings.TrimSpace(r))
		if u == "UK" {
			u = "GB"
		}
		if !supported[u] {
			return nil, fmt.Errorf("phone region %q is not an ISO 3166 region libphonenumber knows (e.g. US, GB, DE, FR, IN)", r)
		}
		out[i] = u
	}
	return out, nil
}

var phoneContext = []string{"phone", "telephone", "tel", "cell", "cellphone", "mobile", "call", "fax", "number", "contact", "reach", "whatsapp", "sms", "dial", "ring", "desk", "office", "landline", "handy", "telefon", "téléphone", "portable", "tél"}

// findPhones proposes phone numbers: windows of up to seven digit groups
// (7 to 15 digits) joined by spaces, dashes, dots, slashes or parentheses,
// optionally led by "+" or "(" and followed by an extension (x123, ext.
// 123). Each is parsed and validated with libphonenumber
// (github.com/nyaruka/phonenumbers): "+" numbers in their own country,
// others in the configured regions in turn. Valid international numbers
// score 0.7, valid grouped national numbers 0.5, and a valid number written
// as one bare run of digits 0.3 (it needs phone context to be reported).
// Windows shaped like dates or IPv4 addresses are left to those
// recognizers. libphonenumber's own matcher (Presidio's) is not in the Go
// port, so finding candidates is ours; validity is the library's.
func findPhones(st *state) {
	t := st.text
	num := &st.phone
	for _, gs := range st.chainList() {
		if cardShaped(gs) && !(gs[0].start > 0 && t[gs[0].start-1] == '+') {
			continue // a card number that failed Luhn is not a phone number
		}
		for i := 0; i < len(gs); i++ {
			for j := min(len(gs)-1, i+6); j >= i; j-- {
				if e, sc, ok := st.phoneWindow(gs, i, j, num); ok {
					s := gs[i].start
					if s > 0 && (t[s-1] == '+' || t[s-1] == '(') {
						s--
					}
					st.add(Phone, s, e, sc, phoneContext)
					i = j
					break
				}
			}
		}
	}
}

// phoneWindow validates gs[i..j] as a phone number and returns where it
// ends (extension included) and its score.
func (st *state) phoneWindow(gs []group, i, j int, num *phonenumbers.PhoneNumber) (int, float64, bool) {
	t := st.text
	nd := 0
	for x := i; x <= j; x++ {
		if x < j && (gs[x].sep == sepMixed) {
			return 0, 0, false
		}
		nd += gs[x].glen()
	}
	if nd < 7 || nd > 15 {
		return 0, 0, false
	}
	s, e := gs[i].start, gs[j].end
	intl := s > 0 && t[s-1] == '+'
	paren := s > 0 && t[s-1] == '('
	if intl || paren {
		s--
	}
	if alnumAt(t, s-1) || s > 0 && t[s-1] == '.' {
		return 0, 0, false
	}
	// Dates and dotted quads belong to other recognizers.
	if j == i+2 {
		if _, ok := numericDate(t, gs, i); ok {
			return 0, 0, false
		}
	}
	if j == i+3 && uniformSep(gs, i, j) == '.' {
		return 0, 0, false
	}
	if j == i+2 && gs[i].glen() == 3 && gs[i+1].glen() == 2 && gs[j].glen() == 4 && uniformSep(gs, i, j) != 255 {
		return 0, 0, false // the shape of an SSN
	}
	// Part of a longer run joined the same way (an ISBN, a dotted number).
	if k := uniformSep(gs, i, j); k != 0 && k != ' ' && k != 255 && (i > 0 && gs[i-1].sep == k || gs[j].sep == k) {
		return 0, 0, false
	}
	if j < len(gs)-1 && gs[j].sep == '.' && !intl {
		return 0, 0, false
	}
	if uniformSep(gs, i, j) == '.' && j-i <= 3 && gs[j].glen() <= 3 {
		return 0, 0, false // 183.181.123: a broken IP address, not a phone
	}
	if j == i+1 && gs[i].sep == '.' && gs[i].glen() == 1 {
		return 0, 0, false // 0.427786: a decimal number (a model's score), not a phone
	}
	e = extension(t, e)
	if alnumAt(t, e) {
		return 0, 0, false
	}
	cand := t[s:e]
	var dbuf [16]byte
	d := digitsOf(t, gs, i, j, dbuf[:0])
	score := 0.5
	if i == j && !intl {
		score = 0.3
	}
	if intl {
		if validInternational(d, num) {
			return e, 0.7, true
		}
		if phonenumbers.ParseToNumber(cand, "ZZ", num) == nil && isValidPhone(num) {
			return e, 0.7, true
		}
		return 0, 0, false
	}
	ctx := -1 // phone context before the window, looked up once if needed
	for _, r := range st.a.phoneRegions {
		if !nationalShape(r, d) {
			// Without its trunk prefix a UK, German or French number is
			// accepted only after a phone word ("Mobile: 20 7946 0958").
			if r != "GB" && r != "DE" && r != "FR" || len(d) == 0 || d[0] == '0' {
				continue
			}
			if ctx < 0 {
				ctx = 0
				if contextBefore(t, s, phoneContext) {
					ctx = 1
				}
			}
			if ctx == 0 {
				continue
			}
		}
		if ok, known := validNational(r, d, num); known {
			if ok {
				return e, score, true
			}
			continue
		}
		if phonenumbers.ParseToNumber(cand, r, num) == nil && isValidPhone(num) {
			return e, score, true
		}
	}
	return 0, 0, false
}

// trunkRegions are regions whose national numbers are written with a
// one-digit trunk prefix (or, for NANP, an optional 1) before the national
// significant number.
var trunkRegions = map[string]struct {
	cc    int32
	trunk byte
}{"US": {1, '1'}, "CA": {1, '1'}, "GB": {44, '0'}, "DE": {49, '0'}, "FR": {33, '0'}, "IN": {91, '0'}}

// validNational validates the digits d of a number written in the
// national format of r with libphonenumber's IsValidNumber, building the
// number from the digits directly (country code, trunk prefix dropped)
// instead of running the library's parser, which costs most of the time
// spent on phone numbers. known is false for regions without a rule and
// for numbers dialled with an international prefix: parse those.
func validNational(r string, d []byte, num *phonenumbers.PhoneNumber) (ok, known bool) {
	tr, found := trunkRegions[r]
	if !found || len(d) >= 2 && d[0] == '0' && d[1] == '0' || len(d) >= 3 && string(d[:3]) == "011" {
		return false, false
	}
	if len(d) > 0 && d[0] == tr.trunk && (tr.trunk == '0' || len(d) == 11) {
		d = d[1:]
	}
	var nsn uint64
	for _, c := range d {
		nsn = nsn*10 + uint64(c-'0')
	}
	cc := tr.cc
	num.Reset()
	num.CountryCode, num.NationalNumber = &cc, &nsn
	return isValidPhone(num), true // any region of the country code (NANP, GB with JE, GG, IM)
}

// validInternational validates the digits d of a number written with "+"
// by building it from its country code and national significant number,
// as validNational does for national numbers, instead of running the
// library's parser (whose extension pattern alone cost more than the
// validation: half of a gateway request's redaction time went to one
// international number). Country codes are prefix-free, so at most one of
// d's first one to three digits is one. Leading zeros of the national
// number are kept as the parser keeps them (Italian leading zero).
//
// Only a valid answer is trusted: the parser also drops a trunk prefix
// written after the country code ("+44 (0)20 ..."), so a number this
// rejects goes on to the parser. Where the two could disagree the shortcut
// finds a number the parser would not, which redacts more, never less.
func validInternational(d []byte, num *phonenumbers.PhoneNumber) bool {
	for k := 1; k <= 3 && k < len(d); k++ {
		cc := int32(0)
		for _, c := range d[:k] {
			cc = cc*10 + int32(c-'0')
		}
		if phonenumbers.GetRegionCodeForCountryCode(int(cc)) == phonenumbers.UNKNOWN_REGION {
			continue
		}
		ns := d[k:]
		var nsn uint64
		for _, c := range ns {
			nsn = nsn*10 + uint64(c-'0')
		}
		num.Reset()
		num.CountryCode, num.NationalNumber = &cc, &nsn
		if len(ns) > 1 && ns[0] == '0' {
			lead := true
			num.ItalianLeadingZero = &lead
			if z := leadingZeros(ns); z != 1 {
				num.NumberOfLeadingZeros = &z
			}
		}
		return isValidPhone(num)
	}
	return false
}

// leadingZeros counts the leading zeros of a national number as
// libphonenumber does: all but the last digit may count.
func leadingZeros(ns []byte) int32 {
	z := int32(1)
	for int(z) < len(ns)-1 && ns[z] == '0' {
		z++
	}
	return z
}

// nationalShape is a cheap necessary condition for d (the digits of a
// number written without "+") to be a valid national number of region r,
// checked before asking libphonenumber, whose parser is a thousand times
// slower. It encodes the numbering plans' lengths and leading digits, and
// that UK, German, French and Indian landlines are written with their
// trunk prefix 0 when written without a country code; numbers dialled with
// an international prefix (00, 011) pass through to the library. Regions
// without a rule always pass.
func nationalShape(r string, d []byte) bool {
	n := len(d)
	if n >= 2 && d[0] == '0' && d[1] == '0' || n >= 3 && string(d[:3]) == "011" {
		return true // international prefix: the library decides
	}
	switch r {
	case "US", "CA":
		if n == 11 && d[0] == '1' {
			d, n = d[1:], 10
		}
		return n == 10 && d[0] >= '2' && d[3] >= '2'
	case "GB":
		return d[0] == '0' && (n == 10 || n == 11)
	case "DE":
		return d[0] == '0' && n >= 6 && n <= 14
	case "FR":
		return d[0] == '0' && n == 10 && d[1] != '0'
	case "IN":
		return n == 10 && d[0] >= '6' || d[0] == '0' && n == 11
	}
	return true
}

// cardShaped reports whether a chain is written like a card number: one
// kind of space or dash, a first group of four, three or more groups, 13 to
// 19 digits.
func cardShaped(gs []group) bool {
	k := uniformSep(gs, 0, len(gs)-1)
	if k != ' ' && k != '-' || len(gs) < 3 || gs[0].glen() != 4 {
		return false
	}
	n := 0
	for _, g := range gs {
		n += g.glen()
	}
	return n >= 13 && n <= 19
}

// extension extends a number ending at e over "x123", " x 123", " ext.
// 123" or " ext 123".
func extension(t string, e int) int {
	i := e
	if i < len(t) && t[i] == ' ' {
		i++
	}
	switch {
	case i < len(t) && (t[i] == 'x' || t[i] == 'X'):
		i++
	case i+3 <= len(t) && strings.EqualFold(t[i:i+3], "ext"):
		i += 3
		if i < len(t) && t[i] == '.' {
			i++
		}
	default:
		return e
	}
	if i < len(t) && t[i] == ' ' {
		i++
	}
	n := digitRun(t, i)
	if n < 1 || n > 6 {
		return e
	}
	return i + n
}
