package pii_test

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mlsec/mlsec/pii"
)

func fuzzSeeds(f *testing.F) {
	for _, s := range streamSamples {
		f.Add(s)
	}
	for _, s := range []string{
		"", "@", "a@b", "::", "1.2.3.4.5", "+", "(", "4111-1111-1111-1111-", "GB82 WEST", "-----BEGIN ",
		"eyJ.eyJ.", "12 March", "Mr.", "é@é.é", "\xff\xfe@x.com", "password=", "1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6",
		`{"a":"x@example.com","b":[1,"\u00e9"]}`, "0000-00-00T99:99", "PSC 1, Box 2\nAPO AE 09012",
	} {
		f.Add(s)
	}
}

// FuzzAnalyze: any input, no panic, and spans are in order, inside the
// text, not overlapping, with code point offsets that match the bytes.
func FuzzAnalyze(f *testing.F) {
	fuzzSeeds(f)
	a, _ := pii.New(pii.WithThreshold(0))
	f.Fuzz(func(t *testing.T, text string) {
		end := 0
		for _, s := range a.Analyze(text) {
			if s.ByteStart < end || s.ByteEnd > len(text) || s.ByteStart >= s.ByteEnd {
				t.Fatalf("span %+v out of order or outside %d bytes", s, len(text))
			}
			if utf8.RuneCountInString(text[:s.ByteStart]) != s.Start || s.End-s.Start != utf8.RuneCountInString(text[s.ByteStart:s.ByteEnd]) {
				t.Fatalf("code point offsets %+v", s)
			}
			if s.Score <= 0 || s.Score > 1 {
				t.Fatalf("score %v", s.Score)
			}
			end = s.ByteEnd
		}
	})
}

// FuzzJSON: the walker accepts exactly what encoding/json accepts, and a
// redacted document is valid JSON holding no value the analyzer found.
func FuzzJSON(f *testing.F) {
	fuzzSeeds(f)
	f.Add(`{"id": 1, "request": {"prompt": "call +44 20 7946 0958"}, "n": 4111111111111111}`)
	f.Add(`[{"t": "ana@example.com"}, {"t": "\ud83d\ude00 x"}]`)
	r, _ := pii.NewRedactor(defaultAnalyzer, nil, nil)
	f.Fuzz(func(t *testing.T, doc string) {
		out, res, err := r.RedactJSON([]byte(doc), nil)
		valid := json.Valid([]byte(doc))
		if (err == nil) != valid {
			t.Fatalf("walker error %v, encoding/json valid %v", err, valid)
		}
		if err != nil {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("redacted output is not JSON: %q", out)
		}
		var v any
		_ = json.Unmarshal([]byte(doc), &v)
		for _, s := range res.Spans {
			_ = s // spans index decoded values, checked by FuzzAnalyze
		}
		// Nothing found in the output means nothing left to redact.
		again, err := defaultAnalyzer.AnalyzeJSON(out, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range again.Spans {
			if s.Entity != pii.Person && s.Entity != pii.StreetAddress && s.Entity != pii.DateTime {
				// Replacing a span can make neighbours readable anew only
				// for the word-based types; the checksummed ones never.
				t.Fatalf("redacted output still holds %+v: %q", s, out)
			}
		}
	})
}

// FuzzStream is the streaming redactor's safety property: however the text
// is cut into chunks, the stream never writes in clear a value the batch
// analyzer finds in the same text.
func FuzzStream(f *testing.F) {
	for _, s := range streamSamples {
		f.Add(s, uint8(1), uint8(7))
		f.Add(s, uint8(3), uint8(40))
	}
	f.Add("x "+strings.Repeat("9", 30)+" mail a@example.com", uint8(2), uint8(5))
	r, _ := pii.NewRedactor(defaultAnalyzer, nil, nil)
	f.Fuzz(func(t *testing.T, text string, a, b uint8) {
		streamed, _ := streamRedact(t, r, text, []int{int(a), int(b)})
		if l := leaks(t, r, text, streamed); len(l) > 0 {
			t.Fatalf("stream wrote %q in clear\ntext %q\nstreamed %q", l, text, streamed)
		}
	})
}
