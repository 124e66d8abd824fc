package worker

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mlsec/mlsec/bom"
	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/internal/version"
	"github.com/mlsec/mlsec/manifest"
	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/scan"
	"github.com/mlsec/mlsec/sign"
)

// analyze scans, hashes and BOMs a ready version and stores the results as
// evidence. It is idempotent: if the server's evidence for the version is
// already stored (a worker died after storing it), it only completes.
func (p *Pool) analyze(ctx context.Context, j registry.Job) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("analyze panicked: %v", r)
		}
	}()
	st := p.c.Service.Store()
	v, err := st.GetVersionByID(ctx, j.VersionID)
	if err != nil {
		return fmt.Errorf("version %d: %w", j.VersionID, err)
	}
	if v.State != registry.StateReady {
		return fmt.Errorf("version %s/%d is %s, not ready", v.Model, v.Number, v.State)
	}
	if v.SourceURI != "" {
		return nil // registered by reference: there are no bytes to analyse
	}
	if done, err := p.analyzed(ctx, v); err != nil || done {
		return err
	}
	arts, err := st.ListArtifacts(ctx, v.ID)
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp(p.c.TempDir, scratchPrefix+"*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	// The folder is named after the model: the BOM takes its name from it.
	root := filepath.Join(work, v.Model)
	for _, a := range arts {
		if a.Kind != registry.KindFile {
			continue
		}
		if err := p.materialise(ctx, root, a); err != nil {
			return err
		}
	}
	// One hash pass (manifest's rule, as push computed the digest) serves
	// the digest check, the BOM and the signature check.
	m, err := manifest.Hash(ctx, root, manifest.Options{Algorithm: manifest.SHA256})
	if err != nil {
		return fmt.Errorf("hash: %w", err)
	}
	if got := hex.EncodeToString(m.RootDigest()); got != v.Digest {
		return fmt.Errorf("materialised files hash to %s, version digest is %s", got, v.Digest)
	}
	sc, err := scan.New(scan.Options{TempDir: work})
	if err != nil {
		return err
	}
	rep, err := sc.Scan(ctx, root)
	if err != nil {
		return fmt.Errorf("scan: %w", err)
	}
	for i := range rep.Findings {
		rep.Findings[i].Path = relTo(root, rep.Findings[i].Path)
	}
	now := p.c.Now().UTC()
	b, err := bom.Generate(ctx, root, bom.Options{Report: rep, Timestamp: now, Reproducible: true, Manifest: m})
	if err != nil {
		return fmt.Errorf("bom: %w", err)
	}
	subj := evidence.NewSubject(v.Model, v.Digest)
	scanRec, err := scan.Evidence(subj, rep, now)
	if err != nil {
		return fmt.Errorf("scan evidence: %w", err)
	}
	bomRec, err := bom.Evidence(subj, b.BOM, version.String(), now)
	if err != nil {
		return fmt.Errorf("bom evidence: %w", err)
	}
	recs := []evidence.Record{scanRec, bomRec}
	if len(p.c.TrustedKeys) > 0 {
		sigRec, err := p.verifySignature(ctx, work, root, m, subj, arts, now)
		if err != nil {
			return err
		}
		recs = append(recs, sigRec)
	}
	var rows []registry.Evidence
	for _, rec := range recs {
		rec.Producer.Tool = Producer
		if err := rec.Validate(); err != nil {
			return err
		}
		e, err := registry.EvidenceFromRecord(rec, v.ID)
		if err != nil {
			return err
		}
		rows = append(rows, e)
	}
	return p.c.Service.StoreEvidence(ctx, registry.System, rows)
}

// verifySignature checks the version's model.sig artifact against the
// server's trusted keys, on the files just materialised and hashed, and
// returns the outcome as signature evidence: verified, failed, or unsigned
// when the version carries no signature.
func (p *Pool) verifySignature(ctx context.Context, work, root string, hashed *manifest.Manifest, subj evidence.Subject, arts []registry.Artifact, now time.Time) (evidence.Record, error) {
	var sig *registry.Artifact
	for i := range arts {
		if arts[i].Kind == registry.KindSignature {
			sig = &arts[i]
			break
		}
	}
	if sig == nil {
		return sign.VerifyEvidence(subj, sign.MethodKey, nil, fmt.Errorf("%w: the version has no model.sig", evidence.ErrUnsigned), version.String(), now)
	}
	dir := filepath.Join(work, "signature")
	if err := p.materialise(ctx, dir, *sig); err != nil {
		return evidence.Record{}, err
	}
	bundle, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(sig.Path)))
	if err != nil {
		return evidence.Record{}, err
	}
	var res *sign.Result
	var verr error
	for _, k := range p.c.TrustedKeys {
		res, verr = sign.Verify(ctx, root, bundle, sign.VerifyOptions{Verifier: sign.KeyVerifier{Key: k.Key}, Reuse: hashed})
		if verr == nil {
			break
		}
	}
	return sign.VerifyEvidence(subj, sign.MethodKey, res, verr, version.String(), now)
}

// analyzed reports whether the server already stored its evidence for v.
func (p *Pool) analyzed(ctx context.Context, v registry.Version) (bool, error) {
	es, _, err := p.c.Service.Store().ListEvidence(ctx, registry.EvidenceFilter{VersionID: v.ID, Page: registry.Page{Limit: registry.MaxLimit}})
	if err != nil {
		return false, err
	}
	have := map[string]bool{}
	for _, e := range es {
		if e.Producer == Producer && e.CreatedBy == registry.System.Name {
			have[e.Type] = true
		}
	}
	return have[evidence.TypeScan] && have[evidence.TypeBOM], nil
}

// materialise streams one artifact's blob to root/path, checking its size
// and sha256 on the way: the blob store is not trusted either.
func (p *Pool) materialise(ctx context.Context, root string, a registry.Artifact) error {
	if err := registry.ValidatePath(a.Path); err != nil {
		return err
	}
	dst := filepath.Join(root, filepath.FromSlash(a.Path))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	rc, err := p.c.Blobs.Open(ctx, a.SHA256, 0, -1)
	if err != nil {
		return fmt.Errorf("open blob of %s: %w", a.Path, err)
	}
	defer rc.Close()
	f, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(rc, a.Size+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("materialise %s: %w", a.Path, err)
	}
	if sum := hex.EncodeToString(h.Sum(nil)); n != a.Size || sum != a.SHA256 {
		return fmt.Errorf("blob of %s does not match its record (size %d, sha256 %s; recorded %d, %s)", a.Path, n, sum, a.Size, a.SHA256)
	}
	return nil
}

// relTo makes a finding path relative to the materialised root, so the
// evidence names files as they are in the version.
func relTo(root, p string) string {
	if r, err := filepath.Rel(root, p); err == nil && !strings.HasPrefix(r, "..") {
		return filepath.ToSlash(r)
	}
	return p
}
