package ui

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"regexp"
	"strings"

	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/client"
	"github.com/mlsec/mlsec/registry/server/session"
	"github.com/mlsec/mlsec/report"
)

// Report renders the model's governance report (mlsec report) as a page:
// the same builder and template, reading through the service as the
// signed-in actor instead of through the HTTP client.
func (u *UI) Report(w http.ResponseWriter, r *http.Request, a registry.Actor) error {
	rep, err := report.BuildAt(r.Context(), serviceSource{u.svc, a}, r.PathValue("model"), u.now())
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := report.WriteHTML(&b, rep); err != nil {
		return err
	}
	// The report is a self-contained document with its stylesheet inline
	// (it is also mailed and archived as a file); allow exactly that
	// stylesheet and the charts' style attributes by hash, nothing else.
	w.Header().Set("Content-Security-Policy", inlineStyleCSP(b.Bytes()))
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, err = w.Write(b.Bytes())
	return err
}

var (
	styleBlock = regexp.MustCompile(`(?s)<style>(.*?)</style>`)
	styleAttr  = regexp.MustCompile(`style="([^"]*)"`)
)

// inlineStyleCSP is session.CSP with the hashes of page's inline styles.
func inlineStyleCSP(page []byte) string {
	seen := map[string]bool{}
	var hashes []string
	add := func(s []byte) {
		sum := sha256.Sum256(s)
		h := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
		if !seen[h] {
			seen[h] = true
			hashes = append(hashes, h)
		}
	}
	for _, m := range styleBlock.FindAllSubmatch(page, -1) {
		add(m[1])
	}
	attrs := false
	for _, m := range styleAttr.FindAllSubmatch(page, -1) {
		add(m[1])
		attrs = true
	}
	src := "style-src 'self'"
	if len(hashes) > 0 {
		src += " " + strings.Join(hashes, " ")
		if attrs {
			src += " 'unsafe-hashes'"
		}
	}
	return strings.Replace(session.CSP, "style-src 'self'", src, 1)
}

// serviceSource is report.Source over the service, as actor a.
type serviceSource struct {
	svc *registry.Service
	a   registry.Actor
}

var _ report.Source = serviceSource{}

func (s serviceSource) GetModel(ctx context.Context, name string) (registry.Model, error) {
	return s.svc.GetModel(ctx, s.a, name)
}

func (s serviceSource) ListVersions(ctx context.Context, model string, q client.VersionQuery) (client.List[registry.Version], error) {
	vs, next, err := s.svc.ListVersions(ctx, s.a, registry.VersionFilter{Page: q.Page, Model: model, State: q.State, Stage: q.Stage, MinSeverity: q.Severity})
	return client.List[registry.Version]{Items: vs, NextCursor: next}, err
}

func (s serviceSource) Owners(ctx context.Context, model string) (registry.Governance, error) {
	return s.svc.GetGovernance(ctx, s.a, model)
}

func (s serviceSource) ListRequests(ctx context.Context, model string, st registry.RequestStatus, p registry.Page) (client.List[registry.DecisionRequest], error) {
	ds, next, err := s.svc.ListDecisionRequests(ctx, s.a, model, registry.RequestFilter{Page: p, Status: st})
	return client.List[registry.DecisionRequest]{Items: ds, NextCursor: next}, err
}

func (s serviceSource) ListEvidence(ctx context.Context, model string, number int, q client.EvidenceQuery) (client.List[registry.Evidence], error) {
	es, next, err := s.svc.ListEvidence(ctx, s.a, model, number, registry.EvidenceFilter{Page: q.Page, Type: q.Type, MinSeverity: q.Severity})
	return client.List[registry.Evidence]{Items: es, NextCursor: next}, err
}

func (s serviceSource) Lineage(ctx context.Context, model string, number int) ([]registry.LineageEdge, error) {
	return s.svc.Lineage(ctx, s.a, model, number)
}

func (s serviceSource) ListDatasets(ctx context.Context, p registry.Page) (client.List[registry.Dataset], error) {
	ds, next, err := s.svc.ListDatasets(ctx, s.a, p)
	return client.List[registry.Dataset]{Items: ds, NextCursor: next}, err
}

func (s serviceSource) TrainingData(ctx context.Context, model string, number int) ([]registry.TrainingDataset, error) {
	return s.svc.TrainingData(ctx, s.a, model, number)
}

func (s serviceSource) History(ctx context.Context, model string) ([]registry.HistoryEntry, error) {
	return s.svc.History(ctx, s.a, model)
}

// AuditLogCheckpoint returns the latest signed checkpoint; a reader who
// may not read the audit log gets the report without it, as from the API.
func (s serviceSource) AuditLogCheckpoint(ctx context.Context) ([]byte, error) {
	info, err := s.svc.AuditLogInfo(ctx, s.a)
	if err != nil {
		return nil, err
	}
	return []byte(info.Checkpoint), nil
}
