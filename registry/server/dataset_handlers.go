package server

import (
	"context"
	"fmt"
	"net/http"

	"github.com/mlsec/mlsec/registry"
)

// Dataset versions (registry/datasets.go): register, read, approve and
// reject. The service checks the dataset's team against the token's scope
// and the approvers; these handlers only parse and answer.

func (s *Server) listDatasetVersions(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	vs, err := s.svc.ListDatasetVersions(r.Context(), a, r.PathValue("name"))
	respondList(s, w, r, vs, "", err)
}

func (s *Server) registerDatasetVersion(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	in, ok := decodeInto[registry.NewDatasetVersion](s, w, r)
	if !ok {
		return
	}
	v, err := s.svc.RegisterDatasetVersion(r.Context(), a, r.PathValue("name"), in)
	s.respond(w, r, http.StatusCreated, v, err)
}

func (s *Server) getDatasetVersion(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	n, ok := parse(s, w, r, versionNumber)
	if !ok {
		return
	}
	v, err := s.svc.GetDatasetVersion(r.Context(), a, r.PathValue("name"), n)
	s.respond(w, r, http.StatusOK, v, err)
}

func (s *Server) approveDatasetVersion(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	s.voteDataset(w, r, a, s.svc.ApproveDatasetVersion)
}

func (s *Server) rejectDatasetVersion(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	s.voteDataset(w, r, a, s.svc.RejectDatasetVersion)
}

func (s *Server) voteDataset(w http.ResponseWriter, r *http.Request, a registry.Actor,
	fn func(ctx context.Context, a registry.Actor, name string, number int, comment string) (registry.DatasetVersion, error)) {
	n, ok := parse(s, w, r, versionNumber)
	if !ok {
		return
	}
	comment, ok := voteComment(s, w, r)
	if !ok {
		return
	}
	v, err := fn(r.Context(), a, r.PathValue("name"), n, comment)
	s.respond(w, r, http.StatusOK, v, err)
}

// trainingData answers what a model version was trained on: its
// trained_on datasets with their registration, classification, approval
// and PII (registry.Service.TrainingData).
func (s *Server) trainingData(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	n, ok := parse(s, w, r, versionNumber)
	if !ok {
		return
	}
	ds, err := s.svc.TrainingData(r.Context(), a, r.PathValue("model"), n)
	respondList(s, w, r, ds, "", err)
}

// putDatasetFile stores the bytes of one file of a dataset version ('mlsec
// data push'): only a path the version lists, and only its bytes (the blob
// store checks size and digest against the manifest before anything is
// recorded: a mismatch is 422).
func (s *Server) putDatasetFile(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	n, ok := parse(s, w, r, versionNumber)
	if !ok {
		return
	}
	f, err := s.svc.DatasetFileTarget(r.Context(), a, r.PathValue("name"), n, r.PathValue("path"), true)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if r.ContentLength >= 0 && r.ContentLength != f.Size {
		s.fail(w, r, fmt.Errorf("%w: %s is %d bytes in the manifest, the upload announces %d", registry.ErrDigestMismatch, f.Path, f.Size, r.ContentLength))
		return
	}
	if _, code, ok := s.storeBlob(w, r, a, f.Path, f.SHA256, f.Size); ok {
		writeJSON(w, code, f)
	}
}

// getDatasetFile streams one file of a pushed dataset version, verified
// as model files are (streamBlob); 404 when the version was registered
// without its bytes.
func (s *Server) getDatasetFile(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	n, ok := parse(s, w, r, versionNumber)
	if !ok {
		return
	}
	f, err := s.svc.DatasetFileTarget(r.Context(), a, r.PathValue("name"), n, r.PathValue("path"), false)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.streamBlob(w, r, f.Path, f.SHA256, f.Size, "the dataset version was registered without its bytes (mlsec data register); only pushed versions can be pulled")
}
