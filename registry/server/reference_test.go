package server

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/registry"
)

// TestRegisterByReference registers a version with digests and a source
// URI only (the weights stay where they are): it is ready at once, its
// digest is the OMS root of the listed files, nothing is uploaded or
// analysed, and it cannot be finalized, downloaded or re-registered as new.
func TestRegisterByReference(t *testing.T) {
	e := newEnv(t)
	maint := e.tokens[registry.RoleMaintainer]
	if r := e.do(t, maint, "POST", "/api/v1/models", map[string]any{"name": "ref"}); r.code != 201 {
		t.Fatalf("create model: %d %s", r.code, r.body)
	}
	w, c := sum([]byte("weights held elsewhere")), sum([]byte("{}"))
	arts := []registry.Artifact{{Path: "model.safetensors", Size: 1 << 30, SHA256: w, Kind: registry.KindFile}, {Path: "config.json", Size: 2, SHA256: c, Kind: registry.KindFile}}
	root, err := registry.RootDigest(arts)
	if err != nil {
		t.Fatal(err)
	}
	const src = "s3://training-bucket/runs/42/model/"
	body := map[string]any{"digest": root, "source_uri": src, "description": "by reference",
		"artifacts": []map[string]any{{"path": "model.safetensors", "size": 1 << 30, "sha256": w}, {"path": "config.json", "size": 2, "sha256": c}},
		"lineage":   []map[string]any{{"kind": "produced_by", "target": "https://ci.example/run/42", "commit": "abc123"}}}

	// Only writers may register, reference or not.
	if r := e.do(t, e.tokens[registry.RoleReviewer], "POST", "/api/v1/models/ref/versions", body); r.code != 403 {
		t.Fatalf("reviewer registered a version: %d %s", r.code, r.body)
	}
	// A digest that is not the root of the listed files is refused.
	bad := map[string]any{"digest": strings.Repeat("0", 64), "source_uri": src, "artifacts": body["artifacts"]}
	if r := e.do(t, maint, "POST", "/api/v1/models/ref/versions", bad); r.code != 422 || errCode(t, r) != "digest_mismatch" {
		t.Fatalf("wrong digest by reference: %d %s", r.code, r.body)
	}

	r := e.do(t, maint, "POST", "/api/v1/models/ref/versions", body)
	if r.code != 201 {
		t.Fatalf("register by reference: %d %s", r.code, r.body)
	}
	var v struct {
		registry.Version
		Artifacts []registry.Artifact `json:"artifacts"`
	}
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatal(err)
	}
	if v.State != registry.StateReady || v.SourceURI != src || v.Digest != root || v.Number != 1 || len(v.Artifacts) != 2 {
		t.Fatalf("version %+v", v)
	}

	// No blob was uploaded, and none is claimed to be.
	if r := e.do(t, maint, "HEAD", "/api/v1/blobs/"+w, nil); r.code != 404 {
		t.Fatalf("HEAD blob of a by-reference version: %d", r.code)
	}
	if r := e.do(t, maint, "GET", "/api/v1/models/ref/versions/1/files/model.safetensors", nil); r.code != 404 {
		t.Fatalf("download of a by-reference file: %d %s", r.code, r.body)
	}
	// Ready at once: immutable, nothing to finalize, no analysis queued
	// (the server has no bytes to scan).
	if r := e.do(t, maint, "POST", "/api/v1/models/ref/versions/1/finalize", nil); r.code != 409 {
		t.Fatalf("finalize a by-reference version: %d %s", r.code, r.body)
	}
	r = e.do(t, maint, "GET", "/api/v1/models/ref/versions/1/jobs", nil)
	var jobs struct{ Items []registry.Job }
	if r.code != 200 || json.Unmarshal(r.body, &jobs) != nil || len(jobs.Items) != 0 {
		t.Fatalf("jobs of a by-reference version: %d %s", r.code, r.body)
	}
	// Lineage given at registration is recorded.
	r = e.do(t, e.tokens[registry.RoleAuditor], "GET", "/api/v1/models/ref/versions/1/lineage", nil)
	if r.code != 200 || !strings.Contains(string(r.body), "https://ci.example/run/42") {
		t.Fatalf("lineage: %d %s", r.code, r.body)
	}
	// The same digest again is the same version (200), found by digest.
	if r := e.do(t, maint, "POST", "/api/v1/models/ref/versions", body); r.code != 200 || !strings.Contains(string(r.body), `"number":1`) {
		t.Fatalf("re-register: %d %s", r.code, r.body)
	}
	r = e.do(t, e.tokens[registry.RoleAuditor], "GET", "/api/v1/models/ref/versions?digest="+root, nil)
	if r.code != 200 || !strings.Contains(string(r.body), src) {
		t.Fatalf("lookup by digest: %d %s", r.code, r.body)
	}
}
