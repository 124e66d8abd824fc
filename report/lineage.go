package report

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/client"
)

// Lineage is where a version came from: the registry's lineage edges,
// grouped by relation, with dataset digests named where a registered
// dataset (that the report's token may see) has that digest.
type Lineage struct {
	// Datasets are the trained_on edges.
	Datasets []LineageDataset `json:"datasets"`
	// BaseModels are the derived_from edges.
	BaseModels []LineageBase `json:"base_models"`
	// Runs are the produced_by edges (a training run or CI job URL).
	Runs []LineageLink `json:"runs"`
	// Evaluations are the evaluated_by edges.
	Evaluations []LineageLink `json:"evaluations"`
	// DataNote says why the datasets' registration, approval and PII are
	// not shown (the registry did not answer the training-data query);
	// empty when they are.
	DataNote string `json:"data_note,omitempty"`
}

// LineageDataset is a dataset a version was trained on.
type LineageDataset struct {
	Digest string `json:"digest"`
	// Names are the registered datasets with this digest (empty: none
	// registered, or none the token may see).
	Names  []string `json:"names"`
	Commit string   `json:"commit,omitempty"`
	Note   string   `json:"note,omitempty"`
	// Data is what the registry knows of the data: registration,
	// classification, approval (who, when) and PII, as the promotion
	// policy sees it; nil when the registry did not say (DataNote).
	Data *registry.TrainingDataset `json:"data,omitempty"`
	// Concern is what a reader must notice about this data in plain words
	// (DataConcern); empty when it is registered, approved and scanned.
	Concern string `json:"concern,omitempty"`
}

// LineageBase is the model a version was derived from (fine-tuned,
// distilled, quantised).
type LineageBase struct {
	Digest string `json:"digest"`
	// Version is the version of this model with that digest, 0 when the
	// base is another model (or not registered).
	Version int    `json:"version,omitempty"`
	Commit  string `json:"commit,omitempty"`
	Note    string `json:"note,omitempty"`
}

// LineageLink is a run or evaluation a version points at.
type LineageLink struct {
	URL    string `json:"url"`
	Commit string `json:"commit,omitempty"`
	Note   string `json:"note,omitempty"`
}

// maxDatasets bounds the dataset list read to name lineage digests.
const maxDatasets = 10000

// datasetNames maps a digest to the names of the registered datasets
// the token may see. A token that may not list datasets gets digests only.
func datasetNames(ctx context.Context, src Source) (map[string][]string, error) {
	ds, err := client.All(ctx, maxDatasets, func(ctx context.Context, cur string) (client.List[registry.Dataset], error) {
		return src.ListDatasets(ctx, registry.Page{Limit: registry.MaxLimit, Cursor: cur})
	})
	if err != nil {
		if errors.Is(err, registry.ErrForbidden) || client.StatusOf(err) == 403 {
			return map[string][]string{}, nil
		}
		return nil, fmt.Errorf("report: datasets: %w", err)
	}
	out := map[string][]string{}
	for _, d := range ds {
		out[d.Digest] = append(out[d.Digest], d.Name)
	}
	for _, n := range out {
		slices.Sort(n)
	}
	return out, nil
}

// DataConcern says in plain words what stands out about training data d
// ("" when nothing does): not registered, not approved (and why), no
// complete PII scan. The report and the web UI's version page both use it.
func DataConcern(d registry.TrainingDataset) string {
	var out []string
	switch {
	case !d.Registered:
		return "Not registered: nobody has declared what this data is, who owns it or how it may be used, and nobody approved it."
	case d.Approval == string(registry.DatasetApproved):
	case d.Approval == string(registry.DatasetPending):
		out = append(out, "Not approved: the approval of this data version is still pending.")
	case d.Approval == string(registry.DatasetRejected):
		out = append(out, "Rejected"+by(d.ApprovedBy)+": this data version must not be used for training.")
	default:
		out = append(out, "Not approved: the dataset was recorded without a version, which cannot be approved (register it with mlsec data register).")
	}
	if !d.PIIScanned {
		out = append(out, "No complete scan for personal data was recorded.")
	}
	return strings.Join(out, " ")
}

