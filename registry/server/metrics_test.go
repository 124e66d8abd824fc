package server

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/registry"
)

// TestMetricsAuth: /metrics is open by default; with MetricsToken it
// needs that token (401 otherwise, API tokens included unless MetricsRole);
// with MetricsRole an admin's or auditor's API token reads it and a
// maintainer's is 403.
func TestMetricsAuth(t *testing.T) {
	const secret = "metrics-0123456789abcdef"
	scrape := func(e *secEnv, token string) resp { return e.do(t, token, "GET", "/metrics", nil) }
	isMetrics := func(r resp) bool {
		return r.code == 200 && strings.Contains(string(r.body), "mlsec_http_requests_total")
	}

	open := newSecEnvWith(t, filepath.Join(t.TempDir(), "r.db"), nil)
	open.do(t, "", "GET", "/healthz", nil)
	if r := scrape(open, ""); !isMetrics(r) {
		t.Fatalf("default /metrics: %d %s", r.code, r.body)
	}

	e := newSecEnvWith(t, filepath.Join(t.TempDir(), "r.db"), func(c *Config) { c.MetricsToken = secret })
	e.do(t, "", "GET", "/healthz", nil)
	admin := e.tokens[registry.RoleAdmin]
	for name, tok := range map[string]string{"none": "", "wrong": secret + "x", "prefix": secret[:10], "admin API token": admin} {
		if r := scrape(e, tok); r.code != 401 || errCode(t, r) != "unauthenticated" {
			t.Errorf("%s: %d %s", name, r.code, r.body)
		}
	}
	if r := scrape(e, secret); !isMetrics(r) {
		t.Fatalf("metrics token: %d %s", r.code, r.body)
	}

	e = newSecEnvWith(t, filepath.Join(t.TempDir(), "r.db"), func(c *Config) { c.MetricsToken, c.MetricsRole = secret, true })
	e.do(t, "", "GET", "/healthz", nil)
	auditor := e.token(t, "aud", registry.RoleAuditor, "", "")
	maint := e.token(t, "maint", registry.RoleMaintainer, "", "")
	for name, tok := range map[string]string{"metrics token": secret, "admin": e.tokens[registry.RoleAdmin], "auditor": auditor} {
		if r := scrape(e, tok); !isMetrics(r) {
			t.Errorf("%s: %d %s", name, r.code, r.body)
		}
	}
	if r := scrape(e, maint); r.code != 403 {
		t.Errorf("maintainer: %d %s", r.code, r.body)
	}
	if r := scrape(e, ""); r.code != 401 {
		t.Errorf("anonymous: %d %s", r.code, r.body)
	}
}
