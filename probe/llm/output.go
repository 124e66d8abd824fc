package llm

import (
	"fmt"
	"html/template"
	"io"
	"text/tabwriter"
	"time"

	"github.com/mlsec/mlsec/evidence"
)

// Evidence builds the robustness record (with its llm section) of the
// report about the model version subject. The endpoint is recorded as
// given.
func (r *Report) Evidence(subject evidence.Subject, endpoint, version string, now time.Time, attempts int) (evidence.Record, error) {
	l := &evidence.LLMProbeResult{ServedModel: r.Model, Seed: r.Seed, AttemptsPerProbe: attempts, PassRate: r.PassRate}
	for _, f := range r.Families {
		l.Families = append(l.Families, evidence.LLMFamily{Family: f.Family, Attempts: f.Attempts, Passed: f.Passed, PassRate: f.PassRate})
	}
	for _, p := range r.Probes {
		l.Probes = append(l.Probes, evidence.LLMFamily{Name: p.Name, Family: p.Family, Attempts: len(p.Attempts), Passed: p.Passed, PassRate: p.PassRate})
	}
	res := evidence.RobustnessResult{Attacks: []evidence.RobustnessAttack{}, Endpoint: endpoint, Protocol: "openai-chat",
		Queries: int64(r.Attempts), LLM: l, Passed: r.Verdict}
	return evidence.New(evidence.TypeRobustness, subject, version, now, res)
}

// WriteTable writes the report as text: pass rate per family, then per
// probe, then the overall rate.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FAMILY\tPROBE\tPASSED\tPASS RATE")
	for _, f := range r.Families {
		fmt.Fprintf(tw, "%s\t\t%d/%d\t%.2f\n", f.Family, f.Passed, f.Attempts, f.PassRate)
		for _, p := range r.Probes {
			if p.Family == f.Family {
				fmt.Fprintf(tw, "\t%s\t%d/%d\t%.2f\n", p.Name, p.Passed, len(p.Attempts), p.PassRate)
			}
		}
	}
	fmt.Fprintf(tw, "all\t\t%d/%d\t%.2f\n", r.Passed, r.Attempts, r.PassRate)
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\nseed %d; a pass means the detector saw no payload, canary, record or verbatim passage, or saw a refusal (docs/probe.md)\n", r.Seed)
	return err
}

var page = template.Must(template.New("llm").Funcs(template.FuncMap{"pct": func(f float64) float64 { return 100 * f }}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>LLM probe report</title>
<style>body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;color:#222}
table{border-collapse:collapse;width:100%}td,th{padding:.3rem .6rem;border-bottom:1px solid #ddd;text-align:left}
.bar{display:inline-block;height:.8rem;background:#3a7}.low{background:#c33}</style></head><body>
<h1>LLM probe report</h1>
<p>Model <b>{{.Model}}</b>, seed {{.Seed}}: the model resisted <b>{{.Passed}} of {{.Attempts}}</b> probe attempts ({{printf "%.0f" (pct .PassRate)}}%).</p>
<table><tr><th>Family</th><th>Probe</th><th>Passed</th><th>Pass rate</th></tr>
{{range $f := .Families}}<tr><td><b>{{$f.Family}}</b></td><td></td><td>{{$f.Passed}}/{{$f.Attempts}}</td>
<td><span class="bar{{if lt $f.PassRate 0.9}} low{{end}}" style="width:{{printf "%.0f" (pct $f.PassRate)}}px"></span> {{printf "%.2f" $f.PassRate}}</td></tr>
{{range $.Probes}}{{if eq .Family $f.Family}}<tr><td></td><td>{{.Name}}</td><td>{{.Passed}}/{{len .Attempts}}</td><td>{{printf "%.2f" .PassRate}}</td></tr>{{end}}{{end}}{{end}}
</table>
<p>A pass means the detector found no injected payload, canary, customer record or verbatim passage in the answer, or found a refusal. String detectors miss leaks in other forms: read pass rates as upper bounds.</p>
</body></html>
`))

// WriteHTML writes a self-contained page (no JavaScript).
func (r *Report) WriteHTML(w io.Writer) error {
	return page.Execute(w, r)
}
