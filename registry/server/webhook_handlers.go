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
	var in registry.NewWebhook
	if err := decode(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	h, err := s.svc.CreateWebhook(r.Context(), a, in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, h)
}

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	hs, err := s.svc.ListWebhooks(r.Context(), a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[registry.Webhook]{Items: hs})
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	id, err := webhookID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.svc.DeleteWebhook(r.Context(), a, id); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) listWebhookDeliveries(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	id, err := webhookID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := page(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ds, cur, err := s.svc.ListWebhookDeliveries(r.Context(), a, id, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[registry.WebhookDelivery]{ds, cur})
}
