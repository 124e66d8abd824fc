package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/mlsec/mlsec/registry"
)

// Dataset endpoints. Datasets belong to a team and are scoped like its
// models (docs/registry.md "Scopes").

// CreateDataset registers a dataset.
func (c *Client) CreateDataset(ctx context.Context, in registry.NewDataset) (registry.Dataset, error) {
	var out registry.Dataset
	_, _, err := c.call(ctx, request{method: http.MethodPost, path: "/api/v1/datasets", json: in}, &out)
	return out, err
}

// GetDataset returns a dataset.
func (c *Client) GetDataset(ctx context.Context, name string) (registry.Dataset, error) {
	var out registry.Dataset
	_, _, err := c.call(ctx, request{method: http.MethodGet, path: "/api/v1/datasets/" + seg(name)}, &out)
	return out, err
}

// ListDatasets returns one page of the datasets the token may see.
func (c *Client) ListDatasets(ctx context.Context, p registry.Page) (List[registry.Dataset], error) {
	var out List[registry.Dataset]
	_, _, err := c.call(ctx, request{method: http.MethodGet, path: "/api/v1/datasets", query: pageQuery(url.Values{}, p)}, &out)
	return out, err
}

// DatasetVersions returns one page of the versions trained on dataset
// name that the token may see.
func (c *Client) DatasetVersions(ctx context.Context, name string, p registry.Page) (List[registry.Version], error) {
	var out List[registry.Version]
	_, _, err := c.call(ctx, request{method: http.MethodGet, path: "/api/v1/datasets/" + seg(name) + "/versions", query: pageQuery(url.Values{}, p)}, &out)
	return out, err
}
