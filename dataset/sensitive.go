package dataset

import (
	"strings"
	"unicode"
)

// Sensitive says why a column looks like a sensitive attribute: a
// protected characteristic (or a close proxy of one) that fairness checks
// should group by and privacy reviews should know about.
type Sensitive struct {
	// Category is one of the Categories keys ("sex", "race", "age" ...).
	Category string `json:"category"`
	// By is "name" (the column's name says it) or "values" (its values do).
	By     string `json:"by"`
	Reason string `json:"reason"`
}

// category is one sensitive characteristic: the words that name it in a
// column name, and values that give it away.
type category struct {
	name   string
	words  []string // whole words of a column name
	values []string // lower-case values; most distinct values must be among them
}

// categories follow the protected characteristics of the EU's GDPR art. 9
// and the US and UK equality laws, plus the proxies a data scientist would
// name (postcode, marital status, date of birth). Words are matched as
// whole words of the column name split at '_', '-', '.', spaces and case
// changes, so "sex" matches "sex" and "applicant_sex" but not "sussex".
var categories = []category{
	{name: "sex", words: []string{"sex", "gender"},
		values: []string{"m", "f", "male", "female", "man", "woman", "men", "women", "non-binary", "nonbinary", "other", "unknown", "x"}},
	{name: "race", words: []string{"race", "racial", "ethnicity", "ethnic", "ethnic_group"},
		values: []string{"white", "black", "asian", "asian-pac-islander", "amer-indian-eskimo", "hispanic", "latino", "other", "native", "pacific islander", "mixed", "caucasian", "african american", "african-american"}},
	{name: "religion", words: []string{"religion", "religious", "faith", "belief"},
		values: []string{"christian", "muslim", "jewish", "hindu", "buddhist", "sikh", "atheist", "agnostic", "none", "other", "catholic", "protestant"}},
	{name: "health", words: []string{"health", "diagnosis", "diagnoses", "disease", "medical", "disability", "disabled", "pregnant", "pregnancy", "hiv", "icd", "icd10"}},
	{name: "sexual_orientation", words: []string{"orientation", "sexuality", "lgbt", "lgbtq"}},
	{name: "age", words: []string{"age", "dob", "birthdate", "birthday", "birth", "born", "yob"}},
	{name: "marital_status", words: []string{"marital", "married", "spouse"},
		values: []string{"married", "single", "divorced", "widowed", "separated", "never-married", "married-civ-spouse", "married-spouse-absent", "married-af-spouse"}},
	{name: "nationality", words: []string{"nationality", "citizenship", "native_country", "country_of_birth", "immigration", "ethnic_origin"}},
	{name: "postcode", words: []string{"postcode", "postal", "zip", "zipcode", "postalcode", "plz"}},
	{name: "political_opinion", words: []string{"political", "political_party", "trade_union"}},
}

// generic values appear in every category's list and prove nothing.
var generic = map[string]bool{"other": true, "unknown": true, "none": true, "x": true}

// DetectSensitive decides whether a column is a sensitive attribute from
// its name, or, for a column with few distinct values (values, sorted;
// nil with overflow when there were too many to keep), from them: at least
// two distinct values and at least 80 % of them in one category's list.
func DetectSensitive(column string, values []string, overflow bool) *Sensitive {
	words := nameWords(column)
	joined := strings.Join(words, "_")
	for _, c := range categories {
		for _, w := range c.words {
			if strings.Contains(w, "_") {
				if strings.Contains("_"+joined+"_", "_"+w+"_") {
					return &Sensitive{Category: c.name, By: "name", Reason: "the column name contains " + strings.ReplaceAll(w, "_", " ")}
				}
				continue
			}
			for _, cw := range words {
				if cw == w {
					return &Sensitive{Category: c.name, By: "name", Reason: "the column name contains " + w}
				}
			}
		}
	}
	if overflow || len(values) < 2 {
		return nil
	}
	for _, c := range categories {
		if len(c.values) == 0 {
			continue
		}
		in, real := 0, 0
		for _, v := range values {
			for _, cv := range c.values {
				if strings.EqualFold(v, cv) {
					in++
					if !generic[cv] {
						real++
					}
					break
				}
			}
		}
		// "other" and "unknown" alone say nothing: require two real hits.
		if real >= 2 && float64(in) >= 0.8*float64(len(values)) {
			return &Sensitive{Category: c.name, By: "values", Reason: "its values (" + sampleList(values) + ") are " + strings.ReplaceAll(c.name, "_", " ") + " categories"}
		}
	}
	return nil
}

// nameWords splits a column name into lower-case words at separators and
// at lower-to-upper case changes ("applicantSex" -> applicant, sex).
func nameWords(s string) []string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	var prev rune
	for _, r := range s {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
		case unicode.IsUpper(r) && unicode.IsLower(prev):
			flush()
			cur = append(cur, r)
		default:
			cur = append(cur, r)
		}
		prev = r
	}
	flush()
	return words
}

func sampleList(values []string) string {
	if len(values) > 4 {
		return strings.Join(values[:4], ", ") + ", ..."
	}
	return strings.Join(values, ", ")
}
