package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/mlsec/mlsec/registry"
)

// NewModel is the body of a model creation.
type NewModel struct {
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Tags        []string `json:"tags,omitempty"`
	Team        string   `json:"team,omitempty"`
}

// VersionView is a version with its artifacts, as the API returns it.
type VersionView struct {
	registry.Version
	Artifacts []registry.Artifact `json:"artifacts"`
}

// ModelQuery filters ListModels.
type ModelQuery struct {
	registry.Page
	Tag, Team string
}

// VersionQuery filters ListVersions.
type VersionQuery struct {
	registry.Page
	State    registry.VersionState
	Stage    registry.Stage
	Severity string // versions whose scan evidence is at least this severe
}

// EvidenceQuery filters ListEvidence.
type EvidenceQuery struct {
	registry.Page
	Type, Severity string
}

// GetModel returns a model.
func (c *Client) GetModel(ctx context.Context, name string) (registry.Model, error) {
	var m registry.Model
	_, _, err := c.call(ctx, request{method: http.MethodGet, path: "/api/v1/models/" + seg(name)}, &m)
	return m, err
}

// CreateModel registers a model.
func (c *Client) CreateModel(ctx context.Context, m NewModel) (registry.Model, error) {
	var out registry.Model
	_, _, err := c.call(ctx, request{method: http.MethodPost, path: "/api/v1/models", json: m}, &out)
	return out, err
}

// UpdateModel applies p to a model read at revision (optimistic
// concurrency: a stale revision is registry.ErrPrecondition).
func (c *Client) UpdateModel(ctx context.Context, name string, revision int64, p registry.ModelPatch) (registry.Model, error) {
	var out registry.Model
	h := http.Header{"If-Match": {`"r` + strconv.FormatInt(revision, 10) + `"`}}
	_, _, err := c.call(ctx, request{method: http.MethodPatch, path: "/api/v1/models/" + seg(name), json: p, header: h}, &out)
	return out, err
}

// ListModels returns one page of models.
func (c *Client) ListModels(ctx context.Context, q ModelQuery) (List[registry.Model], error) {
	v := url.Values{}
	if q.Tag != "" {
		v.Set("tag", q.Tag)
	}
	if q.Team != "" {
		v.Set("team", q.Team)
	}
	var out List[registry.Model]
	_, _, err := c.call(ctx, request{method: http.MethodGet, path: "/api/v1/models", query: pageQuery(v, q.Page)}, &out)
	return out, err
}

// ListVersions returns one page of a model's versions, oldest first.
func (c *Client) ListVersions(ctx context.Context, model string, q VersionQuery) (List[registry.Version], error) {
	v := url.Values{}
	if q.State != "" {
		v.Set("state", string(q.State))
	}
	if q.Stage != "" {
		v.Set("stage", string(q.Stage))
	}
	if q.Severity != "" {
		v.Set("severity", q.Severity)
	}
	var out List[registry.Version]
	_, _, err := c.call(ctx, request{method: http.MethodGet, path: "/api/v1/models/" + seg(model) + "/versions", query: pageQuery(v, q.Page)}, &out)
	return out, err
}

// VersionByDigest returns model's version with root digest, or an error
// wrapping registry.ErrNotFound.
func (c *Client) VersionByDigest(ctx context.Context, model, digest string) (registry.Version, error) {
	var out List[registry.Version]
	_, _, err := c.call(ctx, request{method: http.MethodGet, path: "/api/v1/models/" + seg(model) + "/versions",
		query: url.Values{"digest": {digest}}}, &out)
	if err != nil {
		return registry.Version{}, err
	}
	if len(out.Items) == 0 {
		return registry.Version{}, fmt.Errorf("model %s has no version with digest %s: %w", model, digest, registry.ErrNotFound)
	}
	return out.Items[0], nil
}

// GetVersion returns a version and its artifacts.
func (c *Client) GetVersion(ctx context.Context, model string, number int) (VersionView, error) {
	var out VersionView
	_, _, err := c.call(ctx, request{method: http.MethodGet, path: versionPath(model, number)}, &out)
	return out, err
}

// CreateVersion creates a version, or returns the existing one with the
// same root digest (created is false then).
func (c *Client) CreateVersion(ctx context.Context, model string, nv registry.NewVersion) (v VersionView, created bool, err error) {
	code, _, err := c.call(ctx, request{method: http.MethodPost, path: "/api/v1/models/" + seg(model) + "/versions", json: nv}, &v)
	return v, code == http.StatusCreated, err
}

// SetVersionStage moves a ready version read at revision to stage. A
// stale revision is registry.ErrPrecondition; a version that is not ready
// is registry.ErrConflict.
func (c *Client) SetVersionStage(ctx context.Context, model string, number int, revision int64, stage registry.Stage) (VersionView, error) {
	var out VersionView
	h := http.Header{"If-Match": {`"r` + strconv.FormatInt(revision, 10) + `"`}}
	_, _, err := c.call(ctx, request{method: http.MethodPatch, path: versionPath(model, number), json: registry.VersionPatch{Stage: stage}, header: h}, &out)
	return out, err
}

