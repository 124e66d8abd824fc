package registry

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
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

// CreateDataset registers a dataset.
func (s *Service) CreateDataset(ctx context.Context, a Actor, d Dataset) (Dataset, error) {
	if err := require(a, PermWrite, nil); err != nil {
		return d, err
	}
	d.Digest = strings.TrimPrefix(d.Digest, "sha256:")
	if !ValidName(d.Name) || !ValidDigest(d.Digest) {
		return d, invalidf("dataset needs a valid name and a sha256 digest")
	}
	err := s.mutate(ctx, a, "dataset.create", "dataset/"+d.Name, func() any { return d }, func(tx Tx) error {
		return tx.CreateDataset(ctx, &d)
	})
	return d, err
}

// GetDataset returns a dataset.
func (s *Service) GetDataset(ctx context.Context, a Actor, name string) (Dataset, error) {
	if err := require(a, PermRead, nil); err != nil {
		return Dataset{}, err
	}
	return s.store.GetDataset(ctx, name)
}

// ListDatasets lists datasets.
func (s *Service) ListDatasets(ctx context.Context, a Actor, p Page) ([]Dataset, string, error) {
	if err := require(a, PermRead, nil); err != nil {
		return nil, "", err
	}
	return s.store.ListDatasets(ctx, p)
}

// TokenPrefix starts every token secret, so leaked tokens are greppable.
const TokenPrefix = "mlsec_"

// HashToken returns the stored form of a token secret.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// CreateToken issues a token and returns its secret, which is shown once
// and never stored.
func (s *Service) CreateToken(ctx context.Context, a Actor, t Token) (Token, string, error) {
	if err := require(a, PermAdmin, nil); err != nil {
		return t, "", err
	}
	return s.issueToken(ctx, a, t)
}

func (s *Service) issueToken(ctx context.Context, a Actor, t Token) (Token, string, error) {
	if !ValidRole(t.Role) {
		return t, "", invalidf("role %q (want admin, maintainer, reviewer or auditor)", t.Role)
	}
	if t.Name == "" || len(t.Name) > 128 {
		return t, "", invalidf("token name must be 1 to 128 bytes")
	}
	if t.ExpiresAt != nil && !t.ExpiresAt.After(s.now()) {
		return t, "", invalidf("expires_at is in the past")
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return t, "", err
	}
	secret := TokenPrefix + hex.EncodeToString(b)
	t.Hash, t.CreatedBy = HashToken(secret), a.Name
	err := s.mutate(ctx, a, "token.create", "token/"+t.Name, func() any {
		return map[string]any{"name": t.Name, "role": t.Role, "scope_team": t.ScopeTeam, "scope_model": t.ScopeModel}
	}, func(tx Tx) error { return tx.CreateToken(ctx, &t) })
	return t, secret, err
}

// Bootstrap issues the first admin token if no token exists yet; ok is
// false (and secret empty) when tokens already exist.
func (s *Service) Bootstrap(ctx context.Context) (secret string, ok bool, err error) {
	n, err := s.store.CountTokens(ctx)
	if err != nil || n > 0 {
		return "", false, err
	}
	_, secret, err = s.issueToken(ctx, System, Token{Name: "bootstrap-admin", Role: RoleAdmin})
	return secret, err == nil, err
}

// RevokeToken revokes token id.
func (s *Service) RevokeToken(ctx context.Context, a Actor, id int64) error {
	if err := require(a, PermAdmin, nil); err != nil {
		return err
	}
	s.tokens.forget(id)
	defer s.tokens.forget(id) // after the commit too: no request re-caches the old row
	return s.mutate(ctx, a, "token.revoke", fmt.Sprintf("token/%d", id), nil, func(tx Tx) error {
		return tx.RevokeToken(ctx, id, s.now())
	})
}

// ListTokens lists tokens (never their secrets).
func (s *Service) ListTokens(ctx context.Context, a Actor, p Page) ([]Token, string, error) {
	if err := require(a, PermAdmin, nil); err != nil {
		return nil, "", err
	}
	return s.store.ListTokens(ctx, p)
}

// Authenticate resolves a bearer secret to an actor. Unknown, revoked and
// expired tokens are all ErrUnauthenticated with the same message.
func (s *Service) Authenticate(ctx context.Context, secret string) (Actor, error) {
	bad := fmt.Errorf("%w: invalid, expired or revoked token", ErrUnauthenticated)
	if !strings.HasPrefix(secret, TokenPrefix) || len(secret) > 256 {
		return Actor{}, bad
	}
	hash := HashToken(secret)
	t, cached, gen := s.tokens.get(hash)
	if !cached {
		var err error
		t, err = s.store.GetTokenByHash(ctx, hash)
		if errors.Is(err, ErrNotFound) {
			return Actor{}, bad
		}
		if err != nil {
			return Actor{}, err
		}
		if t.RevokedAt == nil {
			s.tokens.put(hash, t, gen)
		}
	}
	if t.RevokedAt != nil || (t.ExpiresAt != nil && !t.ExpiresAt.After(s.now())) {
		return Actor{}, bad
	}
	return Actor{Name: fmt.Sprintf("token:%d:%s", t.ID, t.Name), Role: t.Role, ScopeTeam: t.ScopeTeam, ScopeModel: t.ScopeModel, TokenID: t.ID}, nil
}

// ListJobs lists jobs of a version.
func (s *Service) ListJobs(ctx context.Context, a Actor, model string, number int, p Page) ([]Job, string, error) {
	_, v, err := s.versionFor(ctx, s.store, a, PermRead, model, number)
	if err != nil {
		return nil, "", err
	}
	return s.store.ListJobs(ctx, JobFilter{Page: p, VersionID: v.ID})
}

// ListAudit lists the audit trail.
func (s *Service) ListAudit(ctx context.Context, a Actor, p Page) ([]AuditEvent, string, error) {
	if err := require(a, PermAudit, nil); err != nil {
		return nil, "", err
	}
	return s.store.ListAudit(ctx, p)
}
