package gateway_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/internal/cputime"
	"github.com/mlsec/mlsec/internal/llmstub"
)

// benchBody is a 1 KB KServe request with personal data in its parameters.
var benchBody = func() string {
	s := `{"inputs": [{"name": "x", "shape": [4, 4], "datatype": "FP64", "data": [5.1, 3.5, 1.4, 0.2, 6.7, 3.0, 5.2, 2.3, 5.9, 3.0, 4.2, 1.5, 6.3, 2.8, 5.1, 1.5]}], ` +
		`"parameters": {"customer": "Maria Schmidt", "email": "maria.schmidt@example.com", "phone": "+44 20 7946 0958", "card": "4111 1111 1111 1111", "note": "` +
		strings.Repeat("Please call me back about my order, I was charged twice last week. ", 8) + `"}}`
	return s[:len(s)-1] + `, "pad": "` + strings.Repeat("x", max(0, 1024-len(s)-11)) + `"}`
}()

// BenchmarkGateway measures one request through the gateway handler
// (redaction, SQLite group commit) to a loopback upstream: the CPU cost per
// request behind bench/gateway.sh's figures. On a shared machine ns/op
// measures the run queue; cpu-ns/op is the process's CPU time (user and
// system, the loopback upstream and the client included) per request.
func BenchmarkGateway(b *testing.B) {
	up := benchUpstream(b)
	e := newBenchEnv(b, withUpstream(baseConfig, up.URL))
	benchHandler(b, e.g.Handler())
}

// BenchmarkPlainProxy is the baseline: httputil.ReverseProxy alone, same
// upstream, same body. BenchmarkGateway's cpu-ns/op minus this one's is
// what the gateway adds (authentication, redaction, logging, metrics).
func BenchmarkPlainProxy(b *testing.B) {
	up := benchUpstream(b)
	u, _ := url.Parse(up.URL)
	p := httputil.NewSingleHostReverseProxy(u)
	// The gateway's upstream transport (gateway.go): with the default two
	// idle connections per host, 8 requests in flight kept opening new
	// connections and the baseline paid for dials the gateway does not.
	p.Transport = &http.Transport{MaxIdleConnsPerHost: 256, DisableCompression: true}
	benchHandler(b, p)
}

func benchUpstream(b *testing.B) *httptest.Server {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"model_name":"iris","outputs":[{"name":"predict","shape":[4],"datatype":"INT64","data":[0,1,2,1]}]}`)
	}))
	b.Cleanup(up.Close)
	return up
}

func benchHandler(b *testing.B, h http.Handler) {
	benchPost(b, h, "/v2/models/iris/infer", benchBody)
}

// BenchmarkChat measures one chat request to the LLM stub (a fake model,
// internal/llmstub) through the gateway without and with the guard:
// guarded minus plain cpu-ns/op is the guard's CPU cost per request
// (request scanners, canary, answer scanners), which a shared machine's
// run queue does not inflate as it does wall-clock latency.
func BenchmarkChat(b *testing.B) {
	up := httptest.NewServer(llmstub.New(llmstub.Config{}))
	b.Cleanup(up.Close)
	y, err := os.ReadFile("testdata/guard-bench.yaml") // bench/guard-gateway.sh's routes
	if err != nil {
		b.Fatal(err)
	}
	body, err := os.ReadFile("testdata/guard-bench-body.json")
	if err != nil {
		b.Fatal(err)
	}
	e := newBenchEnv(b, strings.ReplaceAll(withUpstream(string(y), up.URL), "{{listen}}", "127.0.0.1:0"))
	for _, r := range []string{"plain", "guarded"} {
		b.Run(r, func(b *testing.B) { benchPost(b, e.g.Handler(), "/"+r+"/v1/chat/completions", string(body)) })
	}
}

func benchPost(b *testing.B, h http.Handler, path, body string) {
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	b.SetParallelism(8) // requests in flight, as under load
	cpu0 := cputime.Process()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest("POST", path, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+testKey)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != 200 {
				b.Fatalf("status %d %s", rec.Code, rec.Body)
			}
		}
	})
	b.ReportMetric(float64(cputime.Process()-cpu0)/float64(b.N), "cpu-ns/op")
}
