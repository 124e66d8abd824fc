package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/gate"
	"github.com/mlsec/mlsec/internal/progress"
	"github.com/mlsec/mlsec/internal/version"
	"github.com/mlsec/mlsec/policy"
)

func init() { register(newGateCmd) }

type gateFlags struct {
	keys, evidence, policies, data, sensitive   []string
	ignorePaths                                 []string
	signature, action, stage, environment       string
	actor, name, riskTier, format, output, emit string
	failOn, sarif, profile                      string
	noDefault                                   bool
	declared                                    declaredFlags
	r                                           remote
}

func newGateCmd() *cobra.Command {
	var fl gateFlags
	c := &cobra.Command{
		Use:   "gate MODEL_PATH [--key PUB ...] [--evidence FILE ...] [--policy DIR ...]",
		Short: "Decide from evidence whether a model may be promoted (policy as code)",
		Long: `gate decides whether MODEL_PATH may go through a lifecycle action (by default:
promote to production). It

  1. scans the model (as 'mlsec scan'),
  2. verifies its OMS signature with each --key (the signature is --signature,
     else MODEL_PATH/model.sig, else MODEL_PATH.sig; none means unsigned),
  3. writes its ML-BOM (as 'mlsec bom'),
  4. reads the extra --evidence files (records or signed attestations),
  5. evaluates the Rego policies (the built-in bundle plus every --policy DIR)
     for the action under a profile, and prints the decision with every
     reason: the rule, the evidence it is about, and what to do.

Profiles (--profile): baseline, the default, denies on supply-chain and
provenance failures (scan findings, signature, missing BOM) and warns on
documentation gaps (no licence, no datasets, low BOM completeness); strict
also denies documentation gaps, bias drift against production and drift of
the evaluation data from the training data. --data files are validated
(docs/schemas/policy-data.schema.json) and override the profile's values.

Evidence about another artifact (another OMS root digest) is passed to the
policy, which does not count it, and reported as ignored. See docs/gate.md.

Before training, 'mlsec gate --dataset NAME@V [--server URL]' (no
MODEL_PATH; every --dataset a registered version) checks a training run's
data instead: the registry's facts about each version (registration,
approval, classification, PII) against the training-data rules
MLSEC-DATA-001..003, action train (docs/data.md).

Exit codes (docs/exit-codes.md):
  0  allowed (with --fail-on warn: and no warning)
  1  denied
  2  usage, I/O or policy error: no decision was made; a broken policy never allows`,
		Example: `  mlsec gate ./my-model --key signer.pub.pem
  mlsec gate ./my-model --key signer.pub.pem --profile strict
  mlsec gate model.onnx --key k.pub.pem --profile strict --license mit --dataset train@sha256:4f2c... --model-card card.md
  mlsec gate ./my-model --key signer.pub.pem --policy ./policies --data limits.yaml
  mlsec gate ./my-model --key k.pub.pem --evidence fairness.json --format sarif -o gate.sarif
  mlsec gate ./my-model --key k.pub.pem --emit-evidence ./evidence --format json
  mlsec gate --dataset adult@2 --server https://registry.example     # before training`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) == 0 && c.Flags().Changed("dataset") {
				return nil // a training-data gate (gate_dataset.go)
			}
			if len(args) != 1 {
				return withCode(ExitUsage, errors.New("gate: give exactly one model folder or file, e.g. 'mlsec gate ./model --key signer.pub.pem'"))
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			if refs, ok := datasetGateRefs(args, fl); ok {
				return runDatasetGate(c, refs, fl)
			}
			if len(args) != 1 {
				return usageErr("gate: without MODEL_PATH, give --dataset NAME@VERSION (a registered dataset version) to check a training run's data")
			}
			return runGate(c, args[0], fl)
		},
	}
	f := c.Flags()
	f.StringArrayVar(&fl.keys, "key", nil, "trusted public key `PEM` for the model signature and evidence attestations (repeatable)")
	f.StringVar(&fl.signature, "signature", "", "OMS signature `FILE` (default: MODEL_PATH/model.sig or MODEL_PATH.sig when present)")
	f.StringArrayVar(&fl.ignorePaths, "ignore-paths", nil, "path left out of the model's files, as for 'mlsec sign' (repeatable; give sign, bom and push the same)")
	f.StringArrayVar(&fl.evidence, "evidence", nil, "extra evidence `FILE`: a record, an array of records or a DSSE attestation (repeatable)")
	f.StringArrayVar(&fl.policies, "policy", nil, "add the Rego policies in `DIR` (or a .rego file) to the built-in bundle (repeatable)")
	f.StringArrayVar(&fl.data, "data", nil, "JSON/YAML data `FILE` merged into data, e.g. {\"mlsec\": {\"bom_min_score\": 70}} (repeatable)")
	f.StringVar(&fl.profile, "profile", policy.DefaultProfile, "policy `PROFILE`: baseline (documentation gaps warn) or strict (they deny)")
	f.BoolVar(&fl.noDefault, "no-default-policy", false, "evaluate only the --policy directories, not the built-in bundle")
	f.StringVar(&fl.action, "action", "promote", "lifecycle `ACTION` being decided (input.action.name)")
	f.StringVar(&fl.stage, "stage", "production", "target `STAGE` of the action (input.action.stage)")
	f.StringVar(&fl.environment, "environment", "", "where the decision is made, e.g. ci (input.context.environment)")
	f.StringVar(&fl.actor, "actor", "", "who asks for the action (input.actor.name)")
	f.StringVar(&fl.name, "name", "", "model `NAME` in the subject (default: the base name of MODEL_PATH)")
	f.StringVar(&fl.riskTier, "risk-tier", "", "declared risk `TIER` of the model, e.g. high (input.subject.risk_tier)")
	f.StringArrayVar(&fl.sensitive, "sensitive-attribute", nil, "declared sensitive `ATTRIBUTE`, e.g. sex (repeatable; calls for fairness evidence)")
	fl.declared.register(f)
	f.StringVar(&fl.format, "format", "table", "output `FORMAT`: table, json or sarif")
	f.StringVarP(&fl.output, "output", "o", "", "write the decision to `FILE` instead of stdout (replaced atomically)")
	f.StringVar(&fl.sarif, "sarif", "", "also write the decision as SARIF 2.1.0 to `FILE` (for code scanning), whatever --format is")
	f.StringVar(&fl.emit, "emit-evidence", "", "write the evidence the gate produced (scan.json, signature.json, bom.json) and the policy input (input.json) to `DIR`")
	f.StringVar(&fl.failOn, "fail-on", "deny", "exit 1 on `LEVEL`: deny, warn (denies and warnings) or none (report only)")
	fl.r.register(f, false)
	return c
}

