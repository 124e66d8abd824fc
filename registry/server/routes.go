package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/mlsec/mlsec/registry"
)

// routes is the API: the mux, authorization, the OpenAPI sync test and the
// authorization matrix test (every route for every role and scope) all
// read it. perm is the least permission; scope says how the route's target
// relates to a scoped token (scopeRule).
var routes = []route{
	{method: "GET", path: "/healthz", public: true, scope: scopeNone, h: (*Server).healthz},
	{method: "GET", path: "/readyz", public: true, scope: scopeNone, h: (*Server).readyz},
	{method: "GET", path: "/metrics", public: true, scope: scopeNone, h: (*Server).serveMetrics},
	{method: "GET", path: "/api/v1/openapi.json", public: true, scope: scopeNone, h: (*Server).openapi},

	{method: "GET", path: "/api/v1/models", perm: registry.PermRead, scope: scopeList, h: (*Server).listModels},
	{method: "POST", path: "/api/v1/models", perm: registry.PermWrite, scope: scopeModel, h: (*Server).createModel},
	{method: "GET", path: "/api/v1/models/{model}", perm: registry.PermRead, scope: scopeModel, h: (*Server).getModel},
	{method: "PATCH", path: "/api/v1/models/{model}", perm: registry.PermWrite, scope: scopeModel, h: (*Server).updateModel},
	{method: "GET", path: "/api/v1/models/{model}/versions", perm: registry.PermRead, scope: scopeModel, h: (*Server).listVersions},
	{method: "POST", path: "/api/v1/models/{model}/versions", perm: registry.PermWrite, scope: scopeModel, h: (*Server).createVersion},
	{method: "GET", path: "/api/v1/models/{model}/versions/{number}", perm: registry.PermRead, scope: scopeModel, h: (*Server).getVersion},
	{method: "PATCH", path: "/api/v1/models/{model}/versions/{number}", perm: registry.PermWrite, scope: scopeModel, h: (*Server).updateVersion},
	{method: "POST", path: "/api/v1/models/{model}/versions/{number}/finalize", perm: registry.PermWrite, scope: scopeModel, h: (*Server).finalizeVersion},
	{method: "GET", path: "/api/v1/models/{model}/versions/{number}/files/{path...}", perm: registry.PermRead, scope: scopeModel, h: (*Server).getFile},
	{method: "GET", path: "/api/v1/models/{model}/versions/{number}/evidence", perm: registry.PermRead, scope: scopeModel, h: (*Server).listEvidence},
	{method: "POST", path: "/api/v1/models/{model}/versions/{number}/evidence", perm: registry.PermEvidence, scope: scopeModel, h: (*Server).addEvidence},
	{method: "GET", path: "/api/v1/models/{model}/versions/{number}/lineage", perm: registry.PermRead, scope: scopeModel, h: (*Server).listLineage},
	{method: "POST", path: "/api/v1/models/{model}/versions/{number}/lineage", perm: registry.PermWrite, scope: scopeModel, h: (*Server).addLineage},
	{method: "GET", path: "/api/v1/models/{model}/versions/{number}/jobs", perm: registry.PermRead, scope: scopeModel, h: (*Server).listJobs},
	{method: "GET", path: "/api/v1/models/{model}/versions/{number}/training-data", perm: registry.PermRead, scope: scopeModel, h: (*Server).trainingData},

	// Governance (governance_handlers.go).
	{method: "GET", path: "/api/v1/models/{model}/owners", perm: registry.PermRead, scope: scopeModel, h: (*Server).getOwners},
	{method: "PATCH", path: "/api/v1/models/{model}/owners", perm: registry.PermWrite, scope: scopeModel, h: (*Server).setOwners},
	{method: "POST", path: "/api/v1/models/{model}/versions/{number}/requests", perm: registry.PermWrite, scope: scopeModel, h: (*Server).createRequest},
	{method: "GET", path: "/api/v1/models/{model}/requests", perm: registry.PermRead, scope: scopeModel, h: (*Server).listRequests},
	{method: "GET", path: "/api/v1/requests/{id}", perm: registry.PermRead, scope: scopeModel, h: (*Server).getRequest},
	{method: "POST", path: "/api/v1/requests/{id}/approve", perm: registry.PermRead, scope: scopeModel, h: (*Server).approveRequest},
	{method: "POST", path: "/api/v1/requests/{id}/reject", perm: registry.PermRead, scope: scopeModel, h: (*Server).rejectRequest},
	{method: "POST", path: "/api/v1/models/{model}/rollback", perm: registry.PermRead, scope: scopeModel, h: (*Server).rollback},
	{method: "GET", path: "/api/v1/models/{model}/versions/{number}/records", perm: registry.PermRead, scope: scopeModel, h: (*Server).listRecords},
	{method: "POST", path: "/api/v1/models/{model}/versions/{number}/records", perm: registry.PermEvidence, scope: scopeModel, h: (*Server).addRecord},
	{method: "GET", path: "/api/v1/models/{model}/history", perm: registry.PermRead, scope: scopeModel, h: (*Server).history},
	{method: "GET", path: "/api/v1/models/{model}/exceptions", perm: registry.PermRead, scope: scopeModel, h: (*Server).listExceptions},

	// Policy profiles (governance_handlers.go): admins of the whole team set
	// them; readers of the model (or team) read them.
	{method: "GET", path: "/api/v1/profiles", perm: registry.PermRead, scope: scopeAny, h: (*Server).getProfiles},
	{method: "GET", path: "/api/v1/models/{model}/profile", perm: registry.PermRead, scope: scopeModel, h: (*Server).getModelProfile},
	{method: "PUT", path: "/api/v1/models/{model}/profile", perm: registry.PermAdmin, scope: scopeTeam, h: (*Server).putModelProfile},
	{method: "DELETE", path: "/api/v1/models/{model}/profile", perm: registry.PermAdmin, scope: scopeTeam, h: (*Server).deleteModelProfile},
	{method: "GET", path: "/api/v1/teams/{team}/profile", perm: registry.PermRead, scope: scopeTeam, h: (*Server).getTeamProfile},
	{method: "PUT", path: "/api/v1/teams/{team}/profile", perm: registry.PermAdmin, scope: scopeTeam, h: (*Server).putTeamProfile},
	{method: "DELETE", path: "/api/v1/teams/{team}/profile", perm: registry.PermAdmin, scope: scopeTeam, h: (*Server).deleteTeamProfile},

	// Aliases (alias_handlers.go).
	{method: "GET", path: "/api/v1/models/{model}/aliases", perm: registry.PermRead, scope: scopeModel, h: (*Server).listAliases},
	{method: "GET", path: "/api/v1/models/{model}/aliases/{alias}", perm: registry.PermRead, scope: scopeModel, h: (*Server).getAlias},
	{method: "PUT", path: "/api/v1/models/{model}/aliases/{alias}", perm: registry.PermWrite, scope: scopeModel, h: (*Server).putAlias},
	{method: "GET", path: "/api/v1/models/{model}/aliases/{alias}/history", perm: registry.PermRead, scope: scopeModel, h: (*Server).aliasHistory},

	{method: "HEAD", path: "/api/v1/blobs/{digest}", perm: registry.PermWrite, scope: scopeBlob, h: (*Server).headBlob},
	{method: "PUT", path: "/api/v1/blobs/{digest}", perm: registry.PermWrite, scope: scopeAny, h: (*Server).putBlob},

	{method: "GET", path: "/api/v1/datasets", perm: registry.PermRead, scope: scopeList, h: (*Server).listDatasets},
	{method: "POST", path: "/api/v1/datasets", perm: registry.PermWrite, scope: scopeDataset, h: (*Server).createDataset},
	{method: "GET", path: "/api/v1/datasets/{name}", perm: registry.PermRead, scope: scopeDataset, h: (*Server).getDataset},
	{method: "GET", path: "/api/v1/datasets/{name}/data-versions", perm: registry.PermRead, scope: scopeDataset, h: (*Server).listDatasetVersions},
	{method: "POST", path: "/api/v1/datasets/{name}/data-versions", perm: registry.PermWrite, scope: scopeDataset, h: (*Server).registerDatasetVersion},
	{method: "GET", path: "/api/v1/datasets/{name}/data-versions/{number}", perm: registry.PermRead, scope: scopeDataset, h: (*Server).getDatasetVersion},
	{method: "POST", path: "/api/v1/datasets/{name}/data-versions/{number}/approve", perm: registry.PermRead, scope: scopeDataset, h: (*Server).approveDatasetVersion},
	{method: "POST", path: "/api/v1/datasets/{name}/data-versions/{number}/reject", perm: registry.PermRead, scope: scopeDataset, h: (*Server).rejectDatasetVersion},
	{method: "PUT", path: "/api/v1/datasets/{name}/data-versions/{number}/files/{path...}", perm: registry.PermWrite, scope: scopeDataset, h: (*Server).putDatasetFile},
	{method: "GET", path: "/api/v1/datasets/{name}/data-versions/{number}/files/{path...}", perm: registry.PermRead, scope: scopeDataset, h: (*Server).getDatasetFile},
	{method: "GET", path: "/api/v1/datasets/{name}/versions", perm: registry.PermRead, scope: scopeDataset, h: (*Server).datasetVersions},

	{method: "GET", path: "/api/v1/tokens", perm: registry.PermAdmin, scope: scopeList, h: (*Server).listTokens},
	{method: "POST", path: "/api/v1/tokens", perm: registry.PermAdmin, scope: scopeOwned, h: (*Server).createToken},
	{method: "DELETE", path: "/api/v1/tokens/{id}", perm: registry.PermAdmin, scope: scopeOwned, h: (*Server).revokeToken},

	// Webhooks (webhook_handlers.go).
	{method: "GET", path: "/api/v1/webhooks", perm: registry.PermAdmin, scope: scopeList, h: (*Server).listWebhooks},
	{method: "POST", path: "/api/v1/webhooks", perm: registry.PermAdmin, scope: scopeOwned, h: (*Server).createWebhook},
	{method: "DELETE", path: "/api/v1/webhooks/{id}", perm: registry.PermAdmin, scope: scopeOwned, h: (*Server).deleteWebhook},
	{method: "GET", path: "/api/v1/webhooks/{id}/deliveries", perm: registry.PermAdmin, scope: scopeOwned, h: (*Server).listWebhookDeliveries},

	{method: "GET", path: "/api/v1/audit", perm: registry.PermAudit, scope: scopeList, h: (*Server).listAudit},
	{method: "GET", path: "/api/v1/audit/log/entries", perm: registry.PermAudit, scope: scopeWhole, h: (*Server).auditLogEntries},
	{method: "GET", path: "/api/v1/audit/log/checkpoint", perm: registry.PermAudit, scope: scopeAny, h: (*Server).auditLogCheckpoint},
	{method: "GET", path: "/api/v1/audit/log/checkpoints", perm: registry.PermAudit, scope: scopeWhole, h: (*Server).auditLogCheckpoints},
	{method: "GET", path: "/api/v1/audit/log/proof/inclusion", perm: registry.PermAudit, scope: scopeWhole, h: (*Server).auditLogInclusion},
	{method: "GET", path: "/api/v1/audit/log/proof/consistency", perm: registry.PermAudit, scope: scopeWhole, h: (*Server).auditLogConsistency},
	{method: "GET", path: "/api/v1/audit/log/key", perm: registry.PermAudit, scope: scopeAny, h: (*Server).auditLogKey},
	{method: "GET", path: "/api/v1/audit/log/tables", perm: registry.PermAudit, scope: scopeWhole, h: (*Server).auditLogTables},
	{method: "POST", path: "/api/v1/ui/login-links", perm: registry.PermRead, scope: scopeAny, h: (*Server).createLoginLink},

	// Single sign-on (sso_handlers.go): the exchange is authenticated by
	// the ID token in its body, not by an API token.
	{method: "GET", path: "/api/v1/auth/oidc", public: true, scope: scopeNone, h: (*Server).ssoConfig},
	{method: "POST", path: "/api/v1/auth/oidc/exchange", public: true, scope: scopeNone, h: (*Server).ssoExchange},
	{method: "DELETE", path: "/api/v1/auth/token", perm: registry.PermRead, scope: scopeAny, h: (*Server).revokeOwnToken},

	// The web UI (pages.go, package ui): the same permissions and scopes
	// as the API calls each page makes.
	{method: "GET", path: "/signin", page: true, public: true, scope: scopeNone, h: onPage(Pages.SignInForm)},
	{method: "POST", path: "/signin", page: true, public: true, scope: scopeNone, h: onPage(Pages.SignIn)},
	{method: "GET", path: "/signin/link/{code}", page: true, public: true, scope: scopeNone, h: onPage(Pages.LinkForm)},
	{method: "POST", path: "/signin/link", page: true, public: true, scope: scopeNone, h: onPage(Pages.LinkSignIn)},
	{method: "GET", path: "/signin/oidc", page: true, public: true, scope: scopeNone, h: onPage(Pages.SSOStart)},
	{method: "GET", path: "/signin/oidc/callback", page: true, public: true, scope: scopeNone, h: onPage(Pages.SSOCallback)},
	{method: "GET", path: "/static/{file}", page: true, public: true, scope: scopeNone, h: onPage(Pages.Static)},
	{method: "POST", path: "/signout", page: true, perm: registry.PermRead, scope: scopeAny, h: onPage(Pages.SignOut)},
	{method: "GET", path: "/{$}", page: true, perm: registry.PermRead, scope: scopeAny, h: onPage(Pages.Home)},
	{method: "GET", path: "/models", page: true, perm: registry.PermRead, scope: scopeList, h: onPage(Pages.Models)},
	{method: "GET", path: "/models/{model}", page: true, perm: registry.PermRead, scope: scopeModel, h: onPage(Pages.Model)},
	{method: "GET", path: "/models/{model}/report", page: true, perm: registry.PermRead, scope: scopeModel, h: onPage(Pages.Report)},
	{method: "GET", path: "/models/{model}/versions/{number}", page: true, perm: registry.PermRead, scope: scopeModel, h: onPage(Pages.Version)},
	{method: "GET", path: "/decisions", page: true, perm: registry.PermRead, scope: scopeList, h: onPage(Pages.Decisions)},
	{method: "POST", path: "/decisions/{id}", page: true, perm: registry.PermRead, scope: scopeModel, h: onPage(Pages.Decide)},
	{method: "GET", path: "/datasets", page: true, perm: registry.PermRead, scope: scopeList, h: onPage(Pages.Datasets)},
	{method: "GET", path: "/audit", page: true, perm: registry.PermAudit, scope: scopeList, h: onPage(Pages.Audit)},
	{method: "POST", path: "/audit/verify", page: true, perm: registry.PermAudit, scope: scopeWhole, h: onPage(Pages.VerifyAudit)},
	{method: "GET", path: "/audit/proof/{index}", page: true, perm: registry.PermAudit, scope: scopeWhole, h: onPage(Pages.AuditProof)},
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request, _ registry.Actor) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz checks the database and the bucket.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request, _ registry.Actor) {
	checks := map[string]string{"database": "ok", "blobs": "ok"}
	code := http.StatusOK
	if err := s.svc.Store().Ping(r.Context()); err != nil {
		checks["database"], code = err.Error(), http.StatusServiceUnavailable
	}
	if err := s.blobs.Ping(r.Context()); err != nil {
		checks["blobs"], code = err.Error(), http.StatusServiceUnavailable
	}
	writeJSON(w, code, checks)
}

