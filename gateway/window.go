package gateway

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mlsec/mlsec/drift"
	"github.com/mlsec/mlsec/gateway/logstore"
	"github.com/mlsec/mlsec/pii"
)

// windowAcc accumulates this replica's share of a route's open monitoring
// window: request and error counts, PII counts and, with drift, a drift
// profile of the inputs and predictions. It is flushed to the store as a
// partial; the closer merges the partials of all replicas.
type windowAcc struct {
	mu       sync.Mutex
	ref      *drift.Profile // nil without drift
	colIdx   map[string]int // profile column → index
	inputs   []int          // input position → profile column index
	pred     int            // profile column of the prediction, or -1
	known    []map[string]bool
	cur      *drift.Profile
	cells    *pii.CellScanner
	tokenKey []byte
	start    time.Time
	requests int64
	errors   int64
	rows     int64
	pii      map[string]int64
	unread   int64 // payloads that gave no rows
}

// newWindow prepares the route's window (and loads its drift reference).
func (g *Gateway) newWindow(ctx context.Context, rt *route) error {
	w := &windowAcc{pred: -1, pii: map[string]int64{}, start: g.now()}
	rt.win = w
	d := rt.cfg.Drift
	if d == nil {
		return nil
	}
	ref, err := g.loadReference(ctx, rt)
	if err != nil {
		return err
	}
	w.ref, w.colIdx = ref, map[string]int{}
	for i, c := range ref.Columns {
		w.colIdx[c.Name] = i
		known := map[string]bool{}
		for k := range c.Counts {
			known[k] = true
		}
		w.known = append(w.known, known)
	}
	if d.Prediction != "" {
		i, ok := w.colIdx[d.Prediction]
		if !ok {
			return fmt.Errorf("%w: route %s: drift.prediction %q is not a column of the reference %s", ErrConfig, rt.cfg.Name, d.Prediction, ref.Name)
		}
		w.pred = i
	}
	cols := d.Columns
	if len(cols) == 0 {
		for _, c := range ref.Columns {
			if c.Name != d.Prediction {
				cols = append(cols, c.Name)
			}
		}
	}
	for _, c := range cols {
		i, ok := w.colIdx[c]
		if !ok {
			return fmt.Errorf("%w: route %s: drift.columns: %q is not a column of the reference %s", ErrConfig, rt.cfg.Name, c, ref.Name)
		}
		w.inputs = append(w.inputs, i)
	}
	w.cur = ref.NewWindow("live")
	w.cells = g.red.r.Analyzer().NewCellScanner()
	if g.key != nil {
		w.tokenKey = []byte(keyDigest(g.key))
	} else {
		w.tokenKey = make([]byte, 32)
		rand.Read(w.tokenKey)
	}
	return nil
}

// keyDigest derives a per-key constant for category tokens: the same
// under one pii key, so replicas sharing the key count the same unseen
// category as one.
func keyDigest(k *pii.Key) string {
	tok, err := pii.Pseudonym{Key: k}.Apply("DRIFT_CATEGORY", "mlsec-gateway-drift")
	if err != nil {
		return ""
	}
	return tok
}

// observe adds a finished exchange to the route's window.
func (g *Gateway) observe(rt *route, ex *Exchange, counts map[string]int) {
	w := rt.win
	w.mu.Lock()
	defer w.mu.Unlock()
	w.requests++
	if ex.Status >= 500 || strings.HasPrefix(ex.errClass, "upstream") || ex.errClass == "stream_broken" {
		w.errors++
	}
	for e, n := range counts {
		w.pii[e] += int64(n)
	}
	if w.ref == nil || ex.Status < 200 || ex.Status > 299 || ex.Stream {
		return
	}
	rows, err := inputRows(rt.cfg.Protocol, ex.Request)
	if err != nil || len(rows) == 0 {
		w.unread++
		return
	}
	var preds []any
	if w.pred >= 0 {
		preds, _ = predictions(rt.cfg.Protocol, ex.Response)
	}
	vals := make([]drift.Value, len(w.ref.Columns))
	for i, r := range rows {
		for j := range vals {
			vals[j] = drift.Value{Null: true}
		}
		if r.named != nil {
			for name, v := range r.named {
				if j, ok := w.colIdx[name]; ok && j != w.pred {
					vals[j] = w.value(j, v)
				}
			}
		} else {
			for k, v := range r.pos {
				if k < len(w.inputs) {
					vals[w.inputs[k]] = w.value(w.inputs[k], v)
				}
			}
		}
		if w.pred >= 0 && i < len(preds) {
			vals[w.pred] = w.value(w.pred, preds[i])
		}
		if w.cur.Update(vals) == nil {
			w.rows++
		}
	}
}

