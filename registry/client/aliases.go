package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/mlsec/mlsec/registry"
)

// Alias endpoints (docs/governance.md "Aliases").

func aliasPath(model, alias string) string {
	return "/api/v1/models/" + seg(model) + "/aliases/" + seg(alias)
}

// ListAliases lists a model's aliases.
func (c *Client) ListAliases(ctx context.Context, model string) ([]registry.Alias, error) {
	var out List[registry.Alias]
	_, _, err := c.call(ctx, request{method: http.MethodGet, path: "/api/v1/models/" + seg(model) + "/aliases"}, &out)
	return out.Items, err
}

// GetAlias returns one alias.
func (c *Client) GetAlias(ctx context.Context, model, alias string) (registry.Alias, error) {
	var out registry.Alias
	_, _, err := c.call(ctx, request{method: http.MethodGet, path: aliasPath(model, alias)}, &out)
	return out, err
}

// SetAlias moves an unprotected alias or changes its protection.
// Unprotecting a protected alias is a decision: the answer is then the
// unprotect_alias request it opened.
func (c *Client) SetAlias(ctx context.Context, model, alias string, in registry.AliasPut) (registry.Alias, *registry.DecisionRequest, error) {
	var out registry.Alias
	d, err := c.callOrRequest(ctx, request{method: http.MethodPut, path: aliasPath(model, alias), json: in}, &out)
	return out, d, err
}

// AliasHistory lists one page of an alias's moves, oldest first.
func (c *Client) AliasHistory(ctx context.Context, model, alias string, p registry.Page) (List[registry.AliasMove], error) {
	var out List[registry.AliasMove]
	_, _, err := c.call(ctx, request{method: http.MethodGet, path: aliasPath(model, alias) + "/history", query: pageQuery(url.Values{}, p)}, &out)
	return out, err
}
