package report

import (
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strings"
	"sync"
	"time"
)

//go:embed templates/report.html.tmpl templates/report.css
var templates embed.FS

// Parsed on first use, not at start-up: every mlsec command links this
// package and most never render HTML.
var page = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("report.html.tmpl").Funcs(template.FuncMap{
		"date":     plainDate,
		"datetime": plainDateTime,
		"dateptr": func(t *time.Time) string {
			if t == nil {
				return "not decided"
			}
			return plainDateTime(*t)
		},
		"join":        joinOr,
		"badge":       badge,
		"label":       statusLabel,
		"action":      actionLabel,
		"state":       requestLabel,
		"trust":       trustLabel,
		"short":       shortDigest,
		"deref":       func(t *time.Time) time.Time { return *t },
		"who":         who,
		"stageOwners": stageOwners,
		"icon":        icon,
		"statusClass": requestClass,
		"metricValue": metricValue,
		"trendCharts": trendCharts,
		"driftCharts": driftCharts,
		"approval":    DataApproval,
		"pii":         DataPII,
		"css":         func() template.CSS { return template.CSS(mustRead("templates/report.css")) },
	}).ParseFS(templates, "templates/report.html.tmpl"))
})

func mustRead(name string) string {
	b, err := templates.ReadFile(name)
	if err != nil {
		panic(err) // embedded at build time
	}
	return string(b)
}

// WriteHTML renders r as a self-contained HTML page (XHTML-compatible
// markup, embedded CSS, no scripts).
func WriteHTML(w io.Writer, r *Report) error {
	if err := page().Execute(w, r); err != nil {
		return fmt.Errorf("report: html: %w", err)
	}
	return nil
}

// WriteJSON writes r as indented JSON (docs/report.md).
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("report: json: %w", err)
	}
	return nil
}

// plainDate is "2 January 2026".
func plainDate(t time.Time) string {
	if t.IsZero() {
		return "unknown date"
	}
	return t.UTC().Format("2 January 2006")
}

// plainDateTime is "2 January 2026 at 14:05 UTC".
func plainDateTime(t time.Time) string {
	if t.IsZero() {
		return "unknown time"
	}
	return t.UTC().Format("2 January 2006 at 15:04 UTC")
}

// joinOr joins names as "a, b and c" (or "nobody").
func joinOr(names []string) string {
	switch len(names) {
	case 0:
		return "nobody"
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

func shortDigest(d string) string {
	if len(d) > 12 {
		return d[:12]
	}
	return d
}

// badge is the CSS class of a status; the text always says it too.
func badge(s Status) string { return "badge badge-" + string(s) }

func statusLabel(s Status) string {
	switch s {
	case Passing:
		return "Passing"
	case Failing:
		return "Failing"
	case Present:
		return "Needs review"
	}
	return "Missing"
}

func actionLabel(a string) string {
	switch a {
	case "promote":
		return "Promotion"
	case "rollback":
		return "Rollback"
	case "deprecate":
		return "Deprecation"
	case "retire":
		return "Retirement"
	case "move_alias":
		return "Alias move"
	case "grant_exception":
		return "Exception granted"
	}
	return a
}

func requestLabel(s string) string {
	switch s {
	case "executed":
		return "Carried out"
	case "pending":
		return "Waiting for approval"
	case "denied":
		return "Denied by policy"
	case "rejected":
		return "Rejected by an approver"
	case "superseded":
		return "Overtaken by another decision"
	}
	return s
}

func trustLabel(t string) string {
	switch t {
	case "signed":
		return "signed (cryptographically verified)"
	case "first-party":
		return "first-party (produced by the registry itself)"
	}
	return "unsigned (posted by a user, not verified)"
}

// summaryText is the plain-language summary at the top of the report.
func summaryText(r *Report) string {
	s := r.Summary
	var b strings.Builder
	name := r.Model.Name
	switch {
	case s.Production > 0:
		fmt.Fprintf(&b, "Model %s is in production at version %d", name, s.Production)
		switch {
		case s.ProductionSince == nil:
			b.WriteString(" (no recorded decision put it there)")
		case s.ViaRollback:
			fmt.Fprintf(&b, " since %s, restored by a rollback by %s", plainDate(*s.ProductionSince), joinOr(s.ApprovedBy))
		default:
			fmt.Fprintf(&b, " since %s, approved by %s", plainDate(*s.ProductionSince), joinOr(s.ApprovedBy))
		}
		b.WriteString(". ")
	case s.Latest > 0:
		stage := ""
		for _, v := range r.Versions {
			if v.Number == s.Latest {
				stage = v.Stage
			}
		}
		fmt.Fprintf(&b, "Model %s has no version in production; its latest version is %d (%s). ", name, s.Latest, stage)
	default:
		fmt.Fprintf(&b, "Model %s has no versions yet.", name)
		return b.String()
	}
	fmt.Fprintf(&b, "%d of %d pillars have passing evidence for version %d", s.PillarsPassing, s.PillarsTotal, s.Assessed)
	if len(s.Missing) > 0 {
		b.WriteString("; missing: " + strings.Join(s.Missing, ", "))
	}
	if len(s.Failing) > 0 {
		b.WriteString("; failing: " + strings.Join(s.Failing, ", "))
	}
	b.WriteString(".")
	return b.String()
}

// who words a principal: "role:admin" is everyone holding that role.
func who(p string) string {
	if r, ok := strings.CutPrefix(p, "role:"); ok {
		return "everyone with the " + r + " role"
	}
	return p
}

// icon is a text symbol for a status, so it reads without colour too.
func icon(s Status) string {
	switch s {
	case Passing:
		return "\u2713"
	case Failing:
		return "\u2717"
	case Present:
		return "?"
	}
	return "\u2014"
}

// requestClass maps a request status to a badge colour.
func requestClass(s string) string {
	switch s {
	case "executed":
		return string(Passing)
	case "denied", "rejected":
		return string(Failing)
	case "pending":
		return string(Present)
	}
	return string(Missing)
}

// stageOwners says who approves a stage whose rule names no approvers.
func stageOwners(stage string) string {
	switch stage {
	case "deprecated", "retired":
		return "the people accountable for retiring the model"
	}
	return "the people accountable for approving promotion"
}
