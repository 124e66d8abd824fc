package server

import (
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/internal/pgtest"
	"github.com/mlsec/mlsec/policy"
	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/policyeval"
	"github.com/mlsec/mlsec/registry/worker"
)

// defaultBundle decides with the default policies, as mlsec serve does;
// the toy models carry no signature, so only MLSEC-SIG-001 is off. What is
// left are the documentation gaps of a model without a card (BOM-002..004):
// warnings under baseline, denies under strict.
func defaultBundle(t *testing.T) *policyeval.Evaluator {
	t.Helper()
	data := filepath.Join(t.TempDir(), "data.json")
	if err := os.WriteFile(data, []byte(`{"mlsec": {"disabled_rules": ["MLSEC-SIG-001"]}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	ev, err := policyeval.New(t.Context(), policy.Options{DataFiles: []string{data}})
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// analyse runs the server's analysis jobs (scan, BOM, signature) to the end.
func (e *secEnv) analyse(t *testing.T) {
	t.Helper()
	pool := worker.New(worker.Config{Service: e.svc, Blobs: e.blobs, Logger: slog.New(slog.DiscardHandler), Workers: 1, TempDir: t.TempDir()})
	for {
		ran, err := pool.RunOne(t.Context(), "test")
		if err != nil {
			t.Fatal(err)
		}
		if !ran {
			return
		}
	}
}

// etag is the model's current ETag (for If-Match).
func (e *secEnv) etag(t *testing.T, model string) string {
	t.Helper()
	return e.must(t, 200, e.tokens[registry.RoleAdmin], "GET", "/api/v1/models/"+model, nil).hdr.Get("ETag")
}

func decodeAs[T any](t *testing.T, r resp) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("%s: %v", r.body, err)
	}
	return v
}

// TestProfileAttacks: only an admin whose token covers the whole team may
// set, loosen or remove a team's or a model's profile; a maintainer cannot
// escape a strict team by moving the model; a name the server does not
// know is a 400 naming the profiles. The model's readers see the profile.
func TestProfileAttacks(t *testing.T) {
	secDialects(t, func(t *testing.T, e *secEnv) {
		root := e.tokens[registry.RoleAdmin]
		e.must(t, 201, root, "POST", "/api/v1/models", map[string]any{"name": "fd", "team": "risk"})
		teamAdmin := e.token(t, "risk-admin", registry.RoleAdmin, "risk", "")
		otherAdmin := e.token(t, "other-admin", registry.RoleAdmin, "other", "")
		modelAdmin := e.token(t, "fd-admin", registry.RoleAdmin, "", "fd")
		writer := e.token(t, "writer", registry.RoleMaintainer, "", "")
		reader := e.token(t, "fd-reader", registry.RoleReviewer, "", "fd")

		v := decodeAs[registry.ProfileView](t, e.must(t, 200, teamAdmin, "PUT", "/api/v1/teams/risk/profile", map[string]any{"profile": "strict"}))
		if v.Profile != "strict" || v.Source != registry.SourceTeam || v.TeamSetting == nil || v.TeamSetting.SetBy != "risk-admin" {
			t.Fatalf("team admin sets strict: %+v", v)
		}
		weaken := []struct {
			who, method, path string
			body              any
			code              int
		}{
			{writer, "PUT", "/api/v1/teams/risk/profile", map[string]any{"profile": "baseline"}, 403},
			{writer, "DELETE", "/api/v1/teams/risk/profile", nil, 403},
			{writer, "PUT", "/api/v1/models/fd/profile", map[string]any{"profile": "baseline"}, 403},
			{otherAdmin, "PUT", "/api/v1/teams/risk/profile", map[string]any{"profile": "baseline"}, 403},
			{otherAdmin, "DELETE", "/api/v1/teams/risk/profile", nil, 403},
			{otherAdmin, "PUT", "/api/v1/models/fd/profile", map[string]any{"profile": "baseline"}, 403},
			{modelAdmin, "PUT", "/api/v1/models/fd/profile", map[string]any{"profile": "baseline"}, 403},
			{modelAdmin, "PUT", "/api/v1/teams/risk/profile", map[string]any{"profile": "baseline"}, 403},
			{reader, "PUT", "/api/v1/models/fd/profile", map[string]any{"profile": "baseline"}, 403},
			// A maintainer moving the model out of the strict team.
			{writer, "PATCH", "/api/v1/models/fd", map[string]any{"team": "other"}, 403},
		}
		for _, w := range weaken {
			if r := e.do(t, w.who, w.method, w.path, w.body, "If-Match", e.etag(t, "fd")); r.code != w.code {
				t.Errorf("%s %s: %d %s, want %d", w.method, w.path, r.code, r.body, w.code)
			}
		}
		v = decodeAs[registry.ProfileView](t, e.must(t, 200, reader, "GET", "/api/v1/models/fd/profile", nil))
		if v.Profile != "strict" || v.Source != registry.SourceTeam || v.Default != "baseline" || !slices.Equal(v.Profiles, []string{"baseline", "strict"}) {
			t.Fatalf("after the attacks: %+v", v)
		}
		r := e.must(t, 400, root, "PUT", "/api/v1/models/fd/profile", map[string]any{"profile": "lenient"})
		if !strings.Contains(string(r.body), `unknown policy profile \"lenient\" (the profiles are baseline, strict)`) {
			t.Errorf("unknown profile: %s", r.body)
		}
		// Admins of the whole team may choose for the model, and the
		// model's setting overrides the team's.
		v = decodeAs[registry.ProfileView](t, e.must(t, 200, teamAdmin, "PUT", "/api/v1/models/fd/profile", map[string]any{"profile": "baseline"}))
		if v.Profile != "baseline" || v.Source != registry.SourceModel {
			t.Fatalf("model setting: %+v", v)
		}
		e.must(t, 200, root, "DELETE", "/api/v1/models/fd/profile", nil)
		e.must(t, 404, root, "DELETE", "/api/v1/models/fd/profile", nil)
		// The unscoped admin may move the model (it covers both teams).
		if r := e.do(t, root, "PATCH", "/api/v1/models/fd", map[string]any{"team": "other"}, "If-Match", e.etag(t, "fd")); r.code != 200 {
			t.Fatalf("admin moves the model: %d %s", r.code, r.body)
		}
		if v = decodeAs[registry.ProfileView](t, e.must(t, 200, root, "GET", "/api/v1/models/fd/profile", nil)); v.Profile != "baseline" || v.Source != registry.SourceDefault {
			t.Fatalf("moved to a team without a setting: %+v", v)
		}
	})
}

