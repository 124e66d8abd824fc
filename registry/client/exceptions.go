package client

import (
	"context"
	"net/http"

	"github.com/mlsec/mlsec/registry"
)

// ListExceptions lists the exceptions granted on a model by
// grant_exception decisions, newest first.
func (c *Client) ListExceptions(ctx context.Context, model string) ([]registry.ModelException, error) {
	var out List[registry.ModelException]
	_, _, err := c.call(ctx, request{method: http.MethodGet, path: "/api/v1/models/" + seg(model) + "/exceptions"}, &out)
	return out.Items, err
}
