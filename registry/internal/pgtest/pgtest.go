// Package pgtest forwards to internal/pgtest, where the helper moved so the
// gateway's log store tests share it; registry tests may import either.
package pgtest

import (
	"testing"

	"github.com/mlsec/mlsec/internal/pgtest"
)

// Env names the variable holding the base PostgreSQL URL.
const Env = pgtest.Env

// URL returns the base PostgreSQL URL (see internal/pgtest.URL).
func URL(t testing.TB) string { t.Helper(); return pgtest.URL(t) }

// DSNs returns fresh-database makers by dialect (see internal/pgtest.DSNs).
func DSNs(t testing.TB) map[string]func(t testing.TB) string { t.Helper(); return pgtest.DSNs(t) }

// Fresh creates a database for the test (see internal/pgtest.Fresh).
func Fresh(t testing.TB, base string) string { t.Helper(); return pgtest.Fresh(t, base) }

// Clone copies a populated database for the test (see internal/pgtest.Clone).
func Clone(t testing.TB, base, src string) string { t.Helper(); return pgtest.Clone(t, base, src) }
