package table

import (
	"math"
	"strconv"
)

// fkind says what a source knows about a field before classification.
type fkind uint8

const (
	fText   fkind = iota // CSV text: may be a number, a bool, a null marker or a string
	fString              // a string whatever it looks like (JSON string, Parquet text)
	fNumber              // a number literal (JSON number); b is the literal
	fFloat               // a Parquet numeric: num is the value, isInt says integral, b its text
	fBool                // a JSON or Parquet bool; bit is the value, b "true"/"false"
	fNull                // JSON null or absent key, Parquet null
)

// field is one value as a source hands it over. b is only valid until the
// source's next call.
type field struct {
	b     []byte
	k     fkind
	num   float64
	isInt bool
	bit   bool
}

// value is a classified field: the parts of a Cell without Raw.
type value struct {
	null   bool
	isNum  bool
	num    float64
	isInt  bool
	isBool bool
	bit    bool
}

// classify decides what f holds, honouring a forced kind. It returns a
// non-nil error (wrapping ErrType) when f cannot be read as the forced kind.
func classify(f *field, force Kind, nulls *nullSet) (value, error) {
	switch f.k {
	case fNull:
		return value{null: true}, nil
	case fText:
		if len(f.b) == 0 {
			return value{null: true}, nil
		}
		if nulls.has(f.b) {
			return value{null: true}, nil
		}
		if force == KindString {
			return value{}, nil
		}
		if force != KindBool {
			if n, isInt, ok := parseNumber(f.b); ok {
				return value{isNum: true, num: n, isInt: isInt}, nil
			}
		}
		if force != KindNumber {
			if bit, ok := boolWord(f.b); ok {
				return value{isBool: true, bit: bit}, nil
			}
		}
		if force == KindUnknown {
			return value{}, nil
		}
	case fString:
		switch force {
		case KindNumber:
			if n, isInt, ok := parseNumber(f.b); ok {
				return value{isNum: true, num: n, isInt: isInt}, nil
			}
		case KindBool:
			if bit, ok := boolWord(f.b); ok {
				return value{isBool: true, bit: bit}, nil
			}
		default:
			return value{}, nil
		}
	case fNumber:
		if force == KindString {
			return value{}, nil
		}
		if force != KindBool {
			n, isInt, ok := parseNumber(f.b)
			if !ok {
				// A JSON number out of float64 range: ParseFloat says ±Inf.
				n, _ = strconv.ParseFloat(string(f.b), 64)
			}
			return value{isNum: true, num: n, isInt: isInt}, nil
		}
	case fFloat:
		if force == KindString {
			return value{}, nil
		}
		if force != KindBool {
			return value{isNum: true, num: f.num, isInt: f.isInt}, nil
		}
	case fBool:
		if force == KindString {
			return value{}, nil
		}
		if force != KindNumber {
			return value{isBool: true, bit: f.bit}, nil
		}
	}
	return value{}, wrapf(ErrType, "%q is not a %s", clip(f.b), force)
}

// nullSet holds Options.NullValues. Most fields are not null markers, and
// a map lookup per field was a fifth of loading a table with pandas'
// markers, so has first rejects fields by length and first byte.
type nullSet struct {
	m       map[string]struct{}
	first   [256]bool
	lens    uint64 // bit i: a marker of length i (i < 64)
	long    bool   // a marker of 64 bytes or more
	numeric bool   // a marker reads as a number other than NaN (e.g. "-999")
}

func newNullSet(values []string) *nullSet {
	if len(values) == 0 {
		return nil
	}
	s := &nullSet{m: make(map[string]struct{}, len(values))}
	for _, v := range values {
		s.m[v] = struct{}{}
		if v == "" {
			continue // the empty field is null anyway
		}
		s.first[v[0]] = true
		if len(v) < 64 {
			s.lens |= 1 << len(v)
		} else {
			s.long = true
		}
		if n, _, ok := parseNumber([]byte(v)); ok && n == n {
			s.numeric = true
		}
	}
	return s
}

