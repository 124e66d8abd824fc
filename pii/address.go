package pii

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

var addressContext = []string{"address", "addresses", "live", "lives", "living", "located", "location", "ship", "shipping", "deliver", "delivery", "billing", "residence", "reside", "moved", "move", "send", "mail", "visit", "street", "home", "apartment", "zip", "postcode", "adresse", "anschrift", "wohnhaft", "wohne"}

// streetSuffixes are street types written after the name (US and UK
// usage; abbreviations as the USPS and Royal Mail write them).
var streetSuffixes = map[string]bool{
	"Street": true, "St": true, "Avenue": true, "Ave": true, "Av": true, "Road": true, "Rd": true,
	"Boulevard": true, "Blvd": true, "Lane": true, "Ln": true, "Drive": true, "Dr": true, "Court": true,
	"Ct": true, "Way": true, "Place": true, "Pl": true, "Square": true, "Sq": true, "Terrace": true,
	"Ter": true, "Circle": true, "Cir": true, "Parkway": true, "Pkwy": true, "Highway": true, "Hwy": true,
	"Trail": true, "Trl": true, "Crescent": true, "Cres": true, "Close": true, "Grove": true,
	"Gardens": true, "Gdns": true, "Mews": true, "Row": true, "Walk": true, "Hill": true, "Park": true,
	"Path": true, "Pike": true, "Alley": true, "Loop": true, "Plaza": true, "Point": true, "Ridge": true,
	"Crossing": true, "Expressway": true, "Freeway": true, "Heights": true, "Junction": true,
	"Landing": true, "Manor": true, "Meadows": true, "Pass": true, "Station": true, "Summit": true,
	"Valley": true, "View": true, "Village": true, "Vista": true, "Wharf": true, "Green": true,
	"Rise": true, "Parade": true, "Hollow": true, "Bypass": true, "Common": true, "Commons": true,
	"Estate": true, "Fields": true, "Glen": true, "Harbor": true, "Harbour": true, "Knoll": true,
	"Lodge": true, "Mall": true, "Mill": true, "Orchard": true, "Oval": true, "Pines": true,
	"Port": true, "Springs": true, "Stravenue": true, "Track": true, "Turnpike": true, "Wells": true,
	"Yard": true, "Yards": true,
}

// compoundSuffixes end street names that are written before the house
// number (German, and the Dutch and Nordic forms of the same pattern):
// Hauptstraße 5, Vesterskovvej 79.
var compoundSuffixes = []string{
	"straße", "strasse", "str.", "weg", "gasse", "platz", "allee", "damm", "ufer", "chaussee",
	"pfad", "steig", "markt", "graben", "straat", "laan", "plein", "gracht", "kade", "vej", "veien",
	"vegen", "vägen", "gatan", "gata", "gade", "katu", "tie",
}

var unitWords = map[string]bool{
	"Apt": true, "Apartment": true, "Suite": true, "Ste": true, "Unit": true, "Flat": true,
	"Fl": true, "Floor": true, "Room": true, "Rm": true, "Bldg": true, "Building": true,
}

var usStates = map[string]bool{}

func init() {
	for _, s := range strings.Fields(`AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO
		MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR GU VI AA AE AP`) {
		usStates[s] = true
	}
}

// maxAddress bounds an address span in bytes; it is also part of the
// streaming redactor's hold-back bound.
const maxAddress = 120

