package output

import (
	"encoding/json"
	"io"

	"github.com/mlsec/mlsec/scan"
)

// jsonReport is the JSON document. Its shape is documented by
// docs/schemas/scan-report.schema.json and docs/output.md; fields are only
// ever added, never renamed or removed, within a major version.
type jsonReport struct {
	Tool     string            `json:"tool"`
	Version  string            `json:"version"`
	Summary  Summary           `json:"summary"`
	Findings []scan.Finding    `json:"findings"`
	Files    []scan.FileResult `json:"files"`
}

// WriteJSON writes rep as one indented JSON document. Empty lists are
// written as [] so consumers need no null checks.
func WriteJSON(w io.Writer, rep *scan.Report, o Options) error {
	doc := jsonReport{
		Tool:     rep.Tool,
		Version:  rep.Version,
		Summary:  Summarize(rep, o.FailOn),
		Findings: rep.Findings,
		Files:    rep.Files,
	}
	if doc.Findings == nil {
		doc.Findings = []scan.Finding{}
	}
	if doc.Files == nil {
		doc.Files = []scan.FileResult{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(doc)
}
