package cli

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/policy"
	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/blob"
	"github.com/mlsec/mlsec/registry/egress"
	"github.com/mlsec/mlsec/registry/policyeval"
	"github.com/mlsec/mlsec/registry/server"
	"github.com/mlsec/mlsec/registry/server/session"
	"github.com/mlsec/mlsec/registry/store"
	"github.com/mlsec/mlsec/registry/worker"
	"github.com/mlsec/mlsec/sign"
	"github.com/mlsec/mlsec/ui"
)

func init() { register(newServeCmd) }

// serveOptions are the flags of 'mlsec serve'; each has an MLSEC_ env
// variable (flags win over env).
type serveOptions struct {
	addr, dataDir, database, blobURL string
	maxUpload                        int64
	workers                          int // analyze job runners; 0 disables
	jobLease                         time.Duration
	auditKey, auditOrigin            string // tamper-evident audit log signing key and log name
	auditSignEvery                   time.Duration
	secretKey                        string   // seals webhook secrets at rest (default: secrets.key beside the audit key)
	policies, policyData             []string // decision policies added to the default bundle, and their data
	profile                          string   // the default policy profile of models and teams that set none
	trustedKeys                      []string // public keys whose model signatures and attestations the server trusts
	analysisWait                     time.Duration
	tlsCert, tlsKey, tlsClientCA     string   // serve HTTPS; require client certificates signed by the CA
	metricsToken                     string   // bearer secret /metrics requires
	metricsRole                      bool     // admin and auditor API tokens may read /metrics
	webhookAllow                     []string // CIDRs webhooks may reach although private, loopback, ...
	bootstrapFile                    string   // --bootstrap-token-file
	bootstrapToken                   string   // MLSEC_BOOTSTRAP_TOKEN (no flag: flags show in ps)
	secureCookies                    bool     // the web UI's session cookie is Secure even on plain HTTP (behind a TLS proxy)
	sso                              ssoOptions
}

