package client

import (
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/mlsec/mlsec/internal/testfs"
	"github.com/mlsec/mlsec/manifest"
	"github.com/mlsec/mlsec/registry"
)

func TestTypedErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			w.WriteHeader(401)
			w.Write([]byte(`{"error":{"code":"unauthenticated","message":"invalid token"}}`))
			return
		}
		w.Header().Set("X-Request-Id", "rid1")
		w.WriteHeader(404)
		w.Write([]byte(`{"error":{"code":"not_found","message":"model x: not found"}}`))
	}))
	defer srv.Close()
	c, _ := New(srv.URL, "tok")
	_, err := c.GetModel(t.Context(), "x")
	var e *Error
	if !errors.As(err, &e) || e.Status != 404 || e.Code != "not_found" || e.RequestID != "rid1" || !errors.Is(err, registry.ErrNotFound) {
		t.Fatalf("got %#v", err)
	}
	if errors.Is(err, registry.ErrConflict) {
		t.Fatal("not_found matched ErrConflict")
	}
	c2, _ := New(srv.URL, "")
	if _, err := c2.GetModel(t.Context(), "x"); StatusOf(err) != 401 || !errors.Is(err, registry.ErrUnauthenticated) {
		t.Fatalf("anonymous: %v", err)
	}
	if _, err := New("ftp://x", ""); err == nil {
		t.Fatal("ftp URL accepted")
	}
}

// TestScanLocalKinds: push classifies a folder with manifest's one rule,
// whose kinds are the registry's: an attachment needs its name and its
// content, so a pickle named like a BOM is a model file in the digest.
func TestScanLocalKinds(t *testing.T) {
	if manifest.KindSignature != registry.KindSignature || manifest.KindBOM != registry.KindBOM || manifest.KindEvidence != registry.KindEvidence {
		t.Fatal("manifest and registry attachment kinds differ")
	}
	root := testfs.Tree(t, map[string]string{
		"model.sig": `{"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json"}`, "sub/model.sig": "x",
		"bom.cdx.json": `{"bomFormat": "CycloneDX"}`, "evil.cdx.json": "\x80\x02.", "a/scan.evidence.json": `{"type": "scan"}`,
		"scan.att.json": `[]`, "config.json": "{}", ".git/HEAD": "ref",
	})
	digest, files, err := scanLocal(t.Context(), root, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range files {
		got[f.Path] = f.Kind
	}
	want := map[string]string{"model.sig": registry.KindSignature, "sub/model.sig": registry.KindFile, "bom.cdx.json": registry.KindBOM,
		"evil.cdx.json": registry.KindFile, "a/scan.evidence.json": registry.KindEvidence, "scan.att.json": registry.KindEvidence,
		"config.json": registry.KindFile}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("kinds = %v", got)
	}
	id, err := manifest.Identity(t.Context(), root, nil)
	if err != nil || digest != hex.EncodeToString(id) {
		t.Errorf("push digest %s, identity %x (%v)", digest, id, err)
	}
}
