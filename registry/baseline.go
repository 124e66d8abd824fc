package registry

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/mlsec/mlsec/evidence"
)

// BaselineEvidenceTypes are the evidence types of the production version
// that a decision on another version of the model sees as
// input.production.evidence: what the comparison rules read (bias drift,
// MLSEC-FAIR-003). Kept to those types so the input stays small.
var BaselineEvidenceTypes = []string{evidence.TypeFairness}

// productionBaseline returns the model's production version with its
// evidence of BaselineEvidenceTypes, or nil when there is none or it is v.
func (s *Service) productionBaseline(ctx context.Context, v Version) (*Baseline, error) {
	vs, _, err := s.store.ListVersions(ctx, VersionFilter{Page: Page{Limit: 1}, Model: v.Model, Stage: StageProduction})
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 || vs[0].ID == v.ID {
		return nil, nil
	}
	p := vs[0]
	b := &Baseline{Version: p.Number, Digest: p.Digest, Evidence: []evidence.Item{}}
	for _, t := range BaselineEvidenceTypes {
		f := EvidenceFilter{Page: Page{Limit: MaxLimit}, VersionID: p.ID, Type: t}
		for {
			es, cur, err := s.store.ListEvidence(ctx, f)
			if err != nil {
				return nil, err
			}
			for _, e := range es {
				var rec evidence.Record
				if err := json.Unmarshal(e.Body, &rec); err != nil {
					return nil, fmt.Errorf("evidence %d: %w", e.ID, err)
				}
				b.Evidence = append(b.Evidence, evidence.Item{Record: rec, Signed: e.Signed,
					FirstParty: e.CreatedBy == System.Name, Source: fmt.Sprintf("registry evidence #%d by %s (production version %d)", e.ID, e.CreatedBy, p.Number)})
			}
			if cur == "" || len(b.Evidence) >= maxPolicyEvidence {
				break
			}
			f.Cursor = cur
		}
	}
	return b, nil
}
