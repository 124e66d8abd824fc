package pii

import (
	"fmt"
	"sort"
	"strings"
)

// Entity is the type of a piece of personal data or a secret. The names are
// Presidio's where Presidio has one, so reports from both tools line up.
type Entity string

// The entity types the built-in recognizers find.
const (
	Email         Entity = "EMAIL_ADDRESS"
	Phone         Entity = "PHONE_NUMBER"
	CreditCard    Entity = "CREDIT_CARD"
	IBAN          Entity = "IBAN_CODE"
	USSSN         Entity = "US_SSN"
	IPAddress     Entity = "IP_ADDRESS"
	DateOfBirth   Entity = "DATE_OF_BIRTH"
	DateTime      Entity = "DATE_TIME"
	StreetAddress Entity = "STREET_ADDRESS"
	Person        Entity = "PERSON"
	Secret        Entity = "SECRET"
)

// AllEntities lists the built-in entity types in a fixed order (the order
// of reports and of per-entity counts).
var AllEntities = []Entity{
	Email, Phone, CreditCard, IBAN, USSSN, IPAddress,
	DateOfBirth, DateTime, StreetAddress, Person, Secret,
}

// PatternEntities are the entity types found by patterns and validators
// alone: every built-in type but PERSON, whose recognizer looks words up in
// a name list.
var PatternEntities = []Entity{
	Email, Phone, CreditCard, IBAN, USSSN, IPAddress,
	DateOfBirth, DateTime, StreetAddress, Secret,
}

// ParseEntity returns the entity type named s (case-insensitive), or an
// error listing the known names.
func ParseEntity(s string) (Entity, error) {
	u := Entity(strings.ToUpper(strings.TrimSpace(s)))
	for _, e := range AllEntities {
		if e == u {
			return e, nil
		}
	}
	names := make([]string, len(AllEntities))
	for i, e := range AllEntities {
		names[i] = string(e)
	}
	sort.Strings(names)
	return "", fmt.Errorf("unknown entity type %q: use one of %s", s, strings.Join(names, ", "))
}

// A Span is one piece of personal data found in a text. Start and End are
// offsets in Unicode code points into the analysed text (End exclusive), the
// unit of the JSON reports; ByteStart and ByteEnd are the same span in bytes
// of its UTF-8 encoding, for slicing Go strings. A byte that is not valid
// UTF-8 counts as one code point (U+FFFD), as Go's range loop counts it.
type Span struct {
	Start     int     `json:"start"`
	End       int     `json:"end"`
	Entity    Entity  `json:"entity_type"`
	Score     float64 `json:"score"`
	ByteStart int     `json:"-"`
	ByteEnd   int     `json:"-"`
	// Line is the 1-based line of Start, set by a Stream (and so for text
	// files); 0 when not computed.
	Line int `json:"-"`
}

// Candidate is a span a recognizer proposes, in byte offsets, before the
// context enhancer, the threshold and overlap resolution decide whether it
// is reported.
type Candidate struct {
	Entity     Entity
	Start, End int // byte offsets into the text, End exclusive
	Score      float64
	// Context lists words that raise the score when one of them occurs
	// shortly before the span (see the package doc). Nil for none.
	Context []string
}

// A FieldSpan is a span in one field of a record: a JSON path such as
// "request.prompt" or "messages[2].content", or "text" for plain text.
type FieldSpan struct {
	Field string `json:"field"`
	Span
}
