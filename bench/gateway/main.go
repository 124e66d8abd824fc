// Command gateway is the helper of bench/gateway.sh: a loopback upstream, a
// plain httputil.ReverseProxy to compare the gateway with, and a load
// generator.
//
//	gateway upstream -addr 127.0.0.1:9001
//	gateway stub -addr 127.0.0.1:9003     (the LLM stub, internal/llmstub)
//	gateway plain -addr 127.0.0.1:9002 -upstream http://127.0.0.1:9001
//	gateway load -url http://127.0.0.1:9002/v2/models/iris/infer -rate 2000 -d 20s -body body.json -key KEY
//
// load is open loop: request i is due at start + i/rate and its latency is
// measured from that due time, so a slow server cannot hide its queueing
// by slowing the generator down (coordinated omission). With -rate 0 it is
// closed loop over -c connections, to measure throughput.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mlsec/mlsec/internal/llmstub"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: gateway upstream|plain|stub|load [flags]")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "upstream":
		upstream(os.Args[2:])
	case "plain":
		plain(os.Args[2:])
	case "stub":
		stub(os.Args[2:])
	case "load":
		load(os.Args[2:])
	default:
		fmt.Fprintln(os.Stderr, "usage: gateway upstream|plain|stub|load [flags]")
		os.Exit(2)
	}
}

// upstream answers every POST with a KServe-shaped answer of about 200
// bytes after reading the body, like a small model server.
func upstream(args []string) {
	fs := flag.NewFlagSet("upstream", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:9001", "listen address")
	fs.Parse(args)
	answer := []byte(`{"model_name":"iris","model_version":"1","outputs":[{"name":"predict","shape":[4],"datatype":"INT64","data":[0,1,2,1]}]}`)
	http.ListenAndServe(*addr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Write(answer)
	}))
}

// stub serves the OpenAI-compatible LLM stub (a deterministic fake model,
// not an LLM) for bench/guard-gateway.sh.
func stub(args []string) {
	fs := flag.NewFlagSet("stub", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:9003", "listen address")
	fs.Parse(args)
	http.ListenAndServe(*addr, llmstub.New(llmstub.Config{}))
}

// plain is the baseline: the standard library's reverse proxy, nothing else.
func plain(args []string) {
	fs := flag.NewFlagSet("plain", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:9002", "listen address")
	up := fs.String("upstream", "http://127.0.0.1:9001", "upstream URL")
	fs.Parse(args)
	u, err := url.Parse(*up)
	if err != nil {
		panic(err)
	}
	p := httputil.NewSingleHostReverseProxy(u)
	p.Transport = &http.Transport{MaxIdleConnsPerHost: 256, DisableCompression: true}
	http.ListenAndServe(*addr, p)
}

type result struct {
	Target   string  `json:"target"`
	Mode     string  `json:"mode"`
	Rate     float64 `json:"rate_target"`
	Requests int64   `json:"requests"`
	Errors   int64   `json:"errors"`
	Seconds  float64 `json:"seconds"`
	RPS      float64 `json:"requests_per_second"`
	P50ms    float64 `json:"p50_ms"`
	P90ms    float64 `json:"p90_ms"`
	P99ms    float64 `json:"p99_ms"`
	P999ms   float64 `json:"p999_ms"`
	Maxms    float64 `json:"max_ms"`
}

func load(args []string) {
	fs := flag.NewFlagSet("load", flag.ExitOnError)
	target := fs.String("url", "", "URL to POST to")
	rate := fs.Float64("rate", 2000, "requests per second (0: closed loop over -c connections)")
	conns := fs.Int("c", 64, "connections (closed loop) or the cap on requests in flight (open loop)")
	dur := fs.Duration("d", 20*time.Second, "measured duration")
	warm := fs.Duration("warmup", 3*time.Second, "unmeasured warm-up at the same rate")
	bodyFile := fs.String("body", "", "request body file")
	key := fs.String("key", "", "API key (Authorization: Bearer)")
	name := fs.String("name", "", "label for the result")
	raw := fs.String("raw", "", "append every measured latency (microseconds, one a line) to this file, to pool several runs")
	fs.Parse(args)
	// The generator shares the cores with what it measures; at the default
	// GOGC its own collections (one goroutine and a few KB per request)
	// ran several times a second and delayed every target's timings.
	debug.SetGCPercent(400)
	body, err := os.ReadFile(*bodyFile)
	if err != nil || *target == "" {
		fmt.Fprintln(os.Stderr, "load: -url and -body are required")
		os.Exit(2)
	}
	tr := &http.Transport{MaxIdleConns: *conns, MaxIdleConnsPerHost: *conns, MaxConnsPerHost: *conns, DisableCompression: true}
	cl := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	send := func() bool {
		req, _ := http.NewRequest("POST", *target, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if *key != "" {
			req.Header.Set("Authorization", "Bearer "+*key)
		}
		res, err := cl.Do(req)
		if err != nil {
			return false
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode == 200
	}
	var errs atomic.Int64
	var mu sync.Mutex
	var lats []time.Duration
	record := func(d time.Duration, ok bool, measured bool) {
		if !measured {
			return
		}
		if !ok {
			errs.Add(1)
		}
		mu.Lock()
		lats = append(lats, d)
		mu.Unlock()
	}
	start := time.Now()
	measureFrom := start.Add(*warm)
	end := measureFrom.Add(*dur)
	var wg sync.WaitGroup
	mode := "open"
	if *rate > 0 {
		sem := make(chan struct{}, *conns*8)
		for i := 0; ; i++ {
			due := start.Add(time.Duration(float64(i) / *rate * float64(time.Second)))
			if due.After(end) {
				break
			}
			if d := time.Until(due); d > 0 {
				time.Sleep(d)
			}
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok := send()
				record(time.Since(due), ok, !due.Before(measureFrom))
				<-sem
			}()
		}
	} else {
		mode = "closed"
		for range *conns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					t0 := time.Now()
					if t0.After(end) {
						return
					}
					ok := send()
					record(time.Since(t0), ok, !t0.Before(measureFrom))
				}
			}()
		}
	}
	wg.Wait()
	secs := dur.Seconds()
	slices.Sort(lats)
	pct := func(p float64) float64 {
		if len(lats) == 0 {
			return 0
		}
		i := int(p * float64(len(lats)-1))
		return float64(lats[i].Microseconds()) / 1000
	}
	r := result{Target: *name, Mode: mode, Rate: *rate, Requests: int64(len(lats)), Errors: errs.Load(), Seconds: secs,
		RPS: float64(len(lats)) / secs, P50ms: pct(0.5), P90ms: pct(0.9), P99ms: pct(0.99), P999ms: pct(0.999), Maxms: pct(1)}
	json.NewEncoder(os.Stdout).Encode(r)
	if *raw != "" {
		f, err := os.OpenFile(*raw, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
		if err != nil {
			fmt.Fprintln(os.Stderr, "load:", err)
			os.Exit(2)
		}
		w := bufio.NewWriter(f)
		for _, d := range lats {
			fmt.Fprintln(w, d.Microseconds())
		}
		if err := errors.Join(w.Flush(), f.Close()); err != nil {
			fmt.Fprintln(os.Stderr, "load:", err)
			os.Exit(2)
		}
	}
	if r.Errors > 0 {
		os.Exit(1)
	}
}
