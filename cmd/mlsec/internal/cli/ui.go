package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// ui: one-time sign-in links for the registry's web UI (docs/ui.md).

func init() { register(newUICmd) }

func newUICmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "ui",
		Short: "The registry's web UI",
		Long: `The registry serves a web UI at its address (mlsec serve prints it). Sign in there
with an API token, or with a one-time link from 'mlsec ui login'.`,
		Example: `  mlsec ui login
  mlsec ui login --server https://registry.example`,
		Args: cobra.NoArgs,
	}
	var r remote
	login := &cobra.Command{
		Use:   "login",
		Short: "Print a one-time link that signs you in to the web UI",
		Long: `login asks the registry for a sign-in link for your token's person and prints it.
Open it in a browser within 5 minutes; it works once, and both issuing and using
it are recorded in the audit log. Your token never appears in the link.`,
		Example: `  mlsec ui login
  mlsec ui login --server https://registry.example`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cl, err := r.client()
			if err != nil {
				return err
			}
			l, err := cl.UILoginLink(cmd.Context())
			if err != nil {
				return remoteErr(cl, err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), strings.TrimSuffix(cl.BaseURL(), "/")+l.Path)
			fmt.Fprintf(cmd.ErrOrStderr(), "Open it before %s; it works once.\n", l.ExpiresAt.Local().Format("15:04:05"))
			return nil
		},
	}
	r.register(login.Flags(), false)
	c.AddCommand(login)
	return c
}
