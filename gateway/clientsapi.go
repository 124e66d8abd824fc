package gateway

import (
	"errors"
	"net/http"
	"sort"
	"strings"

	"github.com/mlsec/mlsec/registry"
)

// ClientsPage is the answer of GET /_mlsec/clients.
type ClientsPage struct {
	// Items are the flagged clients of the routes whose model the caller
	// may read, by route and client.
	Items []FlaggedClient `json:"items"`
}

// serveClients answers GET /_mlsec/clients[?route=R]: the clients the
// extraction detectors flagged, on the routes whose model the caller may
// read the logs of (auditor or admin with the model in scope, asked of
// the registry as for /_mlsec/logs). A caller with no such route is 403.
// It shows this replica's book: each replica judges the traffic it sees.
func (g *Gateway) serveClients(w http.ResponseWriter, r *http.Request) {
	if g.authz == nil {
		writeError(w, http.StatusForbidden, "forbidden", "this gateway has no registry to check readers against (registry.url)")
		return
	}
	// An unknown route= gets the same 403 as a route out of scope, so
	// route names are not disclosed to callers who may not read them.
	want := r.URL.Query().Get("route")
	tok := ""
	if a := r.Header.Get("Authorization"); len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
		tok = strings.TrimSpace(a[7:])
	}
	allowed := map[string]bool{} // model -> may read
	page := ClientsPage{Items: []FlaggedClient{}}
	inScope := 0
	for _, rt := range g.routes {
		if want != "" && rt.cfg.Name != want {
			continue
		}
		ok, seen := allowed[rt.cfg.Model]
		if !seen {
			err := g.authz.AuthorizeLogs(r.Context(), tok, rt.cfg.Model)
			switch {
			case err == nil:
				ok = true
			case errors.Is(err, registry.ErrUnauthenticated):
				writeError(w, http.StatusUnauthorized, "unauthenticated", "a valid registry token is required (MLSEC_TOKEN)")
				return
			case errors.Is(err, registry.ErrForbidden):
			default:
				g.log.Warn("clients: cannot check the caller with the registry", "err", err)
				writeError(w, http.StatusBadGateway, "registry_unavailable", "the registry could not check this token; try again")
				return
			}
			allowed[rt.cfg.Model] = ok
		}
		if !ok {
			continue
		}
		inScope++
		if h := g.extractHookOf(rt); h != nil {
			page.Items = append(page.Items, h.flags.list(&rt.cfg, g.now())...)
		}
	}
	if inScope == 0 {
		writeError(w, http.StatusForbidden, "forbidden", "listing flagged clients needs the auditor or admin role with the route's model in scope")
		return
	}
	sort.Slice(page.Items, func(i, j int) bool {
		a, b := page.Items[i], page.Items[j]
		return a.Route < b.Route || (a.Route == b.Route && a.Client < b.Client)
	})
	writeJSON(w, http.StatusOK, page)
}

func (g *Gateway) extractHookOf(rt *route) *extractHook {
	for _, h := range rt.hooks {
		if e, ok := h.(*extractHook); ok {
			return e
		}
	}
	return nil
}
