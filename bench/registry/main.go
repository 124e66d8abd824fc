// Command registry is the load generator of bench/registry.sh: it sends GET
// requests to one URL from a fixed number of keep-alive connections, for a
// fixed duration or request count, and prints requests/s and latency
// percentiles. Only 200 responses count as successes; any other status or
// transport error is counted and makes the exit code 1.
//
//	go run ./bench/registry -url http://127.0.0.1:8080/api/v1/models/m/versions/1 -token $T -c 32 -d 10s
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
	"sync"
	"sync/atomic"
	"time"
)

type result struct {
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
	flag.Parse()
	if *target == "" || *conns < 1 {
		flag.Usage()
		os.Exit(2)
	}
	tr := &http.Transport{MaxIdleConns: *conns, MaxIdleConnsPerHost: *conns, MaxConnsPerHost: *conns, DisableCompression: true}
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	get := func(ctx context.Context) (int, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, *target, nil)
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
	if code, err := get(context.Background()); err != nil || code != http.StatusOK {
		fmt.Fprintf(os.Stderr, "first request: status %d, %v\n", code, err)
		os.Exit(1)
	}
	run(get, *conns, *warm, 0) // warm-up: connections, caches
	r := run(get, *conns, *dur, *total)
	if *asJSON {
		json.NewEncoder(os.Stdout).Encode(r)
	} else {
		fmt.Printf("%d requests in %.2fs over %d connections: %.0f req/s, p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms, %d errors\n",
			r.Requests, r.Seconds, r.Conns, r.RPS, r.P50ms, r.P90ms, r.P99ms, r.Maxms, r.Errors)
	}
	if r.Errors > 0 {
		fmt.Fprintf(os.Stderr, "first failure: %s\n", r.FirstFail)
		os.Exit(1)
	}
}

// run sends requests from conns goroutines until d has passed or total
// requests were sent, recording each latency.
func run(get func(context.Context) (int, error), conns int, d time.Duration, total int64) result {
	var sent, errs atomic.Int64
	var failOnce sync.Once
	var firstFail string
	lat := make([][]time.Duration, conns)
	ctx := context.Background()
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for i := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			own := make([]time.Duration, 0, 1<<16)
			for {
				if total > 0 {
					if sent.Add(1) > total {
						break
					}
				} else if time.Now().After(deadline) {
					break
				}
				t0 := time.Now()
				code, err := get(ctx)
				own = append(own, time.Since(t0))
				if err != nil || code != http.StatusOK {
					errs.Add(1)
					failOnce.Do(func() { firstFail = fmt.Sprintf("status %d, %v", code, err) })
				}
			}
			lat[i] = own
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	pct := func(p float64) float64 {
		if len(all) == 0 {
			return 0
		}
		return float64(all[min(len(all)-1, int(p*float64(len(all))))].Microseconds()) / 1000
	}
	return result{
		Requests: int64(len(all)), Errors: errs.Load(), Seconds: elapsed.Seconds(),
		RPS: float64(len(all)) / elapsed.Seconds(), P50ms: pct(0.50), P90ms: pct(0.90), P99ms: pct(0.99), Maxms: pct(1),
		Conns: conns, FirstFail: firstFail,
	}
}