// DataApproval is who approved training data d and when, in words.
func DataApproval(d *registry.TrainingDataset) string {
	switch {
	case d == nil:
		return "unknown"
	case !d.Registered:
		return "not registered"
	}
	at := ""
	if d.ApprovedAt != nil {
		at = " on " + plainDateTime(*d.ApprovedAt)
	}
	switch d.Approval {
	case string(registry.DatasetApproved):
		return "approved" + by(d.ApprovedBy) + at
	case string(registry.DatasetRejected):
		return "rejected" + by(d.ApprovedBy) + at
	case string(registry.DatasetPending):
		return "waiting for approval"
	}
	return "no approvable version"
}

// DataPII is what the PII scan of training data d found, in words.
func DataPII(d *registry.TrainingDataset) string {
	if d == nil || !d.Registered {
		return "unknown"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(d.Entities)) {
		parts = append(parts, fmt.Sprintf("%s (%d values)", k, d.Entities[k]))
	}
	out := "none found"
	if len(parts) > 0 {
		out = strings.Join(parts, ", ")
	}
	if len(d.SensitiveAttributes) > 0 {
		out += "; sensitive attributes: " + strings.Join(d.SensitiveAttributes, ", ")
	}
	if !d.PIIScanned {
		if len(parts) == 0 && len(d.SensitiveAttributes) == 0 {
			return "not scanned"
		}
		out += " (scan incomplete)"
	}
	return out
}

func by(who string) string {
	if who == "" {
		return ""
	}
	return " by " + who
}

// trainingData attaches what the registry knows of each dataset to l's
// datasets (src.TrainingData); an answer the token may not read, or a
// server without the query, becomes l.DataNote.
func trainingData(ctx context.Context, src Source, model string, number int, l *Lineage) error {
	if l == nil || len(l.Datasets) == 0 {
		return nil
	}
	ds, err := src.TrainingData(ctx, model, number)
	if err != nil {
		switch st := client.StatusOf(err); {
		case errors.Is(err, registry.ErrForbidden) || st == http.StatusForbidden:
			l.DataNote = "The token used for this report may not read the registration and approval of this version's training data."
			return nil
		case st == http.StatusNotFound || st == http.StatusMethodNotAllowed:
			l.DataNote = "This registry does not say whether the training data is registered and approved (it predates dataset governance)."
			return nil
		}
		return fmt.Errorf("report: training data of version %d: %w", number, err)
	}
	byDigest := map[string]*registry.TrainingDataset{}
	for i := range ds {
		byDigest[ds[i].Digest] = &ds[i]
	}
	for i := range l.Datasets {
		d := &l.Datasets[i]
		if f := byDigest[d.Digest]; f != nil {
			if f.ApprovedAt != nil {
				t := f.ApprovedAt.UTC()
				f.ApprovedAt = &t
			}
			d.Data, d.Concern = f, DataConcern(*f)
			if f.Name != "" && !slices.Contains(d.Names, f.Name) {
				d.Names = sorted(append(d.Names, f.Name)) // a version's digest, not the dataset entry's
			}
		}
	}
	return nil
}

// lineage groups a version's edges; nil when it has none.
func lineage(edges []registry.LineageEdge, names map[string][]string, byDigest map[string]int) *Lineage {
	if len(edges) == 0 {
		return nil
	}
	l := &Lineage{Datasets: []LineageDataset{}, BaseModels: []LineageBase{}, Runs: []LineageLink{}, Evaluations: []LineageLink{}}
	for _, e := range edges {
		switch e.Kind {
		case registry.TrainedOn:
			l.Datasets = append(l.Datasets, LineageDataset{Digest: e.Target, Names: sorted(names[e.Target]), Commit: e.Commit, Note: e.Note})
		case registry.DerivedFrom:
			l.BaseModels = append(l.BaseModels, LineageBase{Digest: e.Target, Version: byDigest[e.Target], Commit: e.Commit, Note: e.Note})
		case registry.ProducedBy:
			l.Runs = append(l.Runs, LineageLink{URL: e.Target, Commit: e.Commit, Note: e.Note})
		case registry.EvaluatedBy:
			l.Evaluations = append(l.Evaluations, LineageLink{URL: e.Target, Commit: e.Commit, Note: e.Note})
		}
	}
	slices.SortStableFunc(l.Datasets, func(a, b LineageDataset) int { return cmp.Compare(a.Digest, b.Digest) })
	slices.SortStableFunc(l.BaseModels, func(a, b LineageBase) int { return cmp.Compare(a.Digest, b.Digest) })
	for _, ls := range [][]LineageLink{l.Runs, l.Evaluations} {
		slices.SortStableFunc(ls, func(a, b LineageLink) int { return cmp.Compare(a.URL, b.URL) })
	}
	return l
}

