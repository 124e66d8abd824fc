// Command registry is the load generator of bench/registry.sh: it sends GET
// requests to one URL from a fixed number of keep-alive connections, for a
// fixed duration or request count, and prints requests/s and latency
// percentiles. Only 2xx responses count as successes; any other status or
// transport error is counted and makes the exit code 1.
//
// With -writes F, a fraction F of the requests are writes instead: each
// POSTs a new lineage edge to URL/lineage (URL being a version), one audit
// event and Merkle log entry each, and reads and writes are reported
// separately (the mixed load of docs/registry.md "Performance").
//
//	go run ./bench/registry -url http://127.0.0.1:8080/api/v1/models/m/versions/1 -token $T -c 32 -d 10s
//	go run ./bench/registry -url http://127.0.0.1:8080/api/v1/models/m/versions/1 -token $T -c 32 -d 10s -writes 0.25
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type result struct {
	Kind      string  `json:"kind,omitempty"`
	Requests  int64   `json:"requests"`
	Errors    int64   `json:"errors"`
	Seconds   float64 `json:"seconds"`
	RPS       float64 `json:"requests_per_second"`
	P50ms     float64 `json:"p50_ms"`
	P90ms     float64 `json:"p90_ms"`
	P99ms     float64 `json:"p99_ms"`
	Maxms     float64 `json:"max_ms"`
	Conns     int     `json:"connections"`
	FirstFail string  `json:"first_failure,omitempty"`
}

func main() {
	target := flag.String("url", "", "URL to GET")
	token := flag.String("token", os.Getenv("MLSEC_TOKEN"), "bearer token (default $MLSEC_TOKEN)")
	conns := flag.Int("c", 32, "concurrent connections")
	dur := flag.Duration("d", 10*time.Second, "duration (ignored with -n)")
	total := flag.Int64("n", 0, "total requests (0: run for -d)")
	warm := flag.Duration("warmup", time.Second, "unmeasured warm-up")
	asJSON := flag.Bool("json", false, "print JSON")
	writes := flag.Float64("writes", 0, "fraction of requests that are writes (POST URL/lineage), 0..1")
	flag.Parse()
	if *target == "" || *conns < 1 || *writes < 0 || *writes > 1 {
		flag.Usage()
		os.Exit(2)
	}
	tr := &http.Transport{MaxIdleConns: *conns, MaxIdleConnsPerHost: *conns, MaxConnsPerHost: *conns, DisableCompression: true}
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	var seq atomic.Int64
	send := func(ctx context.Context, write bool) (int, error) {
		method, u, body := http.MethodGet, *target, io.Reader(nil)
		if write {
			method, u = http.MethodPost, *target+"/lineage"
			body = strings.NewReader(fmt.Sprintf(`{"kind":"produced_by","target":"https://bench.example/run/%d-%d"}`, os.Getpid(), seq.Add(1)))
		}
		req, err := http.NewRequestWithContext(ctx, method, u, body)
		if err != nil {
			return 0, err
		}
		if *token != "" {
			req.Header.Set("Authorization", "Bearer "+*token)
		}
		res, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		_, err = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode, err
	}
	get := func(ctx context.Context) (int, error) { return send(ctx, false) }
	if code, err := get(context.Background()); err != nil || code != http.StatusOK {
		fmt.Fprintf(os.Stderr, "first request: status %d, %v\n", code, err)
		os.Exit(1)
	}
	every := 0 // every n-th request of a connection is a write
	if *writes > 0 {
		every = max(1, int(1 / *writes + 0.5))
	}
	run(send, *conns, *warm, 0, every) // warm-up: connections, caches
	rs := run(send, *conns, *dur, *total, every)
	for _, r := range rs {
		if *asJSON {
			json.NewEncoder(os.Stdout).Encode(r)
		} else {
			fmt.Printf("%s: %d requests in %.2fs over %d connections: %.0f req/s, p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms, %d errors\n",
				r.Kind, r.Requests, r.Seconds, r.Conns, r.RPS, r.P50ms, r.P90ms, r.P99ms, r.Maxms, r.Errors)
		}
	}
	for _, r := range rs {
		if r.Errors > 0 {
			fmt.Fprintf(os.Stderr, "%s: first failure: %s\n", r.Kind, r.FirstFail)
			os.Exit(1)
		}
	}
}

// run sends requests from conns goroutines until d has passed or total
// requests were sent, recording each latency; with every > 0 the every-th
// request of each connection is a write. It returns the reads' result, and
// the writes' and all requests' when there are writes.
func run(send func(context.Context, bool) (int, error), conns int, d time.Duration, total int64, every int) []result {
	var sent atomic.Int64
	type stat struct {
		lat       []time.Duration
		errs      int64
		firstFail string
	}
	stats := make([][2]stat, conns) // [reads, writes] per connection
	ctx := context.Background()
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for i := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 1; ; n++ {
				if total > 0 {
					if sent.Add(1) > total {
						break
					}
				} else if time.Now().After(deadline) {
					break
				}
				write := every > 0 && (n+i)%every == 0
				k := 0
				if write {
					k = 1
				}
				t0 := time.Now()
				code, err := send(ctx, write)
				st := &stats[i][k]
				st.lat = append(st.lat, time.Since(t0))
				if err != nil || code < 200 || code > 299 {
					st.errs++
					if st.firstFail == "" {
						st.firstFail = fmt.Sprintf("status %d, %v", code, err)
					}
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	summarize := func(kind string, ks ...int) result {
		var all []time.Duration
		r := result{Kind: kind, Seconds: elapsed.Seconds(), Conns: conns}
		for _, s := range stats {
			for _, k := range ks {
				all = append(all, s[k].lat...)
				r.Errors += s[k].errs
				if r.FirstFail == "" {
					r.FirstFail = s[k].firstFail
				}
			}
		}
		slices.Sort(all)
		pct := func(p float64) float64 {
			if len(all) == 0 {
				return 0
			}
			return float64(all[min(len(all)-1, int(p*float64(len(all))))].Microseconds()) / 1000
		}
		r.Requests, r.RPS = int64(len(all)), float64(len(all))/elapsed.Seconds()
		r.P50ms, r.P90ms, r.P99ms, r.Maxms = pct(0.50), pct(0.90), pct(0.99), pct(1)
		return r
	}
	if every == 0 {
		return []result{summarize("reads", 0)}
	}
	return []result{summarize("reads", 0), summarize("writes", 1), summarize("all", 0, 1)}
}
