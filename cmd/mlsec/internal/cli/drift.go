package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlsec/mlsec/drift"
	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/internal/progress"
	"github.com/mlsec/mlsec/internal/table"
	"github.com/mlsec/mlsec/internal/version"
)

func init() { register(newDriftCmd) }

type driftFlags struct {
	columns             []string
	target, prediction  string
	methods, thresholds []string
	driftShare          float64
	format, out         string
	model               modelRef
	refRole, curRole    string
	trimSpace           bool
}

func newDriftCmd() *cobra.Command {
	var fl driftFlags
	c := &cobra.Command{
		Use:   "drift REFERENCE CURRENT",
		Short: "Compare two tables for data drift, as Evidently does",
		Long: `drift compares CURRENT with REFERENCE (CSV, TSV, JSON Lines or Parquet, each
optionally .gz) column by column with Evidently 0.7's procedure: it infers each
column's type, picks Evidently's default test (or --method), applies its
threshold, reports PSI for every column, and decides dataset drift when the
share of drifted columns reaches --drift-share (0.5). docs/drift.md documents
every method and convention.

--evidence writes a drift evidence record bound to the model version
(--model PATH or --model-digest HEX); --reference-role and --current-role
(training, evaluation, production) let the policy tell an evaluation-data
drift from a production one.

Exit codes: 0 no dataset drift, 1 dataset drift, 2 usage or input error, or a
column with no value to test (its status is shown; no evidence is written).`,
		Example: `  mlsec drift train.csv test.csv
  mlsec drift train.csv.gz live.parquet --target income --format html -o drift.html
  mlsec drift ref.csv cur.csv --method age=ks --method psi --threshold 0.2 --drift-share 0.3
  mlsec drift train.csv eval.csv --evidence drift.json --model ./my-model \
      --reference-role training --current-role evaluation
  mlsec drift profile train.csv -o reference-profile.json`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 2 {
				return usageErr("drift: give two tables, REFERENCE then CURRENT (got %d), e.g. 'mlsec drift train.csv live.csv'", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error { return runDrift(cmd, args, fl) },
	}
	f := c.Flags()
	f.StringSliceVar(&fl.columns, "columns", nil, "compare only these columns (default: all; both tables must then have the same columns)")
	f.StringVar(&fl.target, "target", "", "the label `COLUMN` (compared first, typed as Evidently types targets)")
	f.StringVar(&fl.prediction, "prediction", "", "the model output `COLUMN`")
	f.StringArrayVar(&fl.methods, "method", nil, "`[COL=]METHOD`: ks, chisquare, z, wasserstein, jensenshannon, psi, kl_div, hellinger, ed, t_test, anderson, cramer_von_mises, mannw, es, fisher_exact, g_test, TVD, empirical_mmd (repeatable)")
	f.StringArrayVar(&fl.thresholds, "threshold", nil, "`[COL=]VALUE`: threshold for every column or one column (repeatable)")
	f.Float64Var(&fl.driftShare, "drift-share", drift.DefaultDriftShare, "share of drifted columns at which the dataset drifts")
	f.StringVar(&fl.format, "format", "table", "output format: table, json or html")
	f.StringVarP(&fl.out, "output", "o", "", "write the report to `FILE` instead of stdout")
	fl.model.register(f)
	f.StringVar(&fl.refRole, "reference-role", "", "what REFERENCE is: training, evaluation or production")
	f.StringVar(&fl.curRole, "current-role", "", "what CURRENT is: training, evaluation or production")
	f.BoolVar(&fl.trimSpace, "trim-space", false, "trim spaces after CSV delimiters (files written with \", \", e.g. UCI Adult)")
	c.AddCommand(newDriftProfileCmd())
	return c
}

// parseKV splits COL=VALUE; a bare VALUE applies to every column.
func parseKV(s string) (col, val string) {
	if i := strings.LastIndex(s, "="); i >= 0 {
		return s[:i], s[i+1:]
	}
	return "", s
}

func driftOptions(fl driftFlags) (drift.Options, error) {
	opt := drift.Options{Columns: fl.columns, Target: fl.target, Prediction: fl.prediction, DriftShare: fl.driftShare,
		Methods: map[string]string{}, Thresholds: map[string]float64{}}
	if fl.driftShare <= 0 || fl.driftShare > 1 {
		return opt, fmt.Errorf("--drift-share %g: want a share in (0, 1]", fl.driftShare)
	}
	for _, m := range fl.methods {
		col, name := parseKV(m)
		if _, err := drift.LookupMethod(name); err != nil {
			return opt, fmt.Errorf("--method %s: %w", m, err)
		}
		if col == "" {
			opt.Method = name
		} else {
			opt.Methods[col] = name
		}
	}
	for _, t := range fl.thresholds {
		col, v := parseKV(t)
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || x < 0 {
			return opt, fmt.Errorf("--threshold %s: want [COL=]NUMBER ≥ 0", t)
		}
		if col == "" {
			opt.Threshold = &x
		} else {
			opt.Thresholds[col] = x
		}
	}
	for _, r := range []string{fl.refRole, fl.curRole} {
		if r != "" && r != evidence.RoleTraining && r != evidence.RoleEvaluation && r != evidence.RoleProduction {
			return opt, fmt.Errorf("dataset role %q: want training, evaluation or production", r)
		}
	}
	switch fl.format {
	case "table", "json", "html":
	default:
		return opt, fmt.Errorf("--format %q: want table, json or html", fl.format)
	}
	return opt, nil
}

// driftTableOptions are the reader options for both tables: pandas' null
// markers, and only the compared columns when --columns is given (less
// memory for a few columns of a wide table).
func driftTableOptions(opt drift.Options, trim bool) table.Options {
	topt := table.Options{TrimLeadingSpace: trim, NullValues: table.PandasNullValues}
	if opt.Columns != nil {
		for _, c := range append([]string{opt.Target, opt.Prediction}, opt.Columns...) {
			if c != "" && !slices.Contains(topt.Columns, c) {
				topt.Columns = append(topt.Columns, c)
			}
		}
	}
	return topt
}

func runDrift(cmd *cobra.Command, args []string, fl driftFlags) error {
	if os.Getenv("GOGC") == "" {
		// The sorted columns are most of the heap and live to the end;
		// collecting at 50% growth instead of 100% keeps the peak near
		// them (183 against 205 MB on bench/drift.sh) at no measurable
		// CPU cost.
		defer debug.SetGCPercent(debug.SetGCPercent(50))
	}
	opt, err := driftOptions(fl)
	if err != nil {
		return withCode(ExitUsage, fmt.Errorf("drift: %w", err))
	}
	if err := fl.model.check(); err != nil {
		return withCode(ExitUsage, fmt.Errorf("drift: %w", err))
	}
	var subj evidence.Subject
	if fl.model.enabled() {
		if subj, err = fl.model.subject(cmd.Context()); err != nil {
			return withCode(ExitUsage, fmt.Errorf("drift: %w", err))
		}
	}
	w, of, err := reportDest(cmd.OutOrStdout(), fl.out)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	if of != nil {
		defer of.discard()
	}
	// Both files are read at once, straight into column summaries; the
	// bar follows the bytes read (off when stderr is not a terminal).
	bar := progress.ForTerminal(cmd.ErrOrStderr(), "reading")
	total, done := fileSize(args[0])+fileSize(args[1]), int64(0)
	bar.UpdateBytes(0, total)
	ref, cur, err := drift.ReadTables(args[0], args[1], driftTableOptions(opt, fl.trimSpace), func(n int64) {
		done += n
		bar.UpdateBytes(min(done, total), total)
	})
	bar.Clear()
	if err != nil {
		return withCode(ExitUsage, fmt.Errorf("drift: %w", err))
	}
	rep, err := drift.Compare(ref, cur, opt)
	if err != nil {
		return withCode(ExitUsage, fmt.Errorf("drift: %w", err))
	}
	if err := writeDriftReport(w, rep, fl.format); err != nil {
		return withCode(ExitUsage, err)
	}
	if of != nil {
		if err := of.commit(); err != nil {
			return withCode(ExitUsage, err)
		}
	}
	var empty []string
	for _, c := range rep.Columns {
		if c.Status == drift.StatusEmpty {
			empty = append(empty, fmt.Sprintf("%s (%s)", c.Column, c.Reason))
		}
	}
	if len(empty) > 0 {
		return withCode(ExitUsage, fmt.Errorf("drift: column(s) with nothing to test: %s; leave them out with --columns or fix the data (no evidence written)", strings.Join(empty, "; ")))
	}
	if fl.model.enabled() {
		rec, err := drift.Evidence(subj, rep, drift.Roles{Reference: fl.refRole, Current: fl.curRole}, "", version.String(), time.Now())
		if err != nil {
			return withCode(ExitUsage, fmt.Errorf("--evidence: %w", err))
		}
		if err := writeEvidenceFile(fl.model.evidence, rec); err != nil {
			return withCode(ExitUsage, err)
		}
	}
	if rep.DatasetDrift {
		return withCode(ExitFindings, nil)
	}
	return nil
}

func fileSize(path string) int64 {
	if fi, err := os.Stat(path); err == nil {
		return fi.Size()
	}
	return 0
}

func writeEvidenceFile(path string, rec evidence.Record) error {
	o, err := createOutFile(path)
	if err != nil {
		return fmt.Errorf("--evidence: %w", err)
	}
	if err := evidence.Write(o, rec); err != nil {
		o.discard()
		return fmt.Errorf("--evidence %s: %w", path, err)
	}
	return o.commit()
}

func writeDriftReport(w io.Writer, rep *drift.Report, format string) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	case "html":
		return drift.WriteHTML(w, rep)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "COLUMN\tTYPE\tMETHOD\tSCORE\tTHRESHOLD\tDRIFT\tPSI\tSTATUS")
	for _, c := range rep.Columns {
		d := "no"
		if c.Drift {
			d = "DRIFT"
		}
		if c.Status != drift.StatusTested {
			d = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%g\t%s\t%s\t%s\n", c.Column, c.Type, c.Method, fmtScore(c.Score), c.Threshold, d, fmtScore(c.PSI), c.Status)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	verdict := "no dataset drift"
	if rep.DatasetDrift {
		verdict = "DATASET DRIFT"
	}
	fmt.Fprintf(w, "\n%d of %d columns drifted (share %.3f, drift share %g): %s\n", rep.NumberOfDriftedColumns, rep.NumberOfColumns, rep.ShareOfDriftedColumns, rep.DriftShare, verdict)
	for _, c := range rep.Columns {
		if c.Drift {
			fmt.Fprintf(w, "  %s: %s\n", c.Column, c.Why)
		}
		if c.Status != drift.StatusTested {
			fmt.Fprintf(w, "  %s not tested: %s\n", c.Column, c.Reason)
		}
	}
	return nil
}

func fmtScore(s drift.Score) string {
	b, _ := s.MarshalJSON()
	if string(b) == "null" {
		return "n/a"
	}
	return strconv.FormatFloat(float64(s), 'g', 4, 64)
}
