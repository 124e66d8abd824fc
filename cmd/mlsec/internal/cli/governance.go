package cli

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/client"
)

// Governance commands (docs/governance.md): owners, request, approve,
// reject, requests, rollback, record, history. Thin layers over the
// registry client; the server decides.

func init() {
	register(newOwnersCmd)
	register(newRequestCmd)
	register(newApproveCmd)
	register(newRejectCmd)
	register(newRequestsCmd)
	register(newRollbackCmd)
	register(newRecordCmd)
	register(newHistoryCmd)
}

func newOwnersCmd() *cobra.Command {
	var r remote
	var set, rules []string
	var rationale string
	c := &cobra.Command{
		Use:   "owners MODEL [--set RESPONSIBILITY=P1,P2 ...] [--approvals STAGE=N[:P1,P2] ...] [--rationale TEXT]",
		Short: "Show or set a model's accountable owners and approval rules",
		Long: `owners shows who is accountable for each lifecycle responsibility of MODEL
(train, approve, rollback, monitor, retire) and the approvals each stage needs.

--set approve=alice,bob replaces the approve owners (an empty list clears
them); principals are token names or role:ROLE. --approvals production=2
requires two approvals to enter production (from the approve owners);
--approvals production=1:role:reviewer,carol names the approvers instead.
A model with no owner for a stage's responsibility cannot enter that stage
(staging/production: approve; deprecated/retired: retire). Changes are
audited (admins and maintainers).

The governance floor (docs/governance.md): production always needs at least
one approval by someone other than the requester, and nobody names
themselves approver, approve owner or rollback owner. Admins apply changes
directly; a maintainer's change of the approve or rollback owners, of a
rule's approvers, or that lowers a rule opens a change_governance request
instead (give --rationale), which an admin or an approve owner other than
the maintainer approves with 'mlsec approve ID'.`,
		Example: `  mlsec owners fraud-detector
  mlsec owners fraud-detector --set approve=alice,bob --set rollback=oncall --set retire=carol
  mlsec owners fraud-detector --approvals production=2 --rationale "two reviewers since the Q3 audit"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var p registry.GovernancePatch
			for _, s := range set {
				k, v, ok := strings.Cut(s, "=")
				if !ok {
					return usageErr("owners: --set %q: want RESPONSIBILITY=NAME[,NAME...]", s)
				}
				if p.Owners == nil {
					p.Owners = map[registry.Responsibility][]string{}
				}
				p.Owners[registry.Responsibility(k)] = splitList(v)
			}
			for _, s := range rules {
				rule, err := parseRule(s)
				if err != nil {
					return usageErr("owners: --approvals %q: %v", s, err)
				}
				p.ApprovalRules = append(p.ApprovalRules, rule)
			}
			cl, err := r.client()
			if err != nil {
				return err
			}
			var g registry.Governance
			if len(p.Owners)+len(p.ApprovalRules) > 0 {
				p.Rationale = rationale
				var d *registry.DecisionRequest
				if g, d, err = cl.SetOwners(cmd.Context(), args[0], p); err == nil && d != nil {
					return printRequest(cmd.OutOrStdout(), r.format, *d)
				}
			} else {
				g, err = cl.Owners(cmd.Context(), args[0])
			}
			if err != nil {
				return remoteErr(cl, err)
			}
			if r.format == "json" {
				return writeJSONOut(cmd.OutOrStdout(), g)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "RESPONSIBILITY\tOWNERS")
			for _, resp := range registry.Responsibilities {
				fmt.Fprintf(tw, "%s\t%s\n", resp, orDash(strings.Join(g.Owners[resp], ", ")))
			}
			fmt.Fprintln(tw, "\nSTAGE\tAPPROVALS\tAPPROVERS")
			for _, rule := range g.ApprovalRules {
				who := strings.Join(rule.Approvers, ", ")
				if who == "" {
					who = "owners: " + string(registry.StageResponsibility(rule.Stage))
				}
				fmt.Fprintf(tw, "%s\t%d\t%s\n", rule.Stage, rule.Required, who)
			}
			return tw.Flush()
		},
	}
	r.register(c.Flags(), true)
	c.Flags().StringArrayVar(&set, "set", nil, "replace a responsibility's owners: `RESP=NAME,...` (repeatable)")
	c.Flags().StringArrayVar(&rules, "approvals", nil, "approvals a stage needs: `STAGE=N[:NAME,...]` (repeatable)")
	c.Flags().StringVar(&rationale, "rationale", "", "why: required when the change becomes a decision (a maintainer changing approvers or lowering a rule)")
	return c
}

func parseRule(s string) (registry.ApprovalRule, error) {
	stage, rest, ok := strings.Cut(s, "=")
	if !ok {
		return registry.ApprovalRule{}, fmt.Errorf("want STAGE=N[:NAME,...]")
	}
	num, who, _ := strings.Cut(rest, ":")
	n, err := strconv.Atoi(num)
	if err != nil {
		return registry.ApprovalRule{}, fmt.Errorf("approvals count %q is not a number", num)
	}
	return registry.ApprovalRule{Stage: registry.Stage(stage), Required: n, Approvers: splitList(who)}, nil
}

func splitList(s string) []string {
	out := []string{}
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// printRequest shows a request and what blocks it; a denied, rejected or
// superseded request exits 1.
func printRequest(w io.Writer, format string, d registry.DecisionRequest) error {
	if format == "json" {
		if err := writeJSONOut(w, d); err != nil {
			return err
		}
	} else {
		switch {
		case d.Action == registry.ActionChangeGovernance:
			fmt.Fprintf(w, "request %d: governance change of %s: %s\n", d.ID, d.Model, d.Status)
		case d.Action == registry.ActionUnprotectAlias:
			fmt.Fprintf(w, "request %d: unprotect alias %s of %s: %s\n", d.ID, d.Alias, d.Model, d.Status)
		case d.Alias != "":
			fmt.Fprintf(w, "request %d: %s %s of %s to version %d: %s\n", d.ID, d.Action, d.Alias, d.Model, d.Version, d.Status)
		case d.Action == registry.ActionGrantException:
			fmt.Fprintf(w, "request %d: %s %s for %s@%d until %s (owner %s): %s\n", d.ID, d.Action, d.Rule, d.Model, d.Version, d.Expires, d.Owner, d.Status)
		default:
			fmt.Fprintf(w, "request %d: %s %s@%d to %s: %s\n", d.ID, d.Action, d.Model, d.Version, d.Stage, d.Status)
		}
		fmt.Fprintf(w, "  requested by %s: %s\n", d.RequestedBy, d.Rationale)
		if d.Policy != nil {
			fmt.Fprintf(w, "  policy: allowed=%t, %d deny, %d warning, profile %s\n", d.Policy.Allowed, len(d.Policy.Denies), len(d.Policy.Warnings), orDash(d.Policy.Profile))
			for _, x := range d.Policy.Warnings {
				fmt.Fprintf(w, "    warn %s: %s\n", x.ID, x.Message)
			}
		}
		fmt.Fprintf(w, "  approvals: %d of %d (approvers: %s)\n", registry.CountApprovals(d.Approvals), d.Required, orDash(strings.Join(d.Approvers, ", ")))
		for _, a := range d.Approvals {
			verdict := a.Verdict
			if a.Kind == registry.KindAcceptance {
				verdict = "accept (exception owner)"
			}
			fmt.Fprintf(w, "    %s %s %s: %s\n", a.CreatedAt.Format("2006-01-02 15:04"), a.Principal, verdict, a.Comment)
		}
		for _, b := range d.BlockedBy {
			fmt.Fprintf(w, "  blocked by %s\n", b)
		}
		if d.Outcome != "" {
			fmt.Fprintf(w, "  outcome: %s (by %s)\n", d.Outcome, d.DecidedBy)
		}
	}
	switch d.Status {
	case registry.RequestDenied, registry.RequestRejected, registry.RequestSuperseded:
		return withCode(ExitFindings, fmt.Errorf("request %d is %s: %s", d.ID, d.Status, d.Outcome))
	}
	return nil
}

func newRequestCmd() *cobra.Command {
	var r remote
	var stage, rationale, alias, rule, expires, owner string
	c := &cobra.Command{
		Use:   "request MODEL@VERSION promote|deprecate|retire|move-alias|grant-exception --rationale TEXT [--stage staging|production] [--alias NAME] [--rule ID --expires DATE [--owner NAME]]",
		Short: "Request a policy-gated, approved decision on a model version",
		Long: `request asks the registry for a decision on a version. The server evaluates
its policy on the version's stored evidence at once (a deny ends the request
as denied, with the rule ids), then waits for the approvals the stage needs
(default: production needs one approval from an approve owner, never the
requester), then moves the version. Exit 1 if the request is denied.
move-alias --alias NAME points an alias (e.g. a protected champion) at the
version under the policy and approvals of production.
grant-exception --rule ID --expires DATE waives one policy rule for the
version's digest until DATE (end of that day, UTC; at most 366 days ahead),
owned by --owner (default: you), under the approvals of production; once
executed every later evaluation of the model applies it ('mlsec exceptions').`,
		Example: `  mlsec request fraud-detector@3 promote --stage production --rationale "beats v2 on recall, see eval run 88"
  mlsec request fraud-detector@4 move-alias --alias champion --rationale "wins the A/B test, see run 91"
  mlsec request fraud-detector@4 grant-exception --rule MLSEC-SCAN-002 --expires 2027-01-31 --rationale "fixture pickles, reviewed in SEC-123"`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := r.client()
			if err != nil {
				return err
			}
			name, n, err := resolveExplicit(cmd.Context(), cl, args[0])
			if err != nil {
				return err
			}
			action := registry.DecisionAction(strings.ReplaceAll(args[1], "-", "_")) // move-alias, grant-exception
			d, err := cl.RequestDecision(cmd.Context(), name, n, registry.NewRequest{Action: action, Stage: registry.Stage(stage), Alias: alias,
				Rule: rule, Expires: expires, Owner: owner, Rationale: rationale})
			if err != nil {
				return remoteErr(cl, err)
			}
			return printRequest(cmd.OutOrStdout(), r.format, d)
		},
	}
	r.register(c.Flags(), true)
	c.Flags().StringVar(&stage, "stage", "", "target stage of promote: staging or production (default production)")
	c.Flags().StringVar(&rationale, "rationale", "", "why (required)")
	c.Flags().StringVar(&alias, "alias", "", "move-alias: the alias to point at the version (gated like a promotion to production)")
	c.Flags().StringVar(&rule, "rule", "", "grant-exception: the policy rule id to waive (e.g. MLSEC-SCAN-002)")
	c.Flags().StringVar(&expires, "expires", "", "grant-exception: expiry, YYYY-MM-DD (end of that day, UTC) or RFC 3339")
	c.Flags().StringVar(&owner, "owner", "", "grant-exception: the exception's owner (default: you)")
	return c
}

// resolveExplicit resolves NAME@VERSION where VERSION must be given.
func resolveExplicit(ctx context.Context, cl *client.Client, ref string) (string, int, error) {
	name, v := splitRef(ref)
	if v == "" || v == "latest" {
		return "", 0, withCode(ExitUsage, fmt.Errorf("%q: name the version explicitly (NAME@NUMBER or NAME@sha256:DIGEST)", ref))
	}
	n, err := cl.Resolve(ctx, name, v)
	if err != nil {
		return "", 0, remoteErr(cl, err)
	}
	return name, n, nil
}

func newVoteCmd(approve bool) *cobra.Command {
	var r remote
	var comment string
	verb, short := "reject", "Reject a pending decision request"
	if approve {
		verb, short = "approve", "Approve a pending decision request (approvers only, never the requester)"
	}
	c := &cobra.Command{
		Use:     verb + " REQUEST_ID [--comment TEXT]",
		Short:   short,
		Example: "  mlsec requests fraud-detector --status pending\n  mlsec " + verb + " 12 --comment \"reviewed the fairness report\"",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id < 1 {
				return usageErr("%s: REQUEST_ID must be a number, e.g. 'mlsec %s 12'", verb, verb)
			}
			cl, err := r.client()
			if err != nil {
				return err
			}
			d, err := cl.Vote(cmd.Context(), id, approve, comment)
			if err != nil {
				return remoteErr(cl, err)
			}
			return printRequest(cmd.OutOrStdout(), r.format, d)
		},
	}
	r.register(c.Flags(), true)
	c.Flags().StringVar(&comment, "comment", "", "why")
	return c
}

func newApproveCmd() *cobra.Command { return newVoteCmd(true) }
func newRejectCmd() *cobra.Command  { return newVoteCmd(false) }

func newRequestsCmd() *cobra.Command {
	var r remote
	var status string
	c := &cobra.Command{
		Use:   "requests MODEL [--status S]",
		Short: "List a model's decision requests",
		Example: `  mlsec requests fraud-detector
  mlsec requests fraud-detector --status pending --format json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := r.client()
			if err != nil {
				return err
			}
			ds, err := client.All(cmd.Context(), 0, func(ctx context.Context, cur string) (client.List[registry.DecisionRequest], error) {
				return cl.ListRequests(ctx, args[0], registry.RequestStatus(status), registry.Page{Limit: registry.MaxLimit, Cursor: cur})
			})
			if err != nil {
				return remoteErr(cl, err)
			}
			if r.format == "json" {
				if ds == nil {
					ds = []registry.DecisionRequest{}
				}
				return writeJSONOut(cmd.OutOrStdout(), ds)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tVERSION\tACTION\tSTAGE\tSTATUS\tBY\tAPPROVALS\tBLOCKED BY")
			for _, d := range ds {
				version := "-" // model-level: change_governance, unprotect_alias
				if d.Version > 0 {
					version = strconv.Itoa(d.Version)
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%d/%d\t%s\n", d.ID, version, d.Action, orDash(string(d.Stage)), d.Status, d.RequestedBy,
					registry.CountApprovals(d.Approvals), d.Required, orDash(strings.Join(blockIDs(d.BlockedBy), ", ")))
			}
			return tw.Flush()
		},
	}
	r.register(c.Flags(), true)
	c.Flags().StringVar(&status, "status", "", "only requests in this status (pending, executed, denied, rejected, superseded)")
	return c
}

