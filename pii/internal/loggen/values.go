package loggen

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// gen draws values from a seeded source, so the same seed gives the same
// data set byte for byte.
type gen struct {
	r     *rand.Rand
	names [][2]string // first, last
}

func (g *gen) pick(xs []string) string { return xs[g.r.IntN(len(xs))] }
func (g *gen) digits(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + g.r.IntN(10))
	}
	return string(b)
}
func (g *gen) letters(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('A' + g.r.IntN(26))
	}
	return string(b)
}
func (g *gen) alnum(n int, alphabet string) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[g.r.IntN(len(alphabet))]
	}
	return string(b)
}

const (
	base62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	hexLow = "0123456789abcdef"
)

func (g *gen) person() (string, string) {
	n := g.names[g.r.IntN(len(g.names))]
	return n[0], n[1]
}

func ascii(s string) string {
	r := strings.NewReplacer("á", "a", "à", "a", "ä", "a", "å", "a", "ã", "a", "â", "a", "é", "e", "è", "e", "ë", "e", "ê", "e",
		"í", "i", "ï", "i", "ó", "o", "ö", "o", "ø", "o", "ő", "o", "ô", "o", "ú", "u", "ü", "u", "ű", "u", "ñ", "n", "ç", "c",
		"š", "s", "ś", "s", "ž", "z", "ź", "z", "ż", "z", "č", "c", "ć", "c", "ř", "r", "ý", "y", "ł", "l", "ð", "d", "þ", "th", "æ", "ae", "ß", "ss")
	s = r.Replace(strings.ToLower(s))
	var b strings.Builder
	for _, c := range s {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

func (g *gen) email() string {
	f, l := g.person()
	dom := g.pick([]string{"gmail.com", "example.org", "outlook.fr", "web.de", "mail.co.uk", "acme-corp.com", "yahoo.in", "proton.me", "uni-hamburg.de", "company.io"})
	switch g.r.IntN(3) {
	case 0:
		return ascii(f) + "." + ascii(l) + "@" + dom
	case 1:
		return ascii(f)[:1] + ascii(l) + g.digits(2) + "@" + dom
	}
	return ascii(f) + "_" + ascii(l) + "@" + dom
}

// phone draws a number in one of the national or international formats of
// the US, UK, Germany, France or India, checked valid with libphonenumber.
func (g *gen) phone() string {
	for {
		var s, region string
		switch g.r.IntN(5) {
		case 0:
			area := g.pick([]string{"212", "415", "312", "617", "206", "512", "303", "404", "713", "305", "646", "408"})
			ex := fmt.Sprintf("%d%s", 2+g.r.IntN(8), g.digits(2))
			sub := g.digits(4)
			region = "US"
			s = g.pick([]string{"(%s) %s-%s", "%s-%s-%s", "%s.%s.%s", "+1 %s %s %s", "+1-%s-%s-%s"})
			s = fmt.Sprintf(s, area, ex, sub)
		case 1:
			region = "GB"
			if g.r.IntN(2) == 0 {
				m := "7" + fmt.Sprint(4+g.r.IntN(6)) + g.digits(2)
				s = fmt.Sprintf(g.pick([]string{"0%s %s", "+44 %s %s", "+44 (0)%s %s"}), m, g.digits(6))
			} else {
				s = fmt.Sprintf(g.pick([]string{"020 7%s %s", "+44 20 7%s %s"}), g.digits(3), g.digits(4))
			}
		case 2:
			region = "DE"
			if g.r.IntN(2) == 0 {
				m := "15" + fmt.Sprint(1+g.r.IntN(9))
				s = fmt.Sprintf(g.pick([]string{"0%s %s", "+49 %s %s", "0%s-%s"}), m, g.digits(8))
			} else {
				c := g.pick([]string{"30", "40", "89", "221", "69"})
				s = fmt.Sprintf(g.pick([]string{"0%s %s", "+49 %s %s", "0%s/%s"}), c, g.digits(7))
			}
		case 3:
			region = "FR"
			d := g.pick([]string{"1", "6", "7", "4"})
			p := []string{g.digits(2), g.digits(2), g.digits(2), g.digits(2)}
			if g.r.IntN(2) == 0 {
				s = "0" + d + " " + strings.Join(p, " ")
			} else {
				s = "+33 " + d + " " + strings.Join(p, " ")
			}
		default:
			region = "IN"
			m := fmt.Sprint(6+g.r.IntN(4)) + g.digits(4)
			s = fmt.Sprintf(g.pick([]string{"+91 %s %s", "0%s %s", "+91-%s-%s"}), m, g.digits(5))
		}
		if n, err := phonenumbers.Parse(s, region); err == nil && phonenumbers.IsValidNumber(n) {
			return s
		}
	}
}

func luhnDigit(d string) byte {
	sum := 0
	dbl := true
	for i := len(d) - 1; i >= 0; i-- {
		v := int(d[i] - '0')
		if dbl {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
		dbl = !dbl
	}
	return byte('0' + (10-sum%10)%10)
}

// card draws a card number (Visa, Mastercard, Amex, Discover, JCB) that
// passes Luhn; bad makes the check digit wrong.
func (g *gen) card(bad bool) string {
	var prefix string
	n := 16
	switch g.r.IntN(5) {
	case 0:
		prefix = "4"
	case 1:
		prefix = fmt.Sprint(51 + g.r.IntN(5))
	case 2:
		prefix, n = g.pick([]string{"34", "37"}), 15
	case 3:
		prefix = "6011"
	default:
		prefix = fmt.Sprint(3528 + g.r.IntN(62))
	}
	body := prefix + g.digits(n-1-len(prefix))
	c := luhnDigit(body)
	if bad {
		c = '0' + (c-'0'+1+byte(g.r.IntN(9)))%10
	}
	d := body + string(c)
	switch g.r.IntN(3) {
	case 0:
		return d
	case 1:
		sep := g.pick([]string{" ", "-"})
		if n == 15 {
			return d[:4] + sep + d[4:10] + sep + d[10:]
		}
		return d[:4] + sep + d[4:8] + sep + d[8:12] + sep + d[12:]
	}
	if n == 15 {
		return d[:4] + " " + d[4:10] + " " + d[10:]
	}
	return d[:4] + " " + d[4:8] + " " + d[8:12] + " " + d[12:]
}

// iban draws an IBAN of one of several countries with correct (or, when
// bad, wrong) mod-97 check digits, solid or in groups of four.
func (g *gen) iban(bad bool) string {
	var cc, bban string
	switch g.r.IntN(6) {
	case 0:
		cc, bban = "DE", g.digits(18)
	case 1:
		cc, bban = "GB", g.letters(4)+g.digits(14)
	case 2:
		cc, bban = "FR", g.digits(23)
	case 3:
		cc, bban = "NL", g.letters(4)+g.digits(10)
	case 4:
		cc, bban = "ES", g.digits(20)
	default:
		cc, bban = "IT", g.letters(1)+g.digits(22)
	}
	check := 98 - mod97(bban+cc+"00")
	if bad {
		check = (check+1+g.r.IntN(90))%97 + 2
	}
	s := fmt.Sprintf("%s%02d%s", cc, check, bban)
	if g.r.IntN(2) == 0 {
		var b strings.Builder
		for i := 0; i < len(s); i += 4 {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(s[i:min(i+4, len(s))])
		}
		return b.String()
	}
	return s
}

func mod97(s string) int {
	r := 0
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
			r = (r*10 + int(c-'0')) % 97
		default:
			r = (r*100 + int(c-'A') + 10) % 97
		}
	}
	return r
}

func (g *gen) ssn() string {
	area := 1 + g.r.IntN(899)
	for area == 666 {
		area = 1 + g.r.IntN(899)
	}
	return fmt.Sprintf("%03d-%02d-%04d", area, 1+g.r.IntN(99), 1+g.r.IntN(9999))
}

func (g *gen) badSSN() string {
	switch g.r.IntN(5) {
	case 0:
		return fmt.Sprintf("000-%02d-%04d", 1+g.r.IntN(99), 1+g.r.IntN(9999))
	case 1:
		return fmt.Sprintf("666-%02d-%04d", 1+g.r.IntN(99), 1+g.r.IntN(9999))
	case 2:
		return fmt.Sprintf("9%02d-%02d-%04d", g.r.IntN(100), 1+g.r.IntN(99), 1+g.r.IntN(9999))
	case 3:
		return fmt.Sprintf("%03d-00-%04d", 1+g.r.IntN(665), 1+g.r.IntN(9999))
	}
	return fmt.Sprintf("%03d-%02d-0000", 1+g.r.IntN(665), 1+g.r.IntN(99))
}

func (g *gen) ip() string {
	if g.r.IntN(4) == 0 {
		parts := make([]string, 8)
		for i := range parts {
			parts[i] = fmt.Sprintf("%x", g.r.IntN(65536))
		}
		if g.r.IntN(2) == 0 {
			return "2001:db8::" + parts[6] + ":" + parts[7]
		}
		parts[0] = "2a02"
		return strings.Join(parts, ":")
	}
	return fmt.Sprintf("%d.%d.%d.%d", 1+g.r.IntN(223), g.r.IntN(256), g.r.IntN(256), 1+g.r.IntN(254))
}

func (g *gen) badIP() string {
	switch g.r.IntN(4) {
	case 0:
		return fmt.Sprintf("%d.%d.%d.%d", 256+g.r.IntN(700), g.r.IntN(256), g.r.IntN(256), g.r.IntN(256))
	case 1:
		return fmt.Sprintf("%d.%d.%d.%d", 10, g.r.IntN(256), 300+g.r.IntN(600), g.r.IntN(256))
	case 2:
		return fmt.Sprintf("%d.%d.%d", 1+g.r.IntN(223), g.r.IntN(256), g.r.IntN(256))
	}
	return fmt.Sprintf("%d.%d.%d.%d.%d", 1+g.r.IntN(9), g.r.IntN(10), g.r.IntN(10), g.r.IntN(10), g.r.IntN(10))
}

var monthNames = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}

