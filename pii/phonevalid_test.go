package pii

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// TestPhoneValidatorMatchesLibrary checks isValidPhone against
// phonenumbers.IsValidNumber: example numbers of every type of the regions
// the recognizer validates (and a few with leading zeros, several regions
// per country code or non-geographic codes), the same with their last
// digits changed, and random digit strings, with and without leading zeros.
func TestPhoneValidatorMatchesLibrary(t *testing.T) {
	t.Parallel()
	regions := []string{"US", "CA", "GB", "JE", "GG", "IM", "DE", "FR", "IN", "IT", "SM", "VA", "RU", "KZ", "CN", "JP", "AU", "BR", "NL", "CH", "AE", "NG"}
	types := []phonenumbers.PhoneNumberType{phonenumbers.FIXED_LINE, phonenumbers.MOBILE, phonenumbers.TOLL_FREE,
		phonenumbers.PREMIUM_RATE, phonenumbers.SHARED_COST, phonenumbers.VOIP, phonenumbers.PERSONAL_NUMBER,
		phonenumbers.PAGER, phonenumbers.UAN, phonenumbers.VOICEMAIL}
	rng := rand.New(rand.NewPCG(1, 2))
	var nums []*phonenumbers.PhoneNumber
	for _, r := range regions {
		for _, ty := range types {
			ex := phonenumbers.GetExampleNumberForType(r, ty)
			if ex == nil {
				continue
			}
			nums = append(nums, ex)
			nsn := phonenumbers.GetNationalSignificantNumber(ex)
			for range 20 {
				b := []byte(nsn)
				for k := max(0, len(b)-4); k < len(b); k++ {
					b[k] = byte('0' + rng.IntN(10))
				}
				nums = append(nums, build(ex.GetCountryCode(), string(b)))
			}
		}
	}
	for _, cc := range []int32{1, 7, 33, 39, 44, 49, 91, 86, 81, 61, 55, 800, 808, 870, 882, 883, 888, 979, 999, 0} {
		for range 400 {
			n := 4 + rng.IntN(12)
			b := make([]byte, n)
			for k := range b {
				b[k] = byte('0' + rng.IntN(10))
			}
			nums = append(nums, build(cc, string(b)))
		}
	}
	valid := 0
	for _, num := range nums {
		want := phonenumbers.IsValidNumber(num)
		if got := isValidPhone(num); got != want {
			t.Errorf("+%d %s: isValidPhone %v, libphonenumber %v", num.GetCountryCode(), phonenumbers.GetNationalSignificantNumber(num), got, want)
		}
		if want {
			valid++
		}
	}
	if valid < 200 {
		t.Errorf("only %d of %d numbers are valid: the comparison says little about valid numbers", valid, len(nums))
	}
}

// build makes a number as the parser would from a country code and the
// national significant number's digits.
func build(cc int32, nsn string) *phonenumbers.PhoneNumber {
	v, _ := strconv.ParseUint(nsn, 10, 64)
	num := &phonenumbers.PhoneNumber{CountryCode: &cc, NationalNumber: &v}
	if len(nsn) > 1 && nsn[0] == '0' {
		lead := true
		num.ItalianLeadingZero = &lead
		if z := leadingZeros([]byte(nsn)); z != 1 {
			num.NumberOfLeadingZeros = &z
		}
	}
	return num
}
