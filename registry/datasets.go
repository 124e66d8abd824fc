package registry

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mlsec/mlsec/dataset"
	"github.com/mlsec/mlsec/evidence"
)

// Dataset versions (docs/data.md "Registered datasets"): training data as a
// governed artifact. A version records a dataset's OMS manifest (per-file
// digests and the root digest, the hashing model versions use), its
// classification, the PII found, lawful basis, retention, allowed
// locations and the version it derives from. Registering a version is the
// request for its approval: it stays pending until Required approvers
// other than the registrant approve it (the dataset's owner or an admin),
// the same separation of duties and one-vote-per-person rules as model
// decisions (checkVote). The policy reads the result (DatasetFacts):
// a model version trained on a digest that is not registered, not
// approved, or holds personal data its classification does not allow is
// not promoted (MLSEC-DATA-001..003).

// DatasetStatus is a dataset version's approval.
type DatasetStatus string

// Dataset version approvals. Only pending changes.
const (
	DatasetPending  DatasetStatus = "pending"
	DatasetApproved DatasetStatus = "approved"
	DatasetRejected DatasetStatus = "rejected"
)

// DatasetFile is one file of a dataset version: the file of a dataset
// descriptor (path, size, SHA-256 and the SHA-256 of its first 64 KiB, for
// mlsec data locate's cascade).
type DatasetFile = dataset.DFile

// DatasetVersion is one registered version of a dataset.
type DatasetVersion struct {
	ID        int64  `json:"id"`
	DatasetID int64  `json:"-"`
	Dataset   string `json:"dataset"`
	// Team and Owner are the dataset's (scope and accountable person).
	Team           string        `json:"team"`
	Owner          string        `json:"owner"`
	Number         int           `json:"number"`
	Digest         string        `json:"digest"`
	Files          []DatasetFile `json:"files"`
	Classification string        `json:"classification"`
	// PII is the PII scan's summary ('mlsec data scan'); nil when none was
	// recorded.
	PII              *evidence.DataResult `json:"pii"`
	LawfulBasis      string               `json:"lawful_basis,omitempty"`
	Retention        string               `json:"retention,omitempty"`
	AllowedLocations []string             `json:"allowed_locations"`
	// DerivedFrom is the NAME@V this version was made from ("" = none).
	DerivedFrom string        `json:"derived_from,omitempty"`
	Status      DatasetStatus `json:"status"`
	Required    int           `json:"required_approvals"`
	Approvers   []string      `json:"approvers"`
	Approvals   []Approval    `json:"approvals"`
	CreatedBy   string        `json:"created_by"`
	CreatedAt   time.Time     `json:"created_at"`
	DecidedBy   string        `json:"decided_by,omitempty"`
	DecidedAt   *time.Time    `json:"decided_at,omitempty"`
}

// Ref is the version's NAME@V.
func (v DatasetVersion) Ref() string { return fmt.Sprintf("%s@%d", v.Dataset, v.Number) }

// NewDatasetVersion is the body of POST /api/v1/datasets/{name}/versions.
// Team, Owner and Description apply when the version creates the dataset.
type NewDatasetVersion struct {
	// Digest, when given, must equal the files' OMS root digest.
	Digest           string               `json:"digest,omitempty"`
	Files            []DatasetFile        `json:"files"`
	Team             string               `json:"team,omitempty"`
	Owner            string               `json:"owner,omitempty"`
	Description      string               `json:"description,omitempty"`
	Classification   string               `json:"classification"`
	PII              *evidence.DataResult `json:"pii,omitempty"`
	LawfulBasis      string               `json:"lawful_basis,omitempty"`
	Retention        string               `json:"retention,omitempty"`
	AllowedLocations []string             `json:"allowed_locations,omitempty"`
	DerivedFrom      string               `json:"derived_from,omitempty"`
	// RequiredApprovals is the quorum (default and least: FloorApprovals).
	RequiredApprovals int `json:"required_approvals,omitempty"`
}