// date draws a calendar date in one of the common written forms.
func (g *gen) date(y0, y1 int) string {
	y := y0 + g.r.IntN(y1-y0)
	m := 1 + g.r.IntN(12)
	d := 1 + g.r.IntN(28)
	switch g.r.IntN(6) {
	case 0:
		return fmt.Sprintf("%04d-%02d-%02d", y, m, d)
	case 1:
		return fmt.Sprintf("%02d/%02d/%04d", m, d, y)
	case 2:
		return fmt.Sprintf("%02d.%02d.%04d", d, m, y)
	case 3:
		return fmt.Sprintf("%d %s %d", d, monthNames[m-1], y)
	case 4:
		return fmt.Sprintf("%s %d, %d", monthNames[m-1], d, y)
	}
	return fmt.Sprintf("%d/%d/%04d", d, m, y)
}

var (
	usStreets = []string{"Maple", "Oak", "Cedar", "Elm", "Washington", "Lake", "Hill", "Park", "Sunset", "Lincoln", "Jackson", "Highland", "Pine", "River"}
	usSuffix  = []string{"Street", "St", "Avenue", "Ave", "Road", "Rd", "Boulevard", "Blvd", "Lane", "Drive", "Court", "Way"}
	usCities  = [][2]string{{"Springfield", "IL"}, {"Austin", "TX"}, {"Portland", "OR"}, {"Denver", "CO"}, {"Columbus", "OH"}, {"Madison", "WI"}, {"Boise", "ID"}, {"Albany", "NY"}}
	ukStreets = []string{"Church", "Station", "Victoria", "Manor", "Mill", "Queens", "Kings", "Albert", "Grange", "Chapel"}
	ukSuffix  = []string{"Road", "Street", "Lane", "Close", "Avenue", "Drive", "Gardens", "Crescent"}
	ukTowns   = []string{"Leeds", "Bristol", "Reading", "York", "Cambridge", "Norwich", "Exeter", "Bath"}
	deStreets = []string{"Haupt", "Bahnhof", "Garten", "Schiller", "Goethe", "Linden", "Berg", "Kirch", "Wald", "Schul"}
	deSuffix  = []string{"straße", "strasse", "weg", "gasse", "platz", "allee"}
	deCities  = []string{"Berlin", "Hamburg", "München", "Köln", "Leipzig", "Dresden", "Bremen", "Mainz"}
)

