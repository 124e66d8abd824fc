package gateway_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mlsec/mlsec/gateway"
)

// sanctionConfig is a kserve route whose quota detectors flag a client
// after a few requests; tests swap the actions in.
const sanctionConfig = `
log:
  database: {{dsn}}
clients:
  - name: attacker
    key_sha256: {{key_sha}}
  - name: benign
    key_sha256: {{other_sha}}
routes:
  - name: clf
    protocol: kserve
    path: /v2/models/clf
    upstream: {{upstream}}/v2/models/clf
    model: iris
    version: "1"
    retention: 30d
    extraction:
      action: ACTION
      rate: {max_total: 5}
      throttle: {rate: 0.5, burst: 1}
      expire: 10m
`

func sanctionEnv(t *testing.T, action string, o envOpts) (*env, *clock) {
	t.Helper()
	up := linearModel(t)
	y := strings.NewReplacer("ACTION", action, "{{other_sha}}", gateway.HashKey(otherKey)).Replace(withUpstream(sanctionConfig, up.URL))
	c := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	o.clock, o.noStart = c.now, true
	return newEnv(t, y, o), c
}

// req sends one inference as the attacker (key "") or another client and
// returns status, Retry-After and body.
func (e *env) infer(key string) (int, string, string) {
	e.t.Helper()
	if key == "" {
		key = testKey
	}
	req, _ := http.NewRequest("POST", e.srv.URL+"/v2/models/clf/infer", strings.NewReader(infer([]float64{0.1, 0.2, 0.3, 0.4})))
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header.Get("Retry-After"), string(b)
}

// TestExtractionThrottle: a client flagged by a throttle detector gets
// one request per 1/rate seconds (its bucket starts empty); the rest are
// 429 extraction_throttled with a Retry-After that says when a token is
// due. Other clients are not slowed. The flag stays while the detector
// keeps firing and lifts expire after it last fired.
func TestExtractionThrottle(t *testing.T) {
	e, c := sanctionEnv(t, "throttle", envOpts{})
	for i := range 6 { // the sixth is over max_total 5: flagged after its answer
		if code, _, body := e.infer(""); code != 200 {
			t.Fatalf("request %d: %d %s", i, code, body)
		}
	}
	code, after, body := e.infer("")
	if code != 429 || after != "2" || !strings.Contains(body, `"code":"extraction_throttled"`) || !strings.Contains(body, "volume") {
		t.Fatalf("throttled request: %d Retry-After %q %s", code, after, body)
	}
	if code, _, _ := e.infer(otherKey); code != 200 {
		t.Fatalf("benign client: %d", code)
	}
	c.add(time.Second)
	if code, after, _ := e.infer(""); code != 429 || after != "1" {
		t.Fatalf("after 1 s: %d Retry-After %q, want 429 and 1", code, after)
	}
	c.add(time.Second)
	if code, _, body := e.infer(""); code != 200 {
		t.Fatalf("after 2 s: %d %s, want one token", code, body)
	}
	if code, _, _ := e.infer(""); code != 429 {
		t.Fatalf("second request on one token: %d", code)
	}
	// A token is due again after 2 s; the request it lets through is seen
	// by the detectors, which still fire, so the flag is refreshed.
	c.add(10*time.Minute - time.Second)
	if code, _, _ := e.infer(""); code != 200 {
		t.Fatalf("a token later: %d", code)
	}
	if m := e.exposition(); !strings.Contains(m, `mlsec_gateway_extraction_flags_total{action="flag",detector="volume",route="clf"} 1`) {
		t.Fatalf("flagged again before expiry:\n%s", grepLines(m, "extraction"))
	}
	if code, _, _ := e.infer(""); code != 429 {
		t.Fatalf("still flagged: %d, want 429", code)
	}
	// Ten minutes after it last fired the flag lifts: the next request is
	// served by an unflagged client, flags it again (volume never clears)
	// with a new, empty bucket.
	c.add(10 * time.Minute)
	if code, _, _ := e.infer(""); code != 200 {
		t.Fatalf("after expiry: %d", code)
	}
	if code, _, _ := e.infer(""); code != 429 {
		t.Fatalf("re-flagged client: %d, want throttled", code)
	}
	m := e.exposition()
	for _, want := range []string{
		`mlsec_gateway_extraction_flags_total{action="flag",detector="volume",route="clf"} 2`,
		`mlsec_gateway_extraction_flags_total{action="throttle",detector="volume",route="clf"} 5`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s:\n%s", want, grepLines(m, "extraction"))
		}
	}
}