// findAddresses proposes street addresses in three shapes:
//
//   - US and UK: house number (12, 12A), optional direction, one to four
//     capitalised name words, a street type (Street, Ave, Road, Close ...):
//     0.5; with a unit (Apt 4, Suite 200), a city with state and ZIP code,
//     or a UK postcode after it: 0.8.
//
//   - German (and Dutch and Nordic) names ending in a street type, then the
//     house number (Hauptstraße 5, Am Ring 3a, Vesterskovvej 79): 0.6; with
//     a five-digit postcode and a town after it: 0.85.
//
//   - US military and diplomatic addresses (PSC 1234, Box 5678 / APO AE
//     09012): 0.8.
//
// Parts may be separated by commas or line breaks. Spans are at most
// maxAddress bytes. Addresses in other shapes (PO boxes, "the corner of
// X and Y", house numbers after a French "rue") are not found.
func findAddresses(st *state) {
	t := st.text
	for _, g := range st.numGroups() {
		if g.glen() > 5 {
			continue
		}
		// Cheap shape checks first: a capitalised word after the number
		// (US, UK), a letter before it (German and others), or an APO line.
		after := g.end+1 < len(t) && (t[g.end] == ' ' && (isUpper(t[g.end+1]) || t[g.end+1] >= 0x80 || isDigit(t[g.end+1])) ||
			isAlpha(t[g.end]) && t[g.end+1] == ' ')
		before := g.start >= 2 && t[g.start-1] == ' ' && (isAlpha(t[g.start-2]) || t[g.start-2] >= 0x80 || t[g.start-2] == '.')
		if !after && !before && g.glen() != 5 {
			continue
		}
		if e, sc, ok := usAddress(t, g); ok {
			st.add(StreetAddress, g.start, e, sc, addressContext)
			continue
		}
		if s, e, sc, ok := deAddress(t, g); ok {
			st.add(StreetAddress, s, e, sc, addressContext)
			continue
		}
		if s, ok := militaryAddress(t, g); ok {
			st.add(StreetAddress, s, g.end, 0.8, addressContext)
		}
	}
}

func usAddress(t string, g group) (int, float64, bool) {
	if g.start > 0 {
		switch t[g.start-1] {
		case ' ', '\n', '\t', ',', '(', '"', '\'', ':':
		default:
			return 0, 0, false
		}
	}
	i := g.end
	if i+1 < len(t) && isAlpha(t[i]) && t[i+1] == ' ' {
		i++ // 12A
	}
	if i >= len(t) || t[i] != ' ' {
		return 0, 0, false
	}
	i++
	if w, e := wordAt2(t, i); w != "" {
		switch strings.TrimSuffix(w, ".") {
		case "N", "S", "E", "W", "NE", "NW", "SE", "SW", "North", "South", "East", "West":
			if e < len(t) && t[e] == ' ' {
				i = e + 1
			}
		}
	}
	nameWords := 0
	end := -1
	for k := 0; k < 5 && i < len(t); k++ {
		w, e := wordAt2(t, i)
		if w == "" {
			return 0, 0, false
		}
		if nameWords > 0 && streetSuffixes[strings.TrimSuffix(w, ".")] {
			end = e
			break
		}
		if !capitalised(w) && !ordinal(w) {
			return 0, 0, false
		}
		nameWords++
		if e >= len(t) || t[e] != ' ' {
			return 0, 0, false
		}
		i = e + 1
	}
	if end < 0 || end-g.start > maxAddress {
		return 0, 0, false
	}
	score := 0.5
	if e, ok := addressTail(t, end, g.start); ok {
		end, score = e, 0.8
	}
	return end, score, true
}

// addressTail extends an address ending at e over a unit, then a city with
// a state and ZIP code or a UK postcode, when they follow.
func addressTail(t string, e, start int) (int, bool) {
	found := false
	i := skipSep(t, e)
	if w, we := wordAt2(t, i); w != "" && (unitWords[strings.TrimSuffix(w, ".")] || w == "#") {
		j := we
		if j < len(t) && t[j] == ' ' {
			j++
		}
		n := 0
		for j+n < len(t) && (isAlnum(t[j+n]) || t[j+n] == '-') {
			n++
		}
		if n > 0 && n <= 6 {
			e, found = j+n, true
			i = skipSep(t, e)
		}
	} else if i < len(t) && t[i] == '#' && digitRun(t, i+1) > 0 {
		e, found = i+1+digitRun(t, i+1), true
		i = skipSep(t, e)
	}
	// City words, then a state and ZIP code or a postcode.
	j := i
	for k := 0; k < 3; k++ {
		w, we := wordAt2(t, j)
		if w == "" || !capitalised(w) && !allUpper(w) || usStates[w] && k > 0 {
			break
		}
		j = we
		if j < len(t) && t[j] == ' ' {
			j++
		}
	}
	if j > i {
		k := j
		if k < len(t) && t[k] == ',' {
			k++
		}
		k = skipSpaces(t, k)
		if k+2 < len(t) && usStates[t[k:k+2]] && t[k+2] == ' ' && digitRun(t, k+3) == 5 {
			z := k + 8
			if z+4 < len(t) && t[z] == '-' && digitRun(t, z+1) == 4 {
				z += 5
			}
			if z-start <= maxAddress && !alnumAt(t, z) {
				return z, true
			}
		}
		if n := ukPostcode(t, skipSep(t, j)); n > 0 && skipSep(t, j)+n-start <= maxAddress {
			return skipSep(t, j) + n, true
		}
	}
	if n := ukPostcode(t, i); n > 0 && i+n-start <= maxAddress {
		return i + n, true
	}
	return e, found
}