func (g *gen) address() string {
	switch g.r.IntN(3) {
	case 0:
		s := fmt.Sprintf("%d %s %s", 1+g.r.IntN(9899), g.pick(usStreets), g.pick(usSuffix))
		if g.r.IntN(3) == 0 {
			s += fmt.Sprintf(", Apt %d", 1+g.r.IntN(40))
		}
		if g.r.IntN(2) == 0 {
			c := usCities[g.r.IntN(len(usCities))]
			s += fmt.Sprintf(", %s, %s %s", c[0], c[1], g.digits(5))
		}
		return s
	case 1:
		s := fmt.Sprintf("%d %s %s", 1+g.r.IntN(200), g.pick(ukStreets), g.pick(ukSuffix))
		if g.r.IntN(2) == 0 {
			s += fmt.Sprintf(", %s, %s%d %d%s", g.pick(ukTowns), g.pick([]string{"LS", "BS", "RG", "YO", "CB", "NR", "EX", "BA"}), 1+g.r.IntN(20), 1+g.r.IntN(9), g.letters(2))
		}
		return s
	}
	s := fmt.Sprintf("%s%s %d", g.pick(deStreets), g.pick(deSuffix), 1+g.r.IntN(150))
	if g.r.IntN(2) == 0 {
		s += fmt.Sprintf(", %s %s", g.digits(5), g.pick(deCities))
	}
	return s
}