// TestExtractionBlockExpires: a blocked client is refused 403 until its
// flag expires; then the detectors have forgotten it and it starts over.
func TestExtractionBlockExpires(t *testing.T) {
	e, c := sanctionEnv(t, "block", envOpts{})
	for i := range 6 {
		if code, _, body := e.infer(""); code != 200 {
			t.Fatalf("request %d: %d %s", i, code, body)
		}
	}
	for range 2 {
		code, after, body := e.infer("")
		if code != 403 || after != "" || !strings.Contains(body, `"code":"extraction_suspected"`) || !strings.Contains(body, "volume") {
			t.Fatalf("blocked request: %d %q %s", code, after, body)
		}
	}
	c.add(10 * time.Minute)
	for i := range 6 { // a fresh history: five within the quota, the sixth flags again
		if code, _, body := e.infer(""); code != 200 {
			t.Fatalf("after expiry, request %d: %d %s", i, code, body)
		}
	}
	if code, _, _ := e.infer(""); code != 403 {
		t.Fatalf("re-flagged: %d, want 403", code)
	}
	if m := e.exposition(); !strings.Contains(m, `mlsec_gateway_extraction_flags_total{action="block",detector="volume",route="clf"} 3`) {
		t.Errorf("metrics:\n%s", grepLines(m, "extraction"))
	}
}

// TestExtractionActionPerDetector: each detector has its action and the
// strongest in force wins: the rate detector only alerts, volume blocks.
func TestExtractionActionPerDetector(t *testing.T) {
	up := linearModel(t)
	y := strings.NewReplacer("action: ACTION", "action: alert\n      actions: {volume: block}",
		"rate: {max_total: 5}", "rate: {window: 1h, max_per_window: 2, max_total: 5}",
		"{{other_sha}}", gateway.HashKey(otherKey)).Replace(withUpstream(sanctionConfig, up.URL))
	e := newEnv(t, y, envOpts{noStart: true})
	for i := range 6 { // rate flags after the third (alert: served), volume after the sixth
		if code, _, body := e.infer(""); code != 200 {
			t.Fatalf("request %d: %d %s", i, code, body)
		}
	}
	if code, _, body := e.infer(""); code != 403 || !strings.Contains(body, "volume") {
		t.Fatalf("after volume flagged: %d %s", code, body)
	}
	log := grepLines(e.logs.String(), "extraction suspected")
	if !strings.Contains(log, `"detector":"rate"`) || !strings.Contains(log, `"action":"alert"`) ||
		!strings.Contains(log, `"detector":"volume"`) || !strings.Contains(log, `"action":"block"`) {
		t.Errorf("log:\n%s", log)
	}
}

// TestClientsEndpointAuth: GET /_mlsec/clients is the registry's to
// authorize, like /_mlsec/logs: no token or an unknown one is 401; a
// reviewer, an auditor scoped to another model, or an unknown route= is
// 403; an auditor of the route's model and an admin see who is flagged,
// by which detector, why, since when, and the action in force.
func TestClientsEndpointAuth(t *testing.T) {
	reg := newRegistry(t)
	e, c := sanctionEnv(t, "throttle", envOpts{authz: reg.client(t, "gateway")})
	for range 6 {
		e.infer("")
	}
	e.infer(otherKey)
	flaggedAt := c.now()
	c.add(time.Minute)
	get := func(tok, query string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", e.srv.URL+"/_mlsec/clients"+query, nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	for name, tc := range map[string]struct {
		tok, query string
		want       int
	}{
		"no token":           {"", "", 401},
		"unknown token":      {"mlsec_" + strings.Repeat("0", 64), "", 401},
		"client api key":     {testKey, "", 401},
		"reviewer":           {reg.tokens["reviewer"], "", 403},
		"other model":        {reg.tokens["auditor-churn"], "", 403},
		"unknown route":      {reg.tokens["auditor-iris"], "?route=nope", 403},
		"auditor of iris":    {reg.tokens["auditor-iris"], "", 200},
		"auditor, its route": {reg.tokens["auditor-iris"], "?route=clf", 200},
		"admin":              {reg.tokens["admin"], "", 200},
	} {
		code, body := get(tc.tok, tc.query)
		if code != tc.want {
			t.Errorf("%s: %d %s, want %d", name, code, body, tc.want)
			continue
		}
		if code != 200 {
			if strings.Contains(body, "attacker") {
				t.Errorf("%s: refusal discloses the client: %s", name, body)
			}
			continue
		}
		var page gateway.ClientsPage
		if err := json.Unmarshal([]byte(body), &page); err != nil || len(page.Items) != 1 {
			t.Fatalf("%s: %s (%v), want only the attacker", name, body, err)
		}
		fc := page.Items[0]
		if fc.Client != "attacker" || fc.Route != "clf" || fc.Model != "iris" || fc.Action != gateway.ExtractionThrottle ||
			!fc.Since.Equal(flaggedAt) || !fc.Expires.Equal(flaggedAt.Add(10*time.Minute)) ||
			fc.Throttle == nil || fc.Throttle.Rate != 0.5 || len(fc.Detectors) != 1 {
			t.Fatalf("%s: %+v", name, fc)
		}
		d := fc.Detectors[0]
		if d.Detector != "volume" || d.Value != 6 || d.Threshold != 5 || d.Action != gateway.ExtractionThrottle ||
			!strings.Contains(d.Reason, "over the total quota of 5") {
			t.Fatalf("%s: detector %+v", name, d)
		}
	}
}
