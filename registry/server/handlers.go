package server

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/mlsec/mlsec/registry"
)

func invalid(msg string) error   { return fmt.Errorf("%w: %s", registry.ErrInvalid, msg) }
func notFound(what string) error { return fmt.Errorf("%s: %w", what, registry.ErrNotFound) }

func (s *Server) listModels(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	p, ok := parse(s, w, r, page)
	if !ok {
		return
	}
	q := r.URL.Query()
	ms, cur, err := s.svc.ListModels(r.Context(), a, registry.ModelFilter{Page: p, Tag: q.Get("tag"), Team: q.Get("team")})
	respondList(s, w, r, ms, cur, err)
}

type newModel struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Tags        []string `json:"tags"`
	Team        string   `json:"team"`
}

func (s *Server) createModel(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	in, ok := decodeInto[newModel](s, w, r)
	if !ok {
		return
	}
	m, err := s.svc.CreateModel(r.Context(), a, registry.Model{Name: in.Name, Description: in.Description, Tags: in.Tags, Team: in.Team})
	s.respondETag(w, r, http.StatusCreated, m, m.Revision, err)
}

func (s *Server) getModel(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	m, err := s.svc.GetModel(r.Context(), a, r.PathValue("model"))
	s.respondETag(w, r, http.StatusOK, m, m.Revision, err)
}

func (s *Server) updateModel(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	rev, ok := parse(s, w, r, ifMatch)
	if !ok {
		return
	}
	p, ok := decodeInto[registry.ModelPatch](s, w, r)
	if !ok {
		return
	}
	m, err := s.svc.UpdateModel(r.Context(), a, r.PathValue("model"), rev, p)
	s.respondETag(w, r, http.StatusOK, m, m.Revision, err)
}