func runGate(c *cobra.Command, model string, fl gateFlags) error {
	switch fl.format {
	case "table", "json", "sarif":
	default:
		return usageErr("gate: --format %q: want table, json or sarif", fl.format)
	}
	switch fl.failOn {
	case "deny", "warn", "none":
	default:
		return usageErr("gate: --fail-on %q: want deny, warn or none", fl.failOn)
	}
	var pems [][]byte
	for _, k := range fl.keys {
		b, err := os.ReadFile(k)
		if err != nil {
			return usageErr("gate: --key: %w", err)
		}
		pems = append(pems, b)
	}
	keys, err := gate.ParseKeys(pems, fl.keys)
	if err != nil {
		return usageErr("gate: --key: %w", err)
	}

	declared, err := fl.declared.parse()
	if err != nil {
		return usageErr("gate: %w", err)
	}
	ignores, err := resolveIgnores(model, fl.ignorePaths)
	if err != nil {
		return usageErr("gate: --ignore-paths: %w", err)
	}

	stdout := c.OutOrStdout()
	dst, file, err := reportDest(stdout, fl.output)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	defer file.discard()

	ctx := c.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	bar := progress.ForTerminal(c.ErrOrStderr(), "hashing")
	out, err := gate.Run(ctx, gate.Options{
		ModelPath: model, Name: fl.name, Keys: keys, SignaturePath: fl.signature, EvidenceFiles: fl.evidence,
		Progress: bar.UpdateBytes, IgnorePaths: ignores, Declared: declared,
		Policy:      policy.Options{Dirs: fl.policies, DataFiles: fl.data, NoDefault: fl.noDefault, Profile: fl.profile},
		Action:      policy.Action{Name: fl.action, Stage: fl.stage},
		Actor:       policy.Actor{Name: fl.actor},
		Environment: fl.environment, RiskTier: fl.riskTier, SensitiveAttributes: fl.sensitive,
	})
	bar.Clear()
	if err != nil {
		switch {
		case errors.Is(err, policy.ErrPolicy):
			return usageErr("gate: %w\nNo decision was made: fix the policy (run 'mlsec policy test DIR') and run the gate again", err)
		case ctx.Err() != nil:
			return usageErr("gate interrupted; no decision")
		}
		return usageErr("gate: %w\nNo decision was made", err)
	}

	code := ExitOK
	switch {
	case fl.failOn == "none":
	case !out.Allowed():
		code = ExitFindings
	case fl.failOn == "warn" && len(out.Decision.Warnings) > 0:
		code = ExitFindings
	}
	var werr error
	if fl.emit != "" {
		werr = emitEvidence(fl.emit, out)
	}
	wd, _ := os.Getwd()
	sarifOpts := gate.SARIFOptions{ExitCode: code, BaseDir: wd, Version: version.String()}
	if werr == nil && fl.sarif != "" {
		werr = writeFileAtomic(fl.sarif, func(w io.Writer) error { return gate.WriteSARIF(w, out, sarifOpts) })
	}
	if werr == nil {
		switch fl.format {
		case "json":
			werr = gate.WriteJSON(dst, out)
		case "sarif":
			werr = gate.WriteSARIF(dst, out, sarifOpts)
		default:
			werr = writeGateTable(dst, out, code)
		}
	}
	if werr == nil && file != nil {
		werr = file.commit()
	}
	if werr != nil {
		if code == ExitFindings { // a deny stays a deny
			return withCode(code, fmt.Errorf("gate: the model is denied, but the output could not be written: %w", werr))
		}
		return usageErr("gate: cannot write the output: %w", werr)
	}
	if file != nil {
		fmt.Fprintf(c.ErrOrStderr(), "Wrote the %s decision to %s: %s (%d denied, %d warning(s)).\n",
			fl.format, fl.output, gate.NewReport(out).Decision, len(out.Decision.Denies), len(out.Decision.Warnings))
	}
	if code != ExitOK {
		return withCode(code, nil)
	}
	return nil
}

