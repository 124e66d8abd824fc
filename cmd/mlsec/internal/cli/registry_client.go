package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"

	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/internal/progress"
	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/client"
	"github.com/mlsec/mlsec/registry/worker"
)

// The registry client commands: push, pull, models, versions, evidence,
// lineage (and stage, in stage.go). Each is a thin layer over package registry/client.

func init() {
	register(newPushCmd)
	register(newPullCmd)
	register(newModelsCmd)
	register(newVersionsCmd)
	register(newEvidenceCmd)
	register(newLineageCmd)
}

// remote holds --server and --token, resolved against MLSEC_SERVER,
// MLSEC_TOKEN and the config file, in that order.
type remote struct {
	server, token, format string
	tls                   client.TLSFiles
}

func (r *remote) register(f *pflag.FlagSet, format bool) {
	f.StringVar(&r.server, "server", "", "registry `URL` (default $MLSEC_SERVER, the config file, then http://127.0.0.1:8080)")
	f.StringVar(&r.token, "token", "", "API `TOKEN` (default $MLSEC_TOKEN, then the config file)")
	f.StringVar(&r.tls.CA, "ca-cert", "", "PEM `FILE` of the CA that signed the registry's certificate (default $MLSEC_CA_CERT, then ca_cert: in the config file)")
	f.StringVar(&r.tls.Cert, "client-cert", "", "PEM client certificate `FILE` for a registry that requires one (default $MLSEC_CLIENT_CERT, then client_cert:)")
	f.StringVar(&r.tls.Key, "client-key", "", "PEM key `FILE` of --client-cert (default $MLSEC_CLIENT_KEY, then client_key:)")
	if format {
		f.StringVar(&r.format, "format", "table", "output format: table or json")
	}
}

// clientConfig is ~/.config/mlsec/config.yaml.
type clientConfig struct {
	Server     string `yaml:"server"`
	Token      string `yaml:"token"`
	CACert     string `yaml:"ca_cert"`
	ClientCert string `yaml:"client_cert"`
	ClientKey  string `yaml:"client_key"`
}

// configPath is $XDG_CONFIG_HOME/mlsec/config.yaml, else ~/.config/mlsec/config.yaml.
func configPath() string {
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "mlsec", "config.yaml")
}

// client resolves the server and token and returns a client.
func (r *remote) client() (*client.Client, error) {
	server, token, files, err := r.settings()
	if err != nil {
		return nil, err
	}
	if r.format != "" && r.format != "table" && r.format != "json" {
		return nil, withCode(ExitUsage, fmt.Errorf("--format %q: want table or json", r.format))
	}
	c, err := client.New(server, token)
	if err != nil {
		return nil, withCode(ExitUsage, err)
	}
	if err := c.UseTLS(files); err != nil {
		return nil, withCode(ExitUsage, err)
	}
	return c, nil
}

