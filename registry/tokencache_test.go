package registry_test

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/store"
)

// TestTokenCache: Authenticate reuses a token row for the cache TTL, but a
// revocation through the same Service is immediate, expiry is checked on
// every request, and a revocation through another replica (another
// Service on the same database) takes effect once the TTL passes.
func TestTokenCache(t *testing.T) {
	db, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Now()
	clock := func() time.Time { return now }
	const ttl = 2 * time.Second
	s1 := registry.NewService(db, registry.WithClock(clock), registry.WithTokenCacheTTL(ttl))
	s2 := registry.NewService(db, registry.WithClock(clock), registry.WithTokenCacheTTL(ttl))
	ctx := t.Context()
	secret, _, err := s1.Bootstrap(ctx)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := s1.Authenticate(ctx, secret)
	if err != nil {
		t.Fatal(err)
	}
	exp := now.Add(time.Hour)
	tok, sec, err := s1.CreateToken(ctx, admin, registry.Token{Name: "r", Role: registry.RoleReviewer, ExpiresAt: &exp})
	if err != nil {
		t.Fatal(err)
	}
	auth := func(s *registry.Service) error { _, err := s.Authenticate(ctx, sec); return err }

	// Cached on both replicas; revoked through s1: s1 refuses at once.
	if auth(s1) != nil || auth(s2) != nil {
		t.Fatal("fresh token refused")
	}
	if err := s1.RevokeToken(ctx, admin, tok.ID); err != nil {
		t.Fatal(err)
	}
	if err := auth(s1); !errors.Is(err, registry.ErrUnauthenticated) {
		t.Fatalf("revoked token accepted by the revoking replica: %v", err)
	}
	// s2 may still trust its cached row within the TTL, but not after it
	// (the cache runs on the injected clock: no sleeping).
	now = now.Add(ttl - time.Millisecond)
	if err := auth(s2); err != nil {
		t.Fatalf("another replica dropped its cached row before the TTL: %v", err)
	}
	now = now.Add(2 * time.Millisecond)
	if err := auth(s2); !errors.Is(err, registry.ErrUnauthenticated) {
		t.Fatalf("revoked token accepted by another replica after the TTL: %v", err)
	}

	// Expiry is checked on every use, cached or not.
	exp2 := now.Add(time.Minute)
	_, sec2, err := s1.CreateToken(ctx, admin, registry.Token{Name: "short", Role: registry.RoleReviewer, ExpiresAt: &exp2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s2.Authenticate(ctx, sec2); err != nil {
		t.Fatal(err)
	}
	now = now.Add(2 * time.Minute)
	if _, err := s2.Authenticate(ctx, sec2); !errors.Is(err, registry.ErrUnauthenticated) {
		t.Fatalf("expired cached token accepted: %v", err)
	}

	// With the cache off, another replica's revocation is immediate.
	s3 := registry.NewService(db, registry.WithClock(clock), registry.WithTokenCacheTTL(0))
	_, sec3, err := s1.CreateToken(ctx, admin, registry.Token{Name: "nocache", Role: registry.RoleReviewer})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s3.Authenticate(ctx, sec3); err != nil {
		t.Fatal(err)
	}
	toks, _, _ := s1.ListTokens(ctx, admin, registry.Page{})
	for _, x := range toks {
		if x.Name == "nocache" {
			s1.RevokeToken(ctx, admin, x.ID)
		}
	}
	if _, err := s3.Authenticate(ctx, sec3); !errors.Is(err, registry.ErrUnauthenticated) {
		t.Fatalf("revoked token accepted with the cache off: %v", err)
	}
}
