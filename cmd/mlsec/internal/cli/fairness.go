package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/fairness"
	"github.com/mlsec/mlsec/internal/progress"
	"github.com/mlsec/mlsec/internal/table"
	"github.com/mlsec/mlsec/internal/version"
)

// The fairness command (docs/fairness.md): a thin layer over package fairness.

func init() { register(newFairnessCmd) }

type fairnessFlags struct {
	yTrue, yPred, yScore, posLabel string
	sensitive, types, nulls        []string
	missing, format, output        string
	minGroup, bootstrap            int
	seed                           uint64
	ci, maxDiff, minRatio          float64
	trimSpace                      bool
	model                          modelRef
}

func newFairnessCmd() *cobra.Command {
	var fl fairnessFlags
	c := &cobra.Command{
		Use:   "fairness DATA --y-true COL --y-pred COL --sensitive COL[,COL...] [--y-score COL] [--pos-label V]",
		Short: "Measure whether a classifier treats groups alike (fairlearn's metrics)",
		Long: `fairness reads a predictions table DATA (CSV with a header line, JSON Lines or
Parquet, optionally .gz) with the true label, the model's prediction and one or
more sensitive columns, and reports per group and overall the selection rate,
true/false positive and negative rates, accuracy, precision, count (and mean
score with --y-score), their min, max, differences and ratios, and the headline
fairness metrics of fairlearn 0.12 (demographic parity, equalized odds, equal
opportunity; between groups and to overall), number for number.

Several sensitive columns form intersectional groups (every combination of
their values). Missing sensitive values follow --missing: auto (fairlearn's
behaviour: a NaN in a numeric column leaves the row out of every group, an empty
string is an error), drop, group (a group of its own, labelled "") or error.

The verdict: the demographic parity difference between groups at most
--max-difference and the four-fifths rule (lowest selection rate at least
--min-ratio of the highest). --evidence writes a fairness evidence record bound
to the model's digest (--model PATH: the digest 'mlsec push' gives it, evidence
files in the folder left out; or --model-digest with --model-name) for
'mlsec push', the gate and the registry's policy.

Exit codes (docs/exit-codes.md):
  0  every check passed
  1  a check failed (the report and evidence are still written)
  2  usage error or bad input (nothing is written)`,
		Example: `  mlsec fairness preds.csv --y-true income --y-pred prediction --pos-label '>50K' --sensitive sex
  mlsec fairness preds.csv.gz --y-true y --y-pred yhat --y-score p --sensitive race,sex --bootstrap 1000 --seed 7
  mlsec fairness preds.parquet --y-true y --y-pred yhat --sensitive sex --format html -o fairness.html
  mlsec fairness preds.csv --y-true y --y-pred yhat --sensitive sex --model ./my-model --evidence ./my-model/fairness.evidence.json
  mlsec fairness history credit-model`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runFairness(cmd, args[0], &fl) },
	}
	f := c.Flags()
	f.StringVar(&fl.yTrue, "y-true", "", "column of the true labels (`COL`)")
	f.StringVar(&fl.yPred, "y-pred", "", "column of the predicted labels (`COL`)")
	f.StringVar(&fl.yScore, "y-score", "", "optional column of the scores (`COL`), for mean_score")
	f.StringSliceVar(&fl.sensitive, "sensitive", nil, "sensitive `COL`umn(s), comma-separated or repeated; several form intersectional groups")
	f.StringVar(&fl.posLabel, "pos-label", "", "the positive label `V` (default: 1 for 0/1 or -1/1 labels, true for booleans)")
	f.StringArrayVar(&fl.types, "type", nil, "force a column's type, `COL=KIND` with KIND number, string or bool (repeatable)")
	f.StringVar(&fl.missing, "missing", "auto", "missing sensitive values: auto, drop, group or error")
	f.IntVar(&fl.minGroup, "min-group-size", fairness.DefaultMinGroupSize, "warn about groups with fewer `ROWS` (0: never)")
	f.IntVar(&fl.bootstrap, "bootstrap", 0, "bootstrap `N` resamples for confidence intervals of the headline metrics")
	f.Uint64Var(&fl.seed, "seed", 0, "bootstrap seed: the same seed gives the same intervals")
	f.Float64Var(&fl.ci, "ci", fairness.DefaultCI, "confidence `LEVEL` of the intervals")
	f.Float64Var(&fl.maxDiff, "max-difference", fairness.DefaultMaxDifference, "limit on the demographic parity difference between groups")
	f.Float64Var(&fl.minRatio, "min-ratio", fairness.DefaultMinRatio, "four-fifths rule: minimum lowest/highest selection rate")
	f.BoolVar(&fl.trimSpace, "trim-space", false, "CSV: drop spaces after each delimiter (files written with \", \", like UCI Adult)")
	f.StringArrayVar(&fl.nulls, "null-value", nil, "CSV: a field `TEXT` that means missing, besides the empty field (repeatable, e.g. '?')")
	f.StringVar(&fl.format, "format", "table", "output format: table, json, html or sarif")
	f.StringVarP(&fl.output, "output", "o", "", "write the report to `FILE` (default standard output)")
	fl.model.register(f)
	c.AddCommand(newFairnessHistoryCmd())
	return c
}

