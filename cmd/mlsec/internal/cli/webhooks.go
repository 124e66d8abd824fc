package cli

import (
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/mlsec/mlsec/registry"
)

// webhooks: register, list and delete webhook endpoints and show their
// deliveries (admins; docs/governance.md "Webhooks").

func init() { register(newWebhooksCmd) }

func newWebhooksCmd() *cobra.Command {
	var r remote
	c := &cobra.Command{
		Use:   "webhooks [add URL --event E ... [--secret S] | rm ID | deliveries ID]",
		Short: "Manage webhooks on decisions and stage changes",
		Long: `webhooks lists the registered webhooks. The server POSTs a signed JSON event
to each webhook's URL for every matching decision outcome, stage change or
alias move, from durable jobs retried with backoff (the server makes
outbound HTTP requests). Events: ` + strings.Join(registry.WebhookEvents, ", ") + `, or *.

Receivers verify X-Mlsec-Signature: "sha256=" + hex(HMAC-SHA256(secret,
raw body)). Without --secret one is generated and printed once. Admins
only; a scoped admin's webhooks hear only its scope's models
(--scope-team, --scope-model narrow an admin's webhook further). The
server keeps secrets sealed with its secrets.key.`,
		Example: `  mlsec webhooks add https://hooks.example.com/mlsec --event decision.executed --event rollback
  mlsec webhooks
  mlsec webhooks deliveries 1
  mlsec webhooks rm 1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cl, err := r.client()
			if err != nil {
				return err
			}
			ws, err := cl.ListWebhooks(cmd.Context())
			if err != nil {
				return remoteErr(cl, err)
			}
			if r.format == "json" {
				return writeJSONOut(cmd.OutOrStdout(), ws)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tURL\tEVENTS\tSCOPE\tCREATED BY")
			for _, w := range ws {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", w.ID, w.URL, strings.Join(w.Events, ","), orDash(scopeText(w.Scope())), w.CreatedBy)
			}
			return tw.Flush()
		},
	}
	r.register(c.PersistentFlags(), true)

	var events []string
	var secret string
	var scope registry.Scope
	add := &cobra.Command{
		Use:     "add URL --event EVENT ... [--secret SECRET]",
		Short:   "Register a webhook; prints its secret once",
		Example: `  mlsec webhooks add https://hooks.example/mlsec --event decision.denied --event stage.changed`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := r.client()
			if err != nil {
				return err
			}
			w, err := cl.CreateWebhook(cmd.Context(), registry.NewWebhook{URL: args[0], Events: events, Secret: secret,
				ScopeTeam: scope.Team, ScopeModel: scope.Model})
			if err != nil {
				return remoteErr(cl, err)
			}
			if r.format == "json" {
				return writeJSONOut(cmd.OutOrStdout(), w)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "webhook %d: %s on %s\nsecret: %s\n(shown only now; receivers verify X-Mlsec-Signature with it)\n",
				w.ID, w.URL, strings.Join(w.Events, ","), w.Secret)
			return nil
		},
	}
	add.Flags().StringArrayVar(&events, "event", nil, "event to send: `EVENT` or * (repeatable, required)")
	add.Flags().StringVar(&secret, "secret", "", "HMAC `SECRET` (16-256 bytes; default: generated)")
	add.Flags().StringVar(&scope.Team, "scope-team", "", "hear only this `TEAM`'s models (a scoped admin's webhook has its scope anyway)")
	add.Flags().StringVar(&scope.Model, "scope-model", "", "hear only this `MODEL`")

	rm := &cobra.Command{
		Use:   "rm ID",
		Short: "Delete a webhook",
		Example: `  mlsec webhooks
  mlsec webhooks rm 3`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return usageErr("webhooks rm: id %q is not a number", args[0])
			}
			cl, err := r.client()
			if err != nil {
				return err
			}
			if err := cl.DeleteWebhook(cmd.Context(), id); err != nil {
				return remoteErr(cl, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "webhook %d deleted\n", id)
			return nil
		},
	}

	dl := &cobra.Command{
		Use:     "deliveries ID",
		Short:   "Show a webhook's deliveries: status, attempts, last response",
		Example: `  mlsec webhooks deliveries 3`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return usageErr("webhooks deliveries: id %q is not a number", args[0])
			}
			cl, err := r.client()
			if err != nil {
				return err
			}
			l, err := cl.WebhookDeliveries(cmd.Context(), id, registry.Page{Limit: registry.MaxLimit})
			if err != nil {
				return remoteErr(cl, err)
			}
			if r.format == "json" {
				return writeJSONOut(cmd.OutOrStdout(), l.Items)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tEVENT\tSTATUS\tATTEMPTS\tCODE\tERROR")
			for _, d := range l.Items {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%d/%d\t%d\t%s\n", d.ID, d.Event, d.Status, d.Attempts, d.MaxAttempts, d.ResponseCode, orDash(d.Error))
			}
			return tw.Flush()
		},
	}
	c.AddCommand(add, rm, dl)
	return c
}

// scopeText is a scope for tables ("" when unscoped).
func scopeText(s registry.Scope) string {
	if s.Unscoped() {
		return ""
	}
	return s.String()
}
