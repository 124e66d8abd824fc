package dataset

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/internal/sarif"
	"github.com/mlsec/mlsec/internal/version"
	"github.com/mlsec/mlsec/pii"
)

// Report is the result of Scan: one entry per file or archive member.
type Report struct {
	Root  string `json:"root"`
	Files []File `json:"files"`
}

// Errors returns the files that could not be fully analysed.
func (r *Report) Errors() []File {
	var out []File
	for _, f := range r.Files {
		if f.Error != "" {
			out = append(out, f)
		}
	}
	return out
}

// Found reports whether any column holds personal data or secrets.
func (r *Report) Found() bool {
	for _, f := range r.Files {
		for _, c := range f.Columns {
			if c.WithPII > 0 {
				return true
			}
		}
	}
	return false
}

// Sensitive returns the sensitive attributes found, as "file: column"
// names, in path order.
func (r *Report) Sensitive() []string {
	var out []string
	for _, f := range r.Files {
		for _, c := range f.Columns {
			if c.Sensitive != nil {
				out = append(out, c.Name)
			}
		}
	}
	return out
}

// Entities sums, per entity type, the values holding one across files.
func (r *Report) Entities() map[pii.Entity]int64 {
	m := map[pii.Entity]int64{}
	for _, f := range r.Files {
		for _, c := range f.Columns {
			for e, n := range c.Entities {
				m[e] += n
			}
		}
	}
	return m
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // samples read "<EMAIL_ADDRESS>", not "\u003cEMAIL_ADDRESS\u003e"
	return enc.Encode(r)
}

