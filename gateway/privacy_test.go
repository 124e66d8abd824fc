package gateway_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/mlsec/mlsec/drift"
	"github.com/mlsec/mlsec/gateway/logstore"
)

// The personal data the privacy tests send, and the forms in which any of
// it would betray a leak (digits without separators too).
var secrets = []struct{ sent, forms string }{
	{"maria.schmidt@example.com", "maria.schmidt@example.com|maria.schmidt"},
	{"4111 1111 1111 1111", "4111 1111 1111 1111|4111111111111111"},
	{"536-90-4399", "536-90-4399|536904399"},
	{"+44 20 7946 0958", "+44 20 7946 0958|2079460958"},
	{"DE89 3704 0044 0532 0130 00", "DE89 3704 0044 0532 0130 00|DE89370400440532013000|0532013000"},
	{"ghp_R8yZx3Kp9Qw2Lm7Nv4Bt6Hc1Jd5Fg0Sa8Ue3", "ghp_R8yZx3Kp9Qw2Lm7Nv4Bt6Hc1Jd5Fg0Sa8Ue3|R8yZx3Kp9Qw2Lm7Nv4Bt6"},
	{"203.0.113.77", "203.0.113.77"},
}

// piiText is a sentence holding every secret.
func piiText() string {
	var b strings.Builder
	b.WriteString("Hello, my email is ")
	b.WriteString(secrets[0].sent)
	b.WriteString(", card number ")
	b.WriteString(secrets[1].sent)
	b.WriteString(", SSN ")
	b.WriteString(secrets[2].sent)
	b.WriteString(", phone ")
	b.WriteString(secrets[3].sent)
	b.WriteString(", IBAN ")
	b.WriteString(secrets[4].sent)
	b.WriteString(", token ")
	b.WriteString(secrets[5].sent)
	b.WriteString(", from IP ")
	b.WriteString(secrets[6].sent)
	b.WriteString(".")
	return b.String()
}

// TestNothingUnredactedIsWritten sends personal data every way a client or
// a model server can (JSON values, query strings, malformed JSON, a body
// over the limit, an upstream that is down, an upstream error page, a
// stream split across events, a drift feature) and then greps every byte
// the gateway wrote: the database and its WAL, the operational log, the
// metrics exposition and the gateway's own error bodies.
func TestNothingUnredactedIsWritten(t *testing.T) {
	for name, mk := range dsns(t) {
		t.Run(name, func(t *testing.T) { testNothingUnredacted(t, mk(t)) })
	}
}

