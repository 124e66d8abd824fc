package pii

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/mlsec/mlsec/internal/sarif"
	"github.com/mlsec/mlsec/internal/version"
)

// A Report is the result of scanning one file: `mlsec pii scan` prints it.
// Offsets are code points into each field's text. It never holds the values
// found, only where they are, so a report is safe to share.
type Report struct {
	OffsetUnit string   `json:"offset_unit"` // always "codepoint"
	Records    []Record `json:"records"`
}

// NewReport returns an empty report.
func NewReport() *Report { return &Report{OffsetUnit: "codepoint", Records: []Record{}} }

// Found reports whether any record holds a span or could not be parsed.
func (r *Report) Found() bool {
	for _, rec := range r.Records {
		if len(rec.Spans) > 0 || rec.Error != "" {
			return true
		}
	}
	return false
}

// Counts returns the number of spans per entity type, in AllEntities
// order (custom types after, by name).
func (r *Report) Counts() []EntityCount {
	m := map[Entity]*EntityCount{}
	for _, rec := range r.Records {
		seen := map[Entity]bool{}
		for _, s := range rec.Spans {
			c := m[s.Entity]
			if c == nil {
				c = &EntityCount{Entity: s.Entity}
				m[s.Entity] = c
			}
			c.Spans++
			if !seen[s.Entity] {
				seen[s.Entity] = true
				c.Cells++
			}
		}
	}
	out := make([]EntityCount, 0, len(m))
	for _, c := range m {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool {
		ri, rj := entityIndex(out[i].Entity), entityIndex(out[j].Entity)
		if ri < 0 {
			ri = numEntities
		}
		if rj < 0 {
			rj = numEntities
		}
		if ri != rj {
			return ri < rj
		}
		return out[i].Entity < out[j].Entity
	})
	return out
}

// WriteJSON writes the report as JSON: {"offset_unit": "codepoint",
// "records": [{"id": ..., "spans": [{"field", "start", "end",
// "entity_type", "score"}]}]}.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// WriteTable writes one line per span, then the counts per entity type.
func (r *Report) WriteTable(w io.Writer, file string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	spans, bad := 0, 0
	for _, rec := range r.Records {
		spans += len(rec.Spans)
		if rec.Error != "" {
			bad++
		}
	}
	if spans > 0 {
		fmt.Fprintln(tw, "RECORD\tFIELD\tCHARS\tENTITY\tSCORE")
		for _, rec := range r.Records {
			for _, s := range rec.Spans {
				fmt.Fprintf(tw, "%s\t%s\t%d-%d\t%s\t%.2f\n", rec.ID, s.Field, s.Start, s.End, s.Entity, s.Score)
			}
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintln(w)
	}
	for _, rec := range r.Records {
		if rec.Error != "" {
			fmt.Fprintf(w, "record %s (line %d): %s\n", rec.ID, rec.Line, rec.Error)
		}
	}
	if spans == 0 {
		_, err := fmt.Fprintf(w, "No personal data or secrets found in %s (%d records).\n", file, len(r.Records))
		return err
	}
	var parts []string
	for _, c := range r.Counts() {
		parts = append(parts, fmt.Sprintf("%s %d", c.Entity, c.Spans))
	}
	_, err := fmt.Fprintf(w, "%s: %d spans in %d of %d records (%s); %d records not valid JSON.\n",
		file, spans, withSpans(r), len(r.Records), strings.Join(parts, ", "), bad)
	return err
}

func withSpans(r *Report) int {
	n := 0
	for _, rec := range r.Records {
		if len(rec.Spans) > 0 {
			n++
		}
	}
	return n
}

// sarifLevel: credentials and the numbers that move money or identify a
// person for life are errors; the rest warnings.
func sarifLevel(e Entity) string {
	switch e {
	case Secret, CreditCard, USSSN, IBAN:
		return sarif.LevelError
	}
	return sarif.LevelWarning
}

// WriteSARIF writes the report as a SARIF 2.1.0 log: one rule per entity
// type found, one result per span, located at the record's line of file.
// Messages give the record, field, offsets and score, never the value.
func (r *Report) WriteSARIF(w io.Writer, file, baseDir string, exitCode int) error {
	uri, base := sarif.ArtifactURI(file, baseDir)
	var rules []sarif.Rule
	index := map[Entity]int{}
	for _, c := range r.Counts() {
		index[c.Entity] = len(rules)
		desc := fmt.Sprintf("Personal data or a secret of type %s was found in the data.", c.Entity)
		rules = append(rules, sarif.Rule{
			ID:               "PII/" + string(c.Entity),
			Name:             "PersonalData" + sarif.RuleName(string(c.Entity)),
			ShortDescription: sarif.Text{Text: string(c.Entity) + " found"},
			FullDescription:  sarif.Text{Text: desc},
			Help: sarif.Help(desc, "remove or redact the value ('mlsec pii redact'), and rotate it if it is a secret",
				"See docs/pii.md.", "See [docs/pii.md](https://github.com/mlsec/mlsec/blob/main/docs/pii.md)."),
			HelpURI:              "https://github.com/mlsec/mlsec/blob/main/docs/pii.md",
			DefaultConfiguration: sarif.Config{Level: sarifLevel(c.Entity)},
			Properties:           map[string]any{"tags": []string{"security", "privacy"}},
		})
	}
	results := []sarif.Result{}
	for _, rec := range r.Records {
		for _, s := range rec.Spans {
			loc := sarif.FileLocations(uri, base)
			loc[0].PhysicalLocation.Region.StartLine = max(rec.Line, 1)
			if s.Line > 0 { // a span in a text file knows its own line
				loc[0].PhysicalLocation.Region.StartLine = s.Line
			}
			results = append(results, sarif.Result{
				RuleID:    "PII/" + string(s.Entity),
				RuleIndex: index[s.Entity],
				Level:     sarifLevel(s.Entity),
				Message: sarif.Text{Text: fmt.Sprintf("%s in record %s, field %s, code points %d-%d (score %.2f).",
					s.Entity, rec.ID, s.Field, s.Start, s.End, s.Score)},
				Locations: loc,
				PartialFingerprints: map[string]string{
					"mlsecPii/v1": sarif.Fingerprint("PII/"+string(s.Entity), uri, string(rec.ID)+"\x00"+s.Field, fmt.Sprint(s.Start)),
				},
				Properties: map[string]any{"record": rec.ID, "field": s.Field, "start": s.Start, "end": s.End, "score": s.Score},
			})
		}
	}
	return sarif.Write(w, sarif.Run{
		Tool: sarif.Tool{Driver: sarif.Driver{
			Name: "mlsec-pii", Version: version.String(), InformationURI: "https://github.com/mlsec/mlsec", Rules: sarif.Rules(rules),
		}},
		AutomationDetails: &sarif.Automation{ID: "mlsec/pii/"},
		Invocations:       []sarif.Invocation{{ExecutionSuccessful: true, ExitCode: exitCode}},
		Results:           results,
	})
}
