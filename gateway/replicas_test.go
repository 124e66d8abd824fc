package gateway_test

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/mlsec/mlsec/internal/pgtest"
)

// TestReplicasShareStoreAndMergeWindows runs two gateways on one
// PostgreSQL database, as two replicas behind a load balancer: each logs
// into the shared store, each flushes its share of the window, and the job
// queue's leader closes one window holding both replicas' rows. Both
// replicas then show the window's gauges. The windows are closed by the
// periodic River job, not by hand.
func TestReplicasShareStoreAndMergeWindows(t *testing.T) {
	base := pgtest.URL(t)
	if base == "" {
		t.Skip("needs PostgreSQL (MLSEC_TEST_POSTGRES_URL)")
	}
	dsn := pgtest.Fresh(t, base)
	up := irisUpstream(t)
	defer up.Close()
	dir := t.TempDir()
	prof := irisProfile(t, dir, 2000)
	y := withUpstream(baseConfig, up.URL) + `    window: {requests: 200, interval: 1000h}
    drift:
      reference: ` + prof + `
      prediction: species
`
	a := newEnv(t, "replica: replica-a\n"+y, envOpts{dsn: dsn, tick: 200 * time.Millisecond})
	b := newEnv(t, "replica: replica-b\n"+y, envOpts{dsn: dsn, tick: 200 * time.Millisecond})
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 200 {
		rows := [][4]float64{irisRow(r, 0), irisRow(r, 0), irisRow(r, 0)}
		e := a
		if i%2 == 1 {
			e = b
		}
		if c, body := e.do("POST", "/v2/models/iris/infer", kserveBody(rows)); c != 200 {
			t.Fatalf("%d %s", c, body)
		}
	}
	eventually(t, "one merged window", func() bool {
		ws, err := a.g.Store().LatestWindows(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		return len(ws) == 1 && ws[0].Requests == 200
	})
	ws, _ := b.g.Store().LatestWindows(t.Context())
	if ws[0].Rows != 600 || ws[0].Errors != 0 || len(ws[0].Drift) == 0 {
		t.Fatalf("window %+v", ws[0])
	}
	if got := len(a.records("iris")); got != 200 {
		t.Fatalf("the shared store holds %d records, want 200", got)
	}
	replicas := map[string]int{}
	for _, rec := range b.records("iris") {
		replicas[rec.Replica]++
	}
	if replicas["replica-a"] != 100 || replicas["replica-b"] != 100 {
		t.Fatalf("records per replica %v", replicas)
	}
	for name, e := range map[string]*env{"a": a, "b": b} {
		eventually(t, "gauges on replica "+name, func() bool {
			return strings.Contains(e.exposition(), `mlsec_dataset_drift_share{model="iris",version="1"}`)
		})
	}
}
