package ui

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/mlsec/mlsec/audit"
	"github.com/mlsec/mlsec/registry"
)

// auditPerPage is the audit page size; maxAuditScan bounds the entries one
// filtered page reads.
const (
	auditPerPage = 50
	maxAuditScan = 2000
)

// auditRow is one audit event.
type auditRow struct {
	Index                  int64 // Merkle log index, -1 when unknown (scoped view)
	At                     string
	Actor, Action, Subject string
	Details                string
}

type auditFilter struct{ Model, Actor, Action string }

func (f auditFilter) match(actor, action, subject string) bool {
	return (f.Model == "" || subject == "model/"+f.Model || strings.HasPrefix(subject, "model/"+f.Model+"/")) &&
		(f.Actor == "" || strings.Contains(strings.ToLower(actor), strings.ToLower(f.Actor))) &&
		(f.Action == "" || strings.HasPrefix(action, f.Action))
}

// Audit shows the audit trail, newest first, filtered by model, actor and
// action, with the latest signed checkpoint. An unscoped auditor reads the
// Merkle log itself (with a proof link per entry); a scoped one reads the
// scoped audit trail.
func (u *UI) Audit(w http.ResponseWriter, r *http.Request, a registry.Actor) error {
	q := r.URL.Query()
	f := auditFilter{Model: q.Get("model"), Actor: q.Get("actor"), Action: q.Get("action")}
	data := struct {
		Filter     auditFilter
		Rows       []auditRow
		Checkpoint string
		Size       uint64
		Key        string
		Next       string
		Whole      bool
	}{Filter: f, Whole: a.Scope().Unscoped()}
	info, err := u.svc.AuditLogInfo(r.Context(), a)
	switch {
	case err == nil:
		data.Checkpoint, data.Size, data.Key = info.Checkpoint, info.Size, info.VerifierKey
	case !errors.Is(err, registry.ErrNotFound): // NotFound: no Merkle log on this server
		return err
	}
	var next string
	if data.Whole && data.Checkpoint != "" {
		before := info.Size
		if c := q.Get("before"); c != "" {
			if before, err = strconv.ParseUint(c, 10, 64); err != nil || before > info.Size {
				return fmt.Errorf("%w: before=%q", registry.ErrInvalid, c)
			}
		}
		data.Rows, next, err = u.logRows(r, a, f, before)
		if next != "" {
			next = "before=" + next
		}
	} else {
		data.Rows, next, err = u.trailRows(r, a, f, q.Get("cursor"))
		if next != "" {
			next = "cursor=" + url.QueryEscape(next)
		}
	}
	if err != nil {
		return err
	}
	if next != "" {
		v := url.Values{"model": {f.Model}, "actor": {f.Actor}, "action": {f.Action}}
		data.Next = "/audit?" + v.Encode() + "&" + next
	}
	return u.render(w, r, http.StatusOK, "audit", "Audit log", "audit", a, data)
}

// logRows reads the Merkle log backwards from index before.
func (u *UI) logRows(r *http.Request, a registry.Actor, f auditFilter, before uint64) ([]auditRow, string, error) {
	var rows []auditRow
	for scanned := uint64(0); before > 0 && scanned < maxAuditScan && len(rows) < auditPerPage; {
		start := before - min(before, 200)
		recs, err := u.svc.AuditLogEntries(r.Context(), a, start, before)
		if err != nil {
			return nil, "", err
		}
		for i := len(recs) - 1; i >= 0 && len(rows) < auditPerPage; i-- {
			e, err := audit.ParseEntry(recs[i].Data)
			before = recs[i].Index
			scanned++
			if err != nil {
				rows = append(rows, auditRow{Index: int64(recs[i].Index), Action: "unreadable entry", Details: err.Error()})
				continue
			}
			if f.match(e.Actor, e.Action, e.Object) {
				rows = append(rows, auditRow{int64(e.Index), e.Time.UTC().Format("2006-01-02 15:04:05 UTC"), e.Actor, e.Action, e.Object, string(e.Details)})
			}
		}
		if len(recs) == 0 {
			break
		}
	}
	if before == 0 {
		return rows, "", nil
	}
	return rows, strconv.FormatUint(before, 10), nil
}

