package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/fairness"
	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/client"
)

func newFairnessHistoryCmd() *cobra.Command {
	var r remote
	c := &cobra.Command{
		Use:   "history MODEL",
		Short: "Show a model's fairness metrics per version and date (bias drift)",
		Long: `history lists every fairness evidence record the registry holds for MODEL,
one line per evaluation: version, stage, date, sensitive attributes, dataset,
the headline metrics between groups (demographic parity difference and ratio,
equalized odds difference, equal opportunity difference) and the verdict. It
answers "have the bias metrics drifted?", and names the model's monitor owner,
who is responsible for watching them. Decisions on a candidate version warn
when its disparity is worse than production's (policy rule MLSEC-FAIR-003).`,
		Example: `  mlsec fairness history credit-model
  mlsec fairness history credit-model --format json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if r.format != "table" && r.format != "json" {
				return withCode(ExitUsage, fmt.Errorf("--format %q: want table or json", r.format))
			}
			cl, err := r.client()
			if err != nil {
				return err
			}
			model := args[0]
			es, err := fairnessHistory(cmd.Context(), cl, model)
			if err != nil {
				return remoteErr(cl, err)
			}
			g, err := cl.Owners(cmd.Context(), model)
			if err != nil {
				return remoteErr(cl, err)
			}
			monitor := g.Owners[registry.RespMonitor]
			out := cmd.OutOrStdout()
			if r.format == "json" {
				if monitor == nil {
					monitor = []string{}
				}
				return writeJSONOut(out, struct {
					Model   string                  `json:"model"`
					Monitor []string                `json:"monitor"`
					Entries []fairness.HistoryEntry `json:"entries"`
				}{model, monitor, es})
			}
			if err := fairness.WriteHistoryText(out, model, es); err != nil {
				return err
			}
			who := "nobody: set one with 'mlsec owners " + model + " --set monitor=USER'"
			if len(monitor) > 0 {
				who = strings.Join(monitor, ", ")
			}
			_, err = fmt.Fprintf(out, "\nWatched by (monitor owner): %s\n", who)
			return err
		},
	}
	r.register(c.Flags(), true)
	return c
}

// fairnessHistory reads every fairness record of every version of model.
func fairnessHistory(ctx context.Context, cl *client.Client, model string) ([]fairness.HistoryEntry, error) {
	vs, err := client.All(ctx, 0, func(ctx context.Context, cur string) (client.List[registry.Version], error) {
		return cl.ListVersions(ctx, model, client.VersionQuery{Page: registry.Page{Limit: registry.MaxLimit, Cursor: cur}})
	})
	if err != nil {
		return nil, err
	}
	out := []fairness.HistoryEntry{}
	for _, v := range vs {
		recs, err := client.All(ctx, 0, func(ctx context.Context, cur string) (client.List[registry.Evidence], error) {
			return cl.ListEvidence(ctx, model, v.Number, client.EvidenceQuery{Type: evidence.TypeFairness, Page: registry.Page{Limit: registry.MaxLimit, Cursor: cur}})
		})
		if err != nil {
			return nil, err
		}
		for _, e := range recs {
			var rec evidence.Record
			if err := json.Unmarshal(e.Body, &rec); err != nil {
				return nil, fmt.Errorf("evidence %d: %w", e.ID, err)
			}
			h, err := fairness.NewHistoryEntry(v.Number, string(v.Stage), rec)
			if err != nil {
				return nil, fmt.Errorf("evidence %d: %w", e.ID, err)
			}
			out = append(out, h)
		}
	}
	fairness.SortHistory(out)
	return out, nil
}
