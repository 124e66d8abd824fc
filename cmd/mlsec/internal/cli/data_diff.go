package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/mlsec/mlsec/dataset"
	"github.com/mlsec/mlsec/internal/table"
	"github.com/mlsec/mlsec/registry"
)

// data diff: what changed between two versions of a dataset (docs/data.md
// "Diff between versions"): dataset.DiffFiles on the file lists,
// dataset.DiffTable on each changed table both sides have at hand.

type dataDiffFlags struct {
	r     remote
	nulls []string
}

// diffSide is one side of a diff: its files, and the folder (or file)
// holding them when they are at hand.
type diffSide struct {
	label, digest string
	files         []dataset.DFile
	root          string // "" = only the registry's file list
	single        bool   // root is the one file itself
}

func newDataDiffCmd() *cobra.Command {
	var fl dataDiffFlags
	c := &cobra.Command{
		Use:   "diff OLD NEW",
		Short: "Show what changed between two dataset versions: files, rows, schema, drift",
		Long: `Compare two versions of a dataset. Each side is a local PATH (a file or a
folder), a registered version NAME@V (its file list from the registry), or
NAME@V=PATH (a registered version and a local copy of it, checked against
the registered digest first).

Files are compared by path and SHA-256: added, removed, changed. For each
changed table (CSV, TSV, JSON Lines, Parquet, optionally gzip-compressed)
whose two versions are both local, it reports rows before and after, rows
added and removed (as multisets over the columns both have: an edited row
is one removed and one added), columns added and removed, columns whose
type changed, and drift of the common columns (Evidently's procedure, the
drift library: 'mlsec drift').

Exit codes: 0 no difference; 1 the versions differ; 2 usage error, a side
that cannot be read, or a local copy that is not the registered version.`,
		Example: `  mlsec data diff ./adult-v1 ./adult-v2
  mlsec data diff adult@1 adult@2
  mlsec data diff adult@1=/srv/data/adult-2026-11 adult@2=./adult --format json`,
		Args: cobra.ExactArgs(2),
		RunE: func(c *cobra.Command, args []string) error { return runDataDiff(c, args[0], args[1], &fl) },
	}
	fl.r.register(c.Flags(), true)
	c.Flags().StringSliceVar(&fl.nulls, "null-values", nil, "extra CSV null `MARKER`s, e.g. '?' (repeatable)")
	return c
}

// resolveDiffSide reads one side: PATH, NAME@V or NAME@V=PATH.
func resolveDiffSide(c *cobra.Command, arg string, fl *dataDiffFlags) (diffSide, error) {
	ref, path, hasPath := strings.Cut(arg, "=")
	if _, err := os.Stat(arg); err == nil || !strings.Contains(ref, "@") {
		ref, path, hasPath = "", arg, true
	}
	s := diffSide{label: arg}
	if hasPath {
		d, err := dataset.Describe(c.Context(), path, "diff")
		if err != nil {
			return s, usageErr("cannot hash %s: %w", path, err)
		}
		st, err := os.Stat(path)
		if err != nil {
			return s, usageErr("%w", err)
		}
		s.digest, s.files, s.root, s.single = strings.TrimPrefix(d.Digest, "sha256:"), d.Files, path, !st.IsDir()
	}
	if ref == "" {
		return s, nil
	}
	name, n, err := registry.ParseDatasetRef(ref)
	if err != nil {
		return s, usageErr("%w", err)
	}
	cl, err := fl.r.client()
	if err != nil {
		return s, err
	}
	v, err := cl.GetDatasetVersion(c.Context(), name, n)
	if err != nil {
		return s, remoteErr(cl, err)
	}
	if hasPath && s.digest != v.Digest {
		return s, usageErr("%s is not %s: its digest is sha256:%s, the registered version's sha256:%s", path, ref, s.digest, v.Digest)
	}
	s.label, s.digest, s.files = ref, v.Digest, v.Files
	return s, nil
}

func (s diffSide) local(p string) string {
	if s.root == "" {
		return ""
	}
	if s.single {
		return s.root
	}
	return filepath.Join(s.root, filepath.FromSlash(p))
}

