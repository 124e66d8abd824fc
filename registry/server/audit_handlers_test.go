package server

import (
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/audit"
	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/blob"
	"github.com/mlsec/mlsec/registry/store"
)

func TestAuditLogAPI(t *testing.T) {
	db, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	bs, _ := blob.Open(t.Context(), filepath.Join(t.TempDir(), "blobs"), 1<<20)
	skey, vkey, _ := audit.GenerateKey("test/audit")
	signer, _ := audit.NewSigner(skey)
	svc := registry.NewService(db, registry.WithAuditor(registry.NewMerkleAuditor(signer)))
	srv := httptest.NewServer(New(Config{Service: svc, Blobs: bs, Logger: slog.New(slog.DiscardHandler)}))
	t.Cleanup(srv.Close)
	e := &env{url: srv.URL, svc: svc, tokens: map[registry.Role]string{}}
	admin, _, _ := svc.Bootstrap(t.Context())
	adm, _ := svc.Authenticate(t.Context(), admin)
	_, aud, _ := svc.CreateToken(t.Context(), adm, registry.Token{Name: "aud", Role: registry.RoleAuditor})
	_, mnt, _ := svc.CreateToken(t.Context(), adm, registry.Token{Name: "mnt", Role: registry.RoleMaintainer})
	for _, n := range []string{"a", "b", "c"} {
		if r := e.do(t, admin, "POST", "/api/v1/models", map[string]any{"name": n, "team": "t"}); r.code != 201 {
			t.Fatalf("%d %s", r.code, r.body)
		}
	}
	const size = 6 // bootstrap token, two tokens, three models

	var key struct {
		Origin      string
		VerifierKey string `json:"verifier_key"`
		Size        uint64
	}
	if r := e.do(t, aud, "GET", "/api/v1/audit/log/key", nil); r.code != 200 || json.Unmarshal(r.body, &key) != nil || key.VerifierKey != vkey || key.Size != size {
		t.Fatalf("key: %d %s", r.code, r.body)
	}
	v, _ := audit.NewVerifier(vkey)
	r := e.do(t, aud, "GET", "/api/v1/audit/log/checkpoint", nil)
	cp, err := v.Open(r.body)
	if r.code != 200 || err != nil || cp.Size != size || !strings.HasPrefix(r.hdr.Get("Content-Type"), "text/plain") {
		t.Fatalf("checkpoint: %d %v %s", r.code, err, r.body)
	}
	var ents struct {
		Entries []struct {
			Index    uint64
			Entry    []byte
			LeafHash []byte `json:"leaf_hash"`
		}
		Size uint64
	}
	if r := e.do(t, aud, "GET", "/api/v1/audit/log/entries?start=2&end=4", nil); r.code != 200 || json.Unmarshal(r.body, &ents) != nil ||
		len(ents.Entries) != 2 || ents.Entries[0].Index != 2 || ents.Size != size {
		t.Fatalf("entries: %d %s", r.code, r.body)
	}
	var inc struct {
		TreeSize uint64 `json:"tree_size"`
		LeafHash []byte `json:"leaf_hash"`
		Hashes   [][]byte
	}
	if r := e.do(t, aud, "GET", "/api/v1/audit/log/proof/inclusion?index=3", nil); r.code != 200 || json.Unmarshal(r.body, &inc) != nil {
		t.Fatalf("inclusion: %d %s", r.code, r.body)
	}
	if inc.TreeSize != size || audit.VerifyInclusion(3, cp, audit.LeafHash(ents.Entries[1].Entry), inc.Hashes) != nil {
		t.Fatalf("inclusion proof does not verify: %+v", inc)
	}
	var cps struct{ Checkpoints []string }
	if r := e.do(t, aud, "GET", "/api/v1/audit/log/checkpoints?after=1&limit=2", nil); r.code != 200 || json.Unmarshal(r.body, &cps) != nil || len(cps.Checkpoints) != 2 {
		t.Fatalf("checkpoints: %d %s", r.code, r.body)
	}
	old, err := v.Open([]byte(cps.Checkpoints[0]))
	if err != nil || old.Size != 2 {
		t.Fatalf("checkpoint 2: %v", err)
	}
	if r := e.do(t, aud, "GET", "/api/v1/audit/log/proof/consistency?from=2&to=6", nil); r.code != 200 || json.Unmarshal(r.body, &inc) != nil ||
		audit.VerifyConsistency(old, cp, inc.Hashes) != nil {
		t.Fatalf("consistency: %d %s", r.code, r.body)
	}
	for _, bad := range []string{"/api/v1/audit/log/proof/inclusion?index=6", "/api/v1/audit/log/proof/inclusion", "/api/v1/audit/log/proof/consistency?from=1&to=7",
		"/api/v1/audit/log/entries?start=-1", "/api/v1/audit/log/proof/consistency?from=5&to=2"} {
		if r := e.do(t, aud, "GET", bad, nil); r.code != 400 {
			t.Errorf("%s: %d %s", bad, r.code, r.body)
		}
	}
	if r := e.do(t, mnt, "GET", "/api/v1/audit/log/entries", nil); r.code != 403 {
		t.Fatalf("maintainer read the log: %d", r.code)
	}
}
