package cli

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/mlsec/mlsec/gate"
	"github.com/mlsec/mlsec/internal/suggest"
	"github.com/mlsec/mlsec/policy"
	"github.com/mlsec/mlsec/scan"
)

func init() { register(newRulesCmd) }

// catalogueRule is one entry of 'mlsec rules': a scanner rule or a policy
// rule, as the binary holds it.
type catalogueRule struct {
	ID     string `json:"id"`
	Source string `json:"source"` // scan or policy
	// Level is the scanner rule's default severity, or the policy rule's
	// kind (deny, warn, deny|warn).
	Level string `json:"level"`
	// Profiles is what a policy rule does under each built-in profile.
	Profiles    map[string]string `json:"profiles,omitempty"`
	LevelFrom   string            `json:"level_from,omitempty"`
	Name        string            `json:"name,omitempty"`
	Title       string            `json:"title"`
	Description string            `json:"description,omitempty"`
	Remediation string            `json:"remediation,omitempty"`
	Controls    *policy.Controls  `json:"controls,omitempty"`
	Location    string            `json:"location,omitempty"`
	Docs        string            `json:"docs"`
}

// catalogue returns every rule: the scanner's, then the policies' (the
// built-in bundle plus dirs) and the engine's own, sorted by id.
func catalogue(c *cobra.Command, dirs []string) ([]catalogueRule, error) {
	var out []catalogueRule
	for _, r := range scan.Rules() {
		out = append(out, catalogueRule{ID: r.ID, Source: "scan", Level: r.Severity.String(), Name: r.Name,
			Title: r.Summary, Remediation: r.Remediation, Docs: "docs/rules.md#" + strings.ToLower(r.ID)})
	}
	eng, err := policy.New(c.Context(), policy.Options{Dirs: dirs})
	if err != nil {
		return nil, err
	}
	for _, r := range append(eng.Rules(), policy.EngineRules()...) {
		ctl := r.Controls
		out = append(out, catalogueRule{ID: r.ID, Source: "policy", Level: r.Kind, Profiles: policy.Levels(r), LevelFrom: r.LevelFrom,
			Title: r.Title, Description: r.Description, Remediation: r.Remediation, Controls: &ctl, Location: r.Location,
			Docs: "docs/policy.md#default-rules"})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func newRulesCmd() *cobra.Command {
	var dirs []string
	var format string
	c := &cobra.Command{
		Use:   "rules",
		Short: "List and explain the rules: scanner findings and policy decisions",
		Long: `rules prints the rule catalogue built into this binary: every scanner rule
(the ids of 'mlsec scan' findings, with their default severity) and every
policy rule (the ids of 'mlsec gate' and registry decisions, with what each
does under the baseline and strict profiles). --policy DIR adds the rules of
your own policies (those with a METADATA custom.id).`,
		Example: `  mlsec rules list
  mlsec rules list --source policy
  mlsec rules explain PKL001
  mlsec rules explain MLSEC-BOM-002 --format json`,
	}
	c.PersistentFlags().StringArrayVar(&dirs, "policy", nil, "also list the rules of the Rego policies in `DIR` (repeatable)")
	c.PersistentFlags().StringVar(&format, "format", "table", "output `FORMAT`: table or json")

	var source string
	list := &cobra.Command{
		Use:   "list [--source scan|policy]",
		Short: "List every rule with its level and title",
		Long: `list prints one line per rule: its id, where it comes from (scan or policy),
its level (a scanner rule's default severity; a policy rule's deny or warn,
per profile when a profile chooses it) and its title.`,
		Example: `  mlsec rules list
  mlsec rules list --source scan --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkTableJSON("rules list", format); err != nil {
				return err
			}
			if source != "" && source != "scan" && source != "policy" {
				return usageErr("rules list: --source %q: want scan or policy", source)
			}
			all, err := catalogue(cmd, dirs)
			if err != nil {
				return usageErr("rules list: %w", err)
			}
			var rs []catalogueRule
			for _, r := range all {
				if source == "" || r.Source == source {
					rs = append(rs, r)
				}
			}
			if format == "json" {
				return writeJSONOut(cmd.OutOrStdout(), rs)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSOURCE\tLEVEL\tTITLE")
			for _, r := range rs {
				title := r.Title
				if r.Name != "" {
					title = r.Name + ": " + title
				}
				// One line per rule in 100 columns; 'rules explain' has the rest.
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.ID, r.Source, levelText(r), oneLine(title, 54))
			}
			return tw.Flush()
		},
	}
	list.Flags().StringVar(&source, "source", "", "only the rules of `SOURCE`: scan or policy")

	explain := &cobra.Command{
		Use:   "explain ID",
		Short: "Explain one rule: what it means, why, what to do, and its controls",
		Long: `explain prints everything the binary knows about one rule id (case does not
matter): its title and description, level (per profile for policy rules, and
the data.mlsec key that chooses it), what to do, framework controls, where
the rule is defined and where it is documented.`,
		Example: `  mlsec rules explain PKL001
  mlsec rules explain mlsec-fair-003`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErr("rules explain: give one rule id, e.g. 'mlsec rules explain PKL001' ('mlsec rules list' lists them)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkTableJSON("rules explain", format); err != nil {
				return err
			}
			all, err := catalogue(cmd, dirs)
			if err != nil {
				return usageErr("rules explain: %w", err)
			}
			id := strings.ToUpper(strings.TrimSpace(args[0]))
			for _, r := range all {
				if strings.ToUpper(r.ID) == id {
					if format == "json" {
						return writeJSONOut(cmd.OutOrStdout(), r)
					}
					return explainRule(cmd.OutOrStdout(), r)
				}
			}
			return usageErr("rules explain: no rule %q%s; 'mlsec rules list' lists them", args[0], nearestID(id, all))
		},
	}
	c.AddCommand(list, explain)
	return c
}

func checkTableJSON(cmd, format string) error {
	if format != "table" && format != "json" {
		return usageErr("%s: --format %q: want table or json", cmd, format)
	}
	return nil
}

// levelText is the level column: the severity, the kind, or the level
// under each profile when they differ.
func levelText(r catalogueRule) string {
	if len(r.Profiles) == 0 {
		return r.Level
	}
	base, strict := r.Profiles["baseline"], r.Profiles["strict"]
	if base == strict {
		return base
	}
	return base + " (strict: " + strict + ")"
}

func explainRule(w io.Writer, r catalogueRule) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s  %s\n\n", r.ID, r.Title)
	if r.Source == "scan" {
		fmt.Fprintf(&b, "Scanner rule %s, default severity %s (a finding may carry another severity when the analyser has a reason).\n", r.Name, r.Level)
	} else {
		fmt.Fprintf(&b, "Policy rule (%s), level: %s.\n", r.Location, levelText(r))
		if r.LevelFrom != "" {
			fmt.Fprintf(&b, "The level comes from data.mlsec.%s: baseline %s, strict %s; a --data file can set it.\n",
				r.LevelFrom, r.Profiles["baseline"], r.Profiles["strict"])
		}
	}
	if r.Description != "" {
		fmt.Fprintf(&b, "\n%s\n", r.Description)
	}
	if r.Remediation != "" {
		fmt.Fprintf(&b, "\nWhat to do: %s\n", r.Remediation)
	}
	if r.Controls != nil {
		if t := gate.ControlsText(*r.Controls); t != "" {
			fmt.Fprintf(&b, "Controls: %s\n", t)
		}
	}
	fmt.Fprintf(&b, "Documentation: %s\n", r.Docs)
	_, err := io.WriteString(w, b.String())
	return err
}

// nearestID suggests the closest id to a mistyped one.
func nearestID(id string, rs []catalogueRule) string {
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = strings.ToUpper(r.ID)
	}
	if best := suggest.Nearest(id, ids, 2); best != "" {
		return " (did you mean " + best + "?)"
	}
	return ""
}
