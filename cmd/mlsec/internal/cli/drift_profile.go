package cli

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/mlsec/mlsec/drift"
	"github.com/mlsec/mlsec/internal/table"
)

func newDriftProfileCmd() *cobra.Command {
	var out string
	var trim bool
	c := &cobra.Command{
		Use:   "profile TABLE",
		Short: "Build a reference profile (mergeable sketches) for live drift checks",
		Long: `profile summarises TABLE into a drift profile: a quantile sketch per numeric
column and capped category counts per other column (docs/drift.md). The
gateway compares each window of live traffic with it.

Exit codes: 0 written, 2 usage or input error.`,
		Example: `  mlsec drift profile train.csv -o reference-profile.json`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := table.ReadFrame(args[0], table.Options{TrimLeadingSpace: trim, NullValues: table.PandasNullValues})
			if err != nil {
				return withCode(ExitUsage, fmt.Errorf("drift profile: %w", err))
			}
			if f.Rows == 0 {
				return withCode(ExitUsage, fmt.Errorf("drift profile: %s: %w", args[0], table.ErrEmpty))
			}
			p := drift.ProfileFrame(filepath.Base(args[0]), f)
			w, of, err := reportDest(cmd.OutOrStdout(), out)
			if err != nil {
				return withCode(ExitUsage, err)
			}
			if of != nil {
				defer of.discard()
			}
			if err := drift.WriteProfile(w, p); err != nil {
				return withCode(ExitUsage, err)
			}
			if of != nil {
				if err := of.commit(); err != nil {
					return withCode(ExitUsage, err)
				}
			}
			_, _ = io.WriteString(cmd.ErrOrStderr(), fmt.Sprintf("profiled %d rows, %d columns\n", p.Rows, len(p.Columns)))
			return nil
		},
	}
	c.Flags().StringVarP(&out, "output", "o", "", "write the profile to `FILE` instead of stdout")
	c.Flags().BoolVar(&trim, "trim-space", false, "trim spaces after CSV delimiters")
	return c
}
