package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlsec/mlsec/policy"
)

func init() { register(newPolicyCmd) }

func newPolicyCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "policy",
		Short: "Evaluate and test Rego policies (policy as code)",
		Long: `policy works with the Rego policies 'mlsec gate' decides with: the default
bundle embedded in mlsec (policies/ in the repository) plus your own folders
(--policy DIR) and data files (--data FILE). See docs/policy.md.`,
		Example: `  mlsec policy eval --input input.json --profile strict
  mlsec policy test ./team-policy
  mlsec rules list --source policy`,
	}
	c.AddCommand(newPolicyEvalCmd(), newPolicyTestCmd())
	return c
}

func newPolicyEvalCmd() *cobra.Command {
	var (
		input, format    string
		profile          string
		dirs, data       []string
		noDefault, trace bool
	)
	c := &cobra.Command{
		Use:   "eval --input FILE [--policy DIR ...] [--data FILE ...]",
		Short: "Evaluate an input document and print the decision",
		Long: `eval evaluates one policy input document (subject, evidence, action, actor,
context; see docs/policy.md) against the default bundle and any --policy
folders, and prints every deny, warning and waived result.

Exit codes: 0 allowed; 1 denied; 2 usage error or a broken policy (a policy
that fails to load or evaluate never allows).`,
		Example: `  mlsec policy eval --input input.json
  mlsec policy eval --input input.json --policy ./team-policy --data mlsec-data.yaml --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if input == "" {
				return withCode(ExitUsage, errors.New("policy eval: --input FILE is required"))
			}
			if format != "table" && format != "json" {
				return withCode(ExitUsage, errors.New("policy eval: --format must be table or json"))
			}
			doc, err := os.ReadFile(input)
			if err != nil {
				return withCode(ExitUsage, fmt.Errorf("policy eval: %w", err))
			}
			opts := policy.Options{Dirs: dirs, DataFiles: data, NoDefault: noDefault, Profile: profile}
			if trace {
				opts.Print = cmd.ErrOrStderr()
			}
			eng, err := policy.New(cmd.Context(), opts)
			if err != nil {
				return withCode(ExitUsage, fmt.Errorf("policy eval: %w", err))
			}
			dec, err := eng.EvaluateJSON(cmd.Context(), doc)
			if err != nil {
				return withCode(ExitUsage, fmt.Errorf("policy eval: %w", err))
			}
			out := cmd.OutOrStdout()
			if format == "json" {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(dec); err != nil {
					return withCode(ExitUsage, err)
				}
			} else {
				WriteDecision(out, dec)
			}
			if !dec.Allowed {
				return withCode(ExitFindings, nil)
			}
			return nil
		},
	}
	c.Flags().StringVar(&input, "input", "", "input document (JSON)")
	c.Flags().StringArrayVar(&dirs, "policy", nil, "folder or .rego file with extra policies (repeatable)")
	c.Flags().StringArrayVar(&data, "data", nil, "JSON/YAML data file merged into data, validated against docs/schemas/policy-data.schema.json (repeatable)")
	c.Flags().StringVar(&profile, "profile", policy.DefaultProfile, "policy `PROFILE`: baseline or strict")
	c.Flags().BoolVar(&noDefault, "no-default-policy", false, "leave out the embedded default bundle")
	c.Flags().BoolVar(&trace, "print", false, "show the output of print() calls on stderr")
	c.Flags().StringVar(&format, "format", "table", "output format: table or json")
	return c
}

// WriteDecision prints a decision for people: the verdict, then every
// deny, warning and waiver with its rule, evidence and what to do.
func WriteDecision(w io.Writer, dec *policy.Decision) {
	verdict := "ALLOWED"
	if !dec.Allowed {
		verdict = "DENIED"
	}
	fmt.Fprintf(w, "Decision: %s (%d deny, %d warning, %d waived)\n", verdict, len(dec.Denies), len(dec.Warnings), len(dec.Exceptions))
	if dec.Profile != "" {
		fmt.Fprintf(w, "Profile: %s\n", dec.Profile)
	}
	section := func(title string, rs []policy.Result) {
		if len(rs) == 0 {
			return
		}
		fmt.Fprintf(w, "\n%s:\n", title)
		for _, r := range rs {
			fmt.Fprintf(w, "  [%s] %s\n", r.ID, r.Message)
			for _, e := range r.Evidence {
				fmt.Fprintf(w, "      evidence: %s\n", e)
			}
			if r.Remediation != "" {
				fmt.Fprintf(w, "      fix: %s\n", r.Remediation)
			}
			if c := controlsLine(r.Controls); c != "" {
				fmt.Fprintf(w, "      controls: %s\n", c)
			}
			if x := r.Waiver; x != nil {
				fmt.Fprintf(w, "      waived by %s until %s: %s\n", x.Owner, x.Expires, x.Reason)
			}
		}
	}
	section("Denied by", dec.Denies)
	section("Warnings", dec.Warnings)
	section("Waived by exceptions", dec.Exceptions)
}

func controlsLine(c policy.Controls) string {
	var parts []string
	for _, l := range [][]string{c.OWASPML, c.ATLAS, c.NISTAIRMF} {
		if len(l) > 0 {
			parts = append(parts, strings.Join(l, ", "))
		}
	}
	return strings.Join(parts, "; ")
}

func newPolicyTestCmd() *cobra.Command {
	var (
		data      []string
		profile   string
		noDefault bool
		verbose   bool
	)
	c := &cobra.Command{
		Use:   "test [DIR ...]",
		Short: "Run Rego unit tests (test_* rules in *_test.rego)",
		Long: `test runs the Rego unit tests in the given folders with the default bundle
loaded, so your tests can exercise your rules together with mlsec's. Without
a folder it runs the default bundle's own tests.

Exit codes: 0 every test passed; 1 a test failed; 2 a policy or test file
does not load.`,
		Example: `  mlsec policy test ./team-policy
  mlsec policy test ./team-policy --data mlsec-data.yaml -v`,
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := policy.RunTests(cmd.Context(), policy.TestOptions{Dirs: args, DataFiles: data, NoDefault: noDefault, Profile: profile})
			if err != nil {
				return withCode(ExitUsage, fmt.Errorf("policy test: %w", err))
			}
			out := cmd.OutOrStdout()
			failed := 0
			for _, r := range res {
				status := "PASS"
				switch {
				case r.Skip:
					status = "SKIP"
				case !r.Pass:
					status = "FAIL"
					failed++
				}
				if verbose || status == "FAIL" {
					fmt.Fprintf(out, "%s %s.%s (%s)\n", status, strings.TrimPrefix(r.Package, "data."), r.Name, r.Location)
					if r.Error != "" && status == "FAIL" {
						fmt.Fprintf(out, "     %s\n", r.Error)
					}
					if r.Output != "" && status == "FAIL" {
						fmt.Fprintf(out, "     output: %s\n", strings.TrimSpace(r.Output))
					}
				}
			}
			if len(res) == 0 {
				return withCode(ExitUsage, errors.New("policy test: no test_ rules found"))
			}
			fmt.Fprintf(out, "%d passed, %d failed\n", len(res)-failed, failed)
			if failed > 0 {
				return withCode(ExitFindings, nil)
			}
			return nil
		},
	}
	c.Flags().StringArrayVar(&data, "data", nil, "JSON/YAML data file merged into data (repeatable)")
	c.Flags().BoolVar(&noDefault, "no-default-policy", false, "leave out the embedded default bundle")
	c.Flags().StringVar(&profile, "profile", policy.DefaultProfile, "policy `PROFILE` whose data the tests run with: baseline or strict")
	c.Flags().BoolVarP(&verbose, "verbose", "v", false, "list every test, not only failures")
	return c
}
