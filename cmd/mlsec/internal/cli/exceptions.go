package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/mlsec/mlsec/registry"
)

// 'mlsec exceptions MODEL': the policy exceptions granted on a model by
// grant_exception decisions (docs/governance.md).

func init() { register(newExceptionsCmd) }

func newExceptionsCmd() *cobra.Command {
	var r remote
	c := &cobra.Command{
		Use:   "exceptions MODEL",
		Short: "List the policy exceptions granted on a model (rule, version, owner, expiry)",
		Long: `exceptions lists the waivers granted by approved grant-exception decisions
('mlsec request MODEL@V grant-exception --rule ID --expires DATE --rationale T'):
each waives one policy rule for one version's digest until it expires, then
the rule applies again.`,
		Example: `  mlsec exceptions fraud-detector
  mlsec request fraud-detector@3 grant-exception --rule MLSEC-BOM-004 --expires 2026-12-31 --rationale "card in review"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := r.client()
			if err != nil {
				return err
			}
			es, err := cl.ListExceptions(cmd.Context(), args[0])
			if err != nil {
				return remoteErr(cl, err)
			}
			if r.format == "json" {
				if es == nil {
					es = []registry.ModelException{}
				}
				return writeJSONOut(cmd.OutOrStdout(), es)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tVERSION\tRULE\tOWNER\tEXPIRES\tSTATUS\tREQUEST\tGRANTED BY\tWHY")
			for _, e := range es {
				st := "expired"
				if e.Active {
					st = "active"
				}
				fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", e.ID, e.Version, e.Rule, e.Owner, e.Expires, st, e.RequestID, e.GrantedBy, oneLine(e.Rationale, 80))
			}
			return tw.Flush()
		},
	}
	r.register(c.Flags(), true)
	return c
}