// settings resolves the server, token and TLS files: flags, then
// MLSEC_* variables, then the config file.
func (r *remote) settings() (server, token string, files client.TLSFiles, err error) {
	server, token = r.server, r.token
	if server == "" {
		server = os.Getenv("MLSEC_SERVER")
	}
	if token == "" {
		token = os.Getenv("MLSEC_TOKEN")
	}
	files = r.tls
	files.CA = firstNonEmpty(files.CA, os.Getenv("MLSEC_CA_CERT"))
	files.Cert = firstNonEmpty(files.Cert, os.Getenv("MLSEC_CLIENT_CERT"))
	files.Key = firstNonEmpty(files.Key, os.Getenv("MLSEC_CLIENT_KEY"))
	if server == "" || token == "" || files.CA == "" || files.Cert == "" {
		if p := configPath(); p != "" {
			raw, err := os.ReadFile(p)
			if err != nil && !errors.Is(err, os.ErrNotExist) {
				return "", "", files, withCode(ExitUsage, fmt.Errorf("config %s: %w", p, err))
			}
			var cfg clientConfig
			if err == nil {
				if err := yaml.Unmarshal(raw, &cfg); err != nil {
					return "", "", files, withCode(ExitUsage, fmt.Errorf("config %s: %w", p, err))
				}
			}
			server, token = firstNonEmpty(server, cfg.Server), firstNonEmpty(token, cfg.Token)
			files.CA = firstNonEmpty(files.CA, cfg.CACert)
			files.Cert, files.Key = firstNonEmpty(files.Cert, cfg.ClientCert), firstNonEmpty(files.Key, cfg.ClientKey)
		}
	}
	return firstNonEmpty(server, "http://127.0.0.1:8080"), token, files, nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// remoteErr turns a client error into an exit error with the code of
// remoteExitCode and a hint that matches the cause.
func remoteErr(c *client.Client, err error) error {
	var ie *client.IntegrityError
	if errors.As(err, &ie) {
		return withCode(ExitFindings, fmt.Errorf("verification failed: %w", err))
	}
	hint := ""
	switch client.StatusOf(err) {
	case 0:
		switch {
		case c != nil && tlsFailure(err):
			hint = "\nThe TLS handshake with " + c.BaseURL() + " failed: pass the registry's CA with --ca-cert (or MLSEC_CA_CERT), and --client-cert/--client-key if it requires client certificates."
		case c != nil && unreachable(err):
			hint = "\nIs the registry running at " + c.BaseURL() + "? Start one with 'mlsec serve' or pass --server / set MLSEC_SERVER."
		}
	case 401:
		// The server answered, so the registry exists and has its first
		// admin token already: point at tokens, not at serve.
		if c != nil && c.HasToken() {
			hint = "\nThe token is invalid, expired or revoked. Set MLSEC_TOKEN (or --token) to a valid one; an admin creates one with 'mlsec token create'. " +
				"A lost admin token is replaced on the database's machine: 'mlsec token create NAME --role admin --data-dir DIR' (docs/registry.md \"Deploying\")."
		} else {
			hint = "\nSet MLSEC_TOKEN (or --token, or token: in " + configPath() + ") to a token an admin gave you; " +
				"the first admin token is the one serve printed or wrote to --bootstrap-token-file on its first start."
		}
	case 409:
		if errors.Is(err, registry.ErrAnalysisPending) {
			hint = "\nThe server is still analysing this version; retry in a moment, or push with --wait."
		}
	case 403:
		msg := err.Error()
		if strings.Contains(msg, "separation of duties") || strings.Contains(msg, "approver") || strings.Contains(msg, "owner") {
			// A governance refusal: the person is wrong, not the token.
			hint = "\nThis needs another person: 'mlsec owners MODEL' shows who may act."
		} else {
			hint = "\nYour token's role or scope does not allow this; ask an admin for a token that does ('mlsec token create')."
		}
	case 404:
		hint = "\n'mlsec models' lists the models, 'mlsec versions NAME' a model's versions."
	}
	return withCode(remoteExitCode(err), fmt.Errorf("%w%s", err, hint))
}

// remoteExitCode is the one exit-code table of the registry client commands
// (docs/exit-codes.md, "Registry commands"): 1 when the registry refused on
// the merits or something did not verify (403, 409, 412, 422, a digest that
// does not match); 2 when no verdict was reached: a usage error found by the
// client or by the server (400, 404, 413, 428), no or a wrong token (401), a
// registry that cannot be reached or failed (5xx), a local file or folder
// that cannot be read.
func remoteExitCode(err error) int {
	var ie *client.IntegrityError
	if errors.As(err, &ie) {
		return ExitFindings
	}
	switch client.StatusOf(err) {
	case http.StatusForbidden, http.StatusConflict, http.StatusPreconditionFailed, http.StatusUnprocessableEntity:
		return ExitFindings
	case 0:
		if errors.Is(err, registry.ErrDigestMismatch) {
			return ExitFindings
		}
	}
	return ExitUsage
}

// tlsFailure reports whether err is a failed TLS handshake: an untrusted
// server certificate or a client certificate the server requires.
func tlsFailure(err error) bool {
	var ce *tls.CertificateVerificationError
	var ue x509.UnknownAuthorityError
	if errors.As(err, &ce) || errors.As(err, &ue) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "tls: ") || strings.Contains(msg, "x509: ")
}

// unreachable reports whether err is a failure to talk to the server (a
// transport error), not a local file error nor an API answer.
func unreachable(err error) bool {
	var ue *url.Error
	var pe *fs.PathError
	return errors.As(err, &ue) && !errors.As(err, &pe)
}

