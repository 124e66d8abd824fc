package registry

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Webhooks (docs/governance.md "Webhooks"): admins register http(s)
// endpoints for governance events. Every decision outcome and stage change
// enqueues, in the transaction of the change, one delivery per matching
// webhook: a delivery row plus a durable job (kind JobWebhook) that the
// worker runs with its lease, retries and backoff. The server therefore
// makes outbound HTTP requests to the registered URLs.

// JobWebhook delivers one webhook event (the delivery row names its job).
const JobWebhook = "webhook"

// WebhookMaxAttempts bounds the attempts of one delivery.
const WebhookMaxAttempts = 8

// Webhook events.
const (
	EventDecisionRequested  = "decision.requested"
	EventDecisionApproved   = "decision.approved"
	EventDecisionRejected   = "decision.rejected"
	EventDecisionExecuted   = "decision.executed"
	EventDecisionDenied     = "decision.denied"
	EventDecisionSuperseded = "decision.superseded"
	EventRollback           = "rollback"
	EventStageChanged       = "stage.changed"
	EventAliasMoved         = "alias.moved"
)

// WebhookEvents lists every event a webhook can subscribe to ("*" is all).
var WebhookEvents = []string{EventDecisionRequested, EventDecisionApproved, EventDecisionRejected, EventDecisionExecuted,
	EventDecisionDenied, EventDecisionSuperseded, EventRollback, EventStageChanged, EventAliasMoved}

// Webhook is a registered endpoint. Secret is returned only by
// CreateWebhook (the server keeps it, sealed, to sign deliveries). A scoped
// webhook receives only the events of the models inside its scope.
type Webhook struct {
	ID         int64     `json:"id"`
	URL        string    `json:"url"`
	Events     []string  `json:"events"`
	Secret     string    `json:"secret,omitempty"`
	ScopeTeam  string    `json:"scope_team,omitempty"`
	ScopeModel string    `json:"scope_model,omitempty"`
	CreatedBy  string    `json:"created_by"`
	CreatedAt  time.Time `json:"created_at"`
}

// NewWebhook is the body of POST /api/v1/webhooks. A scoped admin's
// webhook is scoped like its creator unless it asks for less.
type NewWebhook struct {
	URL        string   `json:"url"`
	Events     []string `json:"events"`
	Secret     string   `json:"secret,omitempty"`
	ScopeTeam  string   `json:"scope_team,omitempty"`
	ScopeModel string   `json:"scope_model,omitempty"`
}

// Scope returns w's scope.
func (w Webhook) Scope() Scope { return Scope{Team: w.ScopeTeam, Model: w.ScopeModel} }

// Delivery statuses (derived from the delivery job's state).
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
)

// WebhookDelivery is one event sent (or to be sent) to one webhook.
type WebhookDelivery struct {
	ID           int64           `json:"id"`
	WebhookID    int64           `json:"webhook_id"`
	JobID        int64           `json:"job_id"`
	Event        string          `json:"event"`
	Payload      json.RawMessage `json:"payload"`
	Status       string          `json:"status"`
	Attempts     int             `json:"attempts"`
	MaxAttempts  int             `json:"max_attempts"`
	ResponseCode int             `json:"response_code,omitempty"`
	Error        string          `json:"error,omitempty"`
	CreatedAt    time.Time       `json:"created_at"`
	UpdatedAt    time.Time       `json:"updated_at"`
}

// WebhookReader reads webhooks (the SQL store implements it).
type WebhookReader interface {
	// ListWebhooks lists the webhooks not deleted, with their secrets.
	ListWebhooks(ctx context.Context) ([]Webhook, error)
	// GetWebhook returns a webhook, deleted or not, with its secret.
	GetWebhook(ctx context.Context, id int64) (Webhook, bool, error)
	// GetWebhookDeliveryByJob returns the delivery job jobID sends.
	GetWebhookDeliveryByJob(ctx context.Context, jobID int64) (WebhookDelivery, error)
	ListWebhookDeliveries(ctx context.Context, webhookID int64, p Page) ([]WebhookDelivery, string, error)
}

