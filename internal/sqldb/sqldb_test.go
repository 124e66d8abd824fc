package sqldb

import "testing"

func TestRebind(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"SELECT 1":                           "SELECT 1",
		"SELECT a FROM t WHERE b = ?":        "SELECT a FROM t WHERE b = $1",
		"INSERT INTO t VALUES (?, ?, ?)":     "INSERT INTO t VALUES ($1, $2, $3)",
		"UPDATE t SET a=? WHERE id IN (?,?)": "UPDATE t SET a=$1 WHERE id IN ($2,$3)",
	}
	for in, want := range cases {
		if got := Rebind(in); got != want {
			t.Errorf("Rebind(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIsPostgres(t *testing.T) {
	t.Parallel()
	for dsn, want := range map[string]bool{
		"postgres://u@h/db": true, "postgresql://h/db": true, "registry.db": false, "/data/postgres://x": false,
	} {
		if IsPostgres(dsn) != want {
			t.Errorf("IsPostgres(%q) = %v", dsn, !want)
		}
	}
}

func TestSQLitePath(t *testing.T) {
	for dsn, want := range map[string]string{
		"reg.db":                      "reg.db",
		"/var/lib/mlsec/logs.db":      "/var/lib/mlsec/logs.db",
		"sqlite:/data/r.db":           "/data/r.db",
		"file:r.db":                   "r.db",
		"sqlite:file:r.db":            "r.db",
		"file:r.db?_pragma=foo(1)":    "r.db",
		"sqlite:dir/r.db?mode=ro&x=1": "dir/r.db",
	} {
		if got := SQLitePath(dsn); got != want {
			t.Errorf("SQLitePath(%q) = %q, want %q", dsn, got, want)
		}
	}
}