// emitEvidence writes the produced records and the policy input to dir, so
// they can be attested, archived or replayed with 'mlsec policy eval'.
func emitEvidence(dir string, out *gate.Outcome) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	write := func(name string, fn func(io.Writer) error) error {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		err = fn(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	}
	for _, it := range out.Produced {
		rec := it.Record
		if err := write(rec.Type+".json", func(w io.Writer) error { return evidence.Write(w, rec) }); err != nil {
			return err
		}
	}
	return write("input.json", func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(out.Input)
	})
}

// writeGateTable prints the decision for people: verdict, evidence, then
// every deny, warning and waiver with its evidence and what to do.
func writeGateTable(w io.Writer, o *gate.Outcome, code int) error {
	rep := gate.NewReport(o)
	var b strings.Builder
	verdict := "ALLOWED"
	if !rep.Allowed {
		verdict = "DENIED"
	}
	action := rep.Action.Name
	if rep.Action.Stage != "" {
		action += " to " + rep.Action.Stage
	}
	fmt.Fprintf(&b, "Decision: %s  (%s of %s, sha256:%s)\n", verdict, action, rep.Subject.Name, rep.Subject.Digest["sha256"])
	if rep.Profile != "" {
		fmt.Fprintf(&b, "Profile: %s\n", rep.Profile)
	}
	if rep.Context.Environment != "" {
		fmt.Fprintf(&b, "Environment: %s\n", rep.Context.Environment)
	}
	fmt.Fprintf(&b, "\nEvidence (%d):\n", len(rep.Evidence))
	for _, e := range rep.Evidence {
		tag := ""
		if !e.Bound {
			tag = "  [IGNORED: about sha256:" + short12(e.Digest) + ", another artifact]"
		}
		signed := "unsigned"
		if e.Produced {
			signed = "this run"
		}
		if e.Signed {
			signed = "signed by " + short12(e.Signer)
		}
		fmt.Fprintf(&b, "  %-10s %s (%s, %s): %s%s\n", e.Type, e.Source, e.Timestamp, signed, e.Summary, tag)
	}
	for _, ig := range rep.Ignored {
		fmt.Fprintf(&b, "  ignored: %s evidence from %s is %s\n", ig.Type, ig.Source, ig.Reason)
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(&b, "  note: %s\n", n)
	}
	section := func(title, mark string, rs []policy.Result) {
		if len(rs) == 0 {
			return
		}
		fmt.Fprintf(&b, "\n%s (%d):\n", title, len(rs))
		for _, r := range rs {
			head := r.ID
			if r.Title != "" {
				head += "  " + r.Title
			}
			fmt.Fprintf(&b, "  %s %s\n      %s\n", mark, head, r.Message)
			for _, e := range r.Evidence {
				fmt.Fprintf(&b, "      evidence: %s\n", e)
			}
			if r.Remediation != "" {
				fmt.Fprintf(&b, "      what to do: %s\n", r.Remediation)
			}
			if r.Waiver != nil {
				fmt.Fprintf(&b, "      waived by: exception owned by %s until %s (%s) %s\n", r.Waiver.Owner, r.Waiver.Expires, r.Waiver.Source, r.Waiver.Reason)
			}
			fmt.Fprintf(&b, "      controls: %s\n", gate.ControlsText(r.Controls))
		}
	}
	section("Denied by", "DENY", rep.Denies)
	section("Warnings", "WARN", rep.Warnings)
	section("Waived by an exception", "WAIVED", rep.Waived)
	if len(rep.Disabled) > 0 {
		fmt.Fprintf(&b, "\nDisabled rules: %s\n", strings.Join(rep.Disabled, ", "))
	}
	fmt.Fprintf(&b, "\nResult: %s, %d deny, %d warning(s), %d waived (exit %d)\n",
		strings.ToLower(verdict), len(rep.Denies), len(rep.Warnings), len(rep.Waived), code)
	_, err := io.WriteString(w, b.String())
	return err
}

func short12(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}
