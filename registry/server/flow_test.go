package server

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/registry"
)

func TestPushFlowAndBadInput(t *testing.T) {
	e := newEnv(t)
	maint := e.tokens[registry.RoleMaintainer]
	weights := []byte("pretend these are weights")
	sha := sum(weights)

	steps := []struct {
		name     string
		method   string
		path     string
		body     any
		hdr      []string
		wantCode int
		wantErr  string // error code, "" for success
	}{
		{"create model", "POST", "/api/v1/models", map[string]any{"name": "m", "tags": []string{"prod"}}, nil, 201, ""},
		{"duplicate model", "POST", "/api/v1/models", map[string]any{"name": "m"}, nil, 409, "exists"},
		{"unknown field", "POST", "/api/v1/models", `{"name": "x", "colour": "red"}`, nil, 400, "invalid"},
		{"malformed json", "POST", "/api/v1/models", `{"name": `, nil, 400, "invalid"},
		{"trailing data", "POST", "/api/v1/models", `{"name": "y"} {}`, nil, 400, "invalid"},
		{"bad name", "POST", "/api/v1/models", map[string]any{"name": "../etc"}, nil, 400, "invalid"},
		{"path traversal", "POST", "/api/v1/models/m/versions", map[string]any{"artifacts": []map[string]any{{"path": "../../x", "size": 1, "sha256": sha}}}, nil, 400, "invalid"},
		{"digest mismatch", "POST", "/api/v1/models/m/versions", map[string]any{"digest": strings.Repeat("0", 64), "artifacts": []map[string]any{{"path": "w.bin", "size": len(weights), "sha256": sha}}}, nil, 422, "digest_mismatch"},
		{"create version", "POST", "/api/v1/models/m/versions", map[string]any{"artifacts": []map[string]any{{"path": "w.bin", "size": len(weights), "sha256": sha}}}, nil, 201, ""},
		{"same version again", "POST", "/api/v1/models/m/versions", map[string]any{"artifacts": []map[string]any{{"path": "w.bin", "size": len(weights), "sha256": sha}}}, nil, 200, ""},
		{"finalize before upload", "POST", "/api/v1/models/m/versions/1/finalize", nil, nil, 409, "conflict"},
		{"blob unknown", "HEAD", "/api/v1/blobs/" + sha, nil, nil, 404, ""},
		{"upload wrong bytes", "PUT", "/api/v1/blobs/" + sha, []byte("tampered"), nil, 422, "digest_mismatch"},
		{"still unknown", "HEAD", "/api/v1/blobs/" + sha, nil, nil, 404, ""},
		{"oversized upload", "PUT", "/api/v1/blobs/" + sum(bytes.Repeat([]byte("a"), 1<<20+1)), bytes.Repeat([]byte("a"), 1<<20+1), nil, 413, "too_large"},
		{"bad digest", "PUT", "/api/v1/blobs/XYZ", weights, nil, 400, "invalid"},
		{"upload", "PUT", "/api/v1/blobs/" + sha, weights, nil, 201, ""},
		{"upload again", "PUT", "/api/v1/blobs/" + sha, weights, nil, 200, ""},
		{"blob known", "HEAD", "/api/v1/blobs/" + sha, nil, nil, 200, ""},
		{"finalize", "POST", "/api/v1/models/m/versions/1/finalize", nil, nil, 200, ""},
		{"finalize twice", "POST", "/api/v1/models/m/versions/1/finalize", nil, nil, 409, "conflict"},
		{"patch without If-Match", "PATCH", "/api/v1/models/m", map[string]any{"description": "d"}, nil, 428, "precondition_required"},
		{"patch stale", "PATCH", "/api/v1/models/m", map[string]any{"description": "d"}, []string{"If-Match", `"r7"`}, 412, "precondition_failed"},
		{"patch", "PATCH", "/api/v1/models/m", map[string]any{"description": "d"}, []string{"If-Match", `"r1"`}, 200, ""},
		{"patch replay", "PATCH", "/api/v1/models/m", map[string]any{"description": "e"}, []string{"If-Match", `"r1"`}, 412, "precondition_failed"},
		{"lineage", "POST", "/api/v1/models/m/versions/1/lineage", map[string]any{"kind": "produced_by", "target": "https://ci.example/run/7", "commit": "abc"}, nil, 201, ""},
		{"bad lineage", "POST", "/api/v1/models/m/versions/1/lineage", map[string]any{"kind": "trained_on", "target": "not-a-digest"}, nil, 400, "invalid"},
		{"bad limit", "GET", "/api/v1/models?limit=0", nil, nil, 400, "invalid"},
		{"bad cursor", "GET", "/api/v1/models?cursor=zzz", nil, nil, 400, "invalid"},
		{"bad severity", "GET", "/api/v1/models/m/versions?severity=apocalyptic", nil, nil, 400, "invalid"},
		{"no version", "GET", "/api/v1/models/m/versions/9", nil, nil, 404, "not_found"},
		{"no route", "GET", "/api/v1/nothing", nil, nil, 404, "not_found"},
	}
	for _, s := range steps {
		r := e.do(t, maint, s.method, s.path, s.body, s.hdr...)
		if r.code != s.wantCode {
			t.Fatalf("%s: status %d, want %d: %s", s.name, r.code, s.wantCode, r.body)
		}
		if s.wantErr != "" {
			if got := errCode(t, r); got != s.wantErr {
				t.Fatalf("%s: error code %q, want %q", s.name, got, s.wantErr)
			}
		}
		if r.hdr.Get("X-Request-Id") == "" {
			t.Fatalf("%s: no X-Request-Id", s.name)
		}
	}

	r := e.do(t, maint, "GET", "/api/v1/models/m/versions/1/files/w.bin", nil)
	if r.code != 200 || !bytes.Equal(r.body, weights) || r.hdr.Get("X-Content-SHA256") != sha {
		t.Fatalf("download: %d %q", r.code, r.body)
	}
	r = e.do(t, maint, "GET", "/api/v1/models/m/versions/1", nil)
	var v versionView
	json.Unmarshal(r.body, &v)
	if v.State != registry.StateReady || len(v.Artifacts) != 1 || v.Digest == "" {
		t.Fatalf("version %+v", v)
	}
	r = e.do(t, maint, "GET", "/api/v1/models/m/versions?digest="+v.Digest, nil)
	var vl list[registry.Version]
	json.Unmarshal(r.body, &vl)
	if len(vl.Items) != 1 || vl.Items[0].Number != 1 {
		t.Fatalf("by digest: %s", r.body)
	}
	r = e.do(t, maint, "GET", "/api/v1/models/m/versions/1/jobs", nil)
	var jl list[registry.Job]
	json.Unmarshal(r.body, &jl)
	if len(jl.Items) != 1 || jl.Items[0].Kind != registry.JobAnalyze {
		t.Fatalf("jobs: %s", r.body)
	}
	// Nothing was stored by the rejected requests: one model, one version.
	r = e.do(t, maint, "GET", "/api/v1/models?tag=prod", nil)
	var ml list[registry.Model]
	json.Unmarshal(r.body, &ml)
	if len(ml.Items) != 1 || ml.Items[0].Description != "d" {
		t.Fatalf("models: %s", r.body)
	}
	// The audit trail saw every change, attributed to the token.
	r = e.do(t, e.tokens[registry.RoleAuditor], "GET", "/api/v1/audit?limit=500", nil)
	var al list[registry.AuditEvent]
	json.Unmarshal(r.body, &al)
	actions := map[string]int{}
	for _, ev := range al.Items {
		actions[ev.Action]++
	}
	for _, a := range []string{"model.create", "version.create", "version.ready", "model.update", "lineage.add"} {
		if actions[a] == 0 {
			t.Errorf("audit lacks %s: %v", a, actions)
		}
	}
	// Uploads are not events of their own: the version's entries carry
	// the file list (docs/audit.md "One entry per version").
	if actions["blob.put"] != 0 {
		t.Errorf("uploads were audited one by one: %v", actions)
	}
	for _, p := range []string{"/healthz", "/readyz"} {
		if r := e.do(t, "", "GET", p, nil); r.code != 200 {
			t.Errorf("%s: %d", p, r.code)
		}
	}
	r = e.do(t, "", "GET", "/metrics", nil)
	if !bytes.Contains(r.body, []byte(`mlsec_http_requests_total{code="201",method="PUT",route="/api/v1/blobs/{digest}"} 1`)) {
		t.Errorf("metrics lack the upload counter:\n%s", r.body)
	}
}
