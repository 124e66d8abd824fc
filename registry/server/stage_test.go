package server

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/mlsec/mlsec/registry"
)

// TestVersionStage covers the stage of a version over HTTP: the PATCH
// (roles, If-Match, ready only, validation), the list filter and the audit
// trail of every change.
func TestVersionStage(t *testing.T) {
	e := newEnv(t)
	maint, admin := e.tokens[registry.RoleMaintainer], e.tokens[registry.RoleAdmin]
	if r := e.do(t, maint, "POST", "/api/v1/models", map[string]any{"name": "st"}); r.code != 201 {
		t.Fatalf("create model: %d %s", r.code, r.body)
	}
	w := sum([]byte("w"))
	arts := []map[string]any{{"path": "w.bin", "size": 1, "sha256": w}}
	// v1 is ready (registered by reference), v2 stays pending.
	if r := e.do(t, maint, "POST", "/api/v1/models/st/versions", map[string]any{"source_uri": "s3://b/w", "artifacts": arts}); r.code != 201 {
		t.Fatalf("v1: %d %s", r.code, r.body)
	}
	if r := e.do(t, maint, "POST", "/api/v1/models/st/versions", map[string]any{"artifacts": []map[string]any{{"path": "w.bin", "size": 2, "sha256": sum([]byte("v2"))}}}); r.code != 201 {
		t.Fatalf("v2: %d %s", r.code, r.body)
	}
	get := func(n int) (registry.Version, string) {
		t.Helper()
		r := e.do(t, maint, "GET", fmt.Sprintf("/api/v1/models/st/versions/%d", n), nil)
		var v registry.Version
		if r.code != 200 || json.Unmarshal(r.body, &v) != nil {
			t.Fatalf("get v%d: %d %s", n, r.code, r.body)
		}
		return v, r.hdr.Get("ETag")
	}
	v1, tag1 := get(1)
	if v1.Stage != registry.StageDevelopment || tag1 != etag(v1.Revision) {
		t.Fatalf("new version: stage %q etag %q", v1.Stage, tag1)
	}
	const path = "/api/v1/models/st/versions/1"
	staging := map[string]any{"stage": "staging"}
	for _, c := range []struct {
		name, token string
		body        any
		hdr         []string
		code        int
		errCode     string
	}{
		{"no If-Match", maint, staging, nil, 428, "precondition_required"},
		{"reviewer", e.tokens[registry.RoleReviewer], staging, []string{"If-Match", tag1}, 403, "forbidden"},
		{"auditor", e.tokens[registry.RoleAuditor], staging, []string{"If-Match", tag1}, 403, "forbidden"},
		{"unknown stage", maint, map[string]any{"stage": "prod"}, []string{"If-Match", tag1}, 400, "invalid"},
		{"no stage", maint, map[string]any{}, []string{"If-Match", tag1}, 400, "invalid"},
		{"unknown field", maint, map[string]any{"stage": "staging", "state": "failed"}, []string{"If-Match", tag1}, 400, "invalid"},
		{"not an ETag", maint, staging, []string{"If-Match", "*"}, 412, "precondition_failed"},
	} {
		r := e.do(t, c.token, "PATCH", path, c.body, c.hdr...)
		if r.code != c.code || errCode(t, r) != c.errCode {
			t.Errorf("%s: %d %s, want %d %s", c.name, r.code, r.body, c.code, c.errCode)
		}
	}
	if v, _ := get(1); v.Stage != registry.StageDevelopment || v.Revision != v1.Revision {
		t.Fatalf("a refused PATCH changed the version: %+v", v)
	}

	// Governance: no approve owner, no staging (409); set the owners.
	if r := e.do(t, maint, "PATCH", path, staging, "If-Match", tag1); r.code != 409 || errCode(t, r) != "conflict" {
		t.Fatalf("staging without an owner: %d %s", r.code, r.body)
	}
	if r := e.do(t, e.tokens[registry.RoleAdmin], "PATCH", "/api/v1/models/st/owners", map[string]any{"owners": map[string]any{"approve": []string{"reviewer"}, "retire": []string{"maintainer"}}}); r.code != 200 {
		t.Fatalf("set owners: %d %s", r.code, r.body)
	}
	r := e.do(t, maint, "PATCH", path, staging, "If-Match", tag1)
	var got registry.Version
	if r.code != 200 || json.Unmarshal(r.body, &got) != nil || got.Stage != registry.StageStaging || r.hdr.Get("ETag") != etag(v1.Revision+1) {
		t.Fatalf("maintainer PATCH: %d %s etag %q", r.code, r.body, r.hdr.Get("ETag"))
	}
	// The old ETag is stale now: 412 and nothing written.
	r = e.do(t, admin, "PATCH", path, map[string]any{"stage": "deprecated"}, "If-Match", tag1)
	if r.code != 412 || errCode(t, r) != "precondition_failed" {
		t.Fatalf("stale If-Match: %d %s", r.code, r.body)
	}
	// Production is reached only through a decision, even for admins.
	r = e.do(t, admin, "PATCH", path, map[string]any{"stage": "production"}, "If-Match", etag(got.Revision))
	if r.code != 403 || errCode(t, r) != "forbidden" {
		t.Fatalf("admin PATCH to production: %d %s", r.code, r.body)
	}
	r = e.do(t, admin, "PATCH", path, map[string]any{"stage": "deprecated"}, "If-Match", etag(got.Revision))
	if r.code != 200 {
		t.Fatalf("admin PATCH: %d %s", r.code, r.body)
	}
	v1, tag1 = get(1)
	if v1.Stage != registry.StageDeprecated {
		t.Fatalf("stage %q", v1.Stage)
	}
	// Same stage again: 200, a no-op (revision unchanged, nothing audited).
	if r := e.do(t, admin, "PATCH", path, map[string]any{"stage": "deprecated"}, "If-Match", tag1); r.code != 200 || r.hdr.Get("ETag") != tag1 {
		t.Fatalf("no-op PATCH: %d %s %q", r.code, r.body, r.hdr.Get("ETag"))
	}
	// Only a ready version changes stage.
	_, tag2 := get(2)
	if r := e.do(t, maint, "PATCH", "/api/v1/models/st/versions/2", staging, "If-Match", tag2); r.code != 409 || errCode(t, r) != "conflict" {
		t.Fatalf("pending version: %d %s", r.code, r.body)
	}

	numbers := func(q string) []int {
		t.Helper()
		r := e.do(t, e.tokens[registry.RoleAuditor], "GET", "/api/v1/models/st/versions?"+q, nil)
		var l list[registry.Version]
		if r.code != 200 || json.Unmarshal(r.body, &l) != nil {
			t.Fatalf("list ?%s: %d %s", q, r.code, r.body)
		}
		var ns []int
		for _, v := range l.Items {
			ns = append(ns, v.Number)
		}
		return ns
	}
	for q, want := range map[string]string{
		"stage=deprecated": "[1]", "stage=development": "[2]", "stage=staging": "[]", "stage=production": "[]",
		"stage=deprecated&state=ready": "[1]", "stage=development&state=ready": "[]", "stage=development&limit=1": "[2]",
		"": "[1 2]",
	} {
		if got := fmt.Sprint(numbers(q)); got != want {
			t.Errorf("?%s: %s, want %s", q, got, want)
		}
	}
	if r := e.do(t, maint, "GET", "/api/v1/models/st/versions?stage=prod", nil); r.code != 400 || errCode(t, r) != "invalid" {
		t.Fatalf("?stage=prod: %d %s", r.code, r.body)
	}

	// Exactly the two changes are audited, with old and new stage.
	r = e.do(t, admin, "GET", "/api/v1/audit?limit=500", nil)
	var audit list[registry.AuditEvent]
	if r.code != 200 || json.Unmarshal(r.body, &audit) != nil {
		t.Fatalf("audit: %d %s", r.code, r.body)
	}
	var changes []string
	for _, ev := range audit.Items {
		if ev.Action != "version.stage" {
			continue
		}
		var p struct{ From, To string }
		if err := json.Unmarshal(ev.Payload, &p); err != nil || ev.Subject != "model/st/versions/1" {
			t.Fatalf("audit event %+v", ev)
		}
		changes = append(changes, ev.Actor+":"+p.From+"->"+p.To)
	}
	if fmt.Sprint(changes) != "[token:2:maintainer:development->staging token:1:bootstrap-admin:staging->deprecated]" {
		t.Fatalf("audited stage changes %v", changes)
	}
}
