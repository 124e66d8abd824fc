package worker

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/mlsec/mlsec/registry"
)

// WebhookTimeout bounds one delivery attempt (connect, send, response).
const WebhookTimeout = 10 * time.Second

// Sign returns the X-Mlsec-Signature value of body: "sha256=" and the hex
// HMAC-SHA256 of body keyed with the webhook's secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// VerifySignature reports whether header is the signature of body under
// secret, in constant time (what a receiver does).
func VerifySignature(secret string, body []byte, header string) bool {
	return hmac.Equal([]byte(Sign(secret, body)), []byte(header))
}

// deliverWebhook sends one delivery: POST of its JSON body with the event,
// delivery id and signature headers. A non-2xx answer or a network error
// fails the attempt, so the job is retried with backoff until its limit.
func (p *Pool) deliverWebhook(ctx context.Context, j registry.Job) error {
	svc := p.c.Service
	d, w, deleted, err := svc.WebhookDeliveryTarget(ctx, j.ID)
	if err != nil {
		return err
	}
	if deleted {
		err := fmt.Errorf("webhook %d was deleted", w.ID)
		return errors.Join(err, svc.RecordWebhookAttempt(ctx, d.ID, j.Attempts, 0, err.Error()))
	}
	var body map[string]any
	if err := json.Unmarshal(d.Payload, &body); err != nil {
		return fmt.Errorf("delivery %d payload: %w", d.ID, err)
	}
	body["id"] = strconv.FormatInt(d.ID, 10)
	raw, err := json.Marshal(body)
	if err != nil {
		return err
	}
	code, sendErr := p.post(ctx, w, d, raw)
	msg := ""
	if sendErr != nil {
		msg = sendErr.Error()
	}
	if err := svc.RecordWebhookAttempt(ctx, d.ID, j.Attempts, code, msg); err != nil {
		return errors.Join(sendErr, err)
	}
	return sendErr
}

func (p *Pool) post(ctx context.Context, w registry.Webhook, d registry.WebhookDelivery, body []byte) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, WebhookTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("webhook %d: %w", w.ID, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "mlsec-webhook/1")
	req.Header.Set("X-Mlsec-Event", d.Event)
	req.Header.Set("X-Mlsec-Delivery", strconv.FormatInt(d.ID, 10))
	req.Header.Set("X-Mlsec-Signature", Sign(w.Secret, body))
	resp, err := p.webhookClient().Do(req)
	if err != nil {
		return 0, fmt.Errorf("webhook %d: %w", w.ID, err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) //nolint:errcheck // drained for reuse only
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("webhook %d: %s answered %d", w.ID, w.URL, resp.StatusCode)
	}
	return resp.StatusCode, nil
}

// webhookClient is Config.HTTPClient or the guarded default: every
// connection checked against Config.Egress after name resolution (DNS
// rebinding), no proxy, and no redirects (a 3xx is a failed attempt, so a
// receiver cannot bounce the server's request to another host).
func (p *Pool) webhookClient() *http.Client {
	p.clientOnce.Do(func() {
		p.client = p.c.HTTPClient
		if p.client == nil {
			p.client = p.c.Egress.Client(WebhookTimeout)
		}
	})
	return p.client
}
