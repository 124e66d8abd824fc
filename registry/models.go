package registry

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/mlsec/mlsec/internal/lazyre"
)

var (
	nameRE   = lazyre.New(`^[a-z0-9][a-z0-9._-]{0,127}$`)
	digestRE = lazyre.New(`^[0-9a-f]{64}$`)
)

// ValidName reports whether s is a valid model, dataset or team name:
// lowercase letters, digits, '.', '_' and '-', starting with a letter or
// digit, at most 128 bytes (names appear in URLs unescaped).
func ValidName(s string) bool { return nameRE.MatchString(s) }

// ValidDigest reports whether s is a lowercase hex SHA-256 digest.
func ValidDigest(s string) bool { return digestRE.MatchString(s) }

// RootDigest computes the OMS root digest (files mode, SHA-256) of a
// version's model files: SHA-256 over the raw file digests in path order.
// Attachments (signature, BOM, evidence) are not covered, as in OMS.
func RootDigest(as []Artifact) (string, error) {
	files := make([]Artifact, 0, len(as))
	for _, a := range as {
		if a.Kind == "" || a.Kind == KindFile {
			files = append(files, a)
		}
	}
	if len(files) == 0 {
		return "", invalidf("a version needs at least one model file")
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	h := sha256.New()
	for _, a := range files {
		raw, err := hex.DecodeString(a.SHA256)
		if err != nil || !ValidDigest(a.SHA256) {
			return "", invalidf("artifact %s: sha256 must be 64 lowercase hex digits", a.Path)
		}
		h.Write(raw)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// ManifestDigest is "sha256:<hex>" over every artifact of a version, model
// files and attachments alike, sorted by path: one line per artifact,
// "kind\tpath\tsize\tsha256\n" (paths hold no tab or newline:
// ValidatePaths). Unlike the OMS root digest it binds the paths and sizes,
// so it is enough to verify the whole file list from one audit entry.
func ManifestDigest(as []Artifact) string {
	sorted := slices.Clone(as)
	slices.SortFunc(sorted, func(a, b Artifact) int { return strings.Compare(a.Path, b.Path) })
	h := sha256.New()
	for _, a := range sorted {
		kind := a.Kind
		if kind == "" {
			kind = KindFile
		}
		fmt.Fprintf(h, "%s\t%s\t%d\t%s\n", kind, a.Path, a.Size, a.SHA256)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// CreateModel registers a model. Team-scoped actors create in their team.
func (s *Service) CreateModel(ctx context.Context, a Actor, m Model) (Model, error) {
	if a.ScopeTeam != "" && m.Team == "" {
		m.Team = a.ScopeTeam
	}
	if err := require(a, PermWrite, &m); err != nil {
		return m, err
	}
	if !ValidName(m.Name) {
		return m, invalidf("model name %q: use lowercase letters, digits, '.', '_', '-'", m.Name)
	}
	if m.Team != "" && !ValidName(m.Team) {
		return m, invalidf("team name %q", m.Team)
	}
	if err := validTags(m.Tags); err != nil {
		return m, err
	}
	m.CreatedBy = a.Name
	err := s.mutate(ctx, a, "model.create", "model/"+m.Name, func() any { return m }, func(tx Tx) error {
		return tx.CreateModel(ctx, &m)
	})
	return m, err
}

func validTags(tags []string) error {
	if len(tags) > 64 {
		return invalidf("at most 64 tags")
	}
	for _, t := range tags {
		if !ValidName(t) {
			return invalidf("tag %q: use lowercase letters, digits, '.', '_', '-'", t)
		}
	}
	return nil
}

// ModelPatch holds the editable fields of a model; nil means unchanged.
type ModelPatch struct {
	Description *string   `json:"description"`
	Tags        *[]string `json:"tags"`
	Team        *string   `json:"team"`
}

// UpdateModel applies p to model name if its revision is still revision.
func (s *Service) UpdateModel(ctx context.Context, a Actor, name string, revision int64, p ModelPatch) (Model, error) {
	var m Model
	err := s.mutate(ctx, a, "model.update", "model/"+name, func() any { return p }, func(tx Tx) error {
		var err error
		if m, err = tx.GetModel(ctx, name); err != nil {
			return err
		}
		if err := require(a, PermWrite, &m); err != nil {
			return err
		}
		if p.Description != nil {
			m.Description = *p.Description
		}
		if p.Tags != nil {
			if err := validTags(*p.Tags); err != nil {
				return err
			}
			m.Tags = *p.Tags
		}
		if p.Team != nil {
			if *p.Team != "" && !ValidName(*p.Team) {
				return invalidf("team name %q", *p.Team)
			}
			if err := s.checkTeamMove(ctx, tx, a, m, *p.Team); err != nil {
				return err
			}
			m.Team = *p.Team
			if err := require(a, PermWrite, &m); err != nil { // cannot move a model out of scope
				return err
			}
		}
		return tx.UpdateModel(ctx, &m, revision)
	})
	return m, err
}

// GetModel returns a model the actor may read.
func (s *Service) GetModel(ctx context.Context, a Actor, name string) (Model, error) {
	if err := require(a, PermRead, nil); err != nil {
		return Model{}, err
	}
	m, err := s.store.GetModel(ctx, name)
	if err != nil {
		return m, err
	}
	return m, require(a, PermRead, &m)
}

// ListModels lists the models the actor may read.
func (s *Service) ListModels(ctx context.Context, a Actor, f ModelFilter) ([]Model, string, error) {
	if err := require(a, PermRead, nil); err != nil {
		return nil, "", err
	}
	if a.ScopeTeam != "" {
		if f.Team != "" && f.Team != a.ScopeTeam {
			return []Model{}, "", nil
		}
		f.Team = a.ScopeTeam
	}
	ms, cur, err := s.store.ListModels(ctx, f)
	if err != nil || a.Scope().Unscoped() {
		return ms, cur, err
	}
	out := ms[:0]
	for _, m := range ms {
		if a.Scope().AllowsModel(m) {
			out = append(out, m)
		}
	}
	return out, cur, nil
}