// blockIDs shortens blockers to their rule id or "approvals".
func blockIDs(bs []string) []string {
	out := make([]string, 0, len(bs))
	for _, b := range bs {
		head, _, _ := strings.Cut(b, ":")
		out = append(out, strings.TrimPrefix(head, "policy "))
	}
	sort.Strings(out)
	return out
}

func newRollbackCmd() *cobra.Command {
	var r remote
	var to int
	var reason string
	c := &cobra.Command{
		Use:   "rollback MODEL --to VERSION --reason TEXT",
		Short: "Return production to a previous version (rollback owners; audited, digest re-verified)",
		Long: `rollback moves production of MODEL back to VERSION, which must have been in
production before. It needs no second approval but only rollback owners may
do it; the server first recomputes the version's root digest from its
recorded file digests and checks every blob is still stored, evaluates the
policy on its evidence, and audits the rollback with the reason.`,
		Example: `  mlsec rollback fraud-detector --to 2 --reason "v3 doubles false positives since 09:10"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if to < 1 {
				return usageErr("rollback: --to VERSION is required")
			}
			cl, err := r.client()
			if err != nil {
				return err
			}
			d, err := cl.Rollback(cmd.Context(), args[0], to, reason)
			if err != nil {
				return remoteErr(cl, err)
			}
			return printRequest(cmd.OutOrStdout(), r.format, d)
		},
	}
	r.register(c.Flags(), true)
	c.Flags().IntVar(&to, "to", 0, "version `NUMBER` to put back in production")
	c.Flags().StringVar(&reason, "reason", "", "why (required)")
	return c
}

func newRecordCmd() *cobra.Command {
	var r remote
	var title, body string
	c := &cobra.Command{
		Use:     "record MODEL@VERSION --title TEXT --body TEXT",
		Short:   "Add a decision record (who decided what and why) to a model version",
		Example: `  mlsec record fraud-detector@3 --title "Excluded 2019 data" --body "collection bug, see DATA-12"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := r.client()
			if err != nil {
				return err
			}
			name, n, err := resolveExplicit(cmd.Context(), cl, args[0])
			if err != nil {
				return err
			}
			rec, err := cl.AddRecord(cmd.Context(), name, n, title, body)
			if err != nil {
				return remoteErr(cl, err)
			}
			if r.format == "json" {
				return writeJSONOut(cmd.OutOrStdout(), rec)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "record %d on %s@%d by %s: %s\n", rec.ID, name, n, rec.Author, rec.Title)
			return nil
		},
	}
	r.register(c.Flags(), true)
	c.Flags().StringVar(&title, "title", "", "short title (required)")
	c.Flags().StringVar(&body, "body", "", "the record (required)")
	return c
}

