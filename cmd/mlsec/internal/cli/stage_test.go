package cli

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/registry"
)

func TestStageRoundTrip(t *testing.T) {
	_, srv, admin := clientEnv(t)
	model := t.TempDir()
	writeModel(t, model, []byte("weights"))
	if code, out, errs := runCLI("push", model, "--model", "toy"); code != 0 {
		t.Fatalf("push: %d %s %s", code, out, errs)
	}
	code, out, _ := runCLI("versions", "toy")
	if code != 0 || !strings.Contains(out, "STAGE") || !strings.Contains(out, "development") {
		t.Fatalf("versions table: %d %s", code, out)
	}
	// Governance: no approve owner, no staging; then name the owners.
	code, _, errs := runCLI("stage", "toy@1", "staging")
	if code != 1 || !strings.Contains(errs, "no approve owner") {
		t.Fatalf("stage without an owner: %d %s", code, errs)
	}
	if code, out, errs := runCLI("owners", "toy", "--set", "approve=role:admin", "--set", "retire=bootstrap-admin"); code != 0 {
		t.Fatalf("owners: %d %s %s", code, out, errs)
	}
	code, out, errs = runCLI("stage", "toy@1", "staging")
	if code != 0 || !strings.Contains(out, "toy version 1: development -> staging") {
		t.Fatalf("stage: %d %s %s", code, out, errs)
	}
	code, out, _ = runCLI("stage", "toy@1", "staging")
	if code != 0 || !strings.Contains(out, "already in staging") {
		t.Fatalf("same stage: %d %s", code, out)
	}
	code, out, _ = runCLI("versions", "toy", "--stage", "staging", "--format", "json")
	var vs []registry.Version
	if code != 0 || json.Unmarshal([]byte(out), &vs) != nil || len(vs) != 1 || vs[0].Stage != registry.StageStaging {
		t.Fatalf("versions --stage staging: %d %s", code, out)
	}
	code, out, _ = runCLI("versions", "toy", "--stage", "production", "--format", "json")
	if code != 0 || strings.TrimSpace(out) != "[]" {
		t.Fatalf("versions --stage production: %d %s", code, out)
	}
	if code, _, errs := runCLI("versions", "toy", "--stage", "prod"); code != 2 || !strings.Contains(errs, "stage") {
		t.Fatalf("bad --stage: %d %s", code, errs)
	}
	for _, args := range [][]string{{"stage", "toy@1", "prod"}, {"stage", "toy", "staging"}, {"stage", "toy@latest", "staging"}} {
		if code, _, _ := runCLI(args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}

	// Someone else changes the version between our read and our write: a
	// proxy sends a competing PATCH first. Ours must be refused, clearly.
	up, _ := url.Parse(srv)
	proxy := httputil.NewSingleHostReverseProxy(up)
	race := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPatch {
			req, _ := http.NewRequestWithContext(r.Context(), http.MethodPatch, srv+r.URL.Path, bytes.NewReader([]byte(`{"stage":"deprecated"}`)))
			req.Header.Set("Authorization", "Bearer "+admin)
			req.Header.Set("If-Match", r.Header.Get("If-Match"))
			if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 200 {
				t.Errorf("competing PATCH: %v %v", res, err)
			} else {
				res.Body.Close()
			}
		}
		proxy.ServeHTTP(w, r)
	}))
	defer race.Close()
	code, out, errs = runCLI("stage", "toy@1", "retired", "--server", race.URL)
	if code != 1 || !strings.Contains(errs, "changed since it was read") {
		t.Fatalf("lost race: %d %s %s", code, out, errs)
	}
	code, out, _ = runCLI("versions", "toy", "--stage", "deprecated", "--format", "json")
	if code != 0 || json.Unmarshal([]byte(out), &vs) != nil || len(vs) != 1 {
		t.Fatalf("the competing change must stand, ours not: %d %s", code, out)
	}
}