// serveMetrics is a public route in the table (no API token by default);
// Config.MetricsToken and MetricsRole close it (metricsAllowed).
func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request, _ registry.Actor) {
	if err := s.metricsAllowed(r); err != nil {
		s.fail(w, r, err)
		return
	}
	s.metrics().ServeHTTP(w, r)
}

func (s *Server) openapi(w http.ResponseWriter, _ *http.Request, _ registry.Actor) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(openAPIDoc)
}

func (s *Server) headBlob(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	b, err := s.svc.HeadBlob(r.Context(), a, r.PathValue("digest"))
	if err != nil {
		code, _ := status(err)
		w.WriteHeader(code) // HEAD has no body
		return
	}
	w.Header().Set("Content-Length", strconv.FormatInt(b.Size, 10))
	w.WriteHeader(http.StatusOK)
}

// putBlob streams the body into the blob store, verified against the
// digest in the path before anything is recorded.
func (s *Server) putBlob(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	sha := r.PathValue("digest")
	if !registry.ValidDigest(sha) {
		s.fail(w, r, invalid("digest must be 64 lowercase hex digits"))
		return
	}
	if b, code, ok := s.storeBlob(w, r, a, "", sha, r.ContentLength); ok {
		writeJSON(w, code, b)
	}
}

// storeBlob streams the body into the blob store as sha (size bytes, -1 =
// unknown; verified before anything is recorded) and records it as a's
// upload; code is 201 for a's first upload of it, 200 after. path, when
// set, names the file in errors. On failure it has answered.
func (s *Server) storeBlob(w http.ResponseWriter, r *http.Request, a registry.Actor, path, sha string, size int64) (registry.Blob, int, bool) {
	b, err := s.blobs.Put(r.Context(), sha, size, r.Body)
	if err != nil {
		if path != "" {
			err = fmt.Errorf("%s: %w", path, err)
		}
		s.fail(w, r, err)
		return b, 0, false
	}
	// Stored: record it even if the client leaves now, so no blob is ever
	// stored without its row (an orphan; SweepOrphans removes those a
	// killed server leaves).
	created, err := s.svc.RecordBlob(context.WithoutCancel(r.Context()), a, b)
	if err != nil {
		s.fail(w, r, err)
		return b, 0, false
	}
	if created {
		return b, http.StatusCreated, true
	}
	return b, http.StatusOK, true
}

