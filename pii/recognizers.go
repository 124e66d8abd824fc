package pii

// A finder is a built-in recognizer: it reads the shared state (text,
// numeric groups) and adds candidates.
type finder struct {
	name     string
	entities []Entity
	find     func(*state)
}

// builtinFinders are run in this order; an analyzer keeps those with at
// least one enabled entity type.
var builtinFinders = []finder{
	{"email", []Entity{Email}, findEmails},
	{"credit_card", []Entity{CreditCard}, findCards},
	{"iban", []Entity{IBAN}, findIBANs},
	{"us_ssn", []Entity{USSSN}, findSSNs},
	{"ipv4", []Entity{IPAddress}, findIPv4},
	{"ipv6", []Entity{IPAddress}, findIPv6},
	{"phone", []Entity{Phone}, findPhones},
	{"date", []Entity{DateTime, DateOfBirth}, findDates},
	{"street_address", []Entity{StreetAddress}, findAddresses},
	{"secret", []Entity{Secret}, findSecrets},
	{"person", []Entity{Person}, findPersons},
}
