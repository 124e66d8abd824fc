package sso

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/mlsec/mlsec/registry"
)

// Config configures single sign-on ('mlsec serve --oidc-config FILE';
// docs/registry.md "Single sign-on").
type Config struct {
	// Name is shown on the sign-in button ("Sign in with Name").
	Name string `yaml:"name"`
	// Issuer is the provider's issuer URL (https, or http on loopback).
	Issuer string `yaml:"issuer"`
	// ClientID and ClientSecret are the web UI's confidential client.
	// The secret never comes from a flag: ClientSecretFile, or the
	// MLSEC_OIDC_CLIENT_SECRET environment variable (the CLI's job).
	ClientID         string `yaml:"client_id"`
	ClientSecret     string `yaml:"-"`
	ClientSecretFile string `yaml:"client_secret_file"`
	// RedirectURL is this registry's /signin/oidc/callback as the
	// browser reaches it (registered at the provider).
	RedirectURL string `yaml:"redirect_url"`
	// CLIClientID is the public client 'mlsec login' uses for the device
	// flow (default ClientID); ID tokens for it are accepted by the
	// exchange, those for ClientID by the web callback, no others.
	CLIClientID string `yaml:"cli_client_id"`
	// GroupsClaim names the ID token claim that lists the groups
	// (default "groups").
	GroupsClaim string `yaml:"groups_claim"`
	// PrincipalClaim names the claim that becomes the principal after
	// "sso:": email (default; email_verified must be true),
	// preferred_username or sub. Pick one the provider never reassigns.
	PrincipalClaim string `yaml:"principal_claim"`
	// Scopes requested besides openid (default profile, email; Okta needs
	// groups too).
	Scopes []string `yaml:"scopes"`
	// TokenTTL is the lifetime of the registry token 'mlsec login'
	// receives (default 12h).
	TokenTTL time.Duration `yaml:"cli_token_ttl"`
	// Rules map groups and e-mail domains to a role and scope.
	Rules []Rule `yaml:"roles"`
}

// Rule maps one group (or verified e-mail domain) to a role and scope.
type Rule struct {
	Group       string        `yaml:"group"`
	EmailDomain string        `yaml:"email_domain"`
	Role        registry.Role `yaml:"role"`
	Team        string        `yaml:"team"`
	Model       string        `yaml:"model"`
}

func (r Rule) String() string {
	s := "group " + r.Group
	if r.EmailDomain != "" {
		s = "email_domain " + r.EmailDomain
	}
	sc := registry.Scope{Team: r.Team, Model: r.Model}
	return fmt.Sprintf("%s -> %s of %s", s, r.Role, sc)
}

// Defaults.
const (
	DefaultGroupsClaim    = "groups"
	DefaultPrincipalClaim = "email"
	DefaultTokenTTL       = 12 * time.Hour
	// MaxTokenTTL bounds cli_token_ttl: the CLI's token is a person's
	// session, not a machine credential.
	MaxTokenTTL = 7 * 24 * time.Hour
)

// Load reads a YAML config file; unknown keys are errors, so a
// misspelled key never silently widens or narrows access.
func Load(path string) (Config, error) {
	var c Config
	raw, err := os.ReadFile(path)
	if err != nil {
		return c, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// Resolve reads ClientSecretFile (if ClientSecret is empty), fills the
// defaults and validates c.
func (c *Config) Resolve() error {
	if c.ClientSecret == "" && c.ClientSecretFile != "" {
		b, err := os.ReadFile(c.ClientSecretFile)
		if err != nil {
			return fmt.Errorf("client_secret_file: %w", err)
		}
		c.ClientSecret = strings.TrimSpace(string(b))
	}
	if c.Name == "" {
		c.Name = "single sign-on"
	}
	if c.CLIClientID == "" {
		c.CLIClientID = c.ClientID
	}
	if c.GroupsClaim == "" {
		c.GroupsClaim = DefaultGroupsClaim
	}
	if c.PrincipalClaim == "" {
		c.PrincipalClaim = DefaultPrincipalClaim
	}
	if c.Scopes == nil {
		c.Scopes = []string{"profile", "email"}
	}
	if c.TokenTTL == 0 {
		c.TokenTTL = DefaultTokenTTL
	}
	return c.validate()
}

func (c *Config) validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if err := checkURL("issuer", c.Issuer); err != nil {
		errs = append(errs, err)
	}
	if err := checkURL("redirect_url", c.RedirectURL); err != nil {
		errs = append(errs, err)
	}
	if c.ClientID == "" {
		bad("client_id is missing")
	}
	if c.ClientSecret == "" {
		bad("the client secret is missing: give client_secret_file or MLSEC_OIDC_CLIENT_SECRET")
	}
	if !slices.Contains([]string{"email", "preferred_username", "sub"}, c.PrincipalClaim) {
		bad("principal_claim %q: want email, preferred_username or sub", c.PrincipalClaim)
	}
	if c.TokenTTL < time.Minute || c.TokenTTL > MaxTokenTTL {
		bad("cli_token_ttl %s: want 1m to %s", c.TokenTTL, MaxTokenTTL)
	}
	if len(c.Rules) == 0 {
		bad("roles is empty: every sign-in would be refused; map at least one group to a role")
	}
	for i, r := range c.Rules {
		if (r.Group == "") == (r.EmailDomain == "") {
			bad("roles[%d]: give exactly one of group and email_domain", i)
		}
		if !registry.ValidRole(r.Role) {
			bad("roles[%d]: role %q (want admin, maintainer, reviewer or auditor)", i, r.Role)
		}
		if r.Team != "" && !registry.ValidName(r.Team) || r.Model != "" && !registry.ValidName(r.Model) {
			bad("roles[%d]: team and model are registry names (lowercase letters, digits, '.', '_', '-')", i)
		}
		if strings.HasPrefix(r.EmailDomain, "@") {
			bad("roles[%d]: email_domain %q: without the '@'", i, r.EmailDomain)
		}
	}
	return errors.Join(errs...)
}

// checkURL accepts https, and http only on a loopback host (tests, a
// provider on the same machine): tokens must not cross a network in clear.
func checkURL(what, s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%s %q: want an absolute https:// URL", what, s)
	}
	if u.Scheme == "https" {
		return nil
	}
	h := u.Hostname()
	if u.Scheme == "http" && (h == "localhost" || h == "127.0.0.1" || h == "::1") {
		return nil
	}
	return fmt.Errorf("%s %q: want https:// (http only on localhost)", what, s)
}
