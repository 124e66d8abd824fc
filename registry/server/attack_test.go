package server

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/registry"
)

// The attacks of issue 9, through HTTP only, each as it was reported.
// docs/registry.md "Security tests" lists which test closes which hole.

// TestAttackScopedAdminEscapes is S1: a team-a admin mints an unscoped
// admin, lists and revokes every token, adds a webhook for every team's
// events; a team-b auditor reads team-a's audit trail and the whole log;
// team-b reads team-a's datasets.
func TestAttackScopedAdminEscapes(t *testing.T) {
	secDialects(t, func(t *testing.T, e *secEnv) {
		root := e.tokens[registry.RoleAdmin]
		e.must(t, 201, root, "POST", "/api/v1/models", map[string]any{"name": "ma", "team": "team-a"})
		e.must(t, 201, root, "POST", "/api/v1/datasets", map[string]any{"name": "ds-a", "digest": sum([]byte("a")), "team": "team-a"})
		adminA := e.token(t, "admin-a", registry.RoleAdmin, "team-a", "")
		audB := e.token(t, "aud-b", registry.RoleAuditor, "team-b", "")
		maintB := e.token(t, "maint-b", registry.RoleMaintainer, "team-b", "")

		minted := e.tokenBy(t, adminA, map[string]any{"name": "escalated", "role": "admin"})
		if minted.ScopeTeam != "team-a" {
			t.Errorf("a team-a admin minted an admin scoped %q, want team-a", minted.ScopeTeam)
		}
		if r := e.do(t, adminA, "POST", "/api/v1/tokens", map[string]any{"name": "b-admin", "role": "admin", "scope_team": "team-b"}); r.code != 403 {
			t.Errorf("team-a admin mints a team-b admin: %d %s", r.code, r.body)
		}
		r := e.must(t, 200, adminA, "GET", "/api/v1/tokens", nil)
		if names := listNames(t, r, "name"); slices.Contains(names, "bootstrap-admin") || slices.Contains(names, "aud-b") {
			t.Errorf("team-a admin lists tokens outside team-a: %v", names)
		}
		if r := e.do(t, adminA, "DELETE", "/api/v1/tokens/1", nil); r.code != 403 {
			t.Errorf("team-a admin revokes the bootstrap token: %d", r.code)
		}
		r = e.must(t, 201, adminA, "POST", "/api/v1/webhooks", map[string]any{"url": "https://a.example/h", "events": []string{"*"}})
		if !strings.Contains(string(r.body), `"scope_team":"team-a"`) {
			t.Errorf("team-a admin's webhook is not team-a scoped: %s", r.body)
		}

		r = e.must(t, 200, audB, "GET", "/api/v1/audit?limit=500", nil)
		for _, sub := range listNames(t, r, "subject") {
			if !strings.HasPrefix(sub, "model/") && !strings.HasPrefix(sub, "dataset/") || strings.HasPrefix(sub, "model/ma") || strings.HasPrefix(sub, "dataset/ds-a") {
				t.Errorf("team-b auditor reads audit event about %s", sub)
			}
		}
		for _, p := range []string{"/api/v1/audit/log/entries", "/api/v1/audit/log/checkpoints", "/api/v1/audit/log/proof/inclusion?index=0",
			"/api/v1/audit/log/proof/consistency?from=1"} {
			if r := e.do(t, audB, "GET", p, nil); r.code != 403 {
				t.Errorf("team-b auditor GET %s: %d, want 403", p, r.code)
			}
		}
		if r := e.do(t, maintB, "GET", "/api/v1/datasets/ds-a", nil); r.code != 403 {
			t.Errorf("team-b reads team-a's dataset: %d", r.code)
		}
		if names := listNames(t, e.must(t, 200, maintB, "GET", "/api/v1/datasets", nil), "name"); len(names) != 0 {
			t.Errorf("team-b lists datasets %v", names)
		}
	})
}

