package client

import (
	"context"
	"net/http"

	"github.com/mlsec/mlsec/registry"
)

func profilePath(kind registry.ProfileKind, name string) string {
	if kind == registry.ProfileTeam {
		return "/api/v1/teams/" + seg(name) + "/profile"
	}
	return "/api/v1/models/" + seg(name) + "/profile"
}

// Profile returns the policy profile that decides for a model or a team's
// models, and which setting chose it.
func (c *Client) Profile(ctx context.Context, kind registry.ProfileKind, name string) (registry.ProfileView, error) {
	var out registry.ProfileView
	_, _, err := c.call(ctx, request{method: http.MethodGet, path: profilePath(kind, name)}, &out)
	return out, err
}

// SetProfile sets a model's or team's policy profile (admins), or removes
// the setting when profile is "".
func (c *Client) SetProfile(ctx context.Context, kind registry.ProfileKind, name, profile string) (registry.ProfileView, error) {
	var out registry.ProfileView
	r := request{method: http.MethodDelete, path: profilePath(kind, name)}
	if profile != "" {
		r = request{method: http.MethodPut, path: profilePath(kind, name), json: registry.ProfilePut{Profile: profile}}
	}
	_, _, err := c.call(ctx, r, &out)
	return out, err
}

// Profiles returns the server default profile and the profiles it accepts.
func (c *Client) Profiles(ctx context.Context) (registry.ProfileView, error) {
	var out registry.ProfileView
	_, _, err := c.call(ctx, request{method: http.MethodGet, path: "/api/v1/profiles"}, &out)
	return out, err
}
