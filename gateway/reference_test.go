package gateway_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/gateway"
	"github.com/mlsec/mlsec/registry"
)

// TestDatasetReference: a route's drift reference can be a dataset
// registered in the registry; the gateway profiles the table at its URI
// only when the table's SHA-256 is the registered digest, and then a
// shifted window drifts against it as against a profile file.
func TestDatasetReference(t *testing.T) {
	ctx := t.Context()
	reg := newRegistry(t)
	up := irisUpstream(t)
	defer up.Close()
	dir := t.TempDir()

	var b strings.Builder
	b.WriteString("sepal_length,sepal_width,petal_length,petal_width,species\n")
	r := rand.New(rand.NewPCG(1, 2))
	for range 1000 {
		row := irisRow(r, 0)
		fmt.Fprintf(&b, "%g,%g,%g,%g,%s\n", row[0], row[1], row[2], row[3], species(row))
	}
	csv := filepath.Join(dir, "iris-train.csv")
	os.WriteFile(csv, []byte(b.String()), 0o600)
	sum := sha256.Sum256([]byte(b.String()))
	adm, _ := reg.svc.Authenticate(ctx, reg.tokens["admin"])
	for name, digest := range map[string]string{"iris-train": hex.EncodeToString(sum[:]), "iris-tampered": strings.Repeat("ab", 32)} {
		if _, err := reg.svc.CreateDataset(ctx, adm, registry.Dataset{Name: name, Digest: "sha256:" + digest, URI: "file://" + csv}); err != nil {
			t.Fatal(err)
		}
	}
	cfg := func(dataset string) string {
		return withUpstream(baseConfig, up.URL) + `    window: {requests: 100, interval: 1000h}
    drift:
      dataset: ` + dataset + `
      prediction: species
registry:
  url: ` + reg.url + `
`
	}

	// The registered digest is not the file's: the gateway does not start.
	c := parseConfig(t, dir, strings.ReplaceAll(cfg("iris-tampered"), "{{dsn}}", filepath.Join(dir, "t.db")))
	_, err := gateway.New(ctx, c, gateway.WithRegistry(reg.client(t, "gateway")))
	if !errors.Is(err, gateway.ErrConfig) || !strings.Contains(err.Error(), "refusing a reference that is not the registered data") {
		t.Fatalf("tampered dataset: %v", err)
	}

	e := newEnv(t, cfg("iris-train"), envOpts{reg: reg.client(t, "gateway")})
	for range 100 {
		rows := make([][4]float64, 5)
		for i := range rows {
			rows[i] = irisRow(r, 1.5)
		}
		if code, body := e.do("POST", "/v2/models/iris/infer", kserveBody(rows)); code != 200 {
			t.Fatalf("%d %s", code, body)
		}
	}
	if err := e.g.FlushWindows(ctx); err != nil {
		t.Fatal(err)
	}
	ws, err := e.g.CloseWindows(ctx)
	if err != nil || len(ws) != 1 || !ws[0].Drifted || ws[0].Rows != 500 {
		t.Fatalf("shifted window against the dataset: %+v %v", ws, err)
	}
}
