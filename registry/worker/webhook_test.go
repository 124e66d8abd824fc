package worker

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/mlsec/mlsec/registry"
)

// receiver is a real HTTP endpoint on loopback that fails its first
// failFirst requests (forever when failFirst < 0) and records the rest.
type receiver struct {
	mu        sync.Mutex
	failFirst int
	calls     int
	bodies    [][]byte
	headers   []http.Header
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if r.failFirst < 0 || r.calls <= r.failFirst {
		http.Error(w, "try later", http.StatusServiceUnavailable)
		return
	}
	r.bodies = append(r.bodies, b)
	r.headers = append(r.headers, req.Header.Clone())
	w.WriteHeader(http.StatusNoContent)
}

func (r *receiver) count() int { r.mu.Lock(); defer r.mu.Unlock(); return r.calls }

// hookEnv pushes a model, names its approve owner and registers a webhook
// on stage changes to rcv; it returns the webhook.
func hookEnv(t *testing.T, e *env, rcv *receiver, secret string) (registry.Webhook, registry.Actor) {
	t.Helper()
	srv := httptest.NewServer(rcv)
	t.Cleanup(srv.Close)
	e.push(t, "m", map[string]string{"w.bin": "weights"})
	admin := registry.Actor{Name: "root", Role: registry.RoleAdmin}
	if _, err := e.svc.SetGovernance(t.Context(), admin, "m", registry.GovernancePatch{
		Owners: map[registry.Responsibility][]string{registry.RespApprove: {"alice"}}}); err != nil {
		t.Fatal(err)
	}
	w, err := e.svc.CreateWebhook(t.Context(), admin, registry.NewWebhook{URL: srv.URL + "/hook", Events: []string{registry.EventStageChanged}, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	drain(t, e, e.pool(1), "w0") // the analyze job
	v, _, err := e.svc.GetVersion(t.Context(), admin, "m", 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SetVersionStage(t.Context(), admin, "m", 1, v.Revision, registry.StageStaging); err != nil {
		t.Fatal(err)
	}
	return w, admin
}

// drain runs every runnable job, advancing the clock past each backoff.
func drain(t *testing.T, e *env, p *Pool, worker string) {
	t.Helper()
	for range 50 {
		ran, err := p.RunOne(t.Context(), worker)
		if err != nil {
			t.Fatal(err)
		}
		if !ran {
			e.clock.Add(int64(2 * time.Second)) // past the 1 s test backoff
			if ran, err = p.RunOne(t.Context(), worker); err != nil {
				t.Fatal(err)
			} else if !ran {
				return
			}
		}
	}
	t.Fatal("jobs never drained")
}

func deliveries(t *testing.T, e *env, id int64) []registry.WebhookDelivery {
	t.Helper()
	ds, _, err := e.svc.ListWebhookDeliveries(t.Context(), registry.Actor{Name: "root", Role: registry.RoleAdmin}, id, registry.Page{})
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func TestWebhookSignedRetriedDelivered(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *env) {
		rcv := &receiver{failFirst: 2}
		const secret = "a-receiver-shared-secret"
		w, _ := hookEnv(t, e, rcv, secret)
		drain(t, e, e.pool(1), "w1")
		if rcv.count() != 3 || len(rcv.bodies) != 1 {
			t.Fatalf("receiver got %d requests, %d accepted; want 3 and 1", rcv.count(), len(rcv.bodies))
		}
		body, h := rcv.bodies[0], rcv.headers[0]
		m := hmac.New(sha256.New, []byte(secret))
		m.Write(body)
		if want := "sha256=" + hex.EncodeToString(m.Sum(nil)); h.Get("X-Mlsec-Signature") != want {
			t.Fatalf("signature %q, want %q", h.Get("X-Mlsec-Signature"), want)
		}
		if VerifySignature("another-secret-entirely", body, h.Get("X-Mlsec-Signature")) {
			t.Fatal("signature verified under the wrong secret")
		}
		var got map[string]any
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatal(err)
		}
		ds := deliveries(t, e, w.ID)
		if len(ds) != 1 {
			t.Fatalf("deliveries: %+v", ds)
		}
		d := ds[0]
		if d.Status != registry.DeliveryDelivered || d.Attempts != 3 || d.ResponseCode != 204 || d.Error != "" {
			t.Fatalf("delivery: %+v", d)
		}
		if h.Get("X-Mlsec-Event") != registry.EventStageChanged || h.Get("X-Mlsec-Delivery") != got["id"] ||
			got["event"] != registry.EventStageChanged || got["model"] != "m" || got["version"] != 1.0 ||
			got["stage"] != "staging" || got["actor"] != "root" || got["time"] == "" {
			t.Fatalf("headers %v body %s", h, body)
		}
	})
}

func TestWebhookPermanentFailure(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *env) {
		rcv := &receiver{failFirst: -1}
		w, _ := hookEnv(t, e, rcv, "")
		drain(t, e, e.pool(1), "w1")
		ds := deliveries(t, e, w.ID)
		if rcv.count() != registry.WebhookMaxAttempts || len(ds) != 1 {
			t.Fatalf("%d attempts, deliveries %+v", rcv.count(), ds)
		}
		if d := ds[0]; d.Status != registry.DeliveryFailed || d.Attempts != registry.WebhookMaxAttempts || d.ResponseCode != 503 || d.Error == "" {
			t.Fatalf("delivery: %+v", d)
		}
	})
}

func TestWebhookResumesAfterRestart(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *env) {
		rcv := &receiver{}
		w, _ := hookEnv(t, e, rcv, "")
		// A worker claims the delivery and dies before sending it.
		if _, ok, err := e.pool(1).Claim(t.Context(), "dead"); err != nil || !ok {
			t.Fatalf("claim: %v %v", ok, err)
		}
		if d := deliveries(t, e, w.ID); len(d) != 1 || d[0].Status != registry.DeliveryPending {
			t.Fatalf("before restart: %+v", d)
		}
		// The server restarts: a new service and worker over the same
		// database take the delivery over once the lease expires.
		e.svc = registry.NewService(e.svc.Store(), registry.WithSecretKey(testSecretKey))
		e.clock.Add(int64(2 * time.Minute))
		drain(t, e, e.pool(1), "restarted")
		d := deliveries(t, e, w.ID)
		if rcv.count() != 1 || len(d) != 1 || d[0].Status != registry.DeliveryDelivered || d[0].Attempts != 2 {
			t.Fatalf("after restart: %d calls, %+v", rcv.count(), d)
		}
	})
}
