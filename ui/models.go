package ui

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/report"
)

// modelsPerPage is the models page size; maxSearchModels bounds a name
// search (it reads the model list page by page).
const (
	modelsPerPage   = 25
	maxSearchModels = 10000
)

// postureRow is one model on the models page.
type postureRow struct {
	Model    registry.Model
	Version  *registry.Version // production, else the latest
	Pillars  []report.Pillar
	Versions int
}

// Models lists the models in the actor's scope with their posture.
func (u *UI) Models(w http.ResponseWriter, r *http.Request, a registry.Actor) error {
	q := r.URL.Query()
	f := registry.ModelFilter{Page: registry.Page{Limit: modelsPerPage, Cursor: q.Get("cursor")}, Team: q.Get("team"), Tag: q.Get("tag")}
	search := strings.TrimSpace(q.Get("q"))
	var ms []registry.Model
	var next string
	var err error
	if search == "" {
		ms, next, err = u.svc.ListModels(r.Context(), a, f)
	} else {
		ms, next, err = u.searchModels(r.Context(), a, f, strings.ToLower(search))
	}
	if err != nil {
		return err
	}
	rows := make([]postureRow, 0, len(ms))
	for _, m := range ms {
		row, err := u.posture(r.Context(), a, m)
		if err != nil {
			return err
		}
		rows = append(rows, row)
	}
	nextURL := ""
	if next != "" {
		v := url.Values{"cursor": {next}}
		for _, k := range []string{"team", "tag", "q"} {
			if q.Get(k) != "" {
				v.Set(k, q.Get(k))
			}
		}
		nextURL = "/models?" + v.Encode()
	}
	data := struct {
		Rows         []postureRow
		Team, Tag, Q string
		Next         string
		Pillars      []string
		First        bool
	}{rows, f.Team, f.Tag, search, nextURL, pillarNames, q.Get("cursor") == ""}
	return u.render(w, r, http.StatusOK, "models", "Models", "models", a, data)
}

// pillarNames are the posture strip's column headings, in report order.
var pillarNames = []string{"Supply chain", "Provenance", "GRC", "Trusted AI", "Adversarial", "Monitoring"}

// searchModels returns up to f.Limit models whose name contains search,
// reading the list from f's cursor; the cursor it returns continues the
// search after the last model returned.
func (u *UI) searchModels(ctx context.Context, a registry.Actor, f registry.ModelFilter, search string) ([]registry.Model, string, error) {
	var out []registry.Model
	limit := f.Limit
	f.Limit = registry.MaxLimit
	for read := 0; read < maxSearchModels; {
		ms, next, err := u.svc.ListModels(ctx, a, f)
		if err != nil {
			return nil, "", err
		}
		read += len(ms)
		for i, m := range ms {
			if !strings.Contains(strings.ToLower(m.Name), search) {
				continue
			}
			out = append(out, m)
			if len(out) == limit {
				if i == len(ms)-1 {
					return out, next, nil
				}
				// The cursor after model i: the same page cut there.
				f.Limit = i + 1
				_, cur, err := u.svc.ListModels(ctx, a, f)
				return out, cur, err
			}
		}
		if next == "" {
			return out, "", nil
		}
		f.Cursor = next
	}
	return out, "", nil
}

// posture assesses a model's production version (else its latest) with
// the report's pillar rules.
func (u *UI) posture(ctx context.Context, a registry.Actor, m registry.Model) (postureRow, error) {
	row := postureRow{Model: m}
	vs, _, err := u.svc.ListVersions(ctx, a, registry.VersionFilter{Model: m.Name, Page: registry.Page{Limit: registry.MaxLimit}})
	if err != nil {
		return row, err
	}
	row.Versions = len(vs)
	if len(vs) == 0 {
		return row, nil
	}
	v := vs[len(vs)-1]
	if i := slices.IndexFunc(vs, func(v registry.Version) bool { return v.Stage == registry.StageProduction }); i >= 0 {
		v = vs[i]
	}
	row.Version = &v
	es, _, err := u.svc.ListEvidence(ctx, a, m.Name, v.Number, registry.EvidenceFilter{Page: registry.Page{Limit: registry.MaxLimit}})
	if err != nil {
		return row, err
	}
	reqs, _, err := u.svc.ListDecisionRequests(ctx, a, m.Name, registry.RequestFilter{VersionID: v.ID, Page: registry.Page{Limit: registry.MaxLimit}})
	if err != nil {
		return row, err
	}
	row.Pillars = report.Pillars(v, es, reqs)
	return row, nil
}

// Model shows one model: versions, aliases, owners, decisions, exceptions.
func (u *UI) Model(w http.ResponseWriter, r *http.Request, a registry.Actor) error {
	ctx, name := r.Context(), r.PathValue("model")
	m, err := u.svc.GetModel(ctx, a, name)
	if err != nil {
		return err
	}
	vs, _, err := u.svc.ListVersions(ctx, a, registry.VersionFilter{Model: name, Page: registry.Page{Limit: registry.MaxLimit}})
	if err != nil {
		return err
	}
	trend, err := report.FairnessTrendCharts(ctx, serviceSource{u.svc, a}, vs)
	if err != nil {
		return err
	}
	drift, err := report.DriftTrendCharts(ctx, serviceSource{u.svc, a}, vs)
	if err != nil {
		return err
	}
	slices.Reverse(vs) // newest first
	aliases, err := u.svc.ListAliases(ctx, a, name)
	if err != nil {
		return err
	}
	gov, err := u.svc.GetGovernance(ctx, a, name)
	if err != nil {
		return err
	}
	reqs, _, err := u.svc.ListDecisionRequests(ctx, a, name, registry.RequestFilter{Page: registry.Page{Limit: registry.MaxLimit}})
	if err != nil {
		return err
	}
	slices.Reverse(reqs)
	excs, err := u.svc.ListExceptions(ctx, a, name)
	if err != nil {
		return err
	}
	byVersion := map[int][]string{}
	for _, al := range aliases {
		byVersion[al.Version] = append(byVersion[al.Version], al.Name)
	}
	owners := []ownerRow{}
	for _, resp := range registry.Responsibilities {
		owners = append(owners, ownerRow{string(resp), gov.Owners[resp]})
	}
	data := struct {
		Model      registry.Model
		Versions   []registry.Version
		Aliases    map[int][]string
		Owners     []ownerRow
		Rules      []registry.ApprovalRule
		Requests   []registry.DecisionRequest
		Exceptions []registry.ModelException
		Fairness   []template.HTML
		Drift      []template.HTML
	}{m, vs, byVersion, owners, gov.ApprovalRules, reqs, excs, trend, drift}
	return u.render(w, r, http.StatusOK, "model", m.Name, "models", a, data)
}

type ownerRow struct {
	Responsibility string
	Principals     []string
}
