package report

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/mlsec/mlsec/audit"
	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/client"
)

// Source is the part of the registry client a report reads;
// *client.Client implements it.
type Source interface {
	GetModel(ctx context.Context, name string) (registry.Model, error)
	ListVersions(ctx context.Context, model string, q client.VersionQuery) (client.List[registry.Version], error)
	Owners(ctx context.Context, model string) (registry.Governance, error)
	ListRequests(ctx context.Context, model string, status registry.RequestStatus, p registry.Page) (client.List[registry.DecisionRequest], error)
	ListEvidence(ctx context.Context, model string, number int, q client.EvidenceQuery) (client.List[registry.Evidence], error)
	Lineage(ctx context.Context, model string, number int) ([]registry.LineageEdge, error)
	ListDatasets(ctx context.Context, p registry.Page) (client.List[registry.Dataset], error)
	TrainingData(ctx context.Context, model string, number int) ([]registry.TrainingDataset, error)
	History(ctx context.Context, model string) ([]registry.HistoryEntry, error)
	AuditLogCheckpoint(ctx context.Context) ([]byte, error)
}

var _ Source = (*client.Client)(nil) // interface guard

// Bounds on what one report reads, so a huge registry cannot exhaust memory.
const (
	maxVersions = 10000
	maxRequests = 10000
	maxEvidence = 5000
	// maxDetailVersions bounds the versions whose latest drift check,
	// lineage and denial the report looks up (a few queries each), newest
	// first.
	maxDetailVersions = 100
)

// Build reads model's governance data from src and returns its report,
// generated now (set GeneratedAt before rendering to pin it).
func Build(ctx context.Context, src Source, model string) (*Report, error) {
	return BuildAt(ctx, src, model, time.Now())
}

// BuildAt is Build with the generation time given (golden tests). The
// audit checkpoint is read last, so it covers every change the report
// shows.
func BuildAt(ctx context.Context, src Source, model string, now time.Time) (*Report, error) {
	m, err := src.GetModel(ctx, model)
	if err != nil {
		return nil, fmt.Errorf("report: model %s: %w", model, err)
	}
	r := &Report{Schema: Schema, GeneratedAt: now.UTC().Truncate(time.Second), Model: Model{
		Name: m.Name, Description: m.Description, Team: m.Team, Tags: sorted(m.Tags),
		CreatedBy: principal(m.CreatedBy), CreatedAt: m.CreatedAt.UTC(),
	}}
	vs, err := client.All(ctx, maxVersions, func(ctx context.Context, cur string) (client.List[registry.Version], error) {
		return src.ListVersions(ctx, model, client.VersionQuery{Page: registry.Page{Limit: registry.MaxLimit, Cursor: cur}})
	})
	if err != nil {
		return nil, fmt.Errorf("report: versions: %w", err)
	}
	slices.SortFunc(vs, func(a, b registry.Version) int { return cmp.Compare(a.Number, b.Number) })
	g, err := src.Owners(ctx, model)
	if err != nil {
		return nil, fmt.Errorf("report: owners: %w", err)
	}
	r.Owners, r.ApprovalRules = owners(g)
	reqs, err := client.All(ctx, maxRequests, func(ctx context.Context, cur string) (client.List[registry.DecisionRequest], error) {
		return src.ListRequests(ctx, model, "", registry.Page{Limit: registry.MaxLimit, Cursor: cur})
	})
	if err != nil {
		return nil, fmt.Errorf("report: decisions: %w", err)
	}
	slices.SortFunc(reqs, func(a, b registry.DecisionRequest) int { return cmp.Compare(a.ID, b.ID) })
	byVersion := map[int][]Decision{}
	for _, d := range reqs {
		byVersion[d.Version] = append(byVersion[d.Version], decision(d))
	}
	for _, v := range vs {
		ds := byVersion[v.Number]
		if ds == nil {
			ds = []Decision{}
		}
		r.Versions = append(r.Versions, Version{Number: v.Number, Digest: v.Digest, State: string(v.State), Stage: string(v.Stage),
			CreatedBy: principal(v.CreatedBy), CreatedAt: v.CreatedAt.UTC(), Decisions: ds})
	}
	if r.Versions == nil {
		r.Versions = []Version{}
	}
	if err := r.versionDetails(ctx, src, model, vs, reqs); err != nil {
		return nil, err
	}
	r.Exceptions = exceptions(reqs, r.GeneratedAt)
	hist, err := src.History(ctx, model)
	if err != nil {
		return nil, fmt.Errorf("report: history: %w", err)
	}
	r.Records = records(hist)
	if err := r.assess(ctx, src, vs, reqs); err != nil {
		return nil, err
	}
	if r.FairnessTrend, err = fairnessTrend(ctx, src, vs, g.Owners[registry.RespMonitor]); err != nil {
		return nil, err
	}
	r.Audit = checkpoint(ctx, src)
	r.Summary.Text = summaryText(r)
	return r, nil
}

// principal names an actor as owners and approvals do ("token:7:alice" is
// alice).
func principal(actor string) string { return registry.Actor{Name: actor}.Principal() }

