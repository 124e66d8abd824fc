package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mlsec/mlsec/report"
)

// The governance report (docs/report.md): a thin layer over package report.

func init() { register(newReportCmd) }

func newReportCmd() *cobra.Command {
	var r remote
	var format, out string
	c := &cobra.Command{
		Use:   "report MODEL",
		Short: "Governance report of a model (HTML for people, JSON for tools)",
		Long: `Report produces a model's governance report from the registry: its owners,
each version's stage and the decisions that put it there (rationale, policy
verdict, approvals, rollbacks), the evidence status of the production and
latest versions in six areas (supply chain, provenance, governance and
compliance, fairness, adversarial robustness, drift monitoring), open
exceptions, decision records, and the audit-log checkpoint it was produced
at. The HTML is a single self-contained, printable page with no scripts.`,
		Example: `  mlsec report fraud-model -o fraud-model-report.html
  mlsec report fraud-model --format json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "html" && format != "json" {
				return withCode(ExitUsage, fmt.Errorf("--format %q: want html or json", format))
			}
			w, of, err := reportDest(cmd.OutOrStdout(), out)
			if err != nil {
				return withCode(ExitUsage, err)
			}
			defer of.discard()
			cl, err := r.client()
			if err != nil {
				return err
			}
			rep, err := report.Build(cmd.Context(), cl, args[0])
			if err != nil {
				return remoteErr(cl, err)
			}
			if format == "json" {
				err = report.WriteJSON(w, rep)
			} else {
				err = report.WriteHTML(w, rep)
			}
			if err != nil {
				return err
			}
			if of != nil {
				if err := of.commit(); err != nil {
					return fmt.Errorf("report: %w", err)
				}
			}
			return nil
		},
	}
	r.register(c.Flags(), false)
	c.Flags().StringVar(&format, "format", "html", "output format: html or json")
	c.Flags().StringVarP(&out, "output", "o", "", "write the report to `FILE` (default standard output)")
	return c
}
