package server

import (
	"net/http"
	"strconv"

	"github.com/mlsec/mlsec/registry"
)

// Webhook endpoints (admins; docs/governance.md "Webhooks"). The secret is
// in the creation response only.

func webhookID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, invalid("webhook id must be a positive integer")
	}
	return id, nil
}

func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	in, ok := decodeInto[registry.NewWebhook](s, w, r)
	if !ok {
		return
	}
	h, err := s.svc.CreateWebhook(r.Context(), a, in)
	s.respond(w, r, http.StatusCreated, h, err)
}

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	hs, err := s.svc.ListWebhooks(r.Context(), a)
	respondList(s, w, r, hs, "", err)
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	id, ok := parse(s, w, r, webhookID)
	if !ok {
		return
	}
	s.noContent(w, r, s.svc.DeleteWebhook(r.Context(), a, id))
}

func (s *Server) listWebhookDeliveries(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	id, ok := parse(s, w, r, webhookID)
	if !ok {
		return
	}
	p, ok := parse(s, w, r, page)
	if !ok {
		return
	}
	ds, cur, err := s.svc.ListWebhookDeliveries(r.Context(), a, id, p)
	respondList(s, w, r, ds, cur, err)
}
