package registry

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/mlsec/mlsec/evidence"
)

// AddEvidence stores the evidence in raw (one record, an array, or a DSSE
// attestation; see package evidence) against a version. Every record's
// subject digest must be the version's digest. keys verify attestations:
// records they verify are stored as signed.
func (s *Service) AddEvidence(ctx context.Context, a Actor, model string, number int, raw []byte, keys []evidence.TrustedKey) ([]Evidence, error) {
	_, v, err := s.versionFor(ctx, s.store, a, PermEvidence, model, number)
	if err != nil {
		return nil, err
	}
	items, err := evidence.ReadItems(bytes.NewReader(raw), keys)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	out := make([]Evidence, 0, len(items))
	for _, it := range items {
		if it.Subject.SHA256() != v.Digest {
			return nil, invalidf("evidence subject digest %s is not version %s/%d (%s)", it.Subject.SHA256(), model, number, v.Digest)
		}
		e, err := fromRecord(it.Record, it.Signed, v.ID, a.Name)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, s.StoreEvidence(ctx, a, out)
}

// fromRecord converts a validated evidence record into a row.
func fromRecord(r evidence.Record, signed bool, versionID int64, actor string) (Evidence, error) {
	body, err := json.Marshal(r)
	if err != nil {
		return Evidence{}, fmt.Errorf("encode evidence: %w", err)
	}
	e := Evidence{VersionID: versionID, Type: r.Type, SubjectDigest: r.Subject.SHA256(), Producer: r.Producer.Tool,
		Timestamp: r.Timestamp, Signed: signed, Body: body, CreatedBy: actor}
	if r.Type == evidence.TypeScan {
		if res, err := r.DecodeResult(); err == nil {
			e.MaxSeverity = res.(*evidence.ScanResult).MaxSeverity
		}
	}
	return e, nil
}

// EvidenceFromRecord converts a record the server produced itself.
func EvidenceFromRecord(r evidence.Record, versionID int64) (Evidence, error) {
	return fromRecord(r, false, versionID, System.Name)
}

// StoreEvidence appends already validated rows in one transaction.
func (s *Service) StoreEvidence(ctx context.Context, a Actor, es []Evidence) error {
	if err := require(a, PermEvidence, nil); err != nil {
		return err
	}
	return s.mutate(ctx, a, "evidence.add", "evidence", func() any {
		ids := make([]int64, len(es))
		for i, e := range es {
			ids[i] = e.ID
		}
		return map[string]any{"ids": ids}
	}, func(tx Tx) error {
		for i := range es {
			if err := tx.AddEvidence(ctx, &es[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// ListEvidence lists evidence of a version.
func (s *Service) ListEvidence(ctx context.Context, a Actor, model string, number int, f EvidenceFilter) ([]Evidence, string, error) {
	_, v, err := s.versionFor(ctx, s.store, a, PermRead, model, number)
	if err != nil {
		return nil, "", err
	}
	if f.MinSeverity != "" && SeverityRank(f.MinSeverity) < 0 {
		return nil, "", invalidf("severity %q", f.MinSeverity)
	}
	f.VersionID = v.ID
	return s.store.ListEvidence(ctx, f)
}

func validLineage(l LineageEdge) error {
	switch l.Kind {
	case TrainedOn, DerivedFrom:
		if !ValidDigest(strings.TrimPrefix(l.Target, "sha256:")) {
			return invalidf("lineage %s: target must be a sha256 digest", l.Kind)
		}
	case ProducedBy, EvaluatedBy:
		u, err := url.Parse(l.Target)
		if err != nil || u.Scheme == "" || len(l.Target) > 2048 {
			return invalidf("lineage %s: target must be an absolute URL", l.Kind)
		}
	default:
		return invalidf("lineage kind %q (want trained_on, derived_from, produced_by, evaluated_by)", l.Kind)
	}
	if len(l.Commit) > 128 || len(l.Note) > 4096 {
		return invalidf("lineage commit or note too long")
	}
	return nil
}

// AddLineage adds an edge to a version. Lineage is metadata about a
// version, so it may be added after the version is ready.
func (s *Service) AddLineage(ctx context.Context, a Actor, model string, number int, l LineageEdge) (LineageEdge, error) {
	if err := validLineage(l); err != nil {
		return l, err
	}
	l.Target = strings.TrimPrefix(l.Target, "sha256:")
	err := s.mutate(ctx, a, "lineage.add", fmt.Sprintf("model/%s/versions/%d", model, number), func() any { return l }, func(tx Tx) error {
		_, v, err := s.versionFor(ctx, tx, a, PermWrite, model, number)
		if err != nil {
			return err
		}
		l.VersionID, l.CreatedBy = v.ID, a.Name
		return tx.AddLineage(ctx, &l)
	})
	return l, err
}

// Lineage returns a version's edges.
func (s *Service) Lineage(ctx context.Context, a Actor, model string, number int) ([]LineageEdge, error) {
	_, v, err := s.versionFor(ctx, s.store, a, PermRead, model, number)
	if err != nil {
		return nil, err
	}
	return s.store.ListLineage(ctx, v.ID)
}

// DatasetVersions lists the versions trained on dataset name (a
// trained_on lineage edge to its current digest), oldest first. The
// dataset must be in a's scope, and only versions of models in a's scope
// are listed: a team's reader never learns another team's versions, even
// when they were trained on its data.
func (s *Service) DatasetVersions(ctx context.Context, a Actor, name string, p Page) ([]Version, string, error) {
	d, err := s.GetDataset(ctx, a, name)
	if err != nil {
		return nil, "", err
	}
	return s.store.ListLineageSources(ctx, LineageFilter{Page: p, Kind: TrainedOn, Target: d.Digest, Scope: a.Scope()})
}

// ListJobs lists jobs of a version.
func (s *Service) ListJobs(ctx context.Context, a Actor, model string, number int, p Page) ([]Job, string, error) {
	_, v, err := s.versionFor(ctx, s.store, a, PermRead, model, number)
	if err != nil {
		return nil, "", err
	}
	return s.store.ListJobs(ctx, JobFilter{Page: p, VersionID: v.ID})
}
