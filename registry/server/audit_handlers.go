package server

import (
	"net/http"
	"strconv"

	"github.com/mlsec/mlsec/audit"
	"github.com/mlsec/mlsec/registry"
)

// The tamper-evident audit log API (docs/audit.md). Hashes are base64 in
// JSON; the latest checkpoint is served as the signed note itself
// (text/plain), like a C2SP tlog-tiles "checkpoint" file.

// auditEntries is the entries page: Entries are the stored bytes (base64),
// Size the log's size when read.
type auditEntries struct {
	Entries []auditEntry `json:"entries"`
	Size    uint64       `json:"size"`
}

type auditEntry struct {
	Index    uint64 `json:"index"`
	Entry    []byte `json:"entry"`
	LeafHash []byte `json:"leaf_hash"`
}

type auditCheckpoints struct {
	Checkpoints []string `json:"checkpoints"`
	// Next is the "after" value of the next page ("" on the last page).
	Next string `json:"next,omitempty"`
}

type auditProof struct {
	Index    *uint64  `json:"index,omitempty"`
	From     *uint64  `json:"from,omitempty"`
	TreeSize uint64   `json:"tree_size"`
	LeafHash []byte   `json:"leaf_hash,omitempty"`
	Hashes   [][]byte `json:"hashes"`
}

// uintQuery parses an optional unsigned query parameter (def if absent).
func uintQuery(name string, def uint64) func(*http.Request) (uint64, error) {
	return func(r *http.Request) (uint64, error) {
		v := r.URL.Query().Get(name)
		if v == "" {
			return def, nil
		}
		n, err := strconv.ParseUint(v, 10, 63)
		if err != nil {
			return 0, invalid(name + " must be a non-negative integer")
		}
		return n, nil
	}
}

func (s *Server) auditLogEntries(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	start, ok := parse(s, w, r, uintQuery("start", 0))
	if !ok {
		return
	}
	end, ok := parse(s, w, r, uintQuery("end", 0))
	if !ok {
		return
	}
	info, err := s.svc.AuditLogInfo(r.Context(), a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	recs, err := s.svc.AuditLogEntries(r.Context(), a, start, end)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := auditEntries{Entries: make([]auditEntry, 0, len(recs)), Size: info.Size}
	for _, rec := range recs {
		out.Entries = append(out.Entries, auditEntry{rec.Index, rec.Data, rec.LeafHash})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) auditLogCheckpoint(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	info, err := s.svc.AuditLogInfo(r.Context(), a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if info.Checkpoint == "" {
		s.fail(w, r, notFound("checkpoint: the audit log is empty"))
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	w.Write([]byte(info.Checkpoint))
}

func (s *Server) auditLogCheckpoints(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	after, ok := parse(s, w, r, uintQuery("after", 0))
	if !ok {
		return
	}
	limit, ok := parse(s, w, r, uintQuery("limit", registry.MaxAuditEntries))
	if !ok {
		return
	}
	cps, err := s.svc.AuditCheckpoints(r.Context(), a, after, int(min(limit, registry.MaxAuditEntries)))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := auditCheckpoints{Checkpoints: make([]string, 0, len(cps))}
	for _, c := range cps {
		out.Checkpoints = append(out.Checkpoints, string(c.Note))
	}
	if len(cps) > 0 && uint64(len(cps)) == min(limit, registry.MaxAuditEntries) {
		out.Next = strconv.FormatUint(cps[len(cps)-1].Size, 10)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) auditLogInclusion(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	if r.URL.Query().Get("index") == "" {
		s.fail(w, r, invalid("index is required"))
		return
	}
	index, ok := parse(s, w, r, uintQuery("index", 0))
	if !ok {
		return
	}
	size, ok := parse(s, w, r, uintQuery("tree_size", 0))
	if !ok {
		return
	}
	leaf, hashes, size, err := s.svc.AuditInclusionProof(r.Context(), a, index, size)
	s.respond(w, r, http.StatusOK, auditProof{Index: &index, TreeSize: size, LeafHash: leaf, Hashes: nonNil(hashes)}, err)
}

func (s *Server) auditLogConsistency(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	if r.URL.Query().Get("from") == "" {
		s.fail(w, r, invalid("from is required"))
		return
	}
	from, ok := parse(s, w, r, uintQuery("from", 0))
	if !ok {
		return
	}
	to, ok := parse(s, w, r, uintQuery("to", 0))
	if !ok {
		return
	}
	hashes, to, err := s.svc.AuditConsistencyProof(r.Context(), a, from, to)
	s.respond(w, r, http.StatusOK, auditProof{From: &from, TreeSize: to, Hashes: nonNil(hashes)}, err)
}

func (s *Server) auditLogKey(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	info, err := s.svc.AuditLogInfo(r.Context(), a)
	s.respond(w, r, http.StatusOK, map[string]any{"origin": info.Origin, "verifier_key": info.VerifierKey, "size": info.Size,
		"format": audit.LogFormat}, err)
}

func nonNil(h [][]byte) [][]byte {
	if h == nil {
		return [][]byte{}
	}
	return h
}

// auditLogTables cross-checks the sealed tables against the log.
func (s *Server) auditLogTables(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	tc, err := s.svc.AuditTableCheck(r.Context(), a)
	s.respond(w, r, http.StatusOK, tc, err)
}