// modelRow is a model with the versions people ask about first: the one
// in production and the latest ready one (0: none).
type modelRow struct {
	registry.Model
	Production int `json:"production_version"`
	Latest     int `json:"latest_version"`
}

func modelVersions(ctx context.Context, cl *client.Client, m registry.Model) (modelRow, error) {
	row := modelRow{Model: m}
	vs, err := client.All(ctx, 0, func(ctx context.Context, cur string) (client.List[registry.Version], error) {
		return cl.ListVersions(ctx, m.Name, client.VersionQuery{Page: registry.Page{Limit: registry.MaxLimit, Cursor: cur}, State: registry.StateReady})
	})
	for _, v := range vs {
		row.Latest = max(row.Latest, v.Number)
		if v.Stage == registry.StageProduction {
			row.Production = max(row.Production, v.Number)
		}
	}
	return row, err
}

func versionCell(n int) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprint(n)
}

// splitRef splits NAME[@VERSION].
func splitRef(s string) (string, string) {
	name, ver, _ := strings.Cut(s, "@")
	return name, ver
}

func writeJSONOut(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func short(d string) string {
	if len(d) > 12 {
		return d[:12]
	}
	return d
}

func newPushCmd() *cobra.Command {
	var r remote
	var o client.PushOptions
	var tags, ignorePaths []string
	var verbose bool
	var wait time.Duration
	c := &cobra.Command{
		Use:   "push MODEL_PATH --model NAME [--server URL] [--description TEXT] [--tag T ...]",
		Short: "Upload a model folder to the registry as a new version",
		Long: `push hashes MODEL_PATH (OMS files mode, SHA-256: the version digest is the
root digest), creates the model if needed and the version, uploads each file
the registry does not already store (streamed, idempotent by digest),
finalizes the version, and attaches what it finds in the folder: model.sig
(a Sigstore bundle), *.cdx.json (a CycloneDX BOM) and evidence documents
(*.evidence.json, and DSSE attestations *.att.json, *.dsse.json, *.intoto.json).
Attachments are not part of the version digest; a file with such a name and
other content is a model file. The model's files are those 'mlsec sign', bom
and gate use (docs/signing.md); give push the same --ignore-paths as sign. Pushing the same bytes again is a no-op; a push that
was interrupted is resumed by running it again.

Tags use lowercase letters, digits, '.', '_' and '-'; key=value is stored as
key.value.`,
		Example: `  mlsec push ./my-model --model fraud-detector --tag prod
  MLSEC_SERVER=https://registry.example MLSEC_TOKEN=... mlsec push ./m --model m
  mlsec push ./my-model --model fraud-detector --wait 10m`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := r.client()
			if err != nil {
				return err
			}
			if o.Model == "" {
				return withCode(ExitUsage, errors.New("--model NAME is required"))
			}
			for _, t := range tags {
				o.Tags = append(o.Tags, strings.ReplaceAll(t, "=", "."))
			}
			if verbose {
				o.Log = func(f string, a ...any) { fmt.Fprintf(cmd.ErrOrStderr(), f+"\n", a...) }
			}
			if o.IgnorePaths, err = resolveIgnores(args[0], ignorePaths); err != nil {
				return withCode(ExitUsage, fmt.Errorf("push: --ignore-paths: %w", err))
			}
			// A bar of bytes and files on a terminal's stderr (none in CI
			// or when piped).
			if bar := progress.ForTerminal(cmd.ErrOrStderr(), "pushing"); bar != nil {
				o.Progress = bar.UpdateTransfer
				defer bar.Clear()
			}
			res, err := cl.Push(cmd.Context(), args[0], o)
			if err != nil {
				return remoteErr(cl, err)
			}
			out, v := cmd.OutOrStdout(), res.Version
			if res.NoOp() {
				fmt.Fprintf(out, "%s version %d sha256:%s is already in the registry: nothing to do\n", o.Model, v.Number, v.Digest)
			} else {
				fmt.Fprintf(out, "%s version %d sha256:%s %s (%d blobs uploaded, %d bytes; %d already stored; %d evidence records attached)\n",
					o.Model, v.Number, v.Digest, v.State, res.Uploaded, res.UploadedBytes, res.Skipped, res.Evidence)
			}
			if len(res.Rejected) > 0 {
				for _, m := range res.Rejected {
					fmt.Fprintln(cmd.ErrOrStderr(), "evidence rejected:", m)
				}
				return withCode(ExitFindings, fmt.Errorf("%d evidence file(s) not attached; their subject digest must be sha256:%s", len(res.Rejected), v.Digest))
			}
			if wait > 0 {
				return waitAnalysis(cmd, cl, o.Model, v.Number, wait)
			}
			return nil
		},
	}
	f := c.Flags()
	r.register(f, false)
	f.StringVar(&o.Model, "model", "", "model `NAME` (created if missing)")
	f.StringVar(&o.Description, "description", "", "description of the version (and of the model when push creates it)")
	f.StringArrayVar(&tags, "tag", nil, "add a tag to the model (repeatable)")
	f.StringVar(&o.Team, "team", "", "owning team when push creates the model")
	f.StringArrayVar(&ignorePaths, "ignore-paths", nil, "path left out of the version, as for 'mlsec sign' (repeatable)")
	f.BoolVarP(&verbose, "verbose", "v", false, "log each upload to stderr")
	f.DurationVar(&wait, "wait", 0, "wait up to `DURATION` (e.g. 10m) for the server's analysis (scan, BOM, signature) and print its outcome; exit 1 if it failed or is still pending")
	return c
}

