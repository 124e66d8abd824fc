package ui

import (
	"strings"
	"testing"
)

// The post-sign-in redirect never leaves the site.
func TestSafeNext(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":                          "/models",
		"/models/fraud":             "/models/fraud",
		"/audit?actor=bob":          "/audit?actor=bob",
		"//evil.example/x":          "/models",
		"/\\evil.example":           "/models",
		"https://evil.example/":     "/models",
		"javascript:alert(1)":       "/models",
		"/models\r\nSet-Cookie: x=": "/models",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

// The report page's CSP admits exactly its inline styles, by hash.
func TestInlineStyleCSP(t *testing.T) {
	t.Parallel()
	page := []byte(`<style>body{color:red}</style><svg style="max-width:100%;height:auto"></svg><svg style="max-width:100%;height:auto"></svg>`)
	csp := inlineStyleCSP(page)
	for _, want := range []string{"'sha256-", "'unsafe-hashes'", "default-src 'none'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if n := strings.Count(csp, "'sha256-"); n != 2 {
		t.Errorf("%d hashes, want 2 (one per distinct style): %s", n, csp)
	}
	if strings.Contains(csp, "script") || strings.Contains(csp, "'unsafe-inline'") {
		t.Errorf("CSP too wide: %s", csp)
	}
	if plain := inlineStyleCSP([]byte("<p>x</p>")); strings.Contains(plain, "sha256") || strings.Contains(plain, "unsafe") {
		t.Errorf("no inline style, yet %s", plain)
	}
}
