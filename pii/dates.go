package pii

import "strings"

var (
	dateContext  = []string{"date", "birthday", "born", "dob", "on", "since"}
	birthContext = []string{"born", "birth", "dob", "birthday", "birthdate", "bday", "geboren", "geburtsdatum", "geburtstag", "naissance", "née", "né", "nacimiento"}
)

// findDates proposes calendar dates: numeric (2024-03-12, 12/03/2024,
// 3/12/24, 12.03.2024) and with month names in English, German or French
// (12 March 2024, March 12, 2024, 3rd of May 1990, 12. März 2024), each
// checked to be a real day (months 1-12, day within the month, leap
// years). A time right after a date (T10:11:12Z, 10:11) joins its span.
// A date with birth context (born, birth, DOB, birthday ... among the five
// words before it, or in the field name) is a DATE_OF_BIRTH scoring 0.85;
// any other date is a DATE_TIME scoring 0.6. Bare years and weekdays are
// not dates here (Presidio's spaCy model reports them; they are too common
// in logs to redact).
func findDates(st *state) {
	t := st.text
	for _, gs := range st.chainList() {
		for i := range gs {
			if e, ok := numericDate(t, gs, i); ok {
				st.addDate(gs[i].start, withTime(t, e))
				continue
			}
			if s, e, ok := namedDate(t, gs, i); ok {
				st.addDate(s, withTime(t, e))
			}
		}
	}
}

func (st *state) addDate(s, e int) {
	if st.a.Enabled(DateOfBirth) && st.hasContext(s, birthContext) {
		st.add(DateOfBirth, s, e, 0.85, nil)
		return
	}
	st.add(DateTime, s, e, 0.6, dateContext)
}

// numericDate reports whether gs[i..i+2] is a numeric date and where it
// ends.
func numericDate(t string, gs []group, i int) (int, bool) {
	if i+2 >= len(gs) {
		return 0, false
	}
	k := uniformSep(gs, i, i+2)
	if k != '-' && k != '/' && k != '.' || !isolated(gs, i, i+2, k) {
		return 0, false
	}
	a, b, c := gs[i], gs[i+1], gs[i+2]
	if alnumAt(t, a.start-1) || alnumAt(t, c.end) && !timeStart(t, c.end) {
		return 0, false
	}
	av, bv, cv := digitsValue(t[a.start:a.end]), digitsValue(t[b.start:b.end]), digitsValue(t[c.start:c.end])
	if b.glen() > 2 {
		return 0, false
	}
	switch {
	case a.glen() == 4 && c.glen() <= 2: // Y-M-D
		return c.end, validDay(av, bv, cv)
	case a.glen() <= 2 && (c.glen() == 4 || c.glen() == 2 && k != '-'): // D-M-Y or M-D-Y
		y := cv
		if c.glen() == 2 {
			y += 1900
			if cv < 50 {
				y += 100
			}
		}
		return c.end, validDay(y, bv, av) || validDay(y, av, bv)
	}
	return 0, false
}

func validDay(y, m, d int) bool {
	if y < 1000 || y > 2999 || m < 1 || m > 12 || d < 1 {
		return false
	}
	days := [...]int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[m-1]
	if m == 2 && (y%4 == 0 && y%100 != 0 || y%400 == 0) {
		days = 29
	}
	return d <= days
}

// timeStart reports whether a time follows at i directly ("T10:11").
func timeStart(t string, i int) bool {
	return i+3 < len(t) && t[i] == 'T' && isDigit(t[i+1]) && isDigit(t[i+2]) && t[i+3] == ':'
}

// withTime extends a date ending at e over a following time: "T" or one
// space, hh:mm, optional :ss and fraction, optional Z or a ±hh:mm offset.
func withTime(t string, e int) int {
	if e >= len(t) || t[e] != 'T' && t[e] != ' ' {
		return e
	}
	i := e + 1
	n := digitRun(t, i)
	if n < 1 || n > 2 || i+n >= len(t) || t[i+n] != ':' {
		return e
	}
	i += n + 1
	if digitRun(t, i) != 2 {
		return e
	}
	i += 2
	if i+2 < len(t) && t[i] == ':' && digitRun(t, i+1) == 2 {
		i += 3
		if i+1 < len(t) && (t[i] == '.' || t[i] == ',') && digitRun(t, i+1) > 0 {
			i += 1 + digitRun(t, i+1)
		}
	}
	if i < len(t) && t[i] == 'Z' {
		i++
	} else if i+2 < len(t) && (t[i] == '+' || t[i] == '-') && digitRun(t, i+1) == 2 {
		j := i + 3
		if j < len(t) && t[j] == ':' {
			j++
		}
		if digitRun(t, j) == 2 {
			i = j + 2
		}
	}
	if alnumAt(t, i) {
		return e
	}
	return i
}

