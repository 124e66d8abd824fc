package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/mlsec/mlsec/registry"
)

// Governance endpoints (docs/governance.md).

// Owners returns a model's owners and effective approval rules.
func (c *Client) Owners(ctx context.Context, model string) (registry.Governance, error) {
	var out registry.Governance
	_, _, err := c.call(ctx, request{method: http.MethodGet, path: "/api/v1/models/" + seg(model) + "/owners"}, &out)
	return out, err
}

// SetOwners replaces the given responsibilities' owners and stages' rules.
// A change that needs another person's approval (the governance floor)
// comes back as the change_governance request it opened (202), with the
// governance unchanged.
func (c *Client) SetOwners(ctx context.Context, model string, p registry.GovernancePatch) (registry.Governance, *registry.DecisionRequest, error) {
	var out registry.Governance
	d, err := c.callOrRequest(ctx, request{method: http.MethodPatch, path: "/api/v1/models/" + seg(model) + "/owners", json: p}, &out)
	return out, d, err
}

// callOrRequest calls r and decodes a 200 answer into out, or a 202 answer
// (a decision opened instead) into the returned request.
func (c *Client) callOrRequest(ctx context.Context, r request, out any) (*registry.DecisionRequest, error) {
	var raw json.RawMessage
	code, _, err := c.call(ctx, r, &raw)
	if err != nil {
		return nil, err
	}
	if code == http.StatusAccepted {
		var d registry.DecisionRequest
		if err := json.Unmarshal(raw, &d); err != nil {
			return nil, fmt.Errorf("%s %s: decode response: %w", r.method, r.path, err)
		}
		return &d, nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return nil, fmt.Errorf("%s %s: decode response: %w", r.method, r.path, err)
	}
	return nil, nil
}

// RequestDecision asks for a decision on a version.
func (c *Client) RequestDecision(ctx context.Context, model string, number int, in registry.NewRequest) (registry.DecisionRequest, error) {
	var out registry.DecisionRequest
	_, _, err := c.call(ctx, request{method: http.MethodPost, path: versionPath(model, number) + "/requests", json: in}, &out)
	return out, err
}

// ListRequests lists a model's decision requests (status "" = all).
func (c *Client) ListRequests(ctx context.Context, model string, status registry.RequestStatus, p registry.Page) (List[registry.DecisionRequest], error) {
	q := url.Values{}
	if status != "" {
		q.Set("status", string(status))
	}
	var out List[registry.DecisionRequest]
	_, _, err := c.call(ctx, request{method: http.MethodGet, path: "/api/v1/models/" + seg(model) + "/requests", query: pageQuery(q, p)}, &out)
	return out, err
}

// GetRequest returns a decision request.
func (c *Client) GetRequest(ctx context.Context, id int64) (registry.DecisionRequest, error) {
	var out registry.DecisionRequest
	_, _, err := c.call(ctx, request{method: http.MethodGet, path: "/api/v1/requests/" + strconv.FormatInt(id, 10)}, &out)
	return out, err
}

// Vote approves (approve true) or rejects a request.
func (c *Client) Vote(ctx context.Context, id int64, approve bool, comment string) (registry.DecisionRequest, error) {
	verb := "/reject"
	if approve {
		verb = "/approve"
	}
	var out registry.DecisionRequest
	_, _, err := c.call(ctx, request{method: http.MethodPost, path: "/api/v1/requests/" + strconv.FormatInt(id, 10) + verb,
		json: map[string]string{"comment": comment}}, &out)
	return out, err
}

// Rollback returns production to version to.
func (c *Client) Rollback(ctx context.Context, model string, to int, reason string) (registry.DecisionRequest, error) {
	var out registry.DecisionRequest
	_, _, err := c.call(ctx, request{method: http.MethodPost, path: "/api/v1/models/" + seg(model) + "/rollback",
		json: map[string]any{"to": to, "reason": reason}}, &out)
	return out, err
}

// AddRecord adds a decision record to a version.
func (c *Client) AddRecord(ctx context.Context, model string, number int, title, body string) (registry.DecisionRecord, error) {
	var out registry.DecisionRecord
	_, _, err := c.call(ctx, request{method: http.MethodPost, path: versionPath(model, number) + "/records",
		json: map[string]string{"title": title, "body": body}}, &out)
	return out, err
}

// History returns who did what, when and why for a model.
func (c *Client) History(ctx context.Context, model string) ([]registry.HistoryEntry, error) {
	var out List[registry.HistoryEntry]
	_, _, err := c.call(ctx, request{method: http.MethodGet, path: "/api/v1/models/" + seg(model) + "/history"}, &out)
	return out.Items, err
}
