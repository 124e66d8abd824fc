package pii

// A finder is a built-in recognizer: it reads the shared state (text,
// numeric groups) and adds candidates. need lists the byte classes
// (see prefilter) without which it cannot find anything; 0 means it always
// runs.
type finder struct {
	name     string
	entities []Entity
	need     uint8
	find     func(*state)
}

// Prefilter bits: what kinds of bytes a text holds, gathered in one cheap
// pass so that a cell like "42" or "yes" skips every recognizer.
const (
	pDigit  = 1 << iota // 0-9
	pAt                 // @
	pColon              // :
	pAssign             // : or =
	pUpper              // A-Z or any non-ASCII byte
	pLong               // set by the analyzer for texts of 20 bytes or more
	pField              // set when the field name is a credential's
)

var prefilterTable = func() (t [256]uint8) {
	for c := '0'; c <= '9'; c++ {
		t[c] = pDigit
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = pUpper
	}
	for c := 0x80; c < 0x100; c++ {
		t[c] = pUpper
	}
	t['@'] = pAt
	t[':'] = pColon | pAssign
	t['='] = pAssign
	return t
}()

func prefilter(text string) uint8 {
	var m uint8
	for i := 0; i < len(text); i++ {
		m |= prefilterTable[text[i]]
	}
	if len(text) >= 20 {
		m |= pLong
	}
	return m
}

// builtinFinders are run in this order; an analyzer keeps those with at
// least one enabled entity type.
var builtinFinders = []finder{
	{"email", []Entity{Email}, pAt, findEmails},
	{"credit_card", []Entity{CreditCard}, pDigit, findCards},
	{"iban", []Entity{IBAN}, pDigit, findIBANs},
	{"us_ssn", []Entity{USSSN}, pDigit, findSSNs},
	{"ipv4", []Entity{IPAddress}, pDigit, findIPv4},
	{"ipv6", []Entity{IPAddress}, pColon, findIPv6},
	{"phone", []Entity{Phone}, pDigit, findPhones},
	{"date", []Entity{DateTime, DateOfBirth}, pDigit, findDates},
	{"street_address", []Entity{StreetAddress}, pDigit, findAddresses},
	{"secret", []Entity{Secret}, pAssign | pLong | pField | pUpper, findSecrets},
	{"person", []Entity{Person}, pUpper, findPersons},
}
