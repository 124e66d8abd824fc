package scan

import (
	"strings"
	"testing"

	asm "github.com/mlsec/mlsec/internal/pickleasm"
)

// TestPickleBrokenProtocol0 covers nullifAI on protocol 0: the call runs,
// then the stream breaks before STOP, so CPython executes the payload and
// raises. Such files used to sniff as text or unknown and pass. Each must
// report the call and the break, whatever the file is called.
func TestPickleBrokenProtocol0(t *testing.T) {
	t.Parallel()
	call := "cposix\nsystem\n(S'id'\ntR"
	cases := map[string]string{
		"no STOP":                 call,
		"garbage after the call":  call + "garbage\x00\xff\xfe",
		"truncated string after":  call + "S'unterminat",
		"printable opcodes after": call + "ZZZZ not a pickle at all",
		"text after":              call + "\nThis is a README.\n",
		"INST form":               "(S'id'\niposix\nsystem\nJUNK",
		"truncated string arg":    "cposix\nsystem\n(S'id",
	}
	for name, body := range cases {
		for _, file := range []string{"notes.txt", "model.bin", "data"} {
			t.Run(name+"/"+file, func(t *testing.T) {
				t.Parallel()
				rep := scanPickleBytes(t, file, []byte(body))
				if rep.Files[0].Format != FormatPickle {
					t.Fatalf("format %s, want pickle; findings:%s", rep.Files[0].Format, dump(rep))
				}
				if name == "truncated string arg" {
					// Nothing was called: the import ran, then the load broke.
					if f := findRule(rep, "PKL002", "posix.system"); f == nil || f.Severity != SeverityCritical {
						t.Fatalf("no critical PKL002 posix.system:%s", dump(rep))
					}
				} else if f := findRule(rep, "PKL001", "posix.system"); f == nil || f.Severity != SeverityCritical || f.Argument != "id" {
					t.Fatalf("no critical PKL001 posix.system('id'):%s", dump(rep))
				}
				if f := findRule(rep, "PKL007", ""); f == nil || f.Severity != SeverityHigh {
					t.Fatalf("no PKL007 for the break:%s", dump(rep))
				}
			})
		}
	}
}

// TestPickleProtocolHeaders: a stream starting with \x80 and a protocol
// number the 2-5 magic check does not accept is still analysed: 0 and 1
// are valid (CPython loads them), above 5 is an evasion attempt (PKL014).
func TestPickleProtocolHeaders(t *testing.T) {
	t.Parallel()
	call := asm.New(-1).Global("os", "system").Mark().BinUnicode("id").Tuple().Reduce().Stop().Bytes()
	for _, c := range []struct {
		name  string
		proto byte
		bad   bool
	}{{"proto 0", 0, false}, {"proto 1", 1, false}, {"proto 6", 6, true}, {"proto 255", 255, true}} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := append([]byte{0x80, c.proto}, call...)
			rep := scanPickleBytes(t, "weights.dat", b)
			if f := findRule(rep, "PKL001", "os.system"); f == nil || f.Severity != SeverityCritical {
				t.Fatalf("no PKL001 os.system:%s", dump(rep))
			}
			f := findRule(rep, "PKL014", "")
			if c.bad != (f != nil) {
				t.Fatalf("PKL014 reported %v, want %v:%s", f != nil, c.bad, dump(rep))
			}
			if f != nil && (f.Severity != SeverityHigh || f.Offset != 0 || !strings.Contains(f.Message, "PROTO")) {
				t.Errorf("PKL014: %+v", f)
			}
		})
	}
	// A benign body behind a bad protocol is still flagged.
	rep := scanPickleBytes(t, "x.dat", append([]byte{0x80, 9}, asm.New(-1).EmptyDict().Stop().Bytes()...))
	if findRule(rep, "PKL014", "") == nil {
		t.Fatalf("benign body behind PROTO 9:%s", dump(rep))
	}
}

// TestPickleDeepNesting: a million-deep nested list (both ways of building
// it) is reported as PKL015 without running out of memory (the memory
// bound is measured by BenchmarkDeepNesting in package pickle).
func TestPickleDeepNesting(t *testing.T) {
	t.Parallel()
	const n = 1_000_000
	marks := strings.Repeat("(", n) + "]" + strings.Repeat("l", n) + "."
	appends := "\x80\x02" + strings.Repeat("]", n) + strings.Repeat("a", n-1) + "."
	for name, b := range map[string]string{"marks": marks, "appends": appends} {
		t.Run(name, func(t *testing.T) {
			rep := scanPickleBytes(t, "deep.pkl", []byte(b))
			f := findRule(rep, "PKL015", "")
			if f == nil || f.Severity != SeverityMedium {
				t.Fatalf("no PKL015:%s", dump(rep))
			}
		})
	}
	// Ordinary nesting is quiet.
	ok := strings.Repeat("(", 200) + "]" + strings.Repeat("l", 200) + "."
	if rep := scanPickleBytes(t, "ok.pkl", []byte(ok)); findRule(rep, "PKL015", "") != nil {
		t.Fatalf("200-deep list reported:%s", dump(rep))
	}
}
