package evidence_test

// The core producers (scan, sign, bom) import evidence; evidence imports
// none of them. This external test runs the producers and checks what they
// build, and that it passes the record schema.

import (
	"bytes"
	"strings"
	"testing"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/mlsec/mlsec/bom"
	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/scan"
	"github.com/mlsec/mlsec/sign"
)

const digestA = "4f2c1e0b9a8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b"

var now = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

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

// produced returns one record of each type, built by the real producers.
func produced(t *testing.T) []evidence.Record {
	t.Helper()
	sub := evidence.NewSubject("resnet", digestA)
	s, err := scan.Evidence(sub, sampleReport(), now)
	if err != nil {
		t.Fatal(err)
	}
	v, err := sign.VerifyEvidence(sub, sign.MethodKey, &sign.Result{Method: "key", Signer: "key abcd", RootDigest: digestA, Verified: true}, nil, "1.2.3", now)
	if err != nil {
		t.Fatal(err)
	}
	b, err := bom.Evidence(sub, sampleBOM(), "1.2.3", now)
	if err != nil {
		t.Fatal(err)
	}
	return []evidence.Record{s, v, b}
}

func TestConstructors(t *testing.T) {
	t.Parallel()
	recs := produced(t)
	res, err := recs[0].DecodeResult()
	if err != nil {
		t.Fatal(err)
	}
	sr := res.(*evidence.ScanResult)
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
	if vr := res.(*evidence.SignatureResult); !vr.Verified || vr.KeyID != "abcd" || vr.RootDigest != digestA || len(vr.Failures) != 0 {
		t.Errorf("signature result wrong: %+v", vr)
	}
	res, _ = recs[2].DecodeResult()
	br := res.(*evidence.BOMResult)
	if !br.HasLicense || br.Licenses[0] != "Apache-2.0" || strings.Join(br.Datasets, ",") != "imagenet,ds-ref-2" || br.SpecVersion != "1.6" {
		t.Errorf("bom result wrong: %+v", br)
	}
	if br.CompletenessScore <= 0 || br.CompletenessScore >= 100 || len(br.MissingFields) == 0 {
		t.Errorf("bom score not taken from bom.Score: %+v", br)
	}

	// A failed verification is recorded, not dropped.
	failed, err := sign.VerifyEvidence(evidence.NewSubject("resnet", digestA), sign.MethodKey, nil, sign.ErrWrongKey, "1", now)
	if err != nil {
		t.Fatal(err)
	}
	res, _ = failed.DecodeResult()
	if vr := res.(*evidence.SignatureResult); vr.Verified || len(vr.Failures) != 1 || !strings.Contains(vr.Failures[0], "different key") {
		t.Errorf("failed verification wrong: %+v", vr)
	}
	// Many findings are truncated but still counted.
	rep := &scan.Report{}
	for range evidence.MaxScanFindings + 5 {
		rep.Findings = append(rep.Findings, scan.Finding{RuleID: "X", Severity: scan.SeverityLow})
	}
	big, _ := scan.Evidence(evidence.NewSubject("m", digestA), rep, now)
	res, _ = big.DecodeResult()
	if sr := res.(*evidence.ScanResult); len(sr.Findings) != evidence.MaxScanFindings || !sr.FindingsTruncated || sr.Summary["low"] != evidence.MaxScanFindings+5 {
		t.Errorf("truncation wrong: %d findings, truncated=%v", len(sr.Findings), sr.FindingsTruncated)
	}
}

func TestProducedRecordsPassTheSchema(t *testing.T) {
	t.Parallel()
	for _, r := range produced(t) {
		var buf bytes.Buffer
		if err := evidence.Write(&buf, r); err != nil {
			t.Fatal(err)
		}
		if err := evidence.SchemaCheck(t, buf.Bytes()); err != nil {
			t.Errorf("%s record fails the schema: %v\n%s", r.Type, err, buf.String())
		}
	}
}