// WriteTable writes one line per column that holds personal data or is a
// sensitive attribute, then one per file error, then a summary.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FILE\tCOLUMN\tVALUES\tWITH PII\tENTITIES\tSENSITIVE\tSAMPLE (REDACTED)")
	shown := 0
	for _, f := range r.Files {
		for _, c := range f.Columns {
			if c.WithPII == 0 && c.Sensitive == nil {
				continue
			}
			shown++
			sens := "-"
			if c.Sensitive != nil {
				sens = c.Sensitive.Category + " (" + c.Sensitive.By + ")"
			}
			sample := "-"
			if len(c.Samples) > 0 {
				sample = c.Samples[0]
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d (%.1f%%)\t%s\t%s\t%s\n", f.Path, c.Name, c.Values, c.WithPII, 100*c.Share,
				entityList(c.Entities), sens, strings.ReplaceAll(sample, "\t", " "))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, f := range r.Errors() {
		fmt.Fprintf(w, "error: %s: %s\n", f.Path, f.Error)
	}
	rows := int64(0)
	for _, f := range r.Files {
		rows += f.Rows
	}
	fmt.Fprintf(w, "%d files, %d rows; %d columns with personal data or sensitive attributes; %d files not fully analysed\n",
		len(r.Files), rows, shown, len(r.Errors()))
	return nil
}

func entityList(m map[pii.Entity]int64) string {
	if len(m) == 0 {
		return "-"
	}
	keys := make([]string, 0, len(m))
	for e := range m {
		keys = append(keys, string(e))
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s:%d", k, m[pii.Entity(k)])
	}
	return strings.Join(parts, ",")
}

// WriteSARIF writes one result per column holding an entity type (rule
// DATA/PII/TYPE), per sensitive attribute (DATA/SENSITIVE, a note) and
// per file not fully analysed (DATA/ERROR, an error).
func (r *Report) WriteSARIF(w io.Writer, baseDir string, exitCode int) error {
	type key struct{ id, level, desc string }
	var rules []sarif.Rule
	index := map[string]int{}
	rule := func(k key) int {
		if i, ok := index[k.id]; ok {
			return i
		}
		index[k.id] = len(rules)
		rules = append(rules, sarif.Rule{
			ID: k.id, Name: sarif.RuleName(strings.ReplaceAll(k.id, "/", "_")),
			ShortDescription: sarif.Text{Text: k.desc}, FullDescription: sarif.Text{Text: k.desc},
			Help: sarif.Help(k.desc, "classify the dataset, restrict where it may be stored, and remove or redact columns the model does not need",
				"See docs/data.md.", "See [docs/data.md](https://github.com/mlsec/mlsec/blob/main/docs/data.md)."),
			HelpURI:              "https://github.com/mlsec/mlsec/blob/main/docs/data.md",
			DefaultConfiguration: sarif.Config{Level: k.level},
			Properties:           map[string]any{"tags": []string{"privacy", "data"}},
		})
		return index[k.id]
	}
	results := []sarif.Result{}
	add := func(k key, file, msg, member string) {
		name, _, _ := strings.Cut(file, "!")
		uri, base := sarif.ArtifactURI(joinRoot(r.Root, name), baseDir)
		results = append(results, sarif.Result{
			RuleID: k.id, RuleIndex: rule(k), Level: k.level, Message: sarif.Text{Text: msg},
			Locations:           sarif.FileLocations(uri, base),
			PartialFingerprints: map[string]string{"mlsecData/v1": sarif.Fingerprint(k.id, uri, file, member)},
			Properties:          map[string]any{"file": file, "column": member},
		})
	}
	for _, f := range r.Files {
		if f.Error != "" {
			add(key{"DATA/ERROR", sarif.LevelError, "A file could not be fully analysed"}, f.Path, f.Path+": "+f.Error, "")
		}
		for _, c := range f.Columns {
			for _, e := range sortedEntities(c.Entities) {
				lvl := sarif.LevelWarning
				if e == pii.Secret || e == pii.CreditCard || e == pii.USSSN || e == pii.IBAN {
					lvl = sarif.LevelError
				}
				add(key{"DATA/PII/" + string(e), lvl, string(e) + " found in a dataset column"}, f.Path,
					fmt.Sprintf("%s: column %s holds %s in %d of %d values.", f.Path, c.Name, e, c.Entities[e], c.Values), c.Name+"\x00"+string(e))
			}
			if c.Sensitive != nil {
				add(key{"DATA/SENSITIVE", sarif.LevelNote, "A column is a sensitive attribute"}, f.Path,
					fmt.Sprintf("%s: column %s is a sensitive attribute (%s): %s.", f.Path, c.Name, c.Sensitive.Category, c.Sensitive.Reason), c.Name)
			}
		}
	}
	return sarif.Write(w, sarif.Run{
		Tool: sarif.Tool{Driver: sarif.Driver{
			Name: "mlsec-data", Version: version.String(), InformationURI: "https://github.com/mlsec/mlsec", Rules: sarif.Rules(rules),
		}},
		AutomationDetails: &sarif.Automation{ID: "mlsec/data/"},
		Invocations:       []sarif.Invocation{{ExecutionSuccessful: len(r.Errors()) == 0, ExitCode: exitCode}},
		Results:           results,
	})
}

func joinRoot(root, rel string) string {
	if rel == "" || strings.HasSuffix(root, rel) {
		return root
	}
	return strings.TrimSuffix(root, "/") + "/" + rel
}

func sortedEntities(m map[pii.Entity]int64) []pii.Entity {
	out := make([]pii.Entity, 0, len(m))
	for e := range m {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Evidence turns a report into a "data" evidence record about subject (the
// dataset, named and bound to its OMS root digest). Complete is false when
// a file could not be fully analysed: policy treats that as a failure.
func Evidence(subject evidence.Subject, rep *Report, now time.Time) (evidence.Record, error) {
	res := Summary(rep)
	return evidence.New(evidence.TypeData, subject, version.String(), now, res)
}

// Summary is the "data" evidence result of a report (what the registry
// keeps on a dataset version).
func Summary(rep *Report) evidence.DataResult {
	res := evidence.DataResult{Files: len(rep.Files), Complete: len(rep.Errors()) == 0, Columns: []evidence.DataColumn{}, Entities: map[string]int64{}}
	for e, n := range rep.Entities() {
		res.Entities[string(e)] = n
	}
	for _, f := range rep.Files {
		res.Rows += f.Rows
		for _, c := range f.Columns {
			col := evidence.DataColumn{Name: c.Name, File: f.Path, SensitiveAttribute: c.Sensitive != nil}
			if c.Sensitive != nil {
				col.Category = c.Sensitive.Category
			}
			for e, n := range c.Entities {
				if col.Entities == nil {
					col.Entities = map[string]int64{}
				}
				col.Entities[string(e)] = n
			}
			res.Columns = append(res.Columns, col)
		}
	}
	return res
}
