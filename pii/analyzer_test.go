package pii_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mlsec/mlsec/pii"
)

var defaultAnalyzer = func() *pii.Analyzer {
	a, err := pii.New()
	if err != nil {
		panic(err)
	}
	return a
}()

type found struct {
	entity pii.Entity
	text   string
}

func analyze(a *pii.Analyzer, text string) []found {
	var out []found
	for _, s := range a.Analyze(text) {
		out = append(out, found{s.Entity, text[s.ByteStart:s.ByteEnd]})
	}
	return out
}

// TestRecognizers pins what each recognizer finds (the span's exact text)
// in realistic sentences.
func TestRecognizers(t *testing.T) {
	t.Parallel()
	cases := []struct {
		text string
		want []found
	}{
		{"mail me at jane.doe+ml@example.co.uk today", []found{{pii.Email, "jane.doe+ml@example.co.uk"}}},
		{"call (415) 555-0132 or +44 20 7946 0958", []found{{pii.Phone, "(415) 555-0132"}, {pii.Phone, "+44 20 7946 0958"}}},
		{"mobile: 0151 23456789", []found{{pii.Phone, "0151 23456789"}}},
		{"tél 06 12 34 56 78", []found{{pii.Phone, "06 12 34 56 78"}}},
		{"phone +91 98765 43210", []found{{pii.Phone, "+91 98765 43210"}}},
		{"desk 212-736-5000x4587", []found{{pii.Phone, "212-736-5000x4587"}}},
		{"desk 212-736-5000 ext. 45", []found{{pii.Phone, "212-736-5000 ext. 45"}}},
		{"card 4111 1111 1111 1111 exp soon", []found{{pii.CreditCard, "4111 1111 1111 1111"}}},
		{"amex 3782-822463-10005", []found{{pii.CreditCard, "3782-822463-10005"}}},
		{"pay 5555555555554444", []found{{pii.CreditCard, "5555555555554444"}}},
		{"IBAN DE89 3704 0044 0532 0130 00 please", []found{{pii.IBAN, "DE89 3704 0044 0532 0130 00"}}},
		{"to GB82WEST12345698765432.", []found{{pii.IBAN, "GB82WEST12345698765432"}}},
		{"SSN 536-90-4399", []found{{pii.USSSN, "536-90-4399"}}},
		{"my ssn is 536904399", []found{{pii.USSSN, "536904399"}}},
		{"from 203.0.113.7:443", []found{{pii.IPAddress, "203.0.113.7"}}},
		{"host 2001:db8::8a2e:370:7334 down", []found{{pii.IPAddress, "2001:db8::8a2e:370:7334"}}},
		{"born on 12 March 1985", []found{{pii.DateOfBirth, "12 March 1985"}}},
		{"DOB: 1985-03-12", []found{{pii.DateOfBirth, "1985-03-12"}}},
		{"meeting on March 12, 2025 at noon", []found{{pii.DateTime, "March 12, 2025"}}},
		{"logged 2025-03-01T09:00:00Z", []found{{pii.DateTime, "2025-03-01T09:00:00Z"}}},
		{"ship to 1600 Pennsylvania Avenue, Washington, DC 20500", []found{{pii.StreetAddress, "1600 Pennsylvania Avenue, Washington, DC 20500"}}},
		{"flat at 10 Downing Street, London, SW1A 2AA", []found{{pii.StreetAddress, "10 Downing Street, London, SW1A 2AA"}}},
		{"Adresse: Hauptstraße 5, 10115 Berlin", []found{{pii.StreetAddress, "Hauptstraße 5, 10115 Berlin"}}},
		{"PSC 1234, Box 5678\nAPO AE 09012", []found{{pii.StreetAddress, "PSC 1234, Box 5678\nAPO AE 09012"}}},
		{"Hello, my name is Maria Schmidt.", []found{{pii.Person, "Maria Schmidt"}}},
		{"Dr. Garðar Matthíasson called", []found{{pii.Person, "Garðar Matthíasson"}}},
		{"key AKIAIOSFODNN7EXAMPLE leaked", []found{{pii.Secret, "AKIAIOSFODNN7EXAMPLE"}}},
		{"token ghp_0123456789abcdefghijABCDEFGHIJ012345", []found{{pii.Secret, "ghp_0123456789abcdefghijABCDEFGHIJ012345"}}},
		{"password=hunter2!x", []found{{pii.Secret, "hunter2!x"}}},
		{`{"api_key": "9f8e7d6c5b4a39281706f5e4d3c2b1a0"}`, []found{{pii.Secret, "9f8e7d6c5b4a39281706f5e4d3c2b1a0"}}},
		{"Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlc2lnbmF0dXJl", []found{{pii.Secret, "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlc2lnbmF0dXJl"}}},
		{"-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY----- end", []found{{pii.Secret, "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----"}}},
		{"cut: -----BEGIN PRIVATE KEY-----\nMIIEow", []found{{pii.Secret, "-----BEGIN PRIVATE KEY-----\nMIIEow"}}},
	}
	for _, c := range cases {
		got := analyze(defaultAnalyzer, c.text)
		if len(got) != len(c.want) {
			t.Errorf("%q: got %v, want %v", c.text, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%q: got %v, want %v", c.text, got, c.want)
			}
		}
	}
}

