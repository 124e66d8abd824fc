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
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[registry.Alias]{Items: as})
}

func (s *Server) getAlias(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	al, err := s.svc.GetAlias(r.Context(), a, r.PathValue("model"), r.PathValue("alias"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, al)
}

func (s *Server) putAlias(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	var in registry.AliasPut
	if err := decode(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	al, err := s.svc.SetAlias(r.Context(), a, r.PathValue("model"), r.PathValue("alias"), in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, al)
}

func (s *Server) aliasHistory(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	p, err := page(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ms, cur, err := s.svc.AliasHistory(r.Context(), a, r.PathValue("model"), r.PathValue("alias"), p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[registry.AliasMove]{ms, cur})
}
