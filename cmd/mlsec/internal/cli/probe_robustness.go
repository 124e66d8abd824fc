package cli

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlsec/mlsec/probe"
	"github.com/mlsec/mlsec/probe/attack"
)

type robustnessFlags struct {
	ep         endpointFlags
	sample     sampleFlags
	ev         modelRef
	out        outputFlags
	attacks    []string
	norm       string
	epsilon    float64
	curve      []string
	budget     int
	workers    int
	minRobust  float64
	minRel     float64
	noProgress bool
}

func newProbeRobustnessCmd() *cobra.Command {
	var fl robustnessFlags
	c := &cobra.Command{
		Use:   "robustness --endpoint URL --protocol P --data SAMPLE [--label COL] [--attack A,...]",
		Short: "Attack a served model with black-box evasion attacks and measure how much change flips its answers",
		Long: `robustness probes a served model with untargeted evasion attacks on the rows of
a sample table. Each feature is scaled to its range (declared with --range, or
the table's), so ε and distances read as shares of each feature's range:

  hsj          HopSkipJump (Chen et al. 2020, as ART implements it), l2 or linf
  boundary     the Boundary attack (Brendel et al. 2018), l2
  simba        SimBA in the feature basis (needs per-class scores)
  noise        random changes of growing size (a cheap baseline)
  featurewise  one feature at a time over its valid values (a cheap baseline)

Every adversarial input found is made valid (whole numbers for integer
features, listed values for categorical ones, fixed features untouched) and
sent to the model again: it counts only if the answer really changed. The
report gives, per attack and per answer, the share of inputs fooled, the
distribution of the smallest change found (L2 and L∞; in input units, in range
units, and relative to the input), robust accuracy at ε and at more ε, and the
queries spent; --format json lists every probed input with both vectors.

The model is asked about every row twice first: a model that answers
differently is refused. If the server fails mid-probe (after --retries), the
report so far is printed, marked INCOMPLETE, and no evidence is written.

Exit codes: 0 every attack within the limits (--min-robust-accuracy,
--min-relative-perturbation), 1 an attack broke a limit, 2 usage error, an
unusable sample, a failed or incomplete probe (docs/exit-codes.md).`,
		Example: `  mlsec probe robustness --endpoint http://127.0.0.1:8501 --protocol kserve-v2 \
      --served-model breast-cancer --data breast_cancer.csv --label benign --rows 50
  mlsec probe robustness --endpoint http://127.0.0.1:5000 --protocol mlflow \
      --data sample.parquet --label approved --attack hsj,boundary,featurewise \
      --norm linf --epsilon 0.05 --integer age --categorical region --fixed sex
  mlsec probe robustness ... --format html -o robustness.html \
      --evidence robustness.evidence.json --model ./my-model`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runProbeRobustness(cmd, &fl) },
	}
	f := c.Flags()
	fl.ep.register(f)
	fl.sample.register(f, 100)
	fl.ev.register(f)
	fl.out.register(f)
	f.StringSliceVar(&fl.attacks, "attack", []string{"hsj", "noise"}, "attacks to run: hsj, boundary, simba, noise, featurewise, or all")
	f.StringVar(&fl.norm, "norm", "l2", "distance for ε and the headline perturbation: l2 or linf")
	f.Float64Var(&fl.epsilon, "epsilon", probe.DefaultEpsilon, "declared ε (range units) that robust accuracy is judged at")
	f.StringSliceVar(&fl.curve, "curve", []string{"0.01", "0.02", "0.05", "0.1", "0.2", "0.5"}, "more ε to report robust accuracy at")
	f.IntVar(&fl.budget, "budget", probe.DefaultBudget, "queries per input and attack")
	f.IntVar(&fl.workers, "workers", probe.DefaultWorkers, "inputs attacked at once")
	f.Float64Var(&fl.minRobust, "min-robust-accuracy", 0.5, "limit: robust accuracy at ε under every attack (0: not checked)")
	f.Float64Var(&fl.minRel, "min-relative-perturbation", 0.01, "limit: median relative change of fooled inputs (0: not checked)")
	f.BoolVar(&fl.noProgress, "no-progress", false, "no progress bar")
	return c
}

// attacks builds the attacks named by --attack.
func attacks(names []string, norm attack.Norm, curve []float64) ([]attack.Attack, error) {
	if len(names) == 1 && names[0] == "all" {
		names = []string{"hsj", "boundary", "simba", "noise", "featurewise"}
	}
	var out []attack.Attack
	for _, n := range names {
		switch strings.TrimSpace(n) {
		case "hsj":
			out = append(out, attack.HopSkipJump{Distance: norm})
		case "boundary":
			out = append(out, attack.Boundary{})
		case "simba":
			out = append(out, attack.SimBA{})
		case "noise":
			out = append(out, attack.Noise{Distance: norm, Epsilons: curve})
		case "featurewise":
			out = append(out, attack.Featurewise{})
		default:
			return nil, fmt.Errorf("--attack %q: want hsj, boundary, simba, noise, featurewise or all", n)
		}
	}
	return out, nil
}

func runProbeRobustness(cmd *cobra.Command, fl *robustnessFlags) error {
	norm, err := attack.ParseNorm(fl.norm)
	if err != nil {
		return withCode(ExitUsage, fmt.Errorf("--norm: %w", err))
	}
	var curve []float64
	for _, c := range fl.curve {
		v, perr := strconv.ParseFloat(strings.TrimSpace(c), 64)
		if perr != nil || v <= 0 {
			return withCode(ExitUsage, fmt.Errorf("--curve %q: want positive numbers", c))
		}
		curve = append(curve, v)
	}
	as, err := attacks(fl.attacks, norm, curve)
	if err == nil && (fl.epsilon <= 0 || fl.budget <= 0) {
		err = errors.New("--epsilon and --budget must be positive")
	}
	s, cl, err := prepareProbe(err, &fl.sample, &fl.ep, &fl.out, &fl.ev)
	if err != nil {
		return err
	}
	b := bar(cmd.ErrOrStderr(), fl.noProgress)
	rep, err := probe.Robustness(cmd.Context(), cl, s, probe.Options{
		Attacks: as, Norm: norm, Epsilon: fl.epsilon, Curve: curve, Budget: fl.budget, Workers: fl.workers,
		Seed: fl.sample.seed, MinRobustAccuracy: fl.minRobust, MinRelativePerturbation: fl.minRel, Progress: b.Update,
	})
	b.Clear()
	if rep == nil {
		return wordProbeErr(err)
	}
	if err := finishProbe(cmd, &fl.ep, cl, &fl.out, &fl.ev, rep, err); err != nil {
		return err
	}
	if rep.Passed != nil && !*rep.Passed {
		return withCode(ExitFindings, nil)
	}
	return nil
}
