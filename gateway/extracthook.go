package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mlsec/mlsec/extraction"
)

// The extraction hook feeds every request of a route to the model-
// extraction detectors of package extraction, per client (the gateway's
// client name). Tabular routes (kserve, mlflow, json) give the detectors
// each input row with the model's answer (class and, when the answer is
// a score matrix, the scores) once the answer is back; openai routes give
// the last user message as the prompt before it goes upstream. A client a
// detector flags is counted in mlsec_gateway_extraction_flags_total, logged
// (client, detector, value, threshold: no content) and alerted through
// Alertmanager (MlsecExtractionSuspected) once per detector until it clears;
// with action: block its later requests are refused with 403.

// AlertExtraction is the alert raised when a client is flagged.
const AlertExtraction = "MlsecExtractionSuspected"

// CodeExtraction is the error code of a request refused because its
// client is flagged (extraction.action: block).
const CodeExtraction = "extraction_suspected"

type extractHook struct {
	d      *extraction.Detector
	action string
	rt     Route
	g      *Gateway

	mu      sync.Mutex
	flagged map[string]map[string]bool // client -> detectors that fired
}

var _ Hook = (*extractHook)(nil)

func newExtractHook(g *Gateway, rt Route) (*extractHook, error) {
	d, err := extraction.New(rt.Extraction.Config)
	if err != nil {
		return nil, fmt.Errorf("%w: route %s: extraction: %w", ErrConfig, rt.Name, err)
	}
	return &extractHook{d: d, action: rt.Extraction.Action, rt: rt, g: g, flagged: map[string]map[string]bool{}}, nil
}

// InspectRequest refuses a flagged client (action block) and, on openai
// routes, observes the prompt.
func (h *extractHook) InspectRequest(ctx context.Context, ex *Exchange) error {
	if h.action == ExtractionBlock {
		if det := h.firstFlag(ex.Client); det != "" {
			h.g.m.extraction.WithLabelValues(h.rt.Name, det, ExtractionBlock).Inc()
			return &Refusal{Status: http.StatusForbidden, Code: CodeExtraction,
				Message: "this client's queries look like model extraction (detector " + det + "); ask the gateway's operator to review it"}
		}
	}
	if h.rt.Protocol == ProtocolOpenAI {
		if p := lastUserPrompt(ex.Request); p != "" {
			h.judge(ctx, ex, h.d.Observe(extraction.Query{Client: ex.Client, Time: ex.Start, Prompt: p}))
		}
	}
	return nil
}

// WrapResponse observes a tabular route's rows with the model's answers.
// The answer is read whole (the gateway holds non-streamed answers until
// they are logged anyway, within limits.max_response_bytes).
func (h *extractHook) WrapResponse(ctx context.Context, ex *Exchange, body io.ReadCloser) io.ReadCloser {
	if h.rt.Protocol == ProtocolOpenAI || ex.Stream || ex.Status != http.StatusOK {
		return body
	}
	b, err := io.ReadAll(io.LimitReader(body, int64(h.g.cfg.Limits.MaxResponseBytes)+1))
	body.Close()
	if err != nil {
		return io.NopCloser(&errReader{err})
	}
	rows, err := inputRows(h.rt.Protocol, ex.Request)
	if err == nil {
		answers := answerRows(b)
		for i, r := range rows {
			q := extraction.Query{Client: ex.Client, Time: ex.Start, Input: rowVector(r)}
			if i < len(answers) {
				q.Class, q.Scores = answers[i].class, answers[i].scores
			}
			if len(q.Input) > 0 {
				h.judge(ctx, ex, h.d.Observe(q))
			}
		}
	}
	return io.NopCloser(bytes.NewReader(b))
}

func (h *extractHook) firstFlag(client string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var ds []string
	for d := range h.flagged[client] {
		ds = append(ds, d)
	}
	sort.Strings(ds)
	if len(ds) == 0 {
		return ""
	}
	return ds[0]
}