func runDataDiff(c *cobra.Command, oldArg, newArg string, fl *dataDiffFlags) error {
	if fl.r.format != "table" && fl.r.format != "json" {
		return usageErr("--format %q: use table or json", fl.r.format)
	}
	old, err := resolveDiffSide(c, oldArg, fl)
	if err != nil {
		return err
	}
	cur, err := resolveDiffSide(c, newArg, fl)
	if err != nil {
		return err
	}
	changes, unchanged := dataset.DiffFiles(old.files, cur.files)
	var tables []*dataset.TableDiff
	var notes []string
	for _, ch := range changes {
		if ch.Status != "changed" {
			continue
		}
		op, np := old.local(ch.Path), cur.local(ch.Path)
		if op == "" || np == "" {
			notes = append(notes, fmt.Sprintf("%s: rows, schema and drift need both versions at hand (give NAME@V=PATH)", ch.Path))
			continue
		}
		if _, err := table.DetectFormat(np); err != nil {
			continue // not a table: the digests say all there is
		}
		td, err := dataset.DiffTable(c.Context(), op, np, ch.Path, table.Options{NullValues: fl.nulls})
		if err != nil {
			return usageErr("cannot compare %s: %w", ch.Path, err)
		}
		tables = append(tables, td)
	}
	w := c.OutOrStdout()
	if fl.r.format == "json" {
		if changes == nil {
			changes = []dataset.FileChange{}
		}
		if tables == nil {
			tables = []*dataset.TableDiff{}
		}
		err = writeJSONOut(w, map[string]any{"old": map[string]string{"ref": old.label, "digest": old.digest},
			"new": map[string]string{"ref": cur.label, "digest": cur.digest}, "files": changes, "unchanged": unchanged, "tables": tables, "notes": notes})
	} else {
		err = writeDataDiff(w, old, cur, changes, unchanged, tables, notes)
	}
	if err != nil {
		return usageErr("cannot write the diff: %w", err)
	}
	if len(changes) > 0 {
		return withCode(ExitFindings, nil)
	}
	return nil
}

func writeDataDiff(w io.Writer, old, cur diffSide, changes []dataset.FileChange, unchanged int, tables []*dataset.TableDiff, notes []string) error {
	fmt.Fprintf(w, "%s (sha256:%s) -> %s (sha256:%s): %d files changed, %d unchanged\n", old.label, short(old.digest), cur.label, short(cur.digest), len(changes), unchanged)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, ch := range changes {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", strings.ToUpper(ch.Status), ch.Path, sizeChange(ch))
	}
	tw.Flush()
	for _, t := range tables {
		fmt.Fprintf(w, "\n%s: rows %d -> %d (%d added, %d removed)\n", t.Path, t.OldRows, t.NewRows, t.RowsAdded, t.RowsRemoved)
		if len(t.ColumnsAdded)+len(t.ColumnsRemoved) > 0 {
			fmt.Fprintf(w, "  columns added: %s; removed: %s\n", listOrNone(t.ColumnsAdded), listOrNone(t.ColumnsRemoved))
		}
		for _, tc := range t.TypeChanges {
			fmt.Fprintf(w, "  column %s: %s -> %s\n", tc.Column, tc.Old, tc.New)
		}
		switch {
		case t.Drift != nil:
			var drifted []string
			for _, col := range t.Drift.Columns {
				if col.Drift {
					drifted = append(drifted, col.Column)
				}
			}
			verdict := "no dataset drift"
			if t.Drift.DatasetDrift {
				verdict = "DATASET DRIFT"
			}
			fmt.Fprintf(w, "  drift: %s, %d of %d columns drifted (share %.2f, threshold %.2f): %s\n", verdict, t.Drift.NumberOfDriftedColumns,
				t.Drift.NumberOfColumns, t.Drift.ShareOfDriftedColumns, t.Drift.DriftShare, listOrNone(drifted))
		case t.DriftError != "":
			fmt.Fprintf(w, "  drift: not computed: %s\n", t.DriftError)
		}
	}
	for _, n := range notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	return nil
}

func sizeChange(ch dataset.FileChange) string {
	switch ch.Status {
	case "added":
		return fmt.Sprintf("%d bytes", ch.NewSize)
	case "removed":
		return fmt.Sprintf("%d bytes", ch.OldSize)
	}
	return fmt.Sprintf("%d -> %d bytes", ch.OldSize, ch.NewSize)
}