func newServeCmd() *cobra.Command {
	var o serveOptions
	c := &cobra.Command{
		Use:   "serve",
		Short: "Run the model registry server",
		Long: `serve runs the mlsec model registry: a web UI at / (sign in with an API
token), a REST API under /api/v1 (OpenAPI at /api/v1/openapi.json),
/healthz, /readyz and Prometheus /metrics.

With no flags it needs nothing installed: a SQLite database (WAL mode) and a
content-addressed blob folder under --data-dir. --database postgres://... and
--blob s3://... switch to PostgreSQL and an S3-compatible bucket, which
several replicas can share.

On first start, with no API token in the database, serve prints a bootstrap
admin token to stderr, once. Store it: only its hash is kept. On a shared
machine or in a container give it instead: --bootstrap-token-file FILE
uses the token in FILE, or writes a new one there (0600) if FILE does not
exist; MLSEC_BOOTSTRAP_TOKEN=mlsec_... supplies it from the environment.
A lost admin token is replaced next to the database with 'mlsec token
create NAME --role admin --data-dir DIR' (audited as token.recover).

Open the printed Web UI address and sign in with an API token (the bootstrap
token at first); see docs/ui.md. Behind a TLS-terminating proxy, pass
--secure-cookies.

Single sign-on for people: --oidc-config FILE names an OpenID provider
(Keycloak, Dex, Okta, Entra ID, ...) and maps its groups to roles and
scopes; the sign-in page then offers "Sign in with <provider>" and 'mlsec
login' signs the CLI in (docs/registry.md "Single sign-on").

Environment: MLSEC_ADDR, MLSEC_DATA_DIR, MLSEC_DATABASE, MLSEC_BLOB,
MLSEC_MAX_UPLOAD, MLSEC_BOOTSTRAP_TOKEN_FILE, MLSEC_BOOTSTRAP_TOKEN,
MLSEC_SECURE_COOKIES=true, MLSEC_OIDC_CONFIG, MLSEC_OIDC_CLIENT_SECRET
(flags take precedence).`,
		Example: `  mlsec serve
  mlsec serve --addr 127.0.0.1:9000 --data-dir /var/lib/mlsec
  mlsec serve --database postgres://mlsec@db/mlsec --blob 's3://models?region=us-east-1'
  mlsec serve --addr :8443 --tls-cert server.pem --tls-key server.key --bootstrap-token-file /run/secrets/mlsec-admin
  mlsec serve --profile strict   # documentation gaps deny unless a team or model chooses baseline
  mlsec serve --addr :8443 --tls-cert server.pem --tls-key server.key --oidc-config /etc/mlsec/sso.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runServe(ctx, o, cmd.ErrOrStderr(), nil)
		},
	}
	f := c.Flags()
	f.StringVar(&o.addr, "addr", envOr("MLSEC_ADDR", "127.0.0.1:8080"), "listen address")
	f.StringVar(&o.dataDir, "data-dir", envOr("MLSEC_DATA_DIR", "./mlsec-data"), "folder for the default SQLite database and blob store")
	f.StringVar(&o.database, "database", envOr("MLSEC_DATABASE", ""), "postgres:// URL or SQLite file (default DATA_DIR/registry.db)")
	f.StringVar(&o.blobURL, "blob", envOr("MLSEC_BLOB", ""), "s3://bucket?..., file:///dir or a folder (default DATA_DIR/blobs)")
	f.Int64Var(&o.maxUpload, "max-upload", 0, "largest accepted blob in bytes (default 64 GiB)")
	f.IntVar(&o.workers, "workers", 2, "background job runners (scan, hash, BOM of new versions); 0 disables them")
	f.DurationVar(&o.jobLease, "job-lease", 15*time.Minute, "how long a job stays with its runner; a crashed runner's job is retried after it")
	f.StringArrayVar(&o.policies, "policy", nil, "add the Rego policies in `DIR` to the default bundle for governance decisions (repeatable)")
	f.StringVar(&o.profile, "profile", policy.DefaultProfile, "default policy `PROFILE` of decisions ("+strings.Join(policy.Profiles(), ", ")+"); teams and models may set their own ('mlsec profile set')")
	f.StringArrayVar(&o.policyData, "policy-data", nil, "JSON/YAML data `FILE` for decision policies, e.g. {\"mlsec\": {\"disabled_rules\": [...]}} (repeatable)")
	f.StringArrayVar(&o.trustedKeys, "trusted-key", nil, "public key `FILE` (PEM, as mlsec keygen writes) whose model signatures and evidence attestations the server trusts (repeatable)")
	f.StringVar(&o.auditKey, "audit-key", envOr("MLSEC_AUDIT_KEY", ""), "Ed25519 note key `FILE` signing audit log checkpoints (default DATA_DIR/audit.key, created 0600 if missing; public key in FILE.pub)")
	f.StringVar(&o.secretKey, "secret-key", envOr("MLSEC_SECRET_KEY", ""), "key `FILE` sealing webhook secrets in the database (default: secrets.key beside the audit key, created 0600 if missing)")
	f.DurationVar(&o.auditSignEvery, "audit-sign-every", 100*time.Millisecond,
		"sign audit log checkpoints in batches, at most once per `DURATION` while writes arrive (and before serving a checkpoint, at start and at stop); 0 signs in every write transaction")
	f.StringVar(&o.tlsCert, "tls-cert", envOr("MLSEC_TLS_CERT", ""), "serve HTTPS with this PEM certificate `FILE` (chain first to last); needs --tls-key")
	f.StringVar(&o.tlsKey, "tls-key", envOr("MLSEC_TLS_KEY", ""), "PEM private key `FILE` of --tls-cert")
	f.StringVar(&o.tlsClientCA, "tls-client-ca", envOr("MLSEC_TLS_CLIENT_CA", ""),
		"mutual TLS: accept only clients with a certificate signed by a CA in this PEM `FILE` (a transport requirement: API tokens still say who the caller is)")
	f.StringVar(&o.metricsToken, "metrics-token", envOr("MLSEC_METRICS_TOKEN", ""),
		"require this bearer `TOKEN` on /metrics (prefer MLSEC_METRICS_TOKEN: flags show in ps); off by default for scraping on a private network")
	f.BoolVar(&o.metricsRole, "metrics-role", false, "let admin and auditor API tokens read /metrics (alone, or besides --metrics-token)")
	f.StringArrayVar(&o.webhookAllow, "webhook-allow", nil,
		"let webhooks reach `CIDR` although it is loopback, link-local, private or multicast, e.g. 10.20.0.0/16 for an internal receiver (repeatable; checked when connecting)")
	f.StringVar(&o.bootstrapFile, "bootstrap-token-file", envOr("MLSEC_BOOTSTRAP_TOKEN_FILE", ""),
		"first start: the bootstrap admin token is read from `FILE`, or written there (0600) if it does not exist, instead of printed")
	o.bootstrapToken = os.Getenv("MLSEC_BOOTSTRAP_TOKEN")
	f.DurationVar(&o.analysisWait, "analysis-wait", server.DefaultAnalysisWait,
		"how long a decision request on a version whose analysis is still running waits for it before it is refused with 'analysis pending, retry' (negative: refuse at once)")
	f.BoolVar(&o.secureCookies, "secure-cookies", envOr("MLSEC_SECURE_COOKIES", "") == "true",
		"mark the web UI's session cookie Secure even on plain HTTP: set it behind a TLS-terminating proxy")
	o.sso.register(f)
	f.StringVar(&o.auditOrigin, "audit-origin", "mlsec-registry/audit", "log name for a newly generated --audit-key (the checkpoint origin line)")
	return c
}

// readTrustedKeys parses the --trusted-key files.
func readTrustedKeys(paths []string) ([]evidence.TrustedKey, error) {
	var keys []evidence.TrustedKey
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		k, err := sign.ParseTrustedKey(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		keys = append(keys, k)
	}
	return keys, nil
}

func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

// runServe runs the server until ctx ends. ready, if not nil, receives the
// bound address once the server accepts connections (tests).
func runServe(ctx context.Context, o serveOptions, stderr io.Writer, ready chan<- string) error {
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	if err := ownDataDir(o.dataDir, log); err != nil {
		return withCode(ExitUsage, fmt.Errorf("serve: --data-dir: %w", err))
	}
	if o.database == "" {
		o.database = filepath.Join(o.dataDir, "registry.db")
	}
	if o.blobURL == "" {
		o.blobURL = filepath.Join(o.dataDir, "blobs")
	}
	db, err := store.Open(ctx, o.database)
	if err != nil {
		return withCode(ExitUsage, fmt.Errorf("serve: database: %w", err))
	}
	defer db.Close()
	bs, err := blob.Open(ctx, o.blobURL, o.maxUpload)
	if err != nil {
		return withCode(ExitUsage, fmt.Errorf("serve: %w", err))
	}
	defer bs.Close()
	// A bucket that cannot be reached fails the start, not the first
	// upload: a deployment with a wrong endpoint, bucket or credentials
	// should not look healthy.
	pctx, pcancel := context.WithTimeout(ctx, blobStartTimeout)
	err = bs.Ping(pctx)
	pcancel()
	if err != nil {
		return withCode(ExitUsage, fmt.Errorf("serve: blob store %s cannot be reached: %w (check --blob's bucket, endpoint and region, and the AWS_* credentials)",
			redactURL(o.blobURL), err))
	}
	auditor, err := openAuditLog(ctx, o, db, stderr)
	if err != nil {
		return err
	}
	keys, err := readTrustedKeys(o.trustedKeys)
	if err != nil {
		return withCode(ExitUsage, fmt.Errorf("serve: --trusted-key: %w", err))
	}
	eng, err := policyeval.New(ctx, policy.Options{Dirs: o.policies, DataFiles: o.policyData, Profile: o.profile})
	if errors.Is(err, policy.ErrProfile) {
		return withCode(ExitUsage, fmt.Errorf("serve: --profile: %w", err))
	}
	if err != nil {
		return withCode(ExitUsage, fmt.Errorf("serve: --policy: %w", err))
	}
	secretKey, err := openSecretKey(o, stderr)
	if err != nil {
		return err
	}
	allow, err := egress.ParseAllow(o.webhookAllow)
	if err != nil {
		return withCode(ExitUsage, fmt.Errorf("serve: --webhook-allow: %w", err))
	}
	guard := &egress.Guard{Allow: allow}
	svc := registry.NewService(db, registry.WithAuditor(auditor), registry.WithPolicy(eng), registry.WithSecretKey(secretKey),
		registry.WithWebhookGuard(guard))
	if n, err := svc.SealWebhookSecrets(ctx); err != nil {
		return withCode(ExitUsage, fmt.Errorf("serve: webhook secrets: %w", err))
	} else if n > 0 {
		log.Info("sealed webhook secrets stored in clear by an older server", "count", n)
	}
	if err := bootstrap(ctx, svc, o, stderr, log); err != nil {
		return err
	}
	if err := sweepAtStart(ctx, db, bs, log); err != nil {
		return withCode(1, fmt.Errorf("serve: %w", err))
	}
	pool := worker.New(worker.Config{Service: svc, Blobs: bs, Logger: log, Workers: o.workers, Lease: o.jobLease, TrustedKeys: keys, Egress: guard,
		TempDir: filepath.Join(o.dataDir, "work")})
	if err := os.MkdirAll(filepath.Join(o.dataDir, "work"), 0o700); err != nil {
		return withCode(ExitUsage, fmt.Errorf("serve: %w", err))
	}
	if n, err := pool.SweepScratch(); err != nil {
		return withCode(1, fmt.Errorf("serve: %w", err))
	} else if n > 0 {
		log.Info("removed analysis folders left by a server that stopped mid-job", "count", n)
	}
	if o.metricsToken != "" && len(o.metricsToken) < 16 {
		return withCode(ExitUsage, errors.New("serve: --metrics-token: use 16 or more random characters (openssl rand -hex 16)"))
	}
	tlsConf, err := serverTLS(o)
	if err != nil {
		return withCode(ExitUsage, fmt.Errorf("serve: %w", err))
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return withCode(ExitUsage, fmt.Errorf("serve: %w", err))
	}
	if tlsConf != nil {
		ln = tls.NewListener(ln, tlsConf)
	} else if !loopback(ln.Addr()) {
		log.Warn("listening on a non-loopback address without TLS: tokens and models cross the network in clear; give --tls-cert and --tls-key, or put a TLS proxy in front and listen on 127.0.0.1",
			"addr", ln.Addr().String())
		fmt.Fprintf(stderr, "WARNING: %s is reachable from the network and serves plain HTTP: API tokens travel in clear. Use --tls-cert/--tls-key (docs/registry.md \"Deploying\").\n", ln.Addr())
	}
	sessions := session.New(session.Config{Check: svc.Reauthenticate, Secure: o.secureCookies})
	provider, err := o.sso.open(ctx, o.secureCookies, log)
	if err != nil {
		return withCode(ExitUsage, fmt.Errorf("serve: %w", err))
	}
	pages, err := ui.New(ui.Config{Service: svc, Sessions: sessions, SSO: provider})
	if err != nil {
		return withCode(1, fmt.Errorf("serve: %w", err))
	}
	sc := server.Config{Service: svc, Blobs: bs, Logger: log, Keys: keys, AnalysisWait: o.analysisWait,
		MetricsToken: o.metricsToken, MetricsRole: o.metricsRole, Pages: pages, Sessions: sessions}
	if provider != nil {
		sc.SSO = provider // never a nil *sso.Provider in the interface
	}
	hs := &http.Server{
		Handler:           server.New(sc),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	log.Info("mlsec registry listening", "addr", ln.Addr().String(), "tls", tlsConf != nil, "client_certificates", o.tlsClientCA != "",
		"database", db.Dialect(), "blob", redactURL(o.blobURL))
	scheme := "http"
	if tlsConf != nil {
		scheme = "https"
	}
	how := "sign in with an API token"
	if provider != nil {
		how = "sign in with " + provider.Name() + " or an API token"
	}
	fmt.Fprintf(stderr, "Web UI: %s://%s/ (%s)\n", scheme, ln.Addr().String(), how)
	if ready != nil {
		ready <- ln.Addr().String()
	}
	srv := startServing(hs, ln)
	wctx, wcancel := context.WithCancel(ctx)
	// The checkpoint signer stops last, after the HTTP server drained and
	// the workers stopped, so its final flush signs their last writes.
	sctx, scancel := context.WithCancel(context.WithoutCancel(ctx))
	signerDone := make(chan error, 1)
	go func() { signerDone <- auditor.Run(sctx, db) }()
	defer func() {
		scancel()
		if err := <-signerDone; err != nil {
			log.Error("audit log signer", "err", err)
		}
	}()
	workersDone := make(chan struct{})
	if o.workers > 0 {
		go func() {
			defer close(workersDone)
			pool.Run(wctx)
		}()
	} else {
		close(workersDone)
	}
	defer func() { wcancel(); <-workersDone }() // before the store and bucket close
	if err := srv.untilDone(ctx, "serve"); err != nil {
		return err
	}
	log.Info("mlsec registry stopped")
	return nil
}

// blobStartTimeout bounds serve's start-up check of the blob store.
const blobStartTimeout = 20 * time.Second

// openSecretKey loads (or creates) the key that seals webhook secrets: by
// default secrets.key in the audit key's folder, so the two secrets of a
// registry live (and are backed up) together, apart from the database.
func openSecretKey(o serveOptions, stderr io.Writer) ([]byte, error) {
	path := o.secretKey
	if path == "" {
		path = filepath.Join(filepath.Dir(auditKeyPath(o)), "secrets.key")
	}
	key, created, err := registry.LoadOrCreateSecretKey(path)
	if err != nil {
		return nil, withCode(ExitUsage, fmt.Errorf("serve: %w", err))
	}
	if created {
		fmt.Fprintf(stderr, "New webhook secret key %s (keep it with the audit key: without it webhook secrets cannot be read).\n", path)
	}
	return key, nil
}

// ownDataDir creates the data dir 0700, or takes group and other
// permissions away from an existing one: it holds the database, the blobs
// and the registry's keys.
func ownDataDir(dir string, log *slog.Logger) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		log.Warn("data dir was readable by others: made it 0700", "dir", dir, "was", fi.Mode().Perm().String())
		return os.Chmod(dir, 0o700)
	}
	return nil
}

// orphanGrace is how old a blob without a database row must be before a
// server sharing its database (PostgreSQL) removes it at start: an upload
// still in flight on another replica is younger. A SQLite registry has one
// process, so it removes them all.
const orphanGrace = time.Hour

// sweepAtStart removes blobs without a database row (uploads cut between
// the write and the row) and the blob folder's temporary files.
func sweepAtStart(ctx context.Context, db *store.DB, bs *blob.Store, log *slog.Logger) error {
	grace := orphanGrace
	if db.Dialect() == store.SQLite {
		grace = 0
	}
	n, err := bs.SweepOrphans(ctx, func(ctx context.Context, sha string) (bool, error) {
		_, err := db.GetBlob(ctx, sha)
		if errors.Is(err, registry.ErrNotFound) {
			return false, nil
		}
		return err == nil, err
	}, grace)
	if n > 0 {
		log.Info("removed blobs that no upload recorded (interrupted uploads)", "count", n)
	}
	return err
}

// redactURL drops a URL's query string (it may carry credentials).
func redactURL(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '?' {
			return s[:i]
		}
	}
	return s
}
