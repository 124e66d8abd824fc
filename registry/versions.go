package registry

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
)

// NewVersion is what a client submits to create a version.
type NewVersion struct {
	// Digest is the OMS root digest the client computed; the service
	// recomputes it from Artifacts and rejects a mismatch. Empty = computed.
	Digest      string `json:"digest"`
	Description string `json:"description"`
	// SourceURI registers the version by reference: the weights stay where
	// they are, only digests are recorded, and the version is ready at once.
	SourceURI string        `json:"source_uri"`
	Artifacts []Artifact    `json:"artifacts"`
	Lineage   []LineageEdge `json:"lineage"`
}

// MaxArtifacts bounds the files of one version.
const MaxArtifacts = 100000

// Job kinds the registry enqueues.
const (
	// JobAnalyze scans, hashes and BOMs a ready version from the blob store.
	JobAnalyze = "analyze"
)

// CreateVersion creates model's version for nv, or returns the existing
// version with the same digest (created false), so pushes are idempotent.
func (s *Service) CreateVersion(ctx context.Context, a Actor, model string, nv NewVersion) (v Version, created bool, err error) {
	if len(nv.Artifacts) > MaxArtifacts {
		return v, false, invalidf("at most %d artifacts", MaxArtifacts)
	}
	paths := make([]string, len(nv.Artifacts))
	for i, art := range nv.Artifacts {
		paths[i] = art.Path
	}
	if err := ValidatePaths(paths); err != nil {
		return v, false, err
	}
	for i, art := range nv.Artifacts {
		switch art.Kind {
		case "":
			nv.Artifacts[i].Kind = KindFile
		case KindFile, KindSignature, KindBOM, KindEvidence:
		default:
			return v, false, invalidf("artifact %s: kind %q", art.Path, art.Kind)
		}
		if !ValidDigest(art.SHA256) || art.Size < 0 {
			return v, false, invalidf("artifact %s: sha256 must be 64 lowercase hex digits and size >= 0", art.Path)
		}
	}
	root, err := RootDigest(nv.Artifacts)
	if err != nil {
		return v, false, err
	}
	if nv.Digest != "" && nv.Digest != root {
		return v, false, fmt.Errorf("%w: digest %s does not match the artifacts' OMS root digest %s", ErrDigestMismatch, nv.Digest, root)
	}
	for _, l := range nv.Lineage {
		if err := validLineage(l); err != nil {
			return v, false, err
		}
	}
	v = Version{Digest: root, Description: nv.Description, SourceURI: nv.SourceURI, CreatedBy: a.Name, State: StatePending}
	err = s.mutate(ctx, a, "version.create", "model/"+model, func() any {
		return map[string]any{"digest": root, "number": v.Number, "source_uri": nv.SourceURI, "artifacts": len(nv.Artifacts)}
	}, func(tx Tx) error {
		m, err := tx.GetModel(ctx, model)
		if err != nil {
			return err
		}
		if err := require(a, PermWrite, &m); err != nil {
			return err
		}
		if old, err := tx.GetVersionByDigest(ctx, model, root); err == nil {
			v = old
			return errVersionExists
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		v.ModelID = m.ID
		if err := tx.CreateVersion(ctx, &v); err != nil {
			return err
		}
		if err := tx.AddArtifacts(ctx, v.ID, nv.Artifacts); err != nil {
			return err
		}
		for _, l := range nv.Lineage {
			l.VersionID, l.CreatedBy = v.ID, a.Name
			if err := tx.AddLineage(ctx, &l); err != nil {
				return err
			}
		}
		if nv.SourceURI != "" {
			// By reference: ready at once. Created pending like any version
			// (a ready version takes no artifacts), made ready in the same
			// transaction, so no one ever sees it pending.
			if err := tx.SetVersionState(ctx, v.ID, StatePending, StateReady); err != nil {
				return err
			}
			if v, err = tx.GetVersionByID(ctx, v.ID); err != nil {
				return err
			}
		}
		v.Model = model
		return nil
	})
	if errors.Is(err, errVersionExists) {
		return v, false, nil
	}
	return v, err == nil, err
}

var errVersionExists = errors.New("version exists")

// FinalizeVersion makes a pending version ready once every artifact's blob
// is stored and held by the actor (see holds), and enqueues its analysis.
// From then on it is immutable.
func (s *Service) FinalizeVersion(ctx context.Context, a Actor, model string, number int) (Version, error) {
	var v Version
	err := s.mutate(ctx, a, "version.ready", fmt.Sprintf("model/%s/versions/%d", model, number), nil, func(tx Tx) error {
		m, err := tx.GetModel(ctx, model)
		if err != nil {
			return err
		}
		if err := require(a, PermWrite, &m); err != nil {
			return err
		}
		if v, err = tx.GetVersion(ctx, model, number); err != nil {
			return err
		}
		if v.State != StatePending {
			return fmt.Errorf("version %s/%d is %s: %w", model, number, v.State, ErrConflict)
		}
		arts, err := tx.ListArtifacts(ctx, v.ID)
		if err != nil {
			return err
		}
		var missing []string
		for _, art := range arts {
			ok, err := s.holds(ctx, tx, a, art.SHA256, art.Size)
			if err != nil {
				return err
			}
			if !ok {
				missing = append(missing, art.Path)
			}
		}
		if len(missing) > 0 {
			if len(missing) > 10 {
				missing = append(missing[:10], "...")
			}
			return fmt.Errorf("%w: blobs not uploaded: %s", ErrConflict, strings.Join(missing, ", "))
		}
		if err := tx.SetVersionState(ctx, v.ID, StatePending, StateReady); err != nil {
			return err
		}
		if err := tx.EnqueueJob(ctx, &Job{Kind: JobAnalyze, VersionID: v.ID}); err != nil {
			return err
		}
		v, err = tx.GetVersionByID(ctx, v.ID)
		return err
	})
	return v, err
}

// versionFor loads model and version number and checks p on the model.
func (s *Service) versionFor(ctx context.Context, r Reader, a Actor, p Permission, model string, number int) (Model, Version, error) {
	if err := require(a, p, nil); err != nil {
		return Model{}, Version{}, err
	}
	m, err := r.GetModel(ctx, model)
	if err != nil {
		return m, Version{}, err
	}
	if err := require(a, p, &m); err != nil {
		return m, Version{}, err
	}
	v, err := r.GetVersion(ctx, model, number)
	return m, v, err
}

// GetVersion returns a version and its artifacts.
func (s *Service) GetVersion(ctx context.Context, a Actor, model string, number int) (Version, []Artifact, error) {
	_, v, err := s.versionFor(ctx, s.store, a, PermRead, model, number)
	if err != nil {
		return v, nil, err
	}
	arts, err := s.store.ListArtifacts(ctx, v.ID)
	return v, arts, err
}

// File returns the artifact at path of a version whose bytes the registry
// serves: the version must be ready (a pending version's files are only
// claims; finalize checks them) and uploaded, not registered by reference
// (its bytes live at its source URI, and a digest it lists may be someone
// else's blob).
func (s *Service) File(ctx context.Context, a Actor, model string, number int, path string) (Artifact, error) {
	v, arts, err := s.GetVersion(ctx, a, model, number)
	if err != nil {
		return Artifact{}, err
	}
	switch {
	case v.SourceURI != "":
		return Artifact{}, fmt.Errorf("%w: version %s/%d was registered by reference: its files live at %s, the registry serves no bytes for it",
			ErrNotFound, model, number, v.SourceURI)
	case v.State != StateReady:
		return Artifact{}, fmt.Errorf("%w: version %s/%d is %s: its files are served once it is ready", ErrConflict, model, number, v.State)
	}
	for _, art := range arts {
		if art.Path == path {
			return art, nil
		}
	}
	return Artifact{}, fmt.Errorf("artifact %s: %w", path, ErrNotFound)
}

// ListVersions lists a model's versions.
func (s *Service) ListVersions(ctx context.Context, a Actor, f VersionFilter) ([]Version, string, error) {
	if _, err := s.GetModel(ctx, a, f.Model); err != nil {
		return nil, "", err
	}
	if f.MinSeverity != "" && SeverityRank(f.MinSeverity) < 0 {
		return nil, "", invalidf("severity %q (want one of %s)", f.MinSeverity, strings.Join(Severities, ", "))
	}
	if f.Stage != "" && !ValidStage(f.Stage) {
		return nil, "", invalidf("stage %q (want one of %s)", f.Stage, stageNames())
	}
	return s.store.ListVersions(ctx, f)
}

// Proof of possession (docs/registry.md "Blobs"). Blobs are stored once
// per digest for every team, so knowing a digest must not be enough to get
// its bytes: a version counts a blob only if the actor finalizing it holds
// the bytes, that is uploaded them itself (the upload was verified against
// the digest) or could already read them (they are a file of a ready,
// uploaded version of a model in its scope). Anything else is answered as
// if the blob did not exist, so HEAD is no existence or size oracle.

// holds reports whether a holds blob sha256 of size bytes.
func (s *Service) holds(ctx context.Context, r Reader, a Actor, sha256 string, size int64) (bool, error) {
	b, err := r.GetBlob(ctx, sha256)
	if errors.Is(err, ErrNotFound) || (err == nil && size >= 0 && b.Size != size) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if ok, err := r.BlobUploadedBy(ctx, sha256, a.Principal()); err != nil || ok {
		return ok, err
	}
	return r.BlobInScope(ctx, sha256, a.Scope())
}

// HeadBlob returns blob sha256 if a holds it (a writer pushing a version
// skips uploading such blobs); otherwise ErrNotFound, whether or not
// anybody else stored it.
func (s *Service) HeadBlob(ctx context.Context, a Actor, sha256 string) (Blob, error) {
	if err := require(a, PermWrite, nil); err != nil {
		return Blob{}, err
	}
	notFound := fmt.Errorf("blob sha256:%s: %w", sha256, ErrNotFound)
	if !ValidDigest(sha256) {
		return Blob{}, invalidf("digest must be 64 lowercase hex digits")
	}
	ok, err := s.holds(ctx, s.store, a, sha256, -1)
	if err != nil || !ok {
		return Blob{}, cmp.Or(err, notFound)
	}
	return s.store.GetBlob(ctx, sha256)
}

// RecordBlob records content the blob store now holds under key, uploaded
// (and so proved held) by a; created is true when a had not uploaded it
// before, whoever else had.
func (s *Service) RecordBlob(ctx context.Context, a Actor, b Blob) (created bool, err error) {
	if err := require(a, PermWrite, nil); err != nil {
		return false, err
	}
	err = s.mutate(ctx, a, "blob.put", "blob/sha256:"+b.SHA256, func() any { return map[string]any{"size": b.Size} }, func(tx Tx) error {
		if _, err := tx.PutBlob(ctx, b); err != nil {
			return err
		}
		created, err = tx.RecordBlobUpload(ctx, b.SHA256, a.Principal())
		return err
	})
	return created, err
}

// GetVersionByDigest returns model's version with the given root digest.
func (s *Service) GetVersionByDigest(ctx context.Context, a Actor, model, digest string) (Version, error) {
	if _, err := s.GetModel(ctx, a, model); err != nil {
		return Version{}, err
	}
	return s.store.GetVersionByDigest(ctx, model, digest)
}