// judge acts on a verdict: each detector that newly fires for the client
// is counted, logged and alerted once; a cleared client is forgotten.
func (h *extractHook) judge(ctx context.Context, ex *Exchange, v extraction.Verdict) {
	h.mu.Lock()
	prev := h.flagged[ex.Client]
	now := map[string]bool{}
	var fresh []extraction.Finding
	for _, f := range v.Findings {
		now[f.Detector] = true
		if !prev[f.Detector] {
			fresh = append(fresh, f)
		}
	}
	if len(now) == 0 {
		delete(h.flagged, ex.Client)
	} else {
		h.flagged[ex.Client] = now
	}
	h.mu.Unlock()
	var alerts []amAlert
	for _, f := range fresh {
		h.g.m.extraction.WithLabelValues(h.rt.Name, f.Detector, ExtractionFlag).Inc()
		h.g.log.LogAttrs(ctx, slog.LevelWarn, "extraction suspected", slog.String("route", h.rt.Name),
			slog.String("client", ex.Client), slog.String("detector", f.Detector), slog.Float64("value", f.Value),
			slog.Float64("threshold", f.Threshold), slog.Int("queries", v.Queries), slog.String("action", h.action))
		start := h.g.now()
		alerts = append(alerts, amAlert{
			Labels: map[string]string{"alertname": AlertExtraction, "model": h.rt.Model, "version": h.rt.Version,
				"route": h.rt.Name, "client": ex.Client, "detector": f.Detector, "severity": "warning", "source": "mlsec-gateway"},
			Annotations: map[string]string{
				"summary":     fmt.Sprintf("Client %s on route %s: queries look like model extraction (%s)", ex.Client, h.rt.Name, f.Detector),
				"description": fmt.Sprintf("%s (value %s, threshold %s, after %d queries; action %s)", f.Reason, ftoa(f.Value), ftoa(f.Threshold), v.Queries, h.action)},
			StartsAt: start, EndsAt: start.Add(time.Hour)})
	}
	if len(alerts) > 0 && h.g.alerter.enabled() {
		select {
		case <-h.g.stop:
			return // closing: Close no longer waits for new work
		default:
		}
		h.g.wg.Add(1)
		go func() {
			defer h.g.wg.Done()
			actx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			outcome := "sent"
			if err := h.g.alerter.post(actx, alerts); err != nil {
				outcome = "error"
				h.g.log.Warn("extraction alert not delivered", slog.String("route", h.rt.Name), slog.String("error", err.Error()))
			}
			h.g.m.alerts.WithLabelValues(AlertExtraction, outcome).Add(float64(len(alerts)))
		}()
	}
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'g', 4, 64) }

// lastUserPrompt returns the text of the last user message of a chat
// request ("" when there is none or the body is not a chat request).
func lastUserPrompt(body []byte) string {
	var req struct {
		Messages []struct {
			Role    string          `json:"role"`
			Content json.RawMessage `json:"content"`
		} `json:"messages"`
	}
	if json.Unmarshal(body, &req) != nil {
		return ""
	}
	for i := len(req.Messages) - 1; i >= 0; i-- {
		m := req.Messages[i]
		if m.Role != "user" {
			continue
		}
		var s string
		if json.Unmarshal(m.Content, &s) == nil {
			return s
		}
		var parts []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		}
		if json.Unmarshal(m.Content, &parts) == nil {
			var b strings.Builder
			for _, p := range parts {
				if p.Type == "text" {
					b.WriteString(p.Text)
					b.WriteByte('\n')
				}
			}
			return b.String()
		}
		return ""
	}
	return ""
}

// rowVector turns a row into numbers: positional values in order, named
// values by sorted name; a row with a non-numeric value gives nil.
func rowVector(r row) []float64 {
	vals := r.pos
	if r.named != nil {
		names := make([]string, 0, len(r.named))
		for n := range r.named {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			vals = append(vals, r.named[n])
		}
	}
	out := make([]float64, 0, len(vals))
	for _, v := range vals {
		n, ok := v.(json.Number)
		if !ok {
			return nil
		}
		f, err := n.Float64()
		if err != nil {
			return nil
		}
		out = append(out, f)
	}
	return out
}

type answer struct {
	class  int
	scores []float64
}

// answerRows reads one answer per row: a score matrix (KServe outputs[0]
// of shape [n, k], or lists in MLflow predictions) gives the scores and
// their argmax; integer predictions give the class only.
func answerRows(body []byte) []answer {
	preds, err := predictions("", body)
	if err != nil {
		return nil
	}
	out := make([]answer, len(preds))
	for i, p := range preds {
		if n, ok := p.(json.Number); ok {
			if c, err := n.Int64(); err == nil {
				out[i].class = int(c)
			}
		}
	}
	v, err := decodeJSON(body)
	if err != nil {
		return out
	}
	var flat []any
	k := 0
	if m, ok := v.(map[string]any); ok {
		if outs := asSlice(m["outputs"]); len(outs) > 0 {
			om, _ := outs[0].(map[string]any)
			if sh := asSlice(om["shape"]); len(sh) == 2 {
				n, _ := sh[1].(json.Number).Int64()
				k = int(n)
			}
			flat = flatten(asSlice(om["data"]), nil)
		} else if ps := asSlice(m["predictions"]); len(ps) > 0 {
			if first := asSlice(ps[0]); len(first) > 1 {
				k = len(first)
				flat = flatten(ps, nil)
			}
		}
	}
	if k < 2 || len(flat) != k*len(out) {
		return out
	}
	for i := range out {
		s := make([]float64, k)
		for j := range s {
			n, _ := flat[i*k+j].(json.Number)
			s[j], _ = n.Float64()
		}
		out[i].scores = s
	}
	return out
}
