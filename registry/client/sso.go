package client

import (
	"context"
	"net/http"

	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/sso"
)

// SSOConfig returns the registry's single sign-on settings for the CLI
// (a 404 *Error when it has none).
func (c *Client) SSOConfig(ctx context.Context) (sso.CLIConfig, error) {
	var out sso.CLIConfig
	_, _, err := c.call(ctx, request{method: http.MethodGet, path: "/api/v1/auth/oidc"}, &out)
	return out, err
}

// ExchangeIDToken exchanges an ID token from the provider's device flow
// for a registry token.
func (c *Client) ExchangeIDToken(ctx context.Context, idToken string) (registry.SSOToken, error) {
	var out registry.SSOToken
	_, _, err := c.call(ctx, request{method: http.MethodPost, path: "/api/v1/auth/oidc/exchange", json: registry.SSOExchange{IDToken: idToken}}, &out)
	return out, err
}

// RevokeOwnToken revokes the client's token ('mlsec logout').
func (c *Client) RevokeOwnToken(ctx context.Context) error {
	_, _, err := c.call(ctx, request{method: http.MethodDelete, path: "/api/v1/auth/token"}, nil)
	return err
}
