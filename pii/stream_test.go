package pii_test

import (
	"strings"
	"testing"

	"github.com/mlsec/mlsec/pii"
)

// streamRedact pushes text in chunks of the given sizes (cycled) and
// returns everything the stream wrote.
func streamRedact(t testing.TB, r *pii.Redactor, text string, sizes []int) (string, []pii.Span) {
	t.Helper()
	s := r.NewStream("", 0)
	var out strings.Builder
	var spans []pii.Span
	for i, k := 0, 0; i < len(text); k++ {
		n := min(max(sizes[k%len(sizes)], 1), len(text)-i)
		o, err := s.Push(text[i : i+n])
		if err != nil {
			t.Fatal(err)
		}
		out.WriteString(o)
		spans = append(spans, s.Spans()...)
		i += n
	}
	o, err := s.Close()
	if err != nil {
		t.Fatal(err)
	}
	out.WriteString(o)
	return out.String(), append(spans, s.Spans()...)
}

// leaks returns the batch spans whose values the stream wrote in clear (a
// value that the batch redaction also leaves somewhere is not a leak).
func leaks(t testing.TB, r *pii.Redactor, text, streamed string) []string {
	batch, spans, err := r.Redact(text)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range spans {
		v := text[s.ByteStart:s.ByteEnd]
		if strings.Contains(streamed, v) && !strings.Contains(batch, v) {
			out = append(out, string(s.Entity)+" "+v)
		}
	}
	return out
}

var streamSamples = []string{
	"Hi, my name is Maria Schmidt, card 4111 1111 1111 1111, mail maria.schmidt@example.com, call +44 20 7946 0958.",
	"Ship to 1600 Pennsylvania Avenue, Washington, DC 20500 before March 12, 2025. DOB: 1985-03-12.",
	"token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlc2lnbmF0dXJl and IBAN DE89 3704 0044 0532 0130 00",
	"password: hunter2!x; from 203.0.113.7; SSN 536-90-4399; Grüße aus Köln, Hauptstraße 5, 10115 Berlin 日本",
	"key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA3bX\nx9Zk2a\n-----END RSA PRIVATE KEY-----\nthanks",
}

// TestStreamEqualsBatch: whatever the chunking, the stream writes what the
// batch redactor writes for these texts.
func TestStreamEqualsBatch(t *testing.T) {
	t.Parallel()
	r, _ := pii.NewRedactor(defaultAnalyzer, nil, nil)
	for _, text := range streamSamples {
		want, _, _ := r.Redact(text)
		for _, sizes := range [][]int{{1}, {2}, {3}, {7}, {1, 5, 2}, {4, 13}, {64}, {1 << 20}} {
			got, _ := streamRedact(t, r, text, sizes)
			if got != want {
				t.Errorf("chunks %v:\n got  %q\n want %q", sizes, got, want)
			}
		}
		// Every split point of the text into two chunks.
		for i := 0; i <= len(text); i++ {
			if got, _ := streamRedact(t, r, text, []int{i, len(text)}); got != want {
				t.Errorf("split at %d: got %q", i, got)
				break
			}
		}
	}
}

func TestStreamHoldsBackAndReportsSpans(t *testing.T) {
	t.Parallel()
	r, _ := pii.NewRedactor(defaultAnalyzer, nil, nil)
	s := r.NewStream("", 16)
	if out, _ := s.Push("mail ana@exam"); out != "" {
		t.Fatalf("wrote %q before the address was complete", out)
	}
	out1, _ := s.Push("ple.com now, and more text follows here")
	out2, _ := s.Close()
	if got := out1 + out2; got != "mail <EMAIL_ADDRESS> now, and more text follows here" {
		t.Fatalf("got %q", got)
	}
	// Spans carry offsets into the whole stream.
	s = r.NewStream("", 0)
	s.Push("héllo\n")
	s.Push(strings.Repeat("x ", 100) + "ana@example.com")
	s.Close()
	sp := s.Spans()
	if len(sp) != 1 || sp[0].Start != 206 || sp[0].ByteStart != 207 || sp[0].Line != 2 {
		t.Fatalf("spans %+v", sp)
	}
}

// TestStreamOverlongKey: a private key longer than MaxHold, with no END
// yet, is written as one redaction and the rest swallowed up to END.
func TestStreamOverlongKey(t *testing.T) {
	t.Parallel()
	r, _ := pii.NewRedactor(defaultAnalyzer, nil, nil)
	s := r.NewStream("", 0)
	var out strings.Builder
	o, _ := s.Push("before -----BEGIN PRIVATE KEY-----\n")
	out.WriteString(o)
	line := strings.Repeat("QUJD", 16) + "\n"
	for i := 0; i < 2*pii.MaxHold/len(line); i++ {
		o, _ := s.Push(line)
		out.WriteString(o)
	}
	o, _ = s.Push("QUJD\n-----END PRIV")
	out.WriteString(o)
	o, _ = s.Push("ATE KEY----- after the key")
	out.WriteString(o)
	o, _ = s.Close()
	out.WriteString(o)
	got := out.String()
	if strings.Contains(got, "QUJD") || strings.Contains(got, "END PRIV") {
		t.Fatalf("key material written: %.200q", got)
	}
	if !strings.HasPrefix(got, "before <SECRET>") || !strings.HasSuffix(got, " after the key") {
		t.Fatalf("got %.200q", got)
	}
}

// TestStreamLongWord: a run without white space longer than MaxHold is
// cut, so memory stays bounded.
func TestStreamLongWord(t *testing.T) {
	t.Parallel()
	r, _ := pii.NewRedactor(defaultAnalyzer, nil, nil)
	s := r.NewStream("", 0)
	total := 0
	for i := 0; i < 3*pii.MaxHold/1024; i++ {
		o, err := s.Push(strings.Repeat("a", 1024))
		if err != nil {
			t.Fatal(err)
		}
		total += len(o)
	}
	if total == 0 {
		t.Fatal("nothing written after three times MaxHold")
	}
	o, _ := s.Close()
	if total+len(o) != 3*pii.MaxHold {
		t.Fatalf("wrote %d bytes of %d", total+len(o), 3*pii.MaxHold)
	}
}
