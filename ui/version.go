package ui

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"

	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/report"
)

// Version shows one version: files, findings, signature, BOM, evidence,
// lineage.
func (u *UI) Version(w http.ResponseWriter, r *http.Request, a registry.Actor) error {
	ctx, name := r.Context(), r.PathValue("model")
	n, err := strconv.Atoi(r.PathValue("number"))
	if err != nil || n < 1 {
		return registry.ErrNotFound
	}
	v, arts, err := u.svc.GetVersion(ctx, a, name, n)
	if err != nil {
		return err
	}
	es, _, err := u.svc.ListEvidence(ctx, a, name, n, registry.EvidenceFilter{Page: registry.Page{Limit: registry.MaxLimit}})
	if err != nil {
		return err
	}
	edges, err := u.svc.Lineage(ctx, a, name, n)
	if err != nil {
		return err
	}
	data, err := trainingRows(ctx, u.svc, a, name, n, edges)
	if err != nil {
		return err
	}
	slices.Reverse(es) // newest first
	page := struct {
		Version   registry.Version
		Files     []registry.Artifact
		Evidence  []registry.Evidence
		Scan      *evidence.ScanResult
		ScanAt    string
		Signature *evidence.SignatureResult
		BOM       *evidence.BOMResult
		Lineage   []registry.LineageEdge
		Graph     lineageGraph
		Training  []trainingRow
	}{Version: v, Files: arts, Evidence: es, Lineage: edges, Graph: drawLineage(v, edges), Training: data}
	// The newest record of each kind decides, as in the report.
	for i := range es {
		e := &es[i]
		switch e.Type {
		case evidence.TypeScan:
			if page.Scan == nil {
				page.Scan = decodeResult[evidence.ScanResult](e)
				page.ScanAt = e.Timestamp.UTC().Format("2006-01-02 15:04 UTC")
			}
		case evidence.TypeSignature:
			if page.Signature == nil {
				page.Signature = decodeResult[evidence.SignatureResult](e)
			}
		case evidence.TypeBOM:
			if page.BOM == nil {
				page.BOM = decodeResult[evidence.BOMResult](e)
			}
		}
	}
	return u.render(w, r, http.StatusOK, "version", v.Model+" version "+strconv.Itoa(v.Number), "models", a, page)
}

// trainingRow is one dataset the version was trained on, in the report's
// words (report.DataConcern, DataApproval, DataPII: one wording for both).
type trainingRow struct {
	registry.TrainingDataset
	Approval, PII, Concern string
}

// trainingRows answers "what data is this version built on, and who
// approved it?" for the page; nil when the lineage names no dataset.
func trainingRows(ctx context.Context, svc *registry.Service, a registry.Actor, model string, n int, edges []registry.LineageEdge) ([]trainingRow, error) {
	if !slices.ContainsFunc(edges, func(e registry.LineageEdge) bool { return e.Kind == registry.TrainedOn }) {
		return nil, nil
	}
	ds, err := svc.TrainingData(ctx, a, model, n)
	if err != nil {
		return nil, err
	}
	out := make([]trainingRow, len(ds))
	for i, d := range ds {
		out[i] = trainingRow{TrainingDataset: d, Approval: report.DataApproval(&ds[i]), PII: report.DataPII(&ds[i]), Concern: report.DataConcern(d)}
	}
	return out, nil
}

// decodeResult reads the type-specific result of a stored record, nil
// when it cannot be read (the page then says so).
func decodeResult[T any](e *registry.Evidence) *T {
	var rec evidence.Record
	if json.Unmarshal(e.Body, &rec) != nil || len(rec.Result) == 0 {
		return nil
	}
	out := new(T)
	if json.Unmarshal(rec.Result, out) != nil {
		return nil
	}
	return out
}

// lineageGraph is the lineage drawn as SVG: inputs (datasets, base model)
// on the left, the version in the middle, the run and evaluations on the
// right. Coordinates are computed here; the template escapes every label.
type lineageGraph struct {
	Width, Height int
	Center        node
	Nodes         []node
}

type node struct {
	X, Y, W, H     int
	Label, Kind    string
	LineX1, LineY1 int // the edge to the centre node
	LineX2, LineY2 int
}

const (
	nodeW, nodeH, gap = 220, 40, 16
	graphW            = 760
)

func drawLineage(v registry.Version, edges []registry.LineageEdge) lineageGraph {
	var left, right []registry.LineageEdge
	for _, e := range edges {
		if e.Kind == registry.TrainedOn || e.Kind == registry.DerivedFrom {
			left = append(left, e)
		} else {
			right = append(right, e)
		}
	}
	rows := max(len(left), len(right), 1)
	h := rows*(nodeH+gap) + gap
	g := lineageGraph{Width: graphW, Height: h}
	g.Center = node{X: graphW/2 - 90, Y: h/2 - nodeH/2, W: 180, H: nodeH, Label: v.Model + " v" + strconv.Itoa(v.Number), Kind: string(v.Stage)}
	place := func(es []registry.LineageEdge, x int, toLeft bool) {
		top := (h - len(es)*(nodeH+gap) + gap) / 2
		for i, e := range es {
			n := node{X: x, Y: top + i*(nodeH+gap), W: nodeW, H: nodeH, Label: e.Target, Kind: string(e.Kind)}
			if len(n.Label) > 30 {
				n.Label = n.Label[:14] + "…" + n.Label[len(n.Label)-14:]
			}
			n.LineY1, n.LineY2 = n.Y+nodeH/2, g.Center.Y+nodeH/2
			if toLeft {
				n.LineX1, n.LineX2 = x+nodeW, g.Center.X
			} else {
				n.LineX1, n.LineX2 = x, g.Center.X+g.Center.W
			}
			g.Nodes = append(g.Nodes, n)
		}
	}
	place(left, 8, true)
	place(right, graphW-nodeW-8, false)
	return g
}
