package gateway_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mlsec/mlsec/gateway"
	"github.com/mlsec/mlsec/pii"
	"github.com/mlsec/mlsec/registry"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// TestRetention: expired records disappear from queries at once, the
// sweeper deletes them in bounded batches, and each batch's count and time
// range (never content) reaches the registry's audit log through a job.
// Readers are checked against the registry: auditors and admins read, a
// reviewer does not, and encrypted values stay encrypted without the key.
func TestRetention(t *testing.T) {
	for name, mk := range dsns(t) {
		t.Run(name, func(t *testing.T) { testRetention(t, mk(t)) })
	}
}

func testRetention(t *testing.T, dsn string) {
	ctx := t.Context()
	reg := newRegistry(t)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, `{"outputs":[{"name":"p","shape":[1],"datatype":"INT64","data":[0]}]}`)
	}))
	defer up.Close()
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "pii.key")
	os.WriteFile(keyFile, []byte(base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))), 0o600)
	y := withUpstream(baseConfig, up.URL) + `    window: {requests: 1000000, interval: 1000h}
log:
  database: {{dsn}}
  sweep_batch: 3
  sweep_interval: 1000h
pii:
  key_file: ` + keyFile + `
  operators: {EMAIL_ADDRESS: encrypt, "*": pseudonym}
`
	y = strings.Replace(y, "log:\n  database: {{dsn}}\nclients:", "clients:", 1)
	y = strings.Replace(y, "retention: 30d", "retention: 1h", 1)
	clk := &clock{t: time.Now().UTC()}
	e := newEnv(t, y, envOpts{dsn: dsn, clock: clk.now, reg: reg.client(t, "gateway"), authz: reg.client(t, "gateway")})
	start := clk.now()
	for range 7 {
		if c, _ := e.do("POST", "/v2/models/iris/infer", `{"note":"mail maria.schmidt@example.com, card 4111 1111 1111 1111"}`); c != 200 {
			t.Fatalf("status %d", c)
		}
	}
	clk.add(30 * time.Minute)
	for range 2 {
		e.do("POST", "/v2/models/iris/infer", `{"note":"later"}`)
	}
	clk.add(31 * time.Minute) // the first seven are now 61 minutes old

	page := readLogs(t, e, reg.tokens["auditor"], "")
	if len(page.Items) != 2 {
		t.Fatalf("before the sweep, %d records visible, want the 2 unexpired", len(page.Items))
	}
	if n, _ := e.g.Store().Count(ctx, "iris"); n != 9 {
		t.Fatalf("%d rows stored before the sweep", n)
	}
	deleted, err := e.g.Sweep(ctx)
	if err != nil || deleted != 7 {
		t.Fatalf("sweep deleted %d, %v", deleted, err)
	}
	if n, _ := e.g.Store().Count(ctx, "iris"); n != 2 {
		t.Fatalf("%d rows after the sweep", n)
	}
	if !strings.Contains(e.exposition(), `mlsec_gateway_retention_deleted_total{route="iris"} 7`) {
		t.Error("deletions not counted")
	}

	// The audit log gets one record.add per batch: 3 + 3 + 1.
	adm, _ := reg.svc.Authenticate(ctx, reg.tokens["admin"])
	var titles []string
	eventually(t, "three retention audit events", func() bool {
		evs, _, err := reg.svc.ListAudit(ctx, adm, registry.Page{Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		titles = titles[:0]
		for _, ev := range evs {
			if ev.Action == "record.add" && strings.Contains(string(ev.Payload), "gateway retention") {
				titles = append(titles, string(ev.Payload))
			}
		}
		return len(titles) == 3
	})
	joined := strings.Join(titles, "\n")
	for _, want := range []string{"deleted 3 log records of route iris", "deleted 1 log records of route iris",
		start.Format("2006-01-02T15:04")} {
		if !strings.Contains(joined, want) {
			t.Errorf("audit titles lack %q:\n%s", want, joined)
		}
	}
	if strings.Contains(joined, "maria") || strings.Contains(joined, "4111") {
		t.Errorf("audit holds content:\n%s", joined)
	}

	// Readers: roles and scopes come from the registry's tokens.
	for who, want := range map[string]int{"auditor": 200, "admin": 200, "reviewer": 403, "": 401, "bogus": 401,
		"auditor-iris": 200, "auditor-churn": 403} {
		tok := reg.tokens[who]
		if who == "bogus" {
			tok = "mlsec_" + strings.Repeat("0", 64)
		}
		if c := logsStatus(t, e, tok); c != want {
			t.Errorf("%s reading logs: %d, want %d", who, c, want)
		}
	}
	// A reader without the key sees tokens, not values; the key holder can
	// decrypt e-mail addresses; pseudonyms (the card) stay unreadable.
	e.do("POST", "/v2/models/iris/infer", `{"note":"mail maria.schmidt@example.com, card 4111 1111 1111 1111"}`)
	page = readLogs(t, e, reg.tokens["auditor"], "")
	last := page.Items[len(page.Items)-1].Request
	if !strings.Contains(last, "<ENC:EMAIL_ADDRESS:") || !strings.Contains(last, "<CREDIT_CARD_") || strings.Contains(last, "maria") {
		t.Fatalf("logged request %s", last)
	}
	wrong, _ := pii.NewKey([]byte("another key, another key, 32 by"))
	if _, _, err := pii.DecryptText(wrong, last); !errors.Is(err, pii.ErrDecrypt) {
		t.Errorf("a wrong key decrypted the log: %v", err)
	}
	right, _ := pii.LoadKeyFile(keyFile)
	clear, n, err := pii.DecryptText(right, last)
	if err != nil || n != 1 || !strings.Contains(clear, "maria.schmidt@example.com") || strings.Contains(clear, "4111") {
		t.Errorf("key holder decrypted %d: %s (%v)", n, clear, err)
	}
}

func logsStatus(t *testing.T, e *env, token string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+"/_mlsec/logs?model=iris", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func readLogs(t *testing.T, e *env, token, query string) gateway.LogPage {
	t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), "GET", e.srv.URL+"/_mlsec/logs?model=iris"+query, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var p gateway.LogPage
	if res.StatusCode != 200 || json.NewDecoder(res.Body).Decode(&p) != nil {
		t.Fatalf("logs: %d", res.StatusCode)
	}
	return p
}