// TestStrictProfileDeniesWhatBaselineAllowed: end to end through the HTTP
// API with the default policies, a promotion of a model without a model
// card is allowed under baseline (documentation gaps warn) and denied once
// the model's profile is strict; each decision records its profile, and the
// audit log and the model's history show the change with who made it and
// the old and new value.
func TestStrictProfileDeniesWhatBaselineAllowed(t *testing.T) {
	for name, dsn := range pgtest.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			e := newSecEnvPolicy(t, dsn(t), defaultBundle(t), nil)
			root := e.tokens[registry.RoleAdmin]
			e.must(t, 201, root, "POST", "/api/v1/models", map[string]any{"name": "fd", "team": "risk"})
			e.must(t, 200, root, "PATCH", "/api/v1/models/fd/owners", map[string]any{"owners": map[string]any{"approve": []string{"role:admin"}}})
			n := e.upload(t, root, "fd", map[string][]byte{"model.dat": []byte("weights")})
			e.analyse(t)
			maint := e.token(t, "maint", registry.RoleMaintainer, "", "")
			promote := map[string]any{"action": "promote", "stage": "production", "rationale": "ship it"}
			path := "/api/v1/models/fd/versions/" + strconv.Itoa(n) + "/requests"

			d := decodeAs[registry.DecisionRequest](t, e.must(t, 201, maint, "POST", path, promote))
			if d.Status != registry.RequestPending || d.Policy == nil || !d.Policy.Allowed || d.Policy.Profile != "baseline" ||
				!slices.ContainsFunc(d.Policy.Warnings, func(r registry.PolicyResult) bool { return strings.HasPrefix(r.ID, "MLSEC-BOM-") }) {
				t.Fatalf("baseline: %+v", d)
			}
			e.must(t, 200, root, "POST", "/api/v1/requests/"+strconv.FormatInt(d.ID, 10)+"/reject", map[string]any{"comment": "try strict"})

			e.must(t, 200, root, "PUT", "/api/v1/models/fd/profile", map[string]any{"profile": "strict"})
			d = decodeAs[registry.DecisionRequest](t, e.must(t, 201, maint, "POST", path, promote))
			if d.Status != registry.RequestDenied || d.Policy == nil || d.Policy.Allowed || d.Policy.Profile != "strict" ||
				!slices.ContainsFunc(d.Policy.Denies, func(r registry.PolicyResult) bool { return strings.HasPrefix(r.ID, "MLSEC-BOM-") }) {
				t.Fatalf("strict: %+v", d)
			}

			hist := decodeAs[struct{ Items []registry.HistoryEntry }](t, e.must(t, 200, root, "GET", "/api/v1/models/fd/history", nil))
			var sawSet bool
			var profiles []string
			for _, h := range hist.Items {
				if h.Action == "profile.set" {
					sawSet = h.Actor == "bootstrap-admin" && strings.Contains(h.What, "model fd: unset -> strict")
				}
				if h.Action == "decision.request" {
					profiles = append(profiles, h.Profile)
				}
			}
			if !sawSet || !slices.Equal(profiles, []string{"baseline", "strict"}) {
				t.Fatalf("history: set=%v decision profiles=%v\n%+v", sawSet, profiles, hist.Items)
			}
			audit := decodeAs[struct{ Items []registry.AuditEvent }](t, e.must(t, 200, root, "GET", "/api/v1/audit?limit=500", nil))
			i := slices.IndexFunc(audit.Items, func(a registry.AuditEvent) bool { return a.Action == "profile.set" })
			if i < 0 || audit.Items[i].Subject != "model/fd/profile" ||
				!strings.Contains(string(audit.Items[i].Payload), `"old":""`) || !strings.Contains(string(audit.Items[i].Payload), `"new":"strict"`) {
				t.Fatalf("audit: %+v", audit.Items)
			}
		})
	}
}