func (g *gen) secret() string {
	switch g.r.IntN(9) {
	case 0:
		return "AKIA" + g.alnum(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
	case 1:
		return "ghp_" + g.alnum(36, base62)
	case 2:
		return "xoxb-" + g.digits(12) + "-" + g.digits(13) + "-" + g.alnum(24, base62)
	case 3:
		return "sk_live_" + g.alnum(24, base62)
	case 4:
		return "sk-proj-" + g.alnum(48, base62+"_-")
	case 5:
		hdr := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
		body := base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf(`{"sub":"%s","iat":%d}`, g.digits(8), 1700000000+g.r.IntN(1e7))))
		return hdr + "." + body + "." + g.alnum(43, base62+"_-")
	case 6:
		var b strings.Builder
		b.WriteString("-----BEGIN RSA PRIVATE KEY-----\n")
		for i := 0; i < 4; i++ {
			b.WriteString(g.alnum(64, base62+"+/") + "\n")
		}
		b.WriteString("-----END RSA PRIVATE KEY-----")
		return b.String()
	case 7:
		return "AIza" + g.alnum(35, base62+"_-")
	}
	return "glpat-" + g.alnum(20, base62)
}

func (g *gen) uuid() string {
	h := g.alnum(32, hexLow)
	return h[:8] + "-" + h[8:12] + "-4" + h[13:16] + "-" + string("89ab"[g.r.IntN(4)]) + h[17:20] + "-" + h[20:]
}

// isbn13 draws a valid ISBN-13 in hyphenated form.
func (g *gen) isbn13() string {
	d := "978" + g.digits(9)
	sum := 0
	for i, c := range d {
		w := 1
		if i%2 == 1 {
			w = 3
		}
		sum += w * int(c-'0')
	}
	d += fmt.Sprint((10 - sum%10) % 10)
	return d[:3] + "-" + d[3:4] + "-" + d[4:7] + "-" + d[7:12] + "-" + d[12:]
}

func (g *gen) money() string {
	switch g.r.IntN(4) {
	case 0:
		return fmt.Sprintf("$%d,%03d.%02d", 1+g.r.IntN(99), g.r.IntN(1000), g.r.IntN(100))
	case 1:
		return fmt.Sprintf("€%d,%02d", 1+g.r.IntN(999), g.r.IntN(100))
	case 2:
		return fmt.Sprintf("EUR %d.%03d,%02d", 1+g.r.IntN(99), g.r.IntN(1000), g.r.IntN(100))
	}
	return fmt.Sprintf("USD %d", 1000+g.r.IntN(90000))
}
