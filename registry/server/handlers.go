package server

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/mlsec/mlsec/registry"
)

func invalid(msg string) error   { return fmt.Errorf("%w: %s", registry.ErrInvalid, msg) }
func notFound(what string) error { return fmt.Errorf("%s: %w", what, registry.ErrNotFound) }

func (s *Server) listModels(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	p, err := page(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	ms, cur, err := s.svc.ListModels(r.Context(), a, registry.ModelFilter{Page: p, Tag: q.Get("tag"), Team: q.Get("team")})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[registry.Model]{ms, cur})
}

type newModel struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Tags        []string `json:"tags"`
	Team        string   `json:"team"`
}

func (s *Server) createModel(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	var in newModel
	if err := decode(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	m, err := s.svc.CreateModel(r.Context(), a, registry.Model{Name: in.Name, Description: in.Description, Tags: in.Tags, Team: in.Team})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(m.Revision))
	writeJSON(w, http.StatusCreated, m)
}

func (s *Server) getModel(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	m, err := s.svc.GetModel(r.Context(), a, r.PathValue("model"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(m.Revision))
	writeJSON(w, http.StatusOK, m)
}

func (s *Server) updateModel(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	rev, err := ifMatch(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var p registry.ModelPatch
	if err := decode(w, r, &p); err != nil {
		s.fail(w, r, err)
		return
	}
	m, err := s.svc.UpdateModel(r.Context(), a, r.PathValue("model"), rev, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(m.Revision))
	writeJSON(w, http.StatusOK, m)
}

func (s *Server) listVersions(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	p, err := page(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	f := registry.VersionFilter{Page: p, Model: r.PathValue("model"), State: registry.VersionState(q.Get("state")),
		Stage: registry.Stage(q.Get("stage")), MinSeverity: q.Get("severity")}
	if d := q.Get("digest"); d != "" {
		s.versionByDigest(w, r, a, d)
		return
	}
	vs, cur, err := s.svc.ListVersions(r.Context(), a, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[registry.Version]{vs, cur})
}

// versionByDigest answers ?digest= with a list of zero or one version.
func (s *Server) versionByDigest(w http.ResponseWriter, r *http.Request, a registry.Actor, d string) {
	v, err := s.svc.GetVersionByDigest(r.Context(), a, r.PathValue("model"), d)
	out := []registry.Version{}
	switch {
	case err == nil:
		out = append(out, v)
	case !errors.Is(err, registry.ErrNotFound):
		s.fail(w, r, err)
		return
	}
	if _, merr := s.svc.GetModel(r.Context(), a, r.PathValue("model")); merr != nil {
		s.fail(w, r, merr)
		return
	}
	writeJSON(w, http.StatusOK, list[registry.Version]{Items: out})
}

// versionView is a version with its files.
type versionView struct {
	registry.Version
	Artifacts []registry.Artifact `json:"artifacts"`
}

func (s *Server) createVersion(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	var nv registry.NewVersion
	if err := decode(w, r, &nv); err != nil {
		s.fail(w, r, err)
		return
	}
	v, created, err := s.svc.CreateVersion(r.Context(), a, r.PathValue("model"), nv)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	code := http.StatusOK
	if created {
		code = http.StatusCreated
	}
	s.writeVersion(w, r, a, code, v)
}

func (s *Server) writeVersion(w http.ResponseWriter, r *http.Request, a registry.Actor, code int, v registry.Version) {
	v2, arts, err := s.svc.GetVersion(r.Context(), a, v.Model, v.Number)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(v2.Revision))
	writeJSON(w, code, versionView{v2, arts})
}

func (s *Server) getVersion(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	n, err := versionNumber(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeVersion(w, r, a, http.StatusOK, registry.Version{Model: r.PathValue("model"), Number: n})
}

// updateVersion changes a version's stage: If-Match (the version's ETag)
// is required, as for models.
func (s *Server) updateVersion(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	n, err := versionNumber(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rev, err := ifMatch(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var p registry.VersionPatch
	if err := decode(w, r, &p); err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.svc.SetVersionStage(r.Context(), a, r.PathValue("model"), n, rev, p.Stage)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeVersion(w, r, a, http.StatusOK, v)
}

func (s *Server) finalizeVersion(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	n, err := versionNumber(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.svc.FinalizeVersion(r.Context(), a, r.PathValue("model"), n)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeVersion(w, r, a, http.StatusOK, v)
}

func (s *Server) listEvidence(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	n, err := versionNumber(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := page(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	es, cur, err := s.svc.ListEvidence(r.Context(), a, r.PathValue("model"), n, registry.EvidenceFilter{Page: p, Type: q.Get("type"), MinSeverity: q.Get("severity")})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[registry.Evidence]{es, cur})
}

// addEvidence accepts an evidence file as-is (one record, an array, or a
// DSSE attestation); package evidence validates it.
func (s *Server) addEvidence(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	n, err := versionNumber(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxJSONBody))
	if err != nil {
		s.fail(w, r, fmt.Errorf("%w: body over %d bytes", registry.ErrTooLarge, MaxJSONBody))
		return
	}
	es, err := s.svc.AddEvidence(r.Context(), a, r.PathValue("model"), n, raw, s.keys)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, list[registry.Evidence]{Items: es})
}

func (s *Server) listLineage(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	n, err := versionNumber(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ls, err := s.svc.Lineage(r.Context(), a, r.PathValue("model"), n)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[registry.LineageEdge]{Items: ls})
}

type newLineage struct {
	Kind   registry.LineageKind `json:"kind"`
	Target string               `json:"target"`
	Commit string               `json:"commit"`
	Note   string               `json:"note"`
}

func (s *Server) addLineage(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	n, err := versionNumber(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in newLineage
	if err := decode(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	l, err := s.svc.AddLineage(r.Context(), a, r.PathValue("model"), n, registry.LineageEdge{Kind: in.Kind, Target: in.Target, Commit: in.Commit, Note: in.Note})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, l)
}

func (s *Server) listJobs(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	n, err := versionNumber(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := page(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	js, cur, err := s.svc.ListJobs(r.Context(), a, r.PathValue("model"), n, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[registry.Job]{js, cur})
}

func (s *Server) listDatasets(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	p, err := page(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ds, cur, err := s.svc.ListDatasets(r.Context(), a, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[registry.Dataset]{ds, cur})
}

type newDataset struct {
	Name        string `json:"name"`
	Digest      string `json:"digest"`
	Owner       string `json:"owner"`
	Description string `json:"description"`
	URI         string `json:"uri"`
}

func (s *Server) createDataset(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	var in newDataset
	if err := decode(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := s.svc.CreateDataset(r.Context(), a, registry.Dataset{Name: in.Name, Digest: in.Digest, Owner: in.Owner, Description: in.Description, URI: in.URI})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(d.Revision))
	writeJSON(w, http.StatusCreated, d)
}

func (s *Server) getDataset(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	d, err := s.svc.GetDataset(r.Context(), a, r.PathValue("name"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(d.Revision))
	writeJSON(w, http.StatusOK, d)
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	p, err := page(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ts, cur, err := s.svc.ListTokens(r.Context(), a, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[registry.Token]{ts, cur})
}

type newToken struct {
	Name       string        `json:"name"`
	Role       registry.Role `json:"role"`
	ScopeTeam  string        `json:"scope_team"`
	ScopeModel string        `json:"scope_model"`
	ExpiresAt  *time.Time    `json:"expires_at"`
}

// createdToken shows the secret once.
type createdToken struct {
	registry.Token
	Secret string `json:"secret"`
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	var in newToken
	if err := decode(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	t, secret, err := s.svc.CreateToken(r.Context(), a, registry.Token{Name: in.Name, Role: in.Role, ScopeTeam: in.ScopeTeam, ScopeModel: in.ScopeModel, ExpiresAt: in.ExpiresAt})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, createdToken{t, secret})
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.fail(w, r, invalid("token id"))
		return
	}
	if err := s.svc.RevokeToken(r.Context(), a, id); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) listAudit(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	p, err := page(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	es, cur, err := s.svc.ListAudit(r.Context(), a, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[registry.AuditEvent]{es, cur})
}