func sorted(s []string) []string {
	out := slices.Clone(s)
	if out == nil {
		out = []string{}
	}
	slices.Sort(out)
	return out
}

// responsibilityText explains each responsibility in plain words.
var responsibilityText = map[registry.Responsibility][2]string{
	registry.RespTrain:    {"Trains the model", "builds and retrains new versions, for example after a regulatory change"},
	registry.RespApprove:  {"Approves promotion", "decides whether a version may go to staging or production"},
	registry.RespRollback: {"May roll back", "may return production to an earlier approved version"},
	registry.RespMonitor:  {"Monitors the model", "watches the model in production, for example for drift or bias"},
	registry.RespRetire:   {"Retires the model", "decides when a version is deprecated or retired"},
}

func owners(g registry.Governance) ([]OwnerRow, []ApprovalRule) {
	rows := make([]OwnerRow, 0, len(registry.Responsibilities))
	for _, resp := range registry.Responsibilities {
		t := responsibilityText[resp]
		rows = append(rows, OwnerRow{Responsibility: string(resp), Title: t[0], Meaning: t[1], Principals: sorted(g.Owners[resp])})
	}
	rules := make([]ApprovalRule, 0, len(g.ApprovalRules))
	for _, ru := range g.ApprovalRules {
		rules = append(rules, ApprovalRule{Stage: string(ru.Stage), Required: ru.Required, Approvers: sorted(ru.Approvers)})
	}
	slices.SortFunc(rules, func(a, b ApprovalRule) int {
		return cmp.Compare(slices.Index(registry.Stages, registry.Stage(a.Stage)), slices.Index(registry.Stages, registry.Stage(b.Stage)))
	})
	return rows, rules
}

func decision(d registry.DecisionRequest) Decision {
	out := Decision{ID: d.ID, Version: d.Version, Action: string(d.Action), Stage: string(d.Stage), Alias: d.Alias, Status: string(d.Status),
		Rationale: d.Rationale, RequestedBy: d.RequestedBy, RequestedAt: d.CreatedAt.UTC(), DecidedBy: d.DecidedBy,
		Outcome: d.Outcome, Required: d.Required, Approvers: sorted(d.Approvers), BlockedBy: sorted(d.BlockedBy), Approvals: []Approval{}}
	if d.DecidedAt != nil {
		t := d.DecidedAt.UTC()
		out.DecidedAt = &t
	}
	for _, a := range d.Approvals {
		out.Approvals = append(out.Approvals, Approval{Principal: a.Principal, Verdict: a.Verdict, Comment: a.Comment, At: a.CreatedAt.UTC()})
	}
	slices.SortStableFunc(out.Approvals, func(a, b Approval) int {
		return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.Principal, b.Principal))
	})
	if p := d.Policy; p != nil {
		v := &PolicyVerdict{Allowed: p.Allowed, Profile: p.Profile, Disabled: sorted(p.Disabled), Denies: []PolicyRule{}, Warnings: []PolicyRule{}, Waived: []PolicyRule{}}
		for _, x := range p.Denies {
			v.Denies = append(v.Denies, PolicyRule{x.ID, x.Message})
		}
		for _, x := range p.Warnings {
			v.Warnings = append(v.Warnings, PolicyRule{x.ID, x.Message})
		}
		for _, x := range p.Exceptions {
			v.Waived = append(v.Waived, PolicyRule{x.ID, x.Message})
		}
		for _, l := range [][]PolicyRule{v.Denies, v.Warnings, v.Waived} {
			slices.SortStableFunc(l, func(a, b PolicyRule) int { return cmp.Compare(a.ID, b.ID) })
		}
		out.Policy = v
	}
	return out
}

// exceptions collects the exceptions granted by executed grant_exception
// decisions and the other policy waivers applied in the model's decisions.
func exceptions(reqs []registry.DecisionRequest, now time.Time) Exceptions {
	seen := map[string]bool{}
	out := Exceptions{Items: []Exception{}}
	for _, d := range reqs {
		if d.Action != registry.ActionGrantException || d.Status != registry.RequestExecuted {
			continue
		}
		// The key a waiver from this grant has (subject and digest bound).
		seen[strings.Join([]string{d.Rule, d.Owner, d.Expires, d.Model, d.Digest}, "\x00")] = true
		out.Items = append(out.Items, Exception{Rule: d.Rule, Owner: d.Owner, Expires: d.Expires, Reason: d.Rationale,
			Open: openAt(d.Expires, now), Decision: d.ID, Version: d.Version})
	}
	for _, d := range reqs {
		if d.Policy == nil {
			continue
		}
		for _, x := range d.Policy.Exceptions {
			w := x.Waiver
			if w == nil {
				continue
			}
			key := strings.Join([]string{w.Rule, w.Owner, w.Expires, w.Subject, w.Digest}, "\x00")
			if seen[key] {
				continue
			}
			seen[key] = true
			out.Items = append(out.Items, Exception{Rule: w.Rule, Owner: w.Owner, Expires: w.Expires, Reason: w.Reason, Open: openAt(w.Expires, now), Decision: d.ID, Version: d.Version})
		}
	}
	slices.SortStableFunc(out.Items, func(a, b Exception) int {
		return cmp.Or(cmp.Compare(a.Expires, b.Expires), cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.Decision, b.Decision))
	})
	if len(out.Items) == 0 {
		out.Note = "None recorded. No exception was granted by a decision (mlsec request MODEL@V grant-exception) and no policy waiver (rule, owner, expiry) was applied when the model's decisions were evaluated."
	} else {
		out.Note = "Exceptions granted by approved decisions (the decision is the grant request) and other policy waivers (rule, owner, expiry) applied when the model's decisions were evaluated."
	}
	return out
}

