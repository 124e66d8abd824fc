package sso

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// DevicePrompt is what the person does to approve a device sign-in: open
// VerificationURI and enter UserCode (or open VerificationURIComplete).
type DevicePrompt struct {
	VerificationURI, VerificationURIComplete, UserCode string
	Expires                                            time.Time
}

// ErrNoDeviceFlow is a provider that does not offer the device
// authorization grant.
var ErrNoDeviceFlow = errors.New("the OpenID provider does not offer the device authorization grant (RFC 8628): enable it for the CLI's client, or sign in with an API token")

// DeviceLogin runs the device authorization grant (RFC 8628) for 'mlsec
// login' against the provider c names (from GET /api/v1/auth/oidc):
// prompt tells the person what to do, then it polls until they approve,
// refuse, or the code expires, and returns the provider's ID token for
// the registry to verify and exchange. hc reaches the provider (nil:
// http.DefaultClient).
func DeviceLogin(ctx context.Context, c CLIConfig, hc *http.Client, prompt func(DevicePrompt)) (string, error) {
	if hc == nil {
		hc = http.DefaultClient
	}
	ctx = oidc.ClientContext(ctx, hc)
	op, err := oidc.NewProvider(ctx, c.Issuer)
	if err != nil {
		return "", fmt.Errorf("the OpenID provider %s: %w", c.Issuer, err)
	}
	ep := op.Endpoint()
	if ep.DeviceAuthURL == "" {
		return "", ErrNoDeviceFlow
	}
	conf := &oauth2.Config{ClientID: c.ClientID, Endpoint: ep, Scopes: c.Scopes}
	da, err := conf.DeviceAuth(ctx)
	if err != nil {
		return "", fmt.Errorf("device authorization at %s: %w", ep.DeviceAuthURL, err)
	}
	prompt(DevicePrompt{VerificationURI: da.VerificationURI, VerificationURIComplete: da.VerificationURIComplete, UserCode: da.UserCode, Expires: da.Expiry})
	tok, err := conf.DeviceAccessToken(ctx, da)
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			return "", fmt.Errorf("the provider did not sign you in: %s %s", re.ErrorCode, clip(re.ErrorDescription))
		}
		return "", fmt.Errorf("waiting for the sign-in: %w", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return "", fmt.Errorf("the provider returned no ID token: allow the openid scope for client %s", c.ClientID)
	}
	return raw, nil
}
