package server

import (
	"net/http"

	"github.com/mlsec/mlsec/registry"
)

// Alias endpoints (docs/governance.md "Aliases"). A protected alias moves
// only through a move_alias decision (POST .../requests); the service
// refuses a direct move with 403.

func (s *Server) listAliases(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	as, err := s.svc.ListAliases(r.Context(), a, r.PathValue("model"))
	respondList(s, w, r, as, "", err)
}

func (s *Server) getAlias(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	al, err := s.svc.GetAlias(r.Context(), a, r.PathValue("model"), r.PathValue("alias"))
	s.respond(w, r, http.StatusOK, al, err)
}

func (s *Server) putAlias(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	in, ok := decodeInto[registry.AliasPut](s, w, r)
	if !ok {
		return
	}
	al, d, err := s.svc.SetAlias(r.Context(), a, r.PathValue("model"), r.PathValue("alias"), in)
	if d != nil && err == nil {
		s.respond(w, r, http.StatusAccepted, d, nil) // unprotecting is a decision
		return
	}
	s.respond(w, r, http.StatusOK, al, err)
}

func (s *Server) aliasHistory(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	p, ok := parse(s, w, r, page)
	if !ok {
		return
	}
	ms, cur, err := s.svc.AliasHistory(r.Context(), a, r.PathValue("model"), r.PathValue("alias"), p)
	respondList(s, w, r, ms, cur, err)
}