// TestAttackCrossTeamBlobTheft is S2: team-b knows the sha256 of team-a's
// weights and tries to learn whether they are stored and how long they
// are, to attach them to a team-b version (by upload, by reference, or
// with a forged upload) and to download them.
func TestAttackCrossTeamBlobTheft(t *testing.T) {
	secDialects(t, func(t *testing.T, e *secEnv) {
		root := e.tokens[registry.RoleAdmin]
		e.must(t, 201, root, "POST", "/api/v1/models", map[string]any{"name": "ma", "team": "team-a"})
		e.must(t, 201, root, "POST", "/api/v1/models", map[string]any{"name": "mb", "team": "team-b"})
		maintA := e.token(t, "maint-a", registry.RoleMaintainer, "team-a", "")
		maintB := e.token(t, "maint-b", registry.RoleMaintainer, "team-b", "")
		secret := []byte("team-a's proprietary weights, 1.3B parameters")
		d := sum(secret)
		e.push(t, maintA, "ma", map[string][]byte{"w.bin": secret})
		e.must(t, 200, maintA, "HEAD", "/api/v1/blobs/"+d, nil) // the uploader holds it

		// No existence or size oracle: team-b's HEAD is a 404 like any
		// unknown digest, with no length.
		unknown := e.do(t, maintB, "HEAD", "/api/v1/blobs/"+sum([]byte("nothing")), nil)
		r := e.do(t, maintB, "HEAD", "/api/v1/blobs/"+d, nil)
		if r.code != unknown.code || r.code != 404 || r.hdr.Get("Content-Length") == fmt.Sprint(len(secret)) {
			t.Errorf("HEAD of team-a's blob as team-b: %d (length %s); unknown digest: %d", r.code, r.hdr.Get("Content-Length"), unknown.code)
		}
		// A forged upload (right digest and length, wrong bytes) of stored
		// content is refused and says nothing about the stored copy.
		forged := bytes.Repeat([]byte("x"), len(secret))
		if r := e.do(t, maintB, "PUT", "/api/v1/blobs/"+d, forged); r.code != 422 {
			t.Errorf("forged upload of team-a's digest: %d %s", r.code, r.body)
		}
		if r := e.do(t, maintB, "PUT", "/api/v1/blobs/"+d, []byte("short")); strings.Contains(string(r.body), fmt.Sprintf("%d bytes", len(secret))) {
			t.Errorf("an upload of the wrong length reveals the stored size: %s", r.body)
		}
		// Attached by digest: the version does not become ready, and none
		// of its files are served.
		arts := []map[string]any{{"path": "stolen.bin", "size": len(secret), "sha256": d}}
		e.must(t, 201, maintB, "POST", "/api/v1/models/mb/versions", map[string]any{"artifacts": arts})
		if r := e.do(t, maintB, "POST", "/api/v1/models/mb/versions/1/finalize", nil); r.code != 409 {
			t.Errorf("finalize with team-a's blob: %d %s", r.code, r.body)
		}
		if r := e.do(t, maintB, "GET", "/api/v1/models/mb/versions/1/files/stolen.bin", nil); bytes.Contains(r.body, secret) || r.code == 200 {
			t.Errorf("team-b downloads team-a's weights through a pending version: %d", r.code)
		}
		// By reference: ready at once, but the registry serves no bytes.
		e.must(t, 201, maintB, "POST", "/api/v1/models/mb/versions", map[string]any{"source_uri": "s3://elsewhere/w", "artifacts": []map[string]any{
			{"path": "stolen.bin", "size": len(secret), "sha256": d}, {"path": "pad.bin", "size": 1, "sha256": sum([]byte("p"))}}})
		if r := e.do(t, maintB, "GET", "/api/v1/models/mb/versions/2/files/stolen.bin", nil); bytes.Contains(r.body, secret) || r.code == 200 {
			t.Errorf("team-b downloads team-a's weights through a by-reference version: %d", r.code)
		}
		// Proof of possession: uploading the real bytes is what makes them
		// count (deduplicated in storage).
		e.must(t, 201, maintB, "PUT", "/api/v1/blobs/"+d, secret)
		e.must(t, 200, maintB, "POST", "/api/v1/models/mb/versions/1/finalize", nil)
		r = e.must(t, 200, maintB, "GET", "/api/v1/models/mb/versions/1/files/stolen.bin", nil)
		if !bytes.Equal(r.body, secret) {
			t.Errorf("the uploader's own version does not serve its bytes")
		}
		// Someone else in team-b now reads them through that ready version,
		// and may reuse them without uploading again.
		maintB2 := e.token(t, "maint-b2", registry.RoleMaintainer, "team-b", "")
		e.must(t, 200, maintB2, "HEAD", "/api/v1/blobs/"+d, nil)
	})
}

