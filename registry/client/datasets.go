package client

import (
	"context"
	"fmt"
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

// RegisterDatasetVersion records a new version of dataset name (creating
// the dataset on its first version); it is pending approval.
func (c *Client) RegisterDatasetVersion(ctx context.Context, name string, in registry.NewDatasetVersion) (registry.DatasetVersion, error) {
	var out registry.DatasetVersion
	_, _, err := c.call(ctx, request{method: http.MethodPost, path: "/api/v1/datasets/" + seg(name) + "/data-versions", json: in}, &out)
	return out, err
}

// GetDatasetVersion returns version number of dataset name with its votes.
func (c *Client) GetDatasetVersion(ctx context.Context, name string, number int) (registry.DatasetVersion, error) {
	var out registry.DatasetVersion
	_, _, err := c.call(ctx, request{method: http.MethodGet, path: fmt.Sprintf("/api/v1/datasets/%s/data-versions/%d", seg(name), number)}, &out)
	return out, err
}

// ListDatasetVersions returns every version of dataset name, oldest first.
func (c *Client) ListDatasetVersions(ctx context.Context, name string) ([]registry.DatasetVersion, error) {
	var out List[registry.DatasetVersion]
	_, _, err := c.call(ctx, request{method: http.MethodGet, path: "/api/v1/datasets/" + seg(name) + "/data-versions"}, &out)
	return out.Items, err
}

// VoteDatasetVersion approves (verdict "approve") or rejects ("reject") a
// pending dataset version.
func (c *Client) VoteDatasetVersion(ctx context.Context, name string, number int, verdict, comment string) (registry.DatasetVersion, error) {
	var out registry.DatasetVersion
	path := fmt.Sprintf("/api/v1/datasets/%s/data-versions/%d/%s", seg(name), number, verdict)
	_, _, err := c.call(ctx, request{method: http.MethodPost, path: path, json: map[string]string{"comment": comment}}, &out)
	return out, err
}

// TrainingData returns the datasets version number of model was trained
// on (its trained_on lineage), with their registration, classification,
// approval, approver and PII, as the policy sees them.
func (c *Client) TrainingData(ctx context.Context, model string, number int) ([]registry.TrainingDataset, error) {
	var out List[registry.TrainingDataset]
	_, _, err := c.call(ctx, request{method: http.MethodGet, path: fmt.Sprintf("/api/v1/models/%s/versions/%d/training-data", seg(model), number)}, &out)
	return out.Items, err
}

// DatasetVersions returns one page of the versions trained on dataset
// name that the token may see.
func (c *Client) DatasetVersions(ctx context.Context, name string, p registry.Page) (List[registry.Version], error) {
	var out List[registry.Version]
	_, _, err := c.call(ctx, request{method: http.MethodGet, path: "/api/v1/datasets/" + seg(name) + "/versions", query: pageQuery(url.Values{}, p)}, &out)
	return out, err
}
