package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/mlsec/mlsec/registry"
)

// alias: show, move and protect named aliases (docs/governance.md
// "Aliases"). A protected alias moves only through 'mlsec request ...
// move-alias'.

func init() { register(newAliasCmd) }

func newAliasCmd() *cobra.Command {
	var r remote
	var set, expect int
	var protect, unprotect bool
	var reason string
	c := &cobra.Command{
		Use:   "alias MODEL [NAME] [--set VERSION] [--protect|--unprotect] [--reason TEXT]",
		Short: "Show, move or protect a model's named aliases (champion, challenger, ...)",
		Long: `alias lists MODEL's aliases, or shows alias NAME with its history (every
move: from, to, who, why and the deciding request).

--set VERSION points an unprotected alias at VERSION (admins and
maintainers); --expect N moves it only if it still points at N (0: does
not exist yet), so a concurrent move fails with a conflict. --protect
(admins) protects it: a protected alias moves only through a decision,
gated like a promotion to production:
  mlsec request MODEL@VERSION move-alias --alias NAME --rationale ...
--unprotect (admins) opens an unprotect_alias decision (give --reason) that
an admin or approve owner other than you approves with 'mlsec approve ID'.`,
		Example: `  mlsec alias fraud-detector
  mlsec alias fraud-detector challenger --set 4
  mlsec alias fraud-detector champion --set 3 --protect
  mlsec alias fraud-detector champion`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if protect && unprotect {
				return usageErr("alias: --protect and --unprotect exclude each other")
			}
			cl, err := r.client()
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if len(args) == 1 {
				if set != 0 || protect || unprotect {
					return usageErr("alias: name the alias to change: 'mlsec alias %s NAME --set VERSION'", args[0])
				}
				as, err := cl.ListAliases(cmd.Context(), args[0])
				if err != nil {
					return remoteErr(cl, err)
				}
				if r.format == "json" {
					return writeJSONOut(out, as)
				}
				tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ALIAS\tVERSION\tPROTECTED\tUPDATED BY\tUPDATED")
				for _, a := range as {
					fmt.Fprintf(tw, "%s\t%d\t%t\t%s\t%s\n", a.Name, a.Version, a.Protected, a.UpdatedBy, a.UpdatedAt.Format("2006-01-02 15:04"))
				}
				return tw.Flush()
			}
			model, name := args[0], args[1]
			if set != 0 || protect || unprotect {
				in := registry.AliasPut{Version: set, Reason: reason}
				if protect || unprotect {
					in.Protected = &protect
				}
				if cmd.Flags().Changed("expect") {
					in.Expect = &expect
				}
				_, d, err := cl.SetAlias(cmd.Context(), model, name, in)
				if err != nil {
					return remoteErr(cl, err)
				}
				if d != nil { // unprotecting is a decision another person approves
					return printRequest(out, r.format, *d)
				}
			}
			a, err := cl.GetAlias(cmd.Context(), model, name)
			if err != nil {
				return remoteErr(cl, err)
			}
			h, err := cl.AliasHistory(cmd.Context(), model, name, registry.Page{Limit: registry.MaxLimit})
			if err != nil {
				return remoteErr(cl, err)
			}
			if r.format == "json" {
				return writeJSONOut(out, map[string]any{"alias": a, "history": h.Items})
			}
			fmt.Fprintf(out, "%s of %s -> version %d (protected: %t)\n", a.Name, a.Model, a.Version, a.Protected)
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "WHEN\tFROM\tTO\tBY\tREQUEST\tREASON")
			for _, m := range h.Items {
				req := "-"
				if m.Request != 0 {
					req = fmt.Sprint(m.Request)
				}
				fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\n", m.CreatedAt.Format("2006-01-02 15:04"), m.FromVersion, m.ToVersion, m.Actor, req, orDash(m.Reason))
			}
			return tw.Flush()
		},
	}
	r.register(c.Flags(), true)
	c.Flags().IntVar(&set, "set", 0, "point the alias at `VERSION` (unprotected aliases only)")
	c.Flags().IntVar(&expect, "expect", 0, "move only if the alias still points at `VERSION` (0: new)")
	c.Flags().BoolVar(&protect, "protect", false, "protect the alias: it then moves only through a decision (admins)")
	c.Flags().BoolVar(&unprotect, "unprotect", false, "request removing the protection (admins; a decision another person approves)")
	c.Flags().StringVar(&reason, "reason", "", "why, kept in the alias history")
	return c
}