// openAt reports whether an exception expiring at exp (a date: valid
// through that day, UTC; or RFC 3339) still applies at now.
func openAt(exp string, now time.Time) bool {
	if t, err := time.Parse(time.DateOnly, exp); err == nil {
		return now.Before(t.AddDate(0, 0, 1))
	}
	if t, err := time.Parse(time.RFC3339, exp); err == nil {
		return t.After(now)
	}
	return true
}

// records extracts the decision records from the history (their title and
// body, author and time).
func records(hist []registry.HistoryEntry) []Record {
	out := []Record{}
	for _, h := range hist {
		if h.Action != "record.add" {
			continue
		}
		out = append(out, Record{Version: h.Version, Title: strings.TrimPrefix(h.What, "decision record: "), Body: h.Why, Author: h.Actor, At: h.At.UTC()})
	}
	slices.SortStableFunc(out, func(a, b Record) int {
		return cmp.Or(cmp.Compare(a.Version, b.Version), a.At.Compare(b.At))
	})
	return out
}

// checkpoint reads the latest signed audit checkpoint; its absence (no
// Merkle log, no permission, empty log) is reported, never an error.
func checkpoint(ctx context.Context, src Source) Audit {
	note, err := src.AuditLogCheckpoint(ctx)
	if err != nil {
		reason := "the audit log could not be read: " + err.Error()
		switch client.StatusOf(err) {
		case http.StatusNotFound:
			reason = "the server has no tamper-evident audit log, or it is still empty"
		case http.StatusForbidden, http.StatusUnauthorized:
			reason = "the token used for this report may not read the audit log (it needs the auditor or admin role)"
		}
		if errors.Is(err, context.Canceled) {
			reason = "the report was cancelled before the audit log was read"
		}
		return Audit{Reason: reason}
	}
	c, err := audit.ParseCheckpointNote(note)
	if err != nil {
		return Audit{Reason: "the server returned a checkpoint that is not a signed note: " + err.Error()}
	}
	return Audit{Available: true, Origin: c.Origin, TreeSize: c.Size, RootHash: b64(c.Hash), Note: string(note)}
}

// versionDetails fills each recent version's latest drift check, its
// lineage, and why the policy denied it (when it did).
func (r *Report) versionDetails(ctx context.Context, src Source, model string, vs []registry.Version, reqs []registry.DecisionRequest) error {
	names, err := datasetNames(ctx, src)
	if err != nil {
		return err
	}
	byDigest := map[string]int{}
	for _, v := range vs {
		byDigest[v.Digest] = v.Number
	}
	r.DriftTrend = []DriftPoint{}
	for i := len(r.Versions) - 1; i >= 0 && i >= len(r.Versions)-maxDetailVersions; i-- {
		v := &r.Versions[i]
		all := func(typ string) ([]registry.Evidence, error) {
			return client.All(ctx, maxEvidence, func(ctx context.Context, cur string) (client.List[registry.Evidence], error) {
				return src.ListEvidence(ctx, model, v.Number, client.EvidenceQuery{Type: typ, Page: registry.Page{Limit: registry.MaxLimit, Cursor: cur}})
			})
		}
		es, err := all(evidence.TypeDrift)
		if err != nil {
			return fmt.Errorf("report: drift evidence of version %d: %w", v.Number, err)
		}
		if e := latestOf(es, evidence.TypeDrift); e != nil {
			status, text := driftVerdict(e)
			v.Drift = &DriftCheck{EvidenceID: e.ID, At: e.Timestamp.UTC(), Status: status, Summary: text}
			if p, ok := driftPointOf(v.Number, e); ok {
				r.DriftTrend = append(r.DriftTrend, p)
			}
		}
		edges, err := src.Lineage(ctx, model, v.Number)
		if err != nil {
			return fmt.Errorf("report: lineage of version %d: %w", v.Number, err)
		}
		v.Lineage = lineage(edges, names, byDigest)
		if err := trainingData(ctx, src, model, v.Number, v.Lineage); err != nil {
			return err
		}
		if d := lastDenied(v.Number, reqs); d != nil {
			es, err := all("")
			if err != nil {
				return fmt.Errorf("report: evidence of version %d: %w", v.Number, err)
			}
			v.Denial = denial(vs[i], d, es, reqs)
		}
	}
	slices.Reverse(r.DriftTrend) // read newest first, drawn oldest first
	return nil
}
