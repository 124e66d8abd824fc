package client

import (
	"context"
	"errors"
	"fmt"
	"io"
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

// PutDatasetFile uploads the bytes of the file at path of dataset version
// name@number ('mlsec data push'); the server refuses bytes that are not
// the manifest's (422) and versions over registry.MaxPushedDataset (413).
func (c *Client) PutDatasetFile(ctx context.Context, name string, number int, path string, size int64, r io.Reader) error {
	h := http.Header{"Content-Type": {"application/octet-stream"}}
	if size == 0 {
		r = http.NoBody
	}
	_, _, err := c.call(ctx, request{method: http.MethodPut, path: datasetFilePath(name, number, path), body: io.NopCloser(r), size: size, header: h}, nil)
	return err
}

// OpenDatasetFile streams one file of a pushed dataset version; the caller
// verifies the bytes (PullDataset does).
func (c *Client) OpenDatasetFile(ctx context.Context, name string, number int, path string) (body io.ReadCloser, size int64, recorded string, err error) {
	res, err := c.do(ctx, request{method: http.MethodGet, path: datasetFilePath(name, number, path)})
	if err != nil {
		return nil, 0, "", err
	}
	return res.Body, res.ContentLength, res.Header.Get("X-Content-SHA256"), nil
}

func datasetFilePath(name string, number int, path string) string {
	return fmt.Sprintf("/api/v1/datasets/%s/data-versions/%d/files/%s", seg(name), number, pathEsc(path))
}

// PullDataset downloads every file of pushed dataset version name@number
// into dir, as Pull does for a model version: paths checked before
// anything is written, each file's size and SHA-256 and the root digest
// verified in a staging folder, nothing left behind on failure.
func (c *Client) PullDataset(ctx context.Context, name string, number int, dir string, o PullOptions) (registry.DatasetVersion, int, int64, error) {
	v, err := c.GetDatasetVersion(ctx, name, number)
	if err != nil {
		return v, 0, 0, err
	}
	arts := make([]registry.Artifact, len(v.Files))
	for i, f := range v.Files {
		arts[i] = registry.Artifact{Path: f.Path, Size: f.Size, SHA256: f.SHA256, Kind: registry.KindFile}
	}
	open := func(ctx context.Context, path string) (io.ReadCloser, int64, string, error) {
		return c.OpenDatasetFile(ctx, name, number, path)
	}
	files, n, err := pullFiles(ctx, v.Digest, arts, dir, o, open, false)
	if errors.Is(err, errWindowsName) {
		err = fmt.Errorf("dataset version %s cannot be pulled on Windows: %w", v.Ref(), err)
	}
	return v, files, n, err
}
