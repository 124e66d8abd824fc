package gateway_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mlsec/mlsec/gateway"
)

// TestExampleConfig: the README's example configuration parses.
func TestExampleConfig(t *testing.T) {
	t.Parallel()
	c, err := gateway.LoadConfig("testdata/gateway.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Routes) != 2 || c.Routes[0].Retention.D() != 30*24*time.Hour || c.Routes[0].Drift.Prediction != "species" ||
		c.Clients[0].KeySHA256 != gateway.HashKey("mlsgw_demo_readme_key_change_me") || c.Limits.MaxRequestBytes != 1<<20 {
		t.Fatalf("parsed %+v", c)
	}
	if e := c.Routes[0].Extraction; e == nil || e.Action != gateway.ExtractionAlert || e.Boundary == nil || e.Sweep == nil || e.PRADA != nil {
		t.Fatalf("extraction parsed as %+v", e)
	}
}

// TestExampleConfigGuard: the example's commented openai route (lines
// marked "#|") parses with its guard and extraction blocks.
func TestExampleConfigGuard(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("testdata/gateway.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := gateway.ParseConfig(strings.NewReader(strings.ReplaceAll(string(b), "  #| ", "  ")))
	if err != nil {
		t.Fatal(err)
	}
	r := c.Routes[len(c.Routes)-1]
	if len(c.Routes) != 3 || r.Name != "chat" || r.Guard == nil || r.Guard.Injection.IndirectAction != "redact" ||
		!r.Guard.Leakage.Canary || len(r.Guard.PromptBanned.Topics) != 1 || r.Extraction == nil || r.Extraction.LLM.MaxExtraction != 3 {
		t.Fatalf("chat route parsed as %+v", r)
	}
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("testdata/gateway.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	good := string(b)
	for _, tc := range []struct{ name, from, to, want string }{
		{"typo", "on_failure: refuse", "on_falure: refuse", "field on_falure not found"},
		{"mode", "on_failure: refuse", "on_failure: maybe", `log.on_failure "maybe"`},
		{"protocol", "protocol: kserve", "protocol: grpc", `protocol "grpc"`},
		{"retention", "retention: 30d", "retention: 0s", "retention: say how long"},
		{"bad duration", "retention: 30d", "retention: thirty days", `duration "thirty days"`},
		{"no version", `version: "1"         # or digest: sha256:...`, "", "give version"},
		{"key", "key_sha256: 7f12", "key_sha256: zz12", "key_sha256"},
		{"size", "max_request_bytes: 1MiB", "max_request_bytes: lots", `size "lots"`},
		{"path", "path: /iris/invocations", "path: /metrics", "path \"/metrics\""},
		{"journal with full", "synchronous: normal", "synchronous: full\n  journal: x.acklog", "log.journal with log.synchronous full"},
		{"extraction action", "action: alert ", "action: flag-it ", `extraction.action "flag-it": want alert, throttle or block`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := gateway.ParseConfig(strings.NewReader(strings.Replace(good, tc.from, tc.to, 1)))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestParseDuration(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]time.Duration{"30d": 720 * time.Hour, "1d12h": 36 * time.Hour, "90s": 90 * time.Second, "2": 2 * time.Second} {
		if got, err := gateway.ParseDuration(in); err != nil || got != want {
			t.Errorf("%s: %v %v", in, got, err)
		}
	}
}

func TestJournalPath(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ db, sync, journal, want string }{
		{"gateway-data/gateway.db", "normal", "", "gateway-data/gateway.db.acklog"},
		{"file:/var/g.db", "normal", "", "/var/g.db.acklog"},
		{"gateway-data/gateway.db", "normal", "off", ""},
		{"gateway-data/gateway.db", "full", "", ""},
		{"postgres://u@h/db", "normal", "", ""},
		{"postgres://u@h/db", "normal", "/var/lib/gw/a.acklog", "/var/lib/gw/a.acklog"},
	} {
		c := gateway.LogConfig{Database: tc.db, Synchronous: tc.sync, Journal: tc.journal}
		if got := c.JournalPath(); got != tc.want {
			t.Errorf("%+v: journal %q, want %q", tc, got, tc.want)
		}
	}
}