// value turns a JSON value into a profile cell. Personal data never enters
// a profile in clear: a number the PII analyzer recognises (a card or phone
// number sent as a feature) counts as missing, and a category the
// reference never had is replaced by a keyed token, so a new value is still
// a new category for the tests but its text is stored nowhere.
func (w *windowAcc) value(col int, v any) drift.Value {
	c := w.ref.Columns[col]
	var text string
	switch t := v.(type) {
	case nil:
		return drift.Value{Null: true}
	case json.Number:
		text = t.String()
	case string:
		text = t
	case bool:
		text = strconv.FormatBool(t)
	default:
		return drift.Value{Null: true}
	}
	if c.Kind == drift.KindNumber {
		f, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
		if err != nil {
			return drift.Value{Null: true}
		}
		if len(text) >= 7 && len(w.cells.Scan(text, c.Name)) > 0 {
			return drift.Value{Null: true}
		}
		return drift.Value{Num: f, IsNum: true, Int: isIntText(text)}
	}
	if !w.known[col][text] {
		m := hmac.New(sha256.New, w.tokenKey)
		m.Write([]byte(c.Name))
		m.Write([]byte{0})
		m.Write([]byte(text))
		text = "new:" + hex.EncodeToString(m.Sum(nil)[:8])
	}
	return drift.Value{Str: text}
}

// take swaps out the accumulated partial (nil when empty).
func (w *windowAcc) take(route, replica string, now time.Time) (*logstore.Partial, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.requests == 0 {
		w.start = now
		return nil, nil
	}
	p := &logstore.Partial{Route: route, Replica: replica, Start: w.start, End: now, Requests: w.requests,
		Errors: w.errors, Rows: w.rows, PII: w.pii}
	if w.cur != nil {
		b, err := json.Marshal(w.cur)
		if err != nil {
			return nil, err
		}
		p.Profile = b
		w.cur = w.ref.NewWindow("live")
	}
	w.start, w.requests, w.errors, w.rows, w.pii = now, 0, 0, 0, map[string]int64{}
	return p, nil
}

