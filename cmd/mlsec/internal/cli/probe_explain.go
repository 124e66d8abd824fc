package cli

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/mlsec/mlsec/probe"
	"github.com/mlsec/mlsec/probe/explain"
)

type explainFlags struct {
	ep         endpointFlags
	sample     sampleFlags
	ev         modelRef
	out        outputFlags
	repeats    int
	scoring    string
	maxSamples int
	reasons    int
	step       float64
	top        int
}

func newProbeExplainCmd() *cobra.Command {
	var fl explainFlags
	c := &cobra.Command{
		Use:   "explain --endpoint URL --protocol P --data SAMPLE --label COL",
		Short: "Explain a served model: permutation importance and per-prediction reason labels",
		Long: `explain measures which features a served model's answers depend on, from the
outside:

  permutation importance  exactly as scikit-learn's permutation_importance
                          defines it: the drop of the score (accuracy, or r2
                          for a regressor) when one feature's column is
                          shuffled, --repeats times, mean and std (ddof 0),
                          seeded. Costs rows x (1 + features x repeats)
                          queries.
  reason labels           for the first --reasons rows: each feature alone is
                          moved by --step of its range up and down and the
                          model asked again; the features that move the
                          answer's score most (or flip a label) become short
                          labels such as "income ↑ raised the score most
                          (+0.21)". Costs 1 + 2 x features queries per row
                          with scores, up to 1 + 6 x features with labels only.

Reason labels describe local sensitivity, not contributions: see docs/probe.md.

Exit codes: 0 done, 2 usage error, an unusable sample, or a failed probe
(docs/exit-codes.md).`,
		Example: `  mlsec probe explain --endpoint http://127.0.0.1:8501 --protocol kserve-v2 \
      --served-model breast-cancer --data breast_cancer.csv --label benign
  mlsec probe explain --endpoint http://127.0.0.1:8501 --protocol tfserving \
      --served-model diabetes --data diabetes.csv --label progression --scoring r2 \
      --repeats 30 --format html -o explain.html \
      --evidence explain.evidence.json --model ./diabetes-model`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runProbeExplain(cmd, &fl) },
	}
	f := c.Flags()
	fl.ep.register(f)
	fl.sample.register(f, 0)
	fl.ev.register(f)
	fl.out.register(f)
	f.IntVar(&fl.repeats, "repeats", 5, "permutations per feature (scikit-learn's n_repeats)")
	f.StringVar(&fl.scoring, "scoring", "accuracy", "score whose drop measures importance: accuracy, or r2 for a regressor")
	f.IntVar(&fl.maxSamples, "max-samples", 0, "rows permuted per feature (0: all)")
	f.IntVar(&fl.reasons, "reasons", 5, "rows that get reason labels (0: none)")
	f.Float64Var(&fl.step, "step", 0.1, "reason labels: the change tried per feature, as a share of its range")
	f.IntVar(&fl.top, "top", 3, "reason labels per row")
	return c
}

func runProbeExplain(cmd *cobra.Command, fl *explainFlags) error {
	var err error
	sc := explain.Scoring(fl.scoring)
	switch {
	case sc != explain.Accuracy && sc != explain.R2:
		err = errors.New("--scoring: want accuracy or r2")
	case fl.sample.label == "":
		err = errors.New("--label COL is required: permutation importance compares the model's answers with the true labels")
	case fl.repeats < 1 || fl.step <= 0 || fl.top < 1 || fl.reasons < 0:
		err = errors.New("--repeats, --step and --top must be positive, --reasons 0 or more")
	}
	s, cl, err := prepareProbe(err, &fl.sample, &fl.ep, &fl.out, &fl.ev)
	if err != nil {
		return err
	}
	reasons := fl.reasons
	if reasons == 0 {
		reasons = -1
	}
	rep, err := probe.Explain(cmd.Context(), cl, s, probe.ExplainOptions{
		Importance: explain.Options{Repeats: fl.repeats, Seed: fl.sample.seed, Scoring: sc, MaxSamples: fl.maxSamples},
		ReasonRows: reasons, Reasons: explain.ReasonOptions{Step: fl.step, Top: fl.top},
	})
	if rep == nil {
		return wordProbeErr(err)
	}
	return finishProbe(cmd, &fl.ep, cl, &fl.out, &fl.ev, rep, err)
}
