package gateway_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const baseConfig = `
log:
  database: {{dsn}}
clients:
  - name: app
    key_sha256: {{key_sha}}
routes:
  - name: iris
    protocol: kserve
    path: /v2/models/iris
    upstream: {{upstream}}/v2/models/iris
    model: iris
    version: "1"
    retention: 30d
`

func withUpstream(y, url string) string { return strings.ReplaceAll(y, "{{upstream}}", url) }

// TestProxyRewritesWithoutMutating: the upstream gets the route's path,
// the exact body, no client key, no hop-by-hop headers; the client gets
// the answer unchanged; the incoming request is not changed.
func TestProxyRewritesWithoutMutating(t *testing.T) {
	var got *http.Request
	var gotBody []byte
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Clone(context.Background())
		gotBody, _ = io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Connection", "X-Hop")
		w.Header().Set("X-Hop", "secret-hop")
		io.WriteString(w, `{"model_name":"iris","outputs":[{"name":"predict","shape":[1],"datatype":"INT64","data":[1]}]}`)
	}))
	defer up.Close()
	e := newEnv(t, withUpstream(baseConfig, up.URL), envOpts{noStart: true})

	body := `{"inputs":[{"name":"x","shape":[1,4],"datatype":"FP64","data":[5.1,3.5,1.4,0.2]}]}`
	req, _ := http.NewRequest("POST", e.srv.URL+"/v2/models/iris/infer?trace=1", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+testKey)
	req.Header.Set("Connection", "X-Drop")
	req.Header.Set("X-Drop", "dropped")
	req.Header.Set("Keep-Alive", "timeout=5")
	req.Header.Set("X-Custom", "kept")
	before := req.Header.Clone()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(out), `"data":[1]`) {
		t.Fatalf("answer %d %s", res.StatusCode, out)
	}
	if res.Header.Get("X-Hop") != "" {
		t.Errorf("hop-by-hop response header X-Hop reached the client")
	}
	if got.URL.Path != "/v2/models/iris/infer" || got.URL.RawQuery != "trace=1" {
		t.Errorf("upstream got %s?%s", got.URL.Path, got.URL.RawQuery)
	}
	if string(gotBody) != body {
		t.Errorf("upstream body changed: %s", gotBody)
	}
	for _, h := range []string{"Authorization", "X-Api-Key", "X-Drop", "Keep-Alive"} {
		if got.Header.Get(h) != "" {
			t.Errorf("upstream got header %s: %q", h, got.Header.Get(h))
		}
	}
	if got.Header.Get("X-Custom") != "kept" || got.Header.Get("X-Forwarded-For") == "" {
		t.Errorf("upstream headers %v", got.Header)
	}
	for k, v := range before {
		if req.Header.Get(k) != v[0] {
			t.Errorf("incoming header %s changed", k)
		}
	}
	recs := e.records("iris")
	if len(recs) != 1 || recs[0].Status != 200 || recs[0].Client != "app" || recs[0].Version != 1 || recs[0].RequestFormat != "json" {
		t.Fatalf("records %+v", recs)
	}
}