// DatasetVersionReader reads dataset versions (the SQL store implements
// it; the service type-asserts it, like GovernanceReader).
type DatasetVersionReader interface {
	GetDatasetVersion(ctx context.Context, datasetID int64, number int) (DatasetVersion, error)
	ListDatasetVersions(ctx context.Context, datasetID int64) ([]DatasetVersion, error)
	// LatestDatasetVersion returns the highest-numbered version, or
	// ErrNotFound when the dataset has none.
	LatestDatasetVersion(ctx context.Context, datasetID int64) (DatasetVersion, error)
	// DatasetVersionsByDigest returns every version with the root digest.
	DatasetVersionsByDigest(ctx context.Context, digest string) ([]DatasetVersion, error)
	// DatasetsByDigest returns the dataset entries whose own digest is
	// digest ('mlsec datasets add', no version).
	DatasetsByDigest(ctx context.Context, digest string) ([]Dataset, error)
	ListDatasetVotes(ctx context.Context, versionID int64) ([]Approval, error)
}

// DatasetVersionTx writes dataset versions inside a transaction.
type DatasetVersionTx interface {
	DatasetVersionReader
	// CreateDatasetVersion numbers v (the dataset's last number + 1) and
	// inserts it.
	CreateDatasetVersion(ctx context.Context, v *DatasetVersion) error
	AddDatasetVote(ctx context.Context, versionID int64, ap *Approval) error
	// FinishDatasetVersion moves a pending version to v.Status;
	// ErrConflict if it is no longer pending.
	FinishDatasetVersion(ctx context.Context, v *DatasetVersion) error
}

func (s *Service) datasetReader() (DatasetVersionReader, error) {
	r, ok := s.store.(DatasetVersionReader)
	if !ok {
		return nil, fmt.Errorf("store %T does not support dataset versions", s.store)
	}
	return r, nil
}

func datasetTx(tx Tx) (DatasetVersionTx, error) {
	t, ok := tx.(DatasetVersionTx)
	if !ok {
		return nil, fmt.Errorf("store %T does not support dataset versions", tx)
	}
	return t, nil
}

// ParseDatasetRef splits NAME@V.
func ParseDatasetRef(ref string) (string, int, error) {
	name, n, ok := strings.Cut(ref, "@")
	num, err := strconv.Atoi(n)
	if !ok || err != nil || num < 1 || !ValidName(name) {
		return "", 0, invalidf("dataset version %q: want NAME@VERSION, e.g. adult@2", ref)
	}
	return name, num, nil
}

var retentionRE = regexp.MustCompile(`^[1-9][0-9]{0,4}(d|w|m|y)$`)

// validRetention accepts N days, weeks, months or years (365d, 6m, 7y) or
// a Go duration (720h).
func validRetention(r string) bool {
	if r == "" || retentionRE.MatchString(r) {
		return true
	}
	d, err := time.ParseDuration(r)
	return err == nil && d > 0
}

// maxDatasetFiles bounds one version's file list.
const maxDatasetFiles = 100000

