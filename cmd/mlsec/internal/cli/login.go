package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/client"
	"github.com/mlsec/mlsec/registry/sso"
)

// login and logout: single sign-on for people at the command line
// (docs/registry.md "Single sign-on"). API tokens stay for machines.

func init() {
	register(newLoginCmd)
	register(newLogoutCmd)
}

func newLoginCmd() *cobra.Command {
	var r remote
	c := &cobra.Command{
		Use:   "login",
		Short: "Sign in to a registry with your organisation's single sign-on",
		Long: `login signs you in through the registry's OpenID provider with the device
authorization grant (RFC 8628): it prints a web address and a code; open the
address in any browser, sign in there and enter the code. The registry then
verifies the provider's ID token, maps your groups to a role and scope, and
issues a registry token for you that expires (12 hours unless the registry
says otherwise). The token and the server are saved in the config file (0600),
where push, pull, models and the other registry commands find them.

'mlsec logout' revokes the token. Machines (CI) keep using API tokens
('mlsec token create').

Exit codes: 0 signed in; 1 the registry refused your identity (no mapped
group); 2 usage error, no single sign-on on this registry, the provider or
the registry cannot be reached, or the sign-in was refused or timed out.`,
		Example: `  mlsec login --server https://registry.example.com
  mlsec login                      # the server in the config file or $MLSEC_SERVER
  mlsec models                     # uses the saved token`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runLogin(cmd, &r)
		},
	}
	r.register(c.Flags(), false)
	c.Flags().MarkHidden("token") //nolint:errcheck // registered just above
	return c
}

func runLogin(cmd *cobra.Command, r *remote) error {
	// login sends no API token: the ID token authenticates.
	server, _, files, err := r.settings()
	if err != nil {
		return err
	}
	cl, err := client.New(server, "")
	if err == nil {
		err = cl.UseTLS(files)
	}
	if err != nil {
		return withCode(ExitUsage, err)
	}
	ctx := cmd.Context()
	conf, err := cl.SSOConfig(ctx)
	if err != nil {
		if client.StatusOf(err) == 404 {
			return withCode(ExitUsage, fmt.Errorf("%s has no single sign-on: sign in with an API token (MLSEC_TOKEN or --token), or ask its admin to configure it (mlsec serve --oidc-config)", cl.BaseURL()))
		}
		return remoteErr(cl, err)
	}
	stderr := cmd.ErrOrStderr()
	idToken, err := sso.DeviceLogin(ctx, conf, nil, func(p sso.DevicePrompt) {
		fmt.Fprintf(stderr, "To sign in with %s, open %s and enter the code %s\n", conf.Name, p.VerificationURI, p.UserCode)
		if p.VerificationURIComplete != "" {
			fmt.Fprintf(stderr, "(or open %s)\n", p.VerificationURIComplete)
		}
		if !p.Expires.IsZero() {
			fmt.Fprintf(stderr, "Waiting until %s...\n", p.Expires.Local().Format("15:04:05"))
		}
	})
	if err != nil {
		return withCode(ExitUsage, fmt.Errorf("login: %w", err))
	}
	tok, err := cl.ExchangeIDToken(ctx, idToken)
	if err != nil {
		if client.StatusOf(err) == 403 {
			return withCode(ExitFindings, fmt.Errorf("login: %w\nAsk the registry's admin to map one of your groups to a role (docs/registry.md \"Single sign-on\")", err))
		}
		return remoteErr(cl, err)
	}
	path, err := saveLogin(cl.BaseURL(), tok.Token)
	if err != nil {
		return withCode(ExitUsage, fmt.Errorf("login: the registry issued token %s but it could not be saved: %w", tok.Name, err))
	}
	sc := registry.Scope{Team: tok.ScopeTeam, Model: tok.ScopeModel}
	fmt.Fprintf(cmd.OutOrStdout(), "Signed in to %s as %s (%s of %s) until %s.\n", cl.BaseURL(), tok.Person, tok.Role, sc, tok.ExpiresAt.Local().Format(time.DateTime))
	fmt.Fprintf(stderr, "Token saved in %s; 'mlsec logout' revokes it.\n", path)
	if os.Getenv("MLSEC_TOKEN") != "" {
		fmt.Fprintln(stderr, "Note: MLSEC_TOKEN is set and takes precedence over the saved token; unset it to use this sign-in.")
	}
	return nil
}

func newLogoutCmd() *cobra.Command {
	var r remote
	c := &cobra.Command{
		Use:   "logout",
		Short: "Revoke your registry token and remove it from the config file",
		Long: `logout revokes the token the registry commands use (--token, $MLSEC_TOKEN or
the config file's token:, usually the one 'mlsec login' saved) and removes it
from the config file. Any role may revoke its own token; the revocation is
audited.

Exit codes: 0 revoked; 2 no token, or the registry cannot be reached or does
not know the token.`,
		Example: `  mlsec logout
  mlsec logout --server https://registry.example.com`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, token, _, err := r.settings()
			if err != nil {
				return err
			}
			if token == "" {
				return withCode(ExitUsage, errors.New("logout: no token to revoke (none in --token, $MLSEC_TOKEN or "+configPath()+")"))
			}
			cl, err := r.client()
			if err != nil {
				return err
			}
			if err := cl.RevokeOwnToken(cmd.Context()); err != nil {
				return remoteErr(cl, err)
			}
			removed, err := forgetToken(token)
			if err != nil {
				return withCode(ExitUsage, fmt.Errorf("logout: the token is revoked, but %s could not be updated: %w", configPath(), err))
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Signed out of %s: the token is revoked.\n", cl.BaseURL())
			if removed {
				fmt.Fprintf(cmd.ErrOrStderr(), "Removed it from %s.\n", configPath())
			}
			return nil
		},
	}
	r.register(c.Flags(), false)
	return c
}

// editConfig rewrites the config file through edit, keeping every key it
// does not touch, with mode 0600 (it holds a token) in a 0700 folder.
func editConfig(edit func(map[string]any) bool) (string, bool, error) {
	p := configPath()
	if p == "" {
		return "", false, errors.New("no home folder for the config file (set XDG_CONFIG_HOME)")
	}
	m := map[string]any{}
	raw, err := os.ReadFile(p)
	switch {
	case err == nil:
		if err := yaml.Unmarshal(raw, &m); err != nil {
			return p, false, fmt.Errorf("%s: %w", p, err)
		}
		if m == nil {
			m = map[string]any{}
		}
	case !errors.Is(err, os.ErrNotExist):
		return p, false, err
	}
	if !edit(m) {
		return p, false, nil
	}
	out, err := yaml.Marshal(m)
	if err != nil {
		return p, false, err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return p, false, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".config-*.yaml")
	if err != nil {
		return p, false, err
	}
	defer os.Remove(tmp.Name())
	if err := writeAll(tmp, out); err != nil {
		return p, false, err
	}
	return p, true, os.Rename(tmp.Name(), p)
}

func writeAll(f *os.File, b []byte) error {
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// saveLogin stores server and token in the config file.
func saveLogin(server, token string) (string, error) {
	p, _, err := editConfig(func(m map[string]any) bool {
		m["server"], m["token"] = server, token
		return true
	})
	return p, err
}

// forgetToken removes token from the config file if it is the saved one.
func forgetToken(token string) (bool, error) {
	_, changed, err := editConfig(func(m map[string]any) bool {
		if m["token"] != token {
			return false
		}
		delete(m, "token")
		return true
	})
	return changed, err
}
