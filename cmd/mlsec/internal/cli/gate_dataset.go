package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlsec/mlsec/policy"
	"github.com/mlsec/mlsec/registry"
)

// gate --dataset NAME@V without a model: check a training run's inputs
// before training (docs/data.md "Before training"). The registry's facts
// about each dataset version (registry.DatasetFact, the shape its own
// decisions use) become input.datasets, and the training-data rules
// (MLSEC-DATA-*) decide. The model rules are left out: there is no model
// yet, so "no scan evidence" would deny every run.

// datasetGateRefs reports whether the gate is a training-data gate: no
// MODEL_PATH and every --dataset a registered NAME@V.
func datasetGateRefs(args []string, fl gateFlags) ([]string, bool) {
	if len(args) != 0 || len(fl.declared.datasets) == 0 {
		return nil, false
	}
	for _, d := range fl.declared.datasets {
		if _, _, err := registry.ParseDatasetRef(d); err != nil {
			return nil, false
		}
	}
	return fl.declared.datasets, true
}

// trainingDataResult reports whether a policy result belongs in a
// training-data gate: the MLSEC-DATA rules and the user's own rules.
func trainingDataResult(r policy.Result) bool {
	return strings.HasPrefix(r.ID, "MLSEC-DATA-") || !strings.HasPrefix(r.ID, "MLSEC-")
}

func runDatasetGate(c *cobra.Command, refs []string, fl gateFlags) error {
	if fl.format != "table" && fl.format != "json" {
		return usageErr("gate --dataset: --format %q: want table or json", fl.format)
	}
	cl, err := fl.r.client()
	if err != nil {
		return err
	}
	var facts []policy.Dataset
	for _, ref := range refs {
		name, n, _ := registry.ParseDatasetRef(ref)
		v, err := cl.GetDatasetVersion(c.Context(), name, n)
		if err != nil {
			return remoteErr(cl, err)
		}
		facts = append(facts, policy.Dataset(registry.DatasetFact(v)))
	}
	eng, err := policy.New(c.Context(), policy.Options{Dirs: fl.policies, DataFiles: fl.data, NoDefault: fl.noDefault, Profile: fl.profile})
	if err != nil {
		return usageErr("gate: %w\nNo decision was made: fix the policy (run 'mlsec policy test DIR') and run the gate again", err)
	}
	action := fl.action
	if !c.Flags().Changed("action") {
		action = "train"
	}
	in := policy.Input{
		Subject:  policy.Subject{Name: cmpOr(fl.name, "training run"), Digest: map[string]string{"sha256": facts[0].Digest}},
		Action:   policy.Action{Name: action},
		Actor:    policy.Actor{Name: fl.actor},
		Context:  policy.Context{Environment: fl.environment},
		Datasets: facts,
	}
	dec, err := eng.Evaluate(c.Context(), in)
	if err != nil {
		return usageErr("gate: %w\nNo decision was made", err)
	}
	out := policy.Decision{Profile: dec.Profile, Denies: []policy.Result{}, Warnings: []policy.Result{}, Exceptions: dec.Exceptions, Disabled: dec.Disabled}
	for _, r := range dec.Denies {
		if trainingDataResult(r) {
			out.Denies = append(out.Denies, r)
		}
	}
	for _, r := range dec.Warnings {
		if trainingDataResult(r) {
			out.Warnings = append(out.Warnings, r)
		}
	}
	out.Allowed = len(out.Denies) == 0
	w := c.OutOrStdout()
	if fl.format == "json" {
		err = writeJSONOut(w, map[string]any{"action": action, "datasets": facts, "decision": out})
	} else {
		err = writeDatasetGate(w, action, refs, facts, out)
	}
	if err != nil {
		return usageErr("cannot write the decision: %w", err)
	}
	if !out.Allowed || (fl.failOn == "warn" && len(out.Warnings) > 0) {
		if fl.failOn != "none" {
			return withCode(ExitFindings, nil)
		}
	}
	return nil
}

func writeDatasetGate(w io.Writer, action string, refs []string, facts []policy.Dataset, d policy.Decision) error {
	verdict := "ALLOWED"
	if !d.Allowed {
		verdict = "DENIED"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Decision: %s  (%s on %s)\n\nDatasets (%d):\n", verdict, action, strings.Join(refs, ", "), len(facts))
	for _, f := range facts {
		fmt.Fprintf(&b, "  %s@%d  sha256:%s  %s  approval %s  sensitive attributes: %s\n", f.Name, f.Version, short(f.Digest),
			cmpOr(f.Classification, "-"), f.Approval, listOrNone(f.SensitiveAttributes))
	}
	for _, g := range []struct {
		title string
		rs    []policy.Result
	}{{"Denied by", d.Denies}, {"Warnings", d.Warnings}} {
		if len(g.rs) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n%s:\n", g.title)
		for _, r := range g.rs {
			fmt.Fprintf(&b, "  %s  %s\n", r.ID, r.Message)
			if r.Remediation != "" {
				fmt.Fprintf(&b, "      what to do: %s\n", r.Remediation)
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
