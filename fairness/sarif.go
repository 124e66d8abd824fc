package fairness

import (
	"fmt"
	"io"

	"github.com/mlsec/mlsec/internal/sarif"
)

// SARIF rule ids of the fairness report.
const (
	RuleDemographicParity = "fairness/demographic-parity-difference"
	RuleFourFifths        = "fairness/four-fifths"
	RuleSmallGroup        = "fairness/small-group"
	RuleUnmeasuredRate    = "fairness/unmeasured-rate"
)

var sarifRules = []struct{ id, name, level, desc, fix string }{
	{RuleDemographicParity, "DemographicParityDifference", sarif.LevelError,
		"The selection rates of the groups differ by more than the limit (demographic parity difference between groups).",
		"Mitigate the bias (reweighting, per-group thresholds, more representative data) and re-evaluate."},
	{RuleFourFifths, "FourFifthsRule", sarif.LevelError,
		"The lowest group selection rate is below four fifths of the highest (disparate impact), or undefined.",
		"Mitigate the disparate impact and re-evaluate; document any business necessity."},
	{RuleSmallGroup, "SmallGroup", sarif.LevelWarning,
		"A group has fewer rows than the minimum group size: its rates are too uncertain to judge.",
		"Collect more evaluation data for the group, or merge categories, and re-evaluate."},
	{RuleUnmeasuredRate, "UnmeasuredRate", sarif.LevelNote,
		"A group has no positive (or no negative) labels, so fairlearn reports its true (false) positive rate as 0 without measuring it.",
		"Add labelled rows of both classes for the group before trusting equalized-odds and equal-opportunity metrics."},
}

// SARIFOptions describe the run: the data file as given, the folder
// relative URIs are taken from, the tool version and the exit code.
type SARIFOptions struct {
	DataPath, BaseDir, Version string
	ExitCode                   int
}

// WriteSARIF writes the failed checks and the warnings as a SARIF 2.1.0
// log located at the data file.
func WriteSARIF(w io.Writer, r *Result, o SARIFOptions) error {
	driver := sarif.Driver{Name: "mlsec fairness", Version: o.Version, InformationURI: "https://github.com/mlsec/mlsec", Rules: []sarif.Rule{}}
	index := map[string]int{}
	for i, rl := range sarifRules {
		index[rl.id] = i
		driver.Rules = append(driver.Rules, sarif.Rule{
			ID: rl.id, Name: rl.name, ShortDescription: sarif.Text{Text: rl.desc}, FullDescription: sarif.Text{Text: rl.desc},
			Help:    sarif.Help(rl.desc, rl.fix, "See docs/fairness.md.", "See [docs/fairness.md](https://github.com/mlsec/mlsec/blob/main/docs/fairness.md)."),
			HelpURI: "https://github.com/mlsec/mlsec/blob/main/docs/fairness.md", DefaultConfiguration: sarif.Config{Level: rl.level},
			Properties: map[string]any{"tags": []string{"fairness", "responsible-ai"}},
		})
	}
	uri, base := sarif.ArtifactURI(o.DataPath, o.BaseDir)
	run := sarif.Run{
		Tool:              sarif.Tool{Driver: driver},
		AutomationDetails: &sarif.Automation{ID: "mlsec-fairness/"},
		Invocations:       []sarif.Invocation{{ExecutionSuccessful: true, ExitCode: o.ExitCode}},
		Results:           []sarif.Result{},
	}
	add := func(rule, key, msg string, props any) {
		i := index[rule]
		run.Results = append(run.Results, sarif.Result{RuleID: rule, RuleIndex: i, Level: sarifRules[i].level,
			Message: sarif.Text{Text: msg}, Locations: sarif.FileLocations(uri, base),
			PartialFingerprints: map[string]string{"mlsecFairness/v1": sarif.Fingerprint(rule, uri, key, "")},
			Properties:          props})
	}
	for _, c := range r.Checks {
		if c.Passed {
			continue
		}
		rule := RuleDemographicParity
		if c.Metric == DemographicParityRatio {
			rule = RuleFourFifths
		}
		add(rule, c.Metric, r.checkLine(c), map[string]any{"metric": c.Metric, "method": c.Method, "value": c.Value})
	}
	for _, g := range r.ByGroup {
		key := g.Group.String()
		if g.Small {
			add(RuleSmallGroup, key, fmt.Sprintf("group %s has %d rows, fewer than %d", key, int64(g.Metrics[Count]), r.MinGroupSize),
				map[string]any{"group": g.Group, "rows": int64(g.Metrics[Count])})
		}
		if g.Positives == 0 || g.Negatives == 0 {
			what := "positive"
			if g.Negatives == 0 {
				what = "negative"
			}
			add(RuleUnmeasuredRate, key, fmt.Sprintf("group %s has no %s labels: some of its rates are reported as 0 without being measured", key, what),
				map[string]any{"group": g.Group, "positives": g.Positives, "negatives": g.Negatives})
		}
	}
	return sarif.Write(w, run)
}
