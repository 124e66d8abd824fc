package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlsec/mlsec/evidence"
	pbar "github.com/mlsec/mlsec/internal/progress"
	"github.com/mlsec/mlsec/scan"
	"github.com/mlsec/mlsec/scan/output"
)

func init() { register(newScanCmd) }

type scanFlags struct {
	format      string
	output      string
	failOn      string
	rules       string
	workers     int
	noProgress  bool
	showSkipped bool
	exclude     []string
	allowEmpty  bool
	followLinks bool
	linkRoots   []string
	evidence    evidenceOut
}

func newScanCmd() *cobra.Command {
	var fl scanFlags
	c := &cobra.Command{
		Use:   "scan PATH...",
		Short: "Scan model files, folders and archives for code that runs on load",
		Long: `Scan model artifacts for code that runs when they are loaded, without ever
loading them. A PATH is a file, a folder (scanned recursively) or an archive;
formats are detected from content, not from file names. Files that no
analyser recognises are skipped, and skipped is not clean: see --show-skipped.

Output formats (--format; see docs/output.md):
  table  for people (the default, whether or not stdout is a terminal)
  json   for programs; schema in docs/schemas/scan-report.schema.json
  sarif  SARIF 2.1.0 for GitHub code scanning and other dashboards

Exit codes (the one reference is docs/exit-codes.md):
  0  no finding at or above --fail-on
  1  at least one finding at or above --fail-on; detection outranks errors.
     A file that cannot be parsed or read is itself a medium finding
     (FMT001/FMT002), so it fails the default threshold.
  2  usage or I/O error that prevented any verdict: missing path, a folder
     with no file in it (unless --allow-empty), bad flag, unreadable or
     invalid rules file, unwritable -o file`,
		Example: `  # Scan a downloaded model folder
  mlsec scan ./bert-base-uncased

  # CI gate: fail on high and critical only, SARIF for GitHub code scanning
  mlsec scan --fail-on high --format sarif -o mlsec.sarif ./models

  # Machine-readable report on stdout
  mlsec scan --format json model.pt > report.json

  # Allow your own classes, or accept Python files, with a rules file
  mlsec scan --rules my-rules.yaml ./model

  # List the files that were not analysed
  mlsec scan --show-skipped ./model

  # A Hugging Face cache snapshot: its links into ../../blobs are followed
  mlsec scan ~/.cache/huggingface/hub/models--org--name/snapshots/REV

  # Models whose files link into a shared store
  mlsec scan --symlink-root /srv/blobs ./model`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return withCode(ExitUsage, errors.New("scan: give at least one file or folder to scan, e.g. 'mlsec scan ./model'"))
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			return runScan(c, args, fl)
		},
	}
	f := c.Flags()
	f.StringVar(&fl.format, "format", string(output.FormatTable), "output `FORMAT`: table, json or sarif")
	f.StringVarP(&fl.output, "output", "o", "", "write the report to `FILE` instead of stdout (replaced atomically)")
	f.StringVar(&fl.failOn, "fail-on", "medium", "exit 1 when a finding is at or above this `SEVERITY`: critical, high, medium, low, info, or none")
	f.StringVar(&fl.rules, "rules", "", "merge the rules `FILE` over the built-in rules (see docs/rules.md#rules-file)")
	f.IntVar(&fl.workers, "workers", 0, "scan `N` files in parallel (0: one per CPU)")
	f.BoolVar(&fl.noProgress, "no-progress", false, "never draw the progress bar (it is drawn only when stderr is a terminal)")
	f.StringArrayVar(&fl.exclude, "exclude", nil, "skip files and folders matching `GLOB` (relative to a scanned folder; \"**/\" matches at any depth; repeatable)")
	f.BoolVar(&fl.allowEmpty, "allow-empty", false, "accept a folder that holds no file (otherwise: exit 2, nothing to scan)")
	f.BoolVar(&fl.followLinks, "follow-symlinks", false, "also descend into symbolic links to folders whose target stays inside the link roots (links to files are always followed under the same rule)")
	f.StringArrayVar(&fl.linkRoots, "symlink-root", nil, "let links point into `DIR` too, besides the scanned folder (and a Hugging Face cache repository for its snapshots); repeatable")
	fl.evidence.register(f)
	f.BoolVar(&fl.showSkipped, "show-skipped", false, "list the files that were skipped (table output; json and sarif always include them)")
	return c
}

