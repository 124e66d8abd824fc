package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const piiLog = `{"id":"r1","request":{"prompt":"I'm Maria Schmidt, card 4111 1111 1111 1111"},"response":{"output":"ok"}}
{"request":{"prompt":"what is 2+2?"},"response":{"output":"4"}}
{"request":{"prompt":"mail ana@example.com"}, broken
`

func TestPIIScanJSON(t *testing.T) {
	dir := writeFiles(t, map[string]string{"log.jsonl": piiLog, "clean.jsonl": `{"request":{"prompt":"hello"}}` + "\n"})
	out, stderr, code := scanCLI(t, "pii", "scan", filepath.Join(dir, "log.jsonl"), "--format", "json", "--fields", "request.prompt,response.output")
	if code != ExitFindings {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	var rep struct {
		OffsetUnit string `json:"offset_unit"`
		Records    []struct {
			ID    any `json:"id"`
			Spans []struct {
				Field  string  `json:"field"`
				Start  int     `json:"start"`
				End    int     `json:"end"`
				Entity string  `json:"entity_type"`
				Score  float64 `json:"score"`
			} `json:"spans"`
			Error string `json:"error"`
		} `json:"records"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err, out)
	}
	if rep.OffsetUnit != "codepoint" || len(rep.Records) != 3 {
		t.Fatalf("report %+v", rep)
	}
	r0 := rep.Records[0]
	if r0.ID != "r1" || len(r0.Spans) != 2 || r0.Spans[0].Field != "request.prompt" || r0.Spans[0].Entity != "PERSON" || r0.Spans[1].Entity != "CREDIT_CARD" {
		t.Errorf("record 1 %+v", r0)
	}
	if rep.Records[1].ID != float64(2) || len(rep.Records[1].Spans) != 0 {
		t.Errorf("record 2 (id from the line number) %+v", rep.Records[1])
	}
	if rep.Records[2].Error == "" || rep.Records[2].Spans[0].Field != "text" {
		t.Errorf("malformed record %+v", rep.Records[2])
	}
	if strings.Contains(out, "Maria") || strings.Contains(out, "4111") {
		t.Error("the report holds values")
	}
	// Nothing found: exit 0.
	if out, _, code := scanCLI(t, "pii", "scan", filepath.Join(dir, "clean.jsonl")); code != ExitOK || !strings.Contains(out, "No personal data") {
		t.Errorf("clean file: exit %d, %s", code, out)
	}
}

func TestPIIScanFormatsAndErrors(t *testing.T) {
	dir := writeFiles(t, map[string]string{"notes.txt": "Call me on +44 20 7946 0958.\n"})
	out, _, code := scanCLI(t, "pii", "scan", filepath.Join(dir, "notes.txt"), "--format", "sarif")
	if code != ExitFindings || !strings.Contains(out, `"ruleId": "PII/PHONE_NUMBER"`) || !strings.Contains(out, `"version": "2.1.0"`) || strings.Contains(out, "7946") {
		t.Errorf("sarif: exit %d\n%s", code, out)
	}
	out, _, code = scanCLI(t, "pii", "scan", filepath.Join(dir, "notes.txt"))
	if code != ExitFindings || !strings.Contains(out, "PHONE_NUMBER") {
		t.Errorf("table: exit %d\n%s", code, out)
	}
	for _, args := range [][]string{
		{"pii", "scan"},
		{"pii", "scan", filepath.Join(dir, "missing.txt")},
		{"pii", "scan", dir},
		{"pii", "scan", filepath.Join(dir, "notes.txt"), "--format", "xml"},
		{"pii", "scan", filepath.Join(dir, "notes.txt"), "--entities", "NOPE"},
		{"pii", "scan", filepath.Join(dir, "notes.txt"), "--fields", "a..b"},
		{"pii", "scan", filepath.Join(dir, "notes.txt"), "--threshold", "2"},
		{"pii", "redact", filepath.Join(dir, "notes.txt"), "--operator", "PERSON=shred"},
		{"pii", "redact", filepath.Join(dir, "notes.txt"), "--operator", "PERSON=pseudonym", "--key-env", "MLSEC_TEST_UNSET_KEY"},
	} {
		if _, stderr, code := scanCLI(t, args...); code != ExitUsage || stderr == "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
	}
}

func TestPIIRedactAndDecrypt(t *testing.T) {
	dir := writeFiles(t, map[string]string{"log.jsonl": piiLog, "pii.key": "0123456789abcdef0123456789abcdef\n"})
	in, out, clear := filepath.Join(dir, "log.jsonl"), filepath.Join(dir, "out.jsonl"), filepath.Join(dir, "clear.jsonl")
	key := filepath.Join(dir, "pii.key")
	_, stderr, code := scanCLI(t, "pii", "redact", in, "--operator", "PERSON=encrypt", "--operator", "CREDIT_CARD=mask:4",
		"--operator", "*=pseudonym", "--key-file", key, "-o", out)
	if code != ExitFindings || !strings.Contains(stderr, "malformed JSON") {
		t.Fatalf("exit %d (the broken line makes it 1), stderr %s", code, stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got := string(b)
	for _, leak := range []string{"Maria", "4111 1111 1111 1111", "ana@example.com"} {
		if strings.Contains(got, leak) {
			t.Errorf("%q left in %s", leak, got)
		}
	}
	if !strings.Contains(got, "***************1111") || !strings.Contains(got, "<ENC:PERSON:") || !strings.Contains(got, "<EMAIL_ADDRESS_") {
		t.Errorf("operators not applied: %s", got)
	}
	if !json.Valid([]byte(strings.SplitN(got, "\n", 2)[0])) {
		t.Errorf("first line no longer JSON: %s", got)
	}
	// The key holder gets the names back; nobody else does.
	if _, stderr, code := scanCLI(t, "pii", "decrypt", out, "--key-file", key, "-o", clear); code != ExitOK {
		t.Fatalf("decrypt: exit %d %s", code, stderr)
	}
	if b, _ := os.ReadFile(clear); !strings.Contains(string(b), "Maria Schmidt") {
		t.Errorf("decrypted: %s", b)
	}
	other := filepath.Join(dir, "other.key")
	os.WriteFile(other, []byte("another-key-another-key-another"), 0o600)
	if _, _, code := scanCLI(t, "pii", "decrypt", out, "--key-file", other); code != ExitFindings {
		t.Errorf("wrong key: exit %d", code)
	}
	// The key never reaches the output or the messages.
	if strings.Contains(got+stderr, "0123456789abcdef") {
		t.Error("key material printed")
	}
	// Stdout when -o is not given; a text file is redacted as text.
	txt := filepath.Join(dir, "t.txt")
	os.WriteFile(txt, []byte("SSN 536-90-4399\n"), 0o644)
	if o, _, code := scanCLI(t, "pii", "redact", txt); code != ExitOK || o != "SSN <US_SSN>\n" {
		t.Errorf("text: exit %d %q", code, o)
	}
}

func TestPIIHelpNamesExitCodes(t *testing.T) {
	for _, sub := range []string{"scan", "redact", "decrypt"} {
		out, _, _ := scanCLI(t, "pii", sub, "--help")
		if !strings.Contains(out, "docs/exit-codes.md") {
			t.Errorf("pii %s --help does not point to docs/exit-codes.md", sub)
		}
	}
}
