package cli

import (
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlsec/mlsec/registry"
)

// token: create, list and revoke the registry's API tokens (admins).

func init() { register(newTokenCmd) }

func newTokenCmd() *cobra.Command {
	var r remote
	c := &cobra.Command{
		Use:   "token [create NAME --role ROLE | revoke ID]",
		Short: "Manage the registry's API tokens (admins)",
		Long: `token lists the registry's API tokens; 'token create' makes one and prints its
secret once (only its SHA-256 is stored); 'token revoke' revokes one.

Roles: admin, maintainer (push, stage, request decisions), reviewer (read,
add evidence, approve when named an owner), auditor (read-only, including
the audit trail).

A token acts for a person, the principal owners and approvals name (mlsec
owners MODEL --set approve=NAME): by default the person is the token's
name. A person's second token must say whose it is with --person, so the
two never approve each other's request. Names and persons are ASCII
letters, digits and . _ @ + - and unique regardless of case.

--scope-team and --scope-model restrict a token to one team's models (and
datasets) or to one model. A scoped admin issues, lists and revokes only
tokens inside its own scope: its tokens get its scope unless they ask for
less.`,
		Example: `  mlsec token create bob --role reviewer
  mlsec token create bob-ci --person bob --role maintainer --scope-team fraud
  mlsec token create ci-fraud --role maintainer --scope-model fraud --expires 720h
  mlsec token
  mlsec token revoke 4`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cl, err := r.client()
			if err != nil {
				return err
			}
			var all []registry.Token
			p := registry.Page{Limit: registry.MaxLimit}
			for {
				l, err := cl.ListTokens(cmd.Context(), p)
				if err != nil {
					return remoteErr(cl, err)
				}
				all = append(all, l.Items...)
				if l.NextCursor == "" {
					break
				}
				p.Cursor = l.NextCursor
			}
			if r.format == "json" {
				return writeJSONOut(cmd.OutOrStdout(), all)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tPERSON\tROLE\tSCOPE\tEXPIRES\tREVOKED\tCREATED BY")
			for _, t := range all {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Person, t.Role, orDash(scopeText(t.Scope())), when(t.ExpiresAt), when(t.RevokedAt), t.CreatedBy)
			}
			return tw.Flush()
		},
	}
	r.register(c.PersistentFlags(), true)

	var in registry.NewToken
	var role string
	var expires time.Duration
	var local recoverOptions
	create := &cobra.Command{
		Use:   "create NAME --role ROLE [--person P] [--scope-team T] [--scope-model M] [--expires DURATION]",
		Short: "Create an API token and print its secret once",
		Long: `create issues a token through the API (an admin's token), or, with
--data-dir or --database, straight into the registry's database: the
recovery for a lost admin token, run on the machine that holds the database
and the audit key (anyone who can do that owns the registry anyway). The
recovery is recorded as token.recover, with the operating-system user and
host, in the same signed audit log as every change; the server may keep
running.`,
		Example: `  mlsec token create bob --role reviewer
  mlsec token create ci-pipeline --role maintainer --scope-team risk --expires 720h
  mlsec token create alice-recovered --person alice --role admin --data-dir /var/lib/mlsec
  mlsec token create ops-admin --role admin --database postgres://mlsec@db/mlsec --audit-key /etc/mlsec/audit.key`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			in.Name, in.Role = args[0], registry.Role(role)
			if expires > 0 {
				t := time.Now().Add(expires).UTC()
				in.ExpiresAt = &t
			}
			var t registry.CreatedToken
			if local.local() {
				if r.format != "" && r.format != "table" && r.format != "json" {
					return withCode(ExitUsage, fmt.Errorf("--format %q: want table or json", r.format))
				}
				var err error
				if t, err = recoverToken(cmd.Context(), local, registry.Token{Name: in.Name, Role: in.Role, ScopeTeam: in.ScopeTeam, ScopeModel: in.ScopeModel, ExpiresAt: in.ExpiresAt, Person: in.Person}, cmd.ErrOrStderr()); err != nil {
					return err
				}
			} else {
				cl, err := r.client()
				if err != nil {
					return err
				}
				if t, err = cl.CreateToken(cmd.Context(), in); err != nil {
					return remoteErr(cl, err)
				}
			}
			if r.format == "json" {
				return writeJSONOut(cmd.OutOrStdout(), t)
			}
			scope := scopeText(t.Scope())
			if scope != "" {
				scope = ", " + scope
			}
			fmt.Fprintf(cmd.OutOrStdout(), "token %d: %s of %s (%s%s)\nsecret: %s\n(shown only now; use it as MLSEC_TOKEN)\n",
				t.ID, t.Name, t.Person, t.Role, scope, t.Secret)
			return nil
		},
	}
	create.Flags().StringVar(&role, "role", "", "role: admin, maintainer, reviewer or auditor")
	create.Flags().StringVar(&in.Person, "person", "", "the person the token acts for, when not its name (a second token of an existing person)")
	create.Flags().StringVar(&in.ScopeTeam, "scope-team", "", "restrict the token to one team's models and datasets")
	create.Flags().StringVar(&in.ScopeModel, "scope-model", "", "restrict the token to one model")
	create.Flags().DurationVar(&expires, "expires", 0, "expire the token after this `DURATION` (e.g. 720h); 0: never")
	create.MarkFlagRequired("role")
	create.Flags().StringVar(&local.dataDir, "data-dir", "", "recovery: issue the token in the registry under `DIR` (serve's --data-dir) without the API")
	create.Flags().StringVar(&local.database, "database", "", "recovery: issue the token in this database (postgres:// URL or SQLite file) without the API")
	create.Flags().StringVar(&local.auditKey, "audit-key", "", "recovery: the registry's audit key `FILE` (default DATA_DIR/audit.key)")

	revoke := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke an API token",
		Example: `  mlsec token
  mlsec token revoke 7`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return withCode(ExitUsage, fmt.Errorf("token revoke: %q is not a token id (see 'mlsec token')", args[0]))
			}
			cl, err := r.client()
			if err != nil {
				return err
			}
			if err := cl.RevokeToken(cmd.Context(), id); err != nil {
				return remoteErr(cl, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "token %d revoked\n", id)
			return nil
		},
	}
	c.AddCommand(create, revoke)
	return c
}

// when formats an optional time for tables.
func when(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04")
}