// waitAnalysis waits for the server's analysis of model's version and
// prints its outcome: the server's evidence, or why the analysis failed.
func waitAnalysis(cmd *cobra.Command, cl *client.Client, model string, n int, wait time.Duration) error {
	ctx, cancel := context.WithTimeout(cmd.Context(), wait)
	defer cancel()
	fmt.Fprintf(cmd.ErrOrStderr(), "waiting for the server's analysis of %s version %d ...\n", model, n)
	v, err := cl.WaitAnalysis(ctx, model, n, 0)
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return remoteErr(cl, err)
	}
	out := cmd.OutOrStdout()
	switch v.Analysis {
	case registry.AnalysisPending:
		return withCode(ExitFindings, fmt.Errorf("%s version %d: analysis still pending after %s; see 'mlsec versions %s' later", model, n, wait, model))
	case registry.AnalysisFailed:
		why := ""
		if js, err := cl.ListJobs(cmd.Context(), model, n, registry.Page{Limit: registry.MaxLimit}); err == nil {
			for _, j := range js.Items {
				if j.Kind == registry.JobAnalyze && j.Error != "" {
					why = ": " + j.Error
				}
			}
		}
		return withCode(ExitFindings, fmt.Errorf("%s version %d: analysis failed%s", model, n, why))
	}
	es, err := cl.ListEvidence(cmd.Context(), model, n, client.EvidenceQuery{Page: registry.Page{Limit: registry.MaxLimit}})
	if err != nil {
		return remoteErr(cl, err)
	}
	fmt.Fprintf(out, "analysis %s:", v.Analysis)
	found := false
	for _, e := range es.Items {
		if e.Producer != worker.Producer {
			continue
		}
		found = true
		fmt.Fprintf(out, " %s", e.Type)
		if e.MaxSeverity != "" {
			fmt.Fprintf(out, " (max severity %s)", e.MaxSeverity)
		}
	}
	if !found {
		fmt.Fprint(out, " nothing to analyse (registered by reference)")
	}
	fmt.Fprintln(out)
	return nil
}

