// Package modeltest serves an in-process model over the protocols
// modelclient speaks (KServe v2, MLflow, TensorFlow Serving and a custom
// JSON API) on a loopback httptest server, with faults a test can switch
// on: failures, delays, answers of the wrong shape or type, and answers
// that change between calls. It is the Go stand-in for a model server in
// the unit tests of modelclient and probe; the quality tests use a real
// scikit-learn model served by examples/sklearn-server/serve.py.
package modeltest

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Model answers one input row: a label and, optionally, per-class scores.
type Model interface {
	Predict(x []float64) (label float64, scores []float64)
}

// Linear is a binary logistic model: P(1) = σ(W·x + B); the label is 1
// when W·x + B > 0 (as scikit-learn's LogisticRegression decides).
type Linear struct {
	W []float64
	B float64
	// NoScores makes the model return labels only.
	NoScores bool
}

// Decision returns W·x + B.
func (m Linear) Decision(x []float64) float64 {
	s := m.B
	for i, w := range m.W {
		s += w * x[i]
	}
	return s
}

// Predict implements Model.
func (m Linear) Predict(x []float64) (float64, []float64) {
	d := m.Decision(x)
	label := 0.0
	if d > 0 {
		label = 1
	}
	if m.NoScores {
		return label, nil
	}
	p := 1 / (1 + math.Exp(-d))
	return label, []float64{1 - p, p}
}

// Distance is the exact L2 distance from x to the decision boundary,
// |W·x + B| / ‖W‖.
func (m Linear) Distance(x []float64) float64 {
	var n float64
	for _, w := range m.W {
		n += w * w
	}
	return math.Abs(m.Decision(x)) / math.Sqrt(n)
}

// Regression is a linear regressor y = W·x + B.
type Regression struct {
	W []float64
	B float64
}

// Predict implements Model (no scores).
func (m Regression) Predict(x []float64) (float64, []float64) {
	return Linear{W: m.W, B: m.B}.Decision(x), nil
}

// Func adapts a function to Model.
type Func func(x []float64) (float64, []float64)

// Predict calls f.
func (f Func) Predict(x []float64) (float64, []float64) { return f(x) }

// Faults are switched on by tests; the zero value serves correctly.
type Faults struct {
	// FailFirst answers the first FailFirst requests with FailStatus
	// (default 503).
	FailFirst  int
	FailStatus int
	// Delay holds every answer this long (or until the request ends).
	Delay time.Duration
	// WrongCount answers one prediction fewer than asked.
	WrongCount bool
	// WrongType answers labels as KServe FP64 "abc" strings (a type that
	// disagrees with the declared datatype).
	WrongType bool
	// Flip inverts the binary labels of every other request (a model
	// whose answers change between calls).
	Flip bool
	// NotJSON answers a plain-text body with status 200.
	NotJSON bool
}

// Server is a loopback model server.
type Server struct {
	*httptest.Server
	model Model
	mu    sync.Mutex
	f     Faults
	// Requests and Rows count what the server received.
	Requests, Rows atomic.Int64
}

// NewServer starts a server for m; Close it when done.
func NewServer(m Model) *Server {
	s := &Server{model: m}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v2/models/{name}/infer", s.kserve)
	mux.HandleFunc("POST /v2/models/{name}/versions/{v}/infer", s.kserve)
	mux.HandleFunc("POST /invocations", s.mlflow)
	mux.HandleFunc("POST /v1/models/{rest}", s.tfserving)
	mux.HandleFunc("POST /custom/predict", s.custom)
	s.Server = httptest.NewServer(mux)
	return s
}

// SetFaults replaces the server's faults and restarts its request count
// (FailFirst counts from here).
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	s.f = f
	s.mu.Unlock()
	s.Requests.Store(0)
}

func (s *Server) faults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.f
}

