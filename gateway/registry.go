package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/registry"
	regclient "github.com/mlsec/mlsec/registry/client"
)

// Registry is what the gateway needs from the model registry: which exact
// version a route serves, where to post its evidence, where to append what
// retention deleted. RegistryClient implements it over the HTTP API.
type Registry interface {
	// ResolveVersion returns the version number and root digest of the
	// version a route names by number (digest "") or digest (number 0).
	// Both given must agree.
	ResolveVersion(ctx context.Context, model string, number int, digest string) (int, string, error)
	// AddEvidence attaches a record to a version.
	AddEvidence(ctx context.Context, model string, number int, rec evidence.Record) error
	// RecordRetention appends what a retention sweep deleted (counts and
	// time range, never content) to the registry's audit log.
	RecordRetention(ctx context.Context, model string, number int, d RetentionEvent) error
	// Dataset returns a registered dataset (a drift reference named by
	// drift.dataset).
	Dataset(ctx context.Context, name string) (registry.Dataset, error)
}

// Authorizer decides who may read the logs of a model: the caller's
// identity and role come from the registry's tokens, not from a user
// database of the gateway's own.
type Authorizer interface {
	// AuthorizeLogs returns nil when the bearer of token may read the
	// logs of model (auditor or admin, with the model in its scope), an
	// error wrapping registry.ErrUnauthenticated or ErrForbidden when not.
	AuthorizeLogs(ctx context.Context, token, model string) error
}

// RetentionEvent is what one sweep deleted from one route.
type RetentionEvent struct {
	Route   string    `json:"route"`
	Deleted int       `json:"deleted"`
	Oldest  time.Time `json:"oldest"`
	Newest  time.Time `json:"newest"`
	// Retention is the route's retention, e.g. "720h0m0s".
	Retention string `json:"retention"`
}

// RegistryClient is a Registry and Authorizer over registry/client.
type RegistryClient struct {
	url string
	c   *regclient.Client
}

var (
	_ Registry   = (*RegistryClient)(nil)
	_ Authorizer = (*RegistryClient)(nil)
)

// NewRegistryClient returns a client for the registry at url that posts
// with token (it needs the evidence permission on the served models).
func NewRegistryClient(url, token string) (*RegistryClient, error) {
	c, err := regclient.New(url, token)
	if err != nil {
		return nil, err
	}
	c.UserAgent = "mlsec-gateway"
	return &RegistryClient{url: url, c: c}, nil
}

// ResolveVersion implements Registry.
func (r *RegistryClient) ResolveVersion(ctx context.Context, model string, number int, digest string) (int, string, error) {
	if number > 0 {
		v, err := r.c.GetVersion(ctx, model, number)
		if err != nil {
			return 0, "", err
		}
		if digest != "" && v.Digest != digest {
			return 0, "", fmt.Errorf("%s version %d has digest %s, the route says %s: %w", model, number, v.Digest, digest, registry.ErrConflict)
		}
		return v.Number, v.Digest, nil
	}
	v, err := r.c.VersionByDigest(ctx, model, digest)
	if err != nil {
		return 0, "", err
	}
	return v.Number, v.Digest, nil
}

// AddEvidence implements Registry.
func (r *RegistryClient) AddEvidence(ctx context.Context, model string, number int, rec evidence.Record) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	_, err = r.c.AddEvidence(ctx, model, number, bytes.NewReader(b), int64(len(b)))
	return err
}

// RecordRetention implements Registry. It adds a decision record to the
// version, which the registry audits as record.add with the title: the
// title states the count and the time range.
func (r *RegistryClient) RecordRetention(ctx context.Context, model string, number int, d RetentionEvent) error {
	title := fmt.Sprintf("gateway retention: deleted %d log records of route %s from %s to %s (retention %s)",
		d.Deleted, d.Route, d.Oldest.UTC().Format(time.RFC3339), d.Newest.UTC().Format(time.RFC3339), d.Retention)
	body, _ := json.Marshal(d)
	_, err := r.c.AddRecord(ctx, model, number, title, string(body))
	return err
}

// Dataset implements Registry.
func (r *RegistryClient) Dataset(ctx context.Context, name string) (registry.Dataset, error) {
	return r.c.GetDataset(ctx, name)
}

// AuthorizeLogs implements Authorizer with the caller's own token: reading
// the model proves the scope, reading the audit trail the role (admins and
// auditors hold registry.PermAudit).
func (r *RegistryClient) AuthorizeLogs(ctx context.Context, token, model string) error {
	if token == "" {
		return fmt.Errorf("%w: send a registry token as 'Authorization: Bearer TOKEN'", registry.ErrUnauthenticated)
	}
	c, err := regclient.New(r.url, token)
	if err != nil {
		return err
	}
	c.HTTP = r.c.HTTP
	if _, err := c.GetModel(ctx, model); err != nil {
		if errors.Is(err, registry.ErrNotFound) {
			return fmt.Errorf("%w: model %s is not in this token's scope", registry.ErrForbidden, model)
		}
		return err
	}
	if _, err := c.ListAudit(ctx, registry.Page{Limit: 1}); err != nil {
		if errors.Is(err, registry.ErrForbidden) {
			return fmt.Errorf("%w: reading gateway logs needs the auditor or admin role", registry.ErrForbidden)
		}
		return err
	}
	return nil
}