func newPullCmd() *cobra.Command {
	var r remote
	var dir string
	c := &cobra.Command{
		Use:   "pull NAME[@VERSION] -o DIR",
		Short: "Download a model version, verified against the registry's digests",
		Long: `pull downloads every file of a version (VERSION is a number, latest, or
sha256:DIGEST; default latest) into DIR. Each file streams to a temporary file
while it is hashed, and is checked against the recorded size and sha256; the
model files must also give the version's root digest. Nothing is moved into
place unless everything matches; a mismatch exits 1 naming the file.`,
		Example: `  mlsec pull fraud-detector@3 -o ./fraud-detector`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := r.client()
			if err != nil {
				return err
			}
			if dir == "" {
				return withCode(ExitUsage, errors.New("-o DIR is required"))
			}
			name, ref := splitRef(args[0])
			n, err := cl.Resolve(cmd.Context(), name, ref)
			if err != nil {
				return remoteErr(cl, err)
			}
			var po client.PullOptions
			if bar := progress.ForTerminal(cmd.ErrOrStderr(), "pulling"); bar != nil {
				po.Progress = bar.UpdateTransfer
				defer bar.Clear()
			}
			res, err := cl.PullWith(cmd.Context(), name, n, dir, po)
			if err != nil {
				return remoteErr(cl, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s version %d sha256:%s: %d files, %d bytes verified into %s\n",
				name, n, res.Version.Digest, res.Files, res.Bytes, dir)
			return nil
		},
	}
	r.register(c.Flags(), false)
	c.Flags().StringVarP(&dir, "output", "o", "", "destination `DIR`")
	return c
}

