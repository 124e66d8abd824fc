package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/mlsec/mlsec/registry"
)

// Webhook endpoints (admins; docs/governance.md "Webhooks").

// CreateWebhook registers a webhook; the result holds its secret, shown
// only here.
func (c *Client) CreateWebhook(ctx context.Context, in registry.NewWebhook) (registry.Webhook, error) {
	var out registry.Webhook
	_, _, err := c.call(ctx, request{method: http.MethodPost, path: "/api/v1/webhooks", json: in}, &out)
	return out, err
}

// ListWebhooks lists the registered webhooks (without secrets).
func (c *Client) ListWebhooks(ctx context.Context) ([]registry.Webhook, error) {
	var out List[registry.Webhook]
	_, _, err := c.call(ctx, request{method: http.MethodGet, path: "/api/v1/webhooks"}, &out)
	return out.Items, err
}

// DeleteWebhook deletes webhook id.
func (c *Client) DeleteWebhook(ctx context.Context, id int64) error {
	_, _, err := c.call(ctx, request{method: http.MethodDelete, path: "/api/v1/webhooks/" + strconv.FormatInt(id, 10)}, nil)
	return err
}

// WebhookDeliveries lists one page of a webhook's deliveries.
func (c *Client) WebhookDeliveries(ctx context.Context, id int64, p registry.Page) (List[registry.WebhookDelivery], error) {
	var out List[registry.WebhookDelivery]
	_, _, err := c.call(ctx, request{method: http.MethodGet, path: "/api/v1/webhooks/" + strconv.FormatInt(id, 10) + "/deliveries",
		query: pageQuery(url.Values{}, p)}, &out)
	return out, err
}