// answer runs the model on rows with the faults applied; ok is false when
// a fault already answered.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, rows [][]float64) (labels []float64, scores [][]float64, ok bool) {
	f := s.faults()
	n := s.Requests.Add(1)
	s.Rows.Add(int64(len(rows)))
	if f.Delay > 0 {
		select {
		case <-time.After(f.Delay):
		case <-r.Context().Done():
			return nil, nil, false
		}
	}
	if n <= int64(f.FailFirst) {
		st := f.FailStatus
		if st == 0 {
			st = http.StatusServiceUnavailable
		}
		http.Error(w, `{"error": "injected failure"}`, st)
		return nil, nil, false
	}
	if f.NotJSON {
		fmt.Fprint(w, "<html>gateway page</html>")
		return nil, nil, false
	}
	for _, x := range rows {
		l, sc := s.model.Predict(x)
		if f.Flip && n%2 == 0 {
			l = 1 - l
		}
		labels = append(labels, l)
		if sc != nil {
			scores = append(scores, sc)
		}
	}
	if f.WrongCount && len(labels) > 0 {
		labels = labels[:len(labels)-1]
		if len(scores) > 0 {
			scores = scores[:len(scores)-1]
		}
	}
	return labels, scores, true
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func bad(w http.ResponseWriter, format string, a ...any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": fmt.Sprintf(format, a...)})
}

func (s *Server) kserve(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Inputs []struct {
			Name     string    `json:"name"`
			Shape    []int     `json:"shape"`
			Datatype string    `json:"datatype"`
			Data     []float64 `json:"data"`
		} `json:"inputs"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || len(req.Inputs) != 1 {
		bad(w, "want one input tensor with flat FP64 data: %v", err)
		return
	}
	in := req.Inputs[0]
	if len(in.Shape) != 2 || in.Shape[0]*in.Shape[1] != len(in.Data) {
		bad(w, "shape %v does not match %d values", in.Shape, len(in.Data))
		return
	}
	rows := make([][]float64, in.Shape[0])
	for i := range rows {
		rows[i] = in.Data[i*in.Shape[1] : (i+1)*in.Shape[1]]
	}
	labels, scores, ok := s.answer(w, r, rows)
	if !ok {
		return
	}
	outs := []map[string]any{}
	if s.faults().WrongType {
		str := make([]string, len(labels))
		for i := range str {
			str[i] = "abc"
		}
		outs = append(outs, map[string]any{"name": "predict", "shape": []int{len(labels)}, "datatype": "FP64", "data": str})
	} else {
		outs = append(outs, map[string]any{"name": "predict", "shape": []int{len(labels)}, "datatype": "FP64", "data": labels})
	}
	if len(scores) > 0 {
		flat := []float64{}
		for _, sc := range scores {
			flat = append(flat, sc...)
		}
		outs = append(outs, map[string]any{"name": "predict_proba", "shape": []int{len(scores), len(scores[0])}, "datatype": "FP64", "data": flat})
	}
	writeJSON(w, map[string]any{"model_name": r.PathValue("name"), "outputs": outs})
}

func (s *Server) mlflow(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Split *struct {
			Columns []string    `json:"columns"`
			Data    [][]float64 `json:"data"`
		} `json:"dataframe_split"`
		Inputs [][]float64 `json:"inputs"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		bad(w, "bad JSON: %v", err)
		return
	}
	rows := req.Inputs
	if req.Split != nil {
		rows = req.Split.Data
	}
	labels, _, ok := s.answer(w, r, rows)
	if !ok {
		return
	}
	writeJSON(w, map[string]any{"predictions": labels})
}

func (s *Server) tfserving(w http.ResponseWriter, r *http.Request) {
	if !strings.HasSuffix(r.PathValue("rest"), ":predict") {
		http.NotFound(w, r)
		return
	}
	var req struct {
		Instances [][]float64 `json:"instances"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		bad(w, "bad JSON: %v", err)
		return
	}
	labels, scores, ok := s.answer(w, r, req.Instances)
	if !ok {
		return
	}
	if len(scores) > 0 {
		writeJSON(w, map[string]any{"predictions": scores})
		return
	}
	writeJSON(w, map[string]any{"predictions": labels})
}

func (s *Server) custom(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Rows [][]float64 `json:"rows"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		bad(w, "bad JSON: %v", err)
		return
	}
	labels, scores, ok := s.answer(w, r, req.Rows)
	if !ok {
		return
	}
	str := make([]string, len(labels))
	for i, l := range labels {
		str[i] = "class-" + strconv.FormatFloat(l, 'g', -1, 64)
	}
	writeJSON(w, map[string]any{"result": map[string]any{"labels": str, "probs": scores}})
}