// TestDecoys: strings that look like personal data but are not must not be
// reported (checksums, ranges and context decide).
func TestDecoys(t *testing.T) {
	t.Parallel()
	for _, text := range []string{
		"upgrade to v1.2.3.4 now",
		"release 10.0.19041.1",
		"order ORD-1234567 and #88213377",
		"request 123e4567-e89b-12d3-a456-426614174000 failed",
		"sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"commit 3f786850e387550fdab836ed7e6dc881de23001b",
		"ISBN 978-3-16-148410-0",
		"total $1,249.99 or EUR 1.234,56",
		"card 4111 1111 1111 1112 was declined",
		"IBAN DE89 3704 0044 0532 0130 01 is wrong",
		"SSN 000-12-3456, 666-12-3456, 912-34-5678, 123-00-4567, 123-45-0000, 123-45-6789",
		"hosts 256.1.2.3, 10.0.300.1, 1.2.3 and 1.2.3.4.5",
		"the time is 10:11:12 and the MAC aa:bb:cc:dd:ee:ff",
		"Monday in May 2024 we met at the Chapter 5 session",
		// A model's scores (UCI Adult predictions: 0.427786 read as a
		// national phone number before).
		"score 0.427786, probability 0.9876543 and pi 3.1415926",
	} {
		if got := analyze(defaultAnalyzer, text); len(got) > 0 {
			t.Errorf("%q: reported %v", text, got)
		}
	}
}

func TestContextEnhancer(t *testing.T) {
	t.Parallel()
	// A bare 9-digit number scores 0.3: reported only with SSN context.
	if got := analyze(defaultAnalyzer, "ref 536904399"); len(got) != 0 {
		t.Errorf("bare number reported: %v", got)
	}
	spans := defaultAnalyzer.Analyze("social security 536904399")
	if len(spans) != 1 || spans[0].Score != 0.65 {
		t.Fatalf("with context: %+v, want one span scoring 0.3+0.35", spans)
	}
	// A field name is context too.
	if s := defaultAnalyzer.AnalyzeField("536904399", "customer_ssn"); len(s) != 1 {
		t.Errorf("field context: %+v", s)
	}
	// Decoy words lower the score: an IP after "version" is not reported.
	if got := analyze(defaultAnalyzer, "version 1.2.3.4"); len(got) != 0 {
		t.Errorf("version string reported: %v", got)
	}
	// The floor: a weak score with context is at least 0.4 (Presidio's rule).
	a, _ := pii.New(pii.WithThreshold(0.01))
	for _, s := range a.Analyze("dear Smith") {
		if s.Entity == pii.Person && s.Score != 0.65 {
			t.Errorf("person score %v, want 0.3+0.35", s.Score)
		}
	}
}

