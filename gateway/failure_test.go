package gateway_test

import (
	"database/sql"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/mlsec/mlsec/gateway"
	"github.com/mlsec/mlsec/gateway/logstore"
	"github.com/mlsec/mlsec/internal/pgtest"
)

const failConfig = `
log:
  database: {{dsn}}
  on_failure: {{mode}}
clients:
  - name: app
    key_sha256: {{key_sha}}
routes:
  - name: m
    path: /m
    upstream: {{upstream}}
    model: m
    version: "1"
    retention: 30d
`

// TestFullDiskFailsClosed fills a SQLite database (max_page_count) while
// requests with personal data flow. In refuse mode the gateway stops
// serving what it cannot log (503); in proxy mode it keeps serving and
// counts what went unlogged. Either way the failure is counted and nothing
// unredacted is written anywhere.
func TestFullDiskFailsClosed(t *testing.T) {
	for _, mode := range []string{"refuse", "proxy"} {
		t.Run(mode, func(t *testing.T) {
			var hits atomic.Int64
			up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				io.Copy(io.Discard, r.Body)
				io.WriteString(w, `{"ok": true}`)
			}))
			defer up.Close()
			dir := t.TempDir()
			st, err := logstore.Open(t.Context(), filepath.Join(dir, "full.db"), logstore.Options{MaxPages: 48})
			if err != nil {
				t.Fatal(err)
			}
			y := strings.ReplaceAll(withUpstream(failConfig, up.URL), "{{mode}}", mode)
			e := newEnv(t, y, envOpts{store: st, noStart: true})
			body := `{"note": "` + strings.Repeat(piiText()+" ", 12) + `"}`
			var codes []int
			for range 60 {
				c, b := e.do("POST", "/m", body)
				codes = append(codes, c)
				if c == 503 && !strings.Contains(b, "logging_unavailable") {
					t.Fatalf("503 body %s", b)
				}
			}
			first := -1
			for i, c := range codes {
				if c != 200 && first < 0 {
					first = i
				}
			}
			m := e.exposition()
			if !strings.Contains(m, `mlsec_gateway_log_failures_total{reason="disk_full"}`) {
				t.Fatalf("no disk_full failure counted; codes %v", codes)
			}
			switch mode {
			case "refuse":
				if first < 1 || countOf(codes[first:], 503) != len(codes)-first {
					t.Fatalf("refuse: codes %v", codes)
				}
				// Requests are turned away before the model sees them,
				// except one probe a second.
				if n := hits.Load(); n > int64(first+5) {
					t.Errorf("the model saw %d requests, %d were logged", n, first)
				}
			case "proxy":
				if countOf(codes, 200) != len(codes) {
					t.Fatalf("proxy: codes %v", codes)
				}
				if !strings.Contains(m, `mlsec_gateway_unlogged_requests_total{route="m"}`) {
					t.Fatal("unlogged requests not counted")
				}
			}
			written := e.logs.String() + m
			filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
				if err == nil && !fi.IsDir() {
					b, _ := os.ReadFile(p)
					written += string(b)
				}
				return nil
			})
			assertNoSecrets(t, written)
		})
	}
}

// TestDownStoreFailsClosed drops the PostgreSQL database under a running
// gateway: requests are refused with 503 and the failure is counted.
func TestDownStoreFailsClosed(t *testing.T) {
	base := pgtest.URL(t)
	if base == "" {
		t.Skip("needs PostgreSQL")
	}
	dsn := pgtest.Fresh(t, base)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{}`) }))
	defer up.Close()
	y := strings.ReplaceAll(withUpstream(failConfig, up.URL), "{{mode}}", "refuse")
	e := newEnv(t, y, envOpts{dsn: dsn, noStart: true})
	if c, _ := e.do("POST", "/m", `{"a": 1}`); c != 200 {
		t.Fatalf("before: %d", c)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	u, _ := url.Parse(dsn)
	if _, err := admin.Exec("DROP DATABASE " + strings.TrimPrefix(u.Path, "/") + " WITH (FORCE)"); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		c, b := e.do("POST", "/m", `{"note": "`+piiText()+`"}`)
		if c != 503 || !strings.Contains(b, "logging_unavailable") {
			t.Fatalf("request %d after the drop: %d %s", i, c, b)
		}
	}
	m := e.exposition()
	if !strings.Contains(m, `mlsec_gateway_log_failures_total{reason="database_down"}`) {
		t.Fatalf("failure not counted as database_down:\n%s", grepLines(m, "log_failures"))
	}
	assertNoSecrets(t, e.logs.String()+m)
}

func assertNoSecrets(t *testing.T, s string) {
	t.Helper()
	for _, sec := range secrets {
		for _, form := range strings.Split(sec.forms, "|") {
			if strings.Contains(strings.ToLower(s), strings.ToLower(form)) {
				t.Errorf("written output holds %q", form)
			}
		}
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestUnusableJournalFailsClosedAtStart: a journal that cannot hold records
// (a device such as /dev/full) stops the gateway from starting rather than
// letting it acknowledge records into it.
func TestUnusableJournalFailsClosedAtStart(t *testing.T) {
	dir := t.TempDir()
	cfg, err := gateway.ParseConfig(strings.NewReader(`
log:
  database: ` + filepath.Join(dir, "g.db") + `
  journal: /dev/full
allow_anonymous: true
routes:
  - name: m
    path: /m
    upstream: http://127.0.0.1:1
    model: m
    version: "1"
    retention: 30d
`))
	if err != nil {
		t.Fatal(err)
	}
	g, err := gateway.New(t.Context(), cfg)
	if err == nil {
		g.Close()
		t.Fatal("the gateway started with /dev/full as its journal")
	}
	if !errors.Is(err, logstore.ErrUnavailable) || !strings.Contains(err.Error(), "/dev/full") {
		t.Fatalf("err %v, want ErrUnavailable naming /dev/full", err)
	}
}
