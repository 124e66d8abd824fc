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

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/mlsec/mlsec/scan"
	"github.com/mlsec/mlsec/sign"
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

func sampleReport() *scan.Report {
	return &scan.Report{
		Tool: "mlsec", Version: "1.2.3",
		Findings: []scan.Finding{
			{Path: "model.pkl", RuleID: "PKL001", Severity: scan.SeverityCritical, Message: "os.system call"},
			{Path: "model.zip", Member: "a/b.pkl", RuleID: "PKL005", Severity: scan.SeverityMedium, Message: "unknown global"},
		},
		Files: []scan.FileResult{
			{Path: "model.pkl", Status: scan.StatusScanned},
			{Path: "model.zip", Status: scan.StatusError},
			{Path: "README.md", Status: scan.StatusSkipped},
		},
	}
}

func sampleBOM() *cdx.BOM {
	b := cdx.NewBOM()
	b.SpecVersion = cdx.SpecVersion1_6
	ds := []cdx.MLDatasetChoice{{ComponentData: &cdx.ComponentData{Name: "imagenet"}}, {Ref: "ds-ref-2"}}
	lic := cdx.Licenses{{License: &cdx.License{ID: "Apache-2.0"}}}
	b.Components = &[]cdx.Component{{
		Type: cdx.ComponentTypeMachineLearningModel, Name: "resnet", Licenses: &lic,
		ModelCard: &cdx.MLModelCard{ModelParameters: &cdx.MLModelParameters{Task: "image-classification", Datasets: &ds}},
	}}
	return b
}

// records returns one record of each produced type.
func records(t *testing.T) []Record {
	t.Helper()
	sub := NewSubject("resnet", digestA)
	s, err := FromScan(sub, sampleReport(), now)
	if err != nil {
		t.Fatal(err)
	}
	v, err := FromVerify(sub, sign.MethodKey, &sign.Result{Method: "key", Signer: "key abcd", RootDigest: digestA, Verified: true}, nil, "1.2.3", now)
	if err != nil {
		t.Fatal(err)
	}
	b, err := FromBOM(sub, sampleBOM(), "1.2.3", now)
	if err != nil {
		t.Fatal(err)
	}
	return []Record{s, v, b}
}

func TestConstructors(t *testing.T) {
	recs := records(t)
	res, err := recs[0].DecodeResult()
	if err != nil {
		t.Fatal(err)
	}
	sr := res.(*ScanResult)
	if sr.MaxSeverity != "critical" || sr.Summary["critical"] != 1 || sr.Summary["medium"] != 1 || sr.Summary["high"] != 0 {
		t.Errorf("scan summary wrong: %+v", sr)
	}
	if sr.FilesScanned != 1 || sr.FilesErrored != 1 || sr.FilesSkipped != 1 || len(sr.Findings) != 2 || sr.Findings[1].Member != "a/b.pkl" {
		t.Errorf("scan files/findings wrong: %+v", sr)
	}
	if recs[0].Producer.Version != "1.2.3" || recs[0].Producer.Tool != "mlsec" || !recs[0].Timestamp.Equal(now) {
		t.Errorf("producer/timestamp wrong: %+v", recs[0])
	}
	res, _ = recs[1].DecodeResult()
	if vr := res.(*SignatureResult); !vr.Verified || vr.KeyID != "abcd" || vr.RootDigest != digestA || len(vr.Failures) != 0 {
		t.Errorf("signature result wrong: %+v", vr)
	}
	res, _ = recs[2].DecodeResult()
	br := res.(*BOMResult)
	if !br.HasLicense || br.Licenses[0] != "Apache-2.0" || strings.Join(br.Datasets, ",") != "imagenet,ds-ref-2" || br.SpecVersion != "1.6" {
		t.Errorf("bom result wrong: %+v", br)
	}
	if br.CompletenessScore <= 0 || br.CompletenessScore >= 100 || len(br.MissingFields) == 0 {
		t.Errorf("bom score not taken from bom.Score: %+v", br)
	}

	// A failed verification is recorded, not dropped.
	failed, err := FromVerify(NewSubject("resnet", digestA), sign.MethodKey, nil, sign.ErrWrongKey, "1", now)
	if err != nil {
		t.Fatal(err)
	}
	res, _ = failed.DecodeResult()
	if vr := res.(*SignatureResult); vr.Verified || len(vr.Failures) != 1 || !strings.Contains(vr.Failures[0], "different key") {
		t.Errorf("failed verification wrong: %+v", vr)
	}
	// Many findings are truncated but still counted.
	rep := &scan.Report{}
	for range MaxScanFindings + 5 {
		rep.Findings = append(rep.Findings, scan.Finding{RuleID: "X", Severity: scan.SeverityLow})
	}
	big, _ := FromScan(NewSubject("m", digestA), rep, now)
	res, _ = big.DecodeResult()
	if sr := res.(*ScanResult); len(sr.Findings) != MaxScanFindings || !sr.FindingsTruncated || sr.Summary["low"] != MaxScanFindings+5 {
		t.Errorf("truncation wrong: %d findings, truncated=%v", len(sr.Findings), sr.FindingsTruncated)
	}
}

func TestSchemaAcceptsProducedAndFixtures(t *testing.T) {
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
	items, err := ReadFile("testdata/valid/test.json", nil)
	if err != nil || len(items) != 1 || items[0].Source != "testdata/valid/test.json" || items[0].Signed {
		t.Fatalf("%+v %v", items, err)
	}
	if _, err := ReadFile("testdata/invalid/bad-digest.json", nil); err == nil || !strings.Contains(err.Error(), "bad-digest.json") {
		t.Errorf("error does not name the file: %v", err)
	}
}