// checkNewDatasetVersion validates in on its own and returns the files'
// OMS root digest.
func checkNewDatasetVersion(name string, in *NewDatasetVersion) (string, error) {
	if !ValidName(name) {
		return "", invalidf("dataset name %q", name)
	}
	if !slices.Contains(dataset.Classifications, in.Classification) {
		return "", invalidf("classification %q (want public, internal, confidential or restricted)", in.Classification)
	}
	if len(in.Files) == 0 || len(in.Files) > maxDatasetFiles {
		return "", invalidf("a dataset version lists 1 to %d files, this one %d", maxDatasetFiles, len(in.Files))
	}
	paths := make([]string, len(in.Files))
	arts := make([]Artifact, len(in.Files))
	for i, f := range in.Files {
		if f.Size < 0 || (f.PrefixSHA256 != "" && !ValidDigest(f.PrefixSHA256)) {
			return "", invalidf("file %s: size must be >= 0 and prefix_sha256 64 lowercase hex digits", f.Path)
		}
		paths[i], arts[i] = f.Path, Artifact{Path: f.Path, Size: f.Size, SHA256: f.SHA256, Kind: KindFile}
	}
	if err := ValidatePaths(paths); err != nil {
		return "", err
	}
	root, err := RootDigest(arts)
	if err != nil {
		return "", err
	}
	if d := strings.TrimPrefix(in.Digest, "sha256:"); d != "" && d != root {
		return "", fmt.Errorf("%w: digest %s does not match the files' OMS root digest %s", ErrDigestMismatch, d, root)
	}
	if in.Team != "" && !ValidName(in.Team) {
		return "", invalidf("team name %q", in.Team)
	}
	if in.Owner != "" && !validPrincipal(in.Owner) {
		return "", invalidf("owner %q: want a person's name or role:ROLE", in.Owner)
	}
	if !validRetention(in.Retention) {
		return "", invalidf("retention %q: want N days, weeks, months or years (365d, 6m, 7y) or a duration (720h)", in.Retention)
	}
	if len(in.AllowedLocations) > 100 {
		return "", invalidf("at most 100 allowed locations")
	}
	for _, l := range in.AllowedLocations {
		u, err := url.Parse(l)
		if err != nil || u.Scheme == "" || len(l) > 2048 {
			return "", invalidf("allowed location %q: want a URI prefix such as s3://bucket/data/ or file:///srv/data/", l)
		}
	}
	if in.DerivedFrom != "" {
		if _, _, err := ParseDatasetRef(in.DerivedFrom); err != nil {
			return "", err
		}
	}
	if in.RequiredApprovals == 0 {
		in.RequiredApprovals = FloorApprovals
	}
	if in.RequiredApprovals < FloorApprovals || in.RequiredApprovals > 20 {
		return "", invalidf("required_approvals %d: want %d to 20", in.RequiredApprovals, FloorApprovals)
	}
	if in.PII != nil {
		rec, err := evidence.New(evidence.TypeData, evidence.NewSubject(name, root), "registry", time.Now(), in.PII)
		if err == nil {
			err = rec.Validate()
		}
		if err != nil {
			return "", invalidf("pii: %v", err)
		}
	}
	in.LawfulBasis, err = checkText("lawful_basis", in.LawfulBasis, false)
	if err != nil {
		return "", err
	}
	in.Description, err = checkText("description", in.Description, false)
	return root, err
}

// datasetApprovers are who approves a version of d: its owner, and admins.
func datasetApprovers(d Dataset) []string {
	if d.Owner == "" {
		return []string{"role:admin"}
	}
	return []string{d.Owner, "role:admin"}
}

