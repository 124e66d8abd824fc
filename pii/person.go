package pii

import (
	_ "embed"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

//go:embed data/first_names.txt
var firstNamesTxt string

//go:embed data/last_names.txt
var lastNamesTxt string

const (
	nameFirst = 1 << iota
	nameLast
)

var (
	namesOnce sync.Once
	names     map[string]uint8
)

// nameKind returns nameFirst and/or nameLast for a capitalised word in the
// shipped name lists (data/SOURCES.md), 0 otherwise.
func nameKind(w string) uint8 {
	namesOnce.Do(func() {
		names = make(map[string]uint8, 30000)
		for _, n := range strings.Split(firstNamesTxt, "\n") {
			if n != "" {
				names[n] |= nameFirst
			}
		}
		for _, n := range strings.Split(lastNamesTxt, "\n") {
			if n != "" {
				names[n] |= nameLast
			}
		}
		for _, w := range strings.Fields(stopWords) {
			delete(names, w)
		}
	})
	return names[w]
}

// stopWords are capitalised words that the name lists hold but that are far
// more often ordinary words, months, places or sentence starters. They are
// never taken as names on their own evidence.
const stopWords = `A An The This That These Those There Here Then When Where What Which Who Why How
I I'm I'll I've I'd Me My We Our You Your He She It They Them His Her Its Their Hi Hello Hey Dear Thanks Thank Please
And Or But Not No Yes So If As At By For From In Into Of On To With About After Before Over Under Up
Can Could Will Would May Might Must Shall Should Do Does Did Done Is Are Was Were Be Been Am Have Has Had
Best Good Great Happy Kind Love Regards Sincerely Cheers Welcome Sorry Sure Okay Ok Well Just Also Only
All Any Each Every Some Many Much More Most Other Another Such Same New Old Big Little Long Short High Low
January February March April May June July August September October November December
Monday Tuesday Wednesday Thursday Friday Saturday Sunday Today Tomorrow Yesterday Morning Evening Night
Mark Bill Art Grant Price Hope Faith Joy Summer Winter Spring Autumn Fall Green White Brown Black Gray Grey
Young King Hill Lane Rose Page Bank Card Order Street Road Park Way Court Hall Field Wood Stone Bridge
Rich Sharp Strong Short Long Little Small Large Major Minor General Chief Judge Bishop Dean Early Day
Christian English French German Dutch Irish Welsh Scott Cook Baker Miller Smith Taylor Carter Parker Porter
Chase Hunter Penny Ruby Crystal Amber Jade Pearl Ivory Sky Rain Storm Star Sun Moon Honey Sugar Candy
London Paris Berlin Rome Vienna Houston Dallas Austin Phoenix Denver Boston Chelsea Sydney Florence
Georgia Victoria Virginia Carolina Jordan India China America Africa Asia Europe Israel Canada Brazil
God Lord Jesus Christ Allah Buddha Apple Google Amazon Microsoft Tesla Oracle Meta Windows Linux
Let Get Got Make Made Take See Look Find Give Tell Ask Call Try Use Need Want Like Keep Put Set Run
Note Error Warning Info Debug Status Request Response User Admin System Server Client Data Model Name
Address Phone Email Date Time Total Amount Number Account Customer Patient Payment Bill Invoice Hotel
Also However Therefore Meanwhile Yet Still Even Though Although Because Since Until While During
Princess Prince Queen Duke Duchess Earl Baron Pope Saint St President Senator Governor Mayor Captain`

var personContext = []string{"name", "named", "called", "dear", "hi", "hello", "hey", "thanks", "thank", "says", "said", "asked", "wrote", "customer", "patient", "user", "client", "contact", "mr", "mrs", "ms", "dr", "signed", "regards", "sincerely", "agent", "employee", "tenant", "applicant", "passenger", "member", "author", "manager", "nurse", "doctor", "attn", "cc", "from", "by", "with", "met"}

// titles are honorifics that make the capitalised words after them a name.
var titles = map[string]bool{
	"Mr": true, "Mrs": true, "Ms": true, "Miss": true, "Mx": true, "Dr": true, "Prof": true, "Sir": true,
	"Dame": true, "Herr": true, "Frau": true, "Mme": true, "Mlle": true, "Monsieur": true, "Madame": true,
	"Señor": true, "Señora": true, "Sr": true, "Sra": true, "Rev": true, "Capt": true, "Sgt": true,
}

// A nameWord is a capitalised word or an initial ("J.").
type nameWord struct {
	s, e    int // the word, without a possessive 's
	next    int // where the word and its trailing dot end
	initial bool
}

// findPersons proposes people's names from capitalised words looked up in
// the name lists (about 15,000 first and 14,000 last names in Latin script,
// data/SOURCES.md) minus stopWords:
//
//   - an honorific (Mr, Dr, Frau ...) then one to three capitalised words: 0.85;
//   - a known first name, optional initials, then a known last name: 0.85;
//   - a known first name then another capitalised word: 0.6;
//   - an unknown capitalised word then a known last name: 0.4;
//   - a known name alone: 0.3.
//
// The last two need a context word (name, called, dear, says, customer ...)
// to be reported. Names in lower case, in capitals, in other scripts or
// missing from the lists are not found: see docs/pii.md for the measured
// recall.
func findPersons(st *state) {
	t := st.text
	var ws [4]nameWord
	for i := 0; i < len(t); {
		w, ok := capWordAt(t, i)
		if !ok {
			i = skipWord(t, i)
			continue
		}
		// Collect up to four capitalised words in a row.
		seq := ws[:0]
		seq = append(seq, w)
		for len(seq) < len(ws) {
			j := seq[len(seq)-1].next
			if j >= len(t) || t[j] != ' ' {
				break
			}
			nw, ok := capWordAt(t, j+1)
			if !ok {
				break
			}
			seq = append(seq, nw)
		}
		i = seq[len(seq)-1].next
		st.personSeq(seq)
	}
}

func (st *state) personSeq(seq []nameWord) {
	t := st.text
	word := func(w nameWord) string { return t[w.s:w.e] }
	// An honorific: the words after it are the name.
	if k := strings.TrimSuffix(word(seq[0]), "."); titles[k] && len(seq) > 1 && !seq[1].initial {
		st.add(Person, seq[1].s, seq[len(seq)-1].e, 0.85, personContext)
		return
	}
	// Skip leading stop words ("Hello John Smith").
	for len(seq) > 0 && !seq[0].initial && isStop(word(seq[0])) {
		seq = seq[1:]
	}
	if len(seq) == 0 || seq[0].initial {
		return
	}
	first := nameKind(word(seq[0]))
	cue := nameCue(t, seq[0].s)
	// The name runs to the last word that is not a stop word.
	n := len(seq)
	for n > 1 && (isStop(word(seq[n-1])) || seq[n-1].initial) {
		n--
	}
	seq = seq[:n]
	last := seq[len(seq)-1]
	for _, w := range seq[1:] {
		x := strings.TrimSuffix(word(w), ".")
		if streetSuffixes[x] || unitWords[x] || orgWords[x] {
			return // "Gordon Terrace", "Johnson Inc": a place or a company
		}
	}
	switch {
	case cue && len(seq) > 1:
		st.add(Person, seq[0].s, last.e, 0.85, personContext)
	case cue:
		st.add(Person, seq[0].s, last.e, 0.6, personContext)
	case len(seq) == 1:
		if first != 0 {
			st.add(Person, seq[0].s, seq[0].e, 0.3, personContext)
		}
	case first&nameFirst != 0 && nameKind(word(last))&nameLast != 0:
		st.add(Person, seq[0].s, last.e, 0.85, personContext)
	case first&nameFirst != 0 && !last.initial:
		st.add(Person, seq[0].s, last.e, 0.6, personContext)
	case nameKind(word(last))&nameLast != 0:
		st.add(Person, seq[0].s, last.e, 0.4, personContext)
	}
}

// orgWords end the names of companies and institutions.
var orgWords = map[string]bool{
	"Inc": true, "Ltd": true, "LLC": true, "Llc": true, "GmbH": true, "AG": true, "Corp": true, "Co": true,
	"Company": true, "Group": true, "Investments": true, "Partners": true, "Bank": true, "University": true,
	"College": true, "School": true, "Hospital": true, "Foundation": true, "Institute": true, "Agency": true,
	"Associates": true, "Holdings": true, "Technologies": true, "Systems": true, "Solutions": true,
	"Software": true, "Labs": true, "Union": true, "Parks": true, "Royal": true, "Airport": true,
}

// nameCue reports whether the words right before s introduce a name: "my
// name is", "Name:", "named", "called", "I'm", "I am", "Dear", "Hi",
// "Hello", "Hey". Then any capitalised words are taken as the name, listed
// or not.
func nameCue(t string, s int) bool {
	i := s
	var toks [2]string
	for k := 0; k < 2; k++ {
		j := i
		for j > 0 && i-j < 3 && (t[j-1] == ' ' || t[j-1] == ':' || t[j-1] == '?' || t[j-1] == ',' || t[j-1] == '\'' || t[j-1] == '\t') {
			j--
		}
		e := j
		for j > 0 && isAlpha(t[j-1]) && e-j < 8 {
			j--
		}
		if j == e {
			break
		}
		toks[k] = strings.ToLower(t[j:e])
		i = j
	}
	switch toks[0] {
	case "name", "named", "called", "dear", "hi", "hello", "hey":
		return true
	case "is":
		return toks[1] == "name"
	case "am", "m":
		return toks[1] == "i"
	}
	return false
}

func isStop(w string) bool { return stopSet()[w] }

var (
	stopOnce sync.Once
	stops    map[string]bool
)

func stopSet() map[string]bool {
	stopOnce.Do(func() {
		stops = map[string]bool{}
		for _, w := range strings.Fields(stopWords) {
			stops[w] = true
		}
		for t := range titles {
			stops[t] = true
		}
	})
	return stops
}

// capWordAt reads a capitalised word at i: an upper-case letter, then
// letters, with inner apostrophes and hyphens (O'Brien, Anne-Lotte); a
// possessive 's is left out. A single capital followed by a dot is an
// initial.
func capWordAt(t string, i int) (nameWord, bool) {
	if i >= len(t) || i > 0 && isWordByte(t[i-1]) {
		return nameWord{}, false
	}
	if t[i] < 0x80 && !isUpper(t[i]) {
		return nameWord{}, false
	}
	r, n := utf8.DecodeRuneInString(t[i:])
	if !unicode.IsUpper(r) {
		return nameWord{}, false
	}
	j := i + n
	for j < len(t) {
		c := t[j]
		if isAlpha(c) {
			j++
			continue
		}
		if c >= 0x80 {
			r, n := utf8.DecodeRuneInString(t[j:])
			if !unicode.IsLetter(r) {
				break
			}
			j += n
			continue
		}
		if (c == '\'' || c == '-') && j+1 < len(t) && isAlpha(t[j+1]) && !(c == '\'' && (t[j+1] == 's' || t[j+1] == 'S') && !wordAt(t, j+2)) {
			j++
			continue
		}
		break
	}
	w := nameWord{s: i, e: j, next: j}
	if j == i+n && j < len(t) && t[j] == '.' {
		w.initial = true
		w.next = j + 1
		return w, true
	}
	if j == i+n {
		return nameWord{}, false // a lone capital: "I", "A"
	}
	if j < len(t) && t[j] == '.' && titles[t[i:j]] {
		w.next = j + 1
		w.e = j + 1
	}
	for _, p := range []string{"'s", "’s"} {
		if strings.HasPrefix(t[j:], p) {
			w.next = j + len(p) // possessive: "Amanda's"
		}
	}
	if w.next < len(t) && isWordByte(t[w.next]) {
		return nameWord{}, false // glued to a digit or other byte: an identifier
	}
	return w, true
}

// skipWord moves past the word (or single non-word byte) at i.
func skipWord(t string, i int) int {
	if !isWordByte(t[i]) {
		return i + 1
	}
	for i < len(t) && isWordByte(t[i]) {
		i++
	}
	return i
}
