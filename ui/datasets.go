package ui

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"

	"github.com/mlsec/mlsec/registry"
)

// usesPerDataset bounds the versions listed per dataset on the page.
const usesPerDataset = 10

// datasetRow is one dataset on the datasets page. Columns are added here
// and in the one "dataset-row" template.
type datasetRow struct {
	registry.Dataset
	// TrainedOn are the versions trained on it that the reader may see
	// (registry.Service.DatasetVersions), oldest first; More is true when
	// there are more than listed.
	TrainedOn []registry.Version
	More      bool
	// Latest is the newest registered version of the data ('mlsec data
	// register'): its classification, approval and PII scan; nil when the
	// dataset has no registered version.
	Latest *registry.DatasetVersion
	// PII lists the entity types its scan found, with counts, sorted.
	PII []string
}

// Datasets lists the registered datasets in the actor's scope, each with
// the versions (in the actor's scope) trained on it.
func (u *UI) Datasets(w http.ResponseWriter, r *http.Request, a registry.Actor) error {
	ds, next, err := u.svc.ListDatasets(r.Context(), a, registry.Page{Limit: 50, Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		return err
	}
	rows := make([]datasetRow, len(ds))
	for i, d := range ds {
		vs, more, err := u.svc.DatasetVersions(r.Context(), a, d.Name, registry.Page{Limit: usesPerDataset})
		if err != nil {
			return err
		}
		rows[i] = datasetRow{Dataset: d, TrainedOn: vs, More: more != ""}
		switch l, err := u.svc.LatestDatasetVersion(r.Context(), a, d.Name); {
		case err == nil:
			rows[i].Latest = &l
		case !errors.Is(err, registry.ErrNotFound):
			return err
		}
		if l := rows[i].Latest; l != nil && l.PII != nil {
			for e, n := range l.PII.Entities {
				rows[i].PII = append(rows[i].PII, fmt.Sprintf("%s (%d)", e, n))
			}
			sort.Strings(rows[i].PII)
		}
	}
	nextURL := ""
	if next != "" {
		nextURL = "/datasets?cursor=" + url.QueryEscape(next)
	}
	return u.render(w, r, http.StatusOK, "datasets", "Datasets", "datasets", a, struct {
		Datasets []datasetRow
		Next     string
	}{rows, nextURL})
}