func TestOverlapKeepsBestThenLongest(t *testing.T) {
	t.Parallel()
	// The date of birth (0.85) wins over the same date as DATE_TIME (0.6).
	got := analyze(defaultAnalyzer, "date of birth 1985-03-12")
	if len(got) != 1 || got[0].entity != pii.DateOfBirth {
		t.Fatalf("got %v", got)
	}
	// An address with a unit and ZIP (0.8) covers its house number.
	got = analyze(defaultAnalyzer, "12 Main Street, Apt 4, Springfield, IL 62704")
	if len(got) != 1 || got[0].entity != pii.StreetAddress || got[0].text != "12 Main Street, Apt 4, Springfield, IL 62704" {
		t.Fatalf("got %v", got)
	}
}

func TestOffsetsAreCodePoints(t *testing.T) {
	t.Parallel()
	text := "Grüße, 日本 — mail: ana@example.com"
	spans := defaultAnalyzer.Analyze(text)
	if len(spans) != 1 {
		t.Fatalf("spans %+v", spans)
	}
	s := spans[0]
	if got := string([]rune(text)[s.Start:s.End]); got != "ana@example.com" {
		t.Errorf("code point slice %q", got)
	}
	if got := text[s.ByteStart:s.ByteEnd]; got != "ana@example.com" {
		t.Errorf("byte slice %q", got)
	}
	if s.Start == s.ByteStart {
		t.Errorf("code point and byte offsets should differ after non-ASCII text")
	}
	if utf8.RuneCountInString(text[:s.ByteStart]) != s.Start {
		t.Errorf("start %d", s.Start)
	}
}

func TestOptions(t *testing.T) {
	t.Parallel()
	a, err := pii.New(pii.WithEntities(pii.Email), pii.WithThreshold(0.9))
	if err != nil {
		t.Fatal(err)
	}
	if got := analyze(a, "x@example.com 4111 1111 1111 1111"); len(got) != 1 || got[0].entity != pii.Email {
		t.Errorf("got %v", got)
	}
	for _, o := range []pii.Option{pii.WithThreshold(1.5), pii.WithEntities(), pii.WithEntities("NOPE"), pii.WithPhoneRegions("XX"), pii.WithRecognizers(nil)} {
		if _, err := pii.New(o); !errors.Is(err, pii.ErrConfig) {
			t.Errorf("bad option accepted: %v", err)
		}
	}
	if _, err := pii.ParseEntity("email_address"); err != nil {
		t.Error(err)
	}
	if _, err := pii.ParseEntity("nope"); err == nil || !strings.Contains(err.Error(), "EMAIL_ADDRESS") {
		t.Errorf("error should list the names: %v", err)
	}
}

type employeeIDs struct{}

func (employeeIDs) Name() string           { return "employee_id" }
func (employeeIDs) Entities() []pii.Entity { return []pii.Entity{"EMPLOYEE_ID"} }
func (employeeIDs) Find(text string, dst []pii.Candidate) []pii.Candidate {
	for i := strings.Index(text, "EMP-"); i >= 0 && i+10 <= len(text); {
		dst = append(dst, pii.Candidate{Entity: "EMPLOYEE_ID", Start: i, End: i + 10, Score: 0.5, Context: []string{"employee"}})
		j := strings.Index(text[i+1:], "EMP-")
		if j < 0 {
			break
		}
		i += 1 + j
	}
	// A broken span is dropped, not trusted.
	return append(dst, pii.Candidate{Entity: "EMPLOYEE_ID", Start: 5, End: 2, Score: 1})
}

var _ pii.Recognizer = employeeIDs{}

func TestCustomRecognizer(t *testing.T) {
	t.Parallel()
	a, err := pii.New(pii.WithRecognizers(employeeIDs{}))
	if err != nil {
		t.Fatal(err)
	}
	got := a.Analyze("employee EMP-123456 joined")
	if len(got) != 1 || got[0].Entity != "EMPLOYEE_ID" || got[0].Score != 0.85 {
		t.Fatalf("got %+v", got)
	}
}