// TestAttackOnePersonProduction is S3 through HTTP: one maintainer alone
// lowers the production rule to zero, names herself approve and rollback
// owner and then promotes and grants herself an exception. None of it may
// execute without a second person.
func TestAttackOnePersonProduction(t *testing.T) {
	secDialects(t, func(t *testing.T, e *secEnv) {
		root := e.tokens[registry.RoleAdmin]
		e.must(t, 201, root, "POST", "/api/v1/models", map[string]any{"name": "m", "team": "team-a"})
		mallory := e.token(t, "mallory", registry.RoleMaintainer, "", "")
		e.push(t, mallory, "m", map[string][]byte{"w.bin": []byte("weights")})
		for _, p := range []map[string]any{
			{"approval_rules": []map[string]any{{"stage": "production", "required": 0}}, "owners": map[string]any{"approve": []string{"mallory"}, "rollback": []string{"mallory"}}},
			{"owners": map[string]any{"approve": []string{"mallory"}}, "rationale": "me"},
			{"owners": map[string]any{"rollback": []string{"Mallory"}}, "rationale": "me"},
			{"approval_rules": []map[string]any{{"stage": "production", "required": 0}}, "rationale": "faster"},
		} {
			if r := e.do(t, mallory, "PATCH", "/api/v1/models/m/owners", p); r.code != 400 && r.code != 403 {
				t.Errorf("mallory sets %v: %d %s", p, r.code, r.body)
			}
		}
		for _, req := range []map[string]any{
			{"action": "promote", "stage": "production", "rationale": "ship it"},
			{"action": "grant_exception", "rule": "MLSEC-SCAN-002", "expires": "2027-01-31", "rationale": "mine"},
		} {
			r := e.do(t, mallory, "POST", "/api/v1/models/m/versions/1/requests", req)
			if strings.Contains(string(r.body), `"status":"executed"`) {
				t.Errorf("mallory alone executed %v: %s", req["action"], r.body)
			}
		}
		if r := e.must(t, 200, root, "GET", "/api/v1/models/m/versions/1", nil); strings.Contains(string(r.body), `"stage":"production"`) {
			t.Error("one maintainer put version 1 into production")
		}
	})
}

// TestAttackPrincipalNames is S4: a reviewer token named role:admin
// approved where approvers are role:admin; names with newlines, bidi
// overrides, "system" or a case variant of another name were accepted.
func TestAttackPrincipalNames(t *testing.T) {
	secDialects(t, func(t *testing.T, e *secEnv) {
		root := e.tokens[registry.RoleAdmin]
		for _, name := range []string{"role:admin", "alice\nrole:admin", "ev\u202eli", "system", "Bootstrap-Admin"} {
			if r := e.do(t, root, "POST", "/api/v1/tokens", map[string]any{"name": name, "role": "reviewer"}); r.code == 201 {
				t.Errorf("token named %q accepted", name)
			}
		}
		r := e.do(t, root, "PATCH", "/api/v1/models/m/owners", map[string]any{"owners": map[string]any{"approve": []string{"bob\u202e"}}})
		if r.code != 400 {
			t.Errorf("owner with a bidi override: %d", r.code)
		}
	})
}
