package pii

// Byte classes, looked up in one table so the scanning loops stay cheap.
const (
	cDigit = 1 << iota
	cUpper
	cLower
	cHex   // 0-9 a-f A-F
	cToken // characters of keys and tokens: letters, digits, _ - + / .
	cLocal // characters of an e-mail local part
	cSpace // space, tab, CR, LF
)

var class = func() (t [256]uint8) {
	for c := '0'; c <= '9'; c++ {
		t[c] |= cDigit | cHex | cToken | cLocal
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] |= cUpper | cToken | cLocal
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] |= cLower | cToken | cLocal
	}
	for _, c := range "abcdefABCDEF" {
		t[c] |= cHex
	}
	for _, c := range "_-+/." {
		t[c] |= cToken
	}
	for _, c := range "._%+-" {
		t[c] |= cLocal
	}
	for _, c := range " \t\r\n" {
		t[c] |= cSpace
	}
	return t
}()

func isDigit(c byte) bool { return class[c]&cDigit != 0 }
func isUpper(c byte) bool { return class[c]&cUpper != 0 }
func isLower(c byte) bool { return class[c]&cLower != 0 }
func isAlpha(c byte) bool { return class[c]&(cUpper|cLower) != 0 }
func isAlnum(c byte) bool { return class[c]&(cUpper|cLower|cDigit) != 0 }
func isHex(c byte) bool   { return class[c]&cHex != 0 }
func isSpace(c byte) bool { return class[c]&cSpace != 0 }

// isWordByte reports whether c belongs to a word: an ASCII letter or digit,
// or any byte of a multi-byte UTF-8 sequence (letters of other scripts).
func isWordByte(c byte) bool { return isAlnum(c) || c >= 0x80 }

// alnumAt reports whether text[i] exists and is an ASCII letter or digit.
func alnumAt(text string, i int) bool { return i >= 0 && i < len(text) && isAlnum(text[i]) }

// wordAt reports whether text[i] exists and is a word byte.
func wordAt(text string, i int) bool { return i >= 0 && i < len(text) && isWordByte(text[i]) }

func digitsValue(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
