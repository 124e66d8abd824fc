package fairness

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

// SchemaURI identifies the JSON report format (docs/schemas/fairness.schema.json).
const SchemaURI = "https://mlsec.dev/fairness/v1"

// WriteJSON writes the result as the documented JSON report: fairlearn's
// vocabulary as keys, null for undefined values.
func WriteJSON(w io.Writer, r *Result) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Schema string `json:"schema"`
		*Result
	}{SchemaURI, r})
}

// fmtNum renders a value for people: 4 decimals, n/a when undefined.
func fmtNum(n Number) string {
	if !n.Defined() {
		return "n/a"
	}
	return fmt.Sprintf("%.4f", float64(n))
}

func fmtCI(iv *Interval) string {
	if iv == nil {
		return ""
	}
	return fmt.Sprintf(" [%s, %s]", fmtNum(iv.Low), fmtNum(iv.High))
}

// checkLine says in words what a check found.
func (r *Result) checkLine(c Check) string {
	verdict := "PASS"
	if !c.Passed {
		verdict = "FAIL"
	}
	switch {
	case c.Metric == DemographicParityRatio:
		ff := r.FourFifths
		if !ff.Ratio.Defined() {
			return fmt.Sprintf("%s  four-fifths rule: undefined, no group has any positive prediction", verdict)
		}
		return fmt.Sprintf("%s  four-fifths rule: the lowest selection rate (%s: %s) is %s of the highest (%s: %s); the rule needs at least %g",
			verdict, ff.Lowest, fmtNum(ff.LowestRate), fmtNum(ff.Ratio), ff.Highest, fmtNum(ff.HighestRate), ff.Threshold)
	case c.Max != nil:
		return fmt.Sprintf("%s  %s (%s) = %s, limit %g", verdict, c.Metric, c.Method, fmtNum(c.Value), *c.Max)
	}
	return fmt.Sprintf("%s  %s (%s) = %s, minimum %g", verdict, c.Metric, c.Method, fmtNum(c.Value), *c.Min)
}

// WriteText writes the result as tables for a terminal.
func WriteText(w io.Writer, r *Result) error {
	ew := &errWriter{w: w}
	s := r.Source
	fmt.Fprintf(ew, "Fairness of %s against %s (positive label %q) by %s: %d rows, %d groups\n\n",
		orDash(s.YPred), orDash(s.YTrue), s.PosLabel, strings.Join(r.SensitiveFeatures, " × "), r.Rows, len(r.ByGroup))
	tw := tabwriter.NewWriter(ew, 0, 4, 2, ' ', tabwriter.AlignRight)
	head := []string{"GROUP", "ROWS", "POS", "NEG", "SELECTION", "TPR", "FPR", "FNR", "TNR", "ACCURACY", "PRECISION"}
	if r.HasScore() {
		head = append(head, "MEAN SCORE")
	}
	fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
	row := func(name string, v Values, pos, neg string) {
		cells := []string{name, fmt.Sprintf("%d", int64(v[Count])), pos, neg}
		for _, m := range []string{SelectionRate, TruePositiveRate, FalsePositiveRate, FalseNegativeRate, TrueNegativeRate, Accuracy, Precision} {
			cells = append(cells, fmtNum(v[m]))
		}
		if r.HasScore() {
			cells = append(cells, fmtNum(v[MeanScore]))
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	}
	for _, g := range r.ByGroup {
		name := g.Group.String()
		if g.Small {
			name += " (small)"
		}
		row(name, g.Metrics, fmt.Sprint(g.Positives), fmt.Sprint(g.Negatives))
	}
	row("overall", r.Overall, fmt.Sprint(r.Positives), fmt.Sprint(r.Negatives))
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(ew)
	tw = tabwriter.NewWriter(ew, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FAIRNESS METRIC\tBETWEEN GROUPS\tTO OVERALL")
	for _, name := range HeadlineNames {
		h := r.FairnessMetrics[name]
		fmt.Fprintf(tw, "%s\t%s%s\t%s%s\n", name, fmtNum(h.BetweenGroups), fmtCI(h.BetweenCI), fmtNum(h.ToOverall), fmtCI(h.ToOverallCI))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if b := r.Bootstrap; b != nil {
		fmt.Fprintf(ew, "[low, high]: %g%% bootstrap interval, %d resamples, seed %d\n", b.CI*100, b.Resamples, b.Seed)
	}
	fmt.Fprintln(ew, "\nChecks:")
	for _, c := range r.Checks {
		fmt.Fprintln(ew, "  "+r.checkLine(c))
	}
	if len(r.Notes) > 0 {
		fmt.Fprintln(ew, "\nUndefined values (n/a, null in JSON):")
		for _, n := range r.Notes {
			fmt.Fprintln(ew, "  "+n)
		}
	}
	if len(r.Warnings) > 0 {
		fmt.Fprintln(ew, "\nWarnings:")
		for _, m := range r.Warnings {
			fmt.Fprintln(ew, "  ! "+m)
		}
	}
	if len(r.EmptyGroups) > 0 {
		names := make([]string, len(r.EmptyGroups))
		for i, g := range r.EmptyGroups {
			names[i] = g.String()
		}
		sort.Strings(names)
		more := ""
		if r.EmptyTotal > len(names) {
			more = fmt.Sprintf(" and %d more", r.EmptyTotal-len(names))
		}
		fmt.Fprintf(ew, "\nEmpty combinations (no rows, left out): %s%s\n", strings.Join(names, "; "), more)
	}
	verdict := "PASSED"
	if !r.Passed {
		verdict = "FAILED"
	}
	fmt.Fprintf(ew, "\nVerdict: %s\n", verdict)
	return ew.err
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// errWriter keeps the first write error, so a report of many Fprintf calls
// checks it once.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}