func (s *Server) listVersions(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	p, ok := parse(s, w, r, page)
	if !ok {
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
	respondList(s, w, r, vs, cur, err)
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
	_, err = s.svc.GetModel(r.Context(), a, r.PathValue("model"))
	respondList(s, w, r, out, "", err)
}

// versionView is a version with its files.
type versionView struct {
	registry.Version
	Artifacts []registry.Artifact `json:"artifacts"`
}

func (s *Server) createVersion(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	nv, ok := decodeInto[registry.NewVersion](s, w, r)
	if !ok {
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

// writeVersion answers with the version as stored now, files included.
func (s *Server) writeVersion(w http.ResponseWriter, r *http.Request, a registry.Actor, code int, v registry.Version) {
	v2, arts, err := s.svc.GetVersion(r.Context(), a, v.Model, v.Number)
	s.respondETag(w, r, code, versionView{v2, arts}, v2.Revision, err)
}

// respondVersion is writeVersion after a service call that returned v, err.
func (s *Server) respondVersion(w http.ResponseWriter, r *http.Request, a registry.Actor, v registry.Version, err error) {
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeVersion(w, r, a, http.StatusOK, v)
}

func (s *Server) getVersion(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	n, ok := parse(s, w, r, versionNumber)
	if !ok {
		return
	}
	s.writeVersion(w, r, a, http.StatusOK, registry.Version{Model: r.PathValue("model"), Number: n})
}

// updateVersion changes a version's stage: If-Match (the version's ETag)
// is required, as for models.
func (s *Server) updateVersion(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	n, ok := parse(s, w, r, versionNumber)
	if !ok {
		return
	}
	rev, ok := parse(s, w, r, ifMatch)
	if !ok {
		return
	}
	p, ok := decodeInto[registry.VersionPatch](s, w, r)
	if !ok {
		return
	}
	v, err := s.svc.SetVersionStage(r.Context(), a, r.PathValue("model"), n, rev, p.Stage)
	s.respondVersion(w, r, a, v, err)
}

func (s *Server) finalizeVersion(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	n, ok := parse(s, w, r, versionNumber)
	if !ok {
		return
	}
	v, err := s.svc.FinalizeVersion(r.Context(), a, r.PathValue("model"), n)
	s.respondVersion(w, r, a, v, err)
}

func (s *Server) listEvidence(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	n, ok := parse(s, w, r, versionNumber)
	if !ok {
		return
	}
	p, ok := parse(s, w, r, page)
	if !ok {
		return
	}
	q := r.URL.Query()
	es, cur, err := s.svc.ListEvidence(r.Context(), a, r.PathValue("model"), n, registry.EvidenceFilter{Page: p, Type: q.Get("type"), MinSeverity: q.Get("severity")})
	respondList(s, w, r, es, cur, err)
}

// addEvidence accepts an evidence file as-is (one record, an array, or a
// DSSE attestation); package evidence validates it.
func (s *Server) addEvidence(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	n, ok := parse(s, w, r, versionNumber)
	if !ok {
		return
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxJSONBody))
	if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
		err = fmt.Errorf("%w: body over %d bytes", registry.ErrTooLarge, MaxJSONBody)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	es, err := s.svc.AddEvidence(r.Context(), a, r.PathValue("model"), n, raw, s.keys)
	s.respond(w, r, http.StatusCreated, list[registry.Evidence]{Items: es}, err)
}

func (s *Server) listLineage(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	n, ok := parse(s, w, r, versionNumber)
	if !ok {
		return
	}
	ls, err := s.svc.Lineage(r.Context(), a, r.PathValue("model"), n)
	respondList(s, w, r, ls, "", err)
}

type newLineage struct {
	Kind   registry.LineageKind `json:"kind"`
	Target string               `json:"target"`
	Commit string               `json:"commit"`
	Note   string               `json:"note"`
}

func (s *Server) addLineage(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	n, ok := parse(s, w, r, versionNumber)
	if !ok {
		return
	}
	in, ok := decodeInto[newLineage](s, w, r)
	if !ok {
		return
	}
	l, err := s.svc.AddLineage(r.Context(), a, r.PathValue("model"), n, registry.LineageEdge{Kind: in.Kind, Target: in.Target, Commit: in.Commit, Note: in.Note})
	s.respond(w, r, http.StatusCreated, l, err)
}

func (s *Server) listJobs(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	n, ok := parse(s, w, r, versionNumber)
	if !ok {
		return
	}
	p, ok := parse(s, w, r, page)
	if !ok {
		return
	}
	js, cur, err := s.svc.ListJobs(r.Context(), a, r.PathValue("model"), n, p)
	respondList(s, w, r, js, cur, err)
}

func (s *Server) listDatasets(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	p, ok := parse(s, w, r, page)
	if !ok {
		return
	}
	ds, cur, err := s.svc.ListDatasets(r.Context(), a, p)
	respondList(s, w, r, ds, cur, err)
}

func (s *Server) createDataset(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	in, ok := decodeInto[registry.NewDataset](s, w, r)
	if !ok {
		return
	}
	d, err := s.svc.CreateDataset(r.Context(), a, registry.Dataset{Name: in.Name, Digest: in.Digest, Team: in.Team, Owner: in.Owner, Description: in.Description, URI: in.URI})
	s.respondETag(w, r, http.StatusCreated, d, d.Revision, err)
}

func (s *Server) getDataset(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	d, err := s.svc.GetDataset(r.Context(), a, r.PathValue("name"))
	s.respondETag(w, r, http.StatusOK, d, d.Revision, err)
}

func (s *Server) datasetVersions(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	p, ok := parse(s, w, r, page)
	if !ok {
		return
	}
	vs, cur, err := s.svc.DatasetVersions(r.Context(), a, r.PathValue("name"), p)
	respondList(s, w, r, vs, cur, err)
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	p, ok := parse(s, w, r, page)
	if !ok {
		return
	}
	ts, cur, err := s.svc.ListTokens(r.Context(), a, p)
	respondList(s, w, r, ts, cur, err)
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	in, ok := decodeInto[registry.NewToken](s, w, r)
	if !ok {
		return
	}
	t, secret, err := s.svc.CreateToken(r.Context(), a, registry.Token{Name: in.Name, Role: in.Role, ScopeTeam: in.ScopeTeam, ScopeModel: in.ScopeModel, ExpiresAt: in.ExpiresAt, Person: in.Person})
	s.respond(w, r, http.StatusCreated, registry.CreatedToken{Token: t, Secret: secret}, err)
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.fail(w, r, invalid("token id"))
		return
	}
	s.noContent(w, r, s.svc.RevokeToken(r.Context(), a, id))
}

func (s *Server) listAudit(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	p, ok := parse(s, w, r, page)
	if !ok {
		return
	}
	es, cur, err := s.svc.ListAudit(r.Context(), a, p)
	respondList(s, w, r, es, cur, err)
}
