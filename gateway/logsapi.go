package gateway

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mlsec/mlsec/gateway/logstore"
	"github.com/mlsec/mlsec/registry"
)

// LogPage is the answer of GET /_mlsec/logs.
type LogPage struct {
	Items []logstore.Record `json:"items"`
	// NextAfter, when not 0, is the after= value of the next page.
	NextAfter int64 `json:"next_after,omitempty"`
}

// serveLogs answers GET /_mlsec/logs?model=M[&since=T][&until=T][&after=ID]
// [&limit=N] for callers the registry says may read the model's logs
// (auditors and admins, within their scope). Records are returned as
// stored: redacted, pseudonyms and encrypted tokens included; only a holder
// of the pii key can decrypt (mlsec pii decrypt), and pseudonyms cannot be
// reversed by anyone. Expired records are never returned.
func (g *Gateway) serveLogs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	model := q.Get("model")
	if model == "" {
		writeError(w, http.StatusBadRequest, "invalid", "model= is required")
		return
	}
	if g.authz == nil {
		writeError(w, http.StatusForbidden, "forbidden", "this gateway has no registry to check readers against (registry.url)")
		return
	}
	tok := ""
	if a := r.Header.Get("Authorization"); len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
		tok = strings.TrimSpace(a[7:])
	}
	if err := g.authz.AuthorizeLogs(r.Context(), tok, model); err != nil {
		switch {
		case errors.Is(err, registry.ErrUnauthenticated):
			writeError(w, http.StatusUnauthorized, "unauthenticated", "a valid registry token is required (MLSEC_TOKEN)")
		case errors.Is(err, registry.ErrForbidden):
			writeError(w, http.StatusForbidden, "forbidden", "reading gateway logs needs the auditor or admin role with this model in scope")
		default:
			g.log.Warn("logs: cannot check the caller with the registry", "err", err)
			writeError(w, http.StatusBadGateway, "registry_unavailable", "the registry could not check this token; try again")
		}
		return
	}
	lq := logstore.Query{Model: model}
	var err error
	if s := q.Get("since"); s != "" {
		if lq.Since, err = time.Parse(time.RFC3339, s); err != nil {
			writeError(w, http.StatusBadRequest, "invalid", "since: want an RFC 3339 time, e.g. 2026-01-02T15:04:05Z")
			return
		}
	}
	if s := q.Get("until"); s != "" {
		if lq.Until, err = time.Parse(time.RFC3339, s); err != nil {
			writeError(w, http.StatusBadRequest, "invalid", "until: want an RFC 3339 time, e.g. 2026-01-02T15:04:05Z")
			return
		}
	}
	if s := q.Get("after"); s != "" {
		if lq.After, err = strconv.ParseInt(s, 10, 64); err != nil {
			writeError(w, http.StatusBadRequest, "invalid", "after: want a record id")
			return
		}
	}
	if s := q.Get("limit"); s != "" {
		if lq.Limit, err = strconv.Atoi(s); err != nil {
			writeError(w, http.StatusBadRequest, "invalid", "limit: want a number")
			return
		}
	}
	recs, next, err := g.store.List(r.Context(), lq, g.now())
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "log_store_unavailable", err.Error())
		return
	}
	if recs == nil {
		recs = []logstore.Record{}
	}
	writeJSON(w, http.StatusOK, LogPage{Items: recs, NextAfter: next})
}
