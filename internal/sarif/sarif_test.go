package sarif

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

func TestArtifactURI(t *testing.T) {
	t.Parallel()
	base := filepath.Join(string(filepath.Separator), "work", "repo")
	cases := []struct{ in, uri, baseID string }{
		{"./a/b.pkl", "a/b.pkl", "%SRCROOT%"},
		{"a b/#c?.pt", "a%20b/%23c%3F.pt", "%SRCROOT%"},
		{"c:model.pt", "c%3Amodel.pt", "%SRCROOT%"},
		{filepath.Join(base, "m", "x.pt"), "m/x.pt", "%SRCROOT%"},
		{"/elsewhere/x y.pt", "file:///elsewhere/x%20y.pt", ""},
		{filepath.Join(base, "..", "sibling.pt"), "file:///work/sibling.pt", ""},
		{"../up.pt", "../up.pt", "%SRCROOT%"},
	}
	for _, c := range cases {
		uri, id := ArtifactURI(c.in, base)
		if uri != c.uri || id != c.baseID {
			t.Errorf("ArtifactURI(%q) = %q %q, want %q %q", c.in, uri, id, c.uri, c.baseID)
		}
	}
}

func TestFingerprint(t *testing.T) {
	t.Parallel()
	a := Fingerprint("PKL001", "a", "m", "os.system")
	if len(a) != 32 || a != Fingerprint("PKL001", "a", "m", "os.system") {
		t.Fatalf("fingerprint %q not 32 stable hex digits", a)
	}
	// The separator keeps field boundaries: "ab"+"c" differs from "a"+"bc".
	if Fingerprint("R", "ab", "c", "") == Fingerprint("R", "a", "bc", "") {
		t.Error("fingerprint ignores field boundaries")
	}
}

// TestWriteShape pins field order and omitempty: no automationDetails or
// run properties unless set, no markdown or suppressions when empty, and
// no HTML escaping.
func TestWriteShape(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	run := Run{
		Tool:        Tool{Driver: Driver{Name: "x", InformationURI: "https://e/?a=1&b=<2>", Rules: []Rule{}}},
		Invocations: []Invocation{{ExecutionSuccessful: true}},
		Results:     []Result{{RuleID: "R1", Level: LevelNote, Message: Text{Text: "m"}, Locations: FileLocations("f", SrcRoot), Properties: map[string]any{}}},
	}
	if err := Write(&buf, run); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, bad := range []string{"automationDetails", "markdown", "suppressions", `"version": ""`, `\u0026`} {
		if strings.Contains(out, bad) {
			t.Errorf("output contains %q:\n%s", bad, out)
		}
	}
	for _, want := range []string{`"$schema": "` + SchemaURI + `"`, `"version": "2.1.0"`, `"uriBaseId": "%SRCROOT%"`, `"startLine": 1`, `a=1&b=<2>`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Index(out, `"tool"`) > strings.Index(out, `"invocations"`) || strings.Index(out, `"invocations"`) > strings.Index(out, `"results"`) {
		t.Errorf("run fields out of order:\n%s", out)
	}
	h := Help("d", "r", "t", "*m*")
	if h.Text != "d\n\nWhat to do: r\n\nt" || h.Markdown != "d\n\n**What to do:** r\n\n*m*" {
		t.Errorf("Help = %+v", h)
	}
}
