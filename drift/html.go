package drift

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
	"sync"

	"github.com/mlsec/mlsec/internal/chart"
)

// WriteHTML writes the report as a self-contained page for people: the
// verdict in a sentence, a table of every column, then per tested column
// the reason in words, the bin or category that moved most and a
// histogram of the reference against the current data (server-side SVG,
// no script).
func WriteHTML(w io.Writer, rep *Report) error {
	p := htmlPage{R: rep}
	for i := range rep.Columns {
		c := &rep.Columns[i]
		hc := htmlColumn{C: c, Verdict: verdictWord(c), Change: changeSentence(c.Distribution)}
		if c.Status == StatusTested && c.Distribution != nil {
			hc.Chart = columnChart(rep, c)
		}
		p.Columns = append(p.Columns, hc)
	}
	return htmlTemplate().Execute(w, p)
}

type htmlPage struct {
	R       *Report
	Columns []htmlColumn
}

type htmlColumn struct {
	C       *ColumnResult
	Verdict string
	Change  string
	Chart   template.HTML
}

func verdictWord(c *ColumnResult) string {
	switch {
	case c.Status != StatusTested:
		return "not tested"
	case c.Drift:
		return "drifted"
	}
	return "stable"
}

// changeSentence says in words which bin or category moved most.
func changeSentence(d *Distribution) string {
	c, ok := d.LargestChange()
	if !ok {
		return ""
	}
	return fmt.Sprintf("Largest change: %s, %.1f%% of the reference, %.1f%% of the current data.", c.Label, 100*c.Reference, 100*c.Current)
}

// histogram draws one column's distribution of both tables.
func columnChart(rep *Report, c *ColumnResult) template.HTML {
	d := c.Distribution
	h := chart.Histogram{
		Title: c.Column + ": share of values per " + map[bool]string{true: "category", false: "range"}[d.Categories != nil],
		Series: []chart.Series{
			{Name: "reference", Values: d.Reference},
			{Name: "current", Values: d.Current},
		},
		Desc:  "reference: " + rep.Reference.Name + "; current: " + rep.Current.Name,
		Width: 860,
	}
	if d.Categories != nil {
		h.Categories = d.Categories
		if d.OtherReference > 0 || d.OtherCurrent > 0 {
			// The categories left out of the chart, together.
			h.Categories = append(append([]string(nil), d.Categories...), "other")
			h.Series[0].Values = append(append([]float64(nil), d.Reference...), d.OtherReference)
			h.Series[1].Values = append(append([]float64(nil), d.Current...), d.OtherCurrent)
		}
	} else {
		h.Edges = d.Edges
	}
	return h.SVG()
}

func scoreText(s Score) string {
	f := float64(s)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "n/a"
	}
	return strconv.FormatFloat(f, 'g', 4, 64)
}

// Parsed on first use, not at start-up: every mlsec command links this
// package and most never render HTML.
var htmlTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("drift").Funcs(template.FuncMap{
		"score": scoreText,
		"pct":   func(f float64) string { return fmt.Sprintf("%.1f%%", 100*f) },
	}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Data drift: {{.R.Current.Name}} against {{.R.Reference.Name}}</title>
<style>
body{font-family:-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif;max-width:62rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a;line-height:1.45}
h1{font-size:1.5rem;color:#1f4e79}h2{font-size:1.15rem;margin:2rem 0 .3rem;color:#1f4e79}
table{border-collapse:collapse;width:100%;margin:1rem 0}th,td{border-bottom:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f2f5f9}.drifted{color:#8a1010;font-weight:bold}.stable{color:#0a5c0a}.nottested{color:#5a5a5a}
.verdict{font-size:1.1rem;padding:.6rem .8rem;border-left:5px solid #0a5c0a;background:#f3f8f3}
.verdict.drifted{border-color:#8a1010;background:#fbf2f2}
.note{color:#444;font-size:.92rem}svg{max-width:100%;height:auto}section{page-break-inside:avoid}
</style></head>
<body>
<h1>Data drift: {{.R.Current.Name}} ({{.R.Current.Rows}} rows) against {{.R.Reference.Name}} ({{.R.Reference.Rows}} rows)</h1>
<p class="verdict{{if .R.DatasetDrift}} drifted{{end}}">{{if .R.DatasetDrift}}The data has drifted: {{else}}No dataset drift: {{end}}{{.R.NumberOfDriftedColumns}} of {{.R.NumberOfColumns}} tested columns drifted ({{pct .R.ShareOfDriftedColumns}}; the data as a whole counts as drifted when {{pct .R.DriftShare}} of the columns drift).{{if not .R.Complete}} Some columns could not be tested: see below.{{end}}</p>
<p class="note">How to read this page: for each column, the reference data (for example the data the model was trained on) is compared with the current data.
A statistical test or distance decides whether the column changed more than chance explains (&ldquo;drifted&rdquo;); the chart below each column shows how often values fall in each range or category in both tables, so you can see what moved.</p>
<table><thead><tr><th>Column</th><th>Type</th><th>Verdict</th><th>Why</th><th>PSI</th></tr></thead><tbody>
{{range $i, $c := .Columns}}<tr><td>{{if .Chart}}<a href="#col-{{$i}}">{{.C.Column}}</a>{{else}}{{.C.Column}}{{end}}{{if .C.Role}} ({{.C.Role}}){{end}}</td><td>{{.C.Type}}</td>
<td class="{{if eq .Verdict "drifted"}}drifted{{else if eq .Verdict "stable"}}stable{{else}}nottested{{end}}">{{.Verdict}}</td>
<td>{{if eq .C.Status "tested"}}{{.C.Why}}{{else}}{{.C.Reason}}{{end}}</td><td>{{score .C.PSI}}</td></tr>
{{end}}</tbody></table>
{{range $i, $c := .Columns}}{{if .Chart}}<section id="col-{{$i}}"><h2>{{.C.Column}}: <span class="{{.Verdict}}">{{.Verdict}}</span></h2>
<p>{{.C.Why}}.{{if .Change}} {{.Change}}{{end}}</p>
{{.Chart}}</section>
{{end}}{{end}}
<p class="note">Methods, thresholds and binning follow Evidently 0.7 (docs/drift.md). PSI is the population stability index on the same bins, given for every column. Produced by mlsec.</p>
</body></html>
`))
})
