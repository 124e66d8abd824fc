package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"

	"github.com/mlsec/mlsec/guard"
)

// The guard hook adapts package guard (the LLM guardrails) to the Hook
// seam: a route's guard: block becomes one guardHook, built at start. The
// gateway imports guard, never the reverse. Decisions are counted in
// mlsec_gateway_guard_decisions_total by route, scanner, rule, action and
// stage, and logged with the same fields: rule IDs, entity types and
// limit names come from bounded sets, never from content.

// CodeContentFilter is the error code of a request the guard blocked
// (OpenAI's own code for a refused prompt).
const CodeContentFilter = "content_filter"

type guardHook struct {
	g       *guard.Guard
	maxBody int
	route   string
	m       *metrics
	log     *slog.Logger
}

var _ Hook = (*guardHook)(nil)

func newGuardHook(route string, cfg guard.Config, m *metrics, log *slog.Logger) (*guardHook, error) {
	gd, err := guard.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("%w: route %s: guard: %w", ErrConfig, route, err)
	}
	maxBody := cfg.MaxBodyBytes
	if maxBody <= 0 {
		maxBody = guard.DefaultMaxBodyBytes
	}
	return &guardHook{g: gd, maxBody: maxBody, route: route, m: m, log: log}, nil
}

// record counts and logs a verdict's decisions (never content).
func (h *guardHook) record(ctx context.Context, ex *Exchange, v guard.Verdict) {
	for _, d := range v.Decisions {
		h.m.guard.WithLabelValues(h.route, d.Scanner, d.Rule, string(d.Action), d.Stage).Inc()
		h.log.LogAttrs(ctx, slog.LevelInfo, "guard decision", slog.String("route", h.route), slog.String("client", ex.Client),
			slog.String("scanner", d.Scanner), slog.String("rule", d.Rule), slog.String("action", string(d.Action)),
			slog.String("stage", d.Stage), slog.String("where", d.Where))
	}
}

// InspectRequest runs the input scanners. A blocked request is answered
// 400 content_filter naming the scanner and rule; an unreadable one 400
// (or 413 over guard.max_body_bytes); otherwise the (possibly rewritten:
// redactions, the canary) body goes upstream.
func (h *guardHook) InspectRequest(ctx context.Context, ex *Exchange) error {
	x, err := h.g.InspectRequest(ex.Request)
	switch {
	case errors.Is(err, guard.ErrTooLarge):
		h.m.guard.WithLabelValues(h.route, guard.ScannerGuard, "too_large", string(guard.Block), "request").Inc()
		return &Refusal{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Message: "the chat request is over the guard's max_body_bytes"}
	case errors.Is(err, guard.ErrMalformed):
		h.m.guard.WithLabelValues(h.route, guard.ScannerGuard, "malformed", string(guard.Block), "request").Inc()
		return &Refusal{Status: http.StatusBadRequest, Code: "invalid_request", Message: err.Error()}
	case err != nil:
		return err
	}
	h.record(ctx, ex, x.Verdict)
	if d := x.Verdict.Blocking(); d != nil {
		return &Refusal{Status: http.StatusBadRequest, Code: CodeContentFilter,
			Message: fmt.Sprintf("the request was blocked by the gateway's guard (scanner %s, rule %s at %s)", d.Scanner, d.Rule, d.Where)}
	}
	ex.Request = x.Body
	ex.guard = x
	return nil
}

// WrapResponse runs the output scanners: a stream through FilterSSE (a
// block ends it with a content_filter event), a whole answer through
// InspectResponse (a block replaces it with an empty content_filter
// completion). Upstream errors pass as they are: they carry no output.
func (h *guardHook) WrapResponse(ctx context.Context, ex *Exchange, body io.ReadCloser) io.ReadCloser {
	x := ex.guard
	if x == nil || ex.Status != http.StatusOK {
		return body
	}
	if ex.Stream {
		pr, pw := io.Pipe()
		go func() {
			defer body.Close()
			v, err := x.FilterSSE(pw, body)
			h.record(context.WithoutCancel(ctx), ex, v)
			if errors.Is(err, guard.ErrStreamEnded) {
				err = nil // the client got the final content_filter event
			}
			pw.CloseWithError(err)
		}()
		return pr
	}
	b, err := io.ReadAll(io.LimitReader(body, int64(h.maxBody)+1))
	body.Close()
	if err != nil {
		return io.NopCloser(&errReader{err})
	}
	v, out := x.InspectResponse(b)
	h.record(ctx, ex, v)
	if d := v.Blocking(); d != nil {
		out = blockedCompletion(d)
	}
	return io.NopCloser(bytes.NewReader(out))
}

// blockedCompletion is what a client gets for a whole answer the guard
// blocked: a chat completion with no content, finish_reason
// content_filter (as OpenAI and Azure answer filtered output) and an
// mlsec_guard field naming the scanner and rule, like the stream's end.
func blockedCompletion(d *guard.Decision) []byte {
	b, _ := json.Marshal(map[string]any{
		"object": "chat.completion",
		"choices": []any{map[string]any{"index": 0, "message": map[string]any{"role": "assistant", "content": ""},
			"finish_reason": "content_filter"}},
		"mlsec_guard": map[string]string{"scanner": d.Scanner, "rule": d.Rule, "message": "the answer was stopped by the gateway's guard"},
	})
	return b
}

type errReader struct{ err error }

func (e *errReader) Read([]byte) (int, error) { return 0, e.err }
