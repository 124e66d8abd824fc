package server

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/blob"
	"github.com/mlsec/mlsec/registry/store"
)

// permissiveEnv is newEnv with a policy that denies only versions with
// failing test evidence (none here), so decisions reach their approvals.
func permissiveEnv(t *testing.T) *env {
	t.Helper()
	eng := permissivePolicy(t)
	db, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	bs, err := blob.Open(t.Context(), filepath.Join(t.TempDir(), "blobs"), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	svc := registry.NewService(db, registry.WithPolicy(eng), registry.WithSecretKey(make([]byte, registry.SecretKeySize)))
	srv := httptest.NewServer(New(Config{Service: svc, Blobs: bs, Logger: slog.New(slog.DiscardHandler)}))
	t.Cleanup(srv.Close)
	e := &env{url: srv.URL, svc: svc, tokens: map[registry.Role]string{}}
	secret, _, err := svc.Bootstrap(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	e.tokens[registry.RoleAdmin] = secret
	admin, _ := svc.Authenticate(t.Context(), secret)
	for _, r := range []registry.Role{registry.RoleMaintainer, registry.RoleReviewer} {
		_, sec, err := svc.CreateToken(t.Context(), admin, registry.Token{Name: string(r), Role: r})
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[r] = sec
	}
	return e
}

// readyVersion adds a ready one-file version of model m through the service.
func readyVersion(t *testing.T, e *env, data string) {
	t.Helper()
	ctx, a := t.Context(), registry.Actor{Name: "admin", Role: registry.RoleAdmin}
	v, _, err := e.svc.CreateVersion(ctx, a, "m", registry.NewVersion{Artifacts: []registry.Artifact{{Path: "w.bin", Size: int64(len(data)), SHA256: sum([]byte(data))}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.RecordBlob(ctx, a, registry.Blob{SHA256: sum([]byte(data)), Size: int64(len(data)), Key: "k" + data}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.FinalizeVersion(ctx, a, "m", v.Number); err != nil {
		t.Fatal(err)
	}
}

// TestAliasAndWebhookAPI walks aliases and webhooks through HTTP: direct
// moves, protection, the 403 on a protected alias, the move_alias
// decision, the history, and the deliveries the decision enqueued.
func TestAliasAndWebhookAPI(t *testing.T) {
	e := permissiveEnv(t)
	admin, maint, rev := e.tokens[registry.RoleAdmin], e.tokens[registry.RoleMaintainer], e.tokens[registry.RoleReviewer]
	want := func(r resp, code int, what string) {
		t.Helper()
		if r.code != code {
			t.Fatalf("%s: %d, want %d: %s", what, r.code, code, r.body)
		}
	}
	want(e.do(t, admin, "POST", "/api/v1/models", map[string]any{"name": "m", "team": "a"}), 201, "model")
	readyVersion(t, e, "one")
	readyVersion(t, e, "two")
	want(e.do(t, admin, "PATCH", "/api/v1/models/m/owners", map[string]any{"owners": map[string]any{"approve": []string{"reviewer"}}}), 200, "owners")

	// Webhooks: admins only, http(s) only, secret shown once.
	want(e.do(t, maint, "POST", "/api/v1/webhooks", map[string]any{"url": "http://127.0.0.1:9/h", "events": []string{"*"}}), 403, "maintainer webhook")
	want(e.do(t, admin, "POST", "/api/v1/webhooks", map[string]any{"url": "file:///etc/passwd", "events": []string{"*"}}), 400, "file webhook")
	want(e.do(t, admin, "POST", "/api/v1/webhooks", map[string]any{"url": "http://127.0.0.1:9/h", "events": []string{"nope"}}), 400, "bad event")
	r := e.do(t, admin, "POST", "/api/v1/webhooks", map[string]any{"url": "http://127.0.0.1:9/h", "events": []string{"*"}})
	want(r, 201, "webhook")
	var hook registry.Webhook
	json.Unmarshal(r.body, &hook)
	if !strings.HasPrefix(hook.Secret, "whsec_") || hook.ID == 0 {
		t.Fatalf("created webhook: %s", r.body)
	}
	r = e.do(t, admin, "GET", "/api/v1/webhooks", nil)
	if want(r, 200, "list webhooks"); strings.Contains(string(r.body), hook.Secret) || !strings.Contains(string(r.body), "127.0.0.1:9") {
		t.Fatalf("webhook list shows the secret or misses the hook: %s", r.body)
	}

	// Unprotected alias: maintainers move it; a stale expect is a conflict.
	want(e.do(t, rev, "PUT", "/api/v1/models/m/aliases/challenger", map[string]any{"version": 1}), 403, "reviewer alias")
	want(e.do(t, maint, "PUT", "/api/v1/models/m/aliases/challenger", map[string]any{"version": 1}), 200, "challenger")
	want(e.do(t, maint, "PUT", "/api/v1/models/m/aliases/challenger", map[string]any{"version": 2, "expect": 2}), 409, "stale expect")
	want(e.do(t, maint, "PUT", "/api/v1/models/m/aliases/challenger", map[string]any{"version": 2, "expect": 1}), 200, "move challenger")

	// Protected alias: set up by an admin, then only a decision moves it.
	want(e.do(t, maint, "PUT", "/api/v1/models/m/aliases/champion", map[string]any{"version": 1, "protected": true}), 403, "maintainer protects")
	want(e.do(t, admin, "PUT", "/api/v1/models/m/aliases/champion", map[string]any{"version": 1, "protected": true}), 200, "admin protects")
	want(e.do(t, admin, "PUT", "/api/v1/models/m/aliases/champion", map[string]any{"version": 2}), 403, "direct move of protected")
	r = e.do(t, maint, "POST", "/api/v1/models/m/versions/2/requests", map[string]any{"action": "move_alias", "alias": "champion", "rationale": "v2 wins"})
	want(r, 201, "move_alias request")
	var d registry.DecisionRequest
	json.Unmarshal(r.body, &d)
	if d.Status != registry.RequestPending || d.Alias != "champion" {
		t.Fatalf("request: %s", r.body)
	}
	want(e.do(t, maint, "POST", fmt.Sprintf("/api/v1/requests/%d/approve", d.ID), map[string]any{}), 403, "self approval")
	r = e.do(t, rev, "POST", fmt.Sprintf("/api/v1/requests/%d/approve", d.ID), map[string]any{"comment": "ok"})
	if want(r, 200, "approve"); !strings.Contains(string(r.body), `"status":"executed"`) {
		t.Fatalf("approve: %s", r.body)
	}
	r = e.do(t, rev, "GET", "/api/v1/models/m/aliases/champion", nil)
	if want(r, 200, "get champion"); !strings.Contains(string(r.body), `"version":2`) {
		t.Fatalf("champion: %s", r.body)
	}
	r = e.do(t, rev, "GET", "/api/v1/models/m/aliases/champion/history", nil)
	var h struct{ Items []registry.AliasMove }
	json.Unmarshal(r.body, &h)
	if want(r, 200, "history"); len(h.Items) != 2 || h.Items[1].Request != d.ID || h.Items[1].FromVersion != 1 || h.Items[1].ToVersion != 2 {
		t.Fatalf("history: %s", r.body)
	}
	want(e.do(t, rev, "GET", "/api/v1/models/m/aliases/nope", nil), 404, "missing alias")

	// The decision and the moves were enqueued for the webhook.
	r = e.do(t, admin, "GET", fmt.Sprintf("/api/v1/webhooks/%d/deliveries", hook.ID), nil)
	var ds struct{ Items []registry.WebhookDelivery }
	json.Unmarshal(r.body, &ds)
	want(r, 200, "deliveries")
	var events []string
	for _, x := range ds.Items {
		events = append(events, x.Event)
		if x.Status != registry.DeliveryPending {
			t.Fatalf("delivery without a worker: %+v", x)
		}
	}
	for _, ev := range []string{registry.EventAliasMoved, registry.EventDecisionRequested, registry.EventDecisionApproved, registry.EventDecisionExecuted} {
		if !slices.Contains(events, ev) {
			t.Fatalf("no %s delivery in %v", ev, events)
		}
	}
	want(e.do(t, admin, "DELETE", fmt.Sprintf("/api/v1/webhooks/%d", hook.ID), nil), 204, "delete webhook")
	want(e.do(t, admin, "DELETE", fmt.Sprintf("/api/v1/webhooks/%d", hook.ID), nil), 404, "delete again")
}
