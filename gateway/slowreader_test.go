package gateway_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// endlessStream is an upstream that streams SSE chunks of 4 KiB until its
// request ends, counting the bytes it got to write.
type endlessStream struct {
	written atomic.Int64
	done    atomic.Bool
}

func (s *endlessStream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer s.done.Store(true)
	w.Header().Set("Content-Type", "text/event-stream")
	chunk := []byte(`data: {"choices":[{"index":0,"delta":{"content":"` + strings.Repeat("a", 4000) + `"}}]}` + "\n\n")
	rc := http.NewResponseController(w)
	for r.Context().Err() == nil {
		n, err := w.Write(chunk)
		s.written.Add(int64(n))
		if err != nil || rc.Flush() != nil {
			return
		}
	}
}

// TestStreamClientThatNeverReads: a client opens a streamed chat answer
// and never reads it. The gateway holds no more than the socket buffers
// (the upstream is held back, not drained into memory), and the exchange
// ends at limits.timeout: the upstream request is cancelled and the
// exchange is logged, with and without the guard on the route.
func TestStreamClientThatNeverReads(t *testing.T) {
	for _, guarded := range []bool{false, true} {
		t.Run(fmt.Sprintf("guard=%v", guarded), func(t *testing.T) {
			up := &endlessStream{}
			srv := httptest.NewServer(up)
			defer srv.Close()
			y := strings.Replace(guardConfig, "log:\n", "limits:\n  timeout: 2s\nlog:\n", 1)
			if !guarded {
				y = y[:strings.Index(y, "    guard:\n")]
			}
			e := newEnv(t, withUpstream(y, srv.URL), envOpts{noStart: true})
			conn, err := net.Dial("tcp", strings.TrimPrefix(e.srv.URL, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			body := `{"model":"chat","stream":true,"messages":[{"role":"user","content":"Tell me a long story."}]}`
			fmt.Fprintf(conn, "POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
				testKey, len(body), body)
			// The client reads nothing from here on.
			start := time.Now()
			eventually(t, "the upstream request to end", up.done.Load)
			took := time.Since(start)
			if took < 2*time.Second || took > 15*time.Second {
				t.Errorf("the upstream request ended after %v, want about limits.timeout (2s)", took)
			}
			if n := up.written.Load(); n > 64<<20 {
				t.Errorf("the upstream wrote %d MiB to a client that reads nothing: the gateway buffers without bound", n>>20)
			} else {
				t.Logf("upstream wrote %d KiB before it was held back", n>>10)
			}
			eventually(t, "the exchange logged", func() bool { return len(e.records("chat")) == 1 })
		})
	}
}

// TestKeepAliveOutlivesWriteDeadline: a kept-alive connection idle past
// one request's write deadline still serves the next request (each sets
// its own), refusals included.
func TestKeepAliveOutlivesWriteDeadline(t *testing.T) {
	stub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}]}`)
	}))
	defer stub.Close()
	y := strings.Replace(guardConfig, "log:\n", "limits:\n  timeout: 1s\nlog:\n", 1)
	e := newEnv(t, withUpstream(y[:strings.Index(y, "    guard:\n")], stub.URL), envOpts{noStart: true})
	var conns atomic.Int32
	cl := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 1, DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		conns.Add(1)
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}}
	send := func(key string) int {
		t.Helper()
		req, _ := http.NewRequest("POST", e.srv.URL+"/v1/chat/completions", strings.NewReader(`{"model":"chat","messages":[{"role":"user","content":"hi"}]}`))
		req.Header.Set("Authorization", "Bearer "+key)
		res, err := cl.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode
	}
	if code := send(testKey); code != 200 {
		t.Fatalf("first: %d", code)
	}
	time.Sleep(2500 * time.Millisecond) // past the first request's deadline (1s + 1s grace)
	if code := send("mlsgw_unknown"); code != 401 {
		t.Fatalf("refusal on the kept-alive connection: %d", code)
	}
	if code := send(testKey); code != 200 {
		t.Fatalf("second: %d", code)
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("connections = %d, want 1 (kept alive)", n)
	}
}
