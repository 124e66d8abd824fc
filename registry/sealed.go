package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/mlsec/mlsec/audit"
)

// Sealed tables: every row a person reads to learn who did what (the
// audit_events trail, decisions, approvals, owners, aliases, exceptions,
// tokens, webhooks...) is either the log entry itself (audit_events: the
// entry carries the row's seq) or copied into the log entry of the change
// that wrote it (audit.RowImage). CheckTables replays those images and
// compares them with the tables, so a row edited, inserted or deleted
// outside the registry is named by 'mlsec audit verify'.

// RowSealer is the part of a Tx that returns the images of the sealed rows
// the transaction wrote since its last call.
type RowSealer interface {
	SealRows(ctx context.Context) ([]audit.RowImage, error)
}

// SealedRowsReader reads every row of every sealed table, rendered as the
// sealer renders them.
type SealedRowsReader interface {
	ReadSealedRows(ctx context.Context, fn func(audit.RowImage) error) error
}

// ArtifactsReader reads every version's artifacts (the file lists that
// version.create entries seal by their manifest digest).
type ArtifactsReader interface {
	ReadArtifacts(ctx context.Context, fn func(versionID int64, as []Artifact) error) error
}

// ActionBaseline is the action of the entries that seal the rows a
// registry held before its tables were sealed (MerkleAuditor.Baseline).
const ActionBaseline = "audit.baseline"

// TableCheck is what CheckTables found.
type TableCheck struct {
	// Sealed reports whether the log seals the tables at all (a log
	// written before sealing existed, and never baselined, does not).
	Sealed bool `json:"sealed"`
	// Rows is how many table rows were compared.
	Rows     int             `json:"rows"`
	Problems []audit.Problem `json:"problems,omitempty"`
}

type sealedRow struct {
	img   audit.RowImage
	entry uint64
}