func newHistoryCmd() *cobra.Command {
	var r remote
	c := &cobra.Command{
		Use:   "history MODEL",
		Short: "Who did what, when and why, across a model's versions",
		Example: `  mlsec history fraud-detector
  mlsec history fraud-detector --format json   # every detail`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := r.client()
			if err != nil {
				return err
			}
			h, err := cl.History(cmd.Context(), args[0])
			if err != nil {
				return remoteErr(cl, err)
			}
			if r.format == "json" {
				if h == nil {
					h = []registry.HistoryEntry{}
				}
				return writeJSONOut(cmd.OutOrStdout(), h)
			}
			writeHistory(cmd.OutOrStdout(), h)
			return nil
		},
	}
	r.register(c.Flags(), true)
	return c
}

// historyWidth is the terminal width the history table fits.
const historyWidth = 100

// writeHistory prints one line per event in historyWidth columns: when,
// who, the version, and what happened and why in words (the action codes
// and every detail are in --format json).
func writeHistory(w io.Writer, h []registry.HistoryEntry) {
	whoW, vW := len("WHO"), len("V")
	for _, e := range h {
		whoW, vW = max(whoW, len(e.Actor)), max(vW, len(strconv.Itoa(e.Version)))
	}
	const whenW = len("2006-01-02 15:04")
	textW := max(historyWidth-(whenW+2)-(whoW+2)-(vW+2), 30)
	fmt.Fprintf(w, "%-*s  %-*s  %-*s  %s\n", whenW, "WHEN", whoW, "WHO", vW, "V", "WHAT HAPPENED (AND WHY)")
	for _, e := range h {
		v := "-"
		if e.Version > 0 {
			v = strconv.Itoa(e.Version)
		}
		text := e.What
		if why := strings.TrimSpace(e.Why); why != "" {
			text += ", because: " + why
		}
		fmt.Fprintf(w, "%-*s  %-*s  %-*s  %s\n", whenW, e.At.Format("2006-01-02 15:04"), whoW, e.Actor, vW, v, oneLine(text, textW))
	}
}

func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > max {
		return string(r[:max-3]) + "..."
	}
	return s
}
