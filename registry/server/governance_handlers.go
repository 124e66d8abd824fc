package server

import (
	"context"
	"net/http"
	"strconv"

	"github.com/mlsec/mlsec/registry"
)

// Governance endpoints (docs/governance.md): owners and approval rules,
// decision requests and votes, rollback, decision records and history.
// Route permissions are the floor; the service checks ownership, approver
// lists and separation of duties.

func (s *Server) getOwners(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	g, err := s.svc.GetGovernance(r.Context(), a, r.PathValue("model"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, g)
}

func (s *Server) setOwners(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	var p registry.GovernancePatch
	if err := decode(w, r, &p); err != nil {
		s.fail(w, r, err)
		return
	}
	g, err := s.svc.SetGovernance(r.Context(), a, r.PathValue("model"), p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, g)
}

func (s *Server) createRequest(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	n, err := versionNumber(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in registry.NewRequest
	if err := decode(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := s.svc.RequestDecision(r.Context(), a, r.PathValue("model"), n, in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, d)
}

func (s *Server) listRequests(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	p, err := page(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := registry.RequestFilter{Page: p, Status: registry.RequestStatus(r.URL.Query().Get("status"))}
	ds, cur, err := s.svc.ListDecisionRequests(r.Context(), a, r.PathValue("model"), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[registry.DecisionRequest]{ds, cur})
}

func decisionID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, invalid("request id must be a positive integer")
	}
	return id, nil
}

func (s *Server) getRequest(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	id, err := decisionID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := s.svc.GetDecisionRequest(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

type voteBody struct {
	Comment string `json:"comment"`
}

func (s *Server) approveRequest(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	s.vote(w, r, a, s.svc.Approve)
}

func (s *Server) rejectRequest(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	s.vote(w, r, a, s.svc.Reject)
}

func (s *Server) vote(w http.ResponseWriter, r *http.Request, a registry.Actor,
	fn func(ctx context.Context, a registry.Actor, id int64, comment string) (registry.DecisionRequest, error)) {
	id, err := decisionID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in voteBody
	if r.ContentLength != 0 {
		if err := decode(w, r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	d, err := fn(r.Context(), a, id, in.Comment)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

type rollbackBody struct {
	To     int    `json:"to"`
	Reason string `json:"reason"`
}

// rollback re-verifies the target's blobs in the bucket too.
func (s *Server) rollback(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	var in rollbackBody
	if err := decode(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	if in.To < 1 {
		s.fail(w, r, invalid("to must be a version number"))
		return
	}
	d, err := s.svc.Rollback(r.Context(), a, r.PathValue("model"), in.To, in.Reason, registry.RollbackOptions{BlobExists: s.blobs.Exists})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

type recordBody struct {
	Title string `json:"title"`
	Body  string `json:"body"`
}

func (s *Server) addRecord(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	n, err := versionNumber(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in recordBody
	if err := decode(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	rec, err := s.svc.AddDecisionRecord(r.Context(), a, r.PathValue("model"), n, in.Title, in.Body)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, rec)
}

func (s *Server) listRecords(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	n, err := versionNumber(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rs, err := s.svc.ListDecisionRecords(r.Context(), a, r.PathValue("model"), n)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[registry.DecisionRecord]{rs, ""})
}

func (s *Server) history(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	h, err := s.svc.History(r.Context(), a, r.PathValue("model"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[registry.HistoryEntry]{h, ""})
}

// listExceptions lists the exceptions granted by grant_exception decisions.
func (s *Server) listExceptions(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	es, err := s.svc.ListExceptions(r.Context(), a, r.PathValue("model"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[registry.ModelException]{es, ""})
}
