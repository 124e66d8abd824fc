package ui

import (
	"net/http"
	"net/url"

	"github.com/mlsec/mlsec/registry"
)

// Datasets lists the registered datasets in the actor's scope.
func (u *UI) Datasets(w http.ResponseWriter, r *http.Request, a registry.Actor) error {
	ds, next, err := u.svc.ListDatasets(r.Context(), a, registry.Page{Limit: 50, Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		return err
	}
	nextURL := ""
	if next != "" {
		nextURL = "/datasets?cursor=" + url.QueryEscape(next)
	}
	return u.render(w, r, http.StatusOK, "datasets", "Datasets", "datasets", a, struct {
		Datasets []registry.Dataset
		Next     string
	}{ds, nextURL})
}
