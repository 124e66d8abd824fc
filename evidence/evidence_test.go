package evidence

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

const digestA = "4f2c1e0b9a8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b"

var now = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("../docs/schemas/evidence.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	id := doc.(map[string]any)["$id"].(string)
	if err := c.AddResource(id, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func schemaErr(s *jsonschema.Schema, data []byte) error {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return err
	}
	return s.Validate(inst)
}

// records returns one record of each type the core producers write, with
// results as scan.Evidence, sign.VerifyEvidence and bom.Evidence build them
// (producers_test.go runs the producers themselves; evidence imports none
// of them).
func records(t *testing.T) []Record {
	t.Helper()
	sub := NewSubject("resnet", digestA)
	scanRes := ScanResult{
		Summary:     map[string]int{"info": 0, "low": 0, "medium": 1, "high": 0, "critical": 1},
		MaxSeverity: "critical",
		Findings: []ScanFinding{
			{RuleID: "PKL001", Severity: "critical", Path: "model.pkl", Message: "os.system call"},
			{RuleID: "PKL005", Severity: "medium", Path: "model.zip", Member: "a/b.pkl", Message: "unknown global"},
		},
		FilesScanned: 1, FilesSkipped: 1, FilesErrored: 1,
	}
	sigRes := SignatureResult{Verified: true, Status: StatusVerified, Method: "key", KeyID: "abcd", RootDigest: digestA, Failures: []string{}}
	bomRes := BOMResult{CompletenessScore: 45, MissingFields: []string{"version"}, HasLicense: true, Licenses: []string{"Apache-2.0"},
		Datasets: []string{"imagenet", "ds-ref-2"}, Format: "CycloneDX", SpecVersion: "1.6"}
	var out []Record
	for _, r := range []struct {
		typ string
		res any
	}{{TypeScan, scanRes}, {TypeSignature, sigRes}, {TypeBOM, bomRes}} {
		rec, err := New(r.typ, sub, "1.2.3", now, r.res)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rec)
	}
	return out
}

func TestSchemaAcceptsProducedAndFixtures(t *testing.T) {
	t.Parallel()
	s := compileSchema(t)
	recs := records(t)
	for _, r := range recs {
		var buf bytes.Buffer
		if err := Write(&buf, r); err != nil {
			t.Fatal(err)
		}
		if err := schemaErr(s, buf.Bytes()); err != nil {
			t.Errorf("%s record fails the schema: %v\n%s", r.Type, err, buf.String())
		}
	}
	var buf bytes.Buffer
	if err := WriteAll(&buf, recs); err != nil {
		t.Fatal(err)
	}
	if err := schemaErr(s, buf.Bytes()); err != nil {
		t.Errorf("array fails the schema: %v", err)
	}
	got, err := Read(&buf)
	if err != nil || len(got) != 3 || got[2].Type != TypeBOM {
		t.Fatalf("Read(array) = %d records, %v", len(got), err)
	}
	files, _ := filepath.Glob("testdata/valid/*.json")
	if len(files) < 5 {
		t.Fatal("fixtures missing")
	}
	for _, f := range files {
		data, _ := os.ReadFile(f)
		if err := schemaErr(s, data); err != nil {
			t.Errorf("%s: schema: %v", f, err)
		}
		if _, err := Read(bytes.NewReader(data)); err != nil {
			t.Errorf("%s: Read: %v", f, err)
		}
	}
}

func TestInvalidRejectedBySchemaAndValidate(t *testing.T) {
	t.Parallel()
	s := compileSchema(t)
	files, _ := filepath.Glob("testdata/invalid/*.json")
	if len(files) < 5 {
		t.Fatal("fixtures missing")
	}
	for _, f := range files {
		data, _ := os.ReadFile(f)
		if err := schemaErr(s, data); err == nil {
			t.Errorf("%s: schema accepted it", f)
		}
		if _, err := Read(bytes.NewReader(data)); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: Read error = %v, want ErrInvalid", f, err)
		}
	}
	for name, in := range map[string]string{
		"empty":    "",
		"garbage":  "not json",
		"trailing": `[] []`,
		"emptyarr": `[]`,
		"number":   `42`,
	} {
		if _, err := Read(strings.NewReader(in)); err == nil {
			t.Errorf("%s: Read accepted %q", name, in)
		}
	}
}

func TestRecordRoundTrip(t *testing.T) {
	t.Parallel()
	r := records(t)[0]
	var buf bytes.Buffer
	if err := Write(&buf, r); err != nil {
		t.Fatal(err)
	}
	got, err := Read(&buf)
	if err != nil || len(got) != 1 {
		t.Fatal(err)
	}
	a, _ := json.Marshal(r)
	b, _ := json.Marshal(got[0])
	if !bytes.Equal(a, b) {
		t.Errorf("round trip changed the record:\n%s\n%s", a, b)
	}
	bad := r
	bad.Subject = NewSubject("", digestA)
	if err := Write(&buf, bad); !errors.Is(err, ErrInvalid) {
		t.Errorf("Write accepted a record without subject name: %v", err)
	}
}

func TestReadFileSetsSource(t *testing.T) {
	t.Parallel()
	items, err := ReadFile("testdata/valid/test.json", nil)
	if err != nil || len(items) != 1 || items[0].Source != "testdata/valid/test.json" || items[0].Signed {
		t.Fatalf("%+v %v", items, err)
	}
	if _, err := ReadFile("testdata/invalid/bad-digest.json", nil); err == nil || !strings.Contains(err.Error(), "bad-digest.json") {
		t.Errorf("error does not name the file: %v", err)
	}
}