// getFile streams one artifact of a ready, uploaded version (see
// registry.Service.File). Content-Length is the stored blob's size, which
// must be the recorded size, and the bytes are hashed as they go: the last
// byte is sent only if they match the recorded sha256, otherwise the
// connection is cut, so no client ever reads a damaged blob as complete.
// Clients verify against X-Content-SHA256 too.
func (s *Server) getFile(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	n, ok := parse(s, w, r, versionNumber)
	if !ok {
		return
	}
	art, err := s.svc.File(r.Context(), a, r.PathValue("model"), n, r.PathValue("path"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.streamBlob(w, r, art.Path, art.SHA256, art.Size, "")
}

// streamBlob sends the stored blob sha of a file recorded as size bytes,
// hashing as it goes (getFile says why); missing, when set, explains a
// blob the store does not hold.
func (s *Server) streamBlob(w http.ResponseWriter, r *http.Request, path, sha string, size int64, missing string) {
	rc, err := s.blobs.Open(r.Context(), sha, 0, -1)
	if errors.Is(err, registry.ErrNotFound) && missing != "" {
		err = fmt.Errorf("%s: %w: %s", path, registry.ErrNotFound, missing)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer rc.Close()
	if stored := rc.Size(); stored != size {
		s.fail(w, r, fmt.Errorf("file %s: the stored blob sha256:%s is %d bytes, the registry records %d: the blob store is damaged",
			path, sha, stored, size))
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
	w.Header().Set("X-Content-SHA256", sha)
	w.WriteHeader(http.StatusOK)
	h := sha256.New()
	body := io.TeeReader(rc, h)
	var last [1]byte
	if size > 0 {
		if _, err := io.CopyN(w, body, size-1); err != nil {
			return // the client left, or the store failed: the length is short
		}
		if _, err := io.ReadFull(body, last[:]); err != nil {
			return
		}
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sha {
		s.log.ErrorContext(r.Context(), "stored blob does not match its digest: download cut", "sha256", sha, "got", got,
			"path", path, "request_id", requestID(r.Context()))
		panic(http.ErrAbortHandler)
	}
	if size > 0 {
		w.Write(last[:])
	}
}
