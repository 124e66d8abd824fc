package client

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/manifest"
	"github.com/mlsec/mlsec/registry"
)

// PushOptions describe the model a folder is pushed to.
type PushOptions struct {
	Model       string
	Description string
	// Tags are added to the model (created if missing, merged otherwise).
	Tags []string
	// Team owns the model when push creates it.
	Team string
	// IgnorePaths are model-relative paths left out of the version, as
	// 'mlsec sign --ignore-paths' leaves them out of a signature.
	IgnorePaths []string
	// Log, if set, receives one line per step (uploads, skips).
	Log func(format string, args ...any)
	// Progress, if set, receives the upload's progress: blobs and bytes
	// done of those to send (a blob the server has counts as done).
	Progress Progress
}

// Progress receives how far a push or a pull is: files and bytes done of
// the totals. It is called on every read, so the callee throttles
// (internal/progress does).
type Progress func(files, totalFiles int, done, total int64)

// transfer counts the files and bytes of a push or pull for a Progress.
type transfer struct {
	report            Progress
	files, totalFiles int
	done, total       int64
}

func (t *transfer) add(files int, n int64) {
	t.files += files
	t.done += n
	if t.report != nil {
		t.report(t.files, t.totalFiles, t.done, t.total)
	}
}

// reader counts what is read through it.
func (t *transfer) reader(r io.Reader) io.Reader {
	if t.report == nil {
		return r
	}
	return &countingReader{r: r, t: t}
}

type countingReader struct {
	r io.Reader
	t *transfer
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.t.add(0, int64(n))
	return n, err
}

// PushResult says what a push did.
type PushResult struct {
	Version VersionView
	// Created is true when this push created the version.
	Created bool
	// Uploaded and Skipped count blobs sent and blobs the server had.
	Uploaded, Skipped int
	UploadedBytes     int64
	// Evidence counts evidence records attached by this push.
	Evidence int
	// Rejected lists evidence files the server refused, with the reason.
	Rejected []string
}

// NoOp reports whether the push changed nothing: the version existed,
// was ready, and every blob and evidence record was already there.
func (r *PushResult) NoOp() bool {
	return !r.Created && r.Uploaded == 0 && r.Evidence == 0 && len(r.Rejected) == 0
}

// localFile is an artifact with the OS path it is read from.
type localFile struct {
	registry.Artifact
	os string
}

// scanLocal hashes the model at root (a folder or one file) the way the
// registry identifies versions: the model's files by manifest's one rule
// (files mode, SHA-256), which also names the attachments (a Sigstore
// bundle at model.sig, *.cdx.json BOMs, evidence documents) that are
// listed with their own kinds and not covered by the digest. It returns
// the artifacts and the OMS root digest.
func scanLocal(ctx context.Context, root string, ignores []string) (digest string, files []localFile, err error) {
	st, err := os.Stat(root)
	if err != nil {
		return "", nil, err
	}
	m, err := manifest.Hash(ctx, root, manifest.Options{Algorithm: manifest.SHA256, IgnorePaths: ignores})
	if err != nil {
		return "", nil, fmt.Errorf("hash %s: %w", root, err)
	}
	at := func(rel string) string {
		if !st.IsDir() {
			return root
		}
		return filepath.Join(root, filepath.FromSlash(rel))
	}
	for _, it := range m.Items {
		files = append(files, localFile{registry.Artifact{Path: it.Name, Size: it.Size, SHA256: hex.EncodeToString(it.Digest), Kind: registry.KindFile}, at(it.Name)})
	}
	for _, a := range m.Attachments {
		sum, size, err := hashFile(at(a.Path))
		if err != nil {
			return "", nil, err
		}
		files = append(files, localFile{registry.Artifact{Path: a.Path, Size: size, SHA256: sum, Kind: a.Kind}, at(a.Path)})
	}
	return hex.EncodeToString(m.RootDigest()), files, nil
}