// RegisterDatasetVersion records a new version of dataset name (admins and
// maintainers in the dataset's team), creating the dataset when it does
// not exist yet (in in.Team, by default the token's team). The version is
// pending approval. The same digest registered twice in one dataset is
// ErrExists.
func (s *Service) RegisterDatasetVersion(ctx context.Context, a Actor, name string, in NewDatasetVersion) (DatasetVersion, error) {
	var v DatasetVersion
	if err := require(a, PermWrite, nil); err != nil {
		return v, err
	}
	root, err := checkNewDatasetVersion(name, &in)
	if err != nil {
		return v, err
	}
	err = s.mutate(ctx, a, "dataset.version.create", "dataset/"+name, func() any {
		p := map[string]any{"version": v.Number, "digest": v.Digest, "files": len(v.Files), "classification": v.Classification,
			"lawful_basis": v.LawfulBasis, "retention": v.Retention, "allowed_locations": v.AllowedLocations,
			"derived_from": v.DerivedFrom, "required_approvals": v.Required, "approvers": v.Approvers}
		if v.PII != nil {
			p["pii_entities"], p["sensitive_attributes"], p["pii_complete"] = v.PII.Entities, v.PII.SensitiveColumns(), v.PII.Complete
		}
		return p
	}, func(tx Tx) error {
		dt, err := datasetTx(tx)
		if err != nil {
			return err
		}
		d, err := tx.GetDataset(ctx, name)
		if errors.Is(err, ErrNotFound) {
			d = Dataset{Name: name, Digest: root, Team: in.Team, Owner: in.Owner, Description: in.Description}
			if d.Team == "" {
				d.Team = a.ScopeTeam
			}
			if err := requireDataset(a, d); err != nil {
				return err
			}
			if err := tx.CreateDataset(ctx, &d); err != nil {
				return err
			}
			if err := s.auditIn(ctx, tx, a, "dataset.create", "dataset/"+name, d); err != nil {
				return err
			}
		} else if err != nil {
			return err
		} else if err := requireDataset(a, d); err != nil {
			return err
		}
		if in.DerivedFrom != "" {
			if _, err := s.datasetVersionIn(ctx, tx, dt, a, in.DerivedFrom); err != nil {
				return fmt.Errorf("derived_from: %w", err)
			}
		}
		old, err := dt.ListDatasetVersions(ctx, d.ID)
		if err != nil {
			return err
		}
		for _, o := range old {
			if o.Digest == root {
				return fmt.Errorf("%w: dataset %s already has this content as version %d (sha256:%s)", ErrExists, name, o.Number, root)
			}
		}
		v = DatasetVersion{DatasetID: d.ID, Dataset: d.Name, Team: d.Team, Owner: d.Owner, Digest: root, Files: in.Files,
			Classification: in.Classification, PII: in.PII, LawfulBasis: in.LawfulBasis, Retention: in.Retention,
			AllowedLocations: in.AllowedLocations, DerivedFrom: in.DerivedFrom, Status: DatasetPending,
			Required: in.RequiredApprovals, Approvers: datasetApprovers(d), CreatedBy: a.Principal()}
		if v.AllowedLocations == nil {
			v.AllowedLocations = []string{}
		}
		return dt.CreateDatasetVersion(ctx, &v)
	})
	v.Approvals = []Approval{}
	return v, err
}

// datasetVersionIn resolves NAME@V for a (read permission and scope).
func (s *Service) datasetVersionIn(ctx context.Context, r Reader, dr DatasetVersionReader, a Actor, ref string) (DatasetVersion, error) {
	name, n, err := ParseDatasetRef(ref)
	if err != nil {
		return DatasetVersion{}, err
	}
	d, err := r.GetDataset(ctx, name)
	if err != nil {
		return DatasetVersion{}, err
	}
	if err := requireDataset(a, d); err != nil {
		return DatasetVersion{}, err
	}
	v, err := dr.GetDatasetVersion(ctx, d.ID, n)
	if err != nil {
		return v, err
	}
	if v.Approvals, err = dr.ListDatasetVotes(ctx, v.ID); err != nil {
		return v, err
	}
	return v, nil
}

// GetDatasetVersion returns version number of dataset name with its votes.
func (s *Service) GetDatasetVersion(ctx context.Context, a Actor, name string, number int) (DatasetVersion, error) {
	if err := require(a, PermRead, nil); err != nil {
		return DatasetVersion{}, err
	}
	dr, err := s.datasetReader()
	if err != nil {
		return DatasetVersion{}, err
	}
	return s.datasetVersionIn(ctx, s.store, dr, a, fmt.Sprintf("%s@%d", name, number))
}

// ListDatasetVersions lists a dataset's versions, oldest first (without
// their votes).
func (s *Service) ListDatasetVersions(ctx context.Context, a Actor, name string) ([]DatasetVersion, error) {
	d, err := s.GetDataset(ctx, a, name)
	if err != nil {
		return nil, err
	}
	dr, err := s.datasetReader()
	if err != nil {
		return nil, err
	}
	return dr.ListDatasetVersions(ctx, d.ID)
}