// options checks the flags and turns them into the library's options.
func (fl *fairnessFlags) options() (fairness.LoadOptions, fairness.Options, error) {
	lo := fairness.LoadOptions{YTrue: fl.yTrue, YPred: fl.yPred, YScore: fl.yScore, PosLabel: fl.posLabel}
	opt := fairness.DefaultOptions()
	if fl.yTrue == "" || fl.yPred == "" || len(fl.sensitive) == 0 {
		return lo, opt, errors.New("--y-true, --y-pred and --sensitive are required")
	}
	for _, s := range fl.sensitive {
		if s = strings.TrimSpace(s); s != "" {
			lo.Sensitive = append(lo.Sensitive, s)
		}
	}
	lo.Table = table.Options{Types: map[string]table.Kind{}, TrimLeadingSpace: fl.trimSpace, NullValues: fl.nulls}
	for _, t := range fl.types {
		col, kind, ok := strings.Cut(t, "=")
		k, err := table.ParseKind(kind)
		if !ok || col == "" || err != nil {
			return lo, opt, fmt.Errorf("--type %q: want COL=KIND with KIND number, string or bool", t)
		}
		lo.Table.Types[col] = k
	}
	var err error
	if opt.Missing, err = fairness.ParseMissing(fl.missing); err != nil {
		return lo, opt, fmt.Errorf("--missing: %w", err)
	}
	switch fl.format {
	case "table", "json", "html", "sarif":
	default:
		return lo, opt, fmt.Errorf("--format %q: want table, json, html or sarif", fl.format)
	}
	if fl.bootstrap < 0 || fl.bootstrap > 100000 {
		return lo, opt, fmt.Errorf("--bootstrap %d: want 0 to 100000 resamples", fl.bootstrap)
	}
	if fl.ci <= 0 || fl.ci >= 1 {
		return lo, opt, fmt.Errorf("--ci %v: want a level between 0 and 1, e.g. 0.95", fl.ci)
	}
	if fl.minGroup < 0 {
		return lo, opt, fmt.Errorf("--min-group-size %d: want 0 or more", fl.minGroup)
	}
	opt.MinGroupSize, opt.Bootstrap, opt.Seed, opt.CI = fl.minGroup, fl.bootstrap, fl.seed, fl.ci
	opt.MaxDifference, opt.MinRatio = fl.maxDiff, fl.minRatio
	if err := fl.model.check(); err != nil {
		return lo, opt, err
	}
	return lo, opt, nil
}

func runFairness(cmd *cobra.Command, data string, fl *fairnessFlags) error {
	lo, opt, err := fl.options()
	if err != nil {
		return withCode(ExitUsage, err)
	}
	ctx := cmd.Context()
	// The model digest first: a wrong --model fails before the data is read.
	var subject evidence.Subject
	if fl.model.enabled() {
		if subject, err = fl.model.subject(ctx); err != nil {
			return withCode(ExitUsage, err)
		}
	}
	// Outputs are temporaries until everything succeeded: a bad input never
	// leaves a partial report or evidence file behind.
	w, report, err := reportDest(cmd.OutOrStdout(), fl.output)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	defer report.discard()
	var evFile *outFile
	if fl.model.enabled() {
		if evFile, err = createOutFile(fl.model.evidence); err != nil {
			return withCode(ExitUsage, fmt.Errorf("--evidence %s: %w", fl.model.evidence, err))
		}
		defer evFile.discard()
	}
	// Collect garbage at 1.25x the live heap instead of 2x while reading:
	// a million-row table then peaks under 100 MB (bench/fairness.sh) for
	// a few percent more CPU. GOGC in the environment still wins.
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(25))
	}
	status := progress.ForTerminal(cmd.ErrOrStderr(), "reading "+filepath.Base(data))
	if fi, err := os.Stat(data); err == nil {
		status.UpdateBytes(0, fi.Size())
	}
	d, err := fairness.Load(data, lo)
	status.Clear()
	if err != nil {
		return withCode(ExitUsage, fairnessInputErr(data, lo, err))
	}
	res, err := fairness.Evaluate(d, opt)
	if err != nil {
		return withCode(ExitUsage, fairnessInputErr(data, lo, err))
	}
	code := ExitOK
	if !res.Passed {
		code = ExitFindings
	}
	switch fl.format {
	case "json":
		err = fairness.WriteJSON(w, res)
	case "html":
		err = fairness.WriteHTML(w, res)
	case "sarif":
		base, _ := os.Getwd()
		err = fairness.WriteSARIF(w, res, fairness.SARIFOptions{DataPath: data, BaseDir: base, Version: version.String(), ExitCode: code})
	default:
		err = fairness.WriteText(w, res)
	}
	if err != nil {
		return err
	}
	if evFile != nil {
		rec, err := res.Evidence(subject, version.String(), time.Now())
		if err != nil {
			return fmt.Errorf("--evidence: %w", err)
		}
		if err := evidence.Write(evFile, rec); err != nil {
			return fmt.Errorf("--evidence %s: %w", fl.model.evidence, err)
		}
	}
	if report != nil {
		if err := report.commit(); err != nil {
			return fmt.Errorf("fairness: %w", err)
		}
	}
	if evFile != nil {
		if err := evFile.commit(); err != nil {
			return fmt.Errorf("--evidence %s: %w", fl.model.evidence, err)
		}
	}
	if code != ExitOK {
		return withCode(code, nil)
	}
	return nil
}

// fairnessInputErr words an input error for the user: it names the file
// and, where known, the line and column, and says what to do.
func fairnessInputErr(data string, lo fairness.LoadOptions, err error) error {
	var me *fairness.MissingValueError
	if errors.As(err, &me) {
		if me.Line = fairness.MissingLine(data, lo.Table, me); me.Line > 0 {
			return fmt.Errorf("%s:%d: %w", data, me.Line, me)
		}
		return fmt.Errorf("%s: %w", data, me)
	}
	var te *table.Error
	if errors.As(err, &te) {
		if errors.Is(err, table.ErrMissingColumn) {
			return fmt.Errorf("%w\nCheck --y-true, --y-pred, --y-score and --sensitive against the header", err)
		}
		return err
	}
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%s: no such file", data)
	}
	return fmt.Errorf("%s: %w", filepath.Clean(data), err)
}