// TestUpstreamFailures: a model server that is down gives 502 with a JSON
// body, one that is too slow 504, a client that gives up 499; each is
// counted and logged.
func TestUpstreamFailures(t *testing.T) {
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(1500 * time.Millisecond):
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL
	down.Close()
	y := withUpstream(baseConfig, downURL) + `
  - name: slow
    protocol: json
    path: /slow
    upstream: ` + slow.URL + `
    model: slow
    version: "1"
    retention: 1d
limits:
  timeout: 300ms
`
	e := newEnv(t, y, envOpts{noStart: true})
	code, body := e.do("POST", "/v2/models/iris/infer", `{"inputs":[]}`)
	var eb struct {
		Error struct{ Code, Message string }
	}
	if code != 502 || json.Unmarshal([]byte(body), &eb) != nil || eb.Error.Code != "upstream_down" {
		t.Fatalf("down: %d %s", code, body)
	}
	code, body = e.do("POST", "/slow/predict", `{"x":1}`)
	if code != 504 || !strings.Contains(body, "upstream_timeout") {
		t.Fatalf("slow: %d %s", code, body)
	}
	// A client that gives up: 499 in the log.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", e.srv.URL+"/slow/predict", strings.NewReader(`{"x":2}`))
	req.Header.Set("X-Api-Key", testKey)
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Fatal("client timeout did not fire")
	}
	eventually(t, "the 499 record", func() bool { return len(e.records("slow")) == 2 })
	var statuses []int
	for _, r := range append(e.records("iris"), e.records("slow")...) {
		statuses = append(statuses, r.Status)
	}
	if statuses[0] != 502 || statuses[1] != 504 || statuses[2] != 499 {
		t.Fatalf("logged statuses %v", statuses)
	}
	m := e.exposition()
	for _, want := range []string{
		`mlsec_gateway_upstream_errors_total{reason="upstream_down",route="iris"} 1`,
		`mlsec_gateway_upstream_errors_total{reason="upstream_timeout",route="slow"} 1`,
		`mlsec_gateway_upstream_errors_total{reason="client_closed",route="slow"} 1`,
		`mlsec_gateway_requests_total{client="app",code="502",route="iris"} 1`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestStreamFlushedAsItArrives: an SSE answer reaches the client event by
// event (the second event is only sent after the client saw the first),
// and the log holds the joined answer, redacted.
func TestStreamFlushedAsItArrives(t *testing.T) {
	sawFirst := make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fl := w.(http.Flusher)
		io.WriteString(w, `data: {"choices":[{"delta":{"content":"Write to ana."}}]}`+"\n\n")
		fl.Flush()
		select {
		case <-sawFirst:
		case <-time.After(5 * time.Second):
			return // the test fails below: the first event was held back
		}
		for _, piece := range []string{"lopez@exa", "mple.com today"} {
			io.WriteString(w, `data: {"choices":[{"delta":{"content":"`+piece+`"}}]}`+"\n\n")
			fl.Flush()
		}
		io.WriteString(w, "data: [DONE]\n\n")
	}))
	defer up.Close()
	y := withUpstream(baseConfig, up.URL) + `
  - name: chat
    protocol: openai
    path: /v1/chat/completions
    upstream: ` + up.URL + `/v1/chat/completions
    model: chat
    version: "1"
    retention: 7d
`
	e := newEnv(t, y, envOpts{noStart: true})
	req, _ := http.NewRequest("POST", e.srv.URL+"/v1/chat/completions", strings.NewReader(`{"stream":true,"messages":[{"role":"user","content":"hi"}]}`))
	req.Header.Set("Authorization", "Bearer "+testKey)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	br := bufio.NewReader(res.Body)
	first, err := br.ReadString('\n')
	if err != nil || !strings.Contains(first, "ana.") {
		t.Fatalf("first event %q %v", first, err)
	}
	close(sawFirst)
	rest, _ := io.ReadAll(br)
	if !strings.Contains(string(rest), "lopez@exa") || !strings.Contains(string(rest), "[DONE]") {
		t.Fatalf("rest of stream %q", rest)
	}
	recs := e.records("chat")
	if len(recs) != 1 || recs[0].ResponseFormat != "sse" {
		t.Fatalf("records %+v", recs)
	}
	if strings.Contains(recs[0].Response, "lopez") || !strings.Contains(recs[0].Response, "<EMAIL_ADDRESS>") {
		t.Fatalf("logged stream %q", recs[0].Response)
	}
}

// TestClientAuth: keys are required, unknown keys and clients outside a
// route's list are refused, rate limits answer 429.
func TestClientAuth(t *testing.T) {
	var hits atomic.Int64
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		io.WriteString(w, `{}`)
	}))
	defer up.Close()
	y := `
log:
  database: {{dsn}}
clients:
  - name: app
    key_sha256: {{key_sha}}
    rate: 1
    burst: 2
  - name: other
    key_sha256: ` + strings.Repeat("ab", 32) + `
routes:
  - name: only-other
    path: /other
    upstream: ` + up.URL + `
    model: m
    version: "1"
    retention: 1d
    clients: [other]
  - name: open
    path: /open
    upstream: ` + up.URL + `
    model: m
    version: "1"
    retention: 1d
`
	e := newEnv(t, y, envOpts{noStart: true})
	if code, _ := e.do("POST", "/open", "{}", "Authorization", ""); code != 401 {
		t.Errorf("no key: %d", code)
	}
	if code, _ := e.do("POST", "/open", "{}", "Authorization", "Bearer wrong"); code != 401 {
		t.Errorf("wrong key: %d", code)
	}
	if code, _ := e.do("POST", "/other", "{}"); code != 403 {
		t.Errorf("route for another client: %d", code)
	}
	if code, _ := e.do("GET", "/nowhere", ""); code != 404 {
		t.Errorf("no route: %d", code)
	}
	codes := []int{}
	for range 4 {
		c, _ := e.do("POST", "/open", "{}")
		codes = append(codes, c)
	}
	if codes[0] != 200 || codes[1] != 200 || codes[3] != 429 {
		t.Errorf("rate limit 1/s burst 2: %v", codes)
	}
	if hits.Load() != int64(countOf(codes, 200)) {
		t.Errorf("upstream saw %d requests, %d were allowed", hits.Load(), countOf(codes, 200))
	}
	if !strings.Contains(e.exposition(), `mlsec_gateway_rate_limited_total{client="app"}`) {
		t.Error("rate limiting not counted")
	}
}

func countOf(xs []int, v int) int {
	n := 0
	for _, x := range xs {
		if x == v {
			n++
		}
	}
	return n
}