// trailRows reads the scoped audit trail (oldest first, by cursor).
func (u *UI) trailRows(r *http.Request, a registry.Actor, f auditFilter, cursor string) ([]auditRow, string, error) {
	var rows []auditRow
	for scanned := 0; scanned < maxAuditScan && len(rows) < auditPerPage; {
		es, next, err := u.svc.ListAudit(r.Context(), a, registry.Page{Limit: auditPerPage, Cursor: cursor})
		if err != nil {
			return nil, "", err
		}
		scanned += len(es)
		for _, e := range es {
			if f.match(e.Actor, e.Action, e.Subject) {
				rows = append(rows, auditRow{-1, e.At.UTC().Format("2006-01-02 15:04:05 UTC"), e.Actor, e.Action, e.Subject, string(e.Payload)})
			}
		}
		if cursor = next; next == "" {
			break
		}
	}
	return rows, cursor, nil
}

// verifyResult is what "verify now" shows.
type verifyResult struct {
	OK          bool
	Entries     uint64
	Checkpoints int
	Root        string
	Key         string
	Problems    []audit.Problem
}

// VerifyAudit runs the verification of 'mlsec audit verify --database':
// every entry re-hashed, the tree recomputed, every signed checkpoint's
// signature and root and their consistency checked, with the server's
// audit key.
func (u *UI) VerifyAudit(w http.ResponseWriter, r *http.Request, a registry.Actor) error {
	ctx := r.Context()
	info, err := u.svc.AuditLogInfo(ctx, a)
	if err != nil {
		return err
	}
	l, err := u.svc.ReadAuditLogAs(ctx, a)
	if err != nil {
		return err
	}
	v, err := audit.NewVerifier(info.VerifierKey)
	if err != nil {
		return err
	}
	res := audit.Verify(l, v, audit.VerifyOptions{})
	out := verifyResult{OK: res.OK(), Entries: res.Entries, Checkpoints: res.Checkpoints,
		Root: base64.StdEncoding.EncodeToString(res.Root), Key: info.VerifierKey, Problems: res.Problems}
	return u.render(w, r, http.StatusOK, "verify", "Audit log verification", "audit", a, out)
}

// AuditProof shows entry {index}'s inclusion proof in the latest signed
// checkpoint, checked here as 'mlsec audit verify' checks the server's.
func (u *UI) AuditProof(w http.ResponseWriter, r *http.Request, a registry.Actor) error {
	ctx := r.Context()
	index, err := strconv.ParseUint(r.PathValue("index"), 10, 64)
	if err != nil {
		return fmt.Errorf("%w: entry index %q", registry.ErrInvalid, r.PathValue("index"))
	}
	info, err := u.svc.AuditLogInfo(ctx, a)
	if err != nil {
		return err
	}
	v, err := audit.NewVerifier(info.VerifierKey)
	if err != nil {
		return err
	}
	cp, err := v.Open([]byte(info.Checkpoint)) // the signature is checked too
	if err != nil {
		return fmt.Errorf("the latest checkpoint: %w", err)
	}
	if index >= cp.Size {
		return fmt.Errorf("%w: entry %d is not in the latest signed checkpoint (size %d) yet; reload in a moment", registry.ErrNotFound, index, cp.Size)
	}
	recs, err := u.svc.AuditLogEntries(ctx, a, index, index+1)
	if err != nil {
		return err
	}
	if len(recs) != 1 {
		return fmt.Errorf("entry %d: %w", index, registry.ErrNotFound)
	}
	_, hashes, size, err := u.svc.AuditInclusionProof(ctx, a, index, cp.Size)
	if err != nil {
		return err
	}
	leaf := audit.LeafHash(recs[0].Data)
	verr := audit.VerifyInclusion(index, cp, leaf, hashes)
	data := struct {
		Index, Size uint64
		Entry       string
		Leaf        string
		Hashes      []string
		Checkpoint  string
		OK          bool
		Problem     string
	}{Index: index, Size: size, Entry: string(recs[0].Data), Leaf: base64.StdEncoding.EncodeToString(leaf),
		Checkpoint: info.Checkpoint, OK: verr == nil}
	for _, h := range hashes {
		data.Hashes = append(data.Hashes, base64.StdEncoding.EncodeToString(h))
	}
	if verr != nil {
		data.Problem = verr.Error()
	}
	return u.render(w, r, http.StatusOK, "proof", fmt.Sprintf("Inclusion proof of entry %d", index), "audit", a, data)
}