// hashFile streams a file through SHA-256.
func hashFile(p string) (string, int64, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, fmt.Errorf("read %s: %w", p, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// Push uploads the model at root as a version of o.Model: it hashes the
// files, creates the model if needed and the version, uploads each blob
// the server lacks (HEAD first, streamed PUT), finalizes, and attaches the
// evidence files found. Pushing the same bytes again changes nothing and
// resumes an interrupted push.
func (c *Client) Push(ctx context.Context, root string, o PushOptions) (*PushResult, error) {
	logf := o.Log
	if logf == nil {
		logf = func(string, ...any) {}
	}
	digest, files, err := scanLocal(ctx, root, o.IgnorePaths)
	if err != nil {
		return nil, err
	}
	if err := c.ensureModel(ctx, o); err != nil {
		return nil, err
	}
	arts := make([]registry.Artifact, len(files))
	for i, f := range files {
		arts[i] = f.Artifact
	}
	v, created, err := c.CreateVersion(ctx, o.Model, registry.NewVersion{Digest: digest, Description: o.Description, Artifacts: arts})
	if err != nil {
		return nil, fmt.Errorf("create version: %w", err)
	}
	res := &PushResult{Version: v, Created: created}
	if v.State == registry.StateFailed {
		return res, fmt.Errorf("%s version %d (sha256:%s) is failed in the registry", o.Model, v.Number, v.Digest)
	}
	if v.State == registry.StatePending {
		if err := c.uploadAll(ctx, files, res, logf, o.Progress); err != nil {
			return res, err
		}
		fv, err := c.FinalizeVersion(ctx, o.Model, v.Number)
		if errors.Is(err, registry.ErrConflict) {
			// Another push of the same bytes may have finalized it first.
			fv, err = c.GetVersion(ctx, o.Model, v.Number)
			if err == nil && fv.State != registry.StateReady {
				err = fmt.Errorf("finalize %s version %d: state %s", o.Model, v.Number, fv.State)
			}
		}
		if err != nil {
			return res, fmt.Errorf("finalize: %w", err)
		}
		res.Version = fv
	}
	return res, c.attachEvidence(ctx, o.Model, res, files, logf)
}

// ensureModel creates the model, or merges the requested tags into it.
func (c *Client) ensureModel(ctx context.Context, o PushOptions) error {
	m, err := c.GetModel(ctx, o.Model)
	if errors.Is(err, registry.ErrNotFound) {
		m, err = c.CreateModel(ctx, NewModel{Name: o.Model, Description: o.Description, Tags: o.Tags, Team: o.Team})
		if errors.Is(err, registry.ErrExists) {
			m, err = c.GetModel(ctx, o.Model)
		} else if err == nil {
			return nil
		}
	}
	if err != nil {
		return fmt.Errorf("model %s: %w", o.Model, err)
	}
	tags := slices.Clone(m.Tags)
	for _, t := range o.Tags {
		if !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	if len(tags) == len(m.Tags) {
		return nil
	}
	if _, err := c.UpdateModel(ctx, o.Model, m.Revision, registry.ModelPatch{Tags: &tags}); err != nil {
		return fmt.Errorf("tag model %s: %w", o.Model, err)
	}
	return nil
}

// uploadAll sends every blob the server does not have, once per digest.
func (c *Client) uploadAll(ctx context.Context, files []localFile, res *PushResult, logf func(string, ...any), p Progress) error {
	tr := &transfer{report: p}
	seen := map[string]bool{}
	for _, f := range files {
		if !seen[f.SHA256] {
			seen[f.SHA256] = true
			tr.totalFiles++
			tr.total += f.Size
		}
	}
	done := map[string]bool{}
	for _, f := range files {
		if done[f.SHA256] {
			continue
		}
		done[f.SHA256] = true
		have, err := c.HasBlob(ctx, f.SHA256)
		if err != nil {
			return fmt.Errorf("check blob of %s: %w", f.Path, err)
		}
		if have {
			res.Skipped++
			logf("skip   %s (already stored)", f.Path)
			tr.add(1, f.Size)
			continue
		}
		before := tr.done
		if err := c.uploadFile(ctx, f, tr); err != nil {
			return err
		}
		tr.add(1, f.Size-(tr.done-before)) // what the body did not count (a retry, an empty file)
		res.Uploaded++
		res.UploadedBytes += f.Size
		logf("upload %s (%d bytes)", f.Path, f.Size)
	}
	return nil
}

func (c *Client) uploadFile(ctx context.Context, f localFile, tr *transfer) error {
	fh, err := os.Open(f.os)
	if err != nil {
		return err
	}
	defer fh.Close()
	if _, err := c.PutBlob(ctx, f.SHA256, f.Size, tr.reader(fh)); err != nil {
		if errors.Is(err, registry.ErrDigestMismatch) {
			return fmt.Errorf("upload %s: %w (did the file change during the push?)", f.Path, err)
		}
		return fmt.Errorf("upload %s: %w", f.Path, err)
	}
	return nil
}

// evidenceKey identifies an evidence record for de-duplication on re-push.
func evidenceKey(typ, producer, subject string, ts time.Time) string {
	return typ + "|" + producer + "|" + subject + "|" + ts.UTC().Format(time.RFC3339Nano)
}

// attachEvidence posts each evidence file whose records the version does
// not have yet. Files the server rejects are listed in res.Rejected.
func (c *Client) attachEvidence(ctx context.Context, model string, res *PushResult, files []localFile, logf func(string, ...any)) error {
	var evs []localFile
	for _, f := range files {
		if f.Kind == registry.KindEvidence {
			evs = append(evs, f)
		}
	}
	if len(evs) == 0 {
		return nil
	}
	n := res.Version.Number
	have, err := All(ctx, 0, func(ctx context.Context, cur string) (List[registry.Evidence], error) {
		return c.ListEvidence(ctx, model, n, EvidenceQuery{Page: registry.Page{Limit: registry.MaxLimit, Cursor: cur}})
	})
	if err != nil {
		return fmt.Errorf("list evidence: %w", err)
	}
	known := map[string]bool{}
	for _, e := range have {
		known[evidenceKey(e.Type, e.Producer, e.SubjectDigest, e.Timestamp)] = true
	}
	for _, f := range evs {
		items, err := evidence.ReadFile(f.os, nil)
		if err != nil {
			res.Rejected = append(res.Rejected, fmt.Sprintf("%s: %v", f.Path, err))
			continue
		}
		missing := false
		for _, it := range items {
			missing = missing || !known[evidenceKey(it.Type, it.Producer.Tool, it.Subject.SHA256(), it.Timestamp)]
		}
		if !missing {
			logf("skip   evidence %s (already attached)", f.Path)
			continue
		}
		fh, err := os.Open(f.os)
		if err != nil {
			return err
		}
		added, err := c.AddEvidence(ctx, model, n, fh, f.Size)
		fh.Close()
		var apiErr *Error
		if errors.As(err, &apiErr) && apiErr.Status < 500 && apiErr.Status != 401 && apiErr.Status != 403 {
			res.Rejected = append(res.Rejected, fmt.Sprintf("%s: %s", f.Path, apiErr.Message))
			continue
		}
		if err != nil {
			return fmt.Errorf("attach evidence %s: %w", f.Path, err)
		}
		res.Evidence += len(added)
		logf("attach evidence %s (%d records)", f.Path, len(added))
	}
	return nil
}
