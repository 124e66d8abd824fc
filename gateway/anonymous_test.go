package gateway_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mlsec/mlsec/gateway"
)

// TestAnonymousCallersAreWatchedPerAddress: without API keys the extraction
// detectors still work per caller, keyed by a pseudonym of the caller's
// address. A prober from one address is blocked; a caller from another
// address, and one from the prober's IPv6 /64 neighbour network, are not;
// another port of the prober's address is the prober; and the address itself
// appears nowhere (log, metrics, the clients page).
func TestAnonymousCallersAreWatchedPerAddress(t *testing.T) {
	up := linearModel(t)
	y := strings.NewReplacer("ACTION", "block", "{{other_sha}}", gateway.HashKey(otherKey)).Replace(withUpstream(sanctionConfig, up.URL))
	y = "allow_anonymous: true\n" + y
	c := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	e := newEnv(t, y, envOpts{noStart: true, clock: c.now})
	h := e.g.Handler()
	call := func(addr string) (int, string) {
		t.Helper()
		req := httptest.NewRequest("POST", "/v2/models/clf/infer", strings.NewReader(infer([]float64{0.1, 0.2, 0.3, 0.4})))
		req.RemoteAddr = addr
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		b, _ := io.ReadAll(rec.Result().Body)
		return rec.Code, string(b)
	}
	const prober, other = "203.0.113.7:40001", "198.51.100.9:40001"
	for i := range 6 { // the sixth is over max_total 5: flagged after its answer
		if code, body := call(prober); code != http.StatusOK {
			t.Fatalf("prober request %d: %d %s", i, code, body)
		}
	}
	if code, body := call("203.0.113.7:51515"); code != http.StatusForbidden || !strings.Contains(body, "extraction_suspected") {
		t.Fatalf("the prober from another port: %d %s, want 403", code, body)
	}
	for i := range 5 {
		if code, body := call(other); code != http.StatusOK {
			t.Fatalf("another anonymous caller, request %d: %d %s (blocked with the prober)", i, code, body)
		}
	}
	// IPv6: one /64 is one caller; the next /64 is another.
	for i := range 6 {
		addr := "[2001:db8:1:2::" + string(rune('a'+i)) + "]:443"
		if code, body := call(addr); code != http.StatusOK {
			t.Fatalf("v6 prober request %d: %d %s", i, code, body)
		}
	}
	if code, _ := call("[2001:db8:1:2::ffff]:9"); code != http.StatusForbidden {
		t.Fatalf("same /64, new address: %d, want 403", code)
	}
	if code, _ := call("[2001:db8:1:3::1]:9"); code != http.StatusOK {
		t.Fatalf("next /64: %d, want 200", code)
	}
	for _, where := range []string{e.logs.String(), e.exposition()} {
		for _, leak := range []string{"203.0.113.7", "198.51.100.9", "2001:db8"} {
			if strings.Contains(where, leak) {
				t.Fatalf("address %s written out:\n%s", leak, grepLines(where, leak))
			}
		}
	}
	if !strings.Contains(e.logs.String(), `"client":"anonymous/`) {
		t.Errorf("the flag is not logged under an anonymous pseudonym:\n%s", grepLines(e.logs.String(), "extraction"))
	}
}