func testNothingUnredacted(t *testing.T, dsn string) {
	text := piiText()
	var upstreamGot sync.Map
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		upstreamGot.Store(r.URL.Path, string(b))
		switch {
		case strings.HasSuffix(r.URL.Path, "/fail"):
			w.WriteHeader(500)
			io.WriteString(w, "internal error for "+secrets[0].sent)
		case strings.HasPrefix(r.URL.Path, "/v1/"):
			w.Header().Set("Content-Type", "text/event-stream")
			// The e-mail address is split across three events.
			for _, piece := range []string{"Sure. Mail maria.", "schmidt@exam", "ple.com or call " + secrets[3].sent + "."} {
				fmt.Fprintf(w, "data: %s\n\n", mustJSON(map[string]any{"choices": []any{map[string]any{"delta": map[string]string{"content": piece}}}}))
				w.(http.Flusher).Flush()
			}
			io.WriteString(w, "data: [DONE]\n\n")
		default:
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"predictions": [1], "echo": %q}`, text)
		}
	}))
	defer up.Close()
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	dir := t.TempDir()
	prof := filepath.Join(dir, "ref.json")
	writeMixedProfile(t, prof)
	y := `
log:
  database: {{dsn}}
limits:
  max_request_bytes: 4KiB
clients:
  - name: app
    key_sha256: {{key_sha}}
routes:
  - name: tab
    protocol: mlflow
    path: /tab
    upstream: ` + up.URL + `/invocations
    model: tab
    version: "1"
    retention: 30d
    window: {requests: 5}
    drift:
      reference: ` + prof + `
      min_rows: 1
  - name: chat
    protocol: openai
    path: /v1/chat/completions
    upstream: ` + up.URL + `/v1/chat/completions
    model: chat
    version: "1"
    retention: 30d
  - name: down
    path: /down
    upstream: ` + down.URL + `
    model: down
    version: "1"
    retention: 30d
`
	e := newEnv(t, y, envOpts{dsn: dsn, noStart: true})
	var gatewayBodies []string
	send := func(path, body string, wantGatewayError bool) int {
		code, b := e.do("POST", path, body)
		if wantGatewayError {
			gatewayBodies = append(gatewayBodies, b)
		}
		return code
	}
	js := mustJSON(map[string]any{"dataframe_records": []any{map[string]any{"country": secrets[0].sent, "amount": 4111111111111111, "note": text}}})
	if c := send("/tab?email="+url.QueryEscape(secrets[0].sent)+"&ssn="+secrets[2].sent, js, false); c != 200 {
		t.Fatalf("json: %d", c)
	}
	malformed := `{"note": "` + text + `", "broken": `
	if c := send("/tab", malformed, false); c != 200 {
		t.Fatalf("malformed: %d", c)
	}
	if got, _ := upstreamGot.Load("/invocations"); got != malformed {
		t.Fatalf("malformed JSON was not proxied unchanged: %q", got)
	}
	if c := send("/tab", `{"note": "`+strings.Repeat(text+" ", 40)+`"}`, true); c != 413 {
		t.Fatalf("over the limit: %d", c)
	}
	if c := send("/tab/fail", `{"note": "`+text+`"}`, false); c != 500 {
		t.Fatalf("upstream error: %d", c)
	}
	if c := send("/down", `{"note": "`+text+`"}`, true); c != 502 {
		t.Fatalf("down: %d", c)
	}
	if c := send("/tab", "\xff\xfe "+text, false); c != 200 {
		t.Fatalf("invalid UTF-8: %d", c)
	}
	if c := send("/v1/chat/completions", mustJSON(map[string]any{"stream": true, "messages": []any{map[string]string{"role": "user", "content": text}}}), false); c != 200 {
		t.Fatalf("stream: %d", c)
	}
	if c := send("/nowhere?"+secrets[0].sent, text, true); c != 404 {
		t.Fatalf("unmatched: %d", c)
	}
	ctx := context.Background()
	if err := e.g.FlushWindows(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.g.CloseWindows(ctx); err != nil {
		t.Fatal(err)
	}

	// What was logged is useful: redacted, not dropped.
	recs := append(e.records("tab"), e.records("chat")...)
	recs = append(recs, e.records("down")...)
	if len(recs) != 7 {
		t.Fatalf("%d records, want 7", len(recs))
	}
	all := ""
	for _, r := range recs {
		all += r.Path + r.Request + r.Response
	}
	for _, want := range []string{"<EMAIL_ADDRESS>", "<CREDIT_CARD>", "<US_SSN>", "<PHONE_NUMBER>", "<IBAN_CODE>", "<SECRET>", "<IP_ADDRESS>"} {
		if !strings.Contains(all, want) {
			t.Errorf("no %s in the log", want)
		}
	}
	if r := recs[1]; r.RequestFormat != "text" || r.Status != 200 {
		t.Errorf("malformed JSON logged as %s, status %d", r.RequestFormat, r.Status)
	}
	if r := recs[2]; r.Status != 413 || r.Request != "" || r.RequestFormat != "none" {
		t.Errorf("413 record %+v", r)
	}

	// Every byte the gateway wrote.
	written := map[string]string{"operational log": e.logs.String(), "metrics": e.exposition(),
		"gateway error bodies": strings.Join(gatewayBodies, "\n")}
	if strings.HasPrefix(dsn, "postgres") {
		written["database"] = dumpPostgres(t, dsn)
	}
	e.srv.Close()
	if err := e.g.Close(); err != nil {
		t.Fatal(err)
	}
	dirs := []string{e.dir}
	if !strings.HasPrefix(dsn, "postgres") {
		dirs = append(dirs, filepath.Dir(dsn))
	}
	for _, d := range dirs {
		filepath.Walk(d, func(p string, fi os.FileInfo, err error) error {
			if err == nil && !fi.IsDir() {
				b, _ := os.ReadFile(p)
				written["file "+filepath.Base(p)] = string(b)
			}
			return nil
		})
	}
	if !strings.HasPrefix(dsn, "postgres") && written["file "+filepath.Base(dsn)] == "" {
		t.Fatal("the database file was not found")
	}
	for where, s := range written {
		for _, sec := range secrets {
			for _, form := range strings.Split(sec.forms, "|") {
				if strings.Contains(s, form) || strings.Contains(strings.ToLower(s), strings.ToLower(form)) {
					t.Errorf("%s holds %q", where, form)
				}
			}
		}
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// writeMixedProfile writes a reference with a categorical and a numeric
// feature, so drift partials would hold raw values if the gateway let them.
func writeMixedProfile(t *testing.T, path string) {
	t.Helper()
	p := drift.NewProfile("ref", []drift.ColumnSpec{{Name: "country", Kind: drift.KindString}, {Name: "amount", Kind: drift.KindNumber}})
	for i := range 100 {
		p.Update([]drift.Value{{Str: []string{"DE", "FR", "US"}[i%3]}, {Num: float64(10 + i), IsNum: true, Int: true}})
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := drift.WriteProfile(f, p); err != nil {
		t.Fatal(err)
	}
}

// dumpPostgres returns every text cell of the gateway's and River's tables.
func dumpPostgres(t *testing.T, dsn string) string {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var out strings.Builder
	for _, tbl := range []string{"gateway_logs", "gateway_partials", "gateway_windows"} {
		rows, err := db.Query("SELECT * FROM " + tbl)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			rows.Scan(ptrs...)
			fmt.Fprintln(&out, vals...)
		}
		rows.Close()
	}
	return out.String()
}

var _ = logstore.Record{}