// FinalizeVersion makes a pending version ready; the server refuses
// (registry.ErrConflict) until every blob is stored.
func (c *Client) FinalizeVersion(ctx context.Context, model string, number int) (VersionView, error) {
	var out VersionView
	_, _, err := c.call(ctx, request{method: http.MethodPost, path: versionPath(model, number) + "/finalize"}, &out)
	return out, err
}

// HasBlob reports whether the server stores content with this sha256.
func (c *Client) HasBlob(ctx context.Context, sha256 string) (bool, error) {
	_, _, err := c.call(ctx, request{method: http.MethodHead, path: "/api/v1/blobs/" + seg(sha256)}, nil)
	if StatusOf(err) == http.StatusNotFound {
		return false, nil
	}
	return err == nil, err
}

// PutBlob streams size bytes from r to the server, which verifies them
// against sha256 before storing anything. created is false when the
// server already had the content.
func (c *Client) PutBlob(ctx context.Context, sha256 string, size int64, r io.Reader) (created bool, err error) {
	h := http.Header{"Content-Type": {"application/octet-stream"}}
	if size == 0 {
		r = http.NoBody
	}
	code, _, err := c.call(ctx, request{method: http.MethodPut, path: "/api/v1/blobs/" + seg(sha256), body: io.NopCloser(r), size: size, header: h}, nil)
	return code == http.StatusCreated, err
}

// OpenFile streams one artifact of a version. The caller must verify the
// bytes (see the pull command): recorded is the sha256 the server claims
// in X-Content-SHA256.
func (c *Client) OpenFile(ctx context.Context, model string, number int, path string) (body io.ReadCloser, size int64, recorded string, err error) {
	res, err := c.do(ctx, request{method: http.MethodGet, path: versionPath(model, number) + "/files/" + pathEsc(path)})
	if err != nil {
		return nil, 0, "", err
	}
	return res.Body, res.ContentLength, res.Header.Get("X-Content-SHA256"), nil
}

// ListEvidence returns one page of a version's evidence.
func (c *Client) ListEvidence(ctx context.Context, model string, number int, q EvidenceQuery) (List[registry.Evidence], error) {
	v := url.Values{}
	if q.Type != "" {
		v.Set("type", q.Type)
	}
	if q.Severity != "" {
		v.Set("severity", q.Severity)
	}
	var out List[registry.Evidence]
	_, _, err := c.call(ctx, request{method: http.MethodGet, path: versionPath(model, number) + "/evidence", query: pageQuery(v, q.Page)}, &out)
	return out, err
}

// AddEvidence posts an evidence file as-is (one record, an array of
// records, or a DSSE attestation) of size bytes; the server validates it.
func (c *Client) AddEvidence(ctx context.Context, model string, number int, r io.Reader, size int64) ([]registry.Evidence, error) {
	var out List[registry.Evidence]
	h := http.Header{"Content-Type": {"application/json"}}
	_, _, err := c.call(ctx, request{method: http.MethodPost, path: versionPath(model, number) + "/evidence", body: io.NopCloser(r), size: size, header: h}, &out)
	return out.Items, err
}

// NewLineage is the body of a lineage edge.
type NewLineage struct {
	Kind   registry.LineageKind `json:"kind"`
	Target string               `json:"target"`
	Commit string               `json:"commit,omitempty"`
	Note   string               `json:"note,omitempty"`
}

// Lineage returns a version's lineage edges.
func (c *Client) Lineage(ctx context.Context, model string, number int) ([]registry.LineageEdge, error) {
	var out List[registry.LineageEdge]
	_, _, err := c.call(ctx, request{method: http.MethodGet, path: versionPath(model, number) + "/lineage"}, &out)
	return out.Items, err
}

// AddLineage adds an edge to a version.
func (c *Client) AddLineage(ctx context.Context, model string, number int, l NewLineage) (registry.LineageEdge, error) {
	var out registry.LineageEdge
	_, _, err := c.call(ctx, request{method: http.MethodPost, path: versionPath(model, number) + "/lineage", json: l}, &out)
	return out, err
}

// ListJobs returns one page of a version's background jobs.
func (c *Client) ListJobs(ctx context.Context, model string, number int, p registry.Page) (List[registry.Job], error) {
	var out List[registry.Job]
	_, _, err := c.call(ctx, request{method: http.MethodGet, path: versionPath(model, number) + "/jobs", query: pageQuery(nil, p)}, &out)
	return out, err
}

// UILoginLink asks for a one-time web UI sign-in link for the token's
// person ('mlsec ui login'); the result's Path is relative to the server.
func (c *Client) UILoginLink(ctx context.Context) (UILoginLink, error) {
	var l UILoginLink
	_, _, err := c.call(ctx, request{method: http.MethodPost, path: "/api/v1/ui/login-links"}, &l)
	return l, err
}

// UILoginLink is the answer of POST /api/v1/ui/login-links.
type UILoginLink struct {
	Path      string    `json:"path"`
	ExpiresAt time.Time `json:"expires_at"`
}