// LatestDatasetVersion returns a dataset's newest registered version
// (without its votes), or ErrNotFound when it has none; a dataset outside
// a's scope is refused as GetDataset refuses it.
func (s *Service) LatestDatasetVersion(ctx context.Context, a Actor, name string) (DatasetVersion, error) {
	d, err := s.GetDataset(ctx, a, name)
	if err != nil {
		return DatasetVersion{}, err
	}
	dr, err := s.datasetReader()
	if err != nil {
		return DatasetVersion{}, err
	}
	return dr.LatestDatasetVersion(ctx, d.ID)
}

// ApproveDatasetVersion records a's approval of a pending dataset version:
// a's person must be an approver (the dataset's owner or an admin) and not
// the registrant, and votes once. The version is approved in the vote that
// reaches its quorum. Audited as dataset.approve.
func (s *Service) ApproveDatasetVersion(ctx context.Context, a Actor, name string, number int, comment string) (DatasetVersion, error) {
	return s.voteDataset(ctx, a, name, number, "approve", comment)
}

// RejectDatasetVersion records a's rejection: the version ends rejected.
func (s *Service) RejectDatasetVersion(ctx context.Context, a Actor, name string, number int, comment string) (DatasetVersion, error) {
	return s.voteDataset(ctx, a, name, number, "reject", comment)
}

func (s *Service) voteDataset(ctx context.Context, a Actor, name string, number int, verdict, comment string) (DatasetVersion, error) {
	var v DatasetVersion
	var err error
	if comment, err = checkText("comment", comment, false); err != nil {
		return v, err
	}
	if err := require(a, PermRead, nil); err != nil {
		return v, err
	}
	ref := fmt.Sprintf("%s@%d", name, number)
	err = s.mutate(ctx, a, "dataset."+verdict, "dataset/"+name, func() any {
		return map[string]any{"version": number, "digest": v.Digest, "comment": comment, "status": v.Status,
			"approvals": CountApprovals(v.Approvals), "required_approvals": v.Required}
	}, func(tx Tx) error {
		dt, err := datasetTx(tx)
		if err != nil {
			return err
		}
		if v, err = s.datasetVersionIn(ctx, tx, dt, a, ref); err != nil {
			return err
		}
		if v.Status != DatasetPending {
			return fmt.Errorf("%w: dataset version %s is %s", ErrConflict, ref, v.Status)
		}
		what := "dataset version " + ref
		if _, err := checkVote(a, voteSubject{what, what}, v.CreatedBy, v.Approvers, v.Approvals, verdict, false); err != nil {
			return err
		}
		ap := Approval{Principal: a.Principal(), Actor: a.Name, Verdict: verdict, Comment: comment, Kind: KindApproval}
		if err := dt.AddDatasetVote(ctx, v.ID, &ap); err != nil {
			return err
		}
		v.Approvals = append(v.Approvals, ap)
		switch {
		case verdict == "reject":
			v.Status = DatasetRejected
		case CountApprovals(v.Approvals) >= v.Required:
			v.Status = DatasetApproved
		default:
			return nil
		}
		at := s.now().UTC().Truncate(time.Microsecond)
		v.DecidedBy, v.DecidedAt = a.Principal(), &at
		return dt.FinishDatasetVersion(ctx, &v)
	})
	return v, err
}