// FlushWindows writes this replica's open partial windows to the store.
// It runs on a ticker and at Close; tests call it to make windows
// deterministic.
func (g *Gateway) FlushWindows(ctx context.Context) error {
	var errs []error
	for _, rt := range g.routes {
		p, err := rt.win.take(rt.cfg.Name, g.cfg.Replica, g.now())
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if p == nil {
			continue
		}
		if err := g.store.AddPartial(ctx, *p); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// windowSummary is what a closed window stores about drift: the drift
// report of the window (the evidence is built from it) and why it was not
// compared, if it was not.
type windowSummary struct {
	Report  *drift.Report `json:"report,omitempty"`
	Skipped string        `json:"skipped,omitempty"`
}

// CloseWindows closes every route's window that reached its request count
// or its interval: it merges the open partials of all replicas, compares
// the merged profile with the reference, stores the window and, in the
// same transaction, enqueues its evidence and alert deliveries. Closed
// windows are returned.
func (g *Gateway) CloseWindows(ctx context.Context) ([]logstore.Window, error) {
	var out []logstore.Window
	for _, rt := range g.routes {
		var closed *logstore.Window
		err := g.store.Tx(ctx, func(tx *sql.Tx) error {
			w, err := g.closeWindow(ctx, tx, rt)
			if err != nil || w == nil {
				return err
			}
			closed = w
			if g.jobs != nil {
				return g.jobs.enqueueWindow(ctx, tx, w)
			}
			return nil
		})
		if err != nil {
			return out, fmt.Errorf("route %s: close window: %w", rt.cfg.Name, err)
		}
		if closed != nil {
			g.m.windows.WithLabelValues(rt.cfg.Name).Inc()
			g.publish(rt, *closed)
			out = append(out, *closed)
		}
	}
	return out, nil
}

func (g *Gateway) closeWindow(ctx context.Context, tx *sql.Tx, rt *route) (*logstore.Window, error) {
	ps, err := g.store.OpenPartials(ctx, tx, rt.cfg.Name)
	if err != nil || len(ps) == 0 {
		return nil, err
	}
	now := g.now()
	w := &logstore.Window{Route: rt.cfg.Name, Model: rt.cfg.Model, Version: rt.version, Digest: rt.digest,
		Start: ps[0].Start, End: ps[0].End, PII: map[string]int64{}, Closed: now}
	var ids []int64
	var merged *drift.Profile
	for _, p := range ps {
		ids = append(ids, p.ID)
		w.Requests += p.Requests
		w.Errors += p.Errors
		w.Rows += p.Rows
		for e, n := range p.PII {
			w.PII[e] += n
		}
		if p.Start.Before(w.Start) {
			w.Start = p.Start
		}
		if p.End.After(w.End) {
			w.End = p.End
		}
		if rt.win.ref != nil && len(p.Profile) > 0 {
			var pp drift.Profile
			if err := json.Unmarshal(p.Profile, &pp); err != nil {
				return nil, fmt.Errorf("partial %d: %w", p.ID, err)
			}
			if merged == nil {
				merged = &pp
			} else if err := merged.Merge(&pp); err != nil {
				return nil, fmt.Errorf("partial %d: %w", p.ID, err)
			}
		}
	}
	if w.Requests < int64(rt.cfg.Window.Requests) && now.Sub(w.Start) < rt.cfg.Window.Interval.D() {
		return nil, nil // still open
	}
	if d := rt.cfg.Drift; d != nil {
		var sum windowSummary
		switch {
		case merged == nil || merged.Rows < int64(d.MinRows):
			sum.Skipped = fmt.Sprintf("%d rows, fewer than drift.min_rows (%d)", w.Rows, d.MinRows)
		default:
			merged.Name = fmt.Sprintf("%s %s to %s", rt.cfg.Name, w.Start.UTC().Format(time.RFC3339), w.End.UTC().Format(time.RFC3339))
			rep, err := drift.CompareProfiles(rt.win.ref, merged, drift.Options{Prediction: d.Prediction, DriftShare: d.DriftShare, Method: d.Method})
			if err != nil {
				sum.Skipped = "not compared: " + err.Error()
			} else {
				for i := range rep.Columns {
					rep.Columns[i].Distribution = nil // keep windows small; the evidence needs no charts
				}
				sum.Report, w.Drifted = rep, rep.DatasetDrift
			}
		}
		w.Drift, _ = json.Marshal(sum)
	}
	if err := g.store.CloseWindow(ctx, tx, w, ids); err != nil {
		return nil, err
	}
	return w, nil
}

// publish sets the drift and error-rate gauges from a closed window.
func (g *Gateway) publish(rt *route, w logstore.Window) {
	ver := strconv.Itoa(w.Version)
	if w.Requests > 0 {
		g.m.windowErrRate.WithLabelValues(w.Model, ver).Set(float64(w.Errors) / float64(w.Requests))
	}
	var sum windowSummary
	if len(w.Drift) == 0 || json.Unmarshal(w.Drift, &sum) != nil || sum.Report == nil {
		return
	}
	g.m.driftShare.WithLabelValues(w.Model, ver).Set(sum.Report.ShareOfDriftedColumns)
	for _, s := range sum.Report.Scores() {
		l := []string{w.Model, ver, s.Feature, s.Method}
		g.m.driftScore.WithLabelValues(l...).Set(s.Score)
		g.m.driftThresh.WithLabelValues(l...).Set(s.Threshold)
		det := 0.0
		if s.Drifted {
			det = 1
		}
		g.m.driftDetected.WithLabelValues(l...).Set(det)
	}
}

// refreshGauges shows the newest window of every route on this replica's
// /metrics, whichever replica closed it.
func (g *Gateway) refreshGauges(ctx context.Context) error {
	ws, err := g.store.LatestWindows(ctx)
	if err != nil {
		return err
	}
	for _, w := range ws {
		if rt := g.byName[w.Route]; rt != nil {
			g.publish(rt, w)
		}
	}
	return nil
}
