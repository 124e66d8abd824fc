package cli

import (
	"regexp"
	"strings"
	"testing"
)

// TestTokenCommands creates a token through the CLI, uses it, lists it,
// revokes it and checks that the server then refuses it.
func TestTokenCommands(t *testing.T) {
	clientEnv(t)

	code, out, errs := runCLI("token", "create", "bob", "--role", "reviewer", "--expires", "24h")
	secret := tokenRE.FindString(out)
	if code != 0 || secret == "" || !strings.Contains(out, "(reviewer)") {
		t.Fatalf("token create: %d %s %s", code, out, errs)
	}
	id := regexp.MustCompile(`token (\d+):`).FindStringSubmatch(out)[1]
	if code, _, errs := runCLI("models", "--token", secret); code != 0 {
		t.Fatalf("the new token cannot read: %d %s", code, errs)
	}
	if code, _, _ := runCLI("token", "create", "eve", "--role", "admin", "--token", secret); code != 1 {
		t.Errorf("a reviewer created a token: exit %d, want 1", code)
	}
	if code, _, _ := runCLI("token", "create", "eve"); code != 2 {
		t.Errorf("create without --role: exit %d, want 2", code)
	}
	code, out, _ = runCLI("token")
	if code != 0 || !strings.Contains(out, "bob") || !strings.Contains(out, "reviewer") {
		t.Fatalf("token list: %d %s", code, out)
	}
	if code, out, errs := runCLI("token", "revoke", id); code != 0 || !strings.Contains(out, "revoked") {
		t.Fatalf("token revoke: %d %s %s", code, out, errs)
	}
	if code, _, errs := runCLI("models", "--token", secret); code == 0 || !strings.Contains(errs, "401") && !strings.Contains(strings.ToLower(errs), "token") {
		t.Errorf("a revoked token still works: %d %s", code, errs)
	}
}