// TrainingDataset is one training dataset version as the policy sees it
// (input.datasets; policy.Dataset has the same fields, and policyeval
// converts). Registered is false when no registered dataset has the digest
// (then the other fields are empty). Approval is approved, pending,
// rejected, or none (a dataset entry without versions, which cannot be
// approved). PIIScanned is false when no PII summary was recorded or the
// scan did not analyse every file.
type TrainingDataset struct {
	Digest         string `json:"digest"`
	Registered     bool   `json:"registered"`
	Name           string `json:"name,omitempty"`
	Version        int    `json:"version,omitempty"`
	Team           string `json:"team,omitempty"`
	Owner          string `json:"owner,omitempty"`
	Classification string `json:"classification,omitempty"`
	Approval       string `json:"approval,omitempty"`
	// ApprovedBy is who completed the approval (or the rejection).
	ApprovedBy string `json:"approved_by,omitempty"`
	// ApprovedAt is when (nil while pending, or for none).
	ApprovedAt *time.Time `json:"approved_at,omitempty"`
	PIIScanned bool       `json:"pii_scanned"`
	// Entities counts the values holding each PII entity type.
	Entities map[string]int64 `json:"entities,omitempty"`
	// SensitiveAttributes are the columns reported as sensitive attributes.
	SensitiveAttributes []string `json:"sensitive_attributes,omitempty"`
}

// DatasetFact is what the policy knows of dataset version v (one place:
// the registry's decisions and 'mlsec gate --dataset' both use it).
func DatasetFact(v DatasetVersion) TrainingDataset {
	f := TrainingDataset{Digest: v.Digest, Registered: true, Name: v.Dataset, Version: v.Number, Team: v.Team, Owner: v.Owner,
		Classification: v.Classification, Approval: string(v.Status), ApprovedBy: v.DecidedBy, ApprovedAt: v.DecidedAt}
	if v.PII != nil {
		f.PIIScanned = v.PII.Complete
		f.Entities = v.PII.Entities
		f.SensitiveAttributes = v.PII.SensitiveColumns()
	}
	return f
}

// TrainingData returns what the registry knows of each dataset a model
// version was trained on (its trained_on edges), in the shape the policy
// sees: for the web UI and the report ("what data is this model built on,
// and who approved it?"). A dataset outside the actor's scope is reduced
// to its digest, registration and approval.
func (s *Service) TrainingData(ctx context.Context, a Actor, model string, number int) ([]TrainingDataset, error) {
	_, v, err := s.versionFor(ctx, s.store, a, PermRead, model, number)
	if err != nil {
		return nil, err
	}
	fs, err := s.datasetFacts(ctx, v)
	for i, f := range fs {
		if f.Registered && !a.Scope().AllowsDataset(Dataset{Team: f.Team}) {
			fs[i] = TrainingDataset{Digest: f.Digest, Registered: true, Approval: f.Approval, ApprovedAt: f.ApprovedAt, PIIScanned: f.PIIScanned}
		}
	}
	return fs, err
}

// datasetFacts describes each trained_on digest of version v for the
// policy: the approved version with that digest if there is one, else the
// latest registered one, else a dataset entry with that digest (approval
// none), else not registered.
func (s *Service) datasetFacts(ctx context.Context, v Version) ([]TrainingDataset, error) {
	edges, err := s.store.ListLineage(ctx, v.ID)
	if err != nil {
		return nil, err
	}
	dr, err := s.datasetReader()
	if err != nil {
		return nil, err
	}
	var out []TrainingDataset
	seen := map[string]bool{}
	for _, e := range edges {
		if e.Kind != TrainedOn || seen[e.Target] {
			continue
		}
		seen[e.Target] = true
		f, err := digestFact(ctx, dr, e.Target)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

func digestFact(ctx context.Context, dr DatasetVersionReader, digest string) (TrainingDataset, error) {
	vs, err := dr.DatasetVersionsByDigest(ctx, digest)
	if err != nil {
		return TrainingDataset{}, err
	}
	if len(vs) > 0 {
		best := vs[len(vs)-1]
		for _, x := range vs {
			if x.Status == DatasetApproved {
				best = x
			}
		}
		return DatasetFact(best), nil
	}
	ds, err := dr.DatasetsByDigest(ctx, digest)
	if err != nil || len(ds) == 0 {
		return TrainingDataset{Digest: digest}, err
	}
	d := ds[0]
	return TrainingDataset{Digest: digest, Registered: true, Name: d.Name, Team: d.Team, Owner: d.Owner, Approval: "none"}, nil
}