// ukPostcode returns the length of a UK postcode at i (SW1A 1AA, M1 1AE,
// B33 8TH, CR2 6XH, DN55 1PT), or 0.
func ukPostcode(t string, i int) int {
	j := i
	n := 0
	for j < len(t) && isUpper(t[j]) && n < 2 {
		j, n = j+1, n+1
	}
	if n == 0 || j >= len(t) || !isDigit(t[j]) {
		return 0
	}
	j++
	if j < len(t) && (isDigit(t[j]) || isUpper(t[j])) {
		j++
	}
	if j < len(t) && t[j] == ' ' {
		j++
	}
	if j+3 > len(t) || !isDigit(t[j]) || !isUpper(t[j+1]) || !isUpper(t[j+2]) || alnumAt(t, j+3) {
		return 0
	}
	return j + 3 - i
}

// militaryAddress matches the last line of a US military or diplomatic
// address ("APO AE 09012", "FPO AP 96349", "DPO AA 34025", with g the ZIP
// code) and takes the line before it when that is a unit, PSC or ship line
// ("PSC 1234, Box 5678", "Unit 2050 Box 4190", "USNS Comfort").
func militaryAddress(t string, g group) (int, bool) {
	if g.glen() != 5 || g.start < 7 || alnumAt(t, g.end) {
		return 0, false
	}
	p := strings.ToUpper(t[g.start-7 : g.start])
	if len(p) != 7 || p[1:3] != "PO" || p[3] != ' ' || p[6] != ' ' || !strings.ContainsRune("ADF", rune(p[0])) ||
		p[4] != 'A' || !strings.ContainsRune("AEP", rune(p[5])) || alnumAt(t, g.start-8) {
		return 0, false
	}
	s := g.start - 7
	if s > 1 && t[s-1] == '\n' {
		ls := strings.LastIndexByte(t[:s-1], '\n') + 1
		line := strings.ToUpper(strings.TrimLeft(t[ls:s-1], " \t>"))
		for _, pre := range []string{"PSC ", "UNIT ", "USS ", "USNS ", "USNV ", "USCGC "} {
			if strings.HasPrefix(line, pre) && s-1-ls <= 60 {
				return s - 1 - len(line), true
			}
		}
	}
	return s, true
}

// leadingStreetTypes start street names written before the house number
// (Via Roma 5, Rua Igreja 25, Calle Mayor 3, ul. Grochowa 80).
var leadingStreetTypes = map[string]bool{
	"Via": true, "Viale": true, "Piazza": true, "Corso": true, "Largo": true, "Strada": true,
	"Rua": true, "Avenida": true, "Av.": true, "Travessa": true, "Praça": true, "Calle": true,
	"Carrer": true, "Paseo": true, "Plaza": true, "ul.": true, "ulica": true, "Aleja": true,
	"al.": true, "Plac": true, "Trg": true, "Am": true, "An": true, "Auf": true, "Im": true,
}

// particles may stand between the words of a street name.
var particles = map[string]bool{
	"de": true, "del": true, "della": true, "delle": true, "dei": true, "di": true, "da": true,
	"do": true, "dos": true, "das": true, "du": true, "la": true, "le": true, "van": true,
	"der": true, "den": true, "von": true, "y": true, "e": true,
}