func usageErr(format string, args ...any) error {
	return withCode(ExitUsage, fmt.Errorf(format, args...))
}

func runScan(c *cobra.Command, paths []string, fl scanFlags) error {
	format, err := output.ParseFormat(fl.format)
	if err != nil {
		return usageErr("--format: %w", err)
	}
	failOn, err := output.ParseFailOn(fl.failOn)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	if fl.evidence.enabled() && len(paths) != 1 {
		return usageErr("--evidence describes one model: give exactly one PATH (got %d)", len(paths))
	}
	if fl.workers < 0 {
		return usageErr("--workers %d: give a positive number, or 0 for one worker per CPU", fl.workers)
	}
	opts := scan.Options{Workers: fl.workers, Exclude: fl.exclude, AllowEmpty: fl.allowEmpty,
		FollowSymlinks: fl.followLinks, SymlinkRoots: fl.linkRoots}
	if fl.rules != "" {
		rs, err := scan.LoadRuleset(fl.rules)
		if err != nil {
			return usageErr("cannot use --rules %s: %w\nFix the file (its keys are documented in docs/rules.md#rules-file) or drop --rules; nothing was scanned", fl.rules, err)
		}
		opts.Rules = rs
	}

	// Open the destination before scanning, so a typo in -o costs nothing.
	stdout := c.OutOrStdout()
	dst, file, err := reportDest(stdout, fl.output)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	defer file.discard()

	stderr := c.ErrOrStderr()
	var bar *pbar.Bar
	if !fl.noProgress && pbar.IsTerminal(stderr) {
		bar = pbar.New(stderr)
		opts.Progress = bar.Update
	}
	s, err := scan.New(opts)
	if err != nil {
		return usageErr("cannot start the scanner: %w", err)
	}
	ctx := c.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	// SIGINT and SIGTERM cancel the scan; spool files are already
	// unlinked (see scan.spool), so nothing is left in the temp folder.
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := s.Scan(ctx, paths...)
	if bar != nil {
		bar.Clear()
	}
	if err != nil {
		switch {
		case errors.Is(err, scan.ErrNotFound):
			return usageErr("%w\nCheck the path; nothing was scanned", err)
		case errors.Is(err, scan.ErrNothingToScan):
			return usageErr("%w\nCheck the path (a wrong folder or a failed download?), or pass --allow-empty to accept an empty folder", err)
		case ctx.Err() != nil:
			return usageErr("scan interrupted; no verdict")
		}
		return usageErr("%w\nNothing was scanned", err)
	}

	if fl.evidence.enabled() {
		err := fl.evidence.write(ctx, paths[0], nil, nil, nil, func(subj evidence.Subject, now time.Time) (evidence.Record, error) {
			return scan.Evidence(subj, rep, now)
		})
		if err != nil {
			return usageErr("%w", err)
		}
	}
	code := ExitOK
	if output.Failed(rep, failOn) {
		code = ExitFindings
	}
	o := output.Options{
		FailOn:      failOn,
		ShowSkipped: fl.showSkipped,
		ExitCode:    code,
		Color:       format == output.FormatTable && file == nil && colorOK(stdout),
	}
	if wd, err := os.Getwd(); err == nil {
		o.BaseDir = wd
	}
	werr := output.Write(dst, format, rep, o)
	if werr == nil && file != nil {
		werr = file.commit()
	}
	if werr != nil {
		// Detection outranks errors: a failing verdict stays exit 1.
		if code == ExitFindings {
			return withCode(code, fmt.Errorf("findings at or above %s, but the report could not be written: %w", output.FailOnName(failOn), werr))
		}
		return usageErr("cannot write the report: %w", werr)
	}
	if fl.output != "" && fl.output != "-" {
		sum := output.Summarize(rep, failOn)
		verdict := "pass"
		if sum.Failed {
			verdict = "fail"
		}
		fmt.Fprintf(stderr, "Wrote the %s report to %s: %d findings, %d files (%d skipped, %d errored); result: %s.\n",
			format, fl.output, sum.Findings, sum.Files, sum.Skipped, sum.Errors, verdict)
	}
	if code != ExitOK {
		return withCode(code, nil)
	}
	return nil
}

// colorOK reports whether the table may use colours: on a terminal, unless
// NO_COLOR is set (https://no-color.org) or TERM is dumb.
func colorOK(w io.Writer) bool {
	if os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	return pbar.IsTerminal(w)
}
