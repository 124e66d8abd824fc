package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/mlsec/mlsec/registry"
)

// CreateToken creates an API token.
func (c *Client) CreateToken(ctx context.Context, in registry.NewToken) (registry.CreatedToken, error) {
	var out registry.CreatedToken
	_, _, err := c.call(ctx, request{method: http.MethodPost, path: "/api/v1/tokens", json: in}, &out)
	return out, err
}

// ListTokens lists one page of tokens (never their secrets).
func (c *Client) ListTokens(ctx context.Context, p registry.Page) (List[registry.Token], error) {
	var out List[registry.Token]
	_, _, err := c.call(ctx, request{method: http.MethodGet, path: "/api/v1/tokens", query: pageQuery(url.Values{}, p)}, &out)
	return out, err
}

// RevokeToken revokes token id.
func (c *Client) RevokeToken(ctx context.Context, id int64) error {
	_, _, err := c.call(ctx, request{method: http.MethodDelete, path: "/api/v1/tokens/" + strconv.FormatInt(id, 10)}, nil)
	return err
}