func digitRun(t string, i int) int {
	n := 0
	for i+n < len(t) && isDigit(t[i+n]) {
		n++
	}
	return n
}

// months maps lower-case month names and abbreviations (English, German,
// French) to their numbers.
var months = func() map[string]int {
	m := map[string]int{}
	for i, names := range [][]string{
		{"january", "jan", "januar", "janvier", "jänner"},
		{"february", "feb", "februar", "février", "fevrier"},
		{"march", "mar", "märz", "maerz", "mars"},
		{"april", "apr", "avril"},
		{"may", "mai"},
		{"june", "jun", "juni", "juin"},
		{"july", "jul", "juli", "juillet"},
		{"august", "aug", "août", "aout"},
		{"september", "sep", "sept", "septembre"},
		{"october", "oct", "oktober", "okt", "octobre"},
		{"november", "nov", "novembre"},
		{"december", "dec", "dezember", "dez", "décembre", "decembre"},
	} {
		for _, n := range names {
			m[n] = i + 1
		}
	}
	return m
}()

// monthInitial holds the first bytes of the month names.
var monthInitial = func() (t [256]bool) {
	for name := range months {
		c := name[0]
		t[c] = true
		if c >= 'a' && c <= 'z' {
			t[c-'a'+'A'] = true
		}
	}
	return t
}()

// monthStem holds the first three bytes (lower case) of the month names.
var monthStem = func() map[[3]byte]bool {
	m := map[[3]byte]bool{}
	for name := range months {
		m[[3]byte{name[0], name[1], name[2]}] = true
	}
	return m
}()

// monthAt returns the month of the word starting at i and where the word
// (with an abbreviation's dot) ends.
func monthAt(t string, i int) (int, int) {
	if i >= len(t) || !monthInitial[t[i]] {
		return 0, 0
	}
	j := i
	for j < len(t) && isWordByte(t[j]) && j-i < 10 {
		j++
	}
	if j == i || j-i >= 10 || wordAt(t, j) {
		return 0, 0
	}
	// Cheap rejection on the first three letters before the map lookup.
	if j-i < 3 || !monthStem[[3]byte{t[i] | 0x20, t[i+1] | 0x20, t[i+2] | 0x20}] {
		return 0, 0
	}
	m, ok := months[strings.ToLower(t[i:j])]
	if !ok {
		return 0, 0
	}
	if j < len(t) && t[j] == '.' {
		j++
	}
	return m, j
}

// namedDate matches a date with a month name around the day in gs[i]: "12
// March 2024", "12th of March, 2024", "12. März 2024" (day first) or
// "March 12, 2024", "Mar 12th 2024" (month first).
func namedDate(t string, gs []group, i int) (int, int, bool) {
	g := gs[i]
	if g.glen() > 2 || alnumAt(t, g.start-1) {
		return 0, 0, false
	}
	day := digitsValue(t[g.start:g.end])
	j := skipOrdinal(t, g.end)
	// Day first.
	k := skipSpaces(t, j)
	if k > j {
		if strings.HasPrefix(t[k:], "of ") {
			k += 3
		}
		if m, e := monthAt(t, k); m > 0 {
			if y, ye, ok := yearAfter(t, e); ok && validDay(y, m, day) {
				return g.start, ye, true
			}
		}
	}
	// Month first: the word before the day.
	if g.start >= 2 && t[g.start-1] == ' ' {
		ws := g.start - 1
		if ws > 0 && t[ws-1] == '.' {
			ws--
		}
		s := ws
		for s > 0 && isWordByte(t[s-1]) {
			s--
		}
		if m, _ := monthAt(t, s); m > 0 && !alnumAt(t, s-1) {
			if y, ye, ok := yearAfter(t, j); ok && validDay(y, m, day) {
				return s, ye, true
			}
		}
	}
	return 0, 0, false
}

func skipOrdinal(t string, i int) int {
	if i+2 <= len(t) && isAlpha(t[i]) && isAlpha(t[i+1]) && !wordAt(t, i+2) {
		a, b := t[i]|0x20, t[i+1]|0x20
		if a == 's' && b == 't' || a == 'n' && b == 'd' || a == 'r' && b == 'd' || a == 't' && b == 'h' {
			return i + 2
		}
	}
	if i < len(t) && t[i] == '.' {
		return i + 1
	}
	return i
}

func skipSpaces(t string, i int) int {
	for i < len(t) && t[i] == ' ' {
		i++
	}
	return i
}

// yearAfter reads ", 2024" or " 2024" (a four-digit year) at i.
func yearAfter(t string, i int) (int, int, bool) {
	if i < len(t) && t[i] == ',' {
		i++
	}
	j := skipSpaces(t, i)
	if j == i || digitRun(t, j) != 4 || alnumAt(t, j+4) {
		return 0, 0, false
	}
	return digitsValue(t[j : j+4]), j + 4, true
}
