package cli

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mlsec/mlsec/registry"
)

// TestAliasesAndWebhooksEndToEnd drives a real 'mlsec serve' (with its
// workers) through the CLI: a webhook to a loopback receiver, an
// unprotected alias, a protected one refused a direct move, moved by an
// approved move-alias decision, its history, and the signed alias.moved
// event the server's worker delivered.
func TestAliasesAndWebhooksEndToEnd(t *testing.T) {
	data := filepath.Join(t.TempDir(), "policy-data.json")
	os.WriteFile(data, []byte(`{"mlsec": {"disabled_rules": ["MLSEC-SIG-001", "MLSEC-BOM-002", "MLSEC-BOM-003", "MLSEC-BOM-004"]}}`), 0o600)
	url, admin := clientEnvWith(t, serveOptions{addr: "127.0.0.1:0", dataDir: t.TempDir(), workers: 2, policyData: []string{data}})
	alice := newToken(t, url, admin, "alice", registry.RoleMaintainer)
	bob := newToken(t, url, admin, "bob", registry.RoleReviewer)

	var mu sync.Mutex
	var got []struct {
		body []byte
		hdr  http.Header
	}
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, struct {
			body []byte
			hdr  http.Header
		}{b, r.Header.Clone()})
		mu.Unlock()
	}))
	defer rcv.Close()
	code, out, errs := runCLI("webhooks", "add", rcv.URL, "--event", "alias.moved")
	secret := regexp.MustCompile(`secret: (whsec_[0-9a-f]+)`).FindStringSubmatch(out)
	if code != 0 || secret == nil {
		t.Fatalf("webhooks add: %d %s %s", code, out, errs)
	}
	if code, out, _ = runCLI("webhooks"); code != 0 || !strings.Contains(out, rcv.URL) || strings.Contains(out, secret[1]) {
		t.Fatalf("webhooks list: %d %s", code, out)
	}

	for i, w := range []string{"v1 weights", "v2 weights"} {
		dir := filepath.Join(t.TempDir(), "toy")
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"model_type": "toy"}`), 0o644)
		os.WriteFile(filepath.Join(dir, "weights.safetensors.txt"), []byte(w), 0o644)
		if code, out, errs := as(alice, "push", dir, "--model", "toy"); code != 0 {
			t.Fatalf("push: %d %s %s", code, out, errs)
		}
		waitServerScan(t, "toy@"+string(rune('1'+i)))
	}
	if code, out, errs := as(admin, "owners", "toy", "--set", "approve=bob"); code != 0 {
		t.Fatalf("owners: %d %s %s", code, out, errs)
	}
	if code, out, errs := as(alice, "alias", "toy", "challenger", "--set", "2"); code != 0 || !strings.Contains(out, "challenger of toy -> version 2") {
		t.Fatalf("alias challenger: %d %s %s", code, out, errs)
	}
	if code, _, errs := as(alice, "alias", "toy", "champion", "--set", "1", "--protect"); code == 0 || !strings.Contains(errs, "admin") {
		t.Fatalf("maintainer protected an alias: %d %s", code, errs)
	}
	if code, out, errs := runCLI("alias", "toy", "champion", "--set", "1", "--protect", "--reason", "first champion"); code != 0 || !strings.Contains(out, "protected: true") {
		t.Fatalf("alias champion: %d %s %s", code, out, errs)
	}
	if code, _, errs := runCLI("alias", "toy", "champion", "--set", "2"); code == 0 || !strings.Contains(errs, "protected") {
		t.Fatalf("direct move of a protected alias: %d %s", code, errs)
	}
	code, out, errs = as(alice, "request", "toy@2", "move-alias", "--alias", "champion", "--rationale", "v2 wins the A/B test")
	if code != 0 || !strings.Contains(out, "move_alias champion of toy to version 2: pending") {
		t.Fatalf("request move-alias: %d %s %s", code, out, errs)
	}
	id := strings.TrimSuffix(strings.Fields(out)[1], ":")
	if code, out, errs := as(bob, "approve", id, "--comment", "agreed"); code != 0 || !strings.Contains(out, "executed") {
		t.Fatalf("approve: %d %s %s", code, out, errs)
	}
	code, out, _ = as(bob, "alias", "toy", "champion")
	if code != 0 || !strings.Contains(out, "champion of toy -> version 2 (protected: true)") || !strings.Contains(out, "v2 wins the A/B test") ||
		!strings.Contains(out, "first champion") {
		t.Fatalf("alias history: %d %s", code, out)
	}

	if code, out, _ := as(bob, "history", "toy"); code != 0 || !strings.Contains(out, "alias champion: version 1 -> 2") ||
		!strings.Contains(out, "requested move_alias of alias champion: pending") {
		t.Fatalf("history: %d %s", code, out)
	}

	// The worker delivered alias.moved events (challenger, champion twice),
	// each signed with the secret.
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d webhook deliveries after 30 s", n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	mu.Lock()
	seen := got[:len(got):len(got)]
	mu.Unlock()
	decided := false
	for _, g := range seen {
		m := hmac.New(sha256.New, []byte(secret[1]))
		m.Write(g.body)
		if g.hdr.Get("X-Mlsec-Signature") != "sha256="+hex.EncodeToString(m.Sum(nil)) || g.hdr.Get("X-Mlsec-Event") != "alias.moved" {
			t.Fatalf("delivery headers %v body %s", g.hdr, g.body)
		}
		var b map[string]any
		json.Unmarshal(g.body, &b)
		if b["alias"] == "champion" && b["version"] == 2.0 && b["request"] != nil {
			decided = true
		}
	}
	if !decided {
		t.Fatalf("no alias.moved event for the decided champion move")
	}
	// The worker records the outcome just after the receiver answered.
	for {
		code, out, _ := runCLI("webhooks", "deliveries", "1")
		if code == 0 && strings.Count(out, "delivered") >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("webhooks deliveries: %d %s", code, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
