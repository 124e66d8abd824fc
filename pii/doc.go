// Package pii finds personal data and secrets in text and JSON, and
// rewrites them (redaction, masking, keyed pseudonyms, reversible
// encryption). It backs 'mlsec pii', and is the engine the inference
// gateway and 'mlsec data scan' call. It never prints; reports carry where
// a value is, never the value.
//
// # Recognizers
//
// Every recognizer proposes candidate spans with a score in (0, 1];
// validated values score 1.0, as Presidio scores them. Entity names are
// Presidio's where it has one.
//
//	EMAIL_ADDRESS   local@domain; TLD in the Public Suffix List's ICANN section       1.0
//	PHONE_NUMBER    7-15 digits in groups, "+" or national (US, GB, DE, FR, IN by
//	                default), valid per libphonenumber (nyaruka/phonenumbers)        0.7 intl, 0.5 national, 0.3 bare digits
//	CREDIT_CARD     12-19 digits, solid or grouped by one kind of space or dash,
//	                Luhn, known issuer ranges for the length                         1.0
//	IBAN_CODE       country code with its ISO 13616 length, mod-97 = 1, solid or
//	                printed in groups of four                                         1.0
//	US_SSN          3-2-4 digits with one kind of separator (0.5) or 9 bare digits
//	                (0.3); no area 000/666/9xx, group 00, serial 0000, repeated
//	                digit or published example (Presidio's invalidations)
//	IP_ADDRESS      IPv4 and IPv6 parsed by net/netip; not part of a longer
//	                dotted number, not glued to letters; "::" and "::1" ignored     0.6
//	DATE_OF_BIRTH   a date with birth context (born, birth, DOB, birthday ... in
//	                the five words before, or in the field name)                      0.85
//	DATE_TIME       a real calendar date, numeric or with an English, German or
//	                French month name, with a following time                          0.6
//	STREET_ADDRESS  US/UK number + name + street type (+ unit, city/state/ZIP, UK
//	                postcode); German/Dutch/Nordic name-with-type + number (+ PLZ
//	                and town); US military (PSC/Unit/ship + APO/FPO/DPO)              0.5-0.85; other name+number 0.3
//	PERSON          capitalised words in the shipped name lists (about 15,000
//	                first and 14,000 last names, data/SOURCES.md), or after an
//	                honorific or a cue ("my name is", "Dear")                         0.3-0.85
//	SECRET          private-key PEM blocks (1.0), provider formats by prefix and
//	                length: AWS, GitHub, GitLab, Slack, Stripe, OpenAI-style,
//	                Google, Hugging Face, npm (0.8-0.95), JSON Web Tokens with an
//	                "alg" header (0.95), values of key-like names: passwords (0.7),
//	                other credentials with 16+ characters, letters and digits and
//	                3+ bits of entropy per character (0.8)
//
// Decoys are not reported: digits glued to letters or to an identifier
// ("ORD-1234567", UUIDs, hashes, "v1.2.3.4"), the digits of a printed
// IBAN, card-shaped numbers failing Luhn (not phones either), ISBN-like
// dash runs, versions and dotted numbers, invalid SSNs and IPs, money.
//
// Bare years and weekdays (which Presidio's spaCy model reports as
// DATE_TIME), locations, organisations and names not in the lists are not
// found. docs/pii.md has the measured precision and recall per type on
// presidio-research's synthetic set and on a generated inference-log set.
//
// # Scores, context and threshold
//
// The context enhancer is Presidio's: when one of a recognizer's context
// words is among the ContextTokens (5) words before a span (within
// ContextBytes), the score becomes min(max(score+0.35, 0.4), 1). Words
// match case-insensitively, or as prefixes when four letters or longer (a
// stand-in for Presidio's lemmatizer). The words of a field name count as
// context too: a value under "customer_ssn" or "dateOfBirth" is read with
// ssn or birth before it. mlsec adds decoy words (version, order, invoice,
// sha256, uuid, license, zip, ...) that lower a score by 0.35. A span is
// reported when its score reaches the threshold (DefaultThreshold 0.5).
//
// # Overlaps
//
// Candidates are taken by descending score, then descending length, then
// position, then type (stricter validation first); one that overlaps a span
// already taken is dropped. So a date of birth (0.85) wins over the same
// date as DATE_TIME (0.6), an address with its ZIP code over its house
// number, and a 3-2-4 number that libphonenumber also accepts stays an SSN.
//
// # Offsets
//
// Span.Start and End are Unicode code points into the analysed field's text
// (End exclusive), the unit of the JSON reports; ByteStart and ByteEnd
// index the Go string. An invalid UTF-8 byte counts as one code point.
//
// # Operators
//
// Redact, Replace ("<ENTITY_TYPE>", the default), Mask (keep the last N),
// Hash (SHA-256; salted only with a configured salt: see Hash for why),
// Pseudonym (HMAC-SHA256 under a Key: the same value gives the same token,
// so logs stay joinable) and Encrypt (AES-256-GCM, reversible with Decrypt
// and the Key). A Key derives separate HMAC and AES keys with HKDF and never
// prints its material. Presidio's encrypt is AES-CBC; GCM is authenticated,
// so a changed token fails to decrypt instead of decrypting to garbage.
//
// # JSON
//
// AnalyzeJSON and RedactJSON walk one JSON document with a strict RFC 8259
// reader of our own (it must keep every byte it does not change, which
// encoding/json cannot), analysing the string values a Selector picks
// ("request.prompt", "messages[*].content"; default all) and numbers in
// those places. RedactJSON changes only the redacted values. ScanFile and
// RedactFile read whole files: text (streamed), JSON, JSON Lines; a record
// that is not JSON is handled as text and reported, never skipped.
//
// # Streaming
//
// A Stream redacts text arriving in chunks (an SSE token stream). It keeps
// back the last DefaultHoldBack (128) bytes and never cuts inside a word or
// a span, so an entity split across chunks is seen whole; it keeps
// StreamContext (256) bytes of written text as context. The latency this
// adds is the hold-back: about 32 tokens of an LLM answer at 4 bytes per
// token, plus the rest of a word in progress; Close flushes. Runs without
// white space longer than MaxHold (64 KiB) are cut there; an unterminated
// private key longer than that is written as one redaction and the rest of
// it swallowed up to its END line. FuzzStream checks that no value the
// batch analyzer finds is ever written in clear.
//
// # Speed
//
// Recognizers do not run regular expressions over the text. One pass finds
// the runs of digits (eight bytes at a time where there are none), chains
// them across short separators, and the numeric recognizers look at windows
// of the chains; e-mail, IPv6 and key-value secrets start from
// strings.IndexByte on '@', ':' and '='; a prefilter skips recognizers whose
// trigger bytes a text lacks. Phone validation is the costly step: for the
// default regions and for numbers written with "+" the number is built from
// its digits, skipping the library's parser, and checked against
// libphonenumber's own metadata with each pattern compiled once (the
// library's IsValidNumber rebuilds its pattern strings on every call; a
// test compares the two answers). Rates are in docs/pii.md; CellScanner is
// the fast path for table cells.
//
// # Limits
//
// Names in lower case or capitals, other scripts, locations and companies
// are not recognised; addresses outside the listed shapes are not; phone
// numbers of regions not configured are found only with a "+" prefix. JSON
// keys are not analysed. These limits are measured, not hidden: see
// docs/pii.md.
package pii