func newModelsCmd() *cobra.Command {
	var r remote
	var q client.ModelQuery
	c := &cobra.Command{
		Use:   "models [--tag T] [--team T]",
		Short: "List the registry's models",
		Example: `  mlsec models
  mlsec models --team risk --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cl, err := r.client()
			if err != nil {
				return err
			}
			ms, err := client.All(cmd.Context(), 0, func(ctx context.Context, cur string) (client.List[registry.Model], error) {
				q.Page = registry.Page{Limit: registry.MaxLimit, Cursor: cur}
				return cl.ListModels(ctx, q)
			})
			if err != nil {
				return remoteErr(cl, err)
			}
			rows := make([]modelRow, len(ms))
			for i, m := range ms {
				if rows[i], err = modelVersions(cmd.Context(), cl, m); err != nil {
					return remoteErr(cl, err)
				}
			}
			if r.format == "json" {
				return writeJSONOut(cmd.OutOrStdout(), rows)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tTEAM\tPRODUCTION\tLATEST\tTAGS\tUPDATED\tDESCRIPTION")
			for _, m := range rows {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", m.Name, orDash(m.Team), versionCell(m.Production), versionCell(m.Latest),
					orDash(strings.Join(m.Tags, ",")), m.UpdatedAt.Format("2006-01-02 15:04"), m.Description)
			}
			return tw.Flush()
		},
	}
	r.register(c.Flags(), true)
	c.Flags().StringVar(&q.Tag, "tag", "", "only models with this tag")
	c.Flags().StringVar(&q.Team, "team", "", "only models of this team")
	return c
}

func newVersionsCmd() *cobra.Command {
	var r remote
	var q client.VersionQuery
	var state, stage string
	c := &cobra.Command{
		Use:   "versions NAME [--state S] [--stage S] [--severity S]",
		Short: "List a model's versions",
		Example: `  mlsec versions fraud-detector
  mlsec versions fraud-detector --stage production --severity high`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := r.client()
			if err != nil {
				return err
			}
			q.State, q.Stage = registry.VersionState(state), registry.Stage(stage)
			vs, err := client.All(cmd.Context(), 0, func(ctx context.Context, cur string) (client.List[registry.Version], error) {
				q.Page = registry.Page{Limit: registry.MaxLimit, Cursor: cur}
				return cl.ListVersions(ctx, args[0], q)
			})
			if err != nil {
				return remoteErr(cl, err)
			}
			if r.format == "json" {
				if vs == nil {
					vs = []registry.Version{} // "[]", not "null", when nothing matches
				}
				return writeJSONOut(cmd.OutOrStdout(), vs)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "VERSION\tSTATE\tANALYSIS\tSTAGE\tDIGEST\tCREATED\tBY\tDESCRIPTION")
			for _, v := range vs {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\tsha256:%s\t%s\t%s\t%s\n", v.Number, v.State, v.Analysis, v.Stage, short(v.Digest), v.CreatedAt.Format("2006-01-02 15:04"), v.CreatedBy, v.Description)
			}
			return tw.Flush()
		},
	}
	r.register(c.Flags(), true)
	c.Flags().StringVar(&state, "state", "", "only versions in this state (pending, ready, failed)")
	c.Flags().StringVar(&stage, "stage", "", "only versions in this stage (development, staging, production, deprecated, retired)")
	c.Flags().StringVar(&q.Severity, "severity", "", "only versions whose scan found at least this severity")
	return c
}

func newEvidenceCmd() *cobra.Command {
	var r remote
	var q client.EvidenceQuery
	c := &cobra.Command{
		Use:   "evidence NAME@VERSION [--type T] [--severity S]",
		Short: "List the evidence recorded for a model version",
		Example: `  mlsec evidence fraud-detector@3
  mlsec evidence fraud-detector@latest --type fairness --format json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := r.client()
			if err != nil {
				return err
			}
			name, ref := splitRef(args[0])
			n, err := cl.Resolve(cmd.Context(), name, ref)
			if err != nil {
				return remoteErr(cl, err)
			}
			es, err := client.All(cmd.Context(), 0, func(ctx context.Context, cur string) (client.List[registry.Evidence], error) {
				q.Page = registry.Page{Limit: registry.MaxLimit, Cursor: cur}
				return cl.ListEvidence(ctx, name, n, q)
			})
			if err != nil {
				return remoteErr(cl, err)
			}
			if r.format == "json" {
				return writeJSONOut(cmd.OutOrStdout(), es)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tTYPE\tRESULT\tPRODUCER\tSIGNED\tTIMESTAMP\tBY")
			for _, e := range es {
				// The Body is the whole record; its result says what it found.
				var rec evidence.Record
				result := "unreadable record"
				if json.Unmarshal(e.Body, &rec) == nil {
					result = evidence.Outcome(rec)
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%t\t%s\t%s\n", e.ID, e.Type, result, e.Producer, e.Signed, e.Timestamp.Format("2006-01-02 15:04"), e.CreatedBy)
			}
			return tw.Flush()
		},
	}
	r.register(c.Flags(), true)
	c.Flags().StringVar(&q.Type, "type", "", "only records of this type (scan, signature, bom, ...)")
	c.Flags().StringVar(&q.Severity, "severity", "", "only scan records at least this severe")
	return c
}

func newLineageCmd() *cobra.Command {
	var r remote
	var adds []string
	var commit, note string
	c := &cobra.Command{
		Use:   "lineage NAME@VERSION [--add KIND=TARGET ...]",
		Short: "Show or add a model version's lineage",
		Long: `lineage lists a version's lineage edges. --add KIND=TARGET adds one first:
trained_on=DATASET_DIGEST, derived_from=BASE_MODEL_DIGEST, produced_by=RUN_URL
(with --commit) or evaluated_by=URL.`,
		Example: `  mlsec lineage fraud@2 --add trained_on=sha256:4f2a... --add produced_by=https://ci/run/7 --commit 9fceb02`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := r.client()
			if err != nil {
				return err
			}
			name, ref := splitRef(args[0])
			n, err := cl.Resolve(cmd.Context(), name, ref)
			if err != nil {
				return remoteErr(cl, err)
			}
			for _, a := range adds {
				kind, target, ok := strings.Cut(a, "=")
				if !ok || target == "" {
					return withCode(ExitUsage, fmt.Errorf("--add %q: want KIND=TARGET", a))
				}
				l := client.NewLineage{Kind: registry.LineageKind(kind), Target: target, Note: note}
				if l.Kind == registry.ProducedBy {
					l.Commit = commit
				}
				if _, err := cl.AddLineage(cmd.Context(), name, n, l); err != nil {
					return remoteErr(cl, err)
				}
			}
			ls, err := cl.Lineage(cmd.Context(), name, n)
			if err != nil {
				return remoteErr(cl, err)
			}
			if r.format == "json" {
				return writeJSONOut(cmd.OutOrStdout(), ls)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "KIND\tTARGET\tCOMMIT\tBY\tNOTE")
			for _, l := range ls {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", l.Kind, l.Target, l.Commit, l.CreatedBy, l.Note)
			}
			return tw.Flush()
		},
	}
	r.register(c.Flags(), true)
	c.Flags().StringArrayVar(&adds, "add", nil, "add an edge `KIND=TARGET` (repeatable)")
	c.Flags().StringVar(&commit, "commit", "", "commit of produced_by edges")
	c.Flags().StringVar(&note, "note", "", "note on added edges")
	return c
}