// CheckTables replays the row images of entries (already verified against
// the signed checkpoints) and compares every sealed table with them.
func CheckTables(ctx context.Context, entries []audit.Record, r SealedRowsReader) (*TableCheck, error) {
	res := &TableCheck{}
	state := map[[2]string]sealedRow{}
	manifests := map[string]sealedManifest{} // by version id
	started := false                         // an entry sealed rows or an audit_events row
	for _, rec := range entries {
		e, err := audit.ParseEntry(rec.Data)
		if err != nil {
			return nil, fmt.Errorf("entry %d: %w", rec.Index, err)
		}
		if e.Action == ActionBaseline && started && !baselineRun(state, rec.Index) {
			res.Problems = append(res.Problems, audit.Problem{Index: int64(rec.Index), Kind: audit.KindInserted,
				Message: fmt.Sprintf("entry %d is a baseline after the tables were already sealed: it would re-seal rows changed outside the registry", rec.Index)})
			continue
		}
		if e.Seq > 0 {
			img := eventImage(e)
			state[[2]string{img.Table, img.Key}] = sealedRow{img, rec.Index}
			started = true
		}
		for _, img := range e.Rows {
			k := [2]string{img.Table, img.Key}
			if prev, ok := state[k]; ok {
				if p := immutableChanged(prev, img, rec.Index); p != nil {
					res.Problems = append(res.Problems, *p)
				}
			}
			state[k] = sealedRow{img, rec.Index}
			started = true
		}
		if e.Action == "version.create" {
			noteManifest(manifests, e, rec.Index)
		}
		if e.Action == ActionBaseline {
			started = true
			state[[2]string{"", "baseline"}] = sealedRow{entry: rec.Index}
		}
	}
	res.Sealed = started
	if !started {
		return res, nil
	}
	delete(state, [2]string{"", "baseline"})
	err := r.ReadSealedRows(ctx, func(got audit.RowImage) error {
		res.Rows++
		if got.Table == "audit_events" {
			if p := got.Fields["payload"]; p != nil && *p == "null" {
				empty := ""
				got.Fields["payload"] = &empty
			}
		}
		k := [2]string{got.Table, got.Key}
		want, ok := state[k]
		if !ok || want.img.Deleted {
			msg := fmt.Sprintf("%s row %s is not in the audit log: it was inserted outside the registry", got.Table, got.Key)
			idx := int64(-1)
			if ok {
				msg = fmt.Sprintf("%s row %s was deleted by entry %d but is in the table again", got.Table, got.Key, want.entry)
				idx = int64(want.entry)
			}
			res.Problems = append(res.Problems, audit.Problem{Index: idx, Kind: audit.KindInserted, Message: msg, Table: got.Table, Row: got.Key})
			delete(state, k)
			return nil
		}
		delete(state, k)
		if f, have, logged, diff := firstDiff(got.Fields, want.img.Fields); diff {
			res.Problems = append(res.Problems, audit.Problem{Index: int64(want.entry), Kind: audit.KindAltered,
				Message: fmt.Sprintf("%s row %s field %s is %s but the audit log (entry %d) says %s", got.Table, got.Key, f, show(have), want.entry, show(logged)),
				Table:   got.Table, Row: got.Key, Field: f})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if ar, ok := r.(ArtifactsReader); ok && len(manifests) > 0 {
		if err := checkManifests(ctx, ar, manifests, res); err != nil {
			return nil, err
		}
	}
	var missing []sealedRow
	for _, s := range state {
		if !s.img.Deleted {
			missing = append(missing, s)
		}
	}
	sort.Slice(missing, func(i, j int) bool { return missing[i].entry < missing[j].entry })
	for _, s := range missing {
		res.Problems = append(res.Problems, audit.Problem{Index: int64(s.entry), Kind: audit.KindDeleted,
			Message: fmt.Sprintf("%s row %s is in the audit log (entry %d) but not in the table: it was deleted outside the registry", s.img.Table, s.img.Key, s.entry),
			Table:   s.img.Table, Row: s.img.Key})
	}
	sort.SliceStable(res.Problems, func(i, j int) bool { return res.Problems[i].Index < res.Problems[j].Index })
	return res, nil
}

// baselineRun reports whether entry idx continues the baseline run that
// started the sealing (a baseline spans consecutive entries).
func baselineRun(state map[[2]string]sealedRow, idx uint64) bool {
	b, ok := state[[2]string{"", "baseline"}]
	return ok && b.entry+1 == idx
}

// eventImage is the audit_events row an entry is the copy of.
func eventImage(e audit.Entry) audit.RowImage {
	str := func(s string) *string { return &s }
	return audit.RowImage{Table: "audit_events", Key: fmt.Sprint(e.Seq), Fields: map[string]*string{
		"seq":     str(fmt.Sprint(e.Seq)),
		"at":      str(e.Time.UTC().Format("2006-01-02T15:04:05.999999999Z07:00")),
		"actor":   str(e.Actor),
		"action":  str(e.Action),
		"subject": str(e.Object),
		"payload": str(string(e.Details)),
	}}
}

// firstDiff returns the first field (by name) whose values differ.
func firstDiff(have, want map[string]*string) (field string, h, w *string, diff bool) {
	names := make([]string, 0, len(have)+len(want))
	for k := range have {
		names = append(names, k)
	}
	for k := range want {
		if _, ok := have[k]; !ok {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	for _, k := range names {
		a, b := have[k], want[k]
		if (a == nil) != (b == nil) || (a != nil && *a != *b) {
			return k, a, b, true
		}
	}
	return "", nil, nil, false
}

func show(s *string) string {
	if s == nil {
		return "NULL"
	}
	if len(*s) > 80 {
		return fmt.Sprintf("%q…", (*s)[:80])
	}
	return fmt.Sprintf("%q", *s)
}

// AuditTableCheck verifies the server's own log against its signed
// checkpoints and then cross-checks the sealed tables against the verified
// entries (what 'mlsec audit verify --server' shows about the tables).
// A log problem is reported as such; the tables are compared only against
// entries that verify.
func (s *Service) AuditTableCheck(ctx context.Context, a Actor) (*TableCheck, error) {
	m, r, err := s.auditLog(a, true)
	if err != nil {
		return nil, err
	}
	sr, ok := s.store.(SealedRowsReader)
	if !ok {
		return nil, fmt.Errorf("%w: this store does not seal its tables", ErrNotFound)
	}
	if err := s.flushLog(ctx, m); err != nil {
		return nil, err
	}
	l, err := ReadAuditLog(ctx, r)
	if err != nil {
		return nil, err
	}
	v, err := audit.NewVerifier(m.signer.VerifierKey())
	if err != nil {
		return nil, err
	}
	res := audit.Verify(l, v, audit.VerifyOptions{})
	if !res.OK() {
		return &TableCheck{Problems: res.Problems}, nil
	}
	return CheckTables(ctx, l.Entries[:res.Entries], sr)
}

type sealedManifest struct {
	digest string
	entry  uint64
}

// noteManifest records the manifest digest of the version a
// version.create entry created (its model_versions row image names it).
func noteManifest(m map[string]sealedManifest, e audit.Entry, idx uint64) {
	var d struct {
		Manifest string `json:"manifest"`
	}
	if json.Unmarshal(e.Details, &d) != nil || d.Manifest == "" {
		return // written before manifests were sealed
	}
	for _, img := range e.Rows {
		if img.Table == "model_versions" && !img.Deleted {
			m[img.Key] = sealedManifest{d.Manifest, idx}
		}
	}
}

// checkManifests compares each version's artifacts with the manifest
// digest its version.create entry sealed.
func checkManifests(ctx context.Context, ar ArtifactsReader, want map[string]sealedManifest, res *TableCheck) error {
	seen := map[string]bool{}
	err := ar.ReadArtifacts(ctx, func(vid int64, as []Artifact) error {
		k := fmt.Sprint(vid)
		w, ok := want[k]
		if !ok {
			return nil
		}
		seen[k] = true
		res.Rows += len(as)
		if got := ManifestDigest(as); got != w.digest {
			res.Problems = append(res.Problems, audit.Problem{Index: int64(w.entry), Kind: audit.KindAltered,
				Message: fmt.Sprintf("artifacts row %s (the %d files of version row %s) field manifest is %s but the audit log (entry %d) says %s: a file was added, removed, renamed or changed outside the registry", k, len(as), k, got, w.entry, w.digest),
				Table:   "artifacts", Row: k, Field: "manifest"})
		}
		return nil
	})
	if err != nil {
		return err
	}
	for k, w := range want {
		if !seen[k] {
			res.Problems = append(res.Problems, audit.Problem{Index: int64(w.entry), Kind: audit.KindDeleted,
				Message: fmt.Sprintf("artifacts row %s (the files of version row %s) is in the audit log (entry %d) but not in the table: the files were deleted outside the registry", k, k, w.entry),
				Table:   "artifacts", Row: k})
		}
	}
	return nil
}

// baselineChunk bounds the row images of one baseline entry.
const baselineChunk = 500

// Baseline seals the rows a registry already held when it was first
// served with sealed tables (a database from before schema 8): it appends,
// in one transaction, entries (action audit.baseline, actor system) that
// carry the image of every sealed row, so later verifications check those
// rows too. It does nothing, and returns 0, once the log seals tables (its
// last entry carries rows or an audit_events seq) or when there is nothing
// to seal. mlsec serve calls it at start, before it accepts requests;
// CheckTables refuses a baseline written after sealing began, so it cannot
// be used to re-seal rows changed by hand.
func (m *MerkleAuditor) Baseline(ctx context.Context, st Store) (rows int, err error) {
	err = st.Tx(ctx, func(tx Tx) error {
		lt, ok := tx.(AuditLogTx)
		sr, ok2 := tx.(SealedRowsReader)
		if !ok || !ok2 {
			return nil
		}
		head, err := lt.LockAuditLog(ctx)
		if err != nil {
			return fmt.Errorf("audit log: %w", err)
		}
		if head.Size > 0 {
			last, err := lt.AuditLogEntries(ctx, head.Size-1, head.Size)
			if err != nil {
				return err
			}
			if len(last) == 1 {
				if e, err := audit.ParseEntry(last[0].Data); err == nil && (e.Seq > 0 || len(e.Rows) > 0 || e.Action == ActionBaseline) {
					return nil
				}
			}
		}
		var imgs []audit.RowImage
		if err := sr.ReadSealedRows(ctx, func(img audit.RowImage) error { imgs = append(imgs, img); return nil }); err != nil {
			return err
		}
		rows = len(imgs)
		parts := (len(imgs) + baselineChunk - 1) / baselineChunk
		now := time.Now().UTC().Truncate(time.Microsecond)
		for p := 0; p < parts; p++ {
			chunk := imgs[p*baselineChunk : min(len(imgs), (p+1)*baselineChunk)]
			details, _ := json.Marshal(map[string]int{"part": p + 1, "parts": parts, "rows": len(imgs)})
			if head, err = m.append(ctx, lt, head, audit.Entry{Time: now, Actor: System.Name, Action: ActionBaseline, Object: "registry", Details: details, Rows: chunk}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("audit log baseline: %w", err)
	}
	return rows, nil
}

// immutableColumns are the columns no registry change ever rewrites once a
// row exists: who asked, who wrote, when, about what. A later image that
// differs in one means the row was edited by hand before a legitimate
// change re-sealed it (the registry seals the row as it finds it).
var immutableColumns = map[string][]string{
	"models":            {"name", "created_by", "created_at"},
	"model_versions":    {"model_id", "number", "digest", "source_uri", "created_by", "created_at"},
	"evidence":          {"version_id", "type", "subject_digest", "producer", "body", "created_by", "created_at"},
	"lineage_edges":     {"version_id", "kind", "target", "created_by", "created_at"},
	"datasets":          {"name", "created_at"},
	"api_tokens":        {"name", "hash", "role", "scope_team", "scope_model", "person", "created_by", "created_at"},
	"decision_requests": {"model_id", "version_id", "action", "stage", "rationale", "requested_by", "created_at"},
	"decision_records":  {"version_id", "title", "body", "author", "created_at"},
	"webhooks":          {"url", "created_by", "created_at"},
	"alias_moves":       {"model_id", "name", "from_version", "to_version", "request_id", "actor", "reason", "created_at"},
	"model_exceptions":  {"model_id", "version_id", "digest", "rule", "owner", "expires", "rationale", "request_id", "granted_by", "created_at"},
	// A dataset version's content and classification are fixed when it is
	// registered; only its approval moves (status, decided_by, decided_at).
	"dataset_versions": {"dataset_id", "number", "digest", "files", "classification", "pii", "lawful_basis", "retention", "allowed_locations",
		"derived_from", "required", "approvers", "created_by", "created_at"},
	"dataset_votes": {"actor", "verdict", "comment", "created_at"},
}

func immutableChanged(prev sealedRow, img audit.RowImage, idx uint64) *audit.Problem {
	if prev.img.Deleted || img.Deleted {
		return nil
	}
	for _, c := range immutableColumns[img.Table] {
		a, b := prev.img.Fields[c], img.Fields[c]
		if (a == nil) != (b == nil) || (a != nil && *a != *b) {
			return &audit.Problem{Index: int64(idx), Kind: audit.KindAltered,
				Message: fmt.Sprintf("%s row %s field %s was %s at entry %d and %s at entry %d, but the registry never changes it: the row was edited outside the registry before entry %d", img.Table, img.Key, c, show(a), prev.entry, show(b), idx, idx),
				Table:   img.Table, Row: img.Key, Field: c}
		}
	}
	return nil
}
