package server

import (
	"context"
	"errors"
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
	s.respond(w, r, http.StatusOK, g, err)
}

func (s *Server) setOwners(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	p, ok := decodeInto[registry.GovernancePatch](s, w, r)
	if !ok {
		return
	}
	c, err := s.svc.SetGovernance(r.Context(), a, r.PathValue("model"), p)
	if c.Request != nil && err == nil {
		s.respond(w, r, http.StatusAccepted, c.Request, nil) // a change_governance decision
		return
	}
	s.respond(w, r, http.StatusOK, c.Governance, err)
}

func (s *Server) createRequest(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	n, ok := parse(s, w, r, versionNumber)
	if !ok {
		return
	}
	in, ok := decodeInto[registry.NewRequest](s, w, r)
	if !ok {
		return
	}
	// A version pushed a moment ago is still being analysed: wait for it
	// (bounded) rather than refuse a push-then-promote script. Errors are
	// left to RequestDecision, which reports them in its own words.
	if s.analysisWait > 0 {
		s.svc.WaitAnalysis(r.Context(), a, r.PathValue("model"), n, s.analysisWait)
	}
	d, err := s.svc.RequestDecision(r.Context(), a, r.PathValue("model"), n, in)
	if errors.Is(err, registry.ErrAnalysisPending) {
		w.Header().Set("Retry-After", "5")
	}
	s.respond(w, r, http.StatusCreated, d, err)
}

func (s *Server) listRequests(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	p, ok := parse(s, w, r, page)
	if !ok {
		return
	}
	f := registry.RequestFilter{Page: p, Status: registry.RequestStatus(r.URL.Query().Get("status"))}
	ds, cur, err := s.svc.ListDecisionRequests(r.Context(), a, r.PathValue("model"), f)
	respondList(s, w, r, ds, cur, err)
}

func decisionID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, invalid("request id must be a positive integer")
	}
	return id, nil
}

func (s *Server) getRequest(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	id, ok := parse(s, w, r, decisionID)
	if !ok {
		return
	}
	d, err := s.svc.GetDecisionRequest(r.Context(), a, id)
	s.respond(w, r, http.StatusOK, d, err)
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
	id, ok := parse(s, w, r, decisionID)
	if !ok {
		return
	}
	comment, ok := voteComment(s, w, r)
	if !ok {
		return
	}
	d, err := fn(r.Context(), a, id, comment)
	s.respond(w, r, http.StatusOK, d, err)
}

// voteComment reads a vote's optional body (model decisions and dataset
// versions alike); ok is false when it failed and was answered.
func voteComment(s *Server, w http.ResponseWriter, r *http.Request) (string, bool) {
	var in voteBody
	if r.ContentLength == 0 {
		return "", true
	}
	in, ok := decodeInto[voteBody](s, w, r)
	return in.Comment, ok
}

type rollbackBody struct {
	To     int    `json:"to"`
	Reason string `json:"reason"`
}

// rollback re-verifies the target's blobs in the bucket too.
func (s *Server) rollback(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	in, ok := decodeInto[rollbackBody](s, w, r)
	if !ok {
		return
	}
	if in.To < 1 {
		s.fail(w, r, invalid("to must be a version number"))
		return
	}
	d, err := s.svc.Rollback(r.Context(), a, r.PathValue("model"), in.To, in.Reason, registry.RollbackOptions{BlobExists: s.blobs.Exists})
	s.respond(w, r, http.StatusOK, d, err)
}

type recordBody struct {
	Title string `json:"title"`
	Body  string `json:"body"`
}

func (s *Server) addRecord(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	n, ok := parse(s, w, r, versionNumber)
	if !ok {
		return
	}
	in, ok := decodeInto[recordBody](s, w, r)
	if !ok {
		return
	}
	rec, err := s.svc.AddDecisionRecord(r.Context(), a, r.PathValue("model"), n, in.Title, in.Body)
	s.respond(w, r, http.StatusCreated, rec, err)
}

func (s *Server) listRecords(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	n, ok := parse(s, w, r, versionNumber)
	if !ok {
		return
	}
	rs, err := s.svc.ListDecisionRecords(r.Context(), a, r.PathValue("model"), n)
	respondList(s, w, r, rs, "", err)
}

func (s *Server) history(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	h, err := s.svc.History(r.Context(), a, r.PathValue("model"))
	respondList(s, w, r, h, "", err)
}

// listExceptions lists the exceptions granted by grant_exception decisions.
func (s *Server) listExceptions(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	es, err := s.svc.ListExceptions(r.Context(), a, r.PathValue("model"))
	respondList(s, w, r, es, "", err)
}

func (s *Server) getProfiles(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	v, err := s.svc.Profiles(r.Context(), a)
	s.respond(w, r, http.StatusOK, v, err)
}

func (s *Server) getModelProfile(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	v, err := s.svc.ModelProfile(r.Context(), a, r.PathValue("model"))
	s.respond(w, r, http.StatusOK, v, err)
}

func (s *Server) getTeamProfile(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	v, err := s.svc.TeamProfile(r.Context(), a, r.PathValue("team"))
	s.respond(w, r, http.StatusOK, v, err)
}

func (s *Server) putModelProfile(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	s.putProfile(w, r, a, registry.ProfileModel, r.PathValue("model"))
}

func (s *Server) putTeamProfile(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	s.putProfile(w, r, a, registry.ProfileTeam, r.PathValue("team"))
}

func (s *Server) putProfile(w http.ResponseWriter, r *http.Request, a registry.Actor, kind registry.ProfileKind, name string) {
	in, ok := decodeInto[registry.ProfilePut](s, w, r)
	if !ok {
		return
	}
	if in.Profile == "" {
		s.fail(w, r, invalid("profile is required (to remove a setting, DELETE it)"))
		return
	}
	v, err := s.svc.SetProfile(r.Context(), a, kind, name, in.Profile)
	s.respond(w, r, http.StatusOK, v, err)
}

func (s *Server) deleteModelProfile(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	v, err := s.svc.SetProfile(r.Context(), a, registry.ProfileModel, r.PathValue("model"), "")
	s.respond(w, r, http.StatusOK, v, err)
}

func (s *Server) deleteTeamProfile(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	v, err := s.svc.SetProfile(r.Context(), a, registry.ProfileTeam, r.PathValue("team"), "")
	s.respond(w, r, http.StatusOK, v, err)
}
