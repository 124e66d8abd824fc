package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/spf13/pflag"

	"github.com/mlsec/mlsec/registry/sso"
)

// ssoOptions are serve's single sign-on flags; the group-to-role mapping
// lives in the --oidc-config file only (docs/registry.md "Single sign-on").
type ssoOptions struct {
	config, issuer, clientID, secretFile, redirectURL, groupsClaim string
}

func (o *ssoOptions) register(f *pflag.FlagSet) {
	f.StringVar(&o.config, "oidc-config", envOr("MLSEC_OIDC_CONFIG", ""),
		"single sign-on for people: YAML `FILE` with the OpenID provider and the mapping of its groups to roles and scopes (docs/registry.md \"Single sign-on\")")
	f.StringVar(&o.issuer, "oidc-issuer", envOr("MLSEC_OIDC_ISSUER", ""), "OpenID provider issuer `URL` (overrides issuer: in --oidc-config)")
	f.StringVar(&o.clientID, "oidc-client-id", envOr("MLSEC_OIDC_CLIENT_ID", ""), "the web UI's OIDC client `ID` (overrides client_id:)")
	f.StringVar(&o.secretFile, "oidc-client-secret-file", envOr("MLSEC_OIDC_CLIENT_SECRET_FILE", ""),
		"`FILE` holding the OIDC client secret (overrides client_secret_file:; or MLSEC_OIDC_CLIENT_SECRET: never a flag value, flags show in ps)")
	f.StringVar(&o.redirectURL, "oidc-redirect-url", envOr("MLSEC_OIDC_REDIRECT_URL", ""),
		"this registry's callback `URL` as browsers reach it, https://HOST/signin/oidc/callback (overrides redirect_url:)")
	f.StringVar(&o.groupsClaim, "oidc-groups-claim", envOr("MLSEC_OIDC_GROUPS_CLAIM", ""), "ID token claim listing the groups (default groups)")
}

// open returns the configured provider, or nil when single sign-on is
// off (no --oidc-config and no --oidc-issuer). A provider that does not
// answer at start is logged, not fatal: sign-ins retry discovery.
func (o ssoOptions) open(ctx context.Context, secure bool, log *slog.Logger) (*sso.Provider, error) {
	if o.config == "" && o.issuer == "" {
		return nil, nil
	}
	var c sso.Config
	if o.config != "" {
		var err error
		if c, err = sso.Load(o.config); err != nil {
			return nil, fmt.Errorf("--oidc-config: %w", err)
		}
	}
	c.Issuer = firstNonEmpty(o.issuer, c.Issuer)
	c.ClientID = firstNonEmpty(o.clientID, c.ClientID)
	c.ClientSecretFile = firstNonEmpty(o.secretFile, c.ClientSecretFile)
	c.RedirectURL = firstNonEmpty(o.redirectURL, c.RedirectURL)
	c.GroupsClaim = firstNonEmpty(o.groupsClaim, c.GroupsClaim)
	c.ClientSecret = os.Getenv("MLSEC_OIDC_CLIENT_SECRET")
	if err := c.Resolve(); err != nil {
		return nil, fmt.Errorf("single sign-on: %w", err)
	}
	p, err := sso.New(ctx, c, sso.Options{Secure: secure})
	if err != nil {
		return nil, fmt.Errorf("single sign-on: %w", err)
	}
	if err := p.Ready(ctx); err != nil {
		log.Warn("single sign-on: the OpenID provider does not answer yet; sign-ins retry it", "issuer", c.Issuer, "err", err)
	}
	return p, nil
}
