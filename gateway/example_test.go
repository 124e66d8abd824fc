package gateway_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mlsec/mlsec/gateway"
	"github.com/mlsec/mlsec/gateway/logstore"
)

// A gateway in front of an MLflow-style model server: the client gets the
// model's answer unchanged, the log store gets the exchange redacted.
func Example() {
	model := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, `{"predictions": [0]}`)
	}))
	defer model.Close()
	dir, _ := os.MkdirTemp("", "gateway-example")
	defer os.RemoveAll(dir)

	cfg, err := gateway.ParseConfig(strings.NewReader(`
log:
  database: ` + filepath.Join(dir, "gateway.db") + `
clients:
  - name: app
    key_sha256: ` + gateway.HashKey("mlsgw_example_key") + `
routes:
  - name: iris
    protocol: mlflow
    path: /iris/invocations
    upstream: ` + model.URL + `/invocations
    model: iris
    version: "1"
    retention: 30d
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	g, err := gateway.New(ctx, cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer g.Close()
	if err := g.Start(ctx); err != nil {
		fmt.Println(err)
		return
	}

	req := httptest.NewRequest("POST", "/iris/invocations",
		strings.NewReader(`{"instances": [[5.1, 3.5, 1.4, 0.2]], "user": "maria.schmidt@example.com"}`))
	req.Header.Set("Authorization", "Bearer mlsgw_example_key")
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	g.Handler().ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Body.String())

	logs, _, _ := g.Store().List(ctx, logstore.Query{Model: "iris", Limit: 10}, time.Now())
	for _, l := range logs {
		fmt.Println(l.Client, l.Status, l.Request)
	}
	// Output:
	// 200 {"predictions": [0]}
	// app 200 {"instances": [[5.1, 3.5, 1.4, 0.2]], "user": "<EMAIL_ADDRESS>"}
}
