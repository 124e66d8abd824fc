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
	if code != 0 || secret == "" || !strings.Contains(out, "bob of bob (reviewer)") {
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

// TestScopedTokensAndDatasetsCLI: a person's second token (--person), a
// team-scoped admin whose tokens and webhooks stay in its team, and
// datasets with a team, through the CLI.
func TestScopedTokensAndDatasetsCLI(t *testing.T) {
	clientEnv(t)
	if code, out, errs := runCLI("token", "create", "alice", "--role", "maintainer"); code != 0 {
		t.Fatalf("alice: %d %s %s", code, out, errs)
	}
	code, out, errs := runCLI("token", "create", "alice-ci", "--person", "Alice", "--role", "maintainer", "--scope-team", "fraud")
	if code != 0 || !strings.Contains(out, "alice-ci of alice (maintainer, team fraud)") {
		t.Fatalf("second token of alice: %d %s %s", code, out, errs)
	}
	ci := tokenRE.FindString(out)
	if code, _, errs := runCLI("token", "create", "ALICE", "--role", "reviewer"); code != 1 || !strings.Contains(errs, "unique regardless of case") {
		t.Errorf("a case variant of alice: %d %s", code, errs)
	}
	if code, _, errs := runCLI("token", "create", "role:admin", "--role", "reviewer"); code != 2 || !strings.Contains(errs, "ASCII letters") {
		t.Errorf("a token named role:admin: %d %s", code, errs)
	}
	_, out, _ = runCLI("token", "create", "fraud-admin", "--role", "admin", "--scope-team", "fraud")
	fraudAdmin := tokenRE.FindString(out)
	if code, out, errs := runCLI("token", "create", "esc", "--role", "admin", "--token", fraudAdmin); code != 0 || !strings.Contains(out, "team fraud") {
		t.Errorf("a team admin's token: %d %s %s", code, out, errs)
	}
	if code, out, _ := runCLI("token", "--token", fraudAdmin); code != 0 || regexp.MustCompile(`(?m)^\d+\s+(bootstrap-admin|alice)\s`).MatchString(out) ||
		!strings.Contains(out, "alice-ci") {
		t.Errorf("a team admin lists tokens outside its team: %s", out)
	}
	if code, out, errs := runCLI("webhooks", "add", "https://hooks.example/x", "--event", "*", "--token", fraudAdmin); code != 0 ||
		!strings.Contains(out, "webhook") {
		t.Errorf("team admin webhook: %d %s %s", code, out, errs)
	}
	if code, out, _ := runCLI("webhooks"); code != 0 || !strings.Contains(out, "team fraud") {
		t.Errorf("webhook scope not shown: %s", out)
	}

	// Datasets: created in the token's team, seen by that team only.
	digest := "sha256:" + strings.Repeat("ab", 32)
	if code, out, errs := runCLI("datasets", "add", "tx-2026", "--digest", digest, "--token", ci); code != 0 || !strings.Contains(out, "team fraud") {
		t.Fatalf("datasets add: %d %s %s", code, out, errs)
	}
	if code, out, errs := runCLI("datasets", "add", "other", "--digest", digest, "--team", "risk"); code != 0 {
		t.Fatalf("datasets add --team: %d %s %s", code, out, errs)
	}
	if code, out, _ := runCLI("datasets", "--token", ci); code != 0 || !strings.Contains(out, "tx-2026") || strings.Contains(out, "other") {
		t.Errorf("team fraud lists: %s", out)
	}
	if code, out, _ := runCLI("datasets"); code != 0 || !strings.Contains(out, "tx-2026") || !strings.Contains(out, "other") {
		t.Errorf("an unscoped admin lists: %s", out)
	}
}
