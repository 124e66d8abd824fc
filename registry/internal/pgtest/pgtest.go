// Package pgtest gives registry tests a fresh PostgreSQL database on the
// server named by MLSEC_TEST_POSTGRES_URL (.ci/postgres.sh starts a
// throwaway cluster on loopback and exports it). One helper, so every
// storage test runs on both dialects the same way and CI cannot skip the
// PostgreSQL half by accident.
package pgtest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// Env names the variable holding the base PostgreSQL URL.
const Env = "MLSEC_TEST_POSTGRES_URL"

// URL returns the base PostgreSQL URL, or "" when tests should run on
// SQLite only. Under CI=true a missing URL fails the test: CI must prove
// the PostgreSQL path.
func URL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(Env)
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not set in CI: .ci/run should have started PostgreSQL", Env)
		}
		t.Logf("%s not set: PostgreSQL cases skipped", Env)
	}
	return u
}

// DSNs returns, by dialect name, functions that make a fresh database:
// "sqlite" (a file in a temp dir) always, "postgres" when URL is set.
func DSNs(t testing.TB) map[string]func(t testing.TB) string {
	t.Helper()
	ds := map[string]func(t testing.TB) string{
		"sqlite": func(t testing.TB) string { return filepath.Join(t.TempDir(), "registry.db") },
	}
	if base := URL(t); base != "" {
		ds["postgres"] = func(t testing.TB) string { return Fresh(t, base) }
	}
	return ds
}

// Fresh creates a uniquely named database on the server at base, drops it
// when the test ends and returns its URL.
func Fresh(t testing.TB, base string) string {
	t.Helper()
	return create(t, base, "")
}

// Clone creates a uniquely named copy of the database at src (which must
// have no open connections), dropped when the test ends, and returns its
// URL: one populated database serves many tamper cases.
func Clone(t testing.TB, base, src string) string {
	t.Helper()
	u, err := url.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	return create(t, base, " TEMPLATE "+u.Path[1:])
}

func create(t testing.TB, base, template string) string {
	t.Helper()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	rand.Read(b)
	name := "mlsec_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE DATABASE " + name + template); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		if a, err := sql.Open("pgx", base); err == nil {
			a.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
			a.Close()
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}