// WebhookTx writes webhooks inside a transaction.
type WebhookTx interface {
	WebhookReader
	CreateWebhook(ctx context.Context, w *Webhook) error
	// DeleteWebhook marks it deleted (its deliveries stay readable).
	DeleteWebhook(ctx context.Context, id int64) error
	CreateWebhookDelivery(ctx context.Context, d *WebhookDelivery) error
	// RecordWebhookAttempt stores the outcome of one attempt.
	RecordWebhookAttempt(ctx context.Context, id int64, attempts, code int, errMsg string) error
	// RewriteWebhookSecrets passes every stored secret (deleted webhooks'
	// too) to fn and stores what it returns when changed is true.
	RewriteWebhookSecrets(ctx context.Context, fn func(stored string) (next string, changed bool, err error)) (int, error)
}

func (s *Service) webhookReader() (WebhookReader, error) {
	r, ok := s.store.(WebhookReader)
	if !ok {
		return nil, fmt.Errorf("store %T does not support webhooks", s.store)
	}
	return r, nil
}

func validEvent(e string) bool { return e == "*" || slices.Contains(WebhookEvents, e) }

// CreateWebhook registers an endpoint (admins, inside their scope).
// Without a secret one is generated; the returned Webhook carries it, the
// only time it is shown; the database keeps it sealed (secrets.go).
func (s *Service) CreateWebhook(ctx context.Context, a Actor, in NewWebhook) (Webhook, error) {
	if err := require(a, PermAdmin, nil); err != nil {
		return Webhook{}, err
	}
	sc := a.Scope().narrow(Scope{Team: in.ScopeTeam, Model: in.ScopeModel})
	if err := sc.validate(); err != nil {
		return Webhook{}, err
	}
	if err := requireContains(a, sc, "the webhook"); err != nil {
		return Webhook{}, err
	}
	u, err := url.Parse(in.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || len(in.URL) > 2048 {
		return Webhook{}, invalidf("url %q: want an absolute http or https URL without credentials", in.URL)
	}
	if len(in.Events) == 0 || len(in.Events) > len(WebhookEvents)+1 {
		return Webhook{}, invalidf("events: give one or more of %s, or *", strings.Join(WebhookEvents, ", "))
	}
	for _, e := range in.Events {
		if !validEvent(e) {
			return Webhook{}, invalidf("event %q (want one of %s, or *)", e, strings.Join(WebhookEvents, ", "))
		}
	}
	if in.Secret == "" {
		b := make([]byte, 32)
		rand.Read(b)
		in.Secret = "whsec_" + hex.EncodeToString(b)
	} else if len(in.Secret) < 16 || len(in.Secret) > 256 {
		return Webhook{}, invalidf("secret must be 16 to 256 bytes")
	}
	sealed, err := s.sealSecret(in.Secret)
	if err != nil {
		return Webhook{}, err
	}
	w := Webhook{URL: in.URL, Events: slices.Compact(slices.Sorted(slices.Values(in.Events))), Secret: sealed, CreatedBy: a.Principal(),
		ScopeTeam: sc.Team, ScopeModel: sc.Model}
	err = s.mutate(ctx, a, "webhook.create", "webhook", func() any {
		return map[string]any{"webhook": w.ID, "url": w.URL, "events": w.Events, "scope_team": w.ScopeTeam, "scope_model": w.ScopeModel} // never the secret
	}, func(tx Tx) error {
		wt, ok := tx.(WebhookTx)
		if !ok {
			return fmt.Errorf("store %T does not support webhooks", tx)
		}
		return wt.CreateWebhook(ctx, &w)
	})
	w.Secret = in.Secret
	return w, err
}

// ListWebhooks lists the webhooks inside the actor's scope, without
// secrets (admins).
func (s *Service) ListWebhooks(ctx context.Context, a Actor) ([]Webhook, error) {
	if err := require(a, PermAdmin, nil); err != nil {
		return nil, err
	}
	r, err := s.webhookReader()
	if err != nil {
		return nil, err
	}
	ws, err := r.ListWebhooks(ctx)
	out := []Webhook{}
	for _, w := range ws {
		if a.Scope().Contains(w.Scope()) {
			w.Secret = ""
			out = append(out, w)
		}
	}
	return out, err
}

// webhookIn returns webhook id if it is inside a's scope.
func webhookIn(ctx context.Context, r WebhookReader, a Actor, id int64) error {
	w, _, err := r.GetWebhook(ctx, id)
	if err != nil {
		return err
	}
	return requireContains(a, w.Scope(), fmt.Sprintf("webhook %d", id))
}

// DeleteWebhook stops deliveries to webhook id (admins, inside their
// scope); pending ones fail.
func (s *Service) DeleteWebhook(ctx context.Context, a Actor, id int64) error {
	if err := require(a, PermAdmin, nil); err != nil {
		return err
	}
	return s.mutate(ctx, a, "webhook.delete", fmt.Sprintf("webhook/%d", id), func() any {
		return map[string]any{"webhook": id}
	}, func(tx Tx) error {
		wt, ok := tx.(WebhookTx)
		if !ok {
			return fmt.Errorf("store %T does not support webhooks", tx)
		}
		if err := webhookIn(ctx, wt, a, id); err != nil {
			return err
		}
		return wt.DeleteWebhook(ctx, id)
	})
}

// ListWebhookDeliveries lists a webhook's deliveries, newest first (admins,
// inside their scope).
func (s *Service) ListWebhookDeliveries(ctx context.Context, a Actor, id int64, p Page) ([]WebhookDelivery, string, error) {
	if err := require(a, PermAdmin, nil); err != nil {
		return nil, "", err
	}
	r, err := s.webhookReader()
	if err != nil {
		return nil, "", err
	}
	if err := webhookIn(ctx, r, a, id); err != nil {
		return nil, "", err
	}
	ds, cur, err := r.ListWebhookDeliveries(ctx, id, p)
	if ds == nil {
		ds = []WebhookDelivery{}
	}
	return ds, cur, err
}

// WebhookDeliveryTarget returns the delivery job jobID sends and its
// webhook (with the secret) for the worker; deleted reports a webhook
// deleted since.
func (s *Service) WebhookDeliveryTarget(ctx context.Context, jobID int64) (d WebhookDelivery, w Webhook, deleted bool, err error) {
	r, err := s.webhookReader()
	if err != nil {
		return d, w, false, err
	}
	if d, err = r.GetWebhookDeliveryByJob(ctx, jobID); err != nil {
		return d, w, false, err
	}
	if w, deleted, err = r.GetWebhook(ctx, d.WebhookID); err != nil || deleted {
		return d, w, deleted, err
	}
	w.Secret, err = s.openSecret(w.Secret)
	return d, w, deleted, err
}

// RecordWebhookAttempt stores the outcome of a delivery attempt (worker).
func (s *Service) RecordWebhookAttempt(ctx context.Context, id int64, attempts, code int, errMsg string) error {
	if len(errMsg) > 1024 {
		errMsg = errMsg[:1024]
	}
	return s.store.Tx(ctx, func(tx Tx) error {
		wt, ok := tx.(WebhookTx)
		if !ok {
			return fmt.Errorf("store %T does not support webhooks", tx)
		}
		return wt.RecordWebhookAttempt(ctx, id, attempts, code, errMsg)
	})
}

// record writes an audit event and, for governance events, enqueues the
// webhook deliveries it triggers, all in tx.
func (s *Service) record(ctx context.Context, tx Tx, e *AuditEvent) error {
	if err := s.auditor.Record(ctx, tx, e); err != nil {
		return err
	}
	return s.enqueueWebhooks(ctx, tx, e)
}

// webhookEvents maps an audit event to the webhook events it means.
func webhookEvents(action string, p map[string]any) []string {
	status, _ := p["status"].(string)
	final := func() []string {
		switch RequestStatus(status) {
		case RequestExecuted:
			return []string{EventDecisionExecuted}
		case RequestDenied:
			return []string{EventDecisionDenied}
		}
		return nil
	}
	switch action {
	case "decision.request":
		return append([]string{EventDecisionRequested}, final()...)
	case "decision.approve":
		return append([]string{EventDecisionApproved}, final()...)
	case "decision.reject":
		return []string{EventDecisionRejected}
	case "decision.superseded":
		return []string{EventDecisionSuperseded}
	case "decision.rollback":
		return []string{EventRollback}
	case "version.stage":
		return []string{EventStageChanged}
	case "alias.move":
		if fmt.Sprint(p["from"]) != fmt.Sprint(p["to"]) {
			return []string{EventAliasMoved}
		}
	}
	return nil
}

func (s *Service) enqueueWebhooks(ctx context.Context, tx Tx, e *AuditEvent) error {
	if !strings.HasPrefix(e.Action, "decision.") && e.Action != "version.stage" && e.Action != "alias.move" {
		return nil
	}
	wt, ok := tx.(WebhookTx)
	if !ok {
		return nil // a store without webhooks has none registered
	}
	var p map[string]any
	if len(e.Payload) > 0 {
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			return fmt.Errorf("webhook payload: %w", err)
		}
	}
	events := webhookEvents(e.Action, p)
	if len(events) == 0 {
		return nil
	}
	hooks, err := wt.ListWebhooks(ctx)
	if err != nil || len(hooks) == 0 {
		return err
	}
	// A scoped webhook hears only its scope's models (by their team now).
	var m *Model
	if name, ok := subjectModel(e.Subject); ok {
		if got, err := tx.GetModel(ctx, name); err == nil {
			m = &got
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
	}
	for _, ev := range events {
		body, err := json.Marshal(webhookBody(ev, e, p))
		if err != nil {
			return fmt.Errorf("webhook payload: %w", err)
		}
		for _, h := range hooks {
			if !slices.Contains(h.Events, ev) && !slices.Contains(h.Events, "*") {
				continue
			}
			if !h.Scope().Unscoped() && (m == nil || !h.Scope().AllowsModel(*m)) {
				continue
			}
			j := Job{Kind: JobWebhook, MaxAttempts: WebhookMaxAttempts}
			if err := tx.EnqueueJob(ctx, &j); err != nil {
				return err
			}
			d := WebhookDelivery{WebhookID: h.ID, JobID: j.ID, Event: ev, Payload: body}
			if err := wt.CreateWebhookDelivery(ctx, &d); err != nil {
				return err
			}
		}
	}
	return nil
}

// webhookBody is the JSON sent (without "id", added per delivery): the
// model, version, stage, actor and reason of the change, and its audit
// payload under "data".
func webhookBody(ev string, e *AuditEvent, p map[string]any) map[string]any {
	b := map[string]any{"event": ev, "time": e.At.UTC().Format(time.RFC3339Nano), "actor": e.Actor, "subject": e.Subject, "data": p}
	parts := strings.Split(e.Subject, "/")
	if len(parts) >= 2 && parts[0] == "model" {
		b["model"] = parts[1]
	}
	if len(parts) >= 4 && parts[2] == "versions" {
		var n int
		fmt.Sscanf(parts[3], "%d", &n)
		b["version"] = n
	}
	if len(parts) >= 4 && parts[2] == "aliases" {
		b["alias"] = parts[3]
		b["version"] = p["to"]
	}
	for _, k := range []string{"request", "status", "outcome", "action", "alias"} {
		if x, ok := p[k]; ok {
			b[k] = x
		}
	}
	switch {
	case p["to"] != nil && e.Action == "version.stage":
		b["stage"] = p["to"]
	case p["stage"] != nil:
		b["stage"] = p["stage"]
	case e.Action == "decision.rollback":
		b["stage"] = StageProduction
	}
	b["reason"] = firstNonEmpty(p, "rationale", "reason", "comment", "outcome")
	return b
}

// subjectModel returns the model an audit subject (model/NAME[/...]) is
// about.
func subjectModel(subject string) (string, bool) {
	rest, ok := strings.CutPrefix(subject, "model/")
	if !ok {
		return "", false
	}
	name, _, _ := strings.Cut(rest, "/")
	return name, name != ""
}

func firstNonEmpty(p map[string]any, keys ...string) string {
	for _, k := range keys {
		if s, _ := p[k].(string); s != "" {
			return s
		}
	}
	return ""
}