// Denial is why the policy denied a version: the newest denied decision
// on it, its blocking rules, and what the evidence the policy saw then
// (recorded up to the decision) shows.
type Denial struct {
	Decision int64        `json:"decision"`
	At       time.Time    `json:"at"`
	Rules    []PolicyRule `json:"rules"`
	// Problems are the areas that were not passing, with what was found.
	Problems []Pillar `json:"problems"`
	// Findings are the newest scan's findings, most severe first (at most
	// maxDenialFindings; FindingsOmitted counts the rest).
	Findings        []Finding `json:"findings"`
	FindingsOmitted int       `json:"findings_omitted,omitempty"`
}

// Finding is one scan finding.
type Finding struct {
	Severity string `json:"severity"`
	Rule     string `json:"rule"`
	File     string `json:"file"`
	Message  string `json:"message"`
}

// maxDenialFindings bounds the findings listed per denied version.
const maxDenialFindings = 20

// lastDenied is the newest decision on version n the policy denied.
func lastDenied(n int, reqs []registry.DecisionRequest) *registry.DecisionRequest {
	var last *registry.DecisionRequest
	for i := range reqs {
		if reqs[i].Version == n && reqs[i].Status == registry.RequestDenied {
			last = &reqs[i]
		}
	}
	return last
}

// denial explains decision d on version v from the version's evidence
// es: only records stored up to the decision count, so the report shows
// what the policy saw, not what was added since.
func denial(v registry.Version, d *registry.DecisionRequest, es []registry.Evidence, reqs []registry.DecisionRequest) *Denial {
	at := d.CreatedAt.UTC()
	if d.DecidedAt != nil {
		at = d.DecidedAt.UTC()
	}
	var seen []registry.Evidence
	for _, e := range es {
		if !e.CreatedAt.After(at) {
			seen = append(seen, e)
		}
	}
	var upTo []registry.DecisionRequest
	for _, r := range reqs {
		if r.ID <= d.ID {
			upTo = append(upTo, r)
		}
	}
	out := &Denial{Decision: d.ID, At: at, Rules: []PolicyRule{}, Problems: []Pillar{}, Findings: []Finding{}}
	if d.Policy != nil {
		for _, x := range d.Policy.Denies {
			out.Rules = append(out.Rules, PolicyRule{x.ID, x.Message})
		}
		slices.SortStableFunc(out.Rules, func(a, b PolicyRule) int { return cmp.Compare(a.ID, b.ID) })
	}
	for _, p := range pillars(v, seen, upTo) {
		if p.Status != Passing {
			out.Problems = append(out.Problems, p)
		}
	}
	if e := latestOf(seen, evidence.TypeScan); e != nil {
		var res evidence.ScanResult
		if result(e, &res) {
			for _, f := range res.Findings {
				file := f.Path
				if f.Member != "" {
					file += " \u203a " + f.Member
				}
				out.Findings = append(out.Findings, Finding{Severity: f.Severity, Rule: f.RuleID, File: file, Message: f.Message})
			}
		}
		slices.SortStableFunc(out.Findings, func(a, b Finding) int {
			return cmp.Or(cmp.Compare(registry.SeverityRank(b.Severity), registry.SeverityRank(a.Severity)),
				cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.File, b.File))
		})
		if n := len(out.Findings); n > maxDenialFindings {
			out.FindingsOmitted = n - maxDenialFindings
			out.Findings = out.Findings[:maxDenialFindings]
		}
	}
	return out
}