// deAddress matches a street name written before the house number in g:
// "Hauptstraße 5", "Berliner Straße 12a", "Via delle Coste 41". A name
// ending in a street type (German, Dutch, Nordic) or starting with one
// (Italian, Portuguese, Spanish, Polish) scores 0.6; other capitalised
// words before a number score 0.3 and need address context.
func deAddress(t string, g group) (int, int, float64, bool) {
	if g.glen() > 4 || g.start < 3 || t[g.start-1] != ' ' {
		return 0, 0, 0, false
	}
	// Up to four words back: capitalised words and particles.
	s, score := -1, 0.3
	i := g.start - 1
	for k := 0; k < 4 && i > 0; k++ {
		ws := i
		for ws > 0 && (isWordByte(t[ws-1]) || t[ws-1] == '.' && ws == i || t[ws-1] == '-' || t[ws-1] == '\'') {
			ws--
		}
		if ws == i || ws > 0 && !isSpace(t[ws-1]) && t[ws-1] != ',' && t[ws-1] != ':' && t[ws-1] != '(' && t[ws-1] != '>' {
			break
		}
		w := t[ws:i]
		more := false // whether the name may go on to the left
		switch {
		case k == 0 && streetName(w):
			s, score = ws, 0.6
			more = isCompoundSuffixWord(w) // "Berliner Straße"
		case leadingStreetTypes[w]:
			s, score = ws, 0.6
		case capitalised(w) && score < 0.6:
			if m, _ := monthAt(t, ws); m > 0 || stopSet()[w] || k == 0 && g.glen() == 4 && (t[g.start] == '1' || t[g.start] == '2') {
				break // "May 2024", "Version 3", "Windows 2000": not streets
			}
			s, more = ws, true
		case capitalised(w):
			s = ws // the word before a separate street type
		case particles[w] && k > 0:
			more = true
		}
		if !more || ws == 0 || t[ws-1] != ' ' {
			break
		}
		i = ws - 1
	}
	if s < 0 {
		return 0, 0, 0, false
	}
	e := g.end
	if e < len(t) && isLower(t[e]) && !alnumAt(t, e+1) {
		e++ // 12a
	}
	if alnumAt(t, e) {
		return 0, 0, 0, false
	}
	// ", 10115 Berlin" or a line break, then postcode and town.
	i = skipSep(t, e)
	if digitRun(t, i) == 5 && i+6 < len(t) && t[i+5] == ' ' {
		if w, we := wordAt2(t, i+6); w != "" && (capitalised(w) || allUpper(w)) && we-s <= maxAddress {
			return s, we, max(score, 0.6) + 0.25, true
		}
	}
	return s, e, score, true
}

func streetName(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	if !unicode.IsUpper(r) {
		return false
	}
	lw := strings.ToLower(w)
	for _, suf := range compoundSuffixes {
		// "Hauptstraße" or a separate "Straße", but not "Brigade" (gade).
		if strings.HasSuffix(lw, suf) && (len(lw) == len(suf) || utf8.RuneCountInString(lw)-utf8.RuneCountInString(suf) >= 3) && lw != "brigade" {
			return true
		}
	}
	return false
}

func isCompoundSuffixWord(w string) bool {
	lw := strings.ToLower(w)
	for _, suf := range compoundSuffixes {
		if lw == suf {
			return true
		}
	}
	return false
}

// skipSep skips ", " separators and line breaks between address parts.
func skipSep(t string, i int) int {
	for i < len(t) && (t[i] == ',' || t[i] == ' ' || t[i] == '\n' || t[i] == '\r') {
		i++
	}
	return i
}

// wordAt2 returns the word at i (letters, digits, and a trailing dot of an
// abbreviation) and where it ends.
func wordAt2(t string, i int) (string, int) {
	j := i
	for j < len(t) && (isWordByte(t[j]) || t[j] == '\'' || t[j] == '-' && j > i) {
		j++
	}
	if j == i {
		if i < len(t) && t[i] == '#' {
			return "#", i + 1
		}
		return "", i
	}
	if j < len(t) && t[j] == '.' && j-i <= 4 {
		j++
	}
	return t[i:j], j
}

func capitalised(w string) bool {
	r, n := utf8.DecodeRuneInString(w)
	if !unicode.IsUpper(r) || n == len(w) {
		return false
	}
	for _, c := range w[n:] {
		if !unicode.IsLetter(c) && c != '\'' && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

func allUpper(w string) bool {
	if len(w) < 2 {
		return false
	}
	for _, c := range w {
		if !unicode.IsUpper(c) {
			return false
		}
	}
	return true
}

func ordinal(w string) bool {
	n := digitRun(w, 0)
	if n == 0 || n > 3 || len(w) != n+2 {
		return false
	}
	switch strings.ToLower(w[n:]) {
	case "st", "nd", "rd", "th":
		return true
	}
	return false
}
