package probe

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/mlsec/mlsec/probe/explain"
)

// WriteJSON writes v (a report) as indented JSON.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// num formats a figure with 3 significant digits ("–" for none).
func num(p *float64) string {
	if p == nil {
		return "–"
	}
	return strconv.FormatFloat(*p, 'g', 3, 64)
}

// count formats a count-like figure without exponent.
func count(p *float64) string {
	if p == nil {
		return "–"
	}
	return strconv.FormatFloat(*p, 'f', 0, 64)
}

func pct(v float64) string { return strconv.FormatFloat(100*v, 'f', 1, 64) + "%" }

func pctp(p *float64) string {
	if p == nil {
		return "–"
	}
	return pct(*p)
}

// target names the probed model for headings.
func target(endpoint, protocol, model string) string {
	s := endpoint
	if protocol != "" {
		s += " (" + protocol
		if model != "" {
			s += " " + model
		}
		s += ")"
	}
	if s == "" {
		return "the model"
	}
	return s
}

// WriteTable writes the report for people.
func (r *RobustnessReport) WriteTable(w io.Writer) error {
	var b strings.Builder
	if !r.Complete {
		fmt.Fprintf(&b, "INCOMPLETE: %s\nThe figures below cover only the inputs probed before it stopped; no evidence was written.\n\n", r.Error)
	}
	fmt.Fprintf(&b, "Robustness of %s on %s: %d of %d rows\n", target(r.Endpoint, r.Protocol, r.Model), r.Sample.Name, r.Inputs, r.Sample.TableRows)
	if r.CleanAccuracy != nil {
		fmt.Fprintf(&b, "Clean accuracy %s. ", pct(*r.CleanAccuracy))
	}
	fmt.Fprintf(&b, "ε = %g (%s, each feature scaled to its range); budget %d queries per input and attack.\n\n", r.Epsilon, r.Norm, r.Budget)
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "ATTACK\tFOOLED\tROBUST ACC @ε\tMEDIAN %s (range)\tMEDIAN RELATIVE\tMEDIAN L2 (input units)\tQUERIES/INPUT\tVERDICT\n", strings.ToUpper(r.Norm))
	for _, a := range r.Attacks {
		if a.Skipped != "" {
			fmt.Fprintf(tw, "%s\tskipped: %s\t\t\t\t\t\t\n", a.Name, a.Skipped)
			continue
		}
		med := a.L2Range.Median
		if r.Norm == "linf" {
			med = a.LInfRange.Median
		}
		fooled := fmt.Sprintf("%d/%d (%s)", a.Succeeded, a.Attempted, pct(a.SuccessRate))
		if a.Unconfirmed > 0 {
			fooled += fmt.Sprintf(", %d unconfirmed", a.Unconfirmed)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a.Name, fooled, pct(a.RobustAccuracy), num(med),
			pctp(a.Relative.Median), num(a.L2.Median), count(a.QueriesPerInput.Median), verdict(a.Passed))
	}
	tw.Flush()
	ran := slices.DeleteFunc(slices.Clone(r.Attacks), func(a AttackReport) bool { return a.Skipped != "" || len(a.Curve) == 0 })
	if len(ran) > 0 {
		fmt.Fprintf(&b, "\nRobust accuracy by ε (%s, range units):\n", r.Norm)
		tw = tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
		fmt.Fprint(tw, "ε")
		for _, a := range ran {
			fmt.Fprintf(tw, "\t%s", a.Name)
		}
		fmt.Fprintln(tw)
		for i, c := range ran[0].Curve {
			fmt.Fprintf(tw, "%g", c.Epsilon)
			for _, a := range ran {
				fmt.Fprintf(tw, "\t%s", pct(a.Curve[i].RobustAccuracy))
			}
			fmt.Fprintln(tw)
		}
		tw.Flush()
	}
	for _, a := range ran {
		if len(a.PerClass) > 1 {
			fmt.Fprintf(&b, "\n%s per answer:\n", a.Name)
			tw = tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ANSWER\tINPUTS\tFOOLED\tROBUST ACC @ε\tMEDIAN (range)")
			for _, c := range a.PerClass {
				fmt.Fprintf(tw, "%s\t%d\t%d (%s)\t%s\t%s\n", c.Label, c.Attempted, c.Succeeded, pct(c.SuccessRate), pct(c.RobustAccuracy), num(c.Median))
			}
			tw.Flush()
		}
		if ex := closest(a.Examples, r.Norm, 3); len(ex) > 0 {
			fmt.Fprintf(&b, "\n%s: the smallest changes that flipped the answer:\n", a.Name)
			for _, e := range ex {
				d := e.distance(r.Norm)
				fmt.Fprintf(&b, "  row %d: %s → %s with a change of %.3g (%s, range units)", e.Row, e.LabelBefore, e.LabelAfter, d, r.Norm)
				if len(e.Changed) > 0 {
					fmt.Fprintf(&b, " in %s", strings.Join(e.Changed, ", "))
				}
				b.WriteString("\n")
			}
		}
	}
	b.WriteString(cost(r.Queries, r.Seconds, r.QueriesPerSecond, r.Traffic))
	if r.Passed != nil {
		if *r.Passed {
			fmt.Fprintf(&b, "Result: PASS (robust accuracy ≥ %g and median relative change ≥ %g under every attack).\n", r.MinRobustAccuracy, r.MinRelativePerturbation)
		} else {
			fmt.Fprintf(&b, "Result: FAIL (robust accuracy below %g or median relative change below %g under an attack).\n", r.MinRobustAccuracy, r.MinRelativePerturbation)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func verdict(p *bool) string {
	switch {
	case p == nil:
		return "–"
	case *p:
		return "pass"
	}
	return "FAIL"
}

// closest returns the n adversarial examples with the smallest change.
func closest(ex []Example, norm string, n int) []Example {
	var out []Example
	for _, e := range ex {
		if e.Status == StatusAdversarial {
			out = append(out, e)
		}
	}
	slices.SortStableFunc(out, func(a, b Example) int { return cmp.Compare(a.distance(norm), b.distance(norm)) })
	return out[:min(n, len(out))]
}

// WriteTable writes the explanation for people.
func (r *ExplainReport) WriteTable(w io.Writer) error {
	var b strings.Builder
	if !r.Complete {
		fmt.Fprintf(&b, "INCOMPLETE: %s\nNo evidence was written.\n\n", r.Error)
	}
	if imp := r.Importance; imp != nil {
		fmt.Fprintf(&b, "Permutation importance of %s on %s (%d rows): %s drop when a feature is shuffled, %d repeats, seed %d; baseline %s %.4g\n\n",
			target(r.Endpoint, r.Protocol, r.Model), r.Sample.Name, imp.Rows, imp.Scoring, imp.Repeats, imp.Seed, imp.Scoring, imp.Baseline)
		fs := slices.Clone(imp.Features)
		slices.SortStableFunc(fs, func(a, b explain.FeatureImportance) int { return a.Rank - b.Rank })
		tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "RANK\tFEATURE\tIMPORTANCE\tSTD")
		for _, f := range fs {
			fmt.Fprintf(tw, "%d\t%s\t%.4g\t%.4g\n", f.Rank, f.Name, f.Mean, f.Std)
		}
		tw.Flush()
	}
	if len(r.Reasons) > 0 {
		fmt.Fprintf(&b, "\nWhy the model answered as it did (%s):\n", r.ReasonMethod)
		for _, rs := range r.Reasons {
			fmt.Fprintf(&b, "  row %d, answer %s", rs.Row, rs.Answer)
			if rs.Score != nil {
				fmt.Fprintf(&b, " (score %.3g)", *rs.Score)
			}
			b.WriteString(":")
			if len(rs.Labels) == 0 {
				b.WriteString(" no single-feature change moved it")
			}
			b.WriteString("\n")
			for _, l := range rs.Labels {
				fmt.Fprintf(&b, "    - %s\n", l)
			}
		}
	}
	b.WriteString(cost(r.Queries, r.Seconds, r.QueriesPerSecond, r.Traffic))
	_, err := io.WriteString(w, b.String())
	return err
}

// cost is the line that says what a probe cost.
func cost(q int64, sec, qps float64, t *Traffic) string {
	s := fmt.Sprintf("\n%d queries in %.1f s (%.0f queries/s)", q, sec, qps)
	if t != nil {
		s += fmt.Sprintf(" over %d requests (%d retried, %d failed; latency p50 %.1f ms, p99 %.1f ms)", t.Requests, t.Retries, t.Failures, t.LatencyP50Ms, t.LatencyP99Ms)
	}
	return s + ".\n"
}
