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

	"github.com/mlsec/mlsec/extraction"
)

// The extraction hook feeds every request of a route to the model-
// extraction detectors of package extraction, per client (the gateway's
// client name, or a pseudonym of the address of an anonymous caller:
// clients.peerOf). Tabular routes (kserve, mlflow, json) give the detectors
// each input row with the model's answer (class and, when the answer is
// a score matrix, the scores) once the answer is back; openai routes give
// the last user message as the prompt before it goes upstream. A client a
// detector newly flags is counted in mlsec_gateway_extraction_flags_total
// (action "flag"), logged (client, detector, value, threshold: no content)
// and alerted through Alertmanager (MlsecExtractionSuspected) once per
// detector until the flag expires (flagged.go); the detector's action then
// applies to its requests: throttle (429 with Retry-After beyond the
// throttle bucket) or block (403), each counted with its action.

// AlertExtraction is the alert raised when a client is flagged.
const AlertExtraction = "MlsecExtractionSuspected"

// Error codes of requests refused because their client is flagged.
const (
	CodeExtraction          = "extraction_suspected" // block: 403
	CodeExtractionThrottled = "extraction_throttled" // throttle: 429
)

type extractHook struct {
	d     *extraction.Detector
	rt    Route
	g     *Gateway
	flags *flagBook
}

var _ Hook = (*extractHook)(nil)

func newExtractHook(g *Gateway, rt Route) (*extractHook, error) {
	d, err := extraction.New(rt.Extraction.Config)
	if err != nil {
		return nil, fmt.Errorf("%w: route %s: extraction: %w", ErrConfig, rt.Name, err)
	}
	return &extractHook{d: d, rt: rt, g: g, flags: newFlagBook(rt.Extraction)}, nil
}

// InspectRequest applies the sanction in force on a flagged client
// (throttle or block) and, on openai routes, observes the prompt.
func (h *extractHook) InspectRequest(ctx context.Context, ex *Exchange) error {
	s := h.flags.check(ex.caller(), h.g.now())
	if s.expired {
		h.d.Forget(ex.caller()) // its history ended in a block it has served
	}
	switch s.action {
	case ExtractionBlock:
		h.g.m.extraction.WithLabelValues(h.rt.Name, s.detector, ExtractionBlock).Inc()
		return &Refusal{Status: http.StatusForbidden, Code: CodeExtraction,
			Message: "this client's queries look like model extraction (detector " + s.detector + "); ask the gateway's operator to review it"}
	case ExtractionThrottle:
		h.g.m.extraction.WithLabelValues(h.rt.Name, s.detector, ExtractionThrottle).Inc()
		secs := retryAfterSeconds(s.retryAfter)
		return &Refusal{Status: http.StatusTooManyRequests, Code: CodeExtractionThrottled, RetryAfter: secs,
			Message: fmt.Sprintf("this client is throttled to %s requests per second because its queries look like model extraction (detector %s); retry after %d s",
				ftoa(h.rt.Extraction.Throttle.Rate), s.detector, secs)}
	}
	if h.rt.Protocol == ProtocolOpenAI {
		if p := lastUserPrompt(ex.Request); p != "" {
			h.judge(ctx, ex, h.d.Observe(extraction.Query{Client: ex.caller(), Time: ex.Start, Prompt: p}))
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
			q := extraction.Query{Client: ex.caller(), Time: ex.Start, Input: rowVector(r)}
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

// judge records a verdict: each detector that newly flags the client is
// counted, logged and alerted once (until its flag expires).
func (h *extractHook) judge(ctx context.Context, ex *Exchange, v extraction.Verdict) {
	fresh := h.flags.update(ex.caller(), v.Findings, h.g.now())
	var alerts []amAlert
	for _, f := range fresh {
		act := h.rt.Extraction.actionFor(f.Detector)
		h.g.m.extraction.WithLabelValues(h.rt.Name, f.Detector, ExtractionFlag).Inc()
		h.g.log.LogAttrs(ctx, slog.LevelWarn, "extraction suspected", slog.String("route", h.rt.Name),
			slog.String("client", ex.caller()), slog.String("detector", f.Detector), slog.Float64("value", f.Value),
			slog.Float64("threshold", f.Threshold), slog.Int("queries", v.Queries), slog.String("action", act))
		start := h.g.now()
		alerts = append(alerts, amAlert{
			Labels: map[string]string{"alertname": AlertExtraction, "model": h.rt.Model, "version": h.rt.Version,
				"route": h.rt.Name, "client": ex.caller(), "detector": f.Detector, "action": act, "severity": "warning", "source": "mlsec-gateway"},
			Annotations: map[string]string{
				"summary":     fmt.Sprintf("Client %s on route %s: queries look like model extraction (%s)", ex.caller(), h.rt.Name, f.Detector),
				"description": fmt.Sprintf("%s (value %s, threshold %s, after %d queries; action %s)", f.Reason, ftoa(f.Value), ftoa(f.Threshold), v.Queries, act)},
			StartsAt: start, EndsAt: start.Add(h.rt.Extraction.Expire.D())})
	}
	if len(alerts) > 0 {
		h.g.alertAsync(AlertExtraction, alerts)
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
