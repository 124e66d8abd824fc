package cli

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/client"
)

// datasets: list and register datasets (docs/registry.md). A dataset
// belongs to a team and is scoped like the team's models.

func init() { register(newDatasetsCmd) }

func newDatasetsCmd() *cobra.Command {
	var r remote
	c := &cobra.Command{
		Use:   "datasets [add NAME --digest sha256:HEX [--team T] ...]",
		Short: "List or register the registry's datasets",
		Long: `datasets lists the datasets your token may see: all of them unscoped, your
team's with a team-scoped token, none with a model-scoped one. 'datasets add'
registers one by its digest (admins and maintainers); it belongs to --team,
by default your token's team. Lineage names datasets by digest
('mlsec lineage MODEL@V --add trained_on=sha256:...').`,
		Example: `  mlsec datasets
  mlsec datasets add transactions-2026q3 --digest sha256:9c1e... --team fraud --uri s3://data/tx-2026q3`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cl, err := r.client()
			if err != nil {
				return err
			}
			ds, err := client.All(cmd.Context(), 0, func(ctx context.Context, cur string) (client.List[registry.Dataset], error) {
				return cl.ListDatasets(ctx, registry.Page{Limit: registry.MaxLimit, Cursor: cur})
			})
			if err != nil {
				return remoteErr(cl, err)
			}
			if r.format == "json" {
				if ds == nil {
					ds = []registry.Dataset{}
				}
				return writeJSONOut(cmd.OutOrStdout(), ds)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tTEAM\tDIGEST\tOWNER\tURI")
			for _, d := range ds {
				fmt.Fprintf(tw, "%s\t%s\tsha256:%s\t%s\t%s\n", d.Name, orDash(d.Team), d.Digest, orDash(d.Owner), orDash(d.URI))
			}
			return tw.Flush()
		},
	}
	r.register(c.PersistentFlags(), true)
	var in registry.NewDataset
	add := &cobra.Command{
		Use:   "add NAME --digest sha256:HEX [--team T] [--owner O] [--uri U] [--description D]",
		Short: "Register a dataset by its digest",
		Example: `  mlsec datasets add transactions-2026q3 --digest sha256:9c1e... --team fraud
  mlsec datasets add eval-set --digest "sha256:$(sha256sum eval.parquet | cut -d' ' -f1)" --uri s3://data/eval.parquet`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := r.client()
			if err != nil {
				return err
			}
			in.Name = args[0]
			d, err := cl.CreateDataset(cmd.Context(), in)
			if err != nil {
				return remoteErr(cl, err)
			}
			if r.format == "json" {
				return writeJSONOut(cmd.OutOrStdout(), d)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "dataset %s sha256:%s (team %s)\n", d.Name, d.Digest, orDash(d.Team))
			return nil
		},
	}
	add.Flags().StringVar(&in.Digest, "digest", "", "the dataset's `sha256:HEX` digest (required)")
	add.Flags().StringVar(&in.Team, "team", "", "owning `TEAM` (default: your token's team)")
	add.Flags().StringVar(&in.Owner, "owner", "", "accountable `PERSON`")
	add.Flags().StringVar(&in.URI, "uri", "", "where the data lives")
	add.Flags().StringVar(&in.Description, "description", "", "what it is")
	add.MarkFlagRequired("digest")
	c.AddCommand(add)
	return c
}
