package client

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

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

func TestAttachmentKind(t *testing.T) {
	for p, want := range map[string]string{
		"model.sig": registry.KindSignature, "sub/model.sig": "", "bom.cdx.json": registry.KindBOM,
		"a/scan.evidence.json": registry.KindEvidence, "scan.att.json": registry.KindEvidence,
		"config.json": "", "weights.safetensors": "",
	} {
		if got := AttachmentKind(p); got != want {
			t.Errorf("%s: %q, want %q", p, got, want)
		}
	}
}
