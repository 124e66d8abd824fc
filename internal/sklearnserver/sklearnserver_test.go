package sklearnserver_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/internal/sklearnserver"
)

// TestServeIris checks what the gateway walkthroughs rely on: the iris
// model on KServe v2 (labels first, then 3-class probabilities) and on
// MLflow with --mlflow-model iris (extra record keys ignored), and a bad
// body answered 400 with a reason rather than a dropped connection.
func TestServeIris(t *testing.T) {
	url := sklearnserver.StartT(t, "--mlflow-model", "iris")
	post := func(path, body string) (int, string) {
		t.Helper()
		res, err := http.Post(url+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	tests := []struct {
		name, path, body string
		code             int
		want             string
	}{
		{"kserve labels", "/v2/models/iris/infer", `{"inputs":[{"name":"x","shape":[2,4],"datatype":"FP64","data":[5.1,3.5,1.4,0.2,6.7,3.0,5.2,2.3]}]}`,
			200, `{"name": "predict", "shape": [2], "datatype": "INT64", "data": [0, 2]}, {"name": "predict_proba", "shape": [2, 3]`},
		{"mlflow records", "/invocations", `{"dataframe_records":[{"sepal_length":5.1,"sepal_width":3.5,"petal_length":1.4,"petal_width":0.2,"email":"a@example.com"}]}`,
			200, `{"predictions": [0]}`},
		{"mlflow split", "/invocations", `{"dataframe_split":{"columns":["petal_width","sepal_length","sepal_width","petal_length"],"data":[[2.3,6.7,3.0,5.2]]}}`,
			200, `{"predictions": [2]}`},
		{"kserve data not numbers", "/v2/models/iris/infer", `{"inputs":[{"name":"x","shape":[1,4],"datatype":"FP64","data":"abcd"}]}`,
			400, `"error": "tensor data are not numbers`},
		{"kserve tensor not an object", "/v2/models/iris/infer", `{"inputs":[1,2]}`, 400, `"error": "bad request`},
		{"kserve wrong width", "/v2/models/iris/infer", `{"inputs":[{"name":"x","shape":[1,3],"datatype":"FP64","data":[1,2,3]}]}`,
			400, `the model takes [n, 4]`},
		{"unknown model", "/v2/models/nope/infer", `{}`, 404, `no model named 'nope'`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, body := post(tc.path, tc.body)
			if code != tc.code || !strings.Contains(body, tc.want) {
				t.Errorf("%d %s, want %d containing %s", code, body, tc.code, tc.want)
			}
		})
	}
}

// TestExportIris checks the exports the gateway tests push and profile:
// the 150-row training table with the label last, and model.json with
// the three classes' coefficients.
func TestExportIris(t *testing.T) {
	dir := t.TempDir()
	train, model := filepath.Join(dir, "train.csv"), filepath.Join(dir, "model")
	sklearnserver.RunT(t, "--export-train", train, "--export-model", model)
	f, err := os.Open(train)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 151 || strings.Join(recs[0], ",") != "sepal_length,sepal_width,petal_length,petal_width,species" || strings.Join(recs[1], ",") != "5.1,3.5,1.4,0.2,0" {
		t.Errorf("training table: %d rows, header %v, first %v", len(recs), recs[0], recs[1])
	}
	b, err := os.ReadFile(filepath.Join(model, "model.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Type      string
		Classes   []int
		Coef      [][]float64
		Intercept []float64
	}
	if err := json.Unmarshal(b, &m); err != nil || m.Type != "sklearn.linear_model.LogisticRegression" || len(m.Classes) != 3 || len(m.Coef) != 3 || len(m.Coef[0]) != 4 || len(m.Intercept) != 3 {
		t.Errorf("model.json %v: %s", err, b)
	}
	if err := sklearnserver.Run("--model", "nope", "--export-train", train); err == nil || !strings.Contains(err.Error(), "--model") {
		t.Errorf("unknown --model: %v", err)
	}
}

func ExampleScript() {
	fmt.Println(filepath.Base(sklearnserver.Script()))
	// Output: serve.py
}