// has reports whether b is a null marker; a nil set has none.
func (s *nullSet) has(b []byte) bool {
	if s == nil || len(b) == 0 || !s.first[b[0]] {
		return false
	}
	if len(b) < 64 && s.lens&(1<<len(b)) == 0 || len(b) >= 64 && !s.long {
		return false
	}
	_, ok := s.m[string(b)]
	return ok
}

// clip shortens a value for an error message.
func clip(b []byte) string {
	const n = 40
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

// boolWord reports whether b is one of the spellings pandas reads as bool.
func boolWord(b []byte) (bit, ok bool) {
	switch string(b) {
	case "true", "True", "TRUE":
		return true, true
	case "false", "False", "FALSE":
		return false, true
	}
	return false, false
}

// pow10 holds the powers of ten that float64 represents exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// parseNumber parses b with strconv.ParseFloat's syntax and result. Plain
// decimals whose digits fit in 53 bits and whose exponent is within ±22 take
// Clinger's fast path (one exact multiplication or division, so the result is
// correctly rounded, as ParseFloat's is); anything else goes to ParseFloat.
// isInt reports an integer literal: digits with an optional sign.
func parseNumber(b []byte) (f float64, isInt, ok bool) {
	i, n := 0, len(b)
	if n == 0 {
		return 0, false, false
	}
	neg := false
	if b[0] == '+' || b[0] == '-' {
		neg = b[0] == '-'
		i++
	}
	var mant uint64
	digits, exp := 0, 0
	sawDigit, sawDot := false, false
	for ; i < n; i++ {
		c := b[i]
		if c >= '0' && c <= '9' {
			sawDigit = true
			if mant == 0 && c == '0' {
				if sawDot {
					exp--
				}
				continue
			}
			if digits >= 19 {
				return slowNumber(b)
			}
			mant = mant*10 + uint64(c-'0')
			digits++
			if sawDot {
				exp--
			}
			continue
		}
		if c == '.' && !sawDot {
			sawDot = true
			continue
		}
		break
	}
	if !sawDigit {
		// Without a digit, strconv.ParseFloat accepts only inf, infinity
		// and nan (any case) after the sign: other text (a category such
		// as "Female") is refused here, without ParseFloat's error
		// allocation, which dominated loading text columns.
		j := 0
		if b[0] == '+' || b[0] == '-' {
			j = 1
		}
		if j >= n || (b[j]|0x20 != 'i' && b[j]|0x20 != 'n') {
			return 0, false, false
		}
		return slowNumber(b) // "inf", "nan" and look-alikes
	}
	intLit := !sawDot
	if i < n {
		if b[i] != 'e' && b[i] != 'E' {
			return slowNumber(b)
		}
		intLit = false
		i++
		eneg := false
		if i < n && (b[i] == '+' || b[i] == '-') {
			eneg = b[i] == '-'
			i++
		}
		if i == n {
			return 0, false, false
		}
		e := 0
		for ; i < n; i++ {
			c := b[i]
			if c < '0' || c > '9' {
				return slowNumber(b)
			}
			if e > 10000 {
				return slowNumber(b)
			}
			e = e*10 + int(c-'0')
		}
		if eneg {
			e = -e
		}
		exp += e
	}
	if mant > 1<<53 {
		return slowNumber(b)
	}
	v := float64(mant)
	switch {
	case mant == 0:
	case exp == 0:
	case exp > 0 && exp <= 22:
		v *= pow10[exp]
	case exp < 0 && exp >= -22:
		v /= pow10[-exp]
	default:
		return slowNumber(b)
	}
	if neg {
		v = -v
	}
	return v, intLit, true
}

// slowNumber is the general case: strconv.ParseFloat, where a value out of
// range (±Inf with ErrRange) still counts as a number, as pandas reads it.
func slowNumber(b []byte) (float64, bool, bool) {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
			return 0, false, false
		}
	}
	return f, isIntLiteral(b) && !math.IsNaN(f), true
}

func isIntLiteral(b []byte) bool {
	i := 0
	if len(b) > 0 && (b[0] == '+' || b[0] == '-') {
		i++
	}
	if i == len(b) {
		return false
	}
	for ; i < len(b); i++ {
		if b[i] < '0' || b[i] > '9' {
			return false
		}
	}
	return true
}
